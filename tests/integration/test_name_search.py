"""Names across scripts on the real node: the engine's name keys agree with index.names, a Latin name
finds the Arabic article (and an Arabic name the English one), exact-script matches rank first, a
common word that shares a name's letters is not found, each hit says why it matched, and a saved
search raises its alert through the same matching (real Redis for the alert store)."""

from __future__ import annotations

import uuid

import pytest

from index.adapter import SearchAdapter
from index.bulk import BulkAction, BulkIndexer
from index.manage import ensure_index
from index.names import NAMES_ANALYZER, NAMES_SEARCH_ANALYZER, arabic_keys, latin_loose_key, loose_keys
from index.percolate import SavedSearch, ensure_alerts_index, save
from index.search import run_search
from workers.alerts import AlertStore, Story, alert_batch

pytestmark = pytest.mark.integration

DOCS = {
    "dbeibah-ar": ("الدبيبة يلتقي وفدا من المجلس البلدي", "قال عبد الحميد الدبيبة إن الانتخابات يجب أن تجرى في موعدها.", "ar"),
    "misrata-ar": ("وقفة احتجاجية في مصراتة", "شهدت مدينة مصراتة وقفة احتجاجية أمام مقر البلدية.", "ar"),
    "taiz-ar": ("قصف على تعز", "تعرضت مدينة تعز لقصف عنيف أمس من جهة الشرق.", "ar"),
    "adjective": ("مشروع صالح للتنفيذ", "قال مسؤول إن المشروع صالح للتنفيذ بعد مراجعة الدين العام والدراسات.", "ar"),
    "haftar-en": ("Haftar meets delegation", "Khalifa Haftar met a delegation in Benghazi on Monday.", "en"),
    "qadhafi-en": ("Qadhafi's son speaks", "Saif al-Islam Qadhafi said he would run in the elections.", "en"),
    "aden-en": ("Fighting near Aden", "Fighting continued near Aden on Sunday.", "en"),
    "heat-en": ("Heat wave", "A heat wave hit the coast; hotels were full.", "en"),
}


@pytest.fixture
def names_index(search: SearchAdapter, alias: str) -> str:
    index = ensure_index(search, alias)
    actions = [BulkAction("index", key, {"canonical_url": f"https://n.ly/{key}", "url": f"https://n.ly/{key}",
                                         "title": title, "lead": body, "body": body, "language": lang})
               for key, (title, body, lang) in DOCS.items()]
    result = BulkIndexer(search, alias).run(actions, refresh=True)
    assert not result.failed
    return index


def _tokens(search: SearchAdapter, index: str, text: str, analyzer: str) -> set[str]:
    response = search.request("POST", f"/{index}/_analyze", body={"analyzer": analyzer, "text": text})
    return {t["token"] for t in response["tokens"]}


@pytest.mark.parametrize("word", ["القذافي", "والدبيبة", "صنعاء", "تعز", "حائل", "بنغازي", "مصراته", "أردوغان"])
def test_engine_keys_are_the_python_keys(search, names_index, word):
    """index.explain reads the keys in Python: they must be the ones the engine indexes."""
    assert _tokens(search, names_index, word, NAMES_ANALYZER) == arabic_keys(word)
    assert _tokens(search, names_index, word, NAMES_SEARCH_ANALYZER) == loose_keys(word)


@pytest.mark.parametrize("word", ["Dbeibah's", "Gaddafi", "Sana'a", "Erdoğan", "Yefren", "Ubari"])
def test_engine_latin_key_is_the_python_key(search, names_index, word):
    assert _tokens(search, names_index, word, NAMES_ANALYZER) == {latin_loose_key(word)}


def _search(search, alias, q, **extra):
    return run_search(search, alias, {"q": q, "all_versions": True, "size": 10, **extra})


@pytest.mark.parametrize(("query", "expected"), [
    ("Dbaiba", "dbeibah-ar"), ("Dbeibah", "dbeibah-ar"), ("Misurata", "misrata-ar"), ("Ta'izz", "taiz-ar"),
    ("Taiz", "taiz-ar"),
])
def test_a_latin_spelling_finds_the_arabic_article_and_says_why(search, alias, names_index, query, expected):
    result = _search(search, alias, query)
    hits = [h["id"] for h in result["hits"]]
    assert hits and hits[0] == expected
    top = result["hits"][0]
    assert top["matched"] and top["matched"][0]["query"] == query
    assert top["matched"][0]["reason"] in ("transliteration", "synonym")
    assert top["matched"][0]["form"] in (DOCS[expected][0] + " " + DOCS[expected][1])
    assert "<mark>" in (top["highlight"].get("title", [""])[0] + "".join(top["highlight"].get("body", [])))


def test_an_arabic_name_finds_english_articles(search, alias, names_index):
    result = _search(search, alias, "حفتر", language=["en"])
    assert [h["id"] for h in result["hits"]] == ["haftar-en"]
    assert result["hits"][0]["matched"] == [{"form": "Haftar", "query": "حفتر", "reason": "synonym"}] or \
        result["hits"][0]["matched"][0]["reason"] == "transliteration"
    # not in the synonym file: only the name keys join them
    assert [h["id"] for h in _search(search, alias, "القذافي", language=["en"])["hits"]] == ["qadhafi-en"]


def test_a_latin_name_is_not_matched_to_english_words_by_its_consonants(search, alias, names_index):
    # Houthi and "heat", "hotels" share h-t: Latin to Latin only the word as typed (and synonyms) match.
    assert _search(search, alias, "Houthi")["hits"] == []


def test_exact_script_first_and_common_words_left_out(search, alias, names_index):
    # Aden: the English article has the word as typed; عدن is nowhere, and الدين (religion, debt) shares
    # its consonants but not its onset.
    assert [h["id"] for h in _search(search, alias, "Aden")["hits"]] == ["aden-en"]
    # A name that is also a common word (صالح): found only together with the rest of the name.
    assert _search(search, alias, "Aguila Saleh")["hits"] == []


def test_a_saved_search_alerts_through_the_same_matching(search, client, names_index):
    alerts_alias = f"alerts-{uuid.uuid4().hex[:8]}"
    index = ensure_alerts_index(search, alerts_alias)
    try:
        save(search, alerts_alias, SavedSearch.create("dbeibah", "Dbaybah"))  # not in the synonym file
        save(search, alerts_alias, SavedSearch.create("taiz", "Ta'izz"))
        store = AlertStore(client)
        docs = [(key, {"url": f"https://n.ly/{key}", "canonical_url": f"https://n.ly/{key}", "title": title,
                       "lead": body, "body": body, "language": lang, "outlet": "t"})
                for key, (title, body, lang) in DOCS.items()]
        events = alert_batch(search, index, store, docs, {k: Story(k) for k, _ in docs}, indexed_at=1.0)
        raised = {(e.search, e.alert["doc_id"]) for e, _ in events if e.kind == "new"}
        assert raised == {("dbeibah", "dbeibah-ar"), ("taiz", "taiz-ar")}
        matched = {e.search: e.alert["matched"] for e, _ in events}
        assert matched["dbeibah"] == [{"form": "الدبيبة", "query": "Dbaybah", "reason": "transliteration"}]
        assert matched["taiz"] == [{"form": "تعز", "query": "Ta'izz", "reason": "transliteration"}]
        assert store.recent("taiz")[0]["matched"] == matched["taiz"]
    finally:
        for name in search.alias_targets(alerts_alias):
            search.request("DELETE", f"/{name}")
        store.forget("dbeibah")
        store.forget("taiz")
