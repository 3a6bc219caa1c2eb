"""Deduper against a real redis-server (the session `redis_url` fixture of tests/conftest.py
starts one and fails loudly if it cannot): statuses, thresholds on Arabic news text, cluster ids,
changed members, forget, edits, merges, idempotency, state layout.  Every test uses its own key
prefix, so they share the server without seeing each other."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from workers.dedupe import Deduper, exact
from workers.dedupe.minhash import compact_jaccard, signature, true_jaccard

# --- test stories (written for these tests, Libyan-news style) ------------------------------------

VACCINES = (
    "أعلنت وزارة الصحة في حكومة الوحدة الوطنية، اليوم الثلاثاء، عن وصول شحنة جديدة من اللقاحات "
    "إلى مطار معيتيقة الدولي في طرابلس تضم 250 ألف جرعة، مشيرة إلى أن توزيعها على البلديات سيبدأ "
    "مطلع الأسبوع المقبل.\n\n"
    "وقال مدير المركز الوطني لمكافحة الأمراض في تصريح صحفي إن الشحنة ستوزع وفق خطة تراعي الكثافة "
    "السكانية في كل بلدية، وإن الأولوية ستكون لكبار السن والعاملين في القطاع الصحي.\n\n"
    "وأضاف أن المركز أعد فرقا متنقلة للوصول إلى المناطق النائية في الجنوب، حيث تعاني بعض البلديات "
    "من نقص في الكوادر الطبية ووسائل التبريد اللازمة لحفظ اللقاحات.\n\n"
    "وأشار إلى أن عدد من تلقوا الجرعة الأولى تجاوز مليون شخص منذ انطلاق الحملة، داعيا المواطنين إلى "
    "التسجيل عبر المنظومة الإلكترونية وعدم التردد في أخذ اللقاح."
)

# The same event written independently: same names and numbers, different sentences.
VACCINES_INDEPENDENT = (
    "وصلت إلى طرابلس صباح الثلاثاء 250 ألف جرعة من اللقاحات على متن طائرة حطت في مطار معيتيقة، "
    "في ثالث شحنة تتسلمها البلاد خلال شهرين.\n\n"
    "وأوضح المركز الوطني لمكافحة الأمراض في بيان نشره على صفحته أن الجرعات ستصل إلى البلديات تباعا "
    "ابتداء من الأسبوع المقبل، على أن يحظى العاملون في المستشفيات وكبار السن بالأولوية.\n\n"
    "ويقول مسؤولون في بلديات الجنوب إن ضعف سلاسل التبريد ونقص الأطباء يعرقلان وصول اللقاحات إلى "
    "القرى البعيدة، مطالبين بدعم عاجل.\n\n"
    "وبحسب أرقام المركز، فقد تجاوز عدد الملقحين بالجرعة الأولى مليون شخص، فيما لا يزال الإقبال "
    "ضعيفا في عدد من المدن."
)

PORT = (
    "استأنف ميناء بنغازي البحري نشاطه التجاري بعد توقف دام ثلاثة أيام بسبب سوء الأحوال الجوية "
    "وارتفاع الأمواج في خليج سرت.\n\n"
    "وقال مدير الميناء إن أربع سفن محملة بالقمح والمواد الغذائية بدأت تفريغ حمولتها صباح اليوم، "
    "فيما تنتظر ناقلتا وقود دورهما في الرسو خلال الساعات المقبلة.\n\n"
    "وأكد أن إدارة الميناء رفعت عدد ورديات العمل لتعويض التأخير، مشيرا إلى أن الطاقة الاستيعابية "
    "للأرصفة تسمح باستقبال ست سفن في وقت واحد.\n\n"
    "من جهتها طمأنت الشركة العامة للكهرباء المواطنين بأن شحنات الوقود ستصل إلى محطة شمال بنغازي "
    "قبل نهاية الأسبوع."
)

POWER = (
    "أعلنت الشركة العامة للكهرباء عن جدول جديد لطرح الأحمال في طرابلس والمنطقة الغربية يبدأ تطبيقه "
    "غدا الأربعاء ويستمر حتى نهاية موجة الحر.\n\n"
    "وأرجعت الشركة في بيانها القرار إلى خروج وحدتين من محطة الزاوية الغازية عن الخدمة لأعمال "
    "الصيانة الطارئة، وارتفاع الاستهلاك إلى مستويات قياسية.\n\n"
    "ودعت الشركة المواطنين إلى ترشيد استهلاك الطاقة خلال ساعات الذروة وإطفاء أجهزة التكييف في "
    "الأماكن غير المستخدمة.\n\n"
    "وقال الناطق باسم الشركة إن فرق الصيانة تعمل على مدار الساعة لإعادة الوحدتين إلى الشبكة في "
    "أقرب وقت ممكن."
)

# Five paragraphs of similar length (for the merge test).
ELECTIONS = [
    "أعلنت المفوضية الوطنية العليا للانتخابات فتح باب التسجيل في سجل الناخبين للانتخابات البلدية "
    "في خمس وعشرين بلدية اعتبارا من يوم الأحد المقبل",
    "وقال رئيس المفوضية في مؤتمر صحفي عقده بمقر المفوضية في طرابلس إن التسجيل سيكون عبر الرسائل "
    "النصية القصيرة وعبر مراكز التسجيل المنتشرة في البلديات",
    "وأوضح أن المفوضية تسلمت التمويل اللازم من وزارة المالية وأن المواد الانتخابية ستوزع على مكاتب "
    "الإدارة الانتخابية خلال الأسبوعين المقبلين",
    "وأضاف أن المفوضية ستسمح لمنظمات المجتمع المدني المحلية والدولية بمراقبة جميع مراحل العملية "
    "الانتخابية من التسجيل حتى إعلان النتائج",
    "ودعا رئيس المفوضية المواطنين ولا سيما النساء والشباب إلى المبادرة بالتسجيل والمشاركة في "
    "اختيار ممثليهم في المجالس البلدية الجديدة",
]


def paras(text: str) -> list[str]:
    return text.split("\n\n")


def with_intro(text: str) -> str:
    return "طرابلس - بوابة الوسط: نقلا عن وكالة الأنباء الليبية\n\n" + text


def with_credit(text: str) -> str:
    return text + "\n\nالمصدر: صحيفة المرصد الليبية"


def trimmed(text: str) -> str:
    return "\n\n".join(paras(text)[:-1])


T0 = "2024-05-14T09:00:00+02:00"
T1 = "2024-05-14T10:30:00+02:00"
T2 = "2024-05-14T12:00:00+02:00"


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    p = f"test:dedupe:{uuid.uuid4().hex[:8]}"
    yield p
    for key in client.scan_iter(match="{" + p + "}:*", count=1000):
        client.delete(key)


@pytest.fixture
def dd(client: redis.Redis, prefix: str) -> Deduper:
    return Deduper(client, prefix=prefix)


def state(client: redis.Redis, prefix: str) -> dict[bytes, Any]:
    """Every key of the store with its content (type-aware), to compare before / after."""
    out: dict[bytes, Any] = {}
    for key in client.scan_iter(match="{" + prefix + "}:*", count=1000):
        kind = client.type(key)
        out[key] = client.hgetall(key) if kind == b"hash" else client.get(key)
    return out


# --- statuses ------------------------------------------------------------------------------------


def test_first_copy_is_new_and_alone(dd: Deduper) -> None:
    d = dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    assert d.status == "new" and d.stored
    assert d.cluster_id == "v1" and d.duplicate_of is None
    assert [m.doc_id for m in d.members] == ["v1"]
    assert d.also_published_by("v1") == [] and d.changed_members == []


def test_same_outlet_exact_duplicate_is_dropped(dd: Deduper, client: redis.Redis, prefix: str) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    before = state(client, prefix)
    # same body, punctuation / spelling differences only, another URL of the same outlet
    body = VACCINES.replace("،", ",").replace("أ", "ا")
    d = dd.assign("v1-amp", outlet="alwasat", body=body, published_at=T0)
    assert d.status == "exact_duplicate" and not d.stored
    assert d.duplicate_of == "v1" and d.cluster_id == "v1"
    assert [m.doc_id for m in d.members] == ["v1"]
    assert state(client, prefix) == before  # nothing stored
    assert dd.lookup("v1-amp") is None
    # asking again gives the same answer
    assert dd.assign("v1-amp", outlet="alwasat", body=body, published_at=T0).status == "exact_duplicate"


def test_other_outlet_identical_copy_is_a_repost(dd: Deduper) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    d = dd.assign("v2", outlet="lana", body=VACCINES, published_at=T1)
    assert d.status == "exact_repost" and d.cluster_id == "v1"
    assert {m.doc_id for m in d.members} == {"v1", "v2"}
    assert d.also_published_by("v1") == ["lana"] and d.also_published_by("v2") == ["alwasat"]
    assert d.changed_members == ["v1"]  # v1's also_published_by gained "lana"
    # unknown outlet: never a same-outlet duplicate
    d3 = dd.assign("v3", outlet=None, body=VACCINES, published_at=None)
    assert d3.status == "exact_repost" and d3.cluster_id == "v1"


@pytest.mark.parametrize(
    "edit",
    [with_intro, with_credit, trimmed, lambda t: with_credit(with_intro(trimmed(t)))],
    ids=["intro", "credit", "trimmed", "all-three"],
)
def test_syndicated_copy_with_small_edits_joins_the_cluster(dd: Deduper, edit: Any) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    d = dd.assign("v2", outlet="218tv", body=edit(VACCINES), published_at=T1)
    assert d.status == "near_duplicate"
    assert d.cluster_id == "v1" and {m.doc_id for m in d.members} == {"v1", "v2"}
    assert d.also_published_by("v2") == ["alwasat"]


def test_copy_arriving_before_its_original(dd: Deduper) -> None:
    a = dd.assign("copy", outlet="218tv", body=with_credit(trimmed(VACCINES)), published_at=T1)
    assert a.status == "new" and a.cluster_id == "copy"
    d = dd.assign("orig", outlet="alwasat", body=VACCINES, published_at=T0)
    assert d.status == "near_duplicate"
    assert d.cluster_id == "orig"  # earliest by published_at, not first seen
    assert d.changed_members == ["copy"]  # its cluster_id and also_published_by changed
    assert dd.lookup("copy").cluster_id == "orig"


def test_independent_report_of_the_same_event_stays_apart(dd: Deduper) -> None:
    sim = compact_jaccard(signature(VACCINES).sig, signature(VACCINES_INDEPENDENT).sig)
    assert sim < 0.15 and true_jaccard(VACCINES, VACCINES_INDEPENDENT) < 0.15
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    d = dd.assign("w1", outlet="libyaobserver", body=VACCINES_INDEPENDENT, published_at=T0)
    assert d.status == "new" and d.cluster_id == "w1"
    for i, body in enumerate((PORT, POWER)):
        assert dd.assign(f"o{i}", outlet="alwasat", body=body, published_at=T0).status == "new"


def test_unchanged_and_idempotent(dd: Deduper, client: redis.Redis, prefix: str) -> None:
    calls = [
        ("v1", "alwasat", VACCINES, T0),
        ("v2", "lana", VACCINES, T1),
        ("v3", "218tv", with_intro(VACCINES), T2),
        ("p1", "almarsad", PORT, T1),
        ("v4", "alwasat", VACCINES, T0),  # exact duplicate
    ]
    first = [dd.assign(i, outlet=o, body=b, published_at=p) for i, o, b, p in calls]
    assert [d.status for d in first] == ["new", "exact_repost", "near_duplicate", "new", "exact_duplicate"]
    snap = state(client, prefix)
    now = [dd.lookup(i) for i, *_ in calls[:4]]
    second = [dd.assign(i, outlet=o, body=b, published_at=p) for i, o, b, p in calls]
    assert state(client, prefix) == snap
    assert [d.status for d in second] == ["unchanged"] * 4 + ["exact_duplicate"]
    for a, b in zip(now, second[:4], strict=True):
        assert (a.cluster_id, a.members) == (b.cluster_id, b.members)
        assert b.changed_members == []
    assert (
        (first[4].duplicate_of, first[4].cluster_id)
        == (second[4].duplicate_of, second[4].cluster_id)
        == ("v1", "v1")
    )
    assert dd.stats()["docs"] == 4


def test_metadata_update_without_body_change(dd: Deduper) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T1)
    dd.assign("v2", outlet="lana", body=with_credit(VACCINES), published_at=None)
    # the crawler later finds v2's real date, earlier than v1's
    d = dd.assign("v2", outlet="lana", body=with_credit(VACCINES), published_at=T0)
    assert d.status == "unchanged" and d.cluster_id == "v2"
    assert d.changed_members == ["v1"]


def test_cluster_id_rules(dd: Deduper) -> None:
    # 10:00+02:00 (08:00 UTC) is earlier than 09:30+00:00 although it sorts later as text
    dd.assign("a", outlet="x", body=VACCINES, published_at="2024-05-14T09:30:00+00:00")
    d = dd.assign("b", outlet="y", body=VACCINES, published_at="2024-05-14T10:00:00+02:00")
    assert d.cluster_id == "b"
    # undated copies never become the cluster id of dated ones
    d = dd.assign("c", outlet="z", body=VACCINES, published_at=None)
    assert d.cluster_id == "b"
    # all undated / ties: first seen
    e1 = dd.assign("p2", outlet="x", body=PORT, published_at=None)
    e2 = dd.assign("p1", outlet="y", body=with_credit(PORT), published_at=None)
    assert e1.cluster_id == e2.cluster_id == "p2"


def test_new_outlet_changes_the_others_also_published_by(dd: Deduper) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    dd.assign("v2", outlet="lana", body=with_intro(VACCINES), published_at=T1)
    d = dd.assign("v3", outlet="lana", body=with_credit(VACCINES), published_at=T2)
    # lana was already in the cluster: nobody else's values changed
    assert d.status == "near_duplicate" and d.changed_members == []
    d = dd.assign("v4", outlet="218tv", body=trimmed(VACCINES), published_at=T2)
    assert d.changed_members == ["v1", "v2", "v3"]
    assert d.also_published_by("v1") == ["218tv", "lana"]
    assert d.also_published_by("v2") == ["218tv", "alwasat"]


# --- forget, edits, merges -------------------------------------------------------------------------


def test_forget(dd: Deduper, client: redis.Redis, prefix: str) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    dd.assign("v2", outlet="lana", body=with_intro(VACCINES), published_at=T1)
    dd.assign("v3", outlet="218tv", body=with_credit(VACCINES), published_at=T2)
    dd.assign("p1", outlet="almarsad", body=PORT, published_at=T0)
    assert dd.forget("v1") == ["v2", "v3"]  # new earliest, and alwasat left their lists
    assert dd.lookup("v2").cluster_id == "v2"
    assert dd.forget("v1") == []  # unknown now: no-op
    # after forgetting v1 its exact copy from the same outlet is no longer a duplicate
    assert dd.assign("v1b", outlet="alwasat", body=VACCINES, published_at=T0).status == "near_duplicate"
    for doc in ("v1b", "v2", "v3", "p1"):
        dd.forget(doc)
    left = {k.decode().rsplit(":", 1)[-1] for k in state(client, prefix)}
    assert left == {"seq", "n"}
    assert client.get("{" + prefix + "}:n") == b"0"


def test_forgetting_down_to_one_member_makes_a_singleton(dd: Deduper) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    dd.assign("v2", outlet="lana", body=with_intro(VACCINES), published_at=T1)
    assert dd.forget("v1") == ["v2"]
    info = dd.lookup("v2")
    assert info.cluster_id == "v2" and [m.doc_id for m in info.members] == ["v2"]
    # and the singleton still attracts copies
    assert dd.assign("v3", outlet="218tv", body=trimmed(VACCINES), published_at=T2).cluster_id == "v2"


def test_body_changed_under_the_same_doc_id(dd: Deduper) -> None:
    dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    dd.assign("v2", outlet="lana", body=with_intro(VACCINES), published_at=T1)
    # v1 is edited into a different story: it leaves the cluster
    d = dd.assign("v1", outlet="alwasat", body=POWER, published_at=T0)
    assert d.status == "new" and d.cluster_id == "v1" and [m.doc_id for m in d.members] == ["v1"]
    assert d.changed_members == ["v2"]
    assert dd.lookup("v2").cluster_id == "v2"
    # edited back: rejoins
    d = dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    assert d.status == "near_duplicate" and d.cluster_id == "v1" and d.changed_members == ["v2"]


def test_a_doc_resembling_two_clusters_merges_them(dd: Deduper) -> None:
    head = "\n\n".join(ELECTIONS[:3])  # first three paragraphs
    tail = "\n\n".join(ELECTIONS[2:])  # last three: one paragraph in common with head
    full = "\n\n".join(ELECTIONS)
    assert true_jaccard(head, tail) < 0.25
    assert true_jaccard(head, full) > 0.5 and true_jaccard(tail, full) > 0.5
    a = dd.assign("head", outlet="x", body=head, published_at=T1)
    b = dd.assign("tail", outlet="y", body=tail, published_at=T2)
    assert a.status == b.status == "new"
    d = dd.assign("full", outlet="z", body=full, published_at=T0)
    assert d.status == "near_duplicate"
    assert {m.doc_id for m in d.members} == {"head", "tail", "full"}
    assert d.cluster_id == "full" and d.changed_members == ["head", "tail"]
    assert dd.lookup("head").cluster_id == dd.lookup("tail").cluster_id == "full"


def test_a_compilation_article_does_not_chain_its_stories(dd: Deduper) -> None:
    digest = "\n\n".join([PORT, POWER, VACCINES])  # "news in brief": three stories in one piece
    dd.assign("port", outlet="x", body=PORT, published_at=T0)
    k = dd.assign("digest", outlet="y", body=digest, published_at=T1)
    assert k.status == "new"
    assert dd.assign("power", outlet="z", body=POWER, published_at=T2).cluster_id == "power"
    assert dd.assign("vacc", outlet="z", body=VACCINES, published_at=T2).cluster_id == "vacc"


def test_empty_and_short_bodies(dd: Deduper) -> None:
    assert dd.assign("e1", outlet="x", body="", published_at=None).status == "new"
    # two empty bodies from different outlets are not "the same story"... but they are identical
    # bodies, which is what exact matching means; from the same outlet they are duplicates
    assert dd.assign("e2", outlet="x", body="  ", published_at=None).status == "exact_duplicate"
    short = "انقطاع الكهرباء عن طرابلس"
    assert dd.assign("s1", outlet="x", body=short, published_at=None).status == "new"
    assert dd.assign("s2", outlet="y", body=short + ".", published_at=None).status == "exact_repost"
    # a different short text sharing most words: too short for near-duplicate matching
    assert dd.assign("s3", outlet="y", body=short + " الكبرى", published_at=None).status == "new"


def test_lua_exact_rule_matches_python(client: redis.Redis) -> None:
    outlets = ["a", "b", None]
    for n, combo in enumerate(itertools.product(outlets, repeat=3)):
        prefix = f"test:dedupe:exact:{uuid.uuid4().hex[:6]}:{n}"
        dd = Deduper(client, prefix=prefix)
        stored: list[tuple[str, str | None]] = []
        try:
            for i, outlet in enumerate(combo):
                expected = exact.classify(outlet, stored)
                d = dd.assign(f"d{i}", outlet=outlet, body=PORT, published_at=None)
                if expected is None:
                    assert d.status == "new"
                else:
                    assert d.status == expected[0]
                    if expected[0] == "exact_duplicate":
                        assert d.duplicate_of == expected[1]
                    else:
                        assert expected[1] in {m.doc_id for m in d.members}
                if d.stored:
                    stored.append((f"d{i}", outlet))
        finally:
            for key in client.scan_iter(match="{" + prefix + "}:*"):
                client.delete(key)


def test_works_with_decode_responses_client(redis_url: str, prefix: str) -> None:
    c = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        dd = Deduper(c, prefix=prefix)
        dd.assign("v1", outlet="الوسط", body=VACCINES, published_at=T0)
        d = dd.assign("v2", outlet="وال", body=trimmed(VACCINES), published_at=T1)
        assert d.status == "near_duplicate" and d.also_published_by("v2") == ["الوسط"]
        assert dd.stats(sample=None)["docs"] == 2
    finally:
        c.close()


def test_stats(dd: Deduper) -> None:
    for i, body in enumerate((VACCINES, PORT, POWER, with_intro(VACCINES))):
        dd.assign(f"d{i}", outlet=f"o{i}", body=body, published_at=T0)
    st = dd.stats(sample=None)
    assert st["docs"] == 4 and st["multi_member_clusters"] == 1
    assert st["keys"] > 4 and st["memory_bytes"] > 0 and st["bytes_per_doc"] > 0
    sampled = dd.stats(sample=5)
    assert sampled["sampled_keys"] == 5 and sampled["memory_bytes"] > 0


def test_parameter_validation(client: redis.Redis) -> None:
    with pytest.raises(ValueError):
        Deduper(client, num_perm=100, bands=32)
    with pytest.raises(ValueError):
        Deduper(client, threshold=0.0)
    with pytest.raises(ValueError):
        Deduper(client, bucket_bits=10)
    with pytest.raises(ValueError):
        Deduper(client).assign("", outlet="x", body="نص", published_at=None)


def test_lookup_many_matches_lookup_one_by_one(dd: Deduper) -> None:
    deduper = dd
    body = " ".join(f"كلمة{i}" for i in range(80))
    deduper.assign("a", outlet="x", body=body, published_at="2024-01-01T10:00:00+02:00")
    deduper.assign("b", outlet="y", body=body, published_at="2024-01-01T09:00:00+02:00")
    many = deduper.lookup_many(["a", "b", "missing"])
    assert many["missing"] is None
    for doc_id in ("a", "b"):
        one = deduper.lookup(doc_id)
        assert (many[doc_id].cluster_id, many[doc_id].also_published_by(doc_id)) == (
            one.cluster_id, one.also_published_by(doc_id))
    assert many["a"].cluster_id == "b"


def test_a_lone_article_that_gets_a_same_outlet_copy_is_re_indexed(dd: Deduper) -> None:
    # Its cluster id and also_published_by stay as they were; only sole_version changes, and search
    # trusts that flag to skip counting versions, so the first member must be re-indexed.
    first = dd.assign("v1", outlet="alwasat", body=VACCINES, published_at=T0)
    assert first.sole_version
    d = dd.assign("v1-edited", outlet="alwasat", body=with_credit(VACCINES), published_at=T1)
    assert d.status == "near_duplicate" and d.cluster_id == "v1" and d.also_published_by("v1") == []
    assert not d.sole_version and d.changed_members == ["v1"]
    assert not dd.lookup("v1").sole_version
