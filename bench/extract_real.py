"""Extraction on real pages: the aeb-dev corpus (91 real news pages of many publishers, gold article bodies).

Used by `python bench/extract_bench.py` (its default mode); see that script and docs/benchmarks.md.

Corpus: ../shared/corpora/aeb-dev (or $AKHBAR_AEB_DEV): html/KEY.html.gz and ground-truth.json
({KEY: {"url", "articleBody"}}), read in place, never copied into the repository.

Split, fixed before any change to the extractor: a page is in the REPORT part when the first byte of
sha256("aeb-split-v1:" + KEY) is below 86 (86/256 ~ 1/3), else in the TUNING part. Rules are found on the
tuning part only; its figures are in-sample.

Body score (the corpus README): whitespace tokens of the extracted body against articleBody, precision,
recall and F1 per page, each averaged over pages.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from akhbar.core.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
SPLIT_SALT = "aeb-split-v1:"
REPORT_BELOW = 86  # first hash byte < 86 of 256: the report part (~1/3)
TUNING, REPORT = "tuning", "report"


@dataclass(frozen=True)
class RealPage:
    key: str
    url: str
    raw: bytes
    text: str  # raw decoded by our decode_html (no HTTP header: the corpus has none)
    gold: str

    @property
    def part(self) -> str:
        return split_part(self.key)


def split_part(key: str) -> str:
    """The fixed split rule: a salted hash of the page key, so it never depends on results."""
    return REPORT if hashlib.sha256((SPLIT_SALT + key).encode()).digest()[0] < REPORT_BELOW else TUNING


def load_pages(corpus: Path | None = None) -> list[RealPage]:
    """The dev set's pages; `corpus` None: AKHBAR_AEB_DEV."""
    from workers.clean.encoding import decode_html

    corpus = load_settings().aeb_dev_dir if corpus is None else corpus
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        raw = gzip.decompress((corpus / "html" / f"{key}.html.gz").read_bytes())
        pages.append(RealPage(key, truth[key]["url"], raw, decode_html(raw, None), truth[key]["articleBody"]))
    return pages


# --------------------------------------------------------------------------- systems


def ours(page: RealPage) -> str:
    """The whole clean step; a rejected page (ExtractionError) has an empty body."""
    from workers.clean.errors import ExtractionError
    from workers.clean.extract import extract_article

    try:
        return str(extract_article(page.raw, page.url)["body"])
    except ExtractionError:
        return ""


def trafilatura_body(page: RealPage) -> str:
    import trafilatura

    doc = trafilatura.bare_extraction(page.text, url=page.url, with_metadata=True)
    return (getattr(doc, "text", None) or "") if doc is not None else ""


SYSTEMS: dict[str, Callable[[RealPage], str]] = {"ours": ours, "trafilatura": trafilatura_body}


# --------------------------------------------------------------------------- scoring


def token_prf(got: str, want: str) -> tuple[float, float, float]:
    """Whitespace-token precision, recall, F1 of one page (multisets)."""
    g, w = Counter(got.split()), Counter(want.split())
    if not g and not w:
        return 1.0, 1.0, 1.0
    overlap = sum((g & w).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(g.values()), overlap / sum(w.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def body_scores(pages: list[RealPage], bodies: dict[str, str]) -> dict[str, Any]:
    """Mean precision / recall / F1 per part, and per page (for the details file)."""
    out: dict[str, Any] = {}
    per_page = {p.key: token_prf(bodies.get(p.key, ""), p.gold) for p in pages}
    for part in (REPORT, TUNING):
        rows = [per_page[p.key] for p in pages if p.part == part]
        out[part] = {
            "pages": len(rows),
            "precision": round(statistics.fmean(r[0] for r in rows), 4),
            "recall": round(statistics.fmean(r[1] for r in rows), 4),
            "f1": round(statistics.fmean(r[2] for r in rows), 4),
        }
    out[TUNING]["in_sample"] = True
    out["per_page_f1"] = {k: round(v[2], 4) for k, v in per_page.items()}
    return out


# --------------------------------------------------------------------------- throughput


def throughput(pages: list[RealPage], rounds: int, client: Any | None) -> dict[str, Any]:
    """CPU seconds (process_time) per system, interleaved page by page (order rotated per page), one
    warm-up round then `rounds` rounds; pages per CPU-second per round and ratios, median over rounds.
    With a redis client, clean+dedupe is ours followed by Deduper.assign (redis-server CPU added)."""
    from workers.clean.extract import extract_article
    from workers.dedupe import Deduper

    names = ["ours", "trafilatura"] + (["clean+dedupe"] if client is not None else [])

    def one_round(prefix: str) -> dict[str, float]:
        cpu = dict.fromkeys(names, 0.0)
        dd = Deduper(client, prefix=prefix) if client is not None else None
        redis_before = _redis_cpu(client)
        for i, page in enumerate(pages):
            for name in names[i % len(names):] + names[: i % len(names)]:
                c0 = time.process_time()
                if name == "clean+dedupe":
                    _clean_dedupe(page, dd, extract_article)
                else:
                    SYSTEMS[name](page)
                cpu[name] += time.process_time() - c0
        if client is not None:
            cpu["clean+dedupe"] += _redis_cpu(client) - redis_before
            _delete_prefix(client, prefix)
        return cpu

    one_round("bench:real:warm")
    per_round: list[dict[str, float]] = []
    for r in range(rounds):
        gc.collect()
        per_round.append(one_round(f"bench:real:{r}"))
    n = len(pages)
    rates = {name: [n / c[name] for c in per_round] for name in names}
    ratios = {
        f"{name} / trafilatura": [c["trafilatura"] / c[name] for c in per_round] for name in names if name != "trafilatura"
    }
    return {
        "pages_per_round": n,
        "rounds": rounds,
        "warmup_rounds": 1,
        "interleaving": "per page, system order rotated per page; CPU seconds (time.process_time)",
        "median_page_kb": round(statistics.median(len(p.raw) for p in pages) / 1024, 1),
        "pages_per_cpu_s_median": {k: round(statistics.median(v), 1) for k, v in rates.items()},
        "pages_per_cpu_s_rounds": {k: [round(x, 1) for x in v] for k, v in rates.items()},
        "ratio_cpu_median": {k: round(statistics.median(v), 3) for k, v in ratios.items()},
        "ratio_cpu_rounds": {k: [round(x, 3) for x in v] for k, v in ratios.items()},
    }


def _clean_dedupe(page: RealPage, dd: Any, extract_article: Callable[..., dict[str, Any]]) -> None:
    from workers.clean.errors import ExtractionError

    try:
        article = extract_article(page.raw, page.url)
    except ExtractionError:
        return
    dd.assign(page.key, outlet=article["outlet"], body=article["body"], published_at=article["published_at"])


def _redis_cpu(client: Any | None) -> float:
    if client is None:
        return 0.0
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _delete_prefix(client: Any, prefix: str) -> None:
    keys = list(client.scan_iter(match=prefix + ":*", count=1000))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i: i + 500])


# --------------------------------------------------------------------------- report


def run(rounds: int, *, with_dedupe: bool = True, throughput_on: bool = True) -> dict[str, Any]:
    """The real-page report: data, body scores of both systems, and throughput."""
    import trafilatura

    pages = load_pages()
    bodies = {name: {p.key: fn(p) for p in pages} for name, fn in SYSTEMS.items()}
    report: dict[str, Any] = {
        "data": {
            "corpus": "aeb-dev (../shared/corpora/aeb-dev)",
            "pages": len(pages),
            "split": f"report if sha256('{SPLIT_SALT}' + key)[0] < {REPORT_BELOW}, else tuning",
            "parts": dict(Counter(p.part for p in pages)),
            "median_page_kb": round(statistics.median(len(p.raw) for p in pages) / 1024, 1),
        },
        "versions": {"trafilatura": trafilatura.__version__},
        "systems": {
            "ours": "workers.clean.extract.extract_article(raw bytes, url): the whole clean step",
            "trafilatura": "trafilatura.bare_extraction(text, url=url, with_metadata=True); text = raw decoded by "
            "our decode_html",
        },
        "body": {name: body_scores(pages, b) for name, b in bodies.items()},
    }
    if throughput_on:
        if with_dedupe:
            from akhbar import redis_server

            with redis_server.temporary(prefix="akhbar-extract-real-") as client:
                report["throughput"] = throughput(pages, rounds, client)
        else:
            report["throughput"] = throughput(pages, rounds, None)
    return report


def print_report(report: dict[str, Any]) -> None:
    data = report["data"]
    print(f"aeb-dev: {data['pages']} real pages (median {data['median_page_kb']} KB), parts {data['parts']}")
    print(f"\nBody whitespace-token scores (mean per page)   {'part':<8} {'P':>6} {'R':>6} {'F1':>6}")
    for name, scores in report["body"].items():
        for part in (REPORT, TUNING):
            s = scores[part]
            mark = "  (in-sample)" if s.get("in_sample") else ""
            print(f"  {name:<45} {part:<8} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}{mark}")
    tp = report.get("throughput")
    if tp:
        print(f"\nThroughput: {tp['pages_per_round']} pages x {tp['rounds']} interleaved rounds after a warm-up, "
              "pages per CPU-second (median of rounds)")
        for name, rate in tp["pages_per_cpu_s_median"].items():
            print(f"  {name:<45} {rate:>8.1f}   rounds {tp['pages_per_cpu_s_rounds'][name]}")
        for name, ratio in tp["ratio_cpu_median"].items():
            print(f"  ratio {name:<39} {ratio:>8.3f}   rounds {tp['ratio_cpu_rounds'][name]}")
