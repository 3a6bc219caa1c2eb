"""Alerts: what the index stage does with the saved searches a new article matched (index.percolate).

One alert per story and saved search. The story is the dedupe cluster; its id can move (the
cluster's earliest member changes when an older copy arrives later), so the state remembers, per
saved search, which alert every document of an alerted story belongs to (`...:docs`). A matching
article whose story (any current member) already raised an alert for that saved search joins it:
its outlet goes into the alert's `also_published_by`, and no new alert is raised. A document that
is already part of the alert (an updated article, a redelivered task) changes nothing. All of it
happens in one Lua script per (saved search, article), so concurrent workers cannot raise two.

    AlertStore(redis).record(search, doc_id, article, story, indexed_at) -> AlertEvent
    AlertStore.recent(name, limit) / get(name, alert_id) / forget(name) / events(...)
    deliver_webhook(url, payload, allow)   one POST, SSRF-checked on the address it connects to
    AlertStore.set_webhook / webhook(name)  the webhook URLs, a secret kept apart (webhook_origin: shown)

Every event (new alert or a story's new outlet) is also appended to one Redis stream for
`akhbar alerts tail`. Each saved search keeps its newest MAX_ALERTS alerts.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import redis

from akhbar.core.keys import ALERT_WEBHOOKS, ALERTS_PREFIX, ALERTS_STREAM
from akhbar.core.retry import WEBHOOK
from akhbar.core.targets import AllowList, TargetNotAllowed, check_target
from index.adapter import SearchAdapter
from index.explain import explain_text, query_words
from index.percolate import AlertsIndex, SavedSearch, list_saved, percolate, save
from index.query import parse_query

MAX_ALERTS = 1000  # per saved search; older alerts (and their story memory) are dropped
STREAM_MAXLEN = 10_000
LEAD_CHARS = 400
WEBHOOK_TIMEOUT = 10.0
USER_AGENT = "Akhbar-alerts/1 (+https://github.com/akhbar)"

# KEYS: alerts hash, feed zset, docs hash, stream.
# ARGV: doc id, alert id if new, now (ms), new alert JSON, article JSON, outlet, search name,
#       max alerts, stream maxlen, then the story's other member doc ids.
_RECORD = """
local doc = ARGV[1]
local existing = redis.call('HGET', KEYS[3], doc)
if not existing then
  for i = 10, #ARGV do
    existing = redis.call('HGET', KEYS[3], ARGV[i])
    if existing then break end
  end
end
if not existing and redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then existing = ARGV[2] end
if existing then
  local raw = redis.call('HGET', KEYS[1], existing)
  if not raw then
    return {'gone', existing}
  end
  local alert = cjson.decode(raw)
  for _, d in ipairs(alert.docs) do
    if d == doc then return {'same', existing} end
  end
  local article = cjson.decode(ARGV[5])
  table.insert(alert.articles, article)
  table.insert(alert.docs, doc)
  local outlet = ARGV[6]
  if outlet ~= '' and outlet ~= alert.outlet then
    local known = false
    if type(alert.also_published_by) ~= 'table' then alert.also_published_by = {} end
    for _, o in ipairs(alert.also_published_by) do
      if o == outlet then known = true end
    end
    if not known then table.insert(alert.also_published_by, outlet) end
  end
  alert.updated_at = article.indexed_at_iso
  raw = cjson.encode(alert)
  redis.call('HSET', KEYS[1], existing, raw)
  redis.call('HSET', KEYS[3], doc, existing)
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', 'kind', 'update', 'search', ARGV[7], 'alert', raw)
  return {'update', existing, raw}
end
local alert_id = ARGV[2]
redis.call('HSET', KEYS[1], alert_id, ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], alert_id)
redis.call('HSET', KEYS[3], doc, alert_id)
for i = 10, #ARGV do redis.call('HSETNX', KEYS[3], ARGV[i], alert_id) end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', 'kind', 'new', 'search', ARGV[7], 'alert', ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[8])
if over > 0 then
  for _, old in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    local raw = redis.call('HGET', KEYS[1], old)
    if raw then
      for _, d in ipairs(cjson.decode(raw).docs) do redis.call('HDEL', KEYS[3], d) end
    end
    redis.call('HDEL', KEYS[1], old)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
return {'new', alert_id}
"""


@dataclass(frozen=True)
class Story:
    """The dedupe view of an article's story at percolation time."""

    cluster_id: str
    members: tuple[str, ...] = ()


@dataclass
class AlertEvent:
    kind: str  # new | update | same | gone
    search: str
    alert_id: str
    alert: dict[str, Any] = field(default_factory=dict)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def normalise(alert: dict) -> dict:
    """Lua's cjson writes an empty list as {}: give lists back."""
    for key in ("also_published_by", "articles", "docs", "matched"):
        if not isinstance(alert.get(key), list):
            alert[key] = list(alert.get(key) or [])
    return alert


def public(alert: dict) -> dict:
    """An alert as users see it (without the story bookkeeping)."""
    return {k: v for k, v in normalise(dict(alert)).items() if k != "docs"}


class AlertStore:
    def __init__(self, client: redis.Redis):
        self.client = client
        self._record = client.register_script(_RECORD)

    @staticmethod
    def keys(name: str) -> tuple[str, str, str]:
        base = f"{ALERTS_PREFIX}{name}"
        return f"{base}:alerts", f"{base}:feed", f"{base}:docs"

    def record(self, search: str, doc_id: str, article: dict, story: Story, indexed_at: float) -> AlertEvent:
        """Raise an alert for this article's story, or add the article to the one it raised already."""
        return self.record_many([(search, doc_id, article, story)], indexed_at)[0]

    def record_many(self, matches: list[tuple[str, str, dict, Story]], indexed_at: float) -> list[AlertEvent]:
        """record() for each (search, doc id, article, story), in order, in one round trip (pipelined;
        each script call is still atomic on its own)."""
        pipe = self.client.pipeline(transaction=False)
        made = [self._call(pipe, *match, indexed_at) for match in matches]
        replies = pipe.execute() if matches else []
        events = []
        for (search, _doc, _article, _story), alert, reply in zip(matches, made, replies, strict=True):
            kind, alert_id = (r.decode() if isinstance(r, bytes) else r for r in reply[:2])
            if kind == "new":
                events.append(AlertEvent("new", search, alert_id, public(alert)))
            elif kind == "update":
                events.append(AlertEvent("update", search, alert_id, public(json.loads(reply[2]))))
            else:
                events.append(AlertEvent(kind, search, alert_id))
        return events

    def _call(self, pipe, search: str, doc_id: str, article: dict, story: Story, indexed_at: float) -> dict:
        alerts, feed, docs = self.keys(search)
        outlet = article.get("outlet") or ""
        entry = {"id": doc_id, "url": article.get("url"), "title": article.get("title"), "outlet": outlet or None,
                 "published_at": article.get("published_at"), "indexed_at_iso": _iso(indexed_at)}
        now = time.time()
        alert = {
            "id": story.cluster_id, "search": search, "cluster_id": story.cluster_id,
            "doc_id": doc_id, "url": article.get("url"), "title": article.get("title") or "",
            "lead": (article.get("lead") or "")[:LEAD_CHARS], "outlet": outlet or None,
            "published_at": article.get("published_at"), "language": article.get("language"),
            "indexed_at": indexed_at, "created_at": _iso(now), "updated_at": _iso(now),
            "also_published_by": [], "articles": [entry], "docs": [doc_id],
            # why the article matched the saved search, where its text has another form (index.explain)
            "matched": article.get("matched") or [],
        }
        members = [m for m in story.members if m != doc_id]
        self._record(
            keys=[alerts, feed, docs, ALERTS_STREAM],
            args=[doc_id, story.cluster_id, int(now * 1000), json.dumps(alert, ensure_ascii=False),
                  json.dumps(entry, ensure_ascii=False), outlet, search, MAX_ALERTS, STREAM_MAXLEN, *members],
            client=pipe)
        return alert

    def recent(self, name: str, limit: int = 50) -> list[dict]:
        """The newest alerts of a saved search, newest first."""
        alerts, feed, _ = self.keys(name)
        ids = self.client.zrevrange(feed, 0, max(0, limit - 1))
        if not ids:
            return []
        raws = self.client.hmget(alerts, ids)
        return [public(json.loads(raw)) for raw in raws if raw]

    def count(self, name: str) -> int:
        return int(self.client.zcard(self.keys(name)[1]))

    def forget(self, name: str) -> None:
        """Drop a saved search's alerts and its webhook URL (it was removed)."""
        self.client.delete(*self.keys(name))
        self.client.hdel(ALERT_WEBHOOKS, name)

    def set_webhook(self, name: str, url: str | None, *, keep: bool = False) -> None:
        """Keep a saved search's webhook URL (None: it has none). keep: do not overwrite one already kept."""
        if url is None:
            self.client.hdel(ALERT_WEBHOOKS, name)
        elif keep:
            self.client.hsetnx(ALERT_WEBHOOKS, name, url)
        else:
            self.client.hset(ALERT_WEBHOOKS, name, url)

    def webhook(self, name: str) -> str | None:
        raw = self.client.hget(ALERT_WEBHOOKS, name)
        return raw.decode() if raw is not None else None

    def events(self, last_id: str = "$", block_ms: int | None = None, count: int = 100) -> list[tuple[str, dict]]:
        """Stream events after `last_id`: [(event id, {"kind", "search", "alert"})]."""
        reply = self.client.xread({ALERTS_STREAM: last_id}, count=count, block=block_ms)
        out = []
        for _stream, entries in reply or []:
            for event_id, data in entries:
                fields = {k.decode(): v.decode() for k, v in data.items()}
                out.append((event_id.decode(), {"kind": fields["kind"], "search": fields["search"],
                                                "alert": public(json.loads(fields["alert"]))}))
        return out

    def last_events(self, count: int = 20) -> list[tuple[str, dict]]:
        """The newest `count` events, oldest first."""
        entries = self.client.xrevrange(ALERTS_STREAM, count=count)
        out = []
        for event_id, data in reversed(entries):
            fields = {k.decode(): v.decode() for k, v in data.items()}
            out.append((event_id.decode(), {"kind": fields["kind"], "search": fields["search"],
                                            "alert": public(json.loads(fields["alert"]))}))
        return out

    def follow(self, last_id: str = "$", block_ms: int = 1000) -> Iterator[tuple[str, dict]]:
        if last_id == "$":  # pin "now" once: a "$" re-sent after each timeout would skip events between
            newest = self.client.xrevrange(ALERTS_STREAM, count=1)
            last_id = newest[0][0].decode() if newest else "0-0"
        while True:
            for event in self.events(last_id, block_ms=block_ms):
                last_id = event[0]
                yield event


def _matched(search: SavedSearch, doc: dict) -> list[dict]:
    words = query_words(parse_query(search.q).positive_texts())
    return explain_text(words, [doc.get("title"), doc.get("body")])


def alert_batch(adapter: SearchAdapter, index: AlertsIndex, store: AlertStore, docs: list[tuple[str, dict]],
                stories: dict[str, Story], indexed_at: float) -> list[tuple[AlertEvent, SavedSearch]]:
    """One percolate request for the batch, then one atomic record() per (article, matching search)."""
    matches = percolate(adapter, index, [doc for _, doc in docs])
    pairs = []
    for (doc_id, doc), searches in zip(docs, matches, strict=True):
        story = stories.get(doc_id) or Story(doc.get("cluster_id") or doc_id)
        pairs += [(search, (search.name, doc_id, {**doc, "matched": _matched(search, doc)}, story))
                  for search in searches]
    events = store.record_many([p for _, p in pairs], indexed_at)
    return list(zip(events, [s for s, _ in pairs], strict=True))


# -- webhooks ----------------------------------------------------------------------------------------
class WebhookError(Exception):
    """A delivery that failed; `retry` says whether trying again later may help."""

    def __init__(self, message: str, retry: bool, reason: str):
        super().__init__(message)
        self.retry = retry
        self.reason = reason


def webhook_origin(url: str | None) -> str | None:
    """scheme://host[:port]: all of a webhook URL that reads, logs and dead letters show (its path, query
    and user:password often carry a secret)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "(invalid URL)"
    host = parts.hostname or ""
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}" + (f":{port}" if port else "")


def delivery(store: AlertStore, search: SavedSearch, alert: dict) -> dict:
    """The webhook task's argument: the saved search without its webhook (task arguments show in Flower and
    go to dead letters); the task reads the URL from the store. A saved search from before the URL was
    kept apart still has it in the index: it moves to the store here."""
    if search.webhook and search.webhook != webhook_origin(search.webhook):
        store.set_webhook(search.name, search.webhook, keep=True)
    return {"search": {k: v for k, v in search.to_dict().items() if k != "webhook"}, "alert": alert}


def move_legacy_webhooks(adapter: SearchAdapter, index: AlertsIndex, store: AlertStore) -> int:
    """Saved searches stored before webhook URLs were kept apart hold the whole URL in the index, which
    Kibana's read-only role can read: move each URL to the store and leave its origin. Returns how many."""
    moved = 0
    for search in list_saved(adapter, index.alias):
        origin = webhook_origin(search.webhook)
        if search.webhook and search.webhook != origin:
            store.set_webhook(search.name, search.webhook, keep=True)
            save(adapter, index.alias, replace(search, webhook=origin), replace=True)
            moved += 1
    return moved


def _addresses(host: str, port: int) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a vetted address, with the certificate checked for the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def deliver_webhook(url: str, payload: dict, allow: AllowList, *, timeout: float = WEBHOOK_TIMEOUT,
                    delivery_id: str = "") -> int:
    """POST the JSON payload. The target passes the crawl targets' SSRF guard (akhbar.core.targets),
    checked on the very addresses we connect to (no second DNS lookup to rebind), and redirects are not
    followed. Returns the status; raises WebhookError (retry=False for refusals and 4xx answers)."""
    resolved: list[str] = []
    dns_failed = False

    def resolve(host: str, port: int) -> list[str]:
        nonlocal dns_failed
        try:
            resolved[:] = _addresses(host, port)
        except OSError:
            dns_failed = True
            raise
        return resolved

    shown = webhook_origin(url) or ""
    try:
        check_target(url, allow, resolve=resolve)
    except TargetNotAllowed as exc:
        message = str(exc).replace(url, shown)  # some refusals quote the URL
        if dns_failed:  # may come back: retried
            raise WebhookError(message, retry=True, reason="dns") from None
        raise WebhookError(message, retry=False, reason="target_not_allowed") from None
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolved or [host]  # an IP literal is checked as given
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "Host": parts.netloc.rpartition("@")[2]}
    if delivery_id:
        headers["X-Akhbar-Delivery"] = delivery_id
    address = addresses[0]
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPS(host, address, port, timeout)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        status = conn.getresponse().status
    except WEBHOOK.errors as exc:
        raise WebhookError(f"POST {shown} failed: {exc}", retry=True, reason="connection") from None
    finally:
        conn.close()
    if status < 300:
        return status
    raise WebhookError(f"POST {shown} answered {status}", retry=WEBHOOK.retryable(status), reason=f"http_{status}")


def webhook_payload(search: dict, alert: dict) -> dict:
    return {"type": "akhbar.alert", "search": {k: v for k, v in search.items() if k != "webhook"},
            "alert": public(alert)}


__all__ = ["AlertEvent", "AlertStore", "Story", "alert_batch", "WebhookError", "deliver_webhook", "delivery",
           "move_legacy_webhooks", "normalise", "public", "webhook_origin", "webhook_payload"]
