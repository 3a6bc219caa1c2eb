"""The fixture web: gold data quantities, every outlet's shape, traps, release() and request logging."""

from __future__ import annotations

import html
import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import yaml

from tests.fixture_site import (
    DEFAULT_HELD_BACK,
    FixtureWeb,
    article_url,
    bad_pages,
    gold_by_key,
    independent_pairs,
    load_gold,
    syndicated_pairs,
)

ISO_TRIPOLI = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+02:00$")
REPO_ROOT = Path(__file__).resolve().parents[2]


class Page:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding)


def fetch(url: str, method: str = "GET", retry_429: bool = True) -> Page:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Page(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        if error.code == 429 and retry_429:
            time.sleep(float(error.headers.get("Retry-After", "1")))
            return fetch(url, method, retry_429=False)
        return Page(error.code, dict(error.headers), error.read())


@pytest.fixture(scope="module")
def web():
    with FixtureWeb() as fixture_web:
        yield fixture_web


# ---- gold data ---------------------------------------------------------------------------------

def test_gold_quantities():
    gold = load_gold()
    assert len(gold) >= 60
    assert len({record["outlet"] for record in gold}) >= 5  # one template per outlet
    assert len(syndicated_pairs()) >= 30
    originals = [record for record in gold if record["kind"] == "original"]
    # Same event, different story, same language, counting originals only (reposts add more).
    assert len(independent_pairs(originals, same_language=True)) >= 60
    english = [record for record in gold if record["language"] == "en"]
    assert len(english) >= 3 and {record["outlet"] for record in english} == {"fx-observer"}


def test_gold_exact_counts_are_stable():
    # Benchmarks and crawl tests assert these; change them together with the data.
    gold = load_gold()
    assert len(gold) == 105
    assert len(syndicated_pairs()) == 34
    assert len(independent_pairs()) == 129
    assert DEFAULT_HELD_BACK == 8


def test_gold_records_are_well_formed():
    gold = load_gold()
    keys = [record["key"] for record in gold]
    assert len(set(keys)) == len(keys)
    assert [record["release_order"] for record in gold] == list(range(len(gold)))
    for record in gold:
        assert record["body"] == "\n\n".join(record["paragraphs"])
        assert record["lead"] == record["paragraphs"][0]
        assert record["title"] and record["story_id"] and record["event_id"]
        assert record["path"].startswith("/")
        if record["published_at"] is not None:
            assert ISO_TRIPOLI.match(record["published_at"]), record["key"]
        if record["kind"] == "repost":
            source = gold_by_key()[record["repost_of"]]
            assert record["source_outlet"] == source["outlet"] != record["outlet"]
            assert record["story_id"] == source["story_id"]
        else:
            assert record["source_outlet"] is None
    undated = [record["key"] for record in gold if record["published_at"] is None]
    assert undated == ["fx-trap/gharyan-council-meeting-postponed"]


def test_syndicated_and_independent_pairs_are_consistent():
    by_key = gold_by_key()
    for a, b in syndicated_pairs():
        assert a < b and by_key[a]["story_id"] == by_key[b]["story_id"]
    for a, b in independent_pairs():
        assert by_key[a]["event_id"] == by_key[b]["event_id"]
        assert by_key[a]["story_id"] != by_key[b]["story_id"]
    edits = {edit for record in by_key.values() for edit in record["edits"]}
    assert edits == {"identical", "intro", "extra", "credit", "trim"}


def test_exactly_one_article_mentions_the_joint_centre():
    # Search tests look for "مركز مشترك" and must find only the article saying "المركز المشترك".
    gold = load_gold()
    both = [r["key"] for r in gold if "مركز" in r["body"] + r["title"] and "مشترك" in r["body"] + r["title"]]
    assert both == ["fx-wasat/maritime-search-rescue-coordination-tripoli"]
    assert "المركز المشترك" in gold_by_key()[both[0]]["body"]
    assert not any("مركز مشترك" in r["body"] for r in gold)


def test_article_url_and_bad_pages():
    record = gold_by_key()["fx-wasat/sharara-field-resumes-production"]
    assert article_url(record) == "/2018/02/sharara-field-resumes-production/"
    assert article_url(record, {"fx-wasat": "http://h:1/"}) == "http://h:1/2018/02/sharara-field-resumes-production/"
    kinds = {page["kind"] for page in bad_pages()}
    assert {"http-500", "redirect-loop", "huge", "binary-pdf", "binary-as-html", "http-404"} <= kinds


# ---- serving -----------------------------------------------------------------------------------

def test_each_outlet_is_its_own_host_and_serves_home(web):
    assert list(web.outlets) == ["fx-wasat", "fx-alaan", "fx-marsad", "fx-lana", "fx-trap", "fx-observer"]
    assert web.distinct_hosts is True
    assert len({urlsplit(base).hostname for base in web.outlets.values()}) == 6
    for base in web.outlets.values():
        assert fetch(base).status == 200


def test_every_visible_article_matches_its_gold_record(web):
    for record in web.visible():
        page = fetch(web.url(record))
        assert page.status == 200, record["key"]
        text = html.unescape(page.text("cp1256" if record["outlet"] == "fx-lana" else "utf-8"))
        assert record["title"] in text
        for paragraph in record["paragraphs"]:
            assert paragraph in text, (record["key"], paragraph[:40])


def test_held_back_articles_are_invisible(web):
    held = web.held()
    assert len(held) == DEFAULT_HELD_BACK
    assert len(web.visible()) == len(load_gold()) - DEFAULT_HELD_BACK
    for record in held:
        assert fetch(web.url(record)).status == 404


def test_feeds_and_sitemaps_parse_as_xml(web):
    registry = web.registry()
    for entry in registry:
        for url in entry.get("feeds", []) + entry.get("sitemaps", []):
            page = fetch(url)
            assert page.status == 200, url
            ET.fromstring(page.body)  # cp1256 feed included: the XML declaration names the encoding
    wasat = web.outlets["fx-wasat"]
    robots = fetch(wasat + "robots.txt").text()
    index_url = re.search(r"^Sitemap: (\S+)$", robots, re.M).group(1)
    index = ET.fromstring(fetch(index_url).body)
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    children = [loc.text for loc in index.findall("sm:sitemap/sm:loc", ns)]
    assert any(c.endswith("news-sitemap.xml") for c in children)
    post_urls = set()
    for child in children:
        tree = ET.fromstring(fetch(child).body)
        if "post-sitemap" in child:
            post_urls |= {loc.text for loc in tree.findall("sm:url/sm:loc", ns)}
        if "news-sitemap" in child:
            assert tree.findall("sm:url/{http://www.google.com/schemas/sitemap-news/0.9}news", ns)
    assert post_urls == {web.url(r) for r in web.visible("fx-wasat")}


def test_lana_is_windows_1256(web):
    records = web.visible("fx-lana")
    no_charset = 0
    for record in records:
        page = fetch(web.url(record))
        with pytest.raises(UnicodeDecodeError):
            page.body.decode("utf-8")
        assert record["title"] in page.body.decode("cp1256")
        assert b"charset=windows-1256" in page.body
        no_charset += page.headers["Content-Type"] == "text/html"
    assert no_charset >= 3
    quirks = {quirk for record in records for quirk in record["quirks"]}
    assert {"levantine-date", "indic-date", "hijri-date", "libyan-date"} <= quirks
    old = next(r for r in records if "libyan-date" in r["quirks"])
    assert "(أوج)" in old["lead"] and "و.ر." in old["lead"]
    indic = next(r for r in records if "indic-date" in r["quirks"])
    # cp1256 has no Arabic-Indic digits: the CMS sends them as character references.
    assert re.search(rb"&#16(3[2-9]|4[01]);", fetch(web.url(indic)).body)
    feed = fetch(web.outlets["fx-lana"] + "rss.php")
    assert feed.headers["Content-Type"] == "application/rss+xml"
    assert feed.body.startswith(b'<?xml version="1.0" encoding="windows-1256"?>')


def test_wasat_is_wordpress_shaped(web):
    record = web.visible("fx-wasat")[4]
    page = fetch(web.url(record)).text()
    for marker in ('<article id="post-', "entry-title", "entry-content", "wp-content", "<figcaption>",
                   "اقرأ أيضاً", "شارك الخبر", "تابعونا على فيسبوك", "cookie-notice", 'id="comments"',
                   'property="article:published_time"'):
        assert marker in page, marker
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1))
    assert ld["@type"] == "NewsArticle" and ld["datePublished"] == record["published_at"]
    base = web.outlets["fx-wasat"]
    assert fetch(base + "category/libya/page/2/").status == 200
    assert fetch(base + "category/libya/page/99/").status == 404
    assert fetch(base + "author/salem-alobeidi/").status == 200
    assert fetch(base + "tag/%D8%A7%D9%84%D9%86%D9%81%D8%B7/").status == 200  # النفط
    assert fetch(base + "2019/05/deleted-post/").status == 404
    shortlink = fetch(f"{base}?p={record['site_id']}")  # urllib follows the 301
    assert record["title"] in shortlink.text()


def test_tracking_params_and_canonical(web):
    record = web.visible("fx-wasat")[0]
    page = fetch(web.url(record) + "?utm_source=fb&utm_medium=social").text()
    assert f'<link rel="canonical" href="{web.url(record)}">' in page
    home = fetch(web.outlets["fx-wasat"]).text()
    assert "?utm_source=fb&amp;utm_medium=social" in home
    observer_feed = fetch(web.outlets["fx-observer"] + "rss.xml").text()
    assert "?utm_source=rss&amp;utm_medium=feed" in observer_feed


def test_alaan_reposts_carry_source_lines(web):
    for record in web.visible("fx-alaan")[:5]:
        page = fetch(web.url(record)).text()
        source_name = {"fx-wasat": "بوابة الوسط التجريبية", "fx-marsad": "المرصد التجريبي",
                       "fx-lana": "وكالة الأنباء الليبية التجريبية"}[record["source_outlet"]]
        assert "مصدر الخبر / " in page and source_name in page
        assert "يمكنك ايضا قراءة الخبر في المصدر من" in page
        assert "عن مصدر الخبر" in page
        assert "utm_source=libyaalaan" in page


def test_marsad_has_only_listings(web):
    base = web.outlets["fx-marsad"]
    for path in ("robots.txt", "feed/", "rss", "sitemap.xml"):
        assert fetch(base + path).status == 404
    visible = web.visible("fx-marsad")
    last = -(-len(visible) // 6)
    assert 'rel="next"' in fetch(f"{base}news?page={last - 1}").text()
    assert 'rel="next"' not in fetch(f"{base}news?page={last}").text()
    page = fetch(web.url(visible[0])).text()
    assert "كتب: " in page and "application/ld+json" not in page and "published_time" not in page
    indic = next(r for r in web.visible("fx-marsad") if r["style"].get("indic"))
    assert re.search("[٠-٩]{4} - [٠-٩]{2}:[٠-٩]{2}", fetch(web.url(indic)).text())


def test_observer_is_english(web):
    record = web.visible("fx-observer")[0]
    page = fetch(web.url(record)).text()
    assert '<html lang="en"' in page and f"By {record['authors'][0]}" in page
    assert fetch(web.outlets["fx-observer"] + "news?page=0").status == 200


# ---- traps and bad input -----------------------------------------------------------------------

def test_trap_bad_input(web):
    base = web.outlets["fx-trap"]
    assert "Disallow: /private/" in fetch(base + "robots.txt").text()
    home = fetch(base).text()
    for path in ("/private/", "/broken", "/loop/a", "/files/archive-dump.html", "/files/report.pdf",
                 "/gallery/photo-1.html", "/articles/removed-story.html", "/calendar/2024/01/", "/archive?page=1"):
        assert f'href="{path}' in home, path
    assert fetch(base + "broken").status == 500
    assert fetch(base + "loop/a").status == 302  # urllib gives up on the loop
    assert fetch(base + "articles/removed-story.html").status == 404
    pdf = fetch(base + "files/report.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.body.startswith(b"%PDF")
    png = fetch(base + "gallery/photo-1.html")
    assert png.headers["Content-Type"] == "text/html" and png.body.startswith(b"\x89PNG")
    huge = fetch(base + "files/archive-dump.html")
    assert "Content-Length" not in huge.headers and len(huge.body) > 12 * 1024 * 1024


def test_trap_endless_structures(web):
    base = web.outlets["fx-trap"]
    january = fetch(base + "calendar/2024/01/").text()
    assert 'href="/calendar/2023/12/"' in january and 'href="/calendar/2024/02/"' in january
    assert fetch(base + "calendar/9001/07/").status == 200
    far = fetch(base + "archive?page=500").text()
    assert 'href="/archive?page=501"' in far
    first = fetch(base + "archive?page=1").text()
    assert re.findall(r'href="/articles/[^";?]+', far) == re.findall(r'href="/articles/[^";?]+', first)
    sessions = re.findall(r'href="(/articles/[^"]+(?:PHPSESSID|jsessionid)=[^"]+)"', fetch(base).text())
    assert sessions
    inner = fetch(base + sessions[0].lstrip("/")).text()
    again = re.findall(r'(?:PHPSESSID|jsessionid)=([0-9A-Fa-f]+)', inner)
    assert again and not set(again) & {s.rsplit("=", 1)[1] for s in sessions}  # ids change per page


def test_trap_malformed_and_bad_date_articles(web):
    by_key = {record["key"]: record for record in web.visible("fx-trap")}
    malformed = fetch(web.url(by_key["fx-trap/exam-results-pass-rate-rises"])).text()
    assert "</html>" not in malformed and "</p>" not in malformed
    bad = fetch(web.url(by_key["fx-trap/gharyan-council-meeting-postponed"])).text()
    assert "2019-02-31" in bad


def test_429_once_then_200():
    with FixtureWeb(host_base="127.0.0.41") as fresh:
        record = gold_by_key()["fx-trap/ghadames-festival-visitors"]
        url = fresh.url(record)
        first = fetch(url, retry_429=False)
        assert first.status == 429 and first.headers["Retry-After"] == "1"
        assert fetch(url, retry_429=False).status == 200


# ---- crawlability, release, logging ------------------------------------------------------------

class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


_SKIP = re.compile(r"^/(private|calendar|archive|files|loop|broken|gallery|wp-content|tag|author)")


def _clean(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_") and k != "PHPSESSID"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path.split(";")[0], urlencode(query), ""))


def _links(url: str, page: Page) -> list[str]:
    text = page.body.decode("cp1256" if "windows-1256" in page.text("latin-1") else "utf-8", "replace")
    if text.lstrip().startswith("<?xml"):
        found = re.findall(r"<(?:loc|link)>([^<]+)</(?:loc|link)>", text)
    else:
        parser = _Links()
        parser.feed(text)
        found = parser.links
    return [urljoin(url, html.unescape(link)) for link in found]


def _crawl(web: FixtureWeb) -> set[str]:
    """A minimal polite crawler: registry entry points, same host, no traps."""
    seen: set[str] = set()
    queue = deque(url for entry in web.registry()
                  for url in [entry["base_url"], *entry.get("feeds", []), *entry.get("sitemaps", []),
                              *entry["listings"]])
    while queue and len(seen) < 3000:
        url = _clean(queue.popleft())
        if url in seen or _SKIP.match(urlsplit(url).path):
            continue
        seen.add(url)
        page = fetch(url)
        if page.status != 200 or not page.headers.get("Content-Type", "").startswith(("text/html", "application")):
            continue
        if page.headers["Content-Type"].startswith("application/pdf"):
            continue
        host = urlsplit(url).netloc
        queue.extend(link for link in _links(url, page) if urlsplit(link).netloc == host)
    return seen


def test_every_visible_article_is_reachable_from_the_registry(web):
    seen = _crawl(web)
    expected = {web.url(record) for record in web.visible()}
    assert expected - seen == set()
    assert not any("/private/" in target for target in web.requests("fx-trap"))


def test_release_publishes_held_articles():
    with FixtureWeb(host_base="127.0.0.51") as fresh:
        before = {r["key"] for r in fresh.visible()}
        feed = fetch(fresh.outlets["fx-wasat"] + "feed/").text()
        held = fresh.held()
        wasat_held = [r for r in held if r["outlet"] == "fx-wasat"]
        assert wasat_held and all(fresh.url(r) not in feed for r in wasat_held)
        released = fresh.release(3)
        assert [r["key"] for r in released] == [r["key"] for r in held[:3]]
        assert {r["key"] for r in fresh.visible()} == before | {r["key"] for r in released}
        assert all(fetch(fresh.url(r)).status == 200 for r in released)
        fresh.release(100)
        assert fresh.held() == []
        feed = fetch(fresh.outlets["fx-wasat"] + "feed/").text()
        assert all(fresh.url(r) in feed for r in wasat_held)
        assert len(fresh.visible()) == len(load_gold())


def test_requests_are_logged_per_outlet():
    with FixtureWeb(host_base="127.0.0.61") as fresh:
        base = fresh.outlets["fx-marsad"]
        urls = [f"{base}news?page={n}" for n in range(1, 4)] * 10
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(fetch, urls))
        assert sorted(fresh.requests("fx-marsad")) == sorted(u[len(base) - 1:] for u in urls)
        assert fresh.requests("fx-wasat") == []
        fetch(base + "robots.txt", method="HEAD")
        assert fresh.request_log("fx-marsad")[-1] == ("HEAD", "/robots.txt", 404)
        fresh.clear_requests()
        assert fresh.requests("fx-marsad") == []


def test_registry_yaml(web, tmp_path):
    path = web.write_outlets_yaml(tmp_path / "outlets.yaml")
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["outlets"]
    by_name = {entry["name"]: entry for entry in entries}
    assert set(by_name) == set(web.outlets)
    wasat = by_name["fx-wasat"]
    assert wasat["name_ar"] == "بوابة الوسط التجريبية" and wasat["timezone"] == "Africa/Tripoli"
    assert wasat["founded"] == "2012-01-01" and wasat["base_url"] == web.outlets["fx-wasat"]
    assert wasat["feeds"] and wasat["sitemaps"] and wasat["listings"]
    assert "feeds" not in by_name["fx-marsad"] and "sitemaps" not in by_name["fx-marsad"]
    assert by_name["fx-observer"]["language"] == "en"


def test_cli_serves_until_terminated(tmp_path):
    target = tmp_path / "outlets.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fixture_site", "--write-outlets", str(target), "--host-base", "127.0.0.71"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("registry written"):
                break
        base = yaml.safe_load(target.read_text(encoding="utf-8"))["outlets"][0]["base_url"]
        assert base.startswith("http://127.0.0.71:") and any(base in line for line in lines)
        assert fetch(base).status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
