"""Finding a page's publish date: the sources in order, each candidate validated.

``find_published`` walks JSON-LD, meta tags, outlet selector, feed, the dateline of the first paragraph, the
URL, dated elements of the page (<time>, "date" classes) and finally htmldate's generic search. Every
candidate is validated (dateparse.validate): never in the future and never before the outlet existed; a
rejected candidate is logged (logger "akhbar.clean.dates") and the next source is tried. Which classes and
tags mark dates and page furniture is data, in workers/clean/selectors.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from copy import deepcopy
from datetime import date, datetime, time
from functools import cache

from lxml.html import HtmlElement

from akhbar.core.text import normalize_arabic
from akhbar.core.times import TRIPOLI

from .dateparse import (
    DATE_WORDS,
    DEFAULT_FOUNDED,
    FUTURE_TOLERANCE,
    MONTH_WORDS,
    absolute_date,
    as_aware,
    parse_arabic_date,
    parse_iso_local,
    validate,
)
from .selectors import CONTENT_TAGS, DATE_CLASS, NOISE_CLASS, NOISE_TAGS

logger = logging.getLogger("akhbar.clean.dates")

_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[/_-]?(?P<m>0[1-9]|1[0-2])[/_-]?(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)
_URL_DATE_SEPARATED = re.compile(r"/(?P<y>(?:19|20)\d{2})[/_-](?P<m>\d{1,2})[/_-](?P<d>\d{1,2})(?:/|$|[_-])")


def _noise_root(element: HtmlElement) -> HtmlElement | None:
    """The outermost ancestor-or-self of ``element`` that is page furniture, if any. A <header>
    inside an <article> (where the byline and date live) is not furniture."""
    node: HtmlElement | None = element
    found: HtmlElement | None = None
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in CONTENT_TAGS:
            found = None if found is not None and found.tag in NOISE_TAGS else found
        elif tag in NOISE_TAGS:
            found = node
        else:
            attrs = f"{node.get('class', '')} {node.get('id', '')}"
            if attrs.strip() and NOISE_CLASS.search(attrs):
                found = node
        node = node.getparent()
    return found


def is_furniture(element: HtmlElement) -> bool:
    """True inside page furniture: site header, navigation, footer, sidebars, comments, tickers."""
    return _noise_root(element) is not None


def date_from_url(url: str | None) -> datetime | None:
    """A full Y/M/D date in the URL path (``/2018/02/15/``, ``-20180215-``); None otherwise."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I)
    for pattern in (_URL_DATE_SEPARATED, _URL_DATE):
        match = pattern.search(path)
        if match:
            try:
                return datetime(int(match["y"]), int(match["m"]), int(match["d"]), tzinfo=TRIPOLI)
            except ValueError:
                return None
    return None


def _dated_elements(tree: HtmlElement) -> list[str]:
    """Date strings from <time> elements and elements classed as dates, in document order."""
    values: list[str] = []
    for element in tree.iter("time"):
        if is_furniture(element):
            continue
        value = element.get("datetime") or element.text_content()
        if value and value.strip():
            values.append(value.strip())
    for element in tree.xpath("//body//*[@class or @id][not(self::script or self::style)]"):
        attrs = f"{element.get('class', '')} {element.get('id', '')}"
        if not DATE_CLASS.search(attrs) or is_furniture(element):
            continue
        text = " ".join(element.text_content().split())
        if 4 <= len(text) <= 120:
            values.append(text)
        if len(values) >= 40:
            break
    # Old table templates print the date as a bare line, no class: <font size="1">26/07/2015 - 02:37 ص</font>
    for node in tree.xpath("//body//text()[contains(., ':')]")[:400]:
        text = " ".join(str(node).split())
        if len(text) <= 60 and _CLOCK.search(text) and _bare_date_line(text):
            owner = node.getparent()
            if owner is not None and not is_furniture(owner):
                values.append(text)
    return values


_CLOCK = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}(?!\d)")


def _bare_date_line(text: str) -> bool:
    """A line that is only a date and a time (digits, separators and date words)."""
    words = normalize_arabic(re.sub(r"[\d/.:\-–—,،|()]+", " ", text)).lower().split()
    has_date = bool(_NUMERIC_DATE.search(text)) or any(w in MONTH_WORDS for w in words)
    return has_date and all(w in DATE_WORDS or w in ("am", "pm") for w in words)


@cache
def _external_parser():  # noqa: ANN202 - dateparser's DateDataParser
    """htmldate's dateparser fallback, limited to the languages dateparse.py tries: with every locale,
    the first odd text a worker process met made dateparser compile ~1,000 locale regexes (33-70 s on a
    loaded 2-core machine, found by tests/unit/test_fuzz_html.py). Same settings as htmldate's own."""
    from dateparser import DateDataParser  # type: ignore[attr-defined]
    from htmldate import extractors

    settings = {"NORMALIZE": True, "PARSERS": ["custom-formats", "absolute-time"], "PREFER_DATES_FROM": "past",
                "PREFER_LOCALE_DATE_ORDER": True, "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": True}
    parser = DateDataParser(languages=["en", "fr", "ar"], settings=settings)
    extractors.get_external_parser = lambda: parser
    return parser


def _htmldate(
    tree: HtmlElement, fetched: datetime, founded: date, *, mutable: bool = False
) -> datetime | None:
    """htmldate's generic search, on the page without its furniture (site-header dates)."""
    from htmldate import find_date

    _external_parser()

    if not mutable:
        tree = deepcopy(tree)
    noise = [e for e in tree.iter(*NOISE_TAGS) if _noise_root(e) is e]
    noise += [
        e for e in tree.xpath("//body//*[@class or @id]")
        if NOISE_CLASS.search(f"{e.get('class', '')} {e.get('id', '')}") and _noise_root(e) is e
    ]  # fmt: skip
    for element in noise:
        if element.getparent() is not None:
            element.drop_tree()
    try:
        found = find_date(
            tree,
            extensive_search=True,
            original_date=True,
            outputformat="%Y-%m-%d",
            min_date=datetime.combine(founded, time(0, 0)),
            max_date=fetched.astimezone(TRIPOLI).replace(tzinfo=None) + FUTURE_TOLERANCE,
        )
    except (ValueError, TypeError) as err:  # pragma: no cover - htmldate is defensive already
        logger.debug("htmldate failed: %s", err)
        return None
    if found and found.endswith("-01-01"):
        # htmldate's year-only guess (a copyright line, a /calendar/2024/ link): not a date
        logger.info("ignored htmldate year-only guess %s", found)
        return None
    return parse_iso_local(found) if found else None


def find_published(
    doc: HtmlElement | str | None,
    url: str | None = None,
    fetched_at: datetime | None = None,
    outlet_founded: date | None = None,
    *,
    candidates: Sequence[tuple[str | None, str]] | None = None,
    opening: str | None = None,
    use_htmldate: bool = True,
    mutable_tree: bool = False,
) -> tuple[datetime | None, str | None]:
    """The published date of a page and where it came from.

    ``doc`` is the parsed page (lxml tree), raw HTML or plain article text. ``candidates`` are
    (value, source) pairs already collected by the caller in precedence order (JSON-LD, meta,
    selector, feed); when None and ``doc`` is a tree they are read from its structured data.
    ``opening`` is the first paragraph of the article, where datelines live. ``mutable_tree``
    lets the htmldate fallback prune page furniture in place instead of on a copy.
    Returns (datetime, date_source) or (None, None).
    """
    fetched = as_aware(fetched_at)
    founded = outlet_founded or DEFAULT_FOUNDED
    tree: HtmlElement | None = None
    text: str | None = None
    if isinstance(doc, HtmlElement):
        tree = doc
    elif isinstance(doc, str) and doc.lstrip().startswith("<"):
        from trafilatura.utils import load_html

        tree = load_html(doc)
    elif isinstance(doc, str):
        text = doc

    if candidates is None and tree is not None:
        from .structured import read_page_meta

        candidates = read_page_meta(tree).dates

    def accept(raw: str | None, source: str) -> datetime | None:
        if not raw:
            return None
        parsed = parse_arabic_date(raw, fetched_at=fetched, outlet_founded=founded)
        if parsed is not None:
            logger.debug("published date %s from %s (%r)", parsed.isoformat(), source, raw[:60])
        return parsed

    def with_time(found: datetime, source: str) -> tuple[datetime, str]:
        """A date without a time of day borrows the time of a same-day date shown on the page
        ("طرابلس 15 فبراير 2018 (وال)" in the text, "الخميس 15 فبراير 2018 - 09:50" above it)."""
        local = found.astimezone(TRIPOLI)
        if tree is None or local.timetz().replace(tzinfo=None) != time(0, 0):
            return found, source
        for raw in _dated_elements(tree):
            other = parse_arabic_date(raw, fetched_at=fetched, outlet_founded=founded)
            if (
                other is not None
                and other.astimezone(TRIPOLI).date() == local.date()
                and other.astimezone(TRIPOLI).time() != time(0, 0)
            ):
                return other, source
        return found, source

    for raw, source in candidates or ():
        if (found := accept(raw, source)) is not None:
            return with_time(found, source)

    if opening is None and text is not None:
        opening = text[:400]
    if opening:
        from .bylines import parse_dateline

        dateline = parse_dateline(opening)
        if dateline is not None and (found := accept(dateline.date_text, "dateline")) is not None:
            return with_time(found, "dateline")

    from_url = validate(date_from_url(url), fetched_at=fetched, outlet_founded=founded, what="URL date")
    if from_url is not None:
        return with_time(from_url, "url")

    if tree is not None:
        for raw in _dated_elements(tree):
            if (found := accept(raw, "text")) is not None:
                return found, "text"
        if use_htmldate:
            found = validate(_htmldate(tree, fetched, founded, mutable=mutable_tree), fetched_at=fetched, outlet_founded=founded,
                             what="htmldate result")  # fmt: skip
            if found is not None:
                return found, "text"
    elif text:
        normalised = " ".join(normalize_arabic(text[:3000]).lower().split())
        absolute = absolute_date(normalised, fetched, partial=False)
        if absolute and absolute[1] is not None:
            found = validate(absolute[1], fetched_at=fetched, outlet_founded=founded, what="text date")
            if found is not None:
                return found, "text"
    return None, None
