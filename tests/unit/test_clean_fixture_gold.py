"""extract_article against the fixture web's gold records (akhbar.fixture_site), page by page.

The fixture outlets are six different templates (WordPress, aggregator, custom CMS, a table-layout
windows-1256 agency with Libyan/Hijri/Levantine dates, a trap site with malformed HTML and an
invalid date, an English site). Pages are rendered in-process, no server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from akhbar.fixture_site.catalog import Catalog
from akhbar.fixture_site.gold import BAD_PAGES
from akhbar.fixture_site.outlets import OUTLETS_BY_SLUG
from akhbar.fixture_site.sites import SITE_CLASSES
from crawler.registry import registry_from_entries
from workers.clean.errors import NotHTMLError, TooLargeError
from workers.clean.extract import extract_article

FETCHED = datetime(2026, 11, 28, tzinfo=UTC)
FIELDS = ("title", "body", "lead", "authors", "dateline", "source_outlet", "section", "tags", "language")


@pytest.fixture(scope="module")
def web():
    catalog = Catalog(held_back=0)
    sites = {slug: cls(catalog) for slug, cls in SITE_CLASSES.items()}
    bases = {slug: f"http://127.0.0.{11 + i}:8080/" for i, slug in enumerate(sites)}
    for site in sites.values():
        site.base_url = bases[site.slug]
        site.bases = bases
    registry = registry_from_entries(
        [
            {
                "name": slug,
                "name_ar": OUTLETS_BY_SLUG[slug].name_ar,
                "name_en": OUTLETS_BY_SLUG[slug].name_en,
                "base_url": base,
                "language": OUTLETS_BY_SLUG[slug].language,
                "timezone": "Africa/Tripoli",
                "founded": OUTLETS_BY_SLUG[slug].founded,
            }
            for slug, base in bases.items()
        ]
    )
    return catalog, sites, registry


def fetch(site, path: str) -> tuple[bytes, dict[str, str]]:
    response = site.handle("GET", path)
    if response.status == 429:  # the "429-first" quirk: the second request succeeds
        response = site.handle("GET", path)
    body = response.body if isinstance(response.body, bytes) else b"".join(response.body)
    return body, dict(response.headers)


def test_every_gold_article(web):
    catalog, sites, registry = web
    mismatches: list[str] = []
    for record in catalog.records:
        site = sites[record["outlet"]]
        raw, headers = fetch(site, record["path"])
        article = extract_article(
            raw,
            site.url(record["path"]),
            outlet=record["outlet"],
            headers=headers,
            fetched_at=FETCHED,
            outlet_config=registry.get(record["outlet"]),
            registry=registry,
        )
        for name in FIELDS:
            if article[name] != record[name]:
                mismatches.append(f"{record['key']} {name}: {article[name]!r} != {record[name]!r}")
        gold_date = record["published_at"]
        got = article["published_at"]
        if gold_date is None or record["date_precision"] == "none":
            ok = got is None
        elif record["date_precision"] == "day":
            ok = got is not None and got[:10] == gold_date[:10]
        else:
            ok = got is not None and datetime.fromisoformat(got) == datetime.fromisoformat(gold_date)
        if not ok:
            mismatches.append(f"{record['key']} published_at: {got!r} != {gold_date!r}")
    assert len(catalog.records) >= 100
    assert mismatches == []


@pytest.mark.parametrize("kind", ["binary-pdf", "binary-as-html"])
def test_binary_trap_pages_are_not_html(web, kind: str):
    _, sites, _ = web
    page = next(p for p in BAD_PAGES if p["kind"] == kind)
    raw, headers = fetch(sites[page["outlet"]], page["path"])
    with pytest.raises(NotHTMLError):
        extract_article(raw, "http://x/" + page["path"], headers=headers, fetched_at=FETCHED)


def test_huge_trap_page_is_too_large(web):
    _, sites, _ = web
    page = next(p for p in BAD_PAGES if p["kind"] == "huge")
    raw, headers = fetch(sites[page["outlet"]], page["path"])
    with pytest.raises(TooLargeError):
        extract_article(raw, "http://x" + page["path"], headers=headers, fetched_at=FETCHED)
