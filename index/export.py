"""Stream every indexed article out of the index (for `akhbar export --jsonl`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from akhbar.core.outlet import add_outlet_names
from index.adapter import SearchAdapter

EXPORT_FIELDS = (
    "url", "canonical_url", "outlet", "title", "body", "lead", "authors", "published_at", "date_source",
    "language", "dateline", "source_outlet", "section", "tags", "content_hash", "cluster_id",
    "also_published_by", "job_id", "crawled_at", "places", "main_place", "location", "archived_from",
)


def iter_articles(adapter: SearchAdapter, alias: str, batch: int = 500,
                  outlet_names: Mapping[str, str] | None = None) -> Iterator[dict]:
    """All documents in a stable order, paged with search_after over a point-in-time-free sort on _id.

    Sorting on `_id` needs fielddata on some versions; `canonical_url` is a unique keyword per doc
    (ids are derived from it), so it is the tiebreaker."""
    adapter.refresh(alias)  # include what the last bulk requests wrote (they are searchable only after a refresh)
    after = None
    while True:
        body: dict = {"size": batch, "sort": [{"canonical_url": "asc"}], "query": {"match_all": {}},
                      "_source": list(EXPORT_FIELDS)}
        if after is not None:
            body["search_after"] = after
        hits = adapter.search(alias, body)["hits"]["hits"]
        if not hits:
            return
        for hit in hits:
            source = hit["_source"]
            yield add_outlet_names({"id": hit["_id"], **{name: source.get(name) for name in EXPORT_FIELDS}},
                                   outlet_names)
        after = hits[-1]["sort"]
