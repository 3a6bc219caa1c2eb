"""A site name is cut from a title with its separator, not with the guillemet quoting the title's
first or last word (issue 11: "«فان جال» يريد بقاء «دي خيا»" lost its opening «)."""

from __future__ import annotations

import pytest

from workers.clean.extract import _clean_title

SITES = ["وكالة الأنباء العربية التجريبية", "بوابة الوسط"]


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("وكالة الأنباء العربية التجريبية :: «فان جال» يريد بقاء «دي خيا»", "«فان جال» يريد بقاء «دي خيا»"),
        ("«فان جال» يريد بقاء «دي خيا» - بوابة الوسط", "«فان جال» يريد بقاء «دي خيا»"),
        ("عنوان «الخبر» | بوابة الوسط", "عنوان «الخبر»"),
        ("عنوان الخبر » بوابة الوسط", "عنوان الخبر"),
        ("بوابة الوسط » عنوان الخبر", "عنوان الخبر"),
    ],
)
def test_site_name_cut_keeps_quotes(raw: str, title: str) -> None:
    assert _clean_title(raw, SITES) == title
