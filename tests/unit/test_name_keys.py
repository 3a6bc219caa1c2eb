"""Name keys across scripts (index.names) and match explanations (index.explain): pure functions.
The engine side of the same keys is checked against these in tests/integration/test_name_search.py."""

from __future__ import annotations

import pytest

from index.explain import explain, marked_forms, query_words
from index.names import arabic_keys, latin_loose_key, latin_variants, loose_keys, name_clause


def _meets(latin: str, arabic: str) -> bool:
    return bool({k for k, _ in latin_variants(latin)} & {k.lstrip("_") for k in arabic_keys(arabic)})


@pytest.mark.parametrize(("latin", "arabic"), [
    ("Kadafi", "القذافي"), ("Al-Qathafi", "القذافي"), ("Gheddafi", "والقذافي"),
    ("Dbaiba", "الدبيبة"), ("Dabaiba", "للدبيبة"),
    ("Ta'izz", "تعز"), ("Taez", "تعز"), ("Sana'a", "صنعاء"), ("Huthi", "الحوثي"), ("Hudaydah", "الحديدة"),
    ("Gassim", "القصيم"), ("Erdoğan", "أردوغان"), ("Misurata", "مصراتة"), ("Banghazi", "وبنغازي"),
    ("Tubruq", "طبرق"), ("Zawiyah", "الزاوية"), ("Ha'il", "حائل"),
])
def test_a_latin_spelling_meets_the_arabic_key(latin, arabic):
    assert _meets(latin, arabic)


@pytest.mark.parametrize(("latin", "arabic"), [
    ("Aden", "الدين"),  # the onset: عدن begins with ع, دين does not
    ("Aden", "دون"),
    ("Hail", "حول"),  # و is kept in the Arabic key
    ("Sanaa", "سنوات"),
])
def test_a_common_word_with_the_same_consonants_does_not_meet(latin, arabic):
    assert not _meets(latin, arabic)


def test_variants_are_cheapest_first_and_bounded():
    variants = latin_variants("Hodeidah")
    costs = [c for _, c in variants]
    assert costs == sorted(costs) and ("HDYDQ", 0.0) in variants  # الحديدة
    assert len(variants) <= 24
    assert latin_variants("al") == [] and latin_variants("el-") == []
    jubeir = dict(latin_variants("Jubeir"))  # ei is ي first; unwritten is a dearer guess (جبر is a word)
    assert jubeir["JBYR"] < jubeir["JBR"]


def test_loose_keys_join_romanisations_and_the_arabic_word():
    assert latin_loose_key("Gaddafi") == latin_loose_key("Qadhafi") == latin_loose_key("Kadafi") == "~KDF"
    assert latin_loose_key("Dbeibah's") == latin_loose_key("Dbaiba") == "~DBB"
    assert latin_loose_key("Misrata") in loose_keys("مصراتة")
    assert latin_loose_key("Haftar") in loose_keys("حفتر")


def test_name_clause_for_latin_arabic_and_article_words():
    latin = name_clause("Dbeibah")
    assert latin is not None and ("DBYBQ", 0.0) in latin.variants  # الدبيبة
    clauses = latin.clauses({"title": 3.0, "body": 1.0})
    assert "DBYBQ" in clauses[0]["terms"]["title.translit"] and clauses[0]["terms"]["boost"] == 3.0
    # the same spelling after a clitic (للدبيبة) counts half
    assert any("_DBYBQ" in c["terms"]["body.translit"] and c["terms"]["boost"] == 0.5
               for c in clauses if "body.translit" in c["terms"])
    arabic = name_clause("الدبيبة")
    assert arabic is not None and arabic.variants == ()
    assert name_clause("al") is None and name_clause("في") is None


def test_marked_forms_unescapes_and_keeps_order():
    hl = {"title": ["<mark>Tom &amp; Jerry</mark> x <mark>الدبيبة</mark>"], "body": ["<mark>tom &amp; jerry</mark>"]}
    assert marked_forms(hl) == ["Tom & Jerry", "الدبيبة"]


def test_explain_gives_the_reason_for_each_form_that_is_not_the_word_itself():
    rules = ["طرابلس, tripoli"]
    hl = {"title.translit": ["قال <mark>الدبيبة</mark> إن"], "body": ["<mark>Tripoli</mark> <mark>الوزراء</mark>"],
          "body.exact": ["<mark>مدرسة</mark>"]}
    got = explain(["Dbeibah", "طرابلس", "الوزير", "مدرسه"], hl, rules)
    assert {"form": "الدبيبة", "query": "Dbeibah", "reason": "transliteration"} in got
    assert {"form": "Tripoli", "query": "طرابلس", "reason": "synonym"} in got
    assert {"form": "الوزراء", "query": "الوزير", "reason": "stem"} in got
    assert {"form": "مدرسة", "query": "مدرسه", "reason": "spelling"} in got
    assert explain(["الدبيبة"], {"title": ["<mark>الدبيبة</mark>"]}, rules) == []


def test_query_words_split_phrases_and_hyphens():
    assert query_words(["al-Menfi", "عقيلة صالح", "al-Menfi"]) == ["al", "Menfi", "عقيلة", "صالح"]


def test_prune_keeps_the_cheapest_spellings_the_archive_holds():
    from index.names import PRUNE_TOLERANCE, UNPRUNED_COST, prune

    taiz = dict(latin_variants("Taiz"))  # تيز (the cheapest reading) is not held: ع is the likeliest
    assert taiz["TYZ"] < taiz["TEZ"] < taiz["TZ"]
    counts = {"TEZ": 40, "TZ": 3}
    assert set(dict(prune(latin_variants("Taiz"), counts))) == {
        k for k in counts if taiz[k] <= taiz["TEZ"] + PRUNE_TOLERANCE}
    # held only after a clitic (وتعز): that counts
    assert ("TEZ", taiz["TEZ"]) in prune(latin_variants("Taiz"), {"_TEZ": 2})
    # nothing held: the cheapest alone (the word stays required, nothing matches)
    assert prune(latin_variants("Taiz"), {}) == (latin_variants("Taiz")[0],)
    # unknown archive (a saved search): every variant up to UNPRUNED_COST
    assert prune(latin_variants("Taiz"), None) == tuple(v for v in latin_variants("Taiz") if v[1] <= UNPRUNED_COST)


def test_a_final_ah_is_read_as_ta_marbuta_first():
    # Hudaydah: الحديدة (ة) is the reading; الحديد ("iron", nothing written) costs more than after a bare -a
    from index.names import MARBUTA_EXTRA

    ah, a = dict(latin_variants("Hudaydah")), dict(latin_variants("Hudaida"))
    assert ah["HDYDQ"] == 0.0 and a["HDYDQ"] == 0.0
    assert ah.get("HDYD", 99) >= a["HDYD"] + MARBUTA_EXTRA  # dearer, or out of the MAX_VARIANTS cheapest
    ah, a = dict(latin_variants("Zuwarah")), dict(latin_variants("Zuwara"))
    assert ah["ZWARQ"] == 0.0 and ah.get("ZWAR", 99) >= a["ZWAR"] + MARBUTA_EXTRA


_WEIGHTS = {"title": 3.0, "body": 1.0}


def test_strongest_drops_name_clauses_far_below_the_best_held_one():
    from index.names import RELATIVE_CUT, strongest

    variants = (("TAJWRA", 0.0), ("TJRA", 0.5))
    # the name in a title at cost 0 (weight 3): body matches (1) and the clitic forms fall below the cut
    kept = strongest(variants, {"TAJWRA": 3, "title.TAJWRA": 3, "TJRA": 200, "title.TJRA": 4}, _WEIGHTS)
    assert all(level >= RELATIVE_CUT * 3.0 for _, _, level in kept)
    assert ("TAJWRA", "title", 3.0) in kept and ("TJRA", "title", 2.0) in kept
    assert not any(field == "body" for _, field, _ in kept)
    # only body mentions anywhere: the best is a body match, the body clauses stay (and titles above them)
    kept = strongest(variants, {"TAJWRA": 3, "TJRA": 200}, _WEIGHTS)
    assert ("TAJWRA", "body", 1.0) in kept and ("TJRA", "body", 0.667) in kept
    assert ("TAJWRA", "title", 3.0) in kept and ("_TJRA", "body", 0.333) not in kept
    # nothing held: nothing to measure against, nothing cut; cut 0: everything
    everything = strongest(variants, {}, _WEIGHTS)
    assert len(everything) == 2 * 2 * 2
    assert strongest(variants, {"TAJWRA": 3, "title.TAJWRA": 3}, _WEIGHTS, cut=0) == everything


def test_name_clause_targets_become_terms_per_field_and_weight():
    from dataclasses import replace

    clause = replace(name_clause("Tajoura"), targets=(("TAJWRA", "title", 3.0), ("TJWRA", "title", 3.0),
                                                      ("TJRA", "title", 2.0)))
    assert clause.clauses(_WEIGHTS) == [
        {"terms": {"title.translit": ["TAJWRA", "TJWRA"], "boost": 3.0}},
        {"terms": {"title.translit": ["TJRA"], "boost": 2.0}},
    ]
    # without targets (a saved search: the archive's counts are unknown) every field is searched
    fields = {next(iter(c["terms"])) for c in name_clause("Tajoura").clauses(_WEIGHTS)}
    assert fields == {"title.translit", "body.translit"}
