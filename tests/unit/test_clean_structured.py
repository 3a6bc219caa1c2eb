"""workers.clean.structured: JSON-LD / OpenGraph / meta reading, and text helpers."""

from __future__ import annotations

from trafilatura.utils import load_html

from workers.clean.structured import read_page_meta
from workers.clean.textutil import arabic_ratio, element_paragraphs, phrase_key


def page(head: str) -> str:
    return f"<html lang='ar-LY'><head>{head}</head><body><p>x</p></body></html>"


def test_graph_and_person_authors():
    meta = read_page_meta(
        load_html(
            page(
                """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
                {"@type": "Organization", "name": "عين ليبيا"},
                {"@type": ["NewsArticle"], "headline": "عنوان", "datePublished": "2020-01-02",
                 "author": {"@type": "Person", "name": "سالم علي"}, "keywords": ["ليبيا", "اقتصاد"],
                 "articleSection": ["سياسة", "محلي"], "publisher": {"@type": "Organization", "name": "عين ليبيا"}}]}
                </script>"""
            )
        )
    )
    assert meta.title == [("عنوان", "json-ld")]
    assert meta.dates == [("2020-01-02", "json-ld")]
    assert meta.jsonld_authors == ["سالم علي"]
    assert meta.tags == ["ليبيا", "اقتصاد"]
    assert meta.section == ["سياسة", "محلي"]
    assert meta.site_name == ["عين ليبيا"]
    assert meta.lang == "ar"


def test_sloppy_json_ld_is_still_read():
    meta = read_page_meta(
        load_html(
            page(
                """<script type="application/ld+json">
                <!--{"@type": "Article", "headline": "عنوان
                بسطرين", "author": "كاتب واحد", "datePublished": "2021-05-06T07:08:09+02:00",}-->
                </script>"""
            )
        )
    )
    assert meta.title == [("عنوان بسطرين", "json-ld")]
    assert meta.jsonld_authors == ["كاتب واحد"]
    assert meta.dates == [("2021-05-06T07:08:09+02:00", "json-ld")]


def test_broken_json_ld_is_ignored_and_meta_used():
    meta = read_page_meta(
        load_html(
            page(
                """<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>
                <meta property="og:title" content="عنوان الميتا">
                <meta name="author" content="https://facebook.com/someone">
                <meta name="author" content="علي محمد">
                <meta itemprop="datePublished" content="2019-09-09">
                <meta name="keywords" content="ليبيا، طرابلس, سياسة">"""
            )
        )
    )
    assert meta.jsonld_article is None
    assert meta.title == [("عنوان الميتا", "meta")]
    assert meta.authors == ["علي محمد"]
    assert meta.dates == [("2019-09-09", "meta")]
    assert meta.tags == ["ليبيا", "طرابلس", "سياسة"]


def test_canonical_order():
    meta = read_page_meta(
        load_html(page('<meta property="og:url" content="https://a.ly/og"><link rel="canonical" href="/c">'))
    )
    assert meta.canonical == ["/c", "https://a.ly/og"]


def test_phrase_key_folds_spelling_variants():
    assert phrase_key("إقرأ أيضاً:") == phrase_key("اقرا ايضا") == "اقرا ايضا"
    assert phrase_key("المدرسة الأولى") == "المدرسه الاولي"
    assert phrase_key("١٢٣ ـــ abc") == "123 abc"


def test_arabic_ratio():
    assert arabic_ratio("ليبيا") == 1.0
    assert arabic_ratio("Libya") == 0.0
    assert arabic_ratio("123") == 0.0


def test_element_paragraphs_splits_blocks_and_br_runs():
    tree = load_html(
        "<html><body><div id='t'>أول<br>ثان<p>ثالث <b>غامق</b></p>رابع<script>x()</script></div></body></html>"
    )
    assert element_paragraphs(tree.get_element_by_id("t")) == ["أول", "ثان", "ثالث غامق", "رابع"]
