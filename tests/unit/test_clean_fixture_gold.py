"""extract_article against the fixture web's gold records (tests.fixture_site), page by page.

The fixture outlets are six different templates (WordPress, aggregator, custom CMS, a table-layout
windows-1256 agency with Libyan/Hijri/Levantine dates, a trap site with malformed HTML and an
invalid date, an English site). Pages are rendered in-process, no server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fixture_site.gold import BAD_PAGES
from tests.fixture_site.offline import offline_web
from workers.clean.errors import NotHTMLError, TooLargeError
from workers.clean.extract import extract_article

FETCHED = datetime(2026, 11, 28, tzinfo=UTC)
FIELDS = ("title", "body", "lead", "authors", "dateline", "source_outlet", "section", "tags", "language")


@pytest.fixture(scope="module")
def web():
    offline = offline_web()
    return offline.catalog, offline, offline.registry


def test_every_gold_article(web):
    catalog, offline, registry = web
    mismatches: list[str] = []
    for record in catalog.records:
        site = offline.sites[record["outlet"]]
        _, raw, headers = offline.fetch(record["outlet"], record["path"])
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
    _, offline, _ = web
    page = next(p for p in BAD_PAGES if p["kind"] == kind)
    _, raw, headers = offline.fetch(page["outlet"], page["path"])
    with pytest.raises(NotHTMLError):
        extract_article(raw, "http://x/" + page["path"], headers=headers, fetched_at=FETCHED)


def test_huge_trap_page_is_too_large(web):
    _, offline, _ = web
    page = next(p for p in BAD_PAGES if p["kind"] == "huge")
    _, raw, headers = offline.fetch(page["outlet"], page["path"])
    with pytest.raises(TooLargeError):
        extract_article(raw, "http://x" + page["path"], headers=headers, fetched_at=FETCHED)


PRE_DOCUMENT_OUTPUT = {
    "php_warning": "<br />\n<b>Warning</b>:  session_start(): Cannot send session cookie - headers already sent "
                   "in <b>/var/www/html/news.php</b> on line <b>3</b><br />\n",
    "stray_banner": '<div class="notice"><a href="/ar">العربية</a> | <a href="/en">English</a></div>',
}


@pytest.mark.parametrize("kind", sorted(PRE_DOCUMENT_OUTPUT))
def test_output_printed_before_the_document_changes_no_field(web, kind: str):
    """Old PHP sites print warnings before the doctype; lxml then parses a fragment and <title>/<meta>
    are lost unless that output is cut. Every gold page, prefixed, must extract as it does unprefixed."""
    catalog, offline, registry = web
    prefix = PRE_DOCUMENT_OUTPUT[kind]
    differences: list[str] = []
    for record in catalog.records:
        site = offline.sites[record["outlet"]]
        _, raw, headers = offline.fetch(record["outlet"], record["path"])
        charset = "cp1256" if b"windows-1256" in raw[:2000].lower() else "utf-8"
        args = dict(url=site.url(record["path"]), outlet=record["outlet"], headers=headers, fetched_at=FETCHED,
                    outlet_config=registry.get(record["outlet"]), registry=registry)
        plain = extract_article(raw, **args)
        prefixed = extract_article(prefix.encode(charset) + raw, **args)
        differences += [f"{record['key']} {name}" for name in (*FIELDS, "published_at")
                        if prefixed[name] != plain[name]]
    assert differences == []
