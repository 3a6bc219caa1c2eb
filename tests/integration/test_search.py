"""Search on the real node: query features, filters, sort, deep paging, highlight, facets, collapse,
malformed input, ranking, similar, and migration under a search loop.

Read-only tests share one module-level corpus (its own alias, removed at the end) to stay quick;
tests that write use the per-test `alias` fixture.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from index.adapter import SearchAdapter
from index.bulk import BulkAction, BulkIndexer
from index.manage import count, ensure_index, migrate
from index.mapping import order_key
from index.query import QueryError
from index.search import archive_docs, build_search, run_search, similar

pytestmark = pytest.mark.integration

FILLER_TEXT = ("وقال المتحدث إن الاجتماع تناول عدداً من الملفات المهمة وأكد المشاركون ضرورة التعاون بين "
               "الجهات المختلفة من أجل تحسين الخدمات المقدمة للمواطنين في مختلف المناطق")
FILLER = FILLER_TEXT.split()


def filler(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(FILLER) for _ in range(n))


def doc(key: str, title: str, body: str, **extra) -> tuple[str, dict]:
    url = f"https://fx.example.ly/{key}"
    fields = {"url": url, "canonical_url": url, "title": title, "body": body, "lead": body[:120],
              "language": "ar", "outlet": "fx-wasat", "cluster_id": key, "order_key": order_key(key)}
    return key, {**fields, **extra}


def corpus_docs() -> list[tuple[str, dict]]:
    docs = [
        # ranking: same words, in the title / as a body phrase / scattered in the body
        doc("rank-title", "استئناف الإنتاج في حقل الشرارة", filler(60, 1), section="rank", lead=filler(12, 9)),
        doc("rank-phrase", "تقرير اقتصادي أسبوعي", f"{filler(30, 2)} حقل الشرارة {filler(28, 3)}", section="rank",
            lead=filler(12, 9)),
        doc("rank-scatter", "نشرة أخبار متفرقة", f"{filler(10, 4)} حقل {filler(38, 5)} الشرارة {filler(10, 6)}",
            section="rank", lead=filler(12, 9)),
        # OR / exclusion / highlight encoding / similar
        doc("city-sabha", "انقطاع الكهرباء في سبها", "عاد التيار الكهربائي إلى مدينة سبها بعد انقطاع طويل",
            section="city", cluster_id="c-sabha"),
        doc("city-sabha-2", "عودة الكهرباء إلى سبها", "عاد التيار الكهربائي إلى مدينة سبها بعد انقطاع طويل جدا",
            section="city", cluster_id="c-sabha", outlet="fx-lana"),
        doc("city-ghadames", "مهرجان غدامس السياحي", "انطلق مهرجان غدامس السياحي بمشاركة فرق فنية <script>x</script>",
            section="city"),
        doc("city-ubari", "انقطاع الكهرباء في أوباري", "انقطع التيار الكهربائي عن مدينة أوباري بعد عطل طويل",
            section="city"),
    ]
    # facets and filters: outlets a/b/c, months in Libyan time, one English, one repost
    docs += [
        doc("f1", "ليبيا: اجتماع أول", "نص عن ليبيا", outlet="a", published_at="2024-01-10T10:00:00+02:00",
            section="facets"),
        doc("f2", "ليبيا: اجتماع ثان", "نص عن ليبيا", outlet="a", published_at="2024-01-31T23:30:00+00:00",
            section="facets"),  # 01:30 on 1 February in Tripoli
        doc("f3", "ليبيا: اجتماع ثالث", "نص عن ليبيا", outlet="a", published_at="2024-02-15T12:00:00+02:00",
            section="facets"),
        doc("f4", "ليبيا: اجتماع رابع", "نص عن ليبيا", outlet="b", published_at="2024-03-31T23:00:00+02:00",
            section="facets", source_outlet="a"),
        doc("f5", "Libya talks resume", "Libya news", outlet="b", published_at="2024-03-01", language="en",
            section="facets"),
        doc("f6", "ليبيا: اجتماع سادس", "نص عن ليبيا", outlet="c", section="facets"),
    ]
    # places: every place named (places) and the main one (main_place), as the clean stage writes them
    tripoli = {"id": "ly:tripoli", "name_ar": "طرابلس", "name_en": "Tripoli", "country": "LY"}
    cairo = {"id": "eg:cairo", "name_ar": "القاهرة", "name_en": "Cairo", "country": "EG"}
    docs += [
        doc("pl1", "اجتماع في طرابلس", "وفد من القاهرة يزور طرابلس", section="places", places=[tripoli, cairo],
            main_place=tripoli),
        doc("pl2", "معرض القاهرة للكتاب", "افتتح المعرض في القاهرة", section="places", places=[cairo],
            main_place=cairo),
        doc("pl3", "بيان", "طرابلس - قال المتحدث إن الاجتماع انتهى", section="places", places=[tripoli]),
    ]
    # paging: 57 documents in 25 clusters, tied dates, missing dates, varied scores
    rng = random.Random(7)
    for i in range(57):
        cluster = f"pc{i % 25}"
        day = 1 + (i % 9)
        extra = {} if i % 19 == 5 else {"published_at": f"2024-04-{day:02d}T08:00:00+02:00"}
        body = " ".join(["ميناء"] * (1 + i % 4)) + " " + filler(20 + rng.randrange(30), i)
        docs.append(doc(f"p{i:02d}", f"خبر رقم {i}", body, section="paging", cluster_id=cluster, **extra))
    return docs


@pytest.fixture(scope="module")
def corpus(search: SearchAdapter) -> Iterator[str]:
    alias = f"test-search-{uuid.uuid4().hex[:8]}"
    ensure_index(search, alias)
    actions = [BulkAction("index", key, body) for key, body in corpus_docs()]
    result = BulkIndexer(search, alias).run(actions, refresh=True)
    assert not result.failed, result.failed[:3]
    yield alias
    search.request("DELETE", f"/{alias}-v*", params={"ignore_unavailable": "true", "allow_no_indices": "true"})


def ids(result: dict) -> list[str]:
    return [h["id"] for h in result["hits"]]


def search_ids(search, corpus, **params) -> list[str]:
    return ids(run_search(search, corpus, {"size": 50, "all_versions": True, **params}))


# -- shape ----------------------------------------------------------------------------------------
def test_result_shape(search, corpus):
    result = run_search(search, corpus, {"q": "حقل الشرارة", "section": "rank"})
    assert set(result) == {"total", "total_relation", "hits", "facets", "facets_approximate", "next"}
    assert result["total_relation"] == "eq" and result["facets_approximate"] is False
    hit = result["hits"][0]
    assert set(hit) == {"id", "url", "title", "outlet", "source_outlet", "published_at", "score", "highlight",
                        "cluster_id", "also_published_by", "versions", "places", "main_place", "outlet_name",
                        "source_outlet_name", "also_published_by_names", "archived_from", "matched"}
    # why it matched, where a marked form is not the query word as typed (stems here, if any)
    assert all(set(m) == {"form", "query", "reason"} and m["query"] in ("حقل", "الشرارة") for m in hit["matched"])
    assert hit["archived_from"] is None  # crawled live; a backfilled article names its web-archive capture
    assert set(result["facets"]) == {"outlet", "place", "main_place", "month"}
    assert result["next"] is None


def test_title_and_phrase_rank_above_scattered_words(search, corpus):
    assert search_ids(search, corpus, q="حقل الشرارة", section="rank") == ["rank-title", "rank-phrase",
                                                                          "rank-scatter"]
    assert search_ids(search, corpus, q="الشرارة حقل", section="rank")[0] == "rank-title"


def test_phrase_or_exclusion(search, corpus):
    assert set(search_ids(search, corpus, q='"حقل الشرارة"')) == {"rank-title", "rank-phrase"}
    assert set(search_ids(search, corpus, q="حقل -الشرارة")) == set()
    assert set(search_ids(search, corpus, q='الكهرباء -"مدينة سبها"')) == {"city-ubari"}
    assert set(search_ids(search, corpus, q="سبها OR غدامس")) == {"city-sabha", "city-sabha-2", "city-ghadames"}
    assert set(search_ids(search, corpus, q="سبها أو غدامس")) == {"city-sabha", "city-sabha-2", "city-ghadames"}
    assert set(search_ids(search, corpus, q="انقطاع سبها OR اوباري")) == {"city-sabha", "city-sabha-2",
                                                                          "city-ubari"}
    assert set(search_ids(search, corpus, q="عطل سبها OR اوباري")) == {"city-ubari"}


def test_forms_users_type(search, corpus):
    # no hamza, other hamza forms, without the article, ta marbuta as heh, Latin transliteration
    for q in ("اوباري", "أوباري", "إوباري", "Ubari", "Awbari", "انقطاع الكهرباء اوباري"):
        assert "city-ubari" in search_ids(search, corpus, q=q), q
    assert "city-ghadames" in search_ids(search, corpus, q="مهرجان غدامس السياحيه")
    assert "city-ghadames" in search_ids(search, corpus, q="Ghadames")


def test_highlight_marks_and_escapes(search, corpus):
    result = run_search(search, corpus, {"q": "غدامس", "section": "city"})
    hl = result["hits"][0]["highlight"]
    assert "<mark>غدامس</mark>" in hl["title"][0]
    assert "&lt;script&gt;" in hl["body"][0] and "<script>" not in hl["body"][0]
    phrase = run_search(search, corpus, {"q": '"حقل الشرارة"', "section": "rank"})["hits"]
    assert any("<mark>" in frag for h in phrase for frag in h["highlight"].get("body", []))


def test_filters(search, corpus):
    assert set(search_ids(search, corpus, q="ليبيا", outlet="a")) == {"f1", "f2", "f3"}
    assert set(search_ids(search, corpus, q="ليبيا", outlet=["b", "c"])) == {"f4", "f5", "f6"}
    assert set(search_ids(search, corpus, q="ليبيا", language="en")) == {"f5"}
    assert set(search_ids(search, corpus, q="ليبيا", source_outlet="a")) == {"f4"}
    # bare days are whole days in Libyan time
    assert set(search_ids(search, corpus, q="ليبيا", **{"from": "2024-01-01", "to": "2024-01-31"})) == {"f1"}
    assert set(search_ids(search, corpus, q="ليبيا", **{"from": "2024-02-01", "to": "2024-03-31"})) == \
        {"f2", "f3", "f4", "f5"}
    assert set(search_ids(search, corpus, q="ليبيا", **{"from": "2024-01-31T23:00:00Z"})) == {"f2", "f3", "f4", "f5"}
    assert set(search_ids(search, corpus, q="", section="facets", to="2024-01-31")) == {"f1"}


def test_facets(search, corpus):
    result = run_search(search, corpus, {"q": "ليبيا", "section": "facets", "all_versions": True})
    assert result["total"] == 6
    assert result["facets"]["outlet"] == [{"key": "a", "count": 3, "name": "a"}, {"key": "b", "count": 2, "name": "b"},
                                          {"key": "c", "count": 1, "name": "c"}]
    named = run_search(search, corpus, {"q": "ليبيا", "section": "facets", "all_versions": True},
                       outlet_names={"a": "بوابة أ", "b": "موقع ب"})
    assert [(b["key"], b["name"]) for b in named["facets"]["outlet"]] == [("a", "بوابة أ"), ("b", "موقع ب"), ("c", "c")]
    assert {h["outlet_name"] for h in named["hits"]} == {"بوابة أ", "موقع ب", "c"}
    assert result["facets"]["month"] == [{"key": "2024-01", "count": 1}, {"key": "2024-02", "count": 2},
                                         {"key": "2024-03", "count": 2}]


def test_place_facets_offer_mentions_and_the_main_place(search, corpus):
    names = {"ly:tripoli": "طرابلس", "eg:cairo": "القاهرة"}
    result = run_search(search, corpus, {"q": "", "section": "places", "all_versions": True}, place_names=names)
    assert result["total"] == 3
    assert result["facets"]["place"] == [{"key": "eg:cairo", "count": 2, "name": "القاهرة"},
                                         {"key": "ly:tripoli", "count": 2, "name": "طرابلس"}]
    assert result["facets"]["main_place"] == [{"key": "eg:cairo", "count": 1, "name": "القاهرة"},
                                              {"key": "ly:tripoli", "count": 1, "name": "طرابلس"}]
    hits = {h["id"]: h for h in result["hits"]}
    assert hits["pl1"]["main_place"] == {"id": "ly:tripoli", "name": "طرابلس"}
    assert hits["pl3"]["main_place"] is None and hits["pl3"]["places"] == [{"id": "ly:tripoli", "name": "طرابلس"}]


def test_place_and_main_place_filters(search, corpus):
    assert set(search_ids(search, corpus, section="places", place="eg:cairo")) == {"pl1", "pl2"}
    assert set(search_ids(search, corpus, section="places", main_place="eg:cairo")) == {"pl2"}
    assert set(search_ids(search, corpus, section="places", place="ly:tripoli", main_place="ly:tripoli")) == {"pl1"}
    assert search_ids(search, corpus, section="places", main_place="ly:benghazi") == []


def test_date_sort_newest_first_undated_last(search, corpus):
    hits = run_search(search, corpus, {"q": "ليبيا", "section": "facets", "sort": "date",
                                       "all_versions": True})["hits"]
    assert [h["id"] for h in hits] == ["f4", "f5", "f3", "f2", "f1", "f6"]
    assert hits[0]["published_at"] == "2024-03-31T23:00:00+02:00"  # offset kept as written
    assert all(h["score"] is None for h in hits)  # date order computes no scores (docs/api.md)


def test_collapse_by_cluster_and_all_versions(search, corpus):
    collapsed = run_search(search, corpus, {"q": "سبها"})
    assert collapsed["total"] == 1 and len(collapsed["hits"]) == 1
    assert collapsed["hits"][0]["versions"] == 2
    every = run_search(search, corpus, {"q": "سبها", "all_versions": True})
    assert every["total"] == 2 and {h["id"] for h in every["hits"]} == {"city-sabha", "city-sabha-2"}


def _all_pages(search, corpus, params: dict) -> tuple[list[str], int]:
    seen, cursor, pages = [], None, 0
    while True:
        result = run_search(search, corpus, {**params, "cursor": cursor})
        seen += ids(result)
        pages += 1
        cursor = result["next"]
        if cursor is None:
            return seen, pages
        assert pages < 100


def _reference(search, corpus, params: dict, collapse: bool) -> list[str]:
    """The same query in one request; with the engine's own collapse (from/size) when collapsing."""
    body = build_search({**params, "size": 100, "all_versions": True})
    body.pop("highlight", None)
    if collapse:
        body["collapse"] = {"field": "cluster_id"}
    return [h["_id"] for h in search.search(corpus, body)["hits"]["hits"]]


@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("all_versions", [True, False])
def test_search_after_paging_has_no_duplicates_or_gaps(search, corpus, sort, all_versions):
    params = {"q": "ميناء", "section": "paging", "sort": sort, "size": 4, "all_versions": all_versions}
    got, pages = _all_pages(search, corpus, params)
    expected = _reference(search, corpus, {k: v for k, v in params.items() if k != "size"},
                          collapse=not all_versions)
    assert len(got) == len(set(got))
    assert got == expected
    assert len(got) == (57 if all_versions else 25)
    assert pages >= len(got) // 4
    first = run_search(search, corpus, params)
    assert first["total"] == len(got)


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_versions_count_the_matching_members_on_every_page(search, corpus, sort):
    # The first page counts versions with its own request, later pages with the collapse request.
    params = {"q": "ميناء", "section": "paging", "sort": sort, "size": 4}
    body = build_search({**params, "all_versions": True})
    body |= {"size": 0, "aggs": {"c": {"terms": {"field": "cluster_id", "size": 1000}}}}
    expected = {b["key"]: b["doc_count"] for b in search.search(corpus, body)["aggregations"]["c"]["buckets"]}
    assert any(n > 1 for n in expected.values())  # the corpus has clusters with several versions
    got, cursor = {}, None
    while True:
        result = run_search(search, corpus, {**params, "cursor": cursor})
        got |= {h["cluster_id"]: h["versions"] for h in result["hits"]}
        if (cursor := result["next"]) is None:
            break
    assert got == expected


def test_a_first_page_of_lone_articles_asks_the_engine_once(search, alias):
    """`sole_version` (written by the dedupe stage) spares the versions count for clusters of one; other
    clusters, and documents indexed before the field existed, are still counted."""
    docs = [doc(f"lone{i}", f"زلزال قرب المرج {i}", filler(20, i), cluster_id=f"lone{i}", sole_version=True)
            for i in range(4)]
    docs += [doc("pair-a", "زلزال وهزة ارتدادية", filler(20, 7), cluster_id="pair", sole_version=False),
             doc("pair-b", "هزة ارتدادية بعد زلزال", filler(20, 8), cluster_id="pair", sole_version=False,
                 outlet="fx-lana"),
             doc("older", "زلزال في الأرشيف القديم", filler(20, 9), cluster_id="older")]  # no sole_version
    ensure_index(search, alias)
    assert not BulkIndexer(search, alias).run([BulkAction("index", k, d) for k, d in docs], refresh=True).failed

    class Counting(SearchAdapter):
        """Each round trip's bodies: one for a search, several for an _msearch."""

        def search(self, index, body, params=None):
            self.trips.append([body])
            return super().search(index, body, params)

        def msearch(self, index, bodies):
            self.trips.append(list(bodies))
            return super().msearch(index, bodies)

    counting = Counting(search.url)
    archive_docs(counting, alias)  # the archive's size, asked once a minute (index.counts' sample)
    counting.trips = []
    result = run_search(counting, alias, {"q": "المرج"})
    assert sorted(ids(result)) == [f"lone{i}" for i in range(4)] and len(counting.trips) == 1
    assert {h["versions"] for h in result["hits"]} == {1}

    counting.trips.clear()
    result = run_search(counting, alias, {"q": "زلزال"})
    assert {h["cluster_id"]: h["versions"] for h in result["hits"]} == {
        "lone0": 1, "lone1": 1, "lone2": 1, "lone3": 1, "pair": 2, "older": 1}
    assert len(counting.trips) == 2
    [versions_count] = counting.trips[1]
    counted = versions_count["query"]["bool"]["filter"][1]["terms"]["cluster_id"]
    assert sorted(counted) == ["older", "pair"]
    counting.close()


def test_cursor_from_another_search_is_a_query_error(search, corpus):
    first = run_search(search, corpus, {"q": "ميناء", "size": 2, "sort": "date"})
    with pytest.raises(QueryError):
        run_search(search, corpus, {"q": "ميناء", "size": 2, "sort": "relevance", "cursor": first["next"]})
    with pytest.raises(QueryError):
        run_search(search, corpus, {"q": "ميناء", "cursor": "not-a-cursor"})


MALFORMED = ['"', '"""', "-", "--x", "OR", "AND OR NOT", "((()))", "title:", "*:*", "a~2^3", "\\", "/x/",
             "[1 TO 5]", "{}", "ليبيا\"", "أو أو أو", "-\"\"", "x" * 5000, " ".join(["و"] * 400), "\x00\x07",
             "🇱🇾 🙂", "<script>alert(1)</script>", "%00%ff", "' OR 1=1 --", "ـــــ", "\u200f\u200f", "١٢٣٤٥"]


@pytest.mark.parametrize("q", MALFORMED)
def test_malformed_queries_degrade_safely(search, corpus, q):
    result = run_search(search, corpus, {"q": q})
    assert isinstance(result["total"], int) and isinstance(result["hits"], list)


@pytest.mark.parametrize("params", [{"size": 0}, {"size": 500}, {"sort": "x"}, {"from": "yesterday"},
                                    {"from": "2024-05-01", "to": "2024-04-01"}, {"cursor": "%%%"}, {"nope": 1}])
def test_bad_parameters_raise_query_error(search, corpus, params):
    with pytest.raises(QueryError) as info:
        run_search(search, corpus, {"q": "ليبيا", **params})
    assert info.value.status == 400


def test_missing_index_is_an_empty_result(search):
    assert run_search(search, f"test-none-{uuid.uuid4().hex[:6]}", {"q": "ليبيا"})["total"] == 0


def test_similar_excludes_its_own_cluster(search, corpus):
    result = similar(search, corpus, "city-sabha", size=5)
    found = ids(result)
    assert "city-sabha" not in found and "city-sabha-2" not in found
    assert "city-ubari" in found
    with pytest.raises(QueryError):
        similar(search, corpus, "no-such-doc")


def test_strict_mapping_rejects_unknown_fields(search, alias):
    ensure_index(search, alias)
    result = BulkIndexer(search, alias).run([BulkAction("index", "x", {"title": "t", "surprise": 1})])
    assert result.failed and "strict" in result.failed[0][2]


# -- migration ----------------------------------------------------------------------------------
def test_migrate_while_searching(search, alias):
    first = ensure_index(search, alias)
    docs = [doc(f"m{i:03d}", f"خبر الميناء رقم {i}", f"ميناء {filler(30, i)}") for i in range(300)]
    BulkIndexer(search, alias).run([BulkAction("index", k, d) for k, d in docs], refresh=True)

    totals: list[int] = []
    errors: list[Exception] = []
    written: list[str] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                totals.append(run_search(search, alias, {"q": "ميناء", "size": 1, "all_versions": True,
                                                         "facets": False, "highlight": False})["total"])
            except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(exc)

    def write_loop() -> None:  # the pipeline keeps writing through the alias (other words: not counted)
        n = 0
        while not stop.is_set():
            key = f"w{n:04d}"
            result = BulkIndexer(search, alias).run([BulkAction("index", key, doc(key, "خبر", "نفط")[1])])
            if result.succeeded:
                written.append(key)
            n += 1
            time.sleep(0.01)

    threads = [threading.Thread(target=search_loop), threading.Thread(target=write_loop)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.2)
        progress: list[tuple[int, int]] = []
        new = migrate(search, alias, progress=lambda done, total: progress.append((done, total)), poll=0.05)
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert not errors, errors[:3]
    assert len(totals) > 5 and set(totals) == {300}  # never down, never half-filled
    assert new != first and search.alias_targets(alias) == [new]
    assert search.exists(first)  # kept until --delete-old
    assert progress and progress[-1][0] >= 300
    search.refresh(new)
    assert count(search, new) == 300 + len(written)  # nothing written during the migration was lost
    newer = migrate(search, alias, delete_old=True)
    assert search.alias_targets(alias) == [newer] and not search.exists(new)
    assert count(search, newer) == 300 + len(written)


def test_an_older_index_gets_the_new_fields_in_place(search):
    # A v2-like index: no places/location, and title/body without v4's offsets (a changed field).
    from index.manage import add_new_fields
    from index.mapping import index_body

    name = f"test-old-{uuid.uuid4().hex[:6]}"
    body = index_body()
    props = body["mappings"]["properties"]
    for field in ("places", "main_place", "location"):
        del props[field]
    for field in ("title", "body"):
        props[field].pop("index_options")
        props[field]["fields"]["exact"].pop("index_options")
    search.request("PUT", f"/{name}", body=body)
    try:
        add_new_fields(search, name)
        after = search.request("GET", f"/{name}/_mapping")[name]["mappings"]["properties"]
        assert after["places"]["properties"]["id"]["type"] == "keyword"
        assert after["main_place"]["properties"]["id"]["type"] == "keyword"
        assert after["location"]["type"] == "geo_point"
        assert "index_options" not in after["title"]  # a changed field waits for `migrate`
    finally:
        search.request("DELETE", f"/{name}")


def _index_without_order_key(search, name: str, docs: list[tuple[str, dict]]) -> None:
    """An index from before `order_key` (mapping and documents), as written by an older release."""
    from index.mapping import index_body

    body = index_body()
    del body["mappings"]["properties"]["order_key"]
    search.request("PUT", f"/{name}", body=body)
    old = [(k, {f: v for f, v in d.items() if f != "order_key"}) for k, d in docs]
    assert not BulkIndexer(search, name).run([BulkAction("index", k, d) for k, d in old], refresh=True).failed


def _order_keys(search, name: str) -> dict[str, int | None]:
    hits = search.request("POST", f"/{name}/_search", body={"size": 100, "_source": ["order_key"]})["hits"]["hits"]
    return {h["_id"]: h["_source"].get("order_key") for h in hits}


def test_older_documents_get_their_sort_key_in_place_and_page_without_gaps(search):
    from index.manage import add_new_fields

    name = f"test-old-{uuid.uuid4().hex[:6]}"
    tied = "2024-06-01T08:00:00+02:00"  # one instant for all: only the tiebreaker orders them
    # Ids as the pipeline makes them (sha1 hex, akhbar.core.messages.doc_id_for): the engine's fill and the index
    # stage then give the same key.
    ids = [hashlib.sha1(f"{name}/{i}".encode()).hexdigest()[:24] for i in range(30)]
    docs = [doc(key, f"خبر الواحة {i}", f"الواحة {filler(20, i)}", published_at=tied) for i, key in enumerate(ids)]
    _index_without_order_key(search, name, docs)
    try:
        assert set(_order_keys(search, name).values()) == {None}
        add_new_fields(search, name)  # what a worker or the API does on start with an older index
        deadline = time.monotonic() + 60
        while None in _order_keys(search, name).values() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _order_keys(search, name) == {k: order_key(k) for k, _ in docs}  # as the index stage writes them

        seen, cursor = [], None
        while True:
            page = run_search(search, name, {"q": "الواحة", "sort": "date", "size": 7, "cursor": cursor})
            seen += [h["id"] for h in page["hits"]]
            if (cursor := page["next"]) is None:
                break
        assert sorted(seen) == sorted(k for k, _ in docs)  # no page repeats or skips one
        assert seen == sorted(seen, key=order_key)
    finally:
        search.request("DELETE", f"/{name}")


def test_migrate_gives_older_documents_their_sort_key(search):
    alias = f"test-mig-{uuid.uuid4().hex[:6]}"
    docs = [doc(f"mk{i}", "خبر", "نص") for i in range(5)] + [doc("not-hex-id", "خبر", "نص")]
    _index_without_order_key(search, f"{alias}-v1", docs)
    search.request("POST", "/_aliases", body={"actions": [{"add": {"index": f"{alias}-v1", "alias": alias,
                                                                  "is_write_index": True}}]})
    try:
        new = migrate(search, alias, delete_old=True)
        keys = _order_keys(search, new)
        assert set(keys) == {k for k, _ in docs} and None not in keys.values()
        assert len(set(keys.values())) == len(docs)
    finally:
        search.request("DELETE", f"/{alias}-v*")


def test_concurrent_cluster_view_updates_of_one_document_all_land(search, alias):
    """Two flushes can update one document's cluster view at once (a redelivered flush and a new one): the
    engine re-applies the later partial update instead of refusing it with 409 (a dead letter before)."""
    ensure_index(search, alias)
    key, body = doc("conflict", "خبر", "نص")
    assert not BulkIndexer(search, alias).run([BulkAction("index", key, body)], refresh=True).failed
    failures: list = []

    def update(worker: int) -> None:
        for n in range(60):
            view = {"cluster_id": f"c{worker}-{n}", "also_published_by": [], "sole_version": True}
            failures.extend(BulkIndexer(search, alias).run([BulkAction("update", key, view)]).failed)

    threads = [threading.Thread(target=update, args=(w,)) for w in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# -- bounded counting (index.counts) ------------------------------------------------------------------
@pytest.mark.parametrize("all_versions", [False, True])
def test_counts_past_the_cap_are_a_lower_bound_with_sampled_facets(search, corpus, monkeypatch, all_versions):
    """Shrunk limits stand for the real ones (10,000 / 50,000): the corpus is the archive, the paging
    section's 57 matches are 'many'."""
    from index import counts

    params = {"q": "ميناء", "section": "paging", "all_versions": all_versions}
    exact = run_search(search, corpus, params)
    assert exact["total_relation"] == "eq" and not exact["facets_approximate"]
    assert exact["total"] == (57 if all_versions else 25)
    assert exact["facets"]["outlet"] == [{"key": "fx-wasat", "name": "fx-wasat", "count": 57}]

    monkeypatch.setattr(counts, "TOTAL_CAP", 20)
    monkeypatch.setattr(counts, "SAMPLE_DOCS", 40)  # about half of the corpus
    many = run_search(search, corpus, params)
    assert many["total_relation"] == "gte" and many["facets_approximate"] is True
    assert many["total"] == 20  # "20+" matching articles: counting stopped at the cap
    [outlet] = many["facets"]["outlet"]
    assert outlet["key"] == "fx-wasat" and 57 / 2 <= outlet["count"] <= 57 * 2  # an estimate, scaled up
    assert [h["id"] for h in many["hits"]] == [h["id"] for h in exact["hits"]]  # ranking is not sampled

    for limit in (counts.EXACT_TIMEOUT, "1nanos"):  # under the cap: exact, even when the time limit cuts it
        monkeypatch.setattr(counts, "EXACT_TIMEOUT", limit)
        few = run_search(search, corpus, {"q": "سبها", "all_versions": all_versions})
        assert few["total_relation"] == "eq" and not few["facets_approximate"]
        assert few["total"] == (2 if all_versions else 1)
        assert few["facets"]["outlet"] == [{"key": "fx-lana", "name": "fx-lana", "count": 1},
                                           {"key": "fx-wasat", "name": "fx-wasat", "count": 1}]
