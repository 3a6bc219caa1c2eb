"""The per-job ledger: every page sent to the pipeline, under its token, until its outcome is counted.

The broker can lose a task: kombu's Redis transport pops a message (BRPOP), then records it as
unacknowledged in a second round trip, and a Redis stop between the two loses it; Celery also drops a
task whose retry it cannot publish (`Reject(requeue=False)`). `acks_late` cannot help with either. The
ledger is what lets the reconciler (akhbar.core.reconcile) send such a page again. An entry holds the
page's envelope (the payload without its body and headers) and where its durable copy is: a WARC record
(the crawler's own, or the file `akhbar ingest` reads), or, where there is none, the body and headers in
the job's copies hash. An entry and its copy are deleted in the same script that counts the token's
outcome (akhbar.core.jobs), so the ledger holds exactly the pages still on their way.
"""

from __future__ import annotations

import base64
import json
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from akhbar.core.keys import JOB_COPIES_SUFFIX, JOB_LEDGER_SUFFIX, JOB_PREFIX
from akhbar.core.messages import Page

# A ledger outlives a job that never ends (stalled, cancelled) by this much, then Redis drops it.
TTL_SECONDS = 30 * 86400
# Left out of the envelope: the durable copy has them.
_COPIED = ("body_b64", "headers")
# Headers of a WARC record that describe the transfer, not the page (the body read back is decoded).
HOP_BY_HOP = frozenset({"transfer-encoding", "content-encoding", "content-length", "x-akhbar-orig-transfer-encoding"})


def new_token() -> str:
    """One id per page sent, for its whole way (clean -> dedupe -> index) and its outcome."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class WarcCopy:
    """A response record: the machine whose disk holds the file, the file, the record's offset in it."""

    host: str
    path: str
    offset: int

    @classmethod
    def here(cls, path: str | Path, offset: int) -> WarcCopy:
        return cls(socket.gethostname(), str(path), int(offset))


@dataclass(frozen=True)
class LedgerEntry:
    token: str
    envelope: dict[str, Any]
    warc: WarcCopy | None

    @property
    def url(self) -> str:
        return str(self.envelope.get("url", ""))


def ledger_key(job_id: str) -> str:
    return JOB_PREFIX + job_id + JOB_LEDGER_SUFFIX


def copies_key(job_id: str) -> str:
    return JOB_PREFIX + job_id + JOB_COPIES_SUFFIX


# Once per token: a command the retrying client sends again after Redis went away mid-reply (it may have
# run) must not count the page twice. KEYS: job hash, ledger, copies. ARGV: token, entry, copy or "",
# TTL, then the job counters to add one to.
_RECORD = """
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
for i = 5, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
return 1
"""


def record(pipe: Any, job_id: str, page: Page, warc: WarcCopy | None,
           counters: tuple[str, ...] = ("pages_sent",)) -> None:
    """Add ``page`` (which carries its token) to the job's ledger and count it in ``counters``, once per
    token however often the command is sent; in the caller's pipeline or client."""
    payload = page.to_payload()
    envelope = {k: v for k, v in payload.items() if k not in _COPIED}
    entry = {"page": envelope, "warc": [warc.host, warc.path, warc.offset] if warc else None}
    copy = "" if warc is not None else json.dumps({"body_b64": page.body_b64, "headers": page.headers},
                                                  ensure_ascii=False)
    pipe.eval(_RECORD, 3, JOB_PREFIX + job_id, ledger_key(job_id), copies_key(job_id), page.token,
              json.dumps(entry, ensure_ascii=False), copy, TTL_SECONDS, *counters)


def _entry(token: bytes | str, raw: bytes | str) -> LedgerEntry:
    data = json.loads(raw)
    warc = WarcCopy(*data["warc"]) if data.get("warc") else None
    return LedgerEntry(token.decode() if isinstance(token, bytes) else token, data["page"], warc)


def iter_pending(client: Any, job_id: str) -> Iterator[LedgerEntry]:
    """The job's pages whose outcome is not counted yet, read a few hundred at a time."""
    for token, raw in client.hscan_iter(ledger_key(job_id), count=500):
        yield _entry(token, raw)


def pending(client: Any, job_id: str) -> list[LedgerEntry]:
    return list(iter_pending(client, job_id))


def size(client: Any, job_id: str) -> int:
    return int(client.hlen(ledger_key(job_id)))


class CopyGone(LookupError):
    """The page's durable copy cannot be read: the reason says why."""


class CopyElsewhere(CopyGone):
    """The page's copy is a WARC record on another machine's disk: a process there can re-drive it."""


def read_warc_body(path: str | Path, offset: int, url: str | None = None) -> tuple[bytes, dict[str, str]]:
    """Body (decoded) and page headers of the response record at ``offset`` (for ``url``, when given)."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            target = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type != "response" or record.http_headers is None or (url and target != url):
                break
            return record_body(record)
    raise CopyGone(f"no response record of {url or 'the page'} at offset {offset} of {path}")


def record_body(record: Any) -> tuple[bytes, dict[str, str]]:
    """A response record's body (de-chunked, Content-Encoding undone) and the headers that describe it."""
    body = record.content_stream().read()
    headers = {name: value for name, value in record.http_headers.headers if name.lower() not in HOP_BY_HOP}
    return body, headers


def rebuild(client: Any, job_id: str, entry: LedgerEntry) -> Page:
    """The page again, from its durable copy; CopyGone when that copy cannot be read here. Envelopes
    written by older versions read back the same way (Page.from_payload)."""
    page = dict(entry.envelope)
    if entry.warc is not None:
        if entry.warc.host != socket.gethostname() and not Path(entry.warc.path).exists():
            raise CopyElsewhere(f"its WARC record is on {entry.warc.host} ({entry.warc.path})")
        try:
            body, headers = read_warc_body(entry.warc.path, entry.warc.offset, entry.url)
        except OSError as exc:
            raise CopyGone(f"its WARC record cannot be read: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - a damaged file: say so, never a traceback
            raise CopyGone(f"its WARC record is damaged: {type(exc).__name__}: {exc}") from exc
        page["body_b64"] = base64.b64encode(body).decode("ascii")
        page["headers"] = headers
        return Page.from_payload(page)
    raw = client.hget(copies_key(job_id), entry.token)
    if raw is None:
        raise CopyGone("its stored copy is gone")
    page.update(json.loads(raw))
    return Page.from_payload(page)
