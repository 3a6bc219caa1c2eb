"""The article index: settings + strict mapping, shared by Elasticsearch and OpenSearch.

Bump MAPPING_VERSION whenever settings or mappings change; `akhbar index migrate` moves the alias.
"""

from __future__ import annotations

from index.analysis import analysis_settings

MAPPING_VERSION = 1

TEXT_AR = {"type": "text", "analyzer": "akhbar_arabic"}
KEYWORD = {"type": "keyword"}


def mappings() -> dict:
    return {
        "dynamic": "strict",
        "properties": {
            "url": KEYWORD,
            "canonical_url": KEYWORD,
            "outlet": KEYWORD,
            "source_outlet": KEYWORD,
            "title": {**TEXT_AR, "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
            "lead": TEXT_AR,
            "body": TEXT_AR,
            "authors": KEYWORD,
            "published_at": {"type": "date"},
            "date_source": KEYWORD,
            "crawled_at": {"type": "date"},
            "language": KEYWORD,
            "section": KEYWORD,
            "tags": KEYWORD,
            "dateline": KEYWORD,
            "content_hash": KEYWORD,
            "cluster_id": KEYWORD,
            "also_published_by": KEYWORD,
            "job_id": KEYWORD,
        },
    }


def index_body(shards: int = 1, replicas: int = 0) -> dict:
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "analysis": analysis_settings(),
        },
        "mappings": mappings(),
    }
