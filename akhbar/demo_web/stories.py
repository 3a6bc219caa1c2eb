"""The demo web's stories: the JSON files in data/ expanded into one record per article page.

Each record is what the page says (title, paragraphs, byline, date, dateline, section, tags) and
where it lives: its path on its outlet and its release order (FixtureWeb.release in the tests holds
the newest back). The sites render these records, so pages and records never diverge; the test
suite treats them as gold (tests/fixture_site/gold.py, which adds its own outlets and labels).

Record keys: key, outlet, slug, kind ("original"/"repost"), language, path, site_id, title,
paragraphs, body, lead, authors, published_at, date_precision, dateline, section, section_key,
tags, source_outlet, repost_of, edits, story_id, event_id, city, style, quirks, release_order.
`body` is the paragraphs joined by "\\n\\n" without boilerplate (share lines, "اقرأ أيضاً",
fx-alaan's "مصدر الخبر" lines, comments); datelines and in-body credit lines are part of it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from akhbar.demo_web.arabic import day_month_year, parse_iso
from akhbar.demo_web.outlets import OUTLETS_BY_SLUG, OutletSpec

DATA_DIR = Path(__file__).resolve().parent / "data"
EVENT_FILES = ("events_1.json", "events_2.json", "events_3.json")
STORY_FILES = ("singles.json", "english.json")
REPOST_FILE = "reposts.json"

# Outlets whose templates show these fields (elsewhere records have [] / None).
_SHOWS_AUTHORS = {"fx-wasat", "fx-marsad", "fx-observer"}
_SHOWS_TAGS = {"fx-wasat", "fx-observer"}
_ID_BASE = {"fx-wasat": 41000, "fx-alaan": 780100, "fx-marsad": 5100, "fx-lana": 30100}

_STYLE_QUIRKS = {
    "no_charset": "no-charset-header",
    "indic": "arabic-indic-digits",
    "malformed": "malformed-html",
    "retry_429": "429-first",
    "bad_date": "bad-date",
    "session_links": "session-id-links",
}


def _read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def raw_stories() -> tuple[list[dict], list[dict]]:
    """(originals, reposts) as written in data/, event-level defaults merged into each version."""
    raws: list[dict] = []
    for name in EVENT_FILES:
        for event in _read(name)["events"]:
            defaults = {k: v for k, v in event.items() if k != "versions"}
            raws.extend({**defaults, **version} for version in event["versions"])
    for name in STORY_FILES:
        raws.extend(_read(name)["stories"])
    return raws, _read(REPOST_FILE)["reposts"]


def _dateline_prefix(outlet: str, city: str, dt: datetime | None, style: Mapping) -> str | None:
    """The dateline each outlet's house style puts before the first paragraph (None: no dateline)."""
    if outlet == "fx-lana" and dt is not None:
        date_style = style.get("date_style", "msa")
        agency = "أوج" if date_style == "libyan" else "وال"  # the agency was JANA before 2011
        return f"{city} {day_month_year(dt, date_style, style.get('hijri'))} ({agency}) - "
    if outlet == "fx-marsad":
        return f"{city} - المرصد: "
    return None


def _quirks(raw: Mapping, outlet: str) -> list[str]:
    style = raw.get("style", {})
    quirks = [quirk for flag, quirk in _STYLE_QUIRKS.items() if style.get(flag)]
    date_style = style.get("date_style")
    if date_style and date_style != "msa":
        quirks.append(f"{date_style}-date")
    if not raw["slug"].isascii():
        quirks.append("non-ascii-slug")
    if outlet == "fx-lana":
        quirks.append("windows-1256")
    return quirks


def _finish(record: dict) -> dict:
    record["body"] = "\n\n".join(record["paragraphs"])
    record["lead"] = record["paragraphs"][0]
    return record


def _section_name(spec: OutletSpec, key: str | None) -> str | None:
    """Name under which the outlet files a story of section `key` (None: the outlet shows no section)."""
    return None if key is None else spec.sections.get(key)


def _expand_original(raw: Mapping, outlets: Mapping[str, OutletSpec]) -> dict:
    outlet = raw["outlet"]
    if outlet not in outlets:
        raise ValueError(f"unknown outlet {outlet!r} in the story data")
    style = dict(raw.get("style", {}))
    published = raw.get("published_at")
    dt = parse_iso(published) if published else None
    paragraphs = list(raw["paragraphs"])
    prefix = _dateline_prefix(outlet, raw["city"], dt, style)
    if prefix:
        paragraphs[0] = prefix + paragraphs[0]
    key = f"{outlet}/{raw['slug']}"
    return _finish({
        "key": key,
        "outlet": outlet,
        "slug": raw["slug"],
        "kind": "original",
        "language": raw.get("language", "ar"),
        "title": raw["title"],
        "paragraphs": paragraphs,
        "authors": list(raw.get("authors", [])) if outlet in _SHOWS_AUTHORS else [],
        "published_at": published,
        "date_precision": raw.get("precision", "minute"),
        "dateline": raw["city"] if prefix else None,
        "section": _section_name(outlets[outlet], raw.get("section")),
        "section_key": raw.get("section"),
        "tags": list(raw.get("tags", [])) if outlet in _SHOWS_TAGS else [],
        "source_outlet": None,
        "repost_of": None,
        "edits": [],
        "story_id": f"st-{key}",
        "event_id": raw["event_id"],
        "city": raw["city"],
        "style": style,
        "quirks": _quirks(raw, outlet),
    })


def _apply_edits(paragraphs: list[str], edits: Iterable[Mapping]) -> list[str]:
    """The light edits reposting outlets make: new intro line, extra sentence, credit, trimmed end."""
    out = list(paragraphs)
    for edit in edits:
        op = edit["op"]
        if op == "intro":
            out.insert(0, edit["text"])
        elif op == "extra":
            index = edit.get("paragraph", len(out) - 1)
            out[index] = f"{out[index]} {edit['text']}"
        elif op == "credit":
            out.append(edit["text"])
        elif op == "trim":
            out.pop()
        else:
            raise ValueError(f"unknown edit op {op!r}")
    return out


def _expand_repost(raw: Mapping, originals: Mapping[str, dict], outlets: Mapping[str, OutletSpec]) -> dict:
    source = originals[raw["of"]]
    outlet = raw["outlet"]
    edits = list(raw.get("edits", []))
    published = (parse_iso(source["published_at"]) + timedelta(minutes=raw["delay"])).isoformat()
    paragraphs = _apply_edits(source["paragraphs"], edits)
    intro_added = any(edit["op"] == "intro" for edit in edits)
    key = f"{outlet}/{source['slug']}"
    return _finish({
        **copy.deepcopy(source),
        "key": key,
        "outlet": outlet,
        "kind": "repost",
        "title": raw.get("title", source["title"]),
        "paragraphs": paragraphs,
        "authors": [],
        "published_at": published,
        "dateline": None if intro_added else source["dateline"],
        "section": _section_name(outlets[outlet], source["section_key"]),
        "tags": list(source["tags"]) if outlet in _SHOWS_TAGS else [],
        "source_outlet": source["outlet"],
        "repost_of": source["key"],
        "edits": [edit["op"] for edit in edits] or ["identical"],
        "style": {},
        "quirks": ["repost"],
    })


def _sort_key(record: Mapping) -> tuple[str, str]:
    # Undated pages (bad date) sort first: they are never held back.
    return (record["published_at"] or "", record["key"])


def _path(record: Mapping, spec: OutletSpec) -> str:
    outlet, slug, site_id = record["outlet"], record["slug"], record["site_id"]
    if spec.article_path:
        return spec.article_path.format(slug=slug)
    if outlet == "fx-wasat":
        dt = parse_iso(record["published_at"])
        return f"/{dt.year:04d}/{dt.month:02d}/{quote(slug, safe='-')}/"
    if outlet == "fx-alaan":
        return f"/news/{site_id}"
    if outlet == "fx-marsad":
        return f"/news/details/{site_id}"
    if outlet == "fx-lana":
        return f"/post.php?lang=ar&id={site_id}"
    return f"/news/{slug}"


def _assign_paths(records: list[dict], outlets: Mapping[str, OutletSpec]) -> None:
    """Numeric CMS ids follow publication order per outlet, like a real database sequence."""
    per_outlet: dict[str, int] = {}
    for record in sorted(records, key=_sort_key):
        rank = per_outlet.get(record["outlet"], 0)
        per_outlet[record["outlet"]] = rank + 1
        base = _ID_BASE.get(record["outlet"])
        record["site_id"] = base + 17 * rank if base is not None else None
        record["path"] = _path(record, outlets[record["outlet"]])


def build_records(originals: Iterable[Mapping], reposts: Iterable[Mapping],
                  outlets: Mapping[str, OutletSpec]) -> list[dict]:
    """One record per article page, in release order (oldest first); `outlets`: every outlet named."""
    expanded = {record["key"]: record for record in (_expand_original(raw, outlets) for raw in originals)}
    records = list(expanded.values()) + [_expand_repost(raw, expanded, outlets) for raw in reposts]
    keys = [record["key"] for record in records]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate article keys in the story data")
    _assign_paths(records, outlets)
    for order, record in enumerate(sorted(records, key=_sort_key)):
        record["release_order"] = order
    return sorted(records, key=lambda record: record["release_order"])


@lru_cache(maxsize=1)
def _stories() -> tuple[dict, ...]:
    return tuple(build_records(*raw_stories(), OUTLETS_BY_SLUG))


def load_stories() -> list[dict]:
    """Every article record of the demo outlets (a fresh copy), in release order (oldest first)."""
    return copy.deepcopy(list(_stories()))


def article_url(record: Mapping, outlets: Mapping[str, str] | None = None) -> str:
    """The page's path, or its absolute URL when given the web's outlets (slug -> base URL)."""
    if outlets is None:
        return record["path"]
    return outlets[record["outlet"]].rstrip("/") + record["path"]
