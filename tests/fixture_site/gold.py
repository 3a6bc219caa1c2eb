"""Gold records of the fixture web: what a perfect crawler + cleaner would produce for each page.

The demo's stories (akhbar.demo_web.stories) plus the trap outlet's articles (data/trap.json), expanded
together so paths and release order are those of one web; and the labels only tests need: which pages
carry the same story, which report the same event, which pages are bad input.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from akhbar.demo_web.catalog import Catalog
from akhbar.demo_web.stories import article_url, build_records, raw_stories
from tests.fixture_site.outlets import OUTLETS_BY_SLUG

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAP_FILE = DATA_DIR / "trap.json"

# Newest pages hidden at start so a test can make them appear between two crawls.
DEFAULT_HELD_BACK = 8

# Bad input the crawler meets through listings; none of these is a gold article.
BAD_PAGES: tuple[dict[str, str], ...] = (
    {"outlet": "fx-trap", "path": "/broken", "kind": "http-500", "expect": "status 500, retried then dropped"},
    {"outlet": "fx-trap", "path": "/loop/a", "kind": "redirect-loop", "expect": "/loop/a -> /loop/b -> /loop/a"},
    {"outlet": "fx-trap", "path": "/files/archive-dump.html", "kind": "huge",
     "expect": "13 MiB text/html streamed without Content-Length"},
    {"outlet": "fx-trap", "path": "/files/report.pdf", "kind": "binary-pdf", "expect": "application/pdf bytes"},
    {"outlet": "fx-trap", "path": "/gallery/photo-1.html", "kind": "binary-as-html",
     "expect": "PNG bytes served as text/html"},
    {"outlet": "fx-trap", "path": "/articles/removed-story.html", "kind": "http-404", "expect": "status 404"},
    {"outlet": "fx-wasat", "path": "/2019/05/deleted-post/", "kind": "http-404", "expect": "status 404"},
    {"outlet": "fx-trap", "path": "/private/", "kind": "robots-disallowed",
     "expect": "never fetched: robots.txt Disallow: /private/"},
    {"outlet": "fx-trap", "path": "/calendar/2024/01/", "kind": "calendar-trap",
     "expect": "prev/next month links forever"},
    {"outlet": "fx-trap", "path": "/archive?page=1", "kind": "endless-pagination",
     "expect": "every page has a next page with the same items"},
)

__all__ = ["BAD_PAGES", "DEFAULT_HELD_BACK", "article_url", "bad_pages", "gold_by_key", "gold_catalog",
           "independent_pairs", "load_gold", "syndicated_pairs"]


def raw_originals() -> list[dict]:
    """Every original story as written: the demo's data/, then the trap outlet's."""
    return raw_stories()[0] + json.loads(TRAP_FILE.read_text(encoding="utf-8"))["stories"]


@lru_cache(maxsize=1)
def _gold() -> tuple[dict, ...]:
    return tuple(build_records(raw_originals(), raw_stories()[1], OUTLETS_BY_SLUG))


def load_gold() -> list[dict]:
    """All gold article records (a fresh copy), in release order (oldest first)."""
    return copy.deepcopy(list(_gold()))


def gold_by_key() -> dict[str, dict]:
    return {record["key"]: record for record in load_gold()}


def gold_catalog(held_back: int = 0) -> Catalog:
    """The fixture web's catalog: every gold record, the newest `held_back` held back."""
    return Catalog(held_back, load_gold())


def _pairs(records: Iterable[Mapping], same_group: str, differ: str | None) -> list[tuple[str, str]]:
    groups: dict[str, list[Mapping]] = {}
    for record in records:
        groups.setdefault(record[same_group], []).append(record)
    pairs = []
    for members in groups.values():
        for a, b in combinations(sorted(members, key=lambda r: r["key"]), 2):
            if differ is None or a[differ] != b[differ]:
                pairs.append((a["key"], b["key"]))
    return sorted(pairs)


def syndicated_pairs(records: Iterable[Mapping] | None = None) -> list[tuple[str, str]]:
    """Pairs of article keys carrying the same story (original + repost, or two reposts)."""
    return _pairs(_gold() if records is None else records, "story_id", None)


def independent_pairs(
    records: Iterable[Mapping] | None = None, *, same_language: bool = False
) -> list[tuple[str, str]]:
    """Pairs of article keys reporting the same event as different stories (written independently)."""
    pool = list(_gold() if records is None else records)
    pairs = _pairs(pool, "event_id", "story_id")
    if not same_language:
        return pairs
    language = {record["key"]: record["language"] for record in pool}
    return [(a, b) for a, b in pairs if language[a] == language[b]]


def bad_pages() -> list[dict[str, str]]:
    """Bad-input and trap pages (not articles) with what a crawler should do about them."""
    return [dict(page) for page in BAD_PAGES]
