"""Replay WARC files through the pipeline: `akhbar ingest FILE.warc.gz... [--outlet NAME] [--wait]`.

Every HTML response record becomes the same page payload the spider hands to the `clean` queue (url,
status, headers, body_b64, outlet, outlet_config, job_id, fetched_at, feed_published), as one job whose
progress `akhbar jobs show` / `--wait` follow. Works on our own crawl WARCs (Akhbar-* headers tell the
outlet and the feed date) and on WARCs from other crawlers (the outlet is matched from the URL).

Only pages the crawler would have sent are replayed: 2xx, HTML, and an article by crawler.classify
(listings and tag pages in a crawl WARC are not articles); ``all_html`` sends every HTML page. A story split
over pages is one page, as the spider sends it: page 1 carries its later pages (found by URL among the WARC
files' responses), and a later page is never sent on its own.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from parsel import Selector
from warcio.archiveiterator import ArchiveIterator

from akhbar.core import ledger
from akhbar.core.jobs import Job, JobOptions, JobStore
from akhbar.core.ledger import CopyGone, WarcCopy, new_token, read_warc_body, record_body
from akhbar.core.messages import Page
from akhbar.core.registry import Outlet, Registry
from akhbar.core.urls import canonical_url as canonical
from crawler import split
from crawler.classify import is_article
from crawler.content import XML_START, refusal

log = logging.getLogger("akhbar.crawler")


@dataclass
class IngestReport:
    job: Job | None = None
    sent: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> records not sent


def outlet_resolver(registry: Registry, forced: str | None = None) -> Callable[[str, str | None], dict]:
    """Which outlet a WARC record belongs to: `forced` for every record, else the outlet the record names
    (our own WARCs carry Akhbar-Outlet) or the registry's match for its URL (host and port); a site the
    registry does not know (a WARC from another crawler) becomes an ad-hoc outlet named by its host."""
    fixed = registry.get(forced).to_payload() if forced else None
    adhoc: dict[str, dict] = {}

    def outlet_for(url: str, named: str | None) -> dict:
        if fixed is not None:
            return fixed
        match = registry.get(named) if named and named in registry else registry.for_url(url)
        if match is not None:
            return match.to_payload()
        outlet = Outlet.adhoc(url)
        return adhoc.setdefault(outlet.name, outlet.to_payload())

    return outlet_for


def iter_pages(paths: Iterable[Path], outlet_for: Callable[[str, str | None], dict | None],
               skipped: Counter, all_html: bool = False) -> Iterator[tuple[Page, tuple[str, int]]]:
    """Pages (without job_id) from the response records of WARC files, each with where its record is
    (file, offset: the ledger's copy)."""
    index: dict[str, tuple[str, int]] | None = None  # every response by URL: read once, for split stories only
    for path in paths:
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                status = int(record.http_headers.get_statuscode() or 0)
                if not 200 <= status < 300:
                    skipped[f"status_{status}"] += 1
                    continue
                content_type = record.http_headers.get_header("Content-Type")
                body, headers = record_body(record)  # de-chunked and Content-Encoding undone
                offset = records.get_record_offset()  # after the read: asked before, it reads the record away
                if (reason := skip_reason(body, content_type, url, all_html)) is not None:
                    skipped[reason] += 1
                    continue
                parts = None
                text = body.decode("utf-8", "replace")
                if split.maybe_split(text, url):
                    links = split.anchors(Selector(text=text), url)
                    if split.continues(links, url) is not None:
                        skipped["later_page_of_a_story"] += 1
                        continue
                    if split.next_part(links, url) is not None:
                        index = _response_index(paths) if index is None else index
                        parts = _story_parts(links, url, index)
                config = outlet_for(url, record.rec_headers.get_header("Akhbar-Outlet"))
                if config is None:
                    skipped["unknown_outlet"] += 1
                    continue
                page = Page(
                    url=url,
                    requested_url=url,
                    status=status,
                    headers=headers,
                    body_b64=base64.b64encode(body).decode("ascii"),
                    outlet=config["name"],
                    outlet_config=config,
                    fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
                    feed_published=record.rec_headers.get_header("Akhbar-Feed-Published") or None,
                    archived_from=_archived_from(record.rec_headers),
                    parts=parts,
                )
                yield page, (str(Path(path).resolve()), offset)


def _response_index(paths: Iterable[Path]) -> dict[str, tuple[str, int]]:
    """Canonical URL -> (file, offset) of its last 2xx response record."""
    index: dict[str, tuple[str, int]] = {}
    for path in paths:
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type == "response" and record.http_headers is not None and \
                        200 <= int(record.http_headers.get_statuscode() or 0) < 300:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    index[canonical(url)] = (str(Path(path).resolve()), records.get_record_offset())
    return index


def _story_parts(links: list[split.Anchor], url: str, index: dict[str, tuple[str, int]]) -> list[dict] | None:
    """The later pages of the story at ``url`` that the WARC files hold, in order (up to the first missing)."""
    parts: list[dict] = []
    seen = {canonical(url)}
    while len(seen) < split.MAX_PARTS:
        after = split.next_part(links, url)
        if after is None or after in seen or after not in index:
            break
        try:
            body, _ = read_warc_body(*index[after])
        except CopyGone:
            break
        seen.add(after)
        parts.append({"url": after, "body_b64": base64.b64encode(body).decode("ascii")})
        url, links = after, split.anchors(Selector(text=body.decode("utf-8", "replace")), after)
    return parts or None


def skip_reason(body: bytes, content_type: str | None, url: str, all_html: bool = False) -> str | None:
    """Why a fetched 2xx response is not sent to the pipeline (None: send it): not HTML, a feed or sitemap, or
    (unless `all_html`) not an article by crawler.classify. WARC ingest and archive backfills share it."""
    if (problem := refusal(body, content_type)) is not None or XML_START.match(body[:2048]):
        return problem[0] if problem else "feed_or_sitemap"
    if not all_html and not is_article(Selector(text=body.decode("utf-8", "replace")), url):
        return "not_an_article"
    return None


def _archived_from(headers: Any) -> dict[str, str] | None:
    """A backfill's record (crawler/backfill.py) names the archive capture it holds: keep it on the page."""
    archive = headers.get_header("Akhbar-Archive")
    if not archive:
        return None
    return {"archive": archive, "captured_at": headers.get_header("Akhbar-Capture-Time") or "",
            "url": headers.get_header("Akhbar-Archive-URL") or ""}


def _warc_date(value: str | None) -> str:
    if value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        except ValueError:
            pass
    return datetime.now(UTC).isoformat()


def ingest(store: JobStore, paths: list[Path], outlet_for: Callable[[str, str | None], dict | None],
           send: Callable[[Page], None], *, options: JobOptions | None = None, all_html: bool = False,
           label: str = "warc") -> IngestReport:
    """Create a job, send every page of ``paths`` to the clean stage, and mark the job crawled."""
    report = IngestReport()
    options = options or JobOptions(source="warc")
    options.files = [str(p) for p in paths]
    job = store.create([label], options)
    store.set_state(job.id, "running")
    outlets = set()
    try:
        for fetched, copy in iter_pages(paths, outlet_for, report.skipped, all_html=all_html):
            page = replace(fetched, job_id=job.id, token=new_token())
            # Counted and in the ledger before the send: a fast worker must not finish the job early, and a
            # message the broker loses is re-driven from its WARC record (akhbar.core.ledger).
            ledger.record(store.redis, job.id, page, WarcCopy.here(*copy),
                          counters=("pages_fetched", "pages_sent"))  # once per page, also when Redis restarts
            send(page)
            report.sent += 1
            outlets.add(page.outlet)
    except Exception as exc:
        with contextlib.suppress(redis.RedisError):  # Redis may be what failed: it cannot record that then
            store.crawl_finished(job.id, failed=True, message=f"ingest stopped after {report.sent} pages: {exc}; "
                                 "run it again (pages sent twice are updates, not duplicates)")
        raise
    for reason, count in report.skipped.items():
        if reason not in ("not_an_article", "feed_or_sitemap", "later_page_of_a_story") and \
                not reason.startswith("status_"):
            store.error(job.id, f"ingest:{reason}", count)
    if outlets:
        store.redis.hset(store.key(job.id), "outlets", json.dumps(sorted(outlets)))
    store.crawl_finished(job.id)
    report.job = store.get(job.id)
    log.info("ingested %d pages from %d WARC files as job %s (skipped: %s)", report.sent, len(paths), job.id,
             dict(report.skipped))
    return report
