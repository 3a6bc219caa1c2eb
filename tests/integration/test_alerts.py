"""Saved searches and alerts with every real component: saved with the CLI into the percolator index of
the real OpenSearch node, percolated by a real Celery worker while it indexes a real crawl of the
fixture web, webhooks POSTed to a local receiver, the Atom feed served by the API app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
import redis

from akhbar.core import dlq
from index.adapter import SearchAdapter
from tests.fixture_site import FixtureWeb, gold_by_key
from workers.alerts import AlertStore

pytestmark = pytest.mark.integration

STORY = "fx-lana/oncology-medicines-shipment-14-tons"  # fx-lana's story, reposted by fx-wasat and fx-marsad


class Receiver:
    """A webhook receiver on 127.0.0.1: /ok answers 200, /flaky 500 twice per delivery then 200,
    /down always 503. Records every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict]] = []  # (path, delivery id, JSON body)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                delivery = self.headers.get("X-Akhbar-Delivery", "")
                with receiver.lock:
                    receiver.requests.append((self.path, delivery, body))
                    seen = sum(1 for p, d, _ in receiver.requests if p == self.path and d == delivery)
                status = {"/ok": 200, "/down": 503}.get(self.path, 200 if seen > 2 else 500)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def on(self, path: str) -> list[tuple[str, dict]]:
        with self.lock:
            return [(d, b) for p, d, b in self.requests if p == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()


@pytest.fixture
def alerts_env(pipeline_env: dict, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """pipeline_env (the workers started later get it too) with its own percolator index."""
    alias = f"alerts-{uuid.uuid4().hex[:8]}"
    extra = {"AKHBAR_ALERTS_INDEX": alias, "AKHBAR_ALLOWED_DOMAINS": "127.0.0.1",
             "AKHBAR_WEBHOOK_RETRIES": "2", "AKHBAR_WEBHOOK_BACKOFF": "1"}
    pipeline_env.update(extra)
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    yield pipeline_env
    adapter = SearchAdapter(pipeline_env["AKHBAR_SEARCH_URL"])
    adapter.request("DELETE", f"/{alias}-*", params={"ignore_unavailable": "true", "allow_no_indices": "true"})
    adapter.close()


def cli(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout)


def wait_for(condition, timeout: float, what: str, tail=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{tail()}")
        time.sleep(0.2)


def test_alert_once_per_reposted_story_feed_and_webhooks(alerts_env: dict, start_worker, receiver: Receiver,
                                                         tmp_path: Path) -> None:
    env = alerts_env
    # Saved before the crawl, with the CLI. The queries are typed without hamza: the Arabic analysis applies.
    saved = {
        "oncology": ("ادوية الاورام", f"{receiver.url}/ok"),
        "oncology-lana": ("ادوية الاورام", None),  # with --outlet fx-lana below
        "oncology-excluded": ("ادوية الاورام -معيتيقة", None),  # every copy says معيتيقة
        "asmarya": ('"الجامعة الأسمرية"', f"{receiver.url}/flaky"),
        "gharyan": ("شتلة غريان", f"{receiver.url}/down"),
    }
    for name, (query, webhook) in saved.items():
        extra = ["--outlet", "fx-lana"] if name == "oncology-lana" else []
        result = cli(env, "alerts", "add", name, query, *extra, *(["--webhook", webhook] if webhook else []))
        assert result.returncode == 0, result.stdout + result.stderr
    # A private address is refused at `alerts add`...
    for private in ("http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data"):
        result = cli(env, "alerts", "add", "private", "غريان", "--webhook", private)
        assert result.returncode != 0 and "webhook refused" in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    # ... and again at delivery: this one passed a laxer allow-list at `add` than the worker's.
    lax = {**env, "AKHBAR_ALLOWED_DOMAINS": "127.0.0.1,10.0.0.0/8"}
    assert cli(lax, "alerts", "add", "private", "شتلة غريان", "--webhook", "http://10.0.0.1:9/hook").returncode == 0
    listed = json.loads(cli(env, "alerts", "list", "--json").stdout)
    assert sorted(s["name"] for s in listed) == sorted([*saved, "private"])

    worker = start_worker()
    gold = gold_by_key()
    with FixtureWeb(held_back=0) as web:
        outlets_file = tmp_path / "outlets.yaml"
        web.write_outlets_yaml(outlets_file)
        result = cli(env, "crawl", *web.outlets, "--outlets", str(outlets_file), "--mode", "fixture",
                     "--wait", "--timeout", "300", timeout=400)
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{worker.tail()}"

        client = redis.Redis.from_url(env["AKHBAR_REDIS_URL"])
        store = AlertStore(client)
        # One alert for the story that three outlets published; the other two outlets joined it.
        oncology = store.recent("oncology")
        assert len(oncology) == 1, oncology
        alert = oncology[0]
        copies = {gold[STORY]["outlet"], "fx-wasat", "fx-marsad"}
        assert {alert["outlet"], *alert["also_published_by"]} == copies
        assert len(alert["also_published_by"]) == 2
        assert {a["outlet"] for a in alert["articles"]} == copies
        assert alert["title"] == gold[STORY]["title"]
        # The outlet filter and the exclusion work as in search.
        assert [(a["outlet"], a["also_published_by"]) for a in store.recent("oncology-lana")] == [("fx-lana", [])]
        assert store.recent("oncology-excluded") == []
        # The webhook got that one alert, once.
        posts = wait_for(lambda: receiver.on("/ok"), 30, "the webhook POST", worker.tail)
        time.sleep(1)
        posts = receiver.on("/ok")
        assert len(posts) == 1, posts
        delivery, body = posts[0]
        assert delivery == f"oncology/{alert['id']}"
        assert body["search"]["name"] == "oncology" and body["alert"]["title"] == gold[STORY]["title"]

        # Retries with backoff: /flaky fails twice per delivery and gets each on the third attempt.
        asmarya = store.recent("asmarya")
        assert asmarya
        wait_for(lambda: len(receiver.on("/flaky")) >= 3 * len(asmarya), 60, "the retried webhooks", worker.tail)
        assert set(Counter(d for d, _ in receiver.on("/flaky")).values()) == {3}
        # After the retry window, dead letters: /down (3 attempts) and the private address (no attempt).
        gharyan = store.recent("gharyan")
        assert gharyan

        def dead() -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            for entry in dlq.entries(client):
                if entry["task"] == "akhbar.alert_webhook":
                    out.setdefault(entry["payload"]["search"]["name"], []).append(entry["reason"])
            return out

        wait_for(lambda: len(dead().get("gharyan", [])) >= len(gharyan) and dead().get("private"), 60,
                 "the dead letters", worker.tail)
        assert set(dead()["gharyan"]) == {"webhook:http_503"}
        assert set(dead()["private"]) == {"webhook:target_not_allowed"}
        assert set(Counter(d for d, _ in receiver.on("/down")).values()) == {3}
        # Webhook URLs are secrets: neither the dead letters (task arguments included) nor the worker's log
        # show more of them than scheme://host.
        letters = json.dumps([e for e in dlq.entries(client) if e["task"] == "akhbar.alert_webhook"])
        worker_log = worker.log_path.read_text(errors="replace")
        for secret in (f"{receiver.url}/down", f"{receiver.url}/flaky", f"{receiver.url}/ok", "10.0.0.1:9/hook"):
            assert secret not in letters and secret not in worker_log, secret
        assert receiver.url in letters  # the origin is shown

        # The Atom feed, served by the API app, parses; one entry per story.
        import warnings

        from akhbar.api import create_app

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

        with TestClient(create_app(), base_url="http://127.0.0.1:8000") as api:
            response = api.get("/alerts/oncology.atom")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/atom+xml")
            feed = feedparser.parse(response.content)
            assert feed.bozo == 0, feed.get("bozo_exception")
            assert [e.title for e in feed.entries] == [gold[STORY]["title"]]
            assert [e.link for e in feed.entries] == [alert["url"]]
            assert api.get("/alerts/nope.atom").status_code == 404
            assert api.get("/alerts/oncology").json()["alerts"] == 1

        # A re-crawl updates the three copies: no new alert, no new POST, the alert unchanged.
        before = store.recent("oncology")
        result = cli(env, "crawl", "fx-lana", "fx-wasat", "fx-marsad", "--outlets", str(outlets_file),
                     "--mode", "fixture", "--recrawl", "--wait", "--timeout", "300", timeout=400)
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
        assert store.recent("oncology") == before
        assert len(receiver.on("/ok")) == 1

    # The terminal view.
    tail = cli(env, "alerts", "tail", "oncology", "--no-follow", "--last", "1000", "--json")
    events = [json.loads(line) for line in tail.stdout.splitlines()]
    assert [e["kind"] for e in events].count("new") == 1
    assert all(e["search"] == "oncology" for e in events)
