"""The reconciler: a job whose pages are pending while nothing of it is anywhere gets them sent again.

"Anywhere" is per job: a task of the job in a queue or in kombu's `unacked` hash (found by the job header
every page task carries, akhbar.core.celery_app.JOB_HEADER), a document of the job in the index buffer or
in a flush's processing list. When none holds and the job's pending count has not moved for
``AKHBAR_JOB_REDRIVE_AFTER`` seconds (akhbar.core.stall decides that), its pending tokens are re-driven from
their durable copies in the job's ledger (akhbar.core.ledger), at most MAX_ROUNDS times. Re-driving is
safe: outcomes are counted once per token and documents are written by id. A token whose copy is gone
cannot be re-driven: the job then turns `stalled` with the reason and the URLs.

The index buffer is checked too: documents waiting with no flush queued, unacknowledged or running (the
last `index_flush` of a job was the lost message) get a flush.

The scan reads the broker's lists a chunk at a time, server-side (no message crosses the wire), and stops
at the first sign of the job: a long queue blocks Redis for one chunk, never for the whole queue. One
process reconciles a job at a time (a lock per job, which also spaces the scans out).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from akhbar.core import ledger
from akhbar.core.keys import INDEX_BUFFER, INDEX_LEASES, JOB_REDRIVE_ROUNDS, QUEUES
from akhbar.core.messages import INDEX_FLUSH_TASK, TASK_QUEUES, Page

log = logging.getLogger("akhbar.reconcile")

MAX_ROUNDS = 3
FLUSH_TASK = INDEX_FLUSH_TASK
CHUNK = 200  # list items or hash fields looked at per script call
SEND_BATCH = 100  # pages rebuilt and sent at a time (a large lost ingest never sits in memory whole)
LOCK_SUFFIX = ":reconciling"
LOCK_SECONDS = 300  # longer than any one look (a crash leaves it behind for this long at most)

# An index_flush task in a queued message, as kombu writes its headers (a Lua string literal).
_FLUSH_NEEDLE = "'" + json.dumps({"task": INDEX_FLUSH_TASK})[1:-1] + "'"
# KEYS[1]: a list. ARGV: start, stop, the job's needles (plain substrings). Returns {found, flush tasks,
# items seen}.
_SCAN_LIST = """
local items = redis.call('LRANGE', KEYS[1], ARGV[1], ARGV[2])
local found, flushes = 0, 0
for _, item in ipairs(items) do
  for i = 3, #ARGV do
    if string.find(item, ARGV[i], 1, true) then found = 1 end
  end
  if string.find(item, FLUSH_NEEDLE, 1, true) then flushes = flushes + 1 end
end
return {found, flushes, #items}
""".replace("FLUSH_NEEDLE", _FLUSH_NEEDLE)
# KEYS[1]: a hash. ARGV: cursor, the job's needles. Returns {found, flush tasks, next cursor}.
_SCAN_HASH = """
local page = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', CHUNK)
local found, flushes = 0, 0
local entries = page[2]
for i = 2, #entries, 2 do
  local item = entries[i]
  for j = 2, #ARGV do
    if string.find(item, ARGV[j], 1, true) then found = 1 end
  end
  if string.find(item, FLUSH_NEEDLE, 1, true) then flushes = flushes + 1 end
end
return {found, flushes, page[1]}
""".replace("CHUNK", str(CHUNK)).replace("FLUSH_NEEDLE", _FLUSH_NEEDLE)


def needles(job_id: str) -> list[str]:
    """How the job shows in a message (its header) and in an index operation (its job_id field), as kombu's
    and our json.dumps write them."""
    return [json.dumps({"akhbar_job": job_id})[1:-1], json.dumps({"job_id": job_id}, ensure_ascii=False)[1:-1]]


@dataclass(frozen=True)
class Presence:
    job_work: bool  # something of the job is in a queue, unacked, the index buffer or a flush's list
    flush_queued: bool  # an index_flush task is queued or unacknowledged (any job)
    buffered: int  # documents in the index buffer (any job)
    leased: int  # flushes holding a batch


def _scan_broker(client: Any, job: list[str]) -> tuple[bool, bool]:
    """(the job has a task in the broker, some index_flush task is there), stopping once both are known."""
    found = flush = False
    cursor: Any = "0"
    while not (found and flush):  # unacked first: what workers hold is where a job's last pages usually are
        hit, flushes, cursor = client.eval(_SCAN_HASH, 1, "unacked", cursor, *job)
        found, flush = found or bool(hit), flush or int(flushes) > 0
        if cursor in (b"0", "0", 0):
            break
    for name in QUEUES:
        start = 0
        while not (found and flush):
            hit, flushes, seen = client.eval(_SCAN_LIST, 1, name, start, start + CHUNK - 1, *job)
            found, flush = found or bool(hit), flush or int(flushes) > 0
            if int(seen) < CHUNK:
                break
            start += CHUNK
    return found, flush


def _scan_index(client: Any, job: list[str]) -> bool:
    """The job has a document in the index buffer or in a flush's processing list."""
    lists = [INDEX_BUFFER] + [n.decode() if isinstance(n, bytes) else n for n in client.zrange(INDEX_LEASES, 0, -1)]
    for name in lists:
        start = 0
        while True:
            hit, _, seen = client.eval(_SCAN_LIST, 1, name, start, start + CHUNK - 1, *job)
            if hit:
                return True
            if int(seen) < CHUNK:
                break
            start += CHUNK
    return False


def presence(client: Any, job_id: str) -> Presence:
    job = needles(job_id)
    in_broker, flush_queued = _scan_broker(client, job)
    job_work = in_broker or _scan_index(client, job)
    return Presence(job_work, flush_queued, int(client.llen(INDEX_BUFFER)), int(client.zcard(INDEX_LEASES)))


@dataclass
class Round:
    """What one reconciliation of a job did."""

    flush_sent: bool = False
    busy: bool = False  # work of the job was found somewhere
    locked: bool = False  # another process is reconciling the job
    redriven: int = 0
    lost: dict[str, str] = field(default_factory=dict)  # url -> why its page cannot be re-driven
    elsewhere: dict[str, str] = field(default_factory=dict)  # url -> the machine whose disk holds its copy
    rounds: int = 0

    @property
    def acted(self) -> bool:
        return self.flush_sent or bool(self.redriven)


def send_page(page: Page) -> None:
    from akhbar.core.celery_app import send_page as send  # late: it reads the broker URL on import

    send(page.to_payload())


def send_flush() -> None:
    from akhbar.core.celery_app import app

    app.send_task(FLUSH_TASK, queue=TASK_QUEUES[FLUSH_TASK])


def reconcile(client: Any, job_key: str, job_id: str, *, max_rounds: int = MAX_ROUNDS) -> Round:
    """One look at a quiet job: flush a buffer nobody will flush, else re-drive what is nowhere.

    The caller has established that the job's crawl is done and its pending count has not moved for a
    while (akhbar.core.stall); this only looks at where its work could be. One process at a time: a
    second one meanwhile gets ``locked``."""
    done = Round(rounds=int(client.hget(job_key, JOB_REDRIVE_ROUNDS) or 0))
    lock = job_key + LOCK_SUFFIX
    if not client.set(lock, os.getpid(), nx=True, ex=LOCK_SECONDS):
        done.locked = True
        return done
    try:
        return _look(client, job_key, job_id, done, max_rounds)
    finally:
        client.delete(lock)


def _look(client: Any, job_key: str, job_id: str, done: Round, max_rounds: int) -> Round:
    where = presence(client, job_id)
    if where.buffered and not where.flush_queued and not where.leased:
        send_flush()
        done.flush_sent = True
        log.warning("job %s: %d documents waited in the index buffer with no flush queued; sent one",
                    job_id, where.buffered)
        return done
    if where.job_work:
        done.busy = True
        return done
    return redrive(client, job_key, job_id, done, max_rounds=max_rounds)


def redrive(client: Any, job_key: str, job_id: str, done: Round | None = None, *,
            max_rounds: int = MAX_ROUNDS) -> Round:
    """Send every pending page of the job again from its durable copy (one round, if rounds are left).
    Copies on another machine's disk are left to a process there (`done.elsewhere`)."""
    done = done or Round(rounds=int(client.hget(job_key, JOB_REDRIVE_ROUNDS) or 0))
    if done.rounds >= max_rounds:
        for entry in ledger.iter_pending(client, job_id):
            done.lost.setdefault(entry.url, f"still pending after {done.rounds} rounds of re-driving")
        return done
    batch: list[Page] = []
    counted = False
    for entry in ledger.iter_pending(client, job_id):
        try:
            batch.append(ledger.rebuild(client, job_id, entry))
        except ledger.CopyElsewhere as exc:
            done.elsewhere[entry.url] = str(exc)
        except ledger.CopyGone as exc:
            done.lost[entry.url] = str(exc)
        if len(batch) >= SEND_BATCH:
            counted = counted or _count_round(client, job_key, done)
            _send(client, job_key, batch, done)
            batch = []
    if batch:
        counted = counted or _count_round(client, job_key, done)
        _send(client, job_key, batch, done)
    if done.redriven:
        log.warning("job %s: re-drove %d pages the pipeline had lost (round %d of %d)", job_id, done.redriven,
                    done.rounds, max_rounds)
    return done


def _count_round(client: Any, job_key: str, done: Round) -> bool:
    done.rounds = int(client.hincrby(job_key, JOB_REDRIVE_ROUNDS, 1))
    return True


def _send(client: Any, job_key: str, pages: list[Page], done: Round) -> None:
    for page in pages:
        send_page(page)
    client.hincrby(job_key, "pages_redriven", len(pages))
    done.redriven += len(pages)
