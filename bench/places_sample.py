"""Which articles bench/data/places_gold.jsonl labels: a fixed-seed sample, reproducible.

Run before any labelling (and before the tagger's rules existed) to pick the articles; the labels
themselves were written by hand into bench/data/places_gold.jsonl. Prints one reference a line.

- 70 SaudiNewsNet articles (60-450 words, read in place from the shared corpus, never copied):
  30 whose title or opening names Libya or a Libyan city, 40 whose text names an Arab capital.
- 30 fixture stories (akhbar/demo_web/data/*.json and tests/fixture_site/data/*.json; before the
  fixture web left the package they were all in one folder, the trap outlet's inside events_2/3 and
  singles, so the sample drawn today can differ from the one labelled), by the same seed.

    .venv/bin/python bench/places_sample.py [--show]   # --show prints the text for the labeller
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # corpus.py reads tests.fixture_site.corpus
sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import corpus_dir  # noqa: E402

SEED = 13
REPO = Path(__file__).resolve().parents[1]
FIXTURE_DIRS = (REPO / "akhbar" / "demo_web" / "data", REPO / "tests" / "fixture_site" / "data")
_LIBYA = re.compile(r"ليبيا|الليبي|طرابلس|بنغازي|مصراتة|درنة|طبرق|Libya")
_ARAB_CAPITALS = re.compile(
    r"القاهرة|بغداد|دمشق|بيروت|عمّان|صنعاء|عدن|تونس|الجزائر|الرباط|الخرطوم|الدوحة|أبوظبي|الكويت|المنامة|"
    r"مسقط|القدس|غزة|نواكشوط|مقديشو|طرابلس"
)


def corpus_records():
    """(ref, record) over the corpus in a stable order; ref = 'FILE.zip#INDEX'."""
    for zpath in sorted(corpus_dir().glob("*.zip")):
        with zipfile.ZipFile(zpath) as archive:
            names = sorted(n for n in archive.namelist() if n.endswith(".json"))
            offset = 0
            for name in names:
                for index, record in enumerate(json.loads(archive.read(name))):
                    yield f"{zpath.name}#{offset + index}", record
                offset += index + 1


def fixture_stories():
    """(ref, story) for every fixture story; ref = 'fixture:OUTLET/SLUG'."""
    for path in sorted((p for d in FIXTURE_DIRS for p in d.glob("*.json")), key=lambda p: p.name):
        data = json.loads(path.read_text(encoding="utf-8"))
        for story in data.get("stories", []):
            yield f"fixture:{story['outlet']}/{story['slug']}", story
        for event in data.get("events", []):
            for version in event.get("versions", []):
                yield f"fixture:{version['outlet']}/{version['slug']}", version


def sample() -> list[tuple[str, str, str, str]]:
    """[(ref, title, body, byline)] in labelling order."""
    libya, arab = [], []
    for ref, record in corpus_records():
        body = (record.get("content") or "").strip()
        title = (record.get("title") or "").strip()
        if not 60 <= len(body.split()) <= 450 or not title:
            continue
        item = (ref, title, body, (record.get("author") or "").strip())
        if _LIBYA.search(title + " " + body[:400]):
            libya.append(item)
        elif _ARAB_CAPITALS.search(title + " " + body):
            arab.append(item)
    rng = random.Random(SEED)
    picked = rng.sample(libya, 30) + rng.sample(arab, 40)
    stories = list(fixture_stories())
    for ref, story in rng.sample(stories, 30):
        picked.append(
            (ref, story["title"], "\n".join(story["paragraphs"]), ", ".join(story.get("authors", [])))
        )
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print title, byline and text for labelling")
    args = parser.parse_args()
    for number, (ref, title, body, byline) in enumerate(sample(), 1):
        if args.show:
            print(f"=== {number} {ref}\nBYLINE: {byline}\nTITLE: {title}\n{body}\n")
        else:
            print(ref)


if __name__ == "__main__":
    main()
