"""One URL identity for the crawler's seen state and for document ids (akhbar.core.urls)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akhbar.core.urls import canonical_url

TABLE = [
    # trackers and session ids go, whatever their case; the page's own parameters stay, sorted
    ("https://Alwasat.ly/news/1?utm_source=fb&utm_campaign=x&id=5#comments", "https://alwasat.ly/news/1?id=5"),
    ("https://example.ly/n?utm_source=x&aspsessionid=3&share=1", "https://example.ly/n"),
    ("https://example.ly/n?ASPSESSIONIDQQ=ABC&id=2", "https://example.ly/n?id=2"),
    ("https://example.ly/a?fbclid=abc&PHPSESSID=123&page=2", "https://example.ly/a?page=2"),
    ("https://example.ly/a?gclid=1&msclkid=2&igshid=3&mc_cid=4&_ga=5", "https://example.ly/a"),
    ("https://example.ly/a?b=2&a=1", "https://example.ly/a?a=1&b=2"),
    ("https://example.ly/a?amp=1", "https://example.ly/a"),
    ("https://example.ly/a?ref=home&p=7", "https://example.ly/a?p=7"),
    ("https://example.ly/a;jsessionid=ABC123?x=1", "https://example.ly/a?x=1"),
    # default ports go, other ports stay: two sites on one host are two sites
    ("https://example.ly:443/a?sid=9", "https://example.ly/a"),
    ("http://example.ly:80/a", "http://example.ly/a"),
    ("http://127.0.0.1:8081/n/1", "http://127.0.0.1:8081/n/1"),
    ("http://127.0.0.1:8082/n/1", "http://127.0.0.1:8082/n/1"),
    # pagination and ids are the page, not tracking
    ("https://example.ly/list?start=20", "https://example.ly/list?start=20"),
    ("https://example.ly/index.php?option=com_content&view=article&id=12",
     "https://example.ly/index.php?id=12&option=com_content&view=article"),
    ("https://example.ly", "https://example.ly/"),
    ("https://example.ly/%D8%AE%D8%A8%D8%B1", "https://example.ly/%D8%AE%D8%A8%D8%B1"),
    ("https://example.ly/خبر", "https://example.ly/%D8%AE%D8%A8%D8%B1"),
]


@pytest.mark.parametrize(("url", "expected"), TABLE)
def test_canonical_url_table(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_relative_urls_resolve_against_a_base() -> None:
    assert canonical_url("/n/2?utm_medium=x", base="http://127.0.0.1:8081/n/1") == "http://127.0.0.1:8081/n/2"


@given(st.text(max_size=80))
def test_any_text_gives_a_string_and_is_idempotent(tail: str) -> None:
    once = canonical_url("https://example.ly/" + tail)
    assert canonical_url(once) == once
