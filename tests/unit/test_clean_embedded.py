"""Articles rendered from an embedded JSON blob (issue 11, class 1): hand-written pages for each
kind of blob, whose HTML body is a "loading" skeleton; listings that must stay non-articles; and
property tests that the finder never crashes on arbitrary JSON."""

from __future__ import annotations

import contextlib
import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.classify import is_article
from workers.clean.embedded import (
    NotALiteral,
    find_embedded_article,
    hydrate_devalue,
    js_literal,
    parse_state,
)
from workers.clean.errors import EmptyContentError
from workers.clean.extract import extract_article

FETCHED = datetime(2026, 11, 28, tzinfo=UTC)
URL = "https://spa.test/p/maritime-rescue"  # a URL that tells nothing about the page
TITLE = "تدشين غرفة موحدة لتنسيق البحث والإنقاذ البحري في طرابلس"
PARAGRAPHS = [
    "دشنت وزارة الداخلية ورئاسة أركان القوات البحرية، الأربعاء، المركز المشترك لتنسيق عمليات البحث والإنقاذ "
    "في البحر، بمقر قاعدة أبوستة البحرية في طرابلس، بهدف تسريع الاستجابة لنداءات الاستغاثة.",
    "وقال آمر حرس السواحل، العميد مسعود الزنتاني، إن المركز المشترك سيعمل على مدار الساعة بطاقم من 60 ضابطاً "
    "وفنياً، ويرتبط بشبكة رادارات ساحلية تغطي المسافة من زوارة غرباً حتى مصراتة شرقاً.",
    "وأضاف الزنتاني أن فرق الإنقاذ انتشلت منذ مطلع العام أكثر من 2100 مهاجر من قوارب متهالكة.",
]
AUTHOR = "عبدالرحمن الفيتوري"
DATE = "2024-03-20T13:10:00+02:00"
HTML_BODY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
SKELETON = '<div id="app"><div class="skeleton"><span class="loader">جاري التحميل...</span></div></div>'


def _page(head: str = "", scripts: str = "", body: str = SKELETON, title: str = "بوابة الاختبار") -> bytes:
    return (
        f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body>{body}{scripts}</body></html>"
    ).encode()


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def next_data() -> bytes:
    data = {
        "props": {"pageProps": {
            "article": {"id": 81, "title": TITLE, "slug": "maritime-rescue", "publishedAt": DATE,
                        "author": {"name": AUTHOR, "slug": "a-f"}, "excerpt": PARAGRAPHS[0][:80],
                        "content": HTML_BODY + '<figure><img src="x.jpg"><figcaption>صورة: أرشيفية</figcaption></figure>'},
            "related": [{"title": f"خبر ذو صلة رقم {i}", "excerpt": "نص قصير عن خبر آخر"} for i in range(6)],
        }},
        "page": "/news/[slug]", "query": {"slug": "maritime-rescue"}, "buildId": "b1",
    }  # fmt: skip
    script = f'<script id="__NEXT_DATA__" type="application/json">{_js(data)}</script>'
    return _page(scripts=script, body='<div id="__next">' + SKELETON + "</div>")


def nuxt_object() -> bytes:
    paragraphs = ",".join(_js(p) for p in PARAGRAPHS)
    script = (
        "<script>window.__NUXT__={layout:'default',data:[{article:{title:" + _js(TITLE) + ",body:[" + paragraphs
        + "],published_at:'" + DATE + "',writer:{full_name:" + _js(AUTHOR) + "},views:12,}}],"
        "state:{menu:[{title:'الرئيسية',url:'/'}]},serverRendered:!0}</script>"
    )
    return _page(scripts=script, body='<div id="__nuxt">' + SKELETON + "</div>")


def nuxt_iife() -> bytes:
    script = (
        "<script>window.__NUXT__=(function(a,b,c,d,e,f,g){b.related=a;return {layout:\"default\",data:[{post:"
        "{headline:c,blocks:[{type:\"paragraph\",data:{text:d}},{type:\"image\",data:{url:\"/i.jpg\",caption:"
        "\"صورة من الموقع\"}},{type:\"paragraph\",data:{text:e}},{type:\"paragraph\",data:{text:f}}],date:b,"
        "authors:[{name:g,id:a}]}}],fetch:{},error:a,serverRendered:true}}(null,"
        + ",".join(_js(v) for v in (DATE, TITLE, *PARAGRAPHS, AUTHOR))
        + "));</script>"
    )
    return _page(scripts=script, body='<div id="__nuxt">' + SKELETON + "</div>")


def nuxt3_devalue() -> bytes:
    values = [
        ["ShallowReactive", 1], {"data": 2, "state": 9}, ["ShallowReactive", 3], {"news-81": 4},
        {"title": 5, "body": 6, "published": 7, "author": 8}, TITLE, HTML_BODY, ["Date", DATE],
        {"displayName": 10}, {"lang": 11}, AUTHOR, "ar",
    ]  # fmt: skip
    script = f'<script type="application/json" id="__NUXT_DATA__" data-ssr="true">{_js(values)}</script>'
    return _page(scripts=script, body='<div id="__nuxt">' + SKELETON + "</div>")


def redux_state() -> bytes:
    epoch = int(datetime.fromisoformat(DATE).timestamp())
    state = {
        "ui": {"loading": True, "theme": "light"},
        "articles": {"byId": {"81": {"id": 81, "title": TITLE, "body": "\n\n".join(PARAGRAPHS),
                                     "created_at": epoch, "byline": AUTHOR}}, "allIds": [81]},
    }  # fmt: skip
    return _page(scripts=f"<script>\n  window.__INITIAL_STATE__ = {_js(state)};\n</script>")


def preloaded_json_parse() -> bytes:
    state = {"story": {"heading": TITLE, "paragraphs": PARAGRAPHS, "firstPublishedAt": DATE * 1,
                       "authors": [{"firstName": "عبدالرحمن", "lastName": "الفيتوري"}]}}
    literal = json.dumps(json.dumps(state, ensure_ascii=False), ensure_ascii=False)
    return _page(scripts=f"<script>window.__PRELOADED_STATE__ = JSON.parse({literal});</script>")


def apollo_state() -> bytes:
    state = {
        "ROOT_QUERY": {"__typename": "Query", 'article({"id":81})': {"__ref": "Article:81"}},
        "Article:81": {"__typename": "Article", "id": 81, "title": TITLE, "publishedAt": DATE,
                       "author": {"__ref": "Author:7"}, "body": {"__typename": "RichText", "html": HTML_BODY}},
        "Author:7": {"__typename": "Author", "id": 7, "name": AUTHOR},
    }  # fmt: skip
    return _page(scripts=f"<script>window.__APOLLO_STATE__={_js(state)}</script>")


def jsonld_body() -> bytes:
    node = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": TITLE, "datePublished": DATE,
            "author": {"@type": "Person", "name": AUTHOR}, "articleBody": "\n".join(PARAGRAPHS)}
    return _page(head=f'<script type="application/ld+json">{_js(node)}</script>')


def wordpress_rest() -> bytes:
    post = {"id": 81, "date": DATE, "title": {"rendered": TITLE}, "content": {"rendered": HTML_BODY, "protected": False},
            "_embedded": {"author": [{"name": AUTHOR}]}, "author": 3}
    return _page(scripts=f'<script type="application/json" id="wp-post">{_js(post)}</script>')


def prosemirror_blocks() -> bytes:
    doc = {"type": "doc", "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": p[:40]}, {"type": "text", "marks": [{"type": "bold"}],
                                                                            "text": p[40:]}]}
        for p in PARAGRAPHS
    ]}  # fmt: skip
    state = {"page": {"newsItem": {"newsTitle": TITLE, "richText": doc, "pubDate": DATE, "reporter": AUTHOR}}}
    return _page(scripts=f"<script>var __APP_STATE__ = {_js(state)};</script>")


PAGES = {
    "next-data": next_data, "nuxt-object": nuxt_object, "nuxt-iife": nuxt_iife, "nuxt3-devalue": nuxt3_devalue,
    "initial-state": redux_state, "preloaded-json-parse": preloaded_json_parse, "apollo": apollo_state,
    "json-ld-articleBody": jsonld_body, "wordpress-rest": wordpress_rest, "prosemirror": prosemirror_blocks,
}  # fmt: skip


def _body_words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_article_read_from_the_blob(kind: str):
    article = extract_article(PAGES[kind](), URL, fetched_at=FETCHED)
    assert article["title"] == TITLE
    # ProseMirror marks split a paragraph into text runs: compare words, not spacing
    assert [_body_words(p) for p in article["body"].split("\n\n")] == [_body_words(p) for p in PARAGRAPHS]
    assert datetime.fromisoformat(article["published_at"]) == datetime.fromisoformat(DATE)
    assert article["authors"] == [AUTHOR]
    assert "التحميل" not in article["body"]


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_blob_pages_are_articles_for_the_crawler(kind: str):
    html = PAGES[kind]().decode()
    assert is_article(Selector(text=html), URL)
    if kind != "json-ld-articleBody":  # a NewsArticle type is an article whatever the URL (as before)
        assert not is_article(Selector(text=html), "https://spa.test/category/news")  # the URL rules out


def test_skeleton_without_a_blob_is_still_not_an_article():
    html = _page().decode()
    assert not is_article(Selector(text=html), URL)
    with pytest.raises(EmptyContentError):
        extract_article(html.encode(), URL, fetched_at=FETCHED)


def _home(items: list[dict]) -> bytes:
    data = {"props": {"pageProps": {"latest": items, "menu": [{"title": "سياسة"}, {"title": "اقتصاد"}]}}}
    return _page(scripts=f'<script id="__NEXT_DATA__" type="application/json">{_js(data)}</script>')


def test_listing_with_short_items_is_not_an_article():
    items = [{"title": f"عنوان الخبر رقم {i} في الصفحة الرئيسية", "excerpt": PARAGRAPHS[i % 3][:90],
              "publishedAt": DATE, "author": {"name": AUTHOR}} for i in range(12)]
    html = _home(items).decode()
    assert find_embedded_article(Selector(text=html).root) is None
    assert not is_article(Selector(text=html), URL)


def test_listing_with_full_items_is_not_an_article():
    items = [{"title": f"عنوان الخبر رقم {i}", "content": HTML_BODY, "id": i, "date": DATE} for i in range(8)]
    for i, item in enumerate(items):
        item["content"] = f"<p>الخبر {i}: {PARAGRAPHS[i % 3]}</p>" + HTML_BODY
    html = _home(items).decode()
    assert find_embedded_article(Selector(text=html).root) is None
    assert not is_article(Selector(text=html), URL)


def test_the_page_title_picks_the_article_among_several():
    items = [{"title": f"عنوان الخبر رقم {i}", "content": f"<p>الخبر {i}</p>" + HTML_BODY} for i in range(6)]
    items[2]["title"] = TITLE
    html = _home(items).decode().replace("<title>بوابة الاختبار</title>", f"<title>{TITLE} - بوابة الاختبار</title>")
    found = find_embedded_article(Selector(text=html).root, page_titles=[f"{TITLE} - بوابة الاختبار"])
    assert found is not None and found.title == TITLE


def test_server_rendered_html_wins_over_its_own_blob():
    """A Next.js page rendered on the server: the HTML holds the article, the blob repeats it."""
    html = next_data().replace(SKELETON.encode(), f"<article><h1>{TITLE}</h1>{HTML_BODY}</article>".encode())
    article = extract_article(html, URL, fetched_at=FETCHED)
    assert article["body"].split("\n\n") == PARAGRAPHS


def test_iife_support_is_what_the_module_says():
    assert parse_state("(function(a,b){return {x:a,y:[b,a]}}(1,'z'))") == {"x": 1, "y": ["z", 1]}
    assert parse_state("(function(a){a.q=2;return {x:a}})(null)") == {"x": None}  # statements ignored
    with pytest.raises(NotALiteral):
        parse_state("(function(a){return {x:new Date(a)}}(1))")  # code inside the literal: not read


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{a:1,'b':\"x\",c:[1,2,],}", {"a": 1, "b": "x", "c": [1, 2]}),
        ("{a:undefined,b:void 0,c:!0,d:!1,e:0x10,f:.5,g:-2e3}", {"a": None, "b": None, "c": True, "d": False,
                                                                 "e": 16, "f": 0.5, "g": -2000.0}),
        ("/* c */ {s:'\\u0644\\x41\\n', t:`x`} // end", {"s": "لA\n", "t": "x"}),
        ("['\\uD83D\\uDE00', [,1]]", ["😀", [None, 1]]),
    ],
)
def test_js_literal(text: str, value: object):
    assert js_literal(text) == value


def test_devalue_cycles_and_types():
    values = [{"self": 0, "when": 1, "tags": 2}, ["Date", DATE], ["Set", 3, 3], "x"]
    root = hydrate_devalue(values)
    assert root["self"] is root and root["when"] == DATE and root["tags"] == ["x", "x"]


# --- properties -----------------------------------------------------------------------------------
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40) | st.sampled_from(PARAGRAPHS + [HTML_BODY, TITLE, DATE, "<p>", "null"]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(
        st.sampled_from(["title", "headline", "body", "content", "text", "html", "blocks", "author", "name",
                         "date", "publishedAt", "data", "children", "__ref", "type", "rendered"]) | st.text(max_size=8),
        children, max_size=5),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(JSON_VALUES)
def test_finder_never_crashes_on_arbitrary_json(value: object):
    blob = json.dumps(value, ensure_ascii=False).replace("</", "<\\/")
    pages = [
        _page(scripts=f'<script id="__NEXT_DATA__" type="application/json">{blob}</script>'),
        _page(scripts=f"<script>window.__INITIAL_STATE__ = {blob};</script>"),
        _page(scripts=f'<script type="application/json" id="__NUXT_DATA__">{blob}</script>'),
        _page(head=f'<script type="application/ld+json">{blob}</script>'),
    ]
    for page in pages:
        sel = Selector(text=page.decode())
        found = find_embedded_article(sel.root)
        assert found is None or (found.paragraphs and all(isinstance(p, str) for p in found.paragraphs))
        is_article(sel, URL)
    with contextlib.suppress(EmptyContentError):  # the whole extractor, on one of them (it is slower)
        extract_article(pages[0], URL, fetched_at=FETCHED)


@settings(max_examples=100, deadline=None)
@given(JSON_VALUES)
def test_js_literal_reads_json(value: object):
    text = json.dumps(value)
    parsed = js_literal(text)
    assert parsed == json.loads(text) or _has_float_noise(value)


def _has_float_noise(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value) or value != float(repr(value))
    if isinstance(value, list):
        return any(_has_float_noise(v) for v in value)
    if isinstance(value, dict):
        return any(_has_float_noise(v) for v in value.values())
    return False


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_js_literal_fails_cleanly_on_any_text(text: str):
    with contextlib.suppress(NotALiteral):
        js_literal(text)
    with contextlib.suppress(NotALiteral):
        parse_state(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(JSON_VALUES | st.integers(-2, 12) | st.lists(st.integers(-2, 12), max_size=4)
                | st.dictionaries(st.text(max_size=5), st.integers(-2, 12), max_size=4), min_size=1, max_size=12))
def test_devalue_never_crashes(values: list):
    with contextlib.suppress(NotALiteral):
        hydrate_devalue(values)
