"""Place mentions: precision and recall of the article's `places` on a fresh hand-labelled set.

The unit is a mention: a place the text names as a place (issue 23 part 2). The labels, their guide and
who made them are in bench/data/places_mentions.jsonl (the guide is its header). The articles are drawn
by the rule below, written and run before any label or rule change; the text is read in place from the
SaudiNewsNet corpus, never copied.

Which articles (the rule):
- days: the two corpus days with the fewest articles in bench/data/places_gold.jsonl (the earlier,
  in-sample place set; ties by date). Every one of the 18 days has at least one article there, so no
  day is wholly unused; the two chosen hold 3 of its 100 articles, which are left out. The other
  benches that read the corpus (relevance, devset, soak, growth, dedupe) draw from every day but
  never tuned the places tagger.
- articles: a title, a body of 40-220 words (short enough to label every mention by reading), not a
  place_gold article; a fixed-seed sample (SEED) of PER_DAY per day.
- split: `report` when the first byte of sha1(ref) is odd, else `tuning`. Rules may be changed after
  reading tuning-part errors only; report-part figures are the out-of-sample ones.

Measures, per part:
- recall: gold mentions whose place id is in the article's `places` (every mention counts, so a place
  named five times weighs five);
- precision: (article, id) pairs in `places` that the gold names in that article;
- main place: share of articles whose gold names a main place where `main_place` is that place.

    .venv/bin/python bench/places_mentions.py --list      # the drawn refs with their part
    .venv/bin/python bench/places_mentions.py --show      # their text, for the labeller
    .venv/bin/python bench/places_mentions.py [--out FILE] # the figures (writes bench/results/places_mentions.json)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import zipfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import corpus_dir  # noqa: E402

SEED = 2323
PER_DAY = 55
OLD_GOLD = REPO / "bench" / "data" / "places_gold.jsonl"
LABELS = REPO / "bench" / "data" / "places_mentions.jsonl"


def _old_refs() -> list[str]:
    return [json.loads(line)["ref"] for line in OLD_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def fresh_days() -> list[str]:
    """The two corpus days with the fewest old-gold articles (ties: the earlier day)."""
    used = Counter(ref.split("#")[0] for ref in _old_refs())
    days = sorted(p.name for p in corpus_dir().glob("*.zip"))
    return sorted(sorted(days, key=lambda d: (used[d], d))[:2])


@lru_cache(maxsize=4)
def _day(name: str) -> list[dict]:
    with zipfile.ZipFile(corpus_dir() / name) as archive:
        records: list[dict] = []
        for inner in sorted(n for n in archive.namelist() if n.endswith(".json")):
            records.extend(json.loads(archive.read(inner)))
        return records


def part_of(ref: str) -> str:
    return "report" if hashlib.sha1(ref.encode()).digest()[0] % 2 else "tuning"


def drawn() -> list[str]:
    """The sample's refs ('DAY.zip#INDEX'), in labelling order."""
    old = set(_old_refs())
    refs: list[str] = []
    for day in fresh_days():
        pool = [
            f"{day}#{i}"
            for i, r in enumerate(_day(day))
            if (r.get("title") or "").strip()
            and 40 <= len((r.get("content") or "").split()) <= 220
            and f"{day}#{i}" not in old
        ]
        refs.extend(sorted(random.Random(f"{SEED}:{day}").sample(pool, PER_DAY), key=lambda x: int(x.split("#")[1])))
    return refs


def article(ref: str) -> tuple[str, str, str | None, list[str]]:
    """(title, body, dateline, byline places) as the evaluation of the old set builds them (bench/places_eval.py)."""
    from places_eval import corpus_inputs

    day, index = ref.split("#")
    return corpus_inputs(_day(day)[int(index)])


def load_labels(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def _prf(tp_recall: int, gold_total: int, tp_precision: int, predicted_total: int) -> dict:
    recall = tp_recall / gold_total if gold_total else 0.0
    precision = tp_precision / predicted_total if predicted_total else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3),
            "mentions_found": tp_recall, "mentions": gold_total, "ids_right": tp_precision, "ids": predicted_total}


def evaluate(labels: list[dict]) -> dict:
    from workers.clean.gazetteer import default
    from workers.clean.places import article_places

    known = default().get

    parts: dict[str, dict] = {}
    for row in labels:
        title, body, dateline, byline = article(row["ref"])
        tagged = article_places(title, body, dateline, byline=byline)
        ids = [p.id for p in tagged.places]
        main = tagged.main.id if tagged.main else None
        gold_ids = [pid for _surface, pid in row["mentions"]]
        acc = parts.setdefault(part_of(row["ref"]), Counter())
        found = [pid in ids for pid in gold_ids]
        acc["gold"] += len(gold_ids)
        acc["found"] += sum(found)
        acc["known"] += sum(1 for pid in gold_ids if known(pid))
        acc["known_found"] += sum(ok for pid, ok in zip(gold_ids, found, strict=True) if known(pid))
        acc["pred"] += len(ids)
        acc["right"] += sum(pid in gold_ids for pid in ids)
        acc["articles"] += 1
        if row.get("main"):
            acc["main_total"] += 1
            acc["main_hits"] += main == row["main"]
        misses = acc.setdefault("misses", [])  # type: ignore[call-overload]
        missed = sorted({f"{s} {pid}" for (s, pid), ok in zip(row["mentions"], found, strict=True) if not ok})
        extra = sorted(pid for pid in ids if pid not in gold_ids)
        if missed or extra or (row.get("main") and main != row["main"]):
            misses.append({"ref": row["ref"], "missed": missed, "extra": extra, "main": main, "gold_main": row.get("main")})
    out = {}
    for name, acc in sorted(parts.items()):
        out[name] = {
            "articles": acc["articles"],
            **_prf(acc["found"], acc["gold"], acc["right"], acc["pred"]),
            # recall over the mentions of places the gazetteer has: what the rules miss, not the data
            "recall_known": round(acc["known_found"] / acc["known"], 3) if acc["known"] else None,
            "mentions_known": acc["known"],
            "main_accuracy": round(acc["main_hits"] / acc["main_total"], 3) if acc["main_total"] else None,
            "main_total": acc["main_total"],
            "errors": acc["misses"],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the drawn refs and their part")
    parser.add_argument("--show", action="store_true", help="print the drawn articles' text for labelling")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "places_mentions.json")
    args = parser.parse_args()
    if args.list or args.show:
        for number, ref in enumerate(drawn(), 1):
            if args.show:
                day, index = ref.split("#")
                record = _day(day)[int(index)]
                print(f"=== {number} {ref} [{part_of(ref)}]\nBYLINE: {record.get('author')}\n"
                      f"TITLE: {record.get('title')}\n{record.get('content')}\n")
            else:
                print(ref, part_of(ref))
        return
    labels = load_labels(args.labels)
    assert [row["ref"] for row in labels] == drawn(), "the labels file does not hold the drawn articles"
    result = evaluate(labels)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    report = {"commit": commit or None, "command": " ".join([Path(sys.executable).name, *sys.argv]),
              "cores": os.cpu_count(), "days": fresh_days(), "seed": SEED, **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"place mentions, fresh set ({', '.join(fresh_days())}; labels by hand, commit {commit})")
    for name, figures in result.items():
        mark = " (tuning part: rule changes are made from its errors, so in-sample after them)" if name == "tuning" else ""
        print(f"  {name:<7} {figures['articles']:>3} articles  P {figures['precision']:.3f} "
              f"({figures['ids_right']}/{figures['ids']} ids)  R {figures['recall']:.3f} "
              f"({figures['mentions_found']}/{figures['mentions']} mentions; {figures['recall_known']} of the "
              f"{figures['mentions_known']} the gazetteer has)  main place "
              f"{figures['main_accuracy']} (of {figures['main_total']}){mark}")
    print(f"  -> {args.out}")


if __name__ == "__main__":
    main()
