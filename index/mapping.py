"""The article index: settings + strict mapping, shared by Elasticsearch and OpenSearch.

Bump MAPPING_VERSION whenever settings or mappings change; `akhbar index migrate` moves the alias.

Text fields (title, lead, body) are analysed by one chain for Arabic and English outlets
(index.analysis): the Arabic light stemmer only rewrites Arabic letters and the Porter stemmer only
Latin suffixes, so a Libya Observer article and an Arabic one share `title`/`body` without per-language
fields, writers need not route by `language`, mixed text (Latin names inside Arabic prose) is handled,
and the index holds each text once stemmed + once `.exact` instead of once per language.
"""

from __future__ import annotations

import hashlib
import re

from index.analysis import EXACT_ANALYZER, INDEX_ANALYZER, SEARCH_ANALYZER, analysis_settings
from index.names import NAMES_ANALYZER, NAMES_SEARCH_ANALYZER, SUBFIELD

# 3: places, location; 4: offsets in the postings of highlighted fields; 5: archived_from;
# 6: main_place, and `.translit` name-key subfields of title and body (issue 23, index.names: Latin <-> Arabic names)
MAPPING_VERSION = 7

KEYWORD = {"type": "keyword"}
PLACE = {"properties": {"id": KEYWORD, "name_ar": KEYWORD, "name_en": KEYWORD, "country": KEYWORD}}
# Dates keep their offset in _source ("2024-01-05T10:00:00+02:00"); the index stores the instant.
DATE = {"type": "date", "format": "strict_date_optional_time||epoch_millis"}


def text_field(analyzer: str = INDEX_ANALYZER, search_analyzer: str | None = SEARCH_ANALYZER,
               exact_analyzer: str = EXACT_ANALYZER, raw: bool = False, highlighted: bool = False,
               names: bool = False) -> dict:
    field: dict = {"type": "text", "analyzer": analyzer}
    if search_analyzer and search_analyzer != analyzer:
        field["search_analyzer"] = search_analyzer
    # Normalised but unstemmed: quoted phrases and the proximity boost.
    subfields: dict = {"exact": {"type": "text", "analyzer": exact_analyzer}}
    if highlighted:
        # Offsets in the postings let the unified highlighter skip re-analysing each shown article: on
        # the whole corpus a page's highlight fell from ~17 to ~4 ms of engine time, for ~30 % more index
        # (bench/api_vs_direct.py, docs/benchmarks.md).
        field["index_options"] = "offsets"
        subfields["exact"]["index_options"] = "offsets"
    if raw:
        subfields["raw"] = {"type": "keyword", "ignore_above": 512}
    if names:
        # Name keys (index.names): term matches only, but offsets, so that the highlighter marks a shown
        # hit's matched form from the postings instead of running the (regex-heavy) name analyzer over
        # the page's articles on every search that has a name clause (every Arabic query has one).
        subfields[SUBFIELD] = {"type": "text", "analyzer": NAMES_ANALYZER, "search_analyzer": NAMES_SEARCH_ANALYZER,
                               "index_options": "offsets"}
    field["fields"] = subfields
    return field


def mappings(analyzer: str = INDEX_ANALYZER, search_analyzer: str | None = SEARCH_ANALYZER,
             exact_analyzer: str = EXACT_ANALYZER) -> dict:
    """The strict mapping. The analyzer arguments exist for the relevance bench (stock analyzers)."""
    text = {"analyzer": analyzer, "search_analyzer": search_analyzer, "exact_analyzer": exact_analyzer}
    names = analyzer == INDEX_ANALYZER  # stock analyzers (the bench's baselines) come without ours
    return {
        "dynamic": "strict",
        "properties": {
            "url": KEYWORD,
            "canonical_url": KEYWORD,  # unique per document (the id is derived from it)
            # The sort tiebreaker (see order_key). A long, not the keyword canonical_url: every document
            # that enters the top of a sort copies its tiebreak value, which for a keyword is a terms
            # dictionary lookup; on date-sorted searches (most documents enter) that was a third of the
            # engine's time. Added in place to older indices and filled in (add_new_fields).
            # Indexed (points, v7) as well: a range on it is the uniform sample that estimates facets on
            # large result sets (index.counts); with doc values alone the range is checked on every match.
            "order_key": {"type": "long"},
            "outlet": KEYWORD,
            "source_outlet": KEYWORD,
            "title": text_field(**text, raw=True, highlighted=True, names=names),
            "lead": text_field(**text),
            "body": text_field(**text, highlighted=True, names=names),
            "authors": KEYWORD,
            "published_at": DATE,
            "date_source": KEYWORD,
            "crawled_at": DATE,
            "language": KEYWORD,
            "section": KEYWORD,
            "tags": KEYWORD,
            "dateline": KEYWORD,
            "content_hash": KEYWORD,
            "cluster_id": KEYWORD,
            "also_published_by": KEYWORD,
            # The cluster holds this document only: search shows versions 1 without counting them.
            # Added in place to older indices (absent = unknown, so those are counted).
            "sole_version": {"type": "boolean"},
            "job_id": KEYWORD,
            # every place the text names (the place facet and filter); the one it is mainly about, on its own
            # (the main-place facet and filter). main_place is added in place to older indices (add_new_fields);
            # their documents have none until cleaned again (`akhbar ingest` of their WARC).
            "places": PLACE,
            "main_place": PLACE,
            "location": {"type": "geo_point"},
            # A page backfilled from a web archive: which archive, when it captured the page, the capture's
            # URL there (`url` stays the original URL). Added in place to older indices (add_new_fields).
            "archived_from": {"properties": {"archive": KEYWORD, "captured_at": DATE, "url": KEYWORD}},
        },
    }


_HEX_PREFIX = re.compile(r"[0-9a-f]{15}")
# The same rule for documents written before the field existed (update_by_query and reindex set ctx._id).
# Painless has no sha1 here, so ids that are not hex fall back to the id's hashCode: those ids come only
# from hand-written documents, and a key must only be stable per document, not agree across writers.
ORDER_KEY_SCRIPT = """
if (ctx._source.order_key != null) { return; }
String id = ctx._id;
long key;
try { key = id.length() >= 15 ? Long.parseLong(id.substring(0, 15), 16) : -1L; } catch (NumberFormatException e) { key = -1L; }
if (key < 0) { key = ((long) id.hashCode()) & 4294967295L; }
ctx._source.order_key = key;
"""


def order_key(doc_id: str) -> int:
    """An article's sort tiebreaker: 60 bits of its id (sha1 hex of the canonical URL, see
    akhbar.core.messages.doc_id_for; other ids are hashed first). Unique in practice: two of 10M articles share
    a key with probability ~4e-5, and it matters only if they also tie on score or date."""
    hex_id = doc_id if _HEX_PREFIX.match(doc_id) else hashlib.sha1(doc_id.encode("utf-8")).hexdigest()
    return int(hex_id[:15], 16)


def index_body(shards: int = 1, replicas: int | None = None, *, icu: bool = True,
               synonyms: list[str] | None = None) -> dict:
    """Settings + mappings. `icu`: use icu_folding (see index.analysis.has_icu); `synonyms`: rules,
    default the built-in file plus AKHBAR_SYNONYMS. `replicas` None: follow the node count, 0 on one
    node and 1 from two nodes on (the engine's auto_expand_replicas), so a cluster survives a node."""
    copies: dict = {"auto_expand_replicas": "0-1"} if replicas is None else {"number_of_replicas": replicas}
    return {
        "settings": {
            "index": {"number_of_shards": shards, **copies},
            "analysis": analysis_settings(icu=icu, synonyms=synonyms),
        },
        "mappings": mappings(),
    }
