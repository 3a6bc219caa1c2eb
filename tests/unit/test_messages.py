"""The messages between the stages (akhbar.core.messages): each type reads back what it writes, and reads the
shapes older versions left in Redis (queued tasks, ledger copies, index buffer entries, dead letters)."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from akhbar.core.celery_app import app
from akhbar.core.messages import (
    ARTICLE_KEYS,
    ENVELOPE_KEYS,
    INDEX_TIME_FIELDS,
    NOT_INDEXED,
    TASK_QUEUES,
    Article,
    DeadLetter,
    IndexOp,
    Page,
    doc_id_for,
    queue_of,
)
from index.mapping import mappings

# A page as the spider and `akhbar ingest` sent it before Page existed (every key, some None).
OLD_PAGE = {
    "url": "https://x.ly/2024/01/a/", "requested_url": "https://x.ly/a", "status": 200,
    "headers": {"Content-Type": "text/html; charset=utf-8"}, "body_b64": "PGh0bWw+PC9odG1sPg==",
    "outlet": "x", "outlet_config": {"name": "x", "base_url": "https://x.ly/"}, "job_id": "j1",
    "fetched_at": "2024-01-02T03:04:05+00:00", "feed_published": None, "token": "t1",
}  # fmt: skip
# An article as the clean task sent it to dedupe (extract_article's dict plus job_id, token, crawled_at).
OLD_ARTICLE = {
    "url": "https://x.ly/2024/01/a/", "canonical_url": "https://x.ly/2024/01/a", "outlet": "x", "title": "خبر",
    "body": "نص الخبر", "lead": "نص", "authors": ["كاتب"], "published_at": "2024-01-02T05:04:05+02:00",
    "date_source": "json-ld", "language": "ar", "dateline": "طرابلس", "source_outlet": None, "section": None,
    "tags": ["سياسة"], "content_hash": "ab" * 20,
    "places": [{"id": "ly-tripoli", "name_ar": "طرابلس", "name_en": "Tripoli", "country": "LY"}],
    "location": {"lat": 32.9, "lon": 13.2}, "job_id": "j1", "token": "t1", "crawled_at": "2024-01-02T03:04:05+00:00",
}  # fmt: skip


def test_page_round_trip_and_the_old_wire_shape() -> None:
    page = Page.from_payload(OLD_PAGE)
    assert page.to_payload() == OLD_PAGE  # the wire format did not change
    assert Page.from_payload(page.to_payload()) == page
    # A story split over pages (issue 21) carries its later pages; without them the shape is the old one.
    split = Page.from_payload({**OLD_PAGE, "parts": [{"url": "https://x.ly/a/2/", "body_b64": "eA=="}]})
    assert Page.from_payload(split.to_payload()) == split and split.to_payload()["parts"][0]["url"].endswith("/2/")


def test_page_from_a_ledger_copy_and_an_older_or_newer_page() -> None:
    # A ledger envelope with its copy put back (akhbar.core.ledger.rebuild): fewer keys, no requested_url.
    rebuilt = {"url": "https://x.ly/a", "job_id": "j1", "token": "t1", "body_b64": "eA==", "headers": None}
    page = Page.from_payload(rebuilt)
    assert (page.url, page.token, page.headers, page.requested_url) == ("https://x.ly/a", "t1", {}, None)
    # A key this version does not know (a newer producer, or warc_copy left in) is ignored.
    assert Page.from_payload({**OLD_PAGE, "warc_copy": ["/f.warc.gz", 0]}) == Page.from_payload(OLD_PAGE)


def test_article_round_trip_and_the_old_dedupe_message() -> None:
    article = Article.from_payload(OLD_ARTICLE)
    assert article.to_payload() == OLD_ARTICLE
    assert article.doc_id == doc_id_for(OLD_ARTICLE["canonical_url"])
    assert "token" not in article.index_doc() and article.index_doc()["job_id"] == "j1"
    # A message queued before places/location existed still reads (they take their empty defaults).
    older = {k: v for k, v in OLD_ARTICLE.items() if k not in ("places", "location")}
    assert Article.from_payload(older).places == [] and Article.from_payload(older).location is None


def test_a_capture_from_a_web_archive_travels_and_live_pages_keep_their_shape() -> None:
    capture = {"archive": "wayback", "captured_at": "2015-03-04T05:06:07+00:00",
               "url": "https://web.archive.org/web/20150304050607id_/https://x.ly/a"}
    page = Page.from_payload({**OLD_PAGE, "archived_from": capture})
    assert page.to_payload() == {**OLD_PAGE, "archived_from": capture}
    article = Article.from_payload({**OLD_ARTICLE, "archived_from": capture})
    assert article.index_doc()["archived_from"] == capture
    assert "archived_from" not in Article.from_payload(OLD_ARTICLE).index_doc()


def test_article_keys_are_article_fields_without_the_envelope() -> None:
    names = tuple(f.name for f in fields(Article))
    assert names == ARTICLE_KEYS + ENVELOPE_KEYS
    assert ENVELOPE_KEYS == ("job_id", "token", "crawled_at", "archived_from")
    from workers.clean.extract import ARTICLE_KEYS as exported

    assert exported == ARTICLE_KEYS


def test_the_index_mapping_has_exactly_the_article_fields_plus_those_added_at_index_time() -> None:
    indexed = {f.name for f in fields(Article)} - set(NOT_INDEXED)
    assert set(mappings()["properties"]) == indexed | set(INDEX_TIME_FIELDS)


@pytest.mark.parametrize("raw", [
    {"op": "delete", "id": "abc"},
    {"op": "cluster", "id": "abc"},
    {"op": "index", "id": doc_id_for(OLD_ARTICLE["canonical_url"]),
     "doc": {k: v for k, v in OLD_ARTICLE.items() if k != "token"}, "job_id": "j1", "token": "t1"},
])  # fmt: skip
def test_index_op_reads_the_entries_older_versions_pushed(raw: dict) -> None:
    # Written then with json.dumps (one of the four places without ensure_ascii=False): same JSON value.
    for text in (json.dumps(raw), json.dumps(raw, ensure_ascii=False)):
        op = IndexOp.from_json(text)
        assert op.to_payload() == raw
        assert json.loads(op.to_json()) == raw


def test_index_op_json_keeps_what_the_reconciler_looks_for() -> None:
    op = IndexOp.index(Article.from_payload(OLD_ARTICLE))
    text = op.to_json()
    assert '"job_id": "j1"' in text and "طرابلس" in text  # default separators, not escaped
    assert IndexOp.from_json(text) == IndexOp.from_payload(op.to_payload())
    with pytest.raises(ValueError):
        IndexOp.from_payload({"op": "upsert", "id": "x"})


OLD_LETTERS = [
    ("akhbar.clean", OLD_PAGE, "page", OLD_PAGE["url"]),
    ("akhbar.dedupe", OLD_ARTICLE, "article", OLD_ARTICLE["url"]),
    ("akhbar.index", {"op": "index", "id": "d1", "doc": {"url": "https://x.ly/d", "canonical_url": "https://x.ly/d"},
                      "job_id": "j1", "token": "t1"}, "index_op", "https://x.ly/d"),
    ("akhbar.alert_webhook", {"search": {"name": "s"}, "alert": {"id": "a1"}}, "webhook", None),
    ("akhbar.percolate_alerts", {"docs": [["d1", {"title": "t"}]], "indexed_at": 1.0}, "alerts", None),
    ("akhbar.index_flush", {}, "flush", None),
]  # fmt: skip


@pytest.mark.parametrize(("task", "payload", "kind", "url"), OLD_LETTERS)
def test_dead_letters_written_before_kind_existed(
    task: str, payload: dict, kind: str, url: str | None
) -> None:
    old = {"task": task, "payload": payload, "reason": "boom", "error": "x", "failed_at": 12.5}
    letter = DeadLetter.from_payload(json.loads(json.dumps(old, ensure_ascii=False)))
    assert (letter.kind, letter.url) == (kind, url)
    assert letter.to_payload() == {**old, "kind": kind}
    assert DeadLetter.from_payload(letter.to_payload()) == letter


def test_a_dead_letter_reads_back_as_its_message() -> None:
    assert DeadLetter.of("akhbar.clean", OLD_PAGE, "r").page() == Page.from_payload(OLD_PAGE)
    assert DeadLetter.of("akhbar.dedupe", OLD_ARTICLE, "r").article() == Article.from_payload(OLD_ARTICLE)
    op = IndexOp.delete("d1")
    letter = DeadLetter.of("akhbar.index", op.to_payload(), "bulk:400", error="e" * 5000)
    assert letter.index_op() == op and len(letter.error) == 2000 and letter.label == "d1"
    assert DeadLetter.of("akhbar.somethingelse", {"url": "u"}, "r").kind == "other"


def test_task_names_and_queues_are_the_celery_routes() -> None:
    assert app.conf.task_routes == {task: {"queue": queue} for task, queue in TASK_QUEUES.items()}
    assert queue_of("akhbar.clean") == "clean" and queue_of("akhbar.alert_webhook") == "index"
    assert queue_of("akhbar.future") == "future"  # a name from another version: its last part, as before
    app.loader.import_default_modules()  # the task modules the app names (TASK_MODULES) register the tasks

    assert set(TASK_QUEUES) <= set(app.tasks)
