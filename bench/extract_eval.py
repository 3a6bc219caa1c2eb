"""Field accuracy per template: our extractor vs plain trafilatura, on the existing fixtures and on the
development set of issue 11 (tests.fixture_site.devset).

    python bench/extract_eval.py                 # or: python -m bench.extract_eval
    python bench/extract_eval.py --failures 5 --json /tmp/eval.json --only dev

Every article page of every template is rendered in-process (no server, no network): the existing
fixture outlets (fx-*, "existing fixtures") and the development-set outlets (dx-*, "dev set (new)";
dx-amp counts its normal pages and its AMP twins as two templates). Each page goes through

  ours   workers.clean.extract.extract_article(raw, url, outlet=, headers=, outlet_config=, registry=)
         as `akhbar extract` and the clean worker call it (registry entries: names, founded, timezone);
  traf   trafilatura.bare_extraction(text, url=url, with_metadata=True), ``text`` being the page
         decoded by our decode_html with the page's Content-Type (the same str ours parses).

Scored per page, against the gold records (tests.fixture_site.gold / devset):
  title     exact match (whitespace folded)
  body F1   token F1 over akhbar.core.text.words
  date      same minute as the gold (as instants; the gold's precision for day-only / undated pages)
  date_day  same local day (JSON only: trafilatura's default output is a day)
  author    first author, normalised (both empty counts as right)
  source    repost source: same name (phrase_key, "صحيفة/جريدة/موقع/وكالة" prefixes dropped) or slug;
            trafilatura has no such field (always None)
  dateline  (ours only) the place of the dateline
  leaks     body lines that are page furniture (a count of lines): lines holding one of the dev
            templates' own furniture strings (share, related titles, comments, utility lines), and on
            every page short lines naming a utility (print, send, font size, share, comments,
            related) that are not gold paragraphs
  entities  pages whose title, body or lead still holds an HTML entity (&quot; &#x27; ...)
  article   (ours only) crawler.classify.is_article on the page: what the crawl decides to send on
A page our extractor rejects (an ExtractionError) scores 0 on every field and is counted in "errors".

Results: a table on stdout and bench/results/extract_eval.json (git commit, command line, cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/extract_eval.py` from the repo root
    sys.path.insert(0, str(ROOT))

from akhbar.core.text import normalize_for_hash, words  # noqa: E402
from bench.extract_bench import token_f1  # noqa: E402 - one body F1 for both extraction benches
from tests.fixture_site import gold as fixture_gold  # noqa: E402
from tests.fixture_site.devset import text_source  # noqa: E402
from tests.fixture_site.devweb import dev_offline_web  # noqa: E402
from tests.fixture_site.offline import OfflineWeb, offline_web  # noqa: E402
from workers.clean.encoding import decode_html  # noqa: E402
from workers.clean.textutil import phrase_key  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FETCHED = datetime(2026, 11, 28, tzinfo=UTC)
DEV, EXISTING = "dev set (new)", "existing fixtures"
FIELDS = ("title", "body_f1", "date", "date_day", "author", "source", "dateline", "leaks", "entities", "article", "errors")
ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
UTILITY = re.compile(
    r"طباع[ةه]|[إا]رسال\s+لصديق|البريد\s+ال[إا]لكتروني|حجم\s+الخط|تكبير\s+الخط|تصغير\s+الخط|شارك|مشارك[ةه]|"
    r"تعليق|ذات\s+صل[ةه]|[إا]قر[أا]\s+[أا]يض|عدد\s+القراءات|الزيارات|facebook|twitter|whatsapp|\bshare\b|\bprint\b",
    re.I,
)
UTILITY_MAX_WORDS = 10
_SOURCE_PREFIX = re.compile(r"^(?:صحيفه|جريده|موقع|وكاله|قناه)\s+")


@dataclass
class Page:
    template: str
    group: str
    record: dict[str, Any]
    url: str
    raw: bytes
    headers: dict[str, str]
    text: str
    furniture: list[str]


def _pages_of(web: OfflineWeb, group: str) -> list[Page]:
    pages = []
    for record in web.catalog.records:
        if record.get("parts"):
            continue  # a report split over pages: one page holds a part of the gold (tests/unit/test_crawler_split.py)
        if record.get("client_rendered"):
            continue  # its HTML is an app shell: a browser builds the story (tests/integration/test_crawler_render.py)
        site = web.sites[record["outlet"]]
        variants = [(record["outlet"], record["path"])]
        if record.get("amp_path"):
            variants.append((f"{record['outlet']}:amp", record["amp_path"]))
        furniture = list(site.furniture(record)) if hasattr(site, "furniture") else []
        for template, path in variants:
            status, raw, headers = web.fetch(record["outlet"], path)
            if status != 200:
                raise RuntimeError(f"{record['outlet']}{path}: status {status}")
            ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
            pages.append(Page(template, group, record, site.url(path), raw, headers, decode_html(raw, ctype),
                              furniture))
    return pages


def render(only: str) -> tuple[list[Page], dict[str, Any]]:
    pages: list[Page] = []
    registries: dict[str, Any] = {}
    if only in ("all", "existing"):
        web = offline_web()
        pages += _pages_of(web, EXISTING)
        registries[EXISTING] = web.registry
    if only in ("all", "dev"):
        web = dev_offline_web()
        pages += _pages_of(web, DEV)
        registries[DEV] = web.registry
    return pages, registries


# --------------------------------------------------------------------------- systems


def run_ours(page: Page, registry: Any) -> dict[str, Any] | None:
    from workers.clean.errors import ExtractionError
    from workers.clean.extract import extract_article

    outlet = page.record["outlet"]
    try:
        return extract_article(page.raw, page.url, outlet=outlet, headers=page.headers, fetched_at=FETCHED,
                               outlet_config=registry.get(outlet), registry=registry)
    except ExtractionError as err:
        return {"error": f"{type(err).__name__}: {err}"}


def run_trafilatura(page: Page) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.bare_extraction(page.text, url=page.url, with_metadata=True)
    if doc is None:
        return {"error": "trafilatura returned nothing"}
    data = doc if isinstance(doc, dict) else doc.as_dict()
    author = data.get("author") or ""
    return {"title": data.get("title"), "body": data.get("text") or "", "lead": "",
            "published_at": data.get("date"),
            "authors": [a.strip() for a in re.split(r"[;,]", author) if a.strip()], "source_outlet": None}


def is_article(page: Page) -> bool:
    from parsel import Selector

    from crawler.classify import is_article as classify

    return bool(classify(Selector(text=page.text), page.url))


# --------------------------------------------------------------------------- scoring


def date_ok(got: str | None, record: Mapping[str, Any]) -> bool:
    want = record["published_at"]
    if want is None or record.get("date_precision") == "none":
        return got is None
    if not got:
        return False
    want_dt = datetime.fromisoformat(want)
    try:
        got_dt = datetime.fromisoformat(got.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    if got_dt.tzinfo is None:  # a bare day or naive time: read as the gold's local time
        got_dt = got_dt.replace(tzinfo=want_dt.tzinfo)
    if record.get("date_precision") == "day":
        return got_dt.astimezone(want_dt.tzinfo).date() == want_dt.date()
    return got_dt.replace(second=0, microsecond=0) == want_dt.replace(second=0, microsecond=0)


def day_ok(got: str | None, record: Mapping[str, Any]) -> bool:
    """The gold's local day (trafilatura's default date output is a day)."""
    return date_ok(got, {**record, "date_precision": "day"}) if record["published_at"] else got is None


def first_author_ok(got: list[str] | None, want: list[str]) -> bool:
    g = normalize_for_hash(got[0]) if got else ""
    w = normalize_for_hash(want[0]) if want else ""
    return g == w


def _source_key(name: str | None) -> str:
    if not name:
        return ""
    return _SOURCE_PREFIX.sub("", phrase_key(name))


def source_ok(got: str | None, want: str | None) -> bool:
    if not want:
        return not got
    if not got:
        return False
    if got == want or _source_key(got) == _source_key(want):
        return True
    from workers.clean.reposts import known_outlet

    return known_outlet(want) is not None and known_outlet(want) == known_outlet(got)


def leaks(body: str, page: Page) -> list[str]:
    """Body lines that are furniture: holding one of the template's furniture strings (absent from the
    gold body), or short lines naming a utility that are not gold paragraphs. One entry per line."""
    gold_body = page.record["body"]
    gold_lines = {phrase_key(p) for p in page.record["paragraphs"]}
    furniture = [f for f in page.furniture if len(f) >= 3 and f not in gold_body]
    found = []
    for line in (line.strip() for line in re.split(r"\n+", body)):
        if not line or phrase_key(line) in gold_lines:
            continue
        if any(f in line for f in furniture) or (len(line.split()) <= UTILITY_MAX_WORDS and UTILITY.search(line)):
            found.append(line)
    return found


def entities(out: Mapping[str, Any]) -> list[str]:
    return [m for name in ("title", "body", "lead") for m in ENTITY.findall(out.get(name) or "")]


def score(system: str, out: Mapping[str, Any], page: Page) -> dict[str, Any]:
    record = page.record
    if "error" in out:
        row: dict[str, Any] = {"title": False, "body_f1": 0.0, "date": False, "date_day": False, "author": False, "source": False,
                               "leaks": 0, "entities": 0, "errors": 1}
        if system == "ours":
            row["dateline"] = False
        return row
    row = {
        "title": _ws(out.get("title")) == _ws(record["title"]),
        "body_f1": token_f1(out.get("body") or "", record["body"]),
        "date": date_ok(out.get("published_at"), record),
        "date_day": day_ok(out.get("published_at"), record),
        "author": first_author_ok(out.get("authors"), record["authors"]),
        "source": source_ok(out.get("source_outlet"), record["source_outlet"]),
        "leaks": len(leaks(out.get("body") or "", page)),
        "entities": int(bool(entities(out))),
        "errors": 0,
    }
    if system == "ours":
        row["dateline"] = (out.get("dateline") or None) == (record["dateline"] or None)
    return row


def _ws(text: str | None) -> str:
    return " ".join((text or "").split())


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"pages": len(rows)}
    for name in FIELDS:
        values = [float(r[name]) for r in rows if name in r]
        if not values:
            continue
        # leaks / entities / errors are counts (pages with entities, leaked lines, failed pages)
        out[name] = int(sum(values)) if name in ("leaks", "entities", "errors") else round(sum(values) / len(values), 4)
    return out


def _failure(name: str, out: Mapping[str, Any], page: Page) -> dict[str, Any]:
    record = page.record
    base = {"key": record["key"], "template": page.template, "url": page.url, "field": name}
    if "error" in out:
        return {**base, "error": out["error"]}
    if name == "body_f1":
        got, want = Counter(words(out.get("body") or "")), Counter(words(record["body"]))
        return {**base, "f1": round(token_f1(out.get("body") or "", record["body"]), 3),
                "missing": " ".join(w for w in words(record["body"]) if (want - got)[w])[:200],
                "extra": " ".join(w for w in words(out.get("body") or "") if (got - want)[w])[:200]}
    if name == "leaks":
        return {**base, "got": leaks(out.get("body") or "", page)[:5]}
    if name == "entities":
        return {**base, "got": entities(out)[:5]}
    if name == "article":
        return {**base, "got": "crawler.classify.is_article said no"}
    key = {"date": "published_at", "date_day": "published_at", "author": "authors",
           "source": "source_outlet"}.get(name, name)
    got, want = out.get(key), record[key]
    return {**base, "got": got[:160] if isinstance(got, str) else got, "gold": want[:160] if isinstance(want, str) else want}


def _is_failure(name: str, value: Any) -> bool:
    if name == "body_f1":
        return value < 0.97
    if name in ("leaks", "entities", "errors"):
        return bool(value)
    return value is False


# --------------------------------------------------------------------------- report


def _git() -> dict[str, Any]:
    def run(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": run("rev-parse", "HEAD") or None, "dirty": bool(run("status", "--porcelain"))}


COLUMNS = (("title", "title"), ("body_f1", "bodyF1"), ("date", "date"), ("author", "author1"),
           ("source", "source"), ("dateline", "dateln"), ("leaks", "leaks"), ("entities", "entity"),
           ("errors", "errors"), ("article", "is_art"))


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "-"
    if name in ("leaks", "entities", "errors"):
        return str(value)
    return f"{value:.3f}"


def print_table(report: dict[str, Any]) -> None:
    header = f"{'template':18s} {'group':18s} {'sys':5s} {'pages':>5s} " + " ".join(f"{h:>7s}" for _, h in COLUMNS)
    print(header)
    print("-" * len(header))
    for template, entry in report["templates"].items():
        for system in ("ours", "traf"):
            agg = entry[system]
            cells = " ".join(f"{_cell(n, agg.get(n)):>7s}" for n, _ in COLUMNS)
            print(f"{template:18s} {entry['group']:18s} {system:5s} {agg['pages']:>5d} {cells}")
    print("-" * len(header))
    for group, entry in report["groups"].items():
        for system in ("ours", "traf"):
            agg = entry[system]
            cells = " ".join(f"{_cell(n, agg.get(n)):>7s}" for n, _ in COLUMNS)
            print(f"{'ALL':18s} {group:18s} {system:5s} {agg['pages']:>5d} {cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/extract_eval.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("all", "dev", "existing"), default="all")
    parser.add_argument("--failures", type=int, default=3, help="failing pages kept per template and field")
    parser.add_argument("--json", default=str(RESULTS / "extract_eval.json"), help="where to write the results")
    args = parser.parse_args(argv)

    import trafilatura

    started = time.monotonic()
    pages, registries = render(args.only)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
    variants: dict[str, dict[str, list[dict[str, Any]]]] = {}  # dev templates with several page shapes
    template_group: dict[str, str] = {}
    failures: dict[str, list[dict[str, Any]]] = {}
    for page in pages:
        template_group[page.template] = page.group
        outputs = {"ours": run_ours(page, registries[page.group]), "traf": run_trafilatura(page)}
        for system, out in outputs.items():
            row = score(system, out, page)
            if system == "ours":
                row["article"] = is_article(page)
                for name, value in row.items():
                    kept = failures.setdefault(page.template, [])
                    if _is_failure(name, value) and sum(f["field"] == name for f in kept) < args.failures:
                        kept.append(_failure(name, out, page))
            rows.setdefault(page.template, {}).setdefault(system, []).append(row)
            groups.setdefault(page.group, {}).setdefault(system, []).append(row)
            if page.record.get("variant"):
                variant = f"{page.template}/{page.record['variant']}"
                variants.setdefault(variant, {}).setdefault(system, []).append(row)

    report: dict[str, Any] = {
        "benchmark": "bench/extract_eval.py",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": _git(),
        "command": [sys.executable, *sys.argv] if argv is None else ["bench/extract_eval.py", *argv],
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "trafilatura": trafilatura.__version__,
        "dev_text_source": text_source() if args.only != "existing" else None,
        "seconds": round(time.monotonic() - started, 1),
        "fields": __doc__.split("Scored per page")[1].split("Results:")[0].strip(),
        "templates": {
            template: {"group": template_group[template], **{s: aggregate(r) for s, r in systems.items()}}
            for template, systems in rows.items()
        },
        "groups": {group: {s: aggregate(r) for s, r in systems.items()} for group, systems in groups.items()},
        "variants": {name: {s: aggregate(r) for s, r in systems.items()} for name, systems in sorted(variants.items())},
        "failures": failures,
    }
    print_table(report)
    print(f"\n{len(pages)} pages in {report['seconds']} s; dev-set text: {report['dev_text_source']}; "
          f"gold records: {len(fixture_gold.load_gold())} existing")
    target = Path(args.json)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"results written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
