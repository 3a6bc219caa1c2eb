"""Reader for ../shared/corpora/saudinewsnet (31,030 Saudi newspaper articles, July-August 2015).

Each `YYYY-MM-DD.zip` holds one JSON array of {source, url, date_extracted, title, author, content}.
The zips are read in place (licence: CC BY-NC-SA 4.0, research only) and nothing is copied into the
repository. `AKHBAR_CORPUS_DIR` overrides the location.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from akhbar.core.messages import doc_id_for
from index.mapping import order_key
from tests.fixture_site.corpus import CORPUS_ENV, corpus_path, find_corpus

SAUDI_OFFSET = "+03:00"  # date_extracted is local Saudi time


def corpus_dir() -> Path:
    path = find_corpus()
    if path is None:
        raise FileNotFoundError(f"SaudiNewsNet zips not found in {corpus_path()} (set {CORPUS_ENV})")
    return path


def iter_raw(limit: int | None = None) -> Iterator[dict]:
    """Raw records in a stable order (by file name, then position)."""
    count = 0
    for zpath in sorted(corpus_dir().glob("*.zip")):
        with zipfile.ZipFile(zpath) as archive:
            for name in sorted(archive.namelist()):
                if not name.endswith(".json"):
                    continue
                for record in json.loads(archive.read(name)):
                    yield record
                    count += 1
                    if limit is not None and count >= limit:
                        return


def doc_id(url: str) -> str:
    return doc_id_for(url)  # the pipeline's own document id


def to_document(record: dict) -> tuple[str, dict]:
    """(id, document in the index mapping's shape, as the index stage writes it). Records without a date
    keep published_at null."""
    content = (record.get("content") or "").strip()
    paragraphs = [p.strip() for p in content.split("\n") if p.strip()]
    url = record["url"]
    date = (record.get("date_extracted") or "").strip()
    published = f"{date.replace(' ', 'T')}{SAUDI_OFFSET}" if len(date) >= 19 else None
    author = (record.get("author") or "").strip()
    body = "\n\n".join(paragraphs)
    key = doc_id(url)
    return key, {
        "url": url,
        "canonical_url": url,
        "outlet": record.get("source"),
        "source_outlet": None,
        "title": (record.get("title") or "").strip(),
        "lead": paragraphs[0] if paragraphs else "",
        "body": body,
        "authors": [author] if author else [],
        "published_at": published,
        "date_source": "meta" if published else None,
        "language": "ar",
        "section": None,
        "tags": [],
        "dateline": None,
        "content_hash": hashlib.sha1(body.encode("utf-8")).hexdigest(),
        "order_key": order_key(key),
    }


def load_documents(limit: int | None = None) -> list[tuple[str, dict]]:
    """Documents, first occurrence of each URL only (the corpus repeats a few)."""
    seen: set[str] = set()
    out = []
    for record in iter_raw():
        if not record.get("url") or record["url"] in seen:
            continue
        seen.add(record["url"])
        out.append(to_document(record))
        if limit is not None and len(out) >= limit:
            break
    return out


def clustered_by_content(docs: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """cluster_id = the body's content hash (identical bodies form one story), and sole_version as the
    dedupe stage writes it (the story has no other copy): the cluster fields search reads."""
    sizes = Counter(d["content_hash"] for _, d in docs)
    for _, d in docs:
        d["cluster_id"] = d["content_hash"]
        d["sole_version"] = sizes[d["content_hash"]] == 1
    return docs
