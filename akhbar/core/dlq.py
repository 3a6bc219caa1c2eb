"""Dead letters: pages or documents that failed for good, kept with their reason for `akhbar dlq replay`."""

from __future__ import annotations

import json
import time
from typing import Any

import redis

from akhbar.core.keys import DLQ as DLQ_KEY


def push(client: redis.Redis, task: str, payload: dict, reason: str, error: str = "") -> None:
    entry = {"task": task, "payload": payload, "reason": reason, "error": error[:2000], "failed_at": time.time()}
    client.rpush(DLQ_KEY, json.dumps(entry, ensure_ascii=False))


def entries(client: redis.Redis, start: int = 0, end: int = -1) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in client.lrange(DLQ_KEY, start, end)]


def size(client: redis.Redis) -> int:
    return int(client.llen(DLQ_KEY))


def pop_all(client: redis.Redis, limit: int | None = None) -> list[dict[str, Any]]:
    """Atomically take entries off the queue (for replay); they re-enter it if they fail again."""
    out = []
    while limit is None or len(out) < limit:
        raw = client.lpop(DLQ_KEY)
        if raw is None:
            break
        out.append(json.loads(raw))
    return out
