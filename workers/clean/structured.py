"""Structured metadata of a page: JSON-LD (incl. ``@graph``), OpenGraph and ``<meta>`` tags.

Read once from the parsed tree into a PageMeta; every field keeps its source order
(JSON-LD first, then OpenGraph / article:*, then plain meta names), which is the precedence
the extractor applies. trafilatura's own metadata pass is not used: it would walk the tree a
second time and run htmldate, and it drops the source of each value, which the contract needs
(``date_source``).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from .textutil import clean_ws

logger = logging.getLogger("akhbar.clean.structured")

ARTICLE_TYPES = frozenset(
    {
        "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
        "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "socialmediaposting", "report",
        "scholarlyarticle", "techarticle", "liveblogposting", "posting",
    }
)  # fmt: skip
_PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "mediaobject", "videoobject"})

_META_DATE_NAMES = (
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "published_time",
    "date", "dc.date", "dc.date.issued", "dc.date.created", "dcterms.created", "dcterms.issued",
    "dcterms.date", "sailthru.date", "parsely-pub-date", "article.published", "original-publication-date",
    "cxenseparse:recs:publishtime", "releasedate", "created", "date_published", "bt:pubdate",
)  # fmt: skip
_META_AUTHOR_NAMES = (
    "author", "article:author", "og:article:author", "dc.creator", "dcterms.creator", "parsely-author",
    "sailthru.author", "byl", "twitter:creator",
)  # fmt: skip
_META_SECTION_NAMES = (
    "article:section",
    "og:article:section",
    "section",
    "parsely-section",
    "cxenseparse:recs:category",
)
_META_TAG_NAMES = (
    "article:tag",
    "og:article:tag",
    "news_keywords",
    "keywords",
    "parsely-tags",
    "sailthru.tags",
)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_LIST_SPLIT = re.compile(r"\s*[,،;؛|]\s*")


@dataclass
class PageMeta:
    title: list[tuple[str, str]] = field(default_factory=list)  # (value, source)
    description: list[str] = field(default_factory=list)
    jsonld_authors: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # from <meta> tags
    dates: list[tuple[str, str]] = field(default_factory=list)  # (raw value, "json-ld" | "meta")
    section: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    canonical: list[str] = field(default_factory=list)
    site_name: list[str] = field(default_factory=list)
    lang: str | None = None
    jsonld_article: dict[str, Any] | None = None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text_of(value: Any) -> str | None:
    """A JSON-LD value as text: plain strings, {"@value": ...}, {"name": ...}."""
    if isinstance(value, str):
        return clean_ws(value) or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        for key in ("@value", "name", "headline"):
            if isinstance(value.get(key), str):
                return clean_ws(value[key]) or None
    return None


def _load_json(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip().removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    text = text.removeprefix("<![CDATA[").removesuffix("]]>").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    # Commonest hand-written JSON-LD mistake: trailing commas.
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except ValueError:
        logger.debug("unparseable JSON-LD block (%d chars)", len(text))
        return None


def _types(node: dict[str, Any]) -> set[str]:
    return {t.lower().rsplit("/", 1)[-1] for t in _as_list(node.get("@type")) if isinstance(t, str)}


def _flatten(data: Any) -> list[dict[str, Any]]:
    """All typed nodes of a JSON-LD document: lists, @graph and mainEntity are walked."""
    out: list[dict[str, Any]] = []
    stack = list(_as_list(data))
    seen = 0
    while stack and seen < 500:
        seen += 1
        node = stack.pop(0)
        if isinstance(node, list):
            stack[0:0] = node
            continue
        if not isinstance(node, dict):
            continue
        if "@type" in node:
            out.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            child = node.get(key)
            if isinstance(child, dict | list):
                stack.extend(_as_list(child))
    return out


def jsonld_nodes(tree: HtmlElement) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script[@type]"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        data = _load_json(script.text)
        if data is not None:
            nodes.extend(_flatten(data))
    return nodes


def pick_article(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The article node of a JSON-LD document (NewsArticle/Article..., else a WebPage with a headline)."""
    for node in nodes:
        if _types(node) & ARTICLE_TYPES:
            return node
    for node in nodes:
        if _types(node) & _PAGE_TYPES and (node.get("headline") or node.get("datePublished")):
            return node
    return None


def _person_names(value: Any) -> list[str]:
    names: list[str] = []
    for item in _as_list(value):
        if isinstance(item, dict):
            if _types(item) & {"organization", "newsmediaorganization", "corporation"}:
                continue
            name = _text_of(item.get("name"))
        else:
            name = _text_of(item)
        if name:
            names.append(name)
    return names


def _meta_map(tree: HtmlElement) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in tree.iterfind(".//meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if not key or content is None:
            continue
        content = clean_ws(content)
        if content:
            found.setdefault(key.strip().lower(), []).append(content)
    return found


def _split_list(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part for part in _LIST_SPLIT.split(value) if part)
    return out


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def read_page_meta(tree: HtmlElement) -> PageMeta:
    """Collect structured metadata from the tree (no mutation)."""
    meta = PageMeta()
    article = pick_article(jsonld_nodes(tree))
    meta.jsonld_article = article
    if article is not None:
        for key in ("headline", "name", "alternativeHeadline"):
            if title := _text_of(article.get(key)):
                meta.title.append((title, "json-ld"))
                break
        if description := _text_of(article.get("description")):
            meta.description.append(description)
        meta.jsonld_authors = _person_names(article.get("author")) or _person_names(article.get("creator"))
        for key in ("datePublished", "dateCreated", "uploadDate"):
            for value in _as_list(article.get(key)):
                if text := _text_of(value):
                    meta.dates.append((text, "json-ld"))
        meta.section.extend(s for s in (_text_of(v) for v in _as_list(article.get("articleSection"))) if s)
        keywords = [k for k in (_text_of(v) for v in _as_list(article.get("keywords"))) if k]
        meta.tags.extend(_split_list(keywords))
        url = article.get("url") or article.get("mainEntityOfPage")
        if isinstance(url, dict):
            url = url.get("@id") or url.get("url")
        if isinstance(url, str) and url.startswith("http"):
            meta.canonical.append(url.strip())
        publisher = article.get("publisher")
        if isinstance(publisher, dict) and (name := _text_of(publisher.get("name"))):
            meta.site_name.append(name)

    metas = _meta_map(tree)
    for key in ("og:title", "twitter:title", "title", "dc.title"):
        for value in metas.get(key, []):
            meta.title.append((value, "meta"))
    for key in ("og:description", "description", "twitter:description", "dc.description"):
        meta.description.extend(metas.get(key, []))
    for key in _META_AUTHOR_NAMES:
        for value in metas.get(key, []):
            if value.startswith(("http://", "https://", "@")) or "/" in value:
                continue  # profile URLs and twitter handles are not names
            meta.authors.append(value)
    for key in _META_DATE_NAMES:
        for value in metas.get(key, []):
            meta.dates.append((value, "meta"))
    # Microdata on non-meta elements: <time itemprop="datePublished" datetime="...">
    for element in tree.xpath(".//*[@itemprop]"):  # XPath: iterfind tests every element in Python
        if element.tag != "meta" and (element.get("itemprop") or "").lower() == "datepublished":
            value = element.get("datetime") or element.get("content")
            if not value and element.tag == "abbr":  # hAtom / Blogger: <abbr title="2015-07-22T13:09:00+02:00">
                value = element.get("title")
            value = value or element.text_content()
            if value and value.strip():
                meta.dates.append((clean_ws(value), "meta"))
    for key in _META_SECTION_NAMES:
        meta.section.extend(metas.get(key, []))
    for key in _META_TAG_NAMES:
        meta.tags.extend(_split_list(metas.get(key, [])))
    meta.site_name.extend(metas.get("og:site_name", []) + metas.get("application-name", []))

    for link in tree.iterfind(".//link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            meta.canonical.insert(0, link.get("href", "").strip())
            break
    meta.canonical.extend(metas.get("og:url", []))

    html = tree if tree.tag == "html" else tree.getroottree().getroot()
    lang = html.get("lang") or html.get("xml:lang") or (metas.get("content-language") or [None])[0]
    if not lang:
        lang = (metas.get("og:locale") or [None])[0]
    meta.lang = lang.strip().replace("_", "-").split("-")[0].lower() if lang and lang.strip() else None

    meta.authors = _dedupe(meta.authors)
    meta.jsonld_authors = _dedupe(meta.jsonld_authors)
    meta.tags = _dedupe([clean_ws(t) for t in meta.tags if 0 < len(t.strip()) <= 80])[:50]
    meta.section = _dedupe(meta.section)
    return meta
