"""Names written in Latin script (and Arabic names over English articles): precision@10 and hit@10.

    python bench/names_eval.py                  # report part, 12,000 SaudiNewsNet articles + fixtures
    python bench/names_eval.py --part tune      # the tuning part (the matcher's rules were tuned on it)
    python bench/names_eval.py --label before   # results file names_eval_before.json

Evaluation set: bench/data/names_eval.json (entities, their Arabic spellings, and Latin spellings with
the source of each), written by hand and independent of the matcher: nothing here reads
index/synonyms/libya.txt, the gazetteer or index.analysis / index.names; judgments are raw-text matches.

Archive: SaudiNewsNet (--docs articles, Arab names), the fixture site's Libyan gold articles, and the
fixture articles of bench/names_articles.py (Arabic items naming Libyan people and places, English items,
distractors that share a common word with a name).

Queries: every Latin spelling of every entity of the Latin categories (Latin -> Arabic); the first Arabic
spelling of every `ar_to_en` entity (Arabic -> English-language articles). An entity whose Arabic
spellings occur in no indexed Arabic article is skipped (counted).

Judgments: an Arabic article is relevant when its raw text (harakat dropped) has one of the entity's
Arabic spellings as a word, with a clitic (و ف ب ل ك, ال, لل) before it or not; an English article when
it has one of the entity's Latin spellings as a word (case and accents ignored). For Libyan entities only
Libyan articles count (the gold fixture, the fixture articles, and SaudiNewsNet articles that name Libya):
elsewhere in SaudiNewsNet الخمس is "the five", البيضاء "the white", زيدان the footballer, so a Libyan name
pulling those in is a false match.
Arabic -> English queries are run with the language filter `en` (the user asks for English articles).

Figures, per category: hit@10 = the top 10 holds a relevant article of the target script (Arabic for
Latin queries, English for `ar_to_en`); precision@10 = relevant share of the hits shown in the top 10
(a name found in 3 articles cannot fill 10 slots; what is shown must be right), averaged over queries
that returned something (how many returned nothing is reported); R-precision@10 = relevant share of the
first min(10, R) hits, R the number of relevant articles (ranking-aware: the name's articles first).

Split: an entity is in the tuning part when the first byte of sha1(entity id) is even, else in the report
part (fixed before any change to the matcher; all spellings of one entity stay on one side).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import load_documents  # noqa: E402
from bench.names_articles import articles, load_entities  # noqa: E402
from bench.relevance import libyan_documents  # noqa: E402
from bench.results import write_result  # noqa: E402

K = 10
CATEGORIES = ["ly_people", "ly_places", "arab_names", "ar_to_en"]
LATIN_CATEGORIES = CATEGORIES[:3]
MARKS = re.compile(r"[\u064B-\u0652\u0640\u0670]")
AR_LETTER = "\u0621-\u064A"


def part_of(entity_id: str) -> str:
    return "tune" if hashlib.sha1(entity_id.encode()).digest()[0] % 2 == 0 else "report"


def arabic_pattern(forms: list[str]) -> re.Pattern:
    alts = []
    for form in forms:
        words = [re.escape(w) for w in form.split()]
        first = words[0]
        if form.startswith("ال"):
            base = re.escape(form.split()[0][2:])
            first = f"(?:[وفبلك]?ال|[وف]?لل){base}"
        else:
            first = f"[وفبلك]?{first}"
        alts.append(r"\s+".join([first, *words[1:]]))
    return re.compile(rf"(?<![{AR_LETTER}])(?:{'|'.join(alts)})(?![{AR_LETTER}])")


def fold_latin(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def latin_pattern(spellings: list[str]) -> re.Pattern:
    alts = [r"[\s-]+".join(re.escape(fold_latin(w)) for w in re.split(r"[\s-]+", s)) for s in spellings]
    return re.compile(rf"(?<![a-z])(?:{'|'.join(alts)})(?![a-z])")


def doc_text(doc: dict) -> str:
    return MARKS.sub("", f"{doc.get('title') or ''}\n{doc.get('lead') or ''}\n{doc.get('body') or ''}")


LIBYA = re.compile(rf"(?<![{AR_LETTER}])(?:[وفبلك]?|[وفبلك]?ال)ليبي(?:ا|ة|ه|ين|ون)?(?![{AR_LETTER}])")


def is_libyan(doc_id: str, text: str) -> bool:
    """The Libyan archive (the fixture site's gold articles and this bench's fixture articles), or a
    SaudiNewsNet article that speaks of Libya (ليبيا، الليبي، الليبية...)."""
    return doc_id.startswith(("ly-", "nm-")) or LIBYA.search(text) is not None


def judge(entities: list[dict], docs: dict[str, dict]) -> dict[str, dict[str, set[str]]]:
    """entity id -> {"ar": relevant Arabic doc ids, "en": relevant English doc ids}."""
    texts = {i: doc_text(d) for i, d in docs.items()}
    folded = {i: fold_latin(t) for i, t in texts.items() if docs[i].get("language") == "en"}
    out = {}
    for ent in entities:
        ar = arabic_pattern(ent["arabic"])
        en = latin_pattern([*ent.get("english", []), *ent["latin"]])
        libyan = ent["category"] != "arab_names"
        out[ent["id"]] = {
            "ar": {i for i, t in texts.items() if docs[i].get("language", "ar") != "en" and ar.search(t)
                   and (not libyan or is_libyan(i, t))},
            "en": {i for i, t in folded.items() if en.search(t)},
        }
    return out


def make_queries(entities: list[dict], relevant: dict) -> tuple[list[dict], list[str]]:
    queries, skipped = [], []
    for ent in entities:
        rel = relevant[ent["id"]]
        target = "en" if ent["category"] == "ar_to_en" else "ar"
        if not rel[target]:
            skipped.append(ent["id"])
            continue
        texts = [ent["arabic"][0]] if target == "en" else list(ent["latin"])
        for text in texts:
            queries.append({"entity": ent["id"], "category": ent["category"], "part": part_of(ent["id"]),
                            "text": text, "target": target, "source": ent["latin"].get(text, "")})
    return queries, skipped


def evaluate(adapter, alias: str, queries: list[dict], relevant: dict) -> list[dict]:
    from index.search import run_search

    runs = []
    for q in queries:
        params = {"q": q["text"], "size": K, "all_versions": True, "highlight": False, "facets": False}
        if q["target"] == "en":  # the user asks for the English-language outlets' articles
            params["language"] = ["en"]
        result = run_search(adapter, alias, params)
        ids = [h["id"] for h in result["hits"]][:K]
        rel = relevant[q["entity"]]
        any_rel = rel["ar"] | rel["en"]
        good = [i for i in ids if i in any_rel]
        runs.append({**q, "ids": ids, "hit": any(i in rel[q["target"]] for i in ids),
                     "precision": (len(good) / len(ids)) if ids else None})
    return runs


def r_precision(run: dict, relevant: dict) -> float:
    """Relevant share of the first min(10, R) hits, R = the entity's relevant articles (in the query's
    target script for Arabic -> English): ranking-aware, and reachable by a name found in 3 articles."""
    rel = relevant[run["entity"]]
    pool = set(rel["en"]) if run["target"] == "en" else set(rel["ar"]) | set(rel["en"])
    k = min(K, len(pool))
    return sum(1 for i in run["ids"][:k] if i in pool) / k if k else 0.0


def summarise(runs: list[dict], relevant: dict | None = None) -> dict:
    out: dict = {}
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in runs:
        groups[f"{r['part']}/{r['category']}"].append(r)
        groups[f"{r['part']}/all"].append(r)
        if r["category"] in LATIN_CATEGORIES:
            groups[f"{r['part']}/latin"].append(r)
    for key, rs in sorted(groups.items()):
        shown = [r["precision"] for r in rs if r["precision"] is not None]
        out[key] = {"n": len(rs), "hit@10": round(sum(r["hit"] for r in rs) / len(rs), 3),
                    "precision@10": round(sum(shown) / len(shown), 3) if shown else None,
                    "no_results": len(rs) - len(shown)}
        if relevant is not None:
            out[key]["r_precision@10"] = round(sum(r_precision(r, relevant) for r in rs) / len(rs), 3)
    return out


def print_summary(summary: dict) -> None:
    print(f"\n{'part/category':<22}{'n':>5}{'hit@10':>9}{'P@10':>8}{'R-P@10':>8}{'empty':>7}")
    for key, m in summary.items():
        p = "-" if m["precision@10"] is None else f"{m['precision@10']:.3f}"
        print(f"{key:<22}{m['n']:>5}{m['hit@10']:>9.3f}{p:>8}{m.get('r_precision@10', 0):>8.3f}{m['no_results']:>7}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=12000, help="SaudiNewsNet articles (0: none)")
    ap.add_argument("--part", choices=("report", "tune", "both"), default="both")
    ap.add_argument("--label", default="", help="results file suffix (names_eval_LABEL.json)")
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--url", default=None, help="use this running engine instead of starting a node")
    ap.add_argument("--reuse", action="store_true", help="with --url: keep the index built by the last run")
    ap.add_argument("--summarise", metavar="DETAILS", help="print the figures of a NAME.details.json again")
    args = ap.parse_args(argv)
    if args.summarise:  # figures added since a run (R-precision) from its per-query details
        details = json.loads(Path(args.summarise).read_text(encoding="utf-8"))
        print_summary(summarise(details["runs"], details["relevant"]))
        return 0

    started = time.perf_counter()
    entities = load_entities()
    docs = dict(load_documents(args.docs) if args.docs else [])
    docs.update(libyan_documents())
    docs.update(articles())
    relevant = judge(entities, docs)
    queries, skipped = make_queries(entities, relevant)
    if args.part != "both":
        queries = [q for q in queries if q["part"] == args.part]
    print(f"{len(docs)} documents, {len(queries)} queries, {len(skipped)} entities skipped (no article names "
          f"them), prep {time.perf_counter() - started:.0f} s", file=sys.stderr)

    from index import embedded
    from index.adapter import SearchAdapter
    from index.bulk import BulkAction, BulkIndexer
    from index.mapping import index_body

    home = Path(tempfile.mkdtemp(prefix="akhbar-names-"))
    node = None if args.url else embedded.start(home / "node", heap=args.heap, timeout=600)
    try:
        adapter = SearchAdapter(args.url or node.url, timeout=300)
        name = "names-eval"
        t0 = time.perf_counter()
        if not (args.reuse and args.url and adapter.exists(name)):
            adapter.request("DELETE", f"/{name}", params={"ignore_unavailable": "true"})
            body = index_body(replicas=0)
            body["settings"]["index"]["refresh_interval"] = "-1"
            adapter.request("PUT", f"/{name}", body=body)
            result = BulkIndexer(adapter, name, batch_size=1000).run(
                (BulkAction("index", i, d) for i, d in docs.items()), refresh=True)
            if result.failed:
                raise RuntimeError(f"{len(result.failed)} documents failed, e.g. {result.failed[:2]}")
        index_seconds = time.perf_counter() - t0
        adapter.request("POST", f"/{name}/_forcemerge", params={"max_num_segments": "1"})
        adapter.refresh(name)
        size = adapter.request("GET", f"/{name}/_stats/store")["indices"][name]["primaries"]["store"]["size_in_bytes"]
        t0 = time.perf_counter()
        runs = evaluate(adapter, name, queries, relevant)
        query_ms = (time.perf_counter() - t0) * 1000 / max(1, len(queries))
        adapter.close()
    finally:
        if node is not None:
            embedded.stop(node.pid)
        shutil.rmtree(home, ignore_errors=True)

    summary = summarise(runs, relevant)
    print_summary(summary)
    print(f"index {size / 1e6:.1f} MB, indexed in {index_seconds:.0f} s, {query_ms:.1f} ms per query")
    figures = {"docs": len(docs), "saudi_docs": args.docs, "queries": len(queries), "skipped_entities": skipped,
               "index_bytes": size, "index_seconds": round(index_seconds, 1), "ms_per_query": round(query_ms, 2),
               "summary": summary}
    write_result("names_eval" + (f"_{args.label}" if args.label else ""), figures,
                 details={"runs": runs, "relevant": {k: {s: sorted(v) for s, v in r.items()}
                                                     for k, r in relevant.items()}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
