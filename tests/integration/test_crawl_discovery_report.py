"""Issue 21 §6 on the real redis-server and the fixture webs: a crawl job's view (its record, `akhbar jobs show`
and --json, `akhbar jobs list`) reports per outlet what discovery found by which path, and `akhbar outlets health`
warns for the outlet whose last crawl fetched more than twice as many HTML pages as it sent articles, naming why,
and not for a normal one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from crawler_support import crawl_env  # noqa: F401 - a fixture

from akhbar.core.discovery import PATHS, assess
from akhbar.health import discovery_warning
from tests.fixture_site import FixtureWeb
from tests.fixture_site.devweb import DevFixtureWeb

pytestmark = pytest.mark.integration


def akhbar(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def test_the_job_view_reports_discovery_by_path(crawl_env, tmp_path: Path) -> None:  # noqa: F811
    with DevFixtureWeb() as web:
        registry = web.write_base_urls_yaml(tmp_path / "devset.yaml")
        outlets = list(web.outlets)
        job_id = crawl_env.crawl(registry, outlets, timeout=300)
        articles = {slug: len(web.visible(slug)) for slug in outlets}
    job = crawl_env.store.get(job_id)
    report = job.discovery
    for slug, found in report.items():  # pytest -s: the warnings `akhbar outlets health` would give
        print(slug, assess(found), discovery_warning(assess(found)) or "")
    assert set(report) == set(outlets)
    for slug, found in report.items():
        assert set(found["fetched"]) | set(found["found"]) | set(found["sent"]) <= set(PATHS), slug
        for path, n in found["sent"].items():  # an article is found before it is sent, by the same path
            assert found["found"].get(path, 0) >= n, (slug, found)
    # every response counted once, under one path (robots.txt aside, like pages_fetched), every article sent once
    assert sum(sum(r["fetched"].values()) for r in report.values()) == job.counters["pages_fetched"]
    assert sum(sum(r["sent"].values()) for r in report.values()) == job.counters["pages_sent"]
    # Outlets whose articles only one path reaches, by their construction: dx-next's sitemap (robots.txt ->
    # sitemap.xml), dx-nuxt's feed (<link rel="alternate">), dx-shell's JSON state, dx-wparchive's date archives
    # (its home page shows the newest five).
    assert report["dx-next"]["sent"] == {"sitemap": articles["dx-next"]}, report["dx-next"]
    assert report["dx-nuxt"]["sent"] == {"feed": articles["dx-nuxt"]}, report["dx-nuxt"]
    assert report["dx-shell"]["sent"] == {"json": articles["dx-shell"]}, report["dx-shell"]
    assert report["dx-wparchive"]["sent"]["date_archive"] >= articles["dx-wparchive"] - 5, report["dx-wparchive"]
    for slug in ("dx-next", "dx-nuxt", "dx-shell", "dx-wparchive"):
        assert report[slug]["fetched"]["entry"] >= 1, report[slug]  # the base URL, the probes
    # a split story: sent once, its later pages joined to it
    assert report["dx-split"]["story_pages"] > 0 and sum(report["dx-split"]["sent"].values()) == articles["dx-split"]

    shown = akhbar(crawl_env.env, "jobs", "show", job_id, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["discovery"] == report
    text = akhbar(crawl_env.env, "jobs", "show", job_id)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    at = lines.index("  discovery of dx-next, by path:   fetched   found    sent")
    assert lines[at + 1].split() == ["entry", str(report["dx-next"]["fetched"]["entry"]), "0", "0"]
    assert lines[at + 2].split() == ["sitemap", str(report["dx-next"]["fetched"]["sitemap"]),
                                     str(report["dx-next"]["found"]["sitemap"]), str(articles["dx-next"])]
    assert "    later pages joined to their split story: " + str(report["dx-split"]["story_pages"]) in lines
    listed = akhbar({**crawl_env.env, "COLUMNS": "250"}, "jobs", "list")
    sent = sorted(((path, sum(r["sent"].get(path, 0) for r in report.values())) for path in PATHS),
                  key=lambda kv: -kv[1])
    assert " · ".join(f"{path} {n}" for path, n in sent if n) in listed.stdout, listed.stdout
    listed = akhbar(crawl_env.env, "jobs", "list", "--json")
    assert json.loads(listed.stdout)[0]["discovery"] == report


def test_outlets_health_warns_for_an_outlet_whose_pages_are_not_articles(crawl_env, search_url,  # noqa: F811
                                                                         tmp_path: Path) -> None:
    with FixtureWeb(held_back=0) as web:
        registry = web.write_outlets_yaml(tmp_path / "outlets.yaml")
        job_id = crawl_env.crawl(registry, list(web.outlets))
    env = {**crawl_env.env, "AKHBAR_SEARCH_URL": search_url, "AKHBAR_SEARCH_ENGINE": "opensearch",
           "AKHBAR_INDEX": f"no-articles-{uuid.uuid4().hex[:8]}"}  # no index: only the crawls speak
    health = akhbar(env, "outlets", "health", "--outlets", str(registry), "--json")
    rows = json.loads(health.stdout)
    assert set(rows) == set(web.outlets), health.stderr  # crawled: shown, though no article is indexed yet
    # fx-trap: a few articles among a PDF, an image, a 404, a 500, a redirect loop, an endless calendar, ...
    trap = rows["fx-trap"]["discovery"]
    assert trap["job_id"] == job_id and trap["counted_pages"] > 2 * trap["articles_sent"] > 0, trap
    reasons = {r["reason"]: r["pages"] for r in trap["top_reasons"]}
    assert len(reasons) == 3 and reasons.get("refused:not_html") == 2, trap  # the PDF and the PNG
    assert trap["warning"] in rows["fx-trap"]["warnings"] and trap["warning"].startswith(
        f"last crawl fetched {trap['counted_pages']} HTML pages but sent {trap['articles_sent']} articles; not sent: ")
    # an outlet of articles and the listings that lead to them: no warning
    normal = rows["fx-marsad"]["discovery"]
    assert normal["warning"] is None and normal["articles_sent"] == len(web.visible("fx-marsad")), normal
    assert normal["counted_pages"] <= 2 * normal["articles_sent"]
    warned = {name for name, row in rows.items() if row["discovery"]["warning"]}
    assert health.returncode == 1 and "fx-trap" in warned, (health.returncode, warned)

    text = akhbar(env, "outlets", "health", "--outlets", str(registry))
    print("\n".join(line for line in text.stdout.splitlines() if line.startswith("warning:")))  # pytest -s
    assert f"warning: fx-trap: {trap['warning']}" in text.stdout.splitlines(), text.stdout
    assert not [line for line in text.stdout.splitlines() if line.startswith("warning: fx-marsad")]
    alone = akhbar(env, "outlets", "health", "fx-marsad", "--outlets", str(registry))
    assert alone.returncode == 0, alone.stdout + alone.stderr
