"""Dead letters: pages or documents that failed for good, kept with their reason for `akhbar dlq replay`.

Each entry is a DeadLetter (akhbar.core.messages): the task that gave up, what kind of payload it holds,
the payload itself, the reason and the error."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import redis

from akhbar.core.keys import DLQ as DLQ_KEY
from akhbar.core.messages import DeadLetter


def push(client: redis.Redis, task: str, payload: Mapping[str, Any], reason: str, error: str = "") -> None:
    letter = DeadLetter.of(task, payload, reason, error, failed_at=time.time())
    client.rpush(DLQ_KEY, json.dumps(letter.to_payload(), ensure_ascii=False))


def entries(client: redis.Redis, start: int = 0, end: int = -1) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in client.lrange(DLQ_KEY, start, end)]


def letters(client: redis.Redis, start: int = 0, end: int = -1) -> list[DeadLetter]:
    return [DeadLetter.from_payload(entry) for entry in entries(client, start, end)]


def size(client: redis.Redis) -> int:
    return int(client.llen(DLQ_KEY))


def pop_all(client: redis.Redis, limit: int | None = None) -> list[DeadLetter]:
    """Atomically take entries off the queue (for replay); they re-enter it if they fail again."""
    out = []
    while limit is None or len(out) < limit:
        raw = client.lpop(DLQ_KEY)
        if raw is None:
            break
        out.append(DeadLetter.from_payload(json.loads(raw)))
    return out
