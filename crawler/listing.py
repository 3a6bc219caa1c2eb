"""Listing pages: their links, the dates their snippets show, and pagination.

Used to stop paginating an archive once a page's articles are all older than ``--since`` and to spot
pagination links. Snippet dates come from the link's own card (the nearest ancestor that holds no other
article link): a ``<time datetime>``, an element whose class says date, or the URL's /YYYY/MM/(DD/).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lxml import html as lxml_html

from akhbar.core.times import parse_iso_utc
from crawler.urls import PAGINATION_PARAMS
from workers.clean.dateparse import parse_arabic_date

# WordPress /page/2/, or a page/offset query parameter with a number
PAGINATION = re.compile(r"/page/\d+/?$|[?&](" + "|".join(PAGINATION_PARAMS) + r")=\d+", re.I)
# Navigation through time: date archives (/2015/07/, /2015/07/21/, WordPress's plain ?m=201507), calendars
# (/calendar/2024/01/, ?month=7&year=2015) and their previous/next month links. A space without end on many
# sites, so followed only while the pages bring new links (AKHBAR_MAX_BARREN_PAGES).
DATE_NAV = re.compile(
    r"/(19|20)\d{2}/(\d{1,2}/){0,2}$|/(19|20)\d{2}(/\d{1,2}){0,2}$|/(calendar|events?/calendar|archive/calendar)/|"
    r"[?&](month|year|day|date|cal|calendar|monthnum)=|[?&]m=\d{4,8}(&|$)",
    re.I,
)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(?:(0?[1-9]|[12]\d|3[01])/)?")
_DATE_CLASS = re.compile(r"date|time|posted|publish|created|meta|تاريخ", re.I)
CARD_DEPTH = 4  # ancestors searched for the card of a link


def is_pagination(url: str) -> bool:
    return bool(PAGINATION.search(url))


def is_date_nav(url: str) -> bool:
    """A date archive or calendar page (its /page/N/ is pagination, is_pagination)."""
    return bool(DATE_NAV.search(url))


def date_from_url(url: str) -> datetime | None:
    """The latest moment a /YYYY/MM/(DD/) URL can be from (end of that day or month, UTC)."""
    match = _URL_MONTH.search(url)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3)) if match.group(3) else calendar.monthrange(year, month)[1]
    try:
        return datetime(year, month, day, 23, 59, 59, tzinfo=UTC)
    except ValueError:
        return None


@dataclass
class Link:
    url: str  # absolute, as written (not yet canonical)
    date_text: str | None = None  # what the link's card shows as its date
    iso: str | None = None  # a machine-readable date (time/@datetime) in the card


def links_with_dates(body: str | bytes, base_url: str) -> Iterator[Link]:
    """Every <a href> of the page, with the date its card shows (None when the card shows none)."""
    try:
        doc = lxml_html.fromstring(body, base_url=base_url)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return
    doc.make_links_absolute(base_url, resolve_base_href=True, handle_failures="discard")
    for anchor in doc.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        link = Link(href)
        node = anchor
        for _ in range(CARD_DEPTH):
            node = node.getparent()
            if node is None:
                break
            hrefs = {(a.get("href") or "").strip() for a in node.iter("a")} - {"", href}
            if len(hrefs) > 2 or sum(1 for _ in node.iter("time")) > 1:  # grew past the card into the list
                break
            for time_el in node.iter("time"):
                link.iso = time_el.get("datetime") or None
                link.date_text = time_el.text_content().strip() or None
                break
            if link.iso or link.date_text:
                break
            for el in node.iter():
                cls = f"{el.get('class', '')} {el.get('id', '')}" if isinstance(el.tag, str) else ""
                if el is not anchor and cls.strip() and _DATE_CLASS.search(cls):
                    text = el.text_content().strip()
                    if text and any(ch.isdigit() for ch in text):
                        link.date_text = text[:120]
                        break
            if link.date_text:
                break
        yield link


def parse_link_date(link: Link, fetched_at: datetime, founded: date | None = None) -> datetime | None:
    """The date a link's card shows, else the date its URL implies."""
    if link.iso and (value := parse_iso_utc(link.iso)) is not None:
        return value
    if link.date_text:

        parsed = parse_arabic_date(link.date_text, fetched_at=fetched_at, outlet_founded=founded)
        if parsed is not None:
            return parsed
    return date_from_url(link.url)
