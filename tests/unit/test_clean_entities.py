"""No HTML character reference survives into an extracted title, body, lead, author, section or tag,
nor into a search snippet printed on a terminal (issue 11, class 6)."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akhbar.highlight import fragment_parts
from workers.clean.entities import ENTITY, has_entity, unescape_entities
from workers.clean.extract import extract_article
from workers.clean.textutil import clean_ws

FETCHED = datetime(2026, 11, 28, tzinfo=UTC)
TEXT_FIELDS = ("title", "body", "lead", "section", "dateline", "source_outlet")


def _leaks(article: dict) -> list[str]:
    values = [article.get(name) or "" for name in TEXT_FIELDS]
    values += list(article.get("authors") or []) + list(article.get("tags") or [])
    return [value for value in values if has_entity(value)]


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("Libya&#x27;s", "Libya's"),
        ("Libya&amp;#x27;s", "Libya's"),  # escaped twice
        ("&quot;الوفاق&quot; &amp; &quot;النواب&quot;", '"الوفاق" & "النواب"'),
        ("&#1605;&#1589;&#1585;", "مصر"),
        ("a&nbsp;b", "a\xa0b"),
        ("&#150; dash", "– dash"),  # windows-1252 range, as browsers read it
        ("AT&T, R&D, Q&notes, &unknownname;", "AT&T, R&D, Q&notes, &unknownname;"),
    ],
)
def test_unescape_entities(raw: str, want: str):
    assert unescape_entities(raw) == want


@given(st.text())
def test_no_reference_survives(text: str):
    assert not has_entity(unescape_entities(text))
    assert not has_entity(clean_ws(text))


@given(st.text(alphabet=st.characters(blacklist_characters="&")), st.integers(1, 4))
def test_escaping_n_times_is_undone(text: str, times: int):
    escaped = text
    for _ in range(times):
        escaped = html.escape(escaped)
    assert unescape_entities(escaped) == text


@given(st.text())
def test_unescape_is_idempotent(text: str):
    once = unescape_entities(text)
    assert unescape_entities(once) == once


def test_every_leak_path_of_a_page_is_closed():
    """Double-escaped attributes, JSON-LD strings holding HTML references, escaped body text."""
    jsonld = {
        "@type": "NewsArticle",
        "headline": "Libya&#x27;s oil output reaches 1.4 million barrels",
        "datePublished": "2024-05-01T10:00:00+02:00",
        "author": {"@type": "Person", "name": "Sami &quot;Abu&quot; Zaid"},
        "articleSection": "Economy &amp; Energy",
        "keywords": "oil, NOC&#039;s output",
    }
    page = f"""<html lang="en"><head><title>Libya&amp;#x27;s oil | Observer</title>
<meta property="og:title" content="Libya&amp;#x27;s oil output reaches 1.4 million barrels">
<meta name="description" content="The NOC&amp;amp;#39;s figures">
<script type="application/ld+json">{json.dumps(jsonld)}</script></head><body><article>
<h1>Libya&amp;#x27;s oil output reaches 1.4 million barrels</h1>
<p>Libya&amp;#x27;s crude production reached 1.4 million barrels per day, the National Oil Corporation
said on Tuesday, the highest level in more than ten years &amp;mdash; and the NOC&amp;#39;s chairman said more is to come.</p>
<p>The corporation said output at the Sharara and El Feel fields had recovered after a blockade &amp;amp;
that exports through Es Sider and Ras Lanuf had resumed at full capacity this month.</p>
<p>Analysts said the figure would help the central bank&#x27;s reserves &#8212; but warned of risks.</p>
</article></body></html>"""
    article = extract_article(page.encode(), "https://observer.test/news/2024/05/oil", fetched_at=FETCHED)
    assert article["title"] == "Libya's oil output reaches 1.4 million barrels"
    assert article["authors"] == ["Sami Abu Zaid"]  # &quot; decoded; bylines drop quotation marks
    assert "Libya's crude production" in article["body"] and "— and the NOC's chairman" in article["body"]
    assert article["section"] == "Economy & Energy"
    assert "NOC's output" in article["tags"]
    assert _leaks(article) == []


def test_no_reference_in_any_fixture_page():
    """Every article page of the fixture web (all six templates), extracted as the pipeline does."""
    from tests.fixture_site.offline import offline_web

    web = offline_web()
    checked = 0
    for record in web.catalog.records:
        _, raw, headers = web.fetch(record["outlet"], record["path"])
        article = extract_article(
            raw,
            web.sites[record["outlet"]].url(record["path"]),
            outlet=record["outlet"],
            headers=headers,
            fetched_at=FETCHED,
            outlet_config=web.registry.get(record["outlet"]),
            registry=web.registry,
        )
        assert _leaks(article) == [], record["key"]
        checked += 1
    assert checked == len(web.catalog.records) >= 100


def test_english_fixture_keeps_its_apostrophes():
    """The demo's "Libya&#x27;s": the extracted English titles hold a real apostrophe."""
    from tests.fixture_site.offline import offline_web

    web = offline_web()
    records = [r for r in web.catalog.records if r["outlet"] == "fx-observer" and "'" in r["title"]]
    assert records
    for record in records:
        _, raw, headers = web.fetch(record["outlet"], record["path"])
        article = extract_article(raw, web.sites[record["outlet"]].url(record["path"]), headers=headers,
                                  fetched_at=FETCHED, outlet_config=web.registry.get(record["outlet"]))
        assert article["title"] == record["title"]


def test_terminal_snippet_is_unescaped_once():
    """The engine's html encoder escapes the fragment; the terminal shows plain text."""
    fragment = "Libya&#x27;s <mark>oil</mark> output &amp; &lt;i&gt; &quot;x&quot;"
    assert fragment_parts(fragment) == [("Libya's ", False), ("oil", True), (' output & <i> "x"', False)]


def test_entity_pattern_matches_what_browsers_decode():
    assert ENTITY.fullmatch("&#x27;") and ENTITY.fullmatch("&nbsp;") and ENTITY.fullmatch("&#1605;")
    assert not ENTITY.search("AT&T") and not ENTITY.search("&;")
