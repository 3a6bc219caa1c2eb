"""What a crawl's discovery found per outlet, and by which path (issue 21 §6): the names, the job-hash fields
that hold the counts, and reading them back.

Every request the spider makes carries meta ``via``, the discovery path that found it (crawler/discovery.py
sets it): ``entry`` (the base URL, feed and sitemap probes), ``feed``, ``sitemap``, ``listing`` (home and section
pages, their pagination), ``date_archive``, ``json`` (links in JSON states, JSON Feeds, the WordPress REST
API), ``rendered`` (links on a page a browser rendered). Per outlet and per path the crawler counts:

- ``fetched``: responses to requests of that path (robots.txt aside);
- ``found``: article links new to the job (the first path whose request the job's frontier took), and pages
  whose URL did not tell that turned out to be articles;
- ``sent``: articles sent to the pipeline (a split story once, under its first page's path).

and, per reason, the HTML pages it fetched and did not send (``not_sent``), and the later pages of split
stories it joined to their first page (``story_pages``). The counts are added up in the crawler process and
written with its progress flushes into the job's hash as ``discovery:<outlet>:<measure>:<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PATHS = ("entry", "feed", "sitemap", "listing", "date_archive", "json", "rendered")
MEASURES = ("fetched", "found", "sent")
NOT_SENT = "not_sent"
STORY_PAGES = "story_pages"
FIELD_PREFIX = "discovery:"

# Why a fetched HTML page was not sent (crawler.discovery.page_reason): "not_article" (asked for as an article,
# its content is not one), "listing", "other_page", "nothing_new" (brought no new link), "later_page" (page 2+ of
# a split story reached by a link), "refused:<kind>" (not HTML, undecodable), and fetch errors by kind
# (crawler.errors: "http_404", "timeout", ...).
# Reasons that are the cost of reading lists, not a sign of missed articles: a page (not asked for as an article)
# whose links were all known already, a listing read again for news above all. The health warning leaves them
# out of the pages it compares.
INCREMENTAL_REASONS = frozenset({"nothing_new"})


def field(outlet: str, measure: str, key: str) -> str:
    return f"{FIELD_PREFIX}{outlet}:{measure}:{key}"


def empty_report() -> dict[str, Any]:
    return {"fetched": {}, "found": {}, "sent": {}, NOT_SENT: {}, STORY_PAGES: 0}


def parse(raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A job hash's ``discovery:`` fields -> {outlet: {"fetched": {path: n}, "found": {...}, "sent": {...},
    "not_sent": {reason: n}, "story_pages": n}}; paths in PATHS order, reasons most frequent first."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in raw.items():
        if not name.startswith(FIELD_PREFIX):
            continue
        outlet, _, rest = name[len(FIELD_PREFIX):].partition(":")
        measure, _, key = rest.partition(":")
        count = int(value)
        report = out.setdefault(outlet, empty_report())
        if measure == STORY_PAGES:
            report[STORY_PAGES] += count
        elif measure in report and count:
            report[measure][key] = report[measure].get(key, 0) + count
    order = {path: i for i, path in enumerate(PATHS)}
    for report in out.values():
        for measure in MEASURES:
            report[measure] = dict(sorted(report[measure].items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
        report[NOT_SENT] = dict(sorted(report[NOT_SENT].items(), key=lambda kv: (-kv[1], kv[0])))
    return dict(sorted(out.items()))


def assess(report: Mapping[str, Any], top: int = 3) -> dict[str, Any]:
    """The numbers of one outlet's crawl the health warning reads: HTML pages fetched (sent or not; a split
    story's later pages aside), the ones that count (incremental reasons aside), articles sent, and the top
    reasons the counted pages were not sent."""
    sent = sum(report.get("sent", {}).values())
    not_sent = report.get(NOT_SENT, {})
    pages = sent + sum(not_sent.values())
    counted = pages - sum(n for reason, n in not_sent.items() if reason in INCREMENTAL_REASONS)
    reasons = sorted(((r, n) for r, n in not_sent.items() if r not in INCREMENTAL_REASONS),
                     key=lambda kv: (-kv[1], kv[0]))[:top]
    return {"html_pages": pages, "counted_pages": counted, "articles_sent": sent,
            "top_reasons": [{"reason": reason, "pages": n} for reason, n in reasons]}


def missed_articles(assessment: Mapping[str, Any]) -> bool:
    """More than twice as many HTML pages fetched as articles sent (issue 21 §6): discovery is probably
    missing articles, or taking pages that are articles for something else."""
    return assessment["counted_pages"] > 2 * assessment["articles_sent"]
