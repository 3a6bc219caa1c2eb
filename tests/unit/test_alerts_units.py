"""Saved searches and alerts, the pure parts: validation, the query shared with search, the percolator
mapping, the Atom feed (parsed by feedparser) and the webhook SSRF refusal (no connection is made)."""

from __future__ import annotations

import socket

import feedparser
import pytest

from akhbar.alerts import atom_feed
from akhbar.core.targets import AllowList
from index.mapping import index_body
from index.percolate import SavedSearch, SavedSearchError, alerts_body, article_fields, saved_query
from index.query import parse_query
from index.search import SearchParams, build_search, filtered_query
from workers.alerts import WebhookError, deliver_webhook, normalise


@pytest.mark.parametrize("name", ["", "a b", "x.atom", "a/b", "x" * 65])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(SavedSearchError):
        SavedSearch.create(name, "طرابلس")


@pytest.mark.parametrize("q", ["", "   ", "-طرابلس", "!!! ???", "x" * 501])
def test_queries_with_nothing_to_match_are_refused(q: str) -> None:
    with pytest.raises(SavedSearchError):
        SavedSearch.create("ok", q)


def test_arabic_names_and_outlets() -> None:
    search = SavedSearch.create("اشتباكات-طرابلس", ' "اشتباكات طرابلس" ', ["fx-lana", "fx-lana", " "])
    assert search.q == '"اشتباكات طرابلس"'
    assert search.outlet == ["fx-lana"]
    assert SavedSearch.from_dict(search.to_dict()) == search


def test_the_saved_query_is_the_search_query() -> None:
    """Same parser, same builder: the percolator stores exactly what search matches, minus scoring."""
    q = 'حقل الشرارة "المؤسسة الوطنية للنفط" -مصراتة نفط OR غاز'
    stored = saved_query(q, ["fx-lana"])
    params = SearchParams.coerce({"q": q, "outlet": ["fx-lana"]})
    matching = filtered_query(parse_query(q), params)
    assert matching["bool"].pop("should")  # ranking only: optional next to `must`
    assert stored == matching
    # ... and search wraps that very query (plus its ranking clauses) in its recency boost.
    searched = build_search({"q": q, "outlet": ["fx-lana"]})["query"]["function_score"]["query"]
    searched["bool"].pop("should")
    assert searched == stored
    assert stored["bool"]["must_not"] and stored["bool"]["filter"] == [{"terms": {"outlet": ["fx-lana"]}}]


def test_the_percolator_index_has_the_article_fields_and_analysis() -> None:
    body = alerts_body(icu=False)
    articles = index_body(icu=False)
    assert body["settings"]["analysis"] == articles["settings"]["analysis"]
    props = body["mappings"]["properties"]
    assert props["query"] == {"type": "percolator"}
    for name, spec in articles["mappings"]["properties"].items():
        assert props[name] == spec
    assert article_fields(body) == set(articles["mappings"]["properties"])


def test_atom_feed_parses() -> None:
    search = SavedSearch.create("sharara", "حقل الشرارة", created_at="2024-05-01T10:00:00+00:00")
    alerts = [normalise({
        "id": "c1", "doc_id": "d1", "title": "استئناف الإنتاج في حقل الشرارة", "url": "https://alwasat.ly/n/1",
        "lead": "عاد الإنتاج <b>اليوم</b> & غداً", "outlet": "alwasat", "also_published_by": {},
        "created_at": "2024-05-02T10:00:00.000+00:00", "updated_at": "2024-05-02T10:05:00.000+00:00",
    }), {
        "id": "c2", "doc_id": "d2", "title": "", "url": None, "lead": "", "outlet": None,
        "also_published_by": ["lana", "alaan"], "created_at": "2024-05-01T10:00:00+00:00",
        "updated_at": "not a date",
    }]
    parsed = feedparser.parse(atom_feed(search, alerts, "http://127.0.0.1:8000/", {"lana": "وال"}))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "أخبار · تنبيه «sharara»"
    assert [e.id for e in parsed.entries] == ["tag:akhbar,2024:alerts/sharara/c1", "tag:akhbar,2024:alerts/sharara/c2"]
    first, second = parsed.entries
    assert first.link == "https://alwasat.ly/n/1"
    assert first.summary == "عاد الإنتاج <b>اليوم</b> & غداً"  # text, escaped in the XML
    assert "وال" in second.summary and "alaan" in second.summary
    assert {t.term for t in second.tags} == {"lana", "alaan"}
    empty = feedparser.parse(atom_feed(search, [], "http://x/"))
    assert empty.bozo == 0 and empty.entries == []


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data",
                                 "http://127.0.0.1:9/hook", "http://[::1]/hook", "ftp://example.com/x"])
def test_webhook_to_a_private_address_is_refused_without_connecting(url: str, monkeypatch) -> None:
    def no_connection(*args, **kwargs):
        raise AssertionError("a refused webhook must not connect")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(WebhookError) as caught:
        deliver_webhook(url, {"x": 1}, AllowList.parse("example.com"))
    assert caught.value.reason == "target_not_allowed" and not caught.value.retry
