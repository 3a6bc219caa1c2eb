"""The messages between the stages, as types: what crosses a process boundary (a Celery task's argument, an
entry of the index buffer, a dead letter) and the names of the tasks that carry them.

Each type has `to_payload` (plain JSON, the wire format) and `from_payload` (reads it back). `from_payload`
also reads the shapes older versions left in Redis (queued messages, ledger copies, dead letters): keys it
does not know are ignored and missing ones take their defaults, so a message queued before an upgrade still
works after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from akhbar.core.keys import QUEUES

# -- Celery tasks: the names are the wire protocol (queued messages and dead letters carry them) ---------
CRAWL_TASK = "akhbar.crawl"
CLEAN_TASK = "akhbar.clean"
DEDUPE_TASK = "akhbar.dedupe"
INDEX_FLUSH_TASK = "akhbar.index_flush"
PERCOLATE_ALERTS_TASK = "akhbar.percolate_alerts"
ALERT_WEBHOOK_TASK = "akhbar.alert_webhook"
SCHEDULED_CRAWL_TASK = "akhbar.scheduled_crawl"  # a beat tick: submits one outlet's crawl job
# Not a task: the dead letters of single index operations (replayed through the index buffer).
INDEX_OP_TASK = "akhbar.index"

# Task -> its queue. Alerts ride on the index queue: percolation retries and webhook deliveries.
TASK_QUEUES: dict[str, str] = {
    CRAWL_TASK: "crawl",
    CLEAN_TASK: "clean",
    DEDUPE_TASK: "dedupe",
    INDEX_FLUSH_TASK: "index",
    PERCOLATE_ALERTS_TASK: "index",
    ALERT_WEBHOOK_TASK: "index",
    SCHEDULED_CRAWL_TASK: "clean",  # it only submits a job, so it rides with the pages
}
assert set(TASK_QUEUES.values()) <= set(QUEUES)


# Modules named, not imported, by the floor below them (tests/unit/test_layers.py allows such names only
# here): a worker loads the task modules, and a crawl job runs its crawler as a process.
TASK_MODULES = ("workers.tasks", "workers.beat")
CRAWLER_MODULE = "crawler.run"


def queue_of(task: str) -> str:
    """The queue a task name is sent to (a name from an older version: its last part, as before)."""
    return TASK_QUEUES.get(task) or task.split(".")[-1]


def doc_id_for(canonical_url: str) -> str:
    """Stable document id from the canonical URL: a re-crawl overwrites instead of duplicating."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:24]


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of `data` that are fields of `cls` (older or newer payloads may carry others)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    return {k: v for k, v in data.items() if k in names}


_FIELD_NAMES: dict[type, frozenset[str]] = {}

# Fields left out of a payload while they are None: live pages and articles keep the wire shape they had
# before web-archive captures existed.
OPTIONAL_KEYS = ("archived_from", "main_place")


def _without_none(obj: Any, optional: tuple[str, ...], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f.name: value for f in fields(obj) if f.name not in skip
            and ((value := getattr(obj, f.name)) is not None or f.name not in optional)}


# -- crawler -> clean ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """A fetched page on its way to the clean stage (the crawler's hand-off, `akhbar ingest`, a re-drive)."""

    url: str
    body_b64: str = ""
    requested_url: str | None = None  # the URL asked for, before redirects
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    outlet: str | None = None
    outlet_config: dict[str, Any] | None = None  # Outlet.to_payload()
    job_id: str | None = None
    fetched_at: str | None = None  # ISO 8601
    feed_published: str | None = None  # the date the feed or sitemap gave
    token: str | None = None  # one id per page for its whole way (akhbar.core.ledger.new_token)
    # A capture from a web archive (crawler/backfill.py): {archive, captured_at, url}; `url` above is the
    # original URL and `fetched_at` the capture time. None: fetched live.
    archived_from: dict[str, str] | None = None
    # A story split over pages: its later pages in order, each {"url", "body_b64"}; one Page, one document.
    parts: list[dict[str, str]] | None = None

    def to_payload(self) -> dict[str, Any]:
        # Optional fields only when set: a live, unsplit page keeps the wire shape older workers read.
        return _without_none(self, (*OPTIONAL_KEYS, "parts"))

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Page:
        known = _known(cls, data)
        known["headers"] = dict(known.get("headers") or {})
        return cls(**known)


# -- clean -> dedupe -> index --------------------------------------------------------------------------
_ENVELOPE = {"envelope": True}


@dataclass(frozen=True)
class Article:
    """A cleaned article: what leaves the clean stage (workers.clean.extract.extract_article's fields) and
    the envelope the clean task adds (`envelope` fields: the job, the page's token, when it was fetched)."""

    url: str
    canonical_url: str
    outlet: str | None = None
    title: str = ""
    body: str = ""
    lead: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    date_source: str | None = None
    language: str | None = None
    dateline: str | None = None
    source_outlet: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    content_hash: str = ""
    # Every place the text names (id, name_ar, name_en, country), the main place first; the main place (what the
    # article is mainly about) again on its own, or None; `location` is the main place's point.
    places: list[dict[str, Any]] = field(default_factory=list)
    main_place: dict[str, Any] | None = None
    location: dict[str, float] | None = None
    job_id: str | None = field(default=None, metadata=_ENVELOPE)
    token: str | None = field(default=None, metadata=_ENVELOPE)
    crawled_at: str | None = field(default=None, metadata=_ENVELOPE)
    # The page's web-archive capture (Page.archived_from): {archive, captured_at, url}; None: crawled live.
    archived_from: dict[str, str] | None = field(default=None, metadata=_ENVELOPE)

    @property
    def doc_id(self) -> str:
        return doc_id_for(self.canonical_url)

    def to_payload(self) -> dict[str, Any]:
        return _without_none(self, OPTIONAL_KEYS)

    def index_doc(self) -> dict[str, Any]:
        """The document as indexed: everything but the page token (bookkeeping, not content)."""
        return _without_none(self, OPTIONAL_KEYS, skip=NOT_INDEXED)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Article:
        return cls(**_known(cls, data))


# The keys extract_article returns (in this order); the clean task adds the envelope.
ARTICLE_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Article) if not f.metadata.get("envelope"))
ENVELOPE_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Article) if f.metadata.get("envelope"))
NOT_INDEXED = ("token",)
# Fields the index stage adds to an Article's document (cluster view read at send time, sort tiebreaker).
INDEX_TIME_FIELDS = ("cluster_id", "also_published_by", "sole_version", "order_key")


@dataclass(frozen=True)
class IndexOp:
    """One operation in the index buffer: write a document (`index`), delete one (`delete`) or refresh its
    cluster view (`cluster`)."""

    op: str  # "index" | "delete" | "cluster"
    id: str
    doc: Article | None = None  # index only
    job_id: str | None = None
    token: str | None = None

    OPS = ("index", "delete", "cluster")

    @classmethod
    def index(cls, article: Article) -> IndexOp:
        return cls("index", article.doc_id, article, article.job_id, article.token)

    @classmethod
    def delete(cls, doc_id: str) -> IndexOp:
        return cls("delete", doc_id)

    @classmethod
    def cluster(cls, doc_id: str) -> IndexOp:
        return cls("cluster", doc_id)

    def to_payload(self) -> dict[str, Any]:
        if self.op != "index":
            return {"op": self.op, "id": self.id}
        doc = self.doc.index_doc() if self.doc is not None else {}
        return {"op": self.op, "id": self.id, "doc": doc, "job_id": self.job_id, "token": self.token}

    def to_json(self) -> str:
        # Default separators: the reconciler finds a job's operations by the substring `"job_id": "<id>"`.
        return json.dumps(self.to_payload(), ensure_ascii=False)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> IndexOp:
        op = data["op"]
        if op not in cls.OPS:
            raise ValueError(f"not an index operation: {op!r}")
        doc = data.get("doc")
        return cls(
            op,
            data["id"],
            Article.from_payload(doc) if doc is not None else None,
            data.get("job_id"),
            data.get("token"),
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> IndexOp:
        return cls.from_payload(json.loads(raw))


# -- dead letters ----------------------------------------------------------------------------------------
# What a dead letter holds, by the task that gave up on it.
DEAD_LETTER_KINDS: dict[str, str] = {
    CLEAN_TASK: "page",
    DEDUPE_TASK: "article",
    INDEX_OP_TASK: "index_op",
    PERCOLATE_ALERTS_TASK: "alerts",  # {"docs": [[id, doc], ...], "indexed_at": ...}
    ALERT_WEBHOOK_TASK: "webhook",  # {"search": ..., "alert": ...} (the URL stays in Redis)
    INDEX_FLUSH_TASK: "flush",  # older versions only: an empty payload
}


@dataclass(frozen=True)
class DeadLetter:
    """A payload a task gave up on, with why (akhbar.core.dlq; `akhbar dlq replay` sends it again)."""

    task: str
    payload: dict[str, Any]
    reason: str
    error: str = ""
    failed_at: float = 0.0
    kind: str = "other"

    @classmethod
    def of(
        cls, task: str, payload: Mapping[str, Any], reason: str, error: str = "", failed_at: float = 0.0
    ) -> DeadLetter:
        return cls(task, dict(payload), reason, error[:2000], failed_at, DEAD_LETTER_KINDS.get(task, "other"))

    def to_payload(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "payload": self.payload,
            "reason": self.reason,
            "error": self.error,
            "failed_at": self.failed_at,
            "kind": self.kind,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> DeadLetter:
        # Entries written before `kind` existed: the task says what the payload is.
        task = str(data.get("task", ""))
        payload = data.get("payload")
        return cls(
            task,
            dict(payload) if isinstance(payload, Mapping) else {},
            str(data.get("reason", "")),
            str(data.get("error", "")),
            float(data.get("failed_at") or 0.0),
            str(data.get("kind") or DEAD_LETTER_KINDS.get(task, "other")),
        )

    def page(self) -> Page:
        return Page.from_payload(self.payload)

    def article(self) -> Article:
        return Article.from_payload(self.payload)

    def index_op(self) -> IndexOp:
        return IndexOp.from_payload(self.payload)

    @property
    def url(self) -> str | None:
        """The page's URL, or that of the article a dead index operation carries."""
        if self.kind in ("page", "article"):
            return self.payload.get("url")
        if self.kind == "index_op":
            return (self.payload.get("doc") or {}).get("url")
        return self.payload.get("url")

    @property
    def label(self) -> str:
        """What to show for it in a list: its URL, else the document id, else nothing."""
        return self.url or str(self.payload.get("id") or "")
