"""Query parsing and request building: pure functions, no engine."""

from __future__ import annotations

import json

import pytest

from index.mapping import order_key
from index.query import MAX_CLAUSES, QueryError, Term, parse_query
from index.search import (
    ORDER_TIEBREAK,
    SearchParams,
    build_counts,
    build_search,
    decode_cursor,
    encode_cursor,
    filter_clauses,
)


def test_plain_words_phrases_exclusions():
    q = parse_query('طرابلس "حكومة الوحدة" -حفتر -"مجلس النواب"')
    assert q.words == ["طرابلس"]
    assert q.phrases == ["حكومة الوحدة"]
    assert q.excluded == [Term("حفتر"), Term("مجلس النواب", phrase=True)]
    assert not q.empty


@pytest.mark.parametrize("text", ["طرابلس OR بنغازي", "طرابلس أو بنغازي", "طرابلس او بنغازي",
                                  "طرابلس | بنغازي", "طرابلس or بنغازي"])
def test_or_forms(text):
    q = parse_query(text)
    assert q.any_of == [[Term("طرابلس"), Term("بنغازي")]]
    assert q.words == []


def test_or_binds_tighter_than_and():
    q = parse_query("النفط طرابلس OR بنغازي OR سبها الميناء")
    assert q.words == ["النفط", "الميناء"]
    assert q.any_of == [[Term("طرابلس"), Term("بنغازي"), Term("سبها")]]


def test_or_with_phrase_alternative():
    q = parse_query('"المجلس الرئاسي" OR المنفي')
    assert q.any_of == [[Term("المجلس الرئاسي", phrase=True), Term("المنفي")]]


@pytest.mark.parametrize("text", ["OR", "OR طرابلس", "طرابلس OR", "طرابلس OR OR", "AND طرابلس NOT",
                                  "طرابلس -", "- طرابلس", "+طرابلس"])
def test_stray_operators_are_dropped(text):
    q = parse_query(text)
    assert q.positive_texts() in (["طرابلس"], [])
    assert q.excluded == []


def test_unbalanced_quote_runs_to_the_end():
    q = parse_query('مصرف "ليبيا المركزي')
    assert q.words == ["مصرف"]
    assert q.phrases == ["ليبيا المركزي"]


@pytest.mark.parametrize("quote", ['"{}"', "«{}»", "“{}”"])
def test_quote_styles(quote):
    assert parse_query(quote.format("سعر الصرف")).phrases == ["سعر الصرف"]


@pytest.mark.parametrize("text", ['title:(x) AND y^2~ "a\\" {b} [c TO d] /re/ * ? \\', "((((", '""""""',
                                  "***", "~~~", "&&||!", "\u200f\u200e", "\x00\x01"])
def test_lucene_syntax_is_punctuation(text):
    q = parse_query(text)
    for piece in q.positive_texts():
        assert not set(piece) & set('()[]{}^~*?\\/:&|!"')


def test_empty_and_none():
    assert parse_query("").empty
    assert parse_query(None).empty
    assert parse_query("   \n\t").empty
    with pytest.raises(QueryError):
        parse_query(42)  # type: ignore[arg-type]


def test_long_input_is_truncated():
    q = parse_query(" ".join(f"كلمة{i}" for i in range(500)))
    assert q.truncated
    assert len(q.words) == MAX_CLAUSES
    assert parse_query("ب" * 100_000).truncated


def test_hyphenated_and_possessive_words_survive():
    q = parse_query("al-Menfi Dbeibah's")
    assert q.words == ["al-Menfi", "Dbeibah's"]


def test_negated_or_is_an_exclusion_not_an_alternative():
    q = parse_query("نفط -غاز OR كهرباء")
    assert q.excluded == [Term("غاز")]
    assert q.words == ["نفط", "كهرباء"]


# -- parameters ---------------------------------------------------------------------------------
def test_params_coercion_and_aliases():
    p = SearchParams.coerce({"q": "x", "outlets": "a,b", "from": "2024-01-01", "to": "2024-01-31",
                             "size": "5", "all_versions": "true", "sort": "date"})
    assert p.outlet == ["a", "b"] and p.size == 5 and p.all_versions and p.sort == "date"
    assert p.date_from == "2024-01-01" and p.date_to == "2024-01-31"


@pytest.mark.parametrize("params", [
    {"size": 0}, {"size": 1000}, {"size": "ten"}, {"sort": "popular"}, {"from": "yesterday"},
    {"from": "2024-02-30"}, {"from": "2024-03-01", "to": "2024-02-01"}, {"bogus": 1}, {"q": ["x"]},
    {"cursor": 5}, {"outlet": {"a": 1}}, {"all_versions": "maybe"},
])
def test_bad_params_raise_query_error(params):
    with pytest.raises(QueryError):
        SearchParams.coerce(params)


def test_date_filter_includes_the_whole_last_day_in_libyan_time():
    p = SearchParams.coerce({"from": "2024-01-01", "to": "2024-01-31"})
    (clause,) = filter_clauses(p)
    rng = clause["range"]["published_at"]
    assert rng == {"time_zone": "Africa/Tripoli", "gte": "2024-01-01", "lte": "2024-01-31||/d"}
    p = SearchParams.coerce({"from": "2024-01-01T10:00:00+02:00"})
    assert filter_clauses(p)[0]["range"]["published_at"]["gte"] == "2024-01-01T10:00:00+02:00"


# -- cursor -------------------------------------------------------------------------------------
def test_cursor_round_trip_and_tampering():
    key = order_key("861d814954bfd8754aaab212")  # 60 bits: beyond a float's exact integers
    cursor = encode_cursor([12.5, key], "rc", "2024-05-01")
    assert decode_cursor(cursor, "rc") == ([12.5, key], "2024-05-01")
    with pytest.raises(QueryError):
        decode_cursor(cursor, "dc")  # another sort
    for bad in ["", "!!!", "eyJ9", encode_cursor(["x", "y"], "rc", "2024-05-01"),
                encode_cursor([1, "https://x.ly/a"], "rc", "2024-05-01"),  # a cursor from before order_key
                encode_cursor([1, True], "rc", "2024-05-01"), encode_cursor([1, 2], "rc", "never")]:
        with pytest.raises(QueryError):
            decode_cursor(bad, "rc")


# -- request bodies -----------------------------------------------------------------------------
def _walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_user_text_never_reaches_query_string():
    body = build_search({"q": 'title:x AND (y OR "z") -w*'})
    keys = set(_walk(body))
    assert "query_string" not in keys and "simple_query_string" not in keys
    assert "collapse" not in keys  # collapse is emulated: OpenSearch refuses it with search_after


def test_body_shape():
    body = build_search({"q": 'طرابلس النفط "حقل الشرارة" -غاز', "outlet": "fx-wasat", "sort": "relevance"},
                        origin="2024-05-01")
    text = json.dumps(body, ensure_ascii=False)
    assert body["sort"] == [{"_score": {"order": "desc"}}, ORDER_TIEBREAK]
    fs = body["query"]["function_score"]
    assert fs["boost_mode"] == "multiply"
    assert any("gauss" in f for f in fs["functions"])
    inner = fs["query"]["bool"]
    assert inner["filter"] == [{"terms": {"outlet": ["fx-wasat"]}}]
    assert inner["must_not"]
    assert '"title.exact"' in text and '"cross_fields"' in text
    assert body["highlight"]["pre_tags"] == ["<mark>"]
    # the ranked request counts nothing: no total, no aggregations (index.counts does that)
    assert body["track_total_hits"] is False and "aggs" not in body
    exact = build_counts({"q": "x"})
    assert len(exact) == 1 and exact[0]["size"] == 0 and exact[0]["track_total_hits"] is True
    assert exact[0]["aggs"]["month"]["date_histogram"]["time_zone"] == "Africa/Tripoli"
    assert exact[0]["aggs"]["month"]["date_histogram"]["calendar_interval"] == "month"


def test_date_sort_has_tiebreaker_and_skips_scores():
    body = build_search({"q": "x", "sort": "date"})
    assert body["sort"][0] == {"published_at": {"order": "desc", "missing": "_last"}}
    assert body["sort"][1] == ORDER_TIEBREAK
    assert "track_scores" not in body


def test_empty_query_matches_all_without_highlight():
    body = build_search({"q": "", "language": "en"})
    inner = body["query"]["function_score"]["query"]["bool"]
    assert inner["must"] == [{"match_all": {}}]
    assert "highlight" not in body


# -- analysis data (pure) -----------------------------------------------------------------------
def test_builtin_synonyms_cover_the_required_names():
    from index.analysis import BUILTIN_SYNONYMS, normalise_arabic, read_synonyms

    rules = [normalise_arabic(r) for r in read_synonyms([BUILTIN_SYNONYMS])]
    text = "\n".join(rules)
    for name in ["tripoli", "misurata", "benghazi", "sebha", "zawiya", "sirte", "derna", "tobruk", "gharyan",
                 "kufra", "gnu", "hor", "presidential council", "noc", "cbl", "hnec", "unsmil", "dbeibah",
                 "dbaiba", "haftar", "hifter", "menfi", "aguila saleh", "bashagha", "serraj", "sarraj"]:
        assert name in text, name
    for rule in rules:
        assert "," in rule or "=>" in rule, rule


def test_user_synonyms_are_appended(tmp_path, monkeypatch):
    from index.analysis import synonym_rules

    extra = tmp_path / "mine.txt"
    extra.write_text("# comment\n\nسوق الجمعة, souq al jumaa  # trailing comment\n", encoding="utf-8")
    monkeypatch.setenv("AKHBAR_SYNONYMS", str(extra))
    rules = synonym_rules()
    assert rules[-1] == "سوق الجمعة, souq al jumaa"
    assert len(rules) > 50


def test_normalisation_and_stop_list():
    from index.analysis import normalise_arabic, stopwords

    assert normalise_arabic("أإآٱ ى ة مُحَمَّد ـ ؤئ") == "اااا ي ه محمد  ءء"
    stops = set(stopwords())
    assert {"في", "الي", "التي", "the"} <= stops
    assert "علي" not in stops  # على normalises to the name Ali
    assert "إلى" not in stops  # the list is normalised: the stop filter runs after normalisation


def test_order_key_is_the_ids_hex_prefix_or_a_hash():
    assert order_key("861d814954bfd8754aaab212") == int("861d814954bfd87", 16)
    assert order_key("ffffffffffffffffffffffff") == 2 ** 60 - 1  # a positive long
    assert order_key("rank-title") == order_key("rank-title") != order_key("rank-titles")
    assert 0 <= order_key("x") < 2 ** 60
