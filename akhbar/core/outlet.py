"""An outlet: one news site, as a registry entry describes it, and how an entry is checked and becomes one.

`Outlet.to_payload` / `Outlet.from_payload` carry an outlet between processes (crawl jobs, fetched pages) as
plain JSON, checked like a registry file. The registry itself (files, merging, lookups) is akhbar.core.registry.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from akhbar.core.targets import adhoc_name
from akhbar.core.times import DEFAULT_TIMEZONE

DEFAULT_LANGUAGE = "ar"
KINDS = ("outlet", "agency", "aggregator")
# `defunct`: the site is gone; `akhbar crawl` skips it and `akhbar backfill` reads it from web archives only.
STATUSES = ("active", "defunct")
# `render`: "auto" renders app-shell pages in a browser (crawler.render), "browser" every HTML page, "never" none.
RENDER_MODES = ("auto", "browser", "never")
URL_LIST_KEYS = ("feeds", "sitemaps", "listings")
_URL_KIND = {"feeds": "feed", "sitemaps": "sitemap", "listings": "listing"}

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_FOUNDED_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


class RegistryError(ValueError):
    """A registry file or entry is invalid. The message names the file and the entry."""


# --------------------------------------------------------------------------- value types


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """``"15m"``, ``"1h"``, ``"6h"``, ``"1d"``, ``"30s"``, ``"2w"`` or a number of seconds."""
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    elif isinstance(value, int | float):
        result = timedelta(seconds=value)
    elif isinstance(value, str) and (m := _DURATION_RE.match(value)):
        unit = (m.group(2) or "s").lower()
        result = timedelta(seconds=float(m.group(1)) * _DURATION_UNITS[unit])
    else:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 15m, 1h, 6h, 1d)")
    if result <= timedelta(0):
        raise ValueError(f"duration must be positive: {value!r}")
    return result


@dataclass(frozen=True)
class Schedule:
    """How often each kind of entry point is revisited."""

    feeds: timedelta = timedelta(minutes=15)
    sitemaps: timedelta = timedelta(hours=1)
    listings: timedelta = timedelta(hours=6)

    def interval(self, kind: str) -> timedelta:
        """Interval for ``"feeds"``/``"feed"``, ``"sitemaps"``/``"sitemap"``, ``"listings"``/``"listing"``."""
        key = kind if kind in URL_LIST_KEYS else f"{kind}s"
        if key not in URL_LIST_KEYS:
            raise KeyError(kind)
        return getattr(self, key)

    def as_seconds(self) -> dict[str, int]:
        return {k: int(getattr(self, k).total_seconds()) for k in URL_LIST_KEYS}


DEFAULT_SCHEDULE = Schedule()


@dataclass(frozen=True)
class Selectors:
    """Optional CSS selectors for article pages (the extractor falls back to heuristics)."""

    title: str | None = None
    body: str | None = None
    date: str | None = None
    author: str | None = None
    section: str | None = None
    remove: str | None = None  # boilerplate inside the body to drop (related links, share bars)
    links: str | None = None  # article links on listing pages

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def __bool__(self) -> bool:
        return bool(self.as_dict())


@dataclass(frozen=True)
class SourceUrl:
    """One entry point of an outlet: a feed, a sitemap or a section listing page."""

    kind: str  # "feed" | "sitemap" | "listing"
    url: str
    verified: bool | None = None  # None: the file did not say (typical for user files)
    notes: str | None = None


@dataclass(frozen=True)
class Outlet:
    """One news site. Everything but ``name`` and ``base_url`` is optional."""

    name: str
    base_url: str
    name_ar: str | None = None
    name_en: str | None = None
    language: str = DEFAULT_LANGUAGE
    timezone: str = DEFAULT_TIMEZONE
    founded: date | None = None  # earliest plausible publication date (approximate lower bound)
    kind: str = "outlet"  # "outlet" | "agency" | "aggregator"
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    sources: tuple[SourceUrl, ...] = ()  # the same URLs with kind/verified/notes
    article_patterns: tuple[str, ...] = ()  # regexes (re.search) that article URLs match
    alt_hosts: tuple[str, ...] = ()  # other host names the outlet publishes under
    # Non-public IPs/CIDRs this outlet may be fetched from (a site on a LAN, the test fixtures on
    # loopback). Empty: the crawler refuses every loopback/private/link-local/reserved address.
    allow_addresses: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other names (Arabic/English) used to refer to the outlet
    selectors: Selectors = field(default_factory=Selectors)
    schedule: Schedule = DEFAULT_SCHEDULE
    enabled: bool = True
    status: str = "active"  # "active" | "defunct" (STATUSES)
    render: str = "auto"  # RENDER_MODES
    # Every domain the outlet ever published under (moved domains are one outlet): backfills ask the archives
    # for each, and URLs on them belong to the outlet.
    domains: tuple[str, ...] = ()
    verified: bool | None = None  # whether the outlet's identity/base URL was confirmed
    notes: str | None = None
    origin: str = field(default="<memory>", compare=False)  # file(s) the entry came from

    @property
    def host(self) -> str:
        """Lower-case host name of ``base_url`` without ``www.`` and without port."""
        return bare_host(urlsplit(self.base_url).hostname or "")

    @property
    def hosts(self) -> tuple[str, ...]:
        extra = [bare_host(h) for h in (*self.alt_hosts, *self.domains)]
        return tuple(dict.fromkeys((self.host, *extra)))

    @property
    def defunct(self) -> bool:
        return self.status == "defunct"

    @property
    def is_aggregator(self) -> bool:
        return self.kind == "aggregator"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def unverified(self) -> list[SourceUrl]:
        """Entry points not confirmed to exist (``verified`` is false or unknown)."""
        return [s for s in self.sources if not s.verified]

    def is_article_url(self, url: str) -> bool | None:
        """True/False when ``article_patterns`` are set, None when the outlet has none."""
        if not self.article_patterns:
            return None
        return any(re.search(p, url) for p in self.article_patterns)

    def schedule_seconds(self) -> dict[str, int]:
        return self.schedule.as_seconds()

    @classmethod
    def adhoc(cls, url: str) -> Outlet:
        """An outlet for a site the registry does not know (a WARC from another crawler, a URL submitted
        over the API), named by its host and port."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        netloc = f"{host}:{parts.port}" if parts.port else host
        return cls(name=adhoc_name(url), base_url=f"{parts.scheme or 'http'}://{netloc}/", name_en=netloc,
                   notes="ad hoc: not in the registry", origin="<adhoc>")

    @property
    def display_name(self) -> str:
        """The name a reader expects: the Arabic name, else the English one, else the registry id."""
        return self.name_ar or self.name_en or self.name

    def to_payload(self) -> dict[str, Any]:
        """The outlet as a registry entry in plain JSON: crawl jobs and fetched pages carry it between
        processes, so a crawler or worker needs no registry file of its own. `from_payload` reads it back."""
        urls = {key: [{"url": s.url, "verified": s.verified, "notes": s.notes}
                      for s in self.sources if s.kind == _URL_KIND[key]] for key in URL_LIST_KEYS}
        for key in URL_LIST_KEYS:  # outlets built in code may list URLs without SourceUrl entries
            known = {u["url"] for u in urls[key]}
            urls[key] += [{"url": u, "verified": None, "notes": None} for u in getattr(self, key) if u not in known]
        payload: dict[str, Any] = {
            "name": self.name, "base_url": self.base_url, "name_ar": self.name_ar, "name_en": self.name_en,
            "language": self.language, "timezone": self.timezone,
            "founded": self.founded.isoformat() if self.founded else None, "kind": self.kind,
            **urls,
            "article_patterns": list(self.article_patterns), "alt_hosts": list(self.alt_hosts),
            "allow_addresses": list(self.allow_addresses), "aliases": list(self.aliases), "selectors": self.selectors.as_dict(),
            "schedule": self.schedule_seconds(), "enabled": self.enabled, "verified": self.verified,
            "status": self.status, "render": self.render, "domains": list(self.domains),
            "notes": self.notes,
        }
        return payload

    @classmethod
    def from_payload(cls, data: Mapping[str, Any], origin: str = "<payload>") -> Outlet:
        """An outlet from `to_payload`'s dict (or any registry entry), checked like a registry file."""
        clean = {k: v for k, v in data.items() if v not in (None, [], {}, ())}
        return make_outlet(check_entry(clean, origin, 0), origin)


def bare_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host




_ENTRY_KEYS = {f.name for f in fields(Outlet)} - {"sources", "origin"}
_SELECTOR_KEYS = {f.name for f in fields(Selectors)}
_URL_ENTRY_KEYS = {"url", "verified", "notes"}




def check_entry(entry: Any, origin: str, index: int) -> dict[str, Any]:
    where = f"{origin}: entry #{index}"
    if not isinstance(entry, Mapping):
        raise RegistryError(f"{where}: must be a mapping with at least 'name' and 'base_url'")
    name = entry.get("name")
    if name is None:
        raise RegistryError(f"{where}: 'name' is required")
    if not isinstance(name, str | int) or not _NAME_RE.match(str(name)):
        raise RegistryError(f"{where}: name {name!r} must be a slug: lower-case letters, digits, '-' or '_'")
    name = str(name)
    where = f"{origin}: outlet {name!r}"

    def fail(message: str) -> RegistryError:
        return RegistryError(f"{where}: {message}")

    unknown = sorted(str(k) for k in entry if k not in _ENTRY_KEYS)
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, sorted(_ENTRY_KEYS), n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise fail(f"unknown key(s) {', '.join(hints)}; allowed: {', '.join(sorted(_ENTRY_KEYS))}")

    out: dict[str, Any] = {"name": name}
    for key, value in entry.items():
        if key == "name":
            continue
        if key == "base_url":
            out[key] = _check_url(value, None, fail, "base_url")
        elif key in ("name_ar", "name_en", "notes"):
            out[key] = _check_str(value, fail, key, optional=True)
        elif key == "language":
            lang = _check_str(value, fail, key)
            if not _LANG_RE.match(lang):
                raise fail(f"language {lang!r} is not a language code such as 'ar' or 'en'")
            out[key] = lang
        elif key == "timezone":
            out[key] = _check_timezone(value, fail)
        elif key == "founded":
            out[key] = _check_founded(value, fail)
        elif key == "kind":
            kind = _check_str(value, fail, key)
            if kind not in KINDS:
                raise fail(f"kind {kind!r} must be one of {', '.join(KINDS)}")
            out[key] = kind
        elif key in URL_LIST_KEYS:
            out[key] = _check_url_list(value, fail, key)
        elif key == "status":
            status = _check_str(value, fail, key)
            if status not in STATUSES:
                raise fail(f"status {status!r} must be one of {', '.join(STATUSES)}")
            out[key] = status
        elif key == "render":
            mode = _check_str(value, fail, key)
            if mode not in RENDER_MODES:
                raise fail(f"render {mode!r} must be one of {', '.join(RENDER_MODES)}")
            out[key] = mode
        elif key in ("aliases", "alt_hosts", "article_patterns", "domains"):
            items = _check_str_list(value, fail, key)
            if key == "article_patterns":
                for pattern in items:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise fail(f"article_patterns: bad regular expression {pattern!r}: {exc}") from None
            if key in ("alt_hosts", "domains"):
                items = [bare_host(h) for h in items]
            out[key] = items
        elif key == "allow_addresses":
            items = _check_str_list(value, fail, key)
            for item in items:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise fail(f"allow_addresses: {item!r} is not an IP address or CIDR") from None
            out[key] = items
        elif key == "selectors":
            out[key] = _check_selectors(value, fail)
        elif key == "schedule":
            out[key] = _check_schedule(value, fail)
        elif key in ("enabled", "verified"):
            if value is not None and not isinstance(value, bool):
                raise fail(f"{key} must be true or false, not {value!r}")
            out[key] = value
    return out


def _check_str(value: Any, fail: Any, key: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{key} must be a non-empty string, not {value!r}")
    return value.strip()


def _check_str_list(value: Any, fail: Any, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"{key} must be a list of strings")
    return [v.strip() for v in value]


def _check_url(value: Any, base: str | None, fail: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{what} must be a URL string, not {value!r}")
    url = value.strip()
    if base is not None:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise fail(f"{what} {value!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        shown = f"{parts.scheme!r}" if parts.scheme else "none"
        raise fail(f"{what} {value!r} must be an http:// or https:// URL (scheme: {shown})")
    if not parts.hostname:
        raise fail(f"{what} {value!r} has no host")
    return url


def _check_url_list(value: Any, fail: Any, key: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        value = [value]
    if not isinstance(value, list):
        raise fail(f"{key} must be a list of URLs or of {{url, verified, notes}} mappings")
    out: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, Mapping):
            raise fail(f"{key}: {item!r} is neither a URL nor a {{url, verified, notes}} mapping")
        unknown = sorted(str(k) for k in item if k not in _URL_ENTRY_KEYS)
        if unknown:
            raise fail(f"{key}: unknown key(s) {unknown} in {dict(item)!r}; allowed: url, verified, notes")
        if "url" not in item:
            raise fail(f"{key}: entry {dict(item)!r} has no 'url'")
        url = item["url"]
        if not isinstance(url, str) or not url.strip():
            raise fail(f"{key}: url must be a string, not {url!r}")
        if "://" in url or ":" in url.split("/", 1)[0]:
            _check_url(url, None, fail, f"{key} URL")  # absolute: check now
        verified = item.get("verified")
        if verified is not None and not isinstance(verified, bool):
            raise fail(f"{key}: verified must be true or false for {url!r}")
        notes = _check_str(item.get("notes"), fail, f"{key} notes", optional=True)
        out.append({"url": url.strip(), "verified": verified, "notes": notes})
    return out


def _check_timezone(value: Any, fail: Any) -> str:
    tz = _check_str(value, fail, "timezone")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        if available_timezones():  # a tz database exists and does not know the name
            raise fail(f"unknown timezone {tz!r} (use an IANA name such as 'Africa/Tripoli')") from None
    return tz


def _check_founded(value: Any, fail: Any) -> date | None:
    if value is None:
        return None
    this_year = datetime.now().year
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        if not 1800 <= value <= this_year + 1:
            raise fail(f"founded year {value} is out of range")
        result = date(value, 1, 1)
    elif isinstance(value, str) and (m := _FOUNDED_RE.match(value.strip())):
        try:
            result = date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError as exc:
            raise fail(f"founded {value!r} is not a valid date: {exc}") from None
    else:
        raise fail(f"founded must be a year (2011) or a date (2011-02-17), not {value!r}")
    if not date(1800, 1, 1) <= result <= date(this_year + 1, 12, 31):
        raise fail(f"founded {value!r} is out of range")
    return result


def _check_selectors(value: Any, fail: Any) -> dict[str, str | None]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail("selectors must be a mapping such as {title: 'h1', body: '.entry-content'}")
    unknown = sorted(str(k) for k in value if k not in _SELECTOR_KEYS)
    if unknown:
        raise fail(f"selectors: unknown key(s) {unknown}; allowed: {', '.join(sorted(_SELECTOR_KEYS))}")
    out: dict[str, str | None] = {}
    for key, css in value.items():
        out[key] = _check_str(css, fail, f"selectors.{key}", optional=True)
    return out


def _check_schedule(value: Any, fail: Any) -> dict[str, timedelta]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail("schedule must be a mapping such as {feeds: 15m, sitemaps: 1h, listings: 6h}")
    unknown = sorted(str(k) for k in value if k not in URL_LIST_KEYS)
    if unknown:
        raise fail(f"schedule: unknown key(s) {unknown}; allowed: {', '.join(URL_LIST_KEYS)}")
    out: dict[str, timedelta] = {}
    for key, raw in value.items():
        try:
            out[key] = parse_duration(raw)
        except ValueError as exc:
            raise fail(f"schedule.{key}: {exc}") from None
    return out


def make_outlet(data: Mapping[str, Any], origin: str) -> Outlet:
    name = data["name"]

    def fail(message: str) -> RegistryError:
        return RegistryError(f"{origin}: outlet {name!r}: {message}")

    base_url = data["base_url"]
    if urlsplit(base_url).path == "":
        base_url += "/"
    lists: dict[str, tuple[str, ...]] = {}
    sources: list[SourceUrl] = []
    for key in URL_LIST_KEYS:
        urls: list[str] = []
        for item in data.get(key) or []:
            url = _check_url(item["url"], base_url, fail, f"{key} URL")
            if url in urls:
                continue
            urls.append(url)
            sources.append(SourceUrl(_URL_KIND[key], url, item.get("verified"), item.get("notes")))
        lists[key] = tuple(urls)
    selectors = Selectors(**(data.get("selectors") or {}))
    schedule = Schedule(**(data.get("schedule") or {}))
    return Outlet(
        name=name,
        base_url=base_url,
        name_ar=data.get("name_ar"),
        name_en=data.get("name_en"),
        language=data.get("language") or DEFAULT_LANGUAGE,
        timezone=data.get("timezone") or DEFAULT_TIMEZONE,
        founded=data.get("founded"),
        kind=data.get("kind") or "outlet",
        feeds=lists["feeds"],
        sitemaps=lists["sitemaps"],
        listings=lists["listings"],
        sources=tuple(sources),
        article_patterns=tuple(data.get("article_patterns") or ()),
        alt_hosts=tuple(data.get("alt_hosts") or ()),
        allow_addresses=tuple(data.get("allow_addresses") or ()),
        aliases=tuple(data.get("aliases") or ()),
        selectors=selectors,
        schedule=schedule,
        enabled=True if data.get("enabled") is None else bool(data["enabled"]),
        status=data.get("status") or "active",
        render=data.get("render") or "auto",
        domains=tuple(data.get("domains") or ()),
        verified=data.get("verified"),
        notes=data.get("notes"),
        origin=origin,
    )


def add_outlet_names(record: dict[str, Any], names: Mapping[str, str] | None) -> dict[str, Any]:
    """Next to each outlet id in a search hit or exported article, the name a reader expects (the
    registry's display name; the id itself for outlets the registry does not know)."""
    names = names or {}
    if "outlet" in record:
        record["outlet_name"] = names.get(record["outlet"], record["outlet"]) if record["outlet"] else None
    if "source_outlet" in record:
        source = record["source_outlet"]
        record["source_outlet_name"] = names.get(source, source) if source else None
    if "also_published_by" in record:
        record["also_published_by_names"] = [names.get(o, o) for o in record["also_published_by"] or []]
    return record

