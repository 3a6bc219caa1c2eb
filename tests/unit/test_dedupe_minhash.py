"""Pure parts of workers/dedupe: shingles, signatures, estimates, the exact rule, cluster ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from akhbar.core.text import content_hash, normalize_for_hash, words
from workers.dedupe import exact
from workers.dedupe.clusters import ClusterMember, also_published_by, earliest, parse_time
from workers.dedupe.minhash import (
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLE_SIZE,
    band_keys,
    compact,
    compact_jaccard,
    containment,
    minhash,
    minhash_values,
    shingle_hashes,
    shingles,
    signature,
    token_hashes,
    true_jaccard,
)

ROOT = Path(__file__).resolve().parents[2]
VARIANT_WORDS = "خبر خبر خبر عاجل عاجل 2024 ٢٠٢٤ ليبيا"

STORY = (
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


def test_words_and_shingles_fold_arabic_spelling_variants() -> None:
    # hamza forms, ta marbuta, alef maqsura, harakat, tatweel, Arabic-Indic digits, punctuation
    a = "أعلنت الوزارةُ، اليوم، وصول ٢٥٠ ألف جرعة إلى مطار معيتيقة."
    b = "اعلنت الوزاره اليوم وصـــول 250 الف جرعه الي مطار معيتيقه"
    assert words(a) == words(b)
    assert shingles(words(a)) == shingles(words(b))
    assert set(shingle_hashes(normalize_for_hash(a)).tolist()) == set(
        shingle_hashes(normalize_for_hash(b)).tolist()
    )
    assert signature(a).content_hash == signature(b).content_hash == content_hash(a)


def test_shingles_of_short_and_empty_texts() -> None:
    assert shingles([], 5) == set()
    assert shingles(["خبر", "عاجل"], 5) == {"خبر عاجل".encode()}
    assert len(shingles(["واحد", "اثنان", "ثلاثة", "اربعة", "خمسة", "ستة"], 5)) == 2
    assert len(shingle_hashes("", 5)) == 0
    assert len(shingle_hashes("خبر عاجل", 5)) == 1
    sig = signature("")
    assert sig.empty and sig.sig == b"" and sig.size == 0
    assert signature("  ...  ،،  ").empty


def test_shingle_hashes_are_a_set_and_order_sensitive() -> None:
    toks = ["طرابلس", "بنغازي", "مصراتة", "سبها"]
    repeated = toks * 3
    assert len(shingle_hashes(" ".join(repeated), 2)) == len(set(zip(repeated, repeated[1:], strict=False)))
    # same words, other order -> other shingles
    assert set(shingle_hashes(" ".join(toks), 2).tolist()) != set(
        shingle_hashes(" ".join(toks[::-1]), 2).tolist()
    )
    # one hash per distinct shingle string, for every shingle size
    norm = normalize_for_hash(STORY + " " + VARIANT_WORDS)
    for k in (1, 2, 3, 5, 8):
        assert len(shingle_hashes(norm, k)) == len(shingles(norm.split(), k))


def test_token_hashes() -> None:
    norm = normalize_for_hash(STORY)
    th = token_hashes(norm).tolist()
    toks = norm.split()
    assert len(th) == len(toks)
    seen: dict[str, int] = {}
    for t, h in zip(toks, th, strict=True):
        assert seen.setdefault(t, h) == h  # same token, same hash
    assert len(set(seen.values())) == len(seen)  # different tokens, different hashes
    assert token_hashes("").size == 0
    assert token_hashes("ab").tolist() != token_hashes("ba").tolist()


def test_signature_shape_and_compact_form() -> None:
    sig = signature(STORY)
    assert len(sig.sig) == 2 * DEFAULT_NUM_PERM
    assert sig.size == len(shingles(words(STORY), DEFAULT_SHINGLE_SIZE))
    assert sig.n_words == len(words(STORY))
    m = minhash(STORY)  # datasketch MinHash + update_batch
    assert (m.hashvalues == minhash_values(shingle_hashes(normalize_for_hash(STORY)))).all()
    assert compact(m) == sig.sig
    assert compact_jaccard(sig.sig, sig.sig) == 1.0
    with pytest.raises(ValueError):
        compact_jaccard(sig.sig, sig.sig[:-2])


def test_signatures_are_identical_across_processes() -> None:
    """Every worker must compute the same signature for the same body (no per-process hash seed)."""
    code = (
        "import json,sys; from workers.dedupe.minhash import signature; "
        "s = signature(sys.stdin.read()); print(json.dumps([s.content_hash, s.sig.hex(), s.size]))"
    )
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code],
            input=STORY,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
        outs.append(json.loads(run.stdout))
    here = signature(STORY)
    assert outs[0] == outs[1] == [here.content_hash, here.sig.hex(), here.size]


def test_estimated_jaccard_tracks_the_true_jaccard() -> None:
    paras = STORY.split("\n\n")
    variants = [
        "\n\n".join(paras[:-1]),  # trimmed last paragraph
        "نقلا عن وكالة الأنباء الليبية\n\n" + STORY,  # intro line
        STORY + "\n\nالمصدر: بوابة الوسط",  # credit
        "\n\n".join(paras[:2]),  # half
    ]
    for v in variants:
        est = compact_jaccard(signature(STORY).sig, signature(v).sig)
        # sampling error of 96 permutations: sd <= 0.05
        assert abs(est - true_jaccard(STORY, v)) < 0.16


def test_containment_from_jaccard_and_sizes() -> None:
    # B inside A, |A| = 100, |B| = 50 -> J = 0.5, containment 1
    assert containment(0.5, 100, 50) == pytest.approx(1.0)
    # disjoint
    assert containment(0.0, 100, 50) == 0.0
    # identical
    assert containment(1.0, 80, 80) == pytest.approx(1.0)
    # half of B in A: |A n B| = 25, |A u B| = 125 -> J = 0.2
    assert containment(0.2, 100, 50) == pytest.approx(0.5)
    assert containment(0.3, 0, 10) == 0.0


def test_band_keys() -> None:
    sig = signature(STORY).sig
    keys = band_keys(sig, 32)
    assert len(keys) == 32 and len(set(keys)) == 32
    assert all(k[0] == i and len(k) == 1 + len(sig) // 32 for i, k in enumerate(keys))
    with pytest.raises(ValueError):
        band_keys(sig, 7)


def test_exact_rule() -> None:
    assert exact.classify("alwasat", []) is None
    # same outlet, same body, another URL -> duplicate of the stored one
    assert exact.classify("alwasat", [("d1", "alwasat")]) == ("exact_duplicate", "d1")
    # another outlet -> repost joining the first copy's cluster
    assert exact.classify("lana", [("d1", "alwasat"), ("d2", "218tv")]) == ("exact_repost", "d1")
    assert exact.classify("218tv", [("d1", "alwasat"), ("d2", "218tv")]) == ("exact_duplicate", "d2")
    # unknown outlets never make duplicates
    assert exact.classify(None, [("d1", None)]) == ("exact_repost", "d1")
    assert exact.classify("", [("d1", "")]) == ("exact_repost", "d1")
    assert exact.digest(content_hash(STORY)) == bytes.fromhex(content_hash(STORY))
    with pytest.raises(ValueError):
        exact.digest("abcd")


def test_cluster_id_is_earliest_by_utc_time_then_first_seen() -> None:
    m = ClusterMember
    # 10:00+02:00 is 08:00 UTC, earlier than 09:30 UTC although it sorts later as text
    members = [(m("a", "x", "2024-03-01T09:30:00+00:00"), 1), (m("b", "y", "2024-03-01T10:00:00+02:00"), 2)]
    assert earliest(members) == "b"
    # undated members come after dated ones
    assert earliest([(m("a", "x", None), 1), (m("b", "y", "2024-03-01T10:00:00+02:00"), 2)]) == "b"
    # ties and all-undated: first seen
    same = "2024-03-01T10:00:00+02:00"
    assert earliest([(m("b", "x", same), 2), (m("a", "y", same), 3), (m("c", "z", same), 1)]) == "c"
    assert earliest([(m("b", "x", None), 5), (m("a", "y", "garbage"), 4)]) == "a"
    assert parse_time("2024-03-01T10:00:00Z") == parse_time("2024-03-01T12:00:00+02:00")
    assert parse_time("2024-03-01T10:00:00") == parse_time("2024-03-01T10:00:00+00:00")
    assert parse_time(None) is None and parse_time("not a date") is None


def test_also_published_by() -> None:
    m = ClusterMember
    members = [
        m("a", "alwasat", None),
        m("b", "lana", None),
        m("c", "alwasat", None),
        m("d", None, None),
        m("e", "218tv", None),
    ]
    assert also_published_by(members, "a") == ["218tv", "lana"]
    assert also_published_by(members, "b") == ["218tv", "alwasat"]
    assert also_published_by(members, "d") == ["218tv", "alwasat", "lana"]
    assert also_published_by([m("a", "x", None)], "a") == []
