"""Near-duplicate benchmark for workers/dedupe on real Arabic news (SaudiNewsNet).

    python bench/dedupe_bench.py                       # default: all 18 corpus days, full report
    python bench/dedupe_bench.py --days 4              # make bench: the first 4 days
    python bench/dedupe_bench.py --sweep               # also sweep thresholds / shingle sizes / num_perm

What it measures
  (a) pairwise precision / recall of "same cluster" on labelled pairs:
      positives  = an original article and a syndicated variant made from it (extra intro line,
                   outlet credit, trimmed last paragraph, light spelling/punctuation edits, and
                   combinations), published by another (aggregator) outlet;
      negatives  = pairs of *different* articles on the same topic: the most similar pair partners
                   by content-word overlap (names, numbers, places) (1) inside one source + day +
                   URL category and (2) across sources on the same day (independent reports of one
                   event).  Pairs sharing long verbatim passages (>= 20 % of the smaller text's
                   8-word shingles) are real copies in the corpus (wire stories), not independent
                   reports, so they are left out of the negatives and counted.
      Every article and variant goes through Deduper.assign() against a real redis-server, in a
      shuffled order (so copies often arrive before their original); a pair is predicted
      positive when both docs end in the same cluster.
      IN-SAMPLE: the default thresholds were chosen on this same generator, so that run is labelled
      in-sample. HELD-OUT: the corpus days are split in two halves; thresholds are chosen (best F1 of
      the signature rule over a grid) on the pairs of the first half and scored on the second half,
      both by the rule alone and by the real Deduper (LSH + Redis) run on the second half's docs.
      The excluded "real copy" pairs are scored too: how many dedupe merges, by shared share.
  (b) Redis memory per article of the dedup state (INFO used_memory delta and MEMORY USAGE of
      every key under the prefix, divided by the number of stored docs);
  (c) assign() throughput in articles/s (single process, includes the Redis round trip), and
      the signature cost next to trafilatura extraction of the same article rendered as a page.

The corpus is read in place from ../shared/corpora/saudinewsnet/*.zip (JSON arrays with
source, url, date_extracted, title, author, content); nothing is copied into the repository.
If tests.fixture_site.gold exists, its gold syndicated / independent pairs are evaluated too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from akhbar.core.text import normalize_for_hash, words  # noqa: E402
from workers.dedupe.minhash import (  # noqa: E402
    DEFAULT_BANDS,
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLE_SIZE,
    compact_jaccard,
    containment,
    signature,
)

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "saudinewsnet"
AGGREGATORS = ["aggregator-a", "aggregator-b", "aggregator-c", "aggregator-d"]


# --------------------------------------------------------------------------- corpus


@dataclass
class Doc:
    doc_id: str
    outlet: str
    body: str
    published_at: str | None
    date: str
    category: str
    origin: str = "corpus"  # corpus | variant:<kinds>
    parent: str | None = None


_CAT_RES = [
    re.compile(r"alwatan\.com\.sa/(\w+)/"),
    re.compile(r"okaz\.com\.sa/new/Issues/\d+/([A-Za-z]+)\d"),
    re.compile(r"al-jazirah\.com/\d+/\d+/([a-z]+)\d"),
]


def url_category(url: str) -> str:
    """The section the URL encodes (only some outlets put it there); '' when unknown."""
    for rx in _CAT_RES:
        m = rx.search(url)
        if m:
            return m.group(1).lower()
    return ""


def iter_corpus(corpus: Path, days: int) -> Iterator[dict[str, Any]]:
    for zpath in sorted(corpus.glob("*.zip"))[:days]:
        with zipfile.ZipFile(zpath) as zf:
            for name in zf.namelist():
                if name.endswith(".json"):
                    yield from json.loads(zf.read(name))


def load_docs(corpus: Path, days: int, min_words: int) -> list[Doc]:
    """Corpus articles with at least min_words words, one per normalised body (the corpus has
    the same article under several URLs; those are exact duplicates, not benchmark material)."""
    seen: set[str] = set()
    docs: list[Doc] = []
    for i, a in enumerate(iter_corpus(corpus, days)):
        body = (a.get("content") or "").strip()
        if len(body.split()) < min_words:
            continue
        key = normalize_for_hash(body)
        if key in seen:
            continue
        seen.add(key)
        date = (a.get("date_extracted") or "")[:10]
        ts = (a.get("date_extracted") or "").replace(" ", "T")
        docs.append(
            Doc(
                doc_id=f"c{i:06d}",
                outlet=a["source"],
                body=body,
                published_at=f"{ts}+03:00" if ts else None,
                date=date,
                category=url_category(a.get("url", "")),
            )
        )
    return docs


# --------------------------------------------------------------------------- syndicated variants

INTROS = [
    "نقلا عن {src}:",
    "أفادت صحيفة {src} اليوم بما يلي",
    "خاص - متابعات:",
    "تابعوا آخر الأخبار العاجلة على موقعنا ومن خلال حساباتنا على مواقع التواصل الاجتماعي",
    "{city} - متابعات الوكالة:",
    "ننشر لكم الخبر التالي كما ورد في موقع {src} الإخباري صباح اليوم",
]
CREDITS = [
    "المصدر: {src}",
    "(واس)",
    "نقلا عن صحيفة {src}",
    "للمزيد من الأخبار تابعونا على فيسبوك وتويتر. المصدر {src}",
    "جميع الحقوق محفوظة لصحيفة {src}",
]
CITIES = ["طرابلس", "بنغازي", "مصراتة", "سبها", "الرياض", "جدة"]
_SENT_SPLIT = re.compile(r"(?<=[.!؟?])\s+")
_SWAPS = str.maketrans({"أ": "ا", "إ": "ا", "ة": "ه", "ى": "ي", "،": ",", "«": '"', "»": '"'})


def paragraphs(body: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n+", body) if p.strip()]
    if len(paras) >= 2:
        return paras
    # No paragraph breaks: treat groups of ~3 sentences as paragraphs.
    sents = [s for s in _SENT_SPLIT.split(body) if s.strip()]
    return [" ".join(sents[i : i + 3]) for i in range(0, len(sents), 3)] or [body]


def trim_last_paragraph(body: str) -> str:
    """Drop the last paragraph, as aggregators do; when that paragraph is most of the article
    (short pieces, one-paragraph bodies) drop the last ~20 % of the words instead."""
    paras = paragraphs(body)
    total = len(body.split())
    if len(paras) >= 2 and len(paras[-1].split()) <= 0.4 * total:
        return "\n\n".join(paras[:-1])
    ws = body.split()
    return " ".join(ws[: max(1, int(len(ws) * 0.8))])


def light_edits(body: str, rng: random.Random) -> str:
    """Copy-editing: spelling variants (hamza / ta marbuta / alef maqsura folding), punctuation
    swaps, and ~4 % of the words touched: 1 % dropped, 3 % replaced by another word of the text."""
    out = body.translate(_SWAPS) if rng.random() < 0.7 else body
    ws = out.split(" ")
    n = len(ws)
    drop = {rng.randrange(n) for _ in range(max(1, n // 100))}
    for _ in range(max(1, (3 * n) // 100)):
        ws[rng.randrange(n)] = ws[rng.randrange(n)]
    return " ".join(w for i, w in enumerate(ws) if i not in drop)


def make_variant(doc: Doc, kinds: tuple[str, ...], rng: random.Random, outlet: str, n: int) -> Doc:
    body = doc.body
    fmt = {"src": doc.outlet, "city": rng.choice(CITIES)}
    if "trim" in kinds:
        body = trim_last_paragraph(body)
    if "edit" in kinds:
        body = light_edits(body, rng)
    if "intro" in kinds:
        body = rng.choice(INTROS).format(**fmt) + "\n\n" + body
    if "credit" in kinds:
        credit = rng.choice(CREDITS).format(**fmt)
        body = credit + "\n\n" + body if rng.random() < 0.3 else body + "\n\n" + credit
    pub = None
    if doc.published_at and rng.random() < 0.9:
        hour = int(doc.published_at[11:13])
        pub = doc.published_at[:11] + f"{min(23, hour + 1 + n):02d}" + doc.published_at[13:]
    return Doc(
        doc_id=f"{doc.doc_id}-v{n}",
        outlet=outlet,
        body=body,
        published_at=pub,
        date=doc.date,
        category=doc.category,
        origin="variant:" + "+".join(kinds),
        parent=doc.doc_id,
    )


VARIANT_KINDS: list[tuple[str, ...]] = [
    ("intro",),
    ("credit",),
    ("trim",),
    ("edit",),
    ("intro", "credit"),
    ("intro", "trim"),
    ("credit", "trim"),
    ("intro", "credit", "trim"),
    ("intro", "credit", "trim", "edit"),
]


def make_variants(docs: list[Doc], n_originals: int, rng: random.Random) -> list[Doc]:
    originals = rng.sample(docs, min(n_originals, len(docs)))
    out: list[Doc] = []
    for doc in originals:
        n_var = rng.choice([1, 1, 2, 3])
        outlets = rng.sample(AGGREGATORS, n_var)
        for j, outlet in enumerate(outlets):
            out.append(make_variant(doc, rng.choice(VARIANT_KINDS), rng, outlet, j))
    return out


# --------------------------------------------------------------------------- same-topic negatives


def _content_terms(docs: list[Doc]) -> list[set[str]]:
    """Word sets without the 150 most frequent words and without 1-2 letter tokens: what is left
    is mostly names, places, numbers and topic words."""
    toks = [set(words(d.body)) for d in docs]
    df = Counter(t for s in toks for t in s)
    stop = {t for t, _ in df.most_common(150)}
    return [{t for t in s if len(t) > 2 and t not in stop} for s in toks]


_SENT_BOUNDARY = re.compile(r"[.!؟?\n]+")


def _segments(text: str) -> list[list[str]]:
    """Sentence-ish word segments; fragments under 6 words (hard-wrapped lines, abbreviations)
    are merged into the next segment so that segmentation differences do not matter."""
    out: list[list[str]] = []
    carry: list[str] = []
    for part in _SENT_BOUNDARY.split(text):
        carry += words(part)
        if len(carry) >= 6:
            out.append(carry)
            carry = []
    if carry:
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    return out


def shared_sentence_share(a: str, b: str, min_cover: float = 0.5) -> float:
    """Share of the shorter text (in words) made of sentences that are (near-)copied in the other:
    at least min_cover of the sentence's word bigrams occur in the other text.  Independent
    reports of one event share names and numbers but not sentences (a quote or a formulaic line
    at most); copies of one release, even edited ones, share most sentences.  This is the
    labelling criterion, deliberately different from the shingle MinHash under test."""
    wa, wb = words(a), words(b)
    if len(wa) > len(wb):
        a, b, wa, wb = b, a, wb, wa
    other = set(zip(wb, wb[1:], strict=False))
    total = copied = 0
    for seg in _segments(a):
        grams = list(zip(seg, seg[1:], strict=False))
        total += len(seg)
        if grams and sum(g in other for g in grams) >= min_cover * len(grams):
            copied += len(seg)
    return copied / total if total else 0.0


def select_negatives(
    docs: list[Doc], per_group_limit: int, max_pairs: int, min_overlap: float
) -> tuple[list[tuple[int, int, str]], int, list[tuple[int, int]]]:
    """Most topic-similar pairs of different articles (same day; same source+category or
    different sources). Returns (pairs, excluded_real_copies, real_copy_pairs)."""
    import numpy as np
    from scipy import sparse

    terms = _content_terms(docs)
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, s in enumerate(terms):
        for t in s:
            rows.append(i)
            cols.append(vocab.setdefault(t, len(vocab)))
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(docs), len(vocab)))
    sizes = np.asarray(x.sum(axis=1)).ravel()
    by_date: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        by_date[d.date].append(i)
    scored: list[tuple[float, int, int, str]] = []
    for idx in by_date.values():
        sub = x[idx]
        inter = (sub @ sub.T).tocoo()
        best: dict[tuple[int, str], list[tuple[float, int]]] = defaultdict(list)
        for r, c, v in zip(inter.row, inter.col, inter.data, strict=True):
            if r >= c:
                continue
            i, j = idx[r], idx[c]
            jac = v / (sizes[i] + sizes[j] - v)
            if jac < min_overlap:
                continue
            di, dj = docs[i], docs[j]
            if di.outlet == dj.outlet:
                if di.category != dj.category:
                    continue
                kind = "same-outlet-topic"
            else:
                kind = "cross-outlet-event"
            best[(i, kind)].append((jac, j))
        for (i, kind), lst in best.items():
            lst.sort(reverse=True)
            for jac, j in lst[:per_group_limit]:
                scored.append((float(jac), i, j, kind))
    scored.sort(reverse=True)
    pairs: list[tuple[int, int, str]] = []
    real: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    per_kind: Counter[str] = Counter()
    excluded = 0
    for _jac, i, j, kind in scored:
        key = (min(i, j), max(i, j))
        if key in seen or per_kind[kind] >= max_pairs:
            continue
        seen.add(key)
        if shared_sentence_share(docs[i].body, docs[j].body) > 0.2:
            excluded += 1
            real.append(key)
            continue
        per_kind[kind] += 1
        pairs.append((i, j, kind))
    return pairs, excluded, real


# --------------------------------------------------------------------------- evaluation


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [correct, total]

    def add(self, gold: bool, pred: bool, kind: str) -> None:
        if gold and pred:
            self.tp += 1
        elif gold:
            self.fn += 1
        elif pred:
            self.fp += 1
        else:
            self.tn += 1
        c = self.by_kind.setdefault(kind, [0, 0])
        c[0] += int(gold == pred)
        c[1] += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "accuracy_by_kind": {k: f"{c}/{t}" for k, (c, t) in sorted(self.by_kind.items())},
        }


def labelled_pairs(
    docs: list[Doc], variants: list[Doc], negatives: list[tuple[int, int, str]]
) -> list[tuple[str, str, bool, str]]:
    out = [(v.parent or "", v.doc_id, True, v.origin) for v in variants]
    # Variants of one original are also positives of each other (both are copies of one story).
    by_parent: dict[str, list[Doc]] = defaultdict(list)
    for v in variants:
        by_parent[v.parent or ""].append(v)
    for vs in by_parent.values():
        for a, b in zip(vs, vs[1:], strict=False):
            out.append((a.doc_id, b.doc_id, True, "variant<->variant"))
    out += [(docs[i].doc_id, docs[j].doc_id, False, kind) for i, j, kind in negatives]
    return out


def pairwise_sweep(
    all_docs: list[Doc],
    pairs: list[tuple[str, str, bool, str]],
    num_perms: Iterable[int],
    ks: Iterable[int],
    min_ratio: float = 0.5,
) -> list[dict[str, Any]]:
    """Signature-only decision rule sweep (no LSH, no Redis): which (k, num_perm, thresholds)
    separate the labelled pairs best."""
    by_id = {d.doc_id: d for d in all_docs}
    needed = {a for a, _, _, _ in pairs} | {b for _, b, _, _ in pairs}
    rows: list[dict[str, Any]] = []
    for k in ks:
        for num_perm in num_perms:
            sigs = {i: signature(by_id[i].body, num_perm=num_perm, k=k) for i in needed}
            feats = []
            for a, b, gold, kind in pairs:
                sa, sb = sigs[a], sigs[b]
                j = compact_jaccard(sa.sig, sb.sig)
                c = containment(j, sa.size, sb.size)
                ratio = min(sa.size, sb.size) / max(sa.size, sb.size)
                feats.append((j, c, ratio, gold, kind))
            pos_j = sorted(f[0] for f in feats if f[3])
            neg_j = sorted(f[0] for f in feats if not f[3])
            for jt in (0.3, 0.4, 0.5, 0.6):
                for ct in (None, 0.55, 0.7):
                    s = Scores()
                    for j, c, ratio, gold, kind in feats:
                        pred = j >= jt or (ct is not None and c >= ct and ratio >= min_ratio)
                        s.add(gold, pred, kind)
                    rows.append(
                        {
                            "k": k,
                            "num_perm": num_perm,
                            "jaccard": jt,
                            "containment": ct,
                            "precision": round(s.precision, 4),
                            "recall": round(s.recall, 4),
                            "fp": s.fp,
                            "fn": s.fn,
                            "pos_j_p05": round(pos_j[len(pos_j) // 20], 3),
                            "neg_j_max": round(neg_j[-1], 3),
                            "neg_j_p99": round(neg_j[int(len(neg_j) * 0.99)], 3),
                        }
                    )
    return rows


def bench_redis():
    from akhbar import redis_server

    return redis_server.temporary(prefix="akhbar-dedupe-bench-")


def pair_features(
    all_docs: list[Doc], pairs: list[tuple[str, str, bool, str]], num_perm: int, k: int
) -> list[tuple[float, float, float, bool, str]]:
    """(estimated Jaccard, containment, size ratio, gold, kind) per pair, signatures only."""
    by_id = {d.doc_id: d for d in all_docs}
    needed = {a for a, _, _, _ in pairs} | {b for _, b, _, _ in pairs}
    sigs = {i: signature(by_id[i].body, num_perm=num_perm, k=k) for i in needed}
    out = []
    for a, b, gold, kind in pairs:
        sa, sb = sigs[a], sigs[b]
        j = compact_jaccard(sa.sig, sb.sig) if sa.sig and sb.sig else 0.0
        out.append((j, containment(j, sa.size, sb.size), min(sa.size, sb.size) / max(sa.size, sb.size, 1), gold, kind))
    return out


def rule_scores(feats: list[tuple[float, float, float, bool, str]], jt: float, ct: float | None,
                min_ratio: float) -> Scores:
    s = Scores()
    for j, c, ratio, gold, kind in feats:
        s.add(gold, j >= jt or (ct is not None and c >= ct and ratio >= min_ratio), kind)
    return s


def choose_thresholds(feats: list[tuple[float, float, float, bool, str]], min_ratio: float) -> dict[str, Any]:
    """Best F1, then best precision, over a grid, on the tuning part only. When several settings tie
    (a plateau), the middle one is taken rather than an edge of the plateau."""
    scored = []
    for jt in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
        for ct in (None, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8):
            s = rule_scores(feats, jt, ct, min_ratio)
            f1 = 2 * s.precision * s.recall / (s.precision + s.recall) if s.precision + s.recall else 0.0
            scored.append(((round(f1, 6), round(s.precision, 6)), jt, ct))
    top = max(key for key, _, _ in scored)
    plateau = sorted(((jt, -1.0 if ct is None else ct) for key, jt, ct in scored if key == top))
    jt, ct = plateau[len(plateau) // 2]
    return {"jaccard": jt, "containment": None if ct < 0 else ct, "tuning_f1": top[0],
            "tied_settings": len(plateau)}


def run_deduper(client: Any, docs: list[Doc], pairs: list[tuple[str, str, bool, str]], kw: dict[str, Any],
                prefix: str, rng: random.Random) -> tuple[Any, dict[str, str], Scores, list, dict[str, Any]]:
    """Every doc through Deduper.assign (shuffled order), then each pair scored on the final clusters."""
    from workers.dedupe import Deduper

    order = list(docs)
    rng.shuffle(order)
    dd = Deduper(client, prefix=prefix, **kw)
    statuses: Counter[str] = Counter()
    t1 = time.perf_counter()
    c1 = time.process_time()
    for d in order:
        statuses[dd.assign(d.doc_id, outlet=d.outlet, body=d.body, published_at=d.published_at).status] += 1
    elapsed = time.perf_counter() - t1
    cpu = time.process_time() - c1
    cluster: dict[str, str] = {}
    for d in order:  # final cluster of every doc (clusters can grow / merge after a doc's own assign)
        info = dd.lookup(d.doc_id)
        cluster[d.doc_id] = info.cluster_id if info else d.doc_id
    scores = Scores()
    errors = []
    for a, b, gold, kind in pairs:
        pred = cluster[a] == cluster[b]
        scores.add(gold, pred, kind)
        if pred != gold:
            errors.append((a, b, gold, kind))
    timing = {"assign_per_s": round(len(order) / elapsed, 1), "ms_per_assign": round(1000 * elapsed / len(order), 3),
              "client_cpu_ms_per_assign": round(1000 * cpu / len(order), 3), "statuses": dict(statuses)}
    return dd, cluster, scores, errors, timing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--days", type=int, default=18, help="corpus zip files (days) to read (default: all 18)")
    ap.add_argument("--originals", type=int, default=1500, help="articles that get syndicated variants")
    ap.add_argument("--min-words", type=int, default=30)
    ap.add_argument("--neg-pairs", type=int, default=1500, help="negatives per kind (at most)")
    ap.add_argument("--num-perm", type=int, default=DEFAULT_NUM_PERM)
    ap.add_argument("--shingle", type=int, default=DEFAULT_SHINGLE_SIZE)
    ap.add_argument("--bands", type=int, default=DEFAULT_BANDS)
    ap.add_argument("--threshold", type=float, default=None, help="Jaccard threshold (default: Deduper's)")
    ap.add_argument("--containment", type=float, default=None, help="containment threshold")
    ap.add_argument("--min-ratio", type=float, default=None, help="min size ratio for containment matches")
    ap.add_argument("--sweep", action="store_true", help="also sweep k / num_perm / thresholds pairwise")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, default=None, help="write the full report here too")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    report: dict[str, Any] = {}

    from workers.dedupe.clusters import DEFAULT_CONTAINMENT, DEFAULT_MIN_RATIO, DEFAULT_THRESHOLD

    t0 = time.perf_counter()
    docs = load_docs(args.corpus, args.days, args.min_words)
    variants = make_variants(docs, args.originals, rng)
    negatives, excluded, real = select_negatives(
        docs, per_group_limit=2, max_pairs=args.neg_pairs, min_overlap=0.1
    )
    pairs = labelled_pairs(docs, variants, negatives)
    all_docs = docs + variants
    # Held-out split by corpus day: the first half of the days tunes, the second half is scored.
    days = sorted({d.date for d in docs})
    tune_days = set(days[: max(1, len(days) // 2)])
    date_of = {d.doc_id: d.date for d in all_docs}
    tune_pairs = [p for p in pairs if date_of[p[0]] in tune_days]
    test_pairs = [p for p in pairs if date_of[p[0]] not in tune_days]
    report["data"] = {
        "corpus_days": len(days),
        "articles": len(docs),
        "variants": len(variants),
        "positive_pairs": sum(p[2] for p in pairs),
        "negative_pairs": sum(not p[2] for p in pairs),
        "negatives_by_kind": dict(Counter(k for _, _, k in negatives)),
        "excluded_real_copies": excluded,
        "tuning_days": sorted(tune_days), "tuning_pairs": len(tune_pairs), "heldout_pairs": len(test_pairs),
        "prep_seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(report["data"], ensure_ascii=False, indent=1), flush=True)

    if args.sweep:
        rows = pairwise_sweep(all_docs, pairs, num_perms=(64, 96, 128, 256), ks=(2, 3, 4, 5, 6))
        report["sweep"] = rows
        for r in rows:
            print("sweep", json.dumps(r), flush=True)

    kw: dict[str, Any] = {"num_perm": args.num_perm, "shingle_size": args.shingle, "bands": args.bands}
    for arg, name in (
        ("threshold", "threshold"),
        ("containment", "containment_threshold"),
        ("min_ratio", "min_ratio"),
    ):
        if getattr(args, arg) is not None:
            kw[name] = getattr(args, arg)
    min_ratio = kw.get("min_ratio", DEFAULT_MIN_RATIO)

    # Held-out: thresholds chosen on the tuning days (signature rule), scored on the other days.
    tune_feats = pair_features(all_docs, tune_pairs, args.num_perm, args.shingle)
    test_feats = pair_features(all_docs, test_pairs, args.num_perm, args.shingle)
    chosen = choose_thresholds(tune_feats, min_ratio)
    report["heldout"] = {
        "chosen_on_tuning_days": chosen,
        "rule_chosen_on_heldout": rule_scores(test_feats, chosen["jaccard"], chosen["containment"], min_ratio).as_dict(),
        "rule_defaults_on_heldout": rule_scores(test_feats, kw.get("threshold", DEFAULT_THRESHOLD),
                                                kw.get("containment_threshold", DEFAULT_CONTAINMENT),
                                                min_ratio).as_dict(),
    }

    with bench_redis() as client:
        before = int(client.info("memory")["used_memory"])
        dd, cluster, scores, errors, timing = run_deduper(client, all_docs, pairs, kw, "bench:dedupe",
                                                          random.Random(args.seed))
        after = int(client.info("memory")["used_memory"])
        st = dd.stats(sample=None)
        report["errors"] = explain_errors(errors, {d.doc_id: d for d in all_docs}, dd)
        report["params"] = dd.params()
        report["pairwise_in_sample"] = scores.as_dict()
        script = client.info("commandstats").get("cmdstat_evalsha", {})
        report["throughput"] = {**timing, "lua_script_us_per_call": script.get("usec_per_call"),
                                "load_average": [round(x, 2) for x in os.getloadavg()]}
        report["memory"] = {
            "docs_stored": st["docs"],
            "keys": st["keys"],
            "used_memory_delta_bytes": after - before,
            "used_memory_per_doc": round((after - before) / max(1, st["docs"]), 1),
            "memory_usage_sum_bytes": st["memory_bytes"],
            "memory_usage_per_doc": st["bytes_per_doc"],
            "memory_usage_per_doc_by_kind": {
                k: round(v / max(1, st["docs"]), 1) for k, v in st["memory_by_kind"].items()
            },
            "redis": client.info("server")["redis_version"],
        }
        # The real copies left out of the negatives: how often dedupe merges them, by shared share.
        buckets: dict[str, list[int]] = {"0.2-0.5": [0, 0], "0.5-0.8": [0, 0], "0.8-1.0": [0, 0]}
        for i, j in real:
            share = shared_sentence_share(docs[i].body, docs[j].body)
            key = "0.2-0.5" if share < 0.5 else "0.5-0.8" if share < 0.8 else "0.8-1.0"
            buckets[key][0] += int(cluster[docs[i].doc_id] == cluster[docs[j].doc_id])
            buckets[key][1] += 1
        report["real_copies_merged"] = {k: f"{m}/{n}" + (f" ({m / n:.3f})" if n else "") for k, (m, n) in buckets.items()}
        # Held-out end to end: the real Deduper (LSH + Redis) with the chosen thresholds, held-out days only.
        test_docs = [d for d in all_docs if d.date not in tune_days]
        held_kw = {**kw, "threshold": chosen["jaccard"],
                   "containment_threshold": chosen["containment"] if chosen["containment"] is not None else 1.01}
        _, _, held, _, _ = run_deduper(client, test_docs, test_pairs, held_kw, "bench:heldout",
                                       random.Random(args.seed + 1))
        report["heldout"]["deduper_chosen_on_heldout"] = held.as_dict()
        report["fixture_site"] = fixture_eval(client, kw)
    report["vs_trafilatura"] = trafilatura_overhead(
        docs[:200], args.num_perm, args.shingle, report["throughput"]["ms_per_assign"]
    )
    for key in ("params", "pairwise_in_sample", "heldout", "real_copies_merged", "errors", "throughput",
                "memory", "vs_trafilatura", "fixture_site"):
        if key in report:
            print(key, json.dumps(report[key], ensure_ascii=False, indent=1))
    ins, ho = report["pairwise_in_sample"], report["heldout"]["deduper_chosen_on_heldout"]
    print(f"\nIN-SAMPLE (default thresholds, chosen on this generator): precision {ins['precision']:.4f} "
          f"recall {ins['recall']:.4f} on {len(pairs)} pairs")
    print(f"HELD-OUT (thresholds J>={chosen['jaccard']} / C>={chosen['containment']} chosen on days "
          f"{min(tune_days)}..{max(tune_days)}, scored on the other {len(days) - len(tune_days)} days): "
          f"precision {ho['precision']:.4f} recall {ho['recall']:.4f} on {len(test_pairs)} pairs")
    print(f"real copies left out of the negatives ({excluded}), merged by dedupe: {report['real_copies_merged']}")
    from bench.results import write_result

    summary = {k: report[k] for k in ("data", "params", "pairwise_in_sample", "heldout", "real_copies_merged",
                                      "throughput", "memory") if k in report}
    write_result("dedupe_bench", summary, details=report)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


def explain_errors(
    errors: list[tuple[str, str, bool, str]], by_id: dict[str, Doc], dd: Any
) -> dict[str, Any]:
    """Why pairs were misjudged: LSH never made them candidates (no shared band), or the
    verification rule decided against them (estimated Jaccard / containment)."""
    from workers.dedupe.minhash import band_keys, true_jaccard

    causes: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    for a, b, gold, kind in errors:
        sa = signature(by_id[a].body, num_perm=dd.num_perm, k=dd.shingle_size)
        sb = signature(by_id[b].body, num_perm=dd.num_perm, k=dd.shingle_size)
        shared = (
            len(set(band_keys(sa.sig, dd.bands)) & set(band_keys(sb.sig, dd.bands)))
            if sa.sig and sb.sig
            else 0
        )
        j = compact_jaccard(sa.sig, sb.sig) if sa.sig and sb.sig else 0.0
        c = containment(j, sa.size, sb.size)
        cause = ("fp" if not gold else "fn") + (":no-shared-band" if not shared and gold else ":rule")
        if not gold and j < dd.threshold and not (c >= dd.containment_threshold):
            cause = "fp:via-other-members"  # never matched directly: joined through a chain / merge
        causes[cause] += 1
        if causes[cause] <= 5:
            examples.append(
                {
                    "a": a,
                    "b": b,
                    "gold": gold,
                    "kind": kind,
                    "shared_bands": shared,
                    "est_jaccard": round(j, 3),
                    "est_containment": round(c, 3),
                    "true_jaccard": round(true_jaccard(by_id[a].body, by_id[b].body, dd.shingle_size), 3),
                    "sizes": [sa.size, sb.size],
                }
            )
    return {"causes": dict(causes), "examples": examples}


_NAV = "".join(f"<li><a href='/section/{i}'>قسم {i}</a></li>" for i in range(60))
_FOOT = "".join(f"<a href='/page/{i}'>صفحة {i}</a> " for i in range(40))
_HEAD = (
    "<meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
    + "".join(f"<meta property='og:x{i}' content='{i}'>" for i in range(20))
    + "<style>"
    + "".join(f".c{i}{{margin:{i}px;padding:{i}px;color:#{i:03d}}}" for i in range(600))
    + "</style>"
    + "<script>"
    + "var cfg={"
    + ",".join(f"k{i}:{i}" for i in range(1500))
    + "};</script>"
)


def news_page(doc: Doc, others: list[Doc]) -> str:
    """A news page shaped like the real ones: head with CSS / JS, menus, the article, a sidebar of
    other headlines, comments and a footer (~60-90 KB, mostly boilerplate)."""
    import html

    paras = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(doc.body))
    side = "".join(
        f"<li><a href='/news/{o.doc_id}'>{html.escape(' '.join(o.body.split()[:12]))}</a></li>"
        for o in others
    )
    comments = "".join(
        f"<div class='comment'><b>زائر {i}</b><p>تعليق رقم {i} على الخبر</p></div>" for i in range(8)
    )
    return (
        f"<!DOCTYPE html><html lang='ar' dir='rtl'><head><title>خبر</title>{_HEAD}</head><body>"
        f"<header><nav><ul>{_NAV}</ul></nav></header><main><article><h1>عنوان الخبر</h1>"
        f"<div class='meta'>نشر في {doc.published_at or ''}</div>{paras}</article>"
        f"<aside><h3>الأكثر قراءة</h3><ul>{side}</ul></aside><section class='comments'>{comments}</section></main>"
        f"<footer>{_FOOT}<p>جميع الحقوق محفوظة</p></footer></body></html>"
    )


def trafilatura_overhead(docs: list[Doc], num_perm: int, k: int, ms_per_assign: float) -> dict[str, Any]:
    """Dedupe cost per article next to trafilatura.extract of the article as a realistic page.
    Elsewhere a benchmark wants clean+dedupe throughput >= 0.7x plain extraction; this shows
    the share dedupe takes of that budget (extract / (extract + assign))."""
    import trafilatura

    pages = [news_page(d, docs[i + 1 : i + 26]) for i, d in enumerate(docs)]
    trafilatura.extract(pages[0])  # warm-up
    t0 = time.perf_counter()
    for p in pages:
        trafilatura.extract(p)
    t_extract = (time.perf_counter() - t0) / len(pages)
    t0 = time.perf_counter()
    for d in docs:
        signature(d.body, num_perm=num_perm, k=k)
    t_sig = (time.perf_counter() - t0) / len(docs)
    t_assign = ms_per_assign / 1000
    return {
        "pages": len(pages),
        "page_kb": round(sum(len(p.encode()) for p in pages) / len(pages) / 1024, 1),
        "trafilatura_extract_ms": round(1000 * t_extract, 3),
        "signature_ms": round(1000 * t_sig, 3),
        "assign_ms_incl_signature_and_redis": round(ms_per_assign, 3),
        "extract_vs_extract_plus_assign": round(t_extract / (t_extract + t_assign), 3),
    }


def fixture_eval(client: Any, kw: dict[str, Any]) -> dict[str, Any]:
    """Gold syndicated / independent pairs of the fixture web (tests.fixture_site.gold), if present."""
    try:
        from tests.fixture_site import gold
    except Exception as exc:  # noqa: BLE001 - optional, written by someone else
        return {"skipped": f"tests.fixture_site.gold not importable: {exc!r}"}
    from workers.dedupe import Deduper

    records = gold.load_gold()
    positives = gold.syndicated_pairs(records)
    negatives = gold.independent_pairs(records)
    out: dict[str, Any] = {
        "records": len(records),
        "syndicated_pairs": len(positives),
        "independent_pairs": len(negatives),
    }
    for order_name in ("release", "reversed"):
        ordered = records if order_name == "release" else list(reversed(records))
        dd = Deduper(client, prefix=f"bench:fixture:{order_name}", **kw)
        statuses: Counter[str] = Counter()
        for r in ordered:
            statuses[
                dd.assign(r["key"], outlet=r["outlet"], body=r["body"], published_at=r["published_at"]).status
            ] += 1
        cluster = {}
        for r in records:
            info = dd.lookup(r["key"])
            cluster[r["key"]] = info.cluster_id if info else r["key"]
        scores = Scores()
        misses = []
        for (a, b), gold_label in [(p, True) for p in positives] + [(p, False) for p in negatives]:
            pred = cluster[a] == cluster[b]
            scores.add(gold_label, pred, "syndicated" if gold_label else "independent")
            if pred != gold_label and len(misses) < 10:
                misses.append({"a": a, "b": b, "gold": gold_label})
        out[order_name] = {**scores.as_dict(), "statuses": dict(statuses), "errors": misses}
    return out


if __name__ == "__main__":
    raise SystemExit(main())
