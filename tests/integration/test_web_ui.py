"""The Arabic search page in headless Chromium (Debian's `chromium`, driven by Playwright), against the
running `akhbar api` over articles indexed by a real crawl job (api_stack in tests/conftest.py):
search, filters, facets, clusters with every version, cursor paging, click-through to an article,
and highlight sanitising. Screenshots land in the test's tmp dir."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from index.adapter import SearchAdapter
from index.bulk import BulkAction, BulkIndexer
from index.manage import ensure_index
from tests.fixture_site import gold_by_key, load_gold

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser_context() -> Iterator:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="akhbar-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS, locale="ar-LY",
            viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    page.close()


def dom_ids(page) -> list[str]:
    return page.eval_on_selector_all("#results > li.result", "items => items.map(li => li.dataset.id)")


def wait_results(page, contains: str) -> None:
    page.wait_for_function("text => document.getElementById('status').textContent.includes(text)", arg=contains)


def api_ids(stack, **params) -> list[str]:
    return [h["id"] for h in httpx.get(f"{stack.url}/search", params={"size": 10, **params}, timeout=30).json()["hits"]]


def test_search_filter_facets_versions_and_article(api_stack, page, tmp_path) -> None:
    api_stack.crawled()
    gold = load_gold()
    page.goto(api_stack.url + "/")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    wait_results(page, "أحدث الأخبار")
    assert dom_ids(page) == api_ids(api_stack, sort="date")

    # A search: the analyzer finds "المركز المشترك" for "مركز مشترك"; the hit is highlighted.
    target = gold_by_key()["fx-wasat/maritime-search-rescue-coordination-tripoli"]
    page.fill("#q", "مركز مشترك")
    page.press("#q", "Enter")
    wait_results(page, "عدد النتائج")
    assert "q=" in page.url
    assert page.inner_text("#results > li.result >> nth=0 >> h3") == target["title"]
    assert page.locator("#results mark").count() >= 1
    page.screenshot(path=str(tmp_path / "search-desktop.png"), full_page=True)

    # A filter (language) and a facet (outlet): the page shows exactly what the API returns.
    page.fill("#q", "")
    page.press("#q", "Enter")
    wait_results(page, "أحدث الأخبار")
    page.select_option("#f-language", "en")
    page.wait_for_function("() => location.search.includes('language=en')")
    wait_results(page, "خبر في الأرشيف")
    page.wait_for_function("ids => JSON.stringify([...document.querySelectorAll('#results > li.result')]"
                           ".map(li => li.dataset.id)) === JSON.stringify(ids)",
                           arg=api_ids(api_stack, language="en", sort="date"))
    assert set(page.locator("#results .meta .outlet").all_inner_texts()) == {"المراقب الليبي التجريبي"}
    page.select_option("#f-language", "")
    page.wait_for_function("() => !location.search.includes('language=')")
    page.click("#facet-outlet button[data-outlet='fx-lana']")
    page.wait_for_function("() => location.search.includes('outlet=fx-lana')")
    page.wait_for_selector("#facet-outlet button.active[data-outlet='fx-lana']")
    assert dom_ids(page) == api_ids(api_stack, outlet="fx-lana", sort="date")
    assert page.input_value("#f-outlet") == "fx-lana"
    page.click("#clear")
    page.wait_for_function("() => !location.search.includes('outlet=')")

    # The two place facets, as the API gives them: the main place, and every place named; a click filters.
    facets = httpx.get(f"{api_stack.url}/search", params={"size": 1}, timeout=30).json()["facets"]
    main = facets["main_place"][0]["key"]
    button = f"#facet-main_place button[data-main-place='{main}']"
    page.wait_for_selector(button)
    assert page.locator("#facet-place button").count() == len(facets["place"]) > 0
    page.click(button)
    page.wait_for_function("() => location.search.includes('main_place=')")
    page.wait_for_selector(button.replace("button[", "button.active["))
    assert dom_ids(page) == api_ids(api_stack, main_place=main, sort="date")
    page.click("#clear")
    page.wait_for_function("() => !location.search.includes('main_place=')")

    # A story reposted by the aggregator: one hit, "نُشر أيضاً في", and the toggle shows every version.
    repost = next(r for r in gold if r["outlet"] == "fx-alaan" and r["edits"] == ["identical"])
    original = gold_by_key()[repost["repost_of"]]
    page.fill("#q", f'"{original["title"]}"')
    page.press("#q", "Enter")
    wait_results(page, "عدد النتائج")
    story = page.locator("#results > li.result", has=page.locator(".also")).first
    assert "نُشر أيضاً في" in story.inner_text()
    story.locator(".versions-toggle").click()
    story.locator(".versions li").first.wait_for()
    versions = story.locator(".versions li").all_inner_texts()
    assert len(versions) >= 2 and any("ليبيا الآن التجريبي" in v for v in versions)

    # Paging with the cursor: "المزيد" appends the next page.
    page.fill("#q", "")
    page.press("#q", "Enter")
    wait_results(page, "أحدث الأخبار")
    first_page = dom_ids(page)
    page.click("#more")
    page.wait_for_function("n => document.querySelectorAll('#results > li.result').length > n", arg=len(first_page))
    both = dom_ids(page)
    assert both[:len(first_page)] == first_page and len(set(both)) == len(both)

    # Click through to the article page: full text, versions, similar stories.
    title = page.inner_text("#results > li.result >> nth=0 >> h3")
    doc_id = first_page[0]
    page.click("#results > li.result >> nth=0 >> h3 a")
    page.wait_for_url(re.compile(rf"/article/{doc_id}$"))
    page.wait_for_selector("#article:not([hidden])")
    article = httpx.get(f"{api_stack.url}/articles/{doc_id}", timeout=30).json()
    assert page.inner_text("#a-title") == title == article["title"]
    paragraphs = page.locator("#a-body p").all_inner_texts()
    assert paragraphs == [p.strip() for p in article["body"].split("\n\n") if p.strip()]
    assert page.get_attribute("#a-link", "href") == article["url"]
    page.wait_for_selector("#similar:not([hidden]) li")
    page.screenshot(path=str(tmp_path / "article-desktop.png"), full_page=True)

    # Mobile width: one column, no horizontal scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(api_stack.url + "/?q=" + "المؤسسة الوطنية للنفط")
    wait_results(page, "عدد النتائج")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(tmp_path / "search-mobile.png"), full_page=False)
    assert page.errors == []
    print(f"\nscreenshots: {tmp_path}")


@contextmanager
def one_article(stack, url: str, title: str, body: str) -> Iterator[str]:
    """One hand-made article in the stack's index for the test's duration; yields its id."""
    adapter = SearchAdapter(stack.env["AKHBAR_SEARCH_URL"])
    doc_id = hashlib.sha1(url.encode()).hexdigest()[:24]
    ensure_index(adapter, stack.alias)  # the index exists once a crawl ran; this test may run first
    try:
        BulkIndexer(adapter, stack.alias).run([BulkAction("index", doc_id, {
            "url": url, "canonical_url": url, "outlet": "fx-wasat", "title": title, "lead": body, "body": body,
            "language": "ar", "published_at": "2024-03-01T10:00:00+02:00", "cluster_id": doc_id,
            "also_published_by": [], "authors": [], "tags": []})], refresh=True)
        yield doc_id
    finally:
        adapter.request("DELETE", f"/{stack.alias}/_doc/{doc_id}", params={"refresh": "true"})
        adapter.close()


def test_highlights_never_inject_markup(api_stack, page) -> None:
    """Text from the index is shown as text: only the engine's <mark> becomes an element."""
    title = '<img src=x onerror="window.__xss=1">زنجبيل عاجل'
    body = 'خبر عن <script>window.__xss=2</script> الزنجبيل والكمون <b onclick="x()">غامق</b> & نص.'
    with one_article(api_stack, "http://fixture.invalid/xss", title, body) as doc_id:
        page.goto(api_stack.url + "/?q=" + "زنجبيل")
        wait_results(page, "عدد النتائج")
        item = page.locator(f"#results > li.result[data-id='{doc_id}']")
        assert item.locator("h3").inner_text().startswith('<img src=x onerror="window.__xss=1">')
        assert item.locator("img, script, b").count() == 0
        assert item.locator("mark").count() >= 1
        snippet = item.locator(".snippet").inner_text()  # a fragment: it may start mid-body
        assert "</script>" in snippet and '<b onclick="x()">غامق</b> & نص' in snippet
        page.goto(f"{api_stack.url}/article/{doc_id}")
        page.wait_for_selector("#article:not([hidden])")
        assert page.locator("#article img, #article script, #article b").count() == 0
        assert page.evaluate("window.__xss === undefined")


def test_a_latin_name_shows_the_arabic_form_marked_and_why(api_stack, page) -> None:
    """A name typed in Latin letters finds the Arabic article: the Arabic form is marked and the reason
    is shown next to it (index/explain.py)."""
    body = "قال رئيس حكومة الوحدة الوطنية عبد الحميد الدبيبة إن الانتخابات ستجرى في موعدها."
    with one_article(api_stack, "http://fixture.invalid/dbeibah", "الدبيبة: الانتخابات في موعدها", body) as doc_id:
        page.goto(api_stack.url + "/?q=Dbaybah")  # a spelling that is not in the synonym file
        wait_results(page, "عدد النتائج")
        item = page.locator(f"#results > li.result[data-id='{doc_id}']")
        assert item.locator("h3 mark").first.inner_text() == "الدبيبة"
        why = item.locator(".matched .match").first
        assert why.locator("mark").inner_text() == "الدبيبة" and why.locator("bdi").inner_text() == "Dbaybah"
        assert why.get_attribute("data-reason") == "transliteration" and "بحروف أخرى" in why.inner_text()
        assert not page.errors  # type: ignore[attr-defined]


def test_save_the_search_as_an_alert(api_stack, page) -> None:
    """The search page's small form: the current query and outlet become a saved search (POST /alerts
    with the token typed in), and the page links its Atom feed."""
    page.goto(api_stack.url + "/?q=" + "حقل الشرارة" + "&outlet=fx-wasat")
    # Results or none (whether the shared stack has crawled yet): the search has answered.
    page.wait_for_function("() => { const s = document.getElementById('status');"
                           " return s.textContent && !s.classList.contains('loading'); }")
    page.click("#alert-box summary")
    page.fill("#alert-name", "شرارة-الصفحة")
    page.click("#alert-save")  # no token: the server asks for one, in Arabic
    page.wait_for_function("() => document.getElementById('alert-status').textContent.includes('رمز الكتابة')")
    assert "error" in page.get_attribute("#alert-status", "class")
    page.fill("#alert-token", api_stack.token)
    page.click("#alert-save")
    page.wait_for_selector("#alert-feed")
    feed = page.get_attribute("#alert-feed", "href")
    try:
        saved = httpx.get(api_stack.url + feed.removesuffix(".atom"), timeout=30).json()
        assert (saved["name"], saved["q"], saved["outlet"]) == ("شرارة-الصفحة", "حقل الشرارة", ["fx-wasat"])
        assert httpx.get(api_stack.url + feed, timeout=30).status_code == 200
        page.click("#alert-save")  # the same name again: refused, the form says why
        page.wait_for_function("() => document.getElementById('alert-status').textContent.includes('يوجد تنبيه')")
        # The browser logs the refused requests (401, 409) as failed loads; nothing else went wrong.
        assert [e for e in page.errors if "Failed to load resource" not in e] == []
    finally:
        httpx.delete(api_stack.url + feed.removesuffix(".atom"), headers=api_stack.headers(), timeout=30)


def test_the_tokenised_url_logs_the_page_in(api_stack, page) -> None:
    """The URL `akhbar api` prints: the page then saves with no token typed, its write carrying the CSRF
    header read from the cookie (the server refuses the cookie without it)."""
    page.goto(f"{api_stack.url}/?token={api_stack.token}")
    page.wait_for_url(api_stack.url + "/")  # redirected: the token left the address bar
    page.goto(api_stack.url + "/?q=" + "حقل الشرارة")
    page.wait_for_function("() => { const s = document.getElementById('status');"
                           " return s.textContent && !s.classList.contains('loading'); }")
    page.click("#alert-box summary")
    page.fill("#alert-name", "شرارة-بالرابط")
    page.click("#alert-save")
    page.wait_for_selector("#alert-feed")
    feed = page.get_attribute("#alert-feed", "href")
    httpx.delete(api_stack.url + feed.removesuffix(".atom"), headers=api_stack.headers(), timeout=30)
    assert page.errors == []
