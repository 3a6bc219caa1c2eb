"""Accuracy of the places tagger (workers/clean/places.py) on bench/data/places_gold.jsonl.

The gold set (100 articles: 70 SaudiNewsNet, 30 fixtures) was labelled by hand BEFORE the tagger's
rules were written, by the same agent that then wrote them (see bench/data/places_gold.md): the
figures are indicative, not an independent evaluation.

Prints micro precision/recall/F1 over (article, place id) pairs, exactly and at country level
(each id mapped to its country), and main-place accuracy (over articles whose gold names a main
place); writes bench/results/places_eval.json (commit, command line, cores, per-article misses).

    .venv/bin/python bench/places_eval.py [--gold FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import corpus_dir  # noqa: E402
from places_sample import fixture_stories  # noqa: E402

from workers.clean.bylines import parse_dateline, split_byline  # noqa: E402
from workers.clean.places import tag_places  # noqa: E402


@lru_cache(maxsize=8)
def _corpus_file(name: str) -> list[dict]:
    with zipfile.ZipFile(corpus_dir() / name) as archive:
        records: list[dict] = []
        for inner in sorted(n for n in archive.namelist() if n.endswith(".json")):
            records.extend(json.loads(archive.read(inner)))
        return records


@lru_cache(maxsize=1)
def _fixtures() -> dict[str, dict]:
    return dict(fixture_stories())


def article(ref: str) -> tuple[str, str, str | None, list[str]]:
    """(title, body, dateline, byline places) as the pipeline would see them."""
    if ref.startswith("fixture:"):
        story = _fixtures()[ref]
        paragraphs = story["paragraphs"]
        opening = parse_dateline(paragraphs[0]) if paragraphs else None
        return story["title"], "\n".join(paragraphs), opening.city if opening else None, []
    name, index = ref.split("#")
    return corpus_inputs(_corpus_file(name)[int(index)])


def corpus_inputs(record: dict) -> tuple[str, str, str | None, list[str]]:
    """A SaudiNewsNet record as extract_article hands it to the tagger: the body's dateline, else the byline's
    first place, and every place the byline (the `author` field) names."""
    body = (record.get("content") or "").strip()
    opening = parse_dateline(body.split("\n", 1)[0])
    byline = split_byline(record.get("author") or "")
    return (record.get("title") or "").strip(), body, opening.city if opening else byline.place, byline.places


def _country(place_id: str) -> str:
    return place_id.split(":", 1)[0]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def evaluate(gold_path: Path) -> dict:
    rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    totals = {"exact": [0, 0, 0], "country": [0, 0, 0]}
    by_source: dict[str, list[int]] = {}
    main_hits = main_total = country_main_hits = 0
    misses = []
    for row in rows:
        title, body, dateline, byline = article(row["ref"])
        predicted = tag_places(title, body, dateline, byline=byline)
        pred_ids = [p.id for p in predicted]
        gold, pred = set(row["places"]), set(pred_ids)
        for level, g, p in (
            ("exact", gold, pred),
            ("country", {_country(x) for x in gold}, {_country(x) for x in pred}),
        ):
            counts = totals[level]
            counts[0] += len(g & p)
            counts[1] += len(p - g)
            counts[2] += len(g - p)
        source = "fixtures" if row["ref"].startswith("fixture:") else "saudinewsnet"
        counts = by_source.setdefault(source, [0, 0, 0])
        counts[0] += len(gold & pred)
        counts[1] += len(pred - gold)
        counts[2] += len(gold - pred)
        main = pred_ids[0] if pred_ids else None
        if row["main"]:
            main_total += 1
            main_hits += main == row["main"]
            country_main_hits += main is not None and _country(main) == _country(row["main"])
        if gold != pred or (row["main"] and main != row["main"]):
            misses.append(
                {
                    "ref": row["ref"],
                    "missed": sorted(gold - pred),
                    "extra": sorted(pred - gold),
                    "main": main,
                    "gold_main": row["main"],
                }
            )
    return {
        "articles": len(rows),
        "exact": _prf(*totals["exact"]),
        "country_level": _prf(*totals["country"]),
        "by_source": {source: _prf(*counts) for source, counts in sorted(by_source.items())},
        "main_accuracy": round(main_hits / main_total, 3) if main_total else None,
        "main_country_accuracy": round(country_main_hits / main_total, 3) if main_total else None,
        "main_total": main_total,
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=REPO / "bench" / "data" / "places_gold.jsonl")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "places_eval.json")
    args = parser.parse_args()
    result = evaluate(args.gold)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    report = {
        "commit": commit or None,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "cores": os.cpu_count(),
        "labels": "hand labels made before the tagger rules, by the same agent that wrote them (indicative)",
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    exact, country = result["exact"], result["country_level"]
    print(
        f"places tagger on {result['articles']} hand-labelled articles (labels made before the rules, same agent)"
    )
    print(f"  exact ids      P {exact['precision']:.3f}  R {exact['recall']:.3f}  F1 {exact['f1']:.3f}")
    print(f"  country level  P {country['precision']:.3f}  R {country['recall']:.3f}  F1 {country['f1']:.3f}")
    for source, figures in result["by_source"].items():
        print(
            f"  {source:<13}  P {figures['precision']:.3f}  R {figures['recall']:.3f}  F1 {figures['f1']:.3f}"
        )
    print(
        f"  main place     {result['main_accuracy']:.3f} exact, {result['main_country_accuracy']:.3f} same country"
        f" (of {result['main_total']})"
    )
    print(f"  -> {args.out} (commit {commit}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
