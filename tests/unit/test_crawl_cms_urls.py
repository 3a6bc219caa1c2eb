"""CMS URLs are not crawl traps, and CMS offsets are pagination (issue 11: Joomla's non-SEF URLs
carry five or six routing parameters and page with &limitstart=N)."""

from __future__ import annotations

import pytest

from crawler.listing import is_pagination
from crawler.urls import is_trap

JOOMLA = "https://example.ly/index.php?option=com_content&view=category&layout=blog&id=8&Itemid=101"


@pytest.mark.parametrize(
    ("url", "trap"),
    [
        (JOOMLA, None),
        (JOOMLA + "&limitstart=10", None),
        ("https://example.ly/index.php?option=com_content&view=article&id=3329&catid=8&Itemid=101", None),
        ("https://example.ly/shop?sort=a&color=2&size=3&brand=4&fit=5", "query_explosion"),
        ("https://example.ly/s?a=1&b=2&c=3&d=4&e=5", "query_explosion"),
        (JOOMLA + "&limitstart=10&a=1&b=2&c=3&d=4&e=5", "query_explosion"),
        # issue 21: a calendar or a date archive is a listing, bounded by what it yields, not a trap by its URL
        ("https://example.ly/calendar/2024/01/", None),
        ("https://example.ly/2015/07/", None),
    ],
)
def test_is_trap(url: str, trap: str | None) -> None:
    assert is_trap(url) == trap


@pytest.mark.parametrize(
    ("url", "paged"),
    [
        (JOOMLA + "&limitstart=10", True),
        ("https://example.ly/news_list.asp?cat=1&page=2", True),
        ("https://example.ly/archive?start=20", True),
        ("https://example.ly/archive?offset=20", True),
        ("https://example.ly/blog/page/3/", True),
        (JOOMLA, False),
        ("https://example.ly/news_view.asp?id=9122", False),
    ],
)
def test_is_pagination(url: str, paged: bool) -> None:
    assert is_pagination(url) is paged
