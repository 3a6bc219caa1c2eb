"""The job ledger's durable copies (on the real redis-server): a page re-built from the WARC record the crawler wrote (file and offset,
through rotation and gzip members) or from its stored copy is the page that was sent."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from akhbar.core import ledger
from akhbar.core.ledger import CopyGone, LedgerEntry, WarcCopy
from akhbar.core.messages import Page
from crawler.warc import RotatingWarcWriter, exchange_for


@pytest.fixture
def store(client):
    """The session's real redis-server; the ledger keys of these tests' jobs are removed afterwards."""
    yield client
    for job in ("j1", "j2"):
        client.delete(ledger.ledger_key(job), ledger.copies_key(job), "akhbar:job:" + job)


def page_of(response: HtmlResponse, token: str) -> Page:
    return Page(url=response.url, requested_url=response.url, status=200,
                headers={k.decode(): b", ".join(v).decode() for k, v in response.headers.items()},
                body_b64=base64.b64encode(response.body).decode(), outlet="x", job_id="j1", token=token)


def test_pages_come_back_from_their_warc_records_across_rotated_files(store, tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path, "akhbar-j1", max_bytes=1500)  # a new file every record or two
    sent = {}
    for i in range(6):
        body = f"<html><body><h1>خبر {i}</h1><p>{'نص ' * (40 * i + 5)}</p></body></html>".encode()
        response = HtmlResponse(f"https://x.ly/{i}", body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                                request=Request(f"https://x.ly/{i}"))
        path, offset = writer.write_pair(exchange_for(response.request, response))
        page = page_of(response, f"t{i}")
        ledger.record(store, "j1", page, WarcCopy.here(path, offset))
        sent[page.token] = page.to_payload()
    writer.close()
    assert len(writer.files) > 2
    assert not store.exists(ledger.copies_key("j1"))  # a WARC copy: the body is not kept in Redis
    entries = ledger.pending(store, "j1")
    assert sorted(e.token for e in entries) == sorted(sent)
    for entry in entries:
        again = ledger.rebuild(store, "j1", entry).to_payload()
        original = sent[entry.token]
        assert base64.b64decode(again["body_b64"]) == base64.b64decode(original["body_b64"])
        assert again["headers"]["Content-Type"] == "text/html; charset=utf-8"
        assert {k: v for k, v in again.items() if k not in ("body_b64", "headers")} == \
            {k: v for k, v in original.items() if k not in ("body_b64", "headers")}


def test_a_page_without_a_warc_record_keeps_its_copy_and_a_gone_copy_says_why(store, tmp_path: Path) -> None:
    page = Page(url="https://x.ly/a", body_b64=base64.b64encode(b"<html>a</html>").decode(),
                headers={"Content-Type": "text/html"}, job_id="j2", token="ta")
    ledger.record(store, "j2", page, None)
    [entry] = ledger.pending(store, "j2")
    assert ledger.rebuild(store, "j2", entry) == page
    store.delete(ledger.copies_key("j2"))
    with pytest.raises(CopyGone, match="stored copy is gone"):
        ledger.rebuild(store, "j2", entry)
    missing = LedgerEntry("tb", {"url": "https://x.ly/b"}, WarcCopy.here(tmp_path / "gone.warc.gz", 0))
    with pytest.raises(CopyGone, match="cannot be read"):
        ledger.rebuild(store, "j2", missing)
    elsewhere = LedgerEntry("tc", {"url": "https://x.ly/c"}, WarcCopy("another-host", "/nowhere.warc.gz", 0))
    with pytest.raises(CopyGone, match="another-host"):
        ledger.rebuild(store, "j2", elsewhere)


def test_a_page_is_counted_once_however_often_its_record_is_sent(store) -> None:
    """The retrying client sends a command again when Redis went away mid-reply: it may have run."""
    page = Page(url="https://x.ly/a", body_b64="PGh0bWw+", job_id="j2", token="t1")
    for _ in range(3):
        ledger.record(store, "j2", page, None, counters=("pages_fetched", "pages_sent"))
    assert store.hgetall("akhbar:job:j2") == {b"pages_fetched": b"1", b"pages_sent": b"1"}
    assert ledger.size(store, "j2") == 1
