"""Articles that live in a JSON blob of the page, not in its HTML (issue 11, class 1).

Single-page apps ship the article as data and render it in the browser; the HTML a crawler gets
holds a "loading" skeleton. This module finds the article in that data:

* where: ``<script id="__NEXT_DATA__">`` (Next.js), ``<script id="__NUXT_DATA__">`` (Nuxt 3,
  devalue-flattened: hydrated here), any ``<script type="application/json">``, assignments
  ``window.__NUXT__ = ...`` / ``window.__INITIAL_STATE__`` / ``__PRELOADED_STATE__`` /
  ``__APOLLO_STATE__`` (and names in STATE_GLOBALS or shaped like them), and JSON-LD
  ``articleBody``;
* how: the blob is parsed (``json.loads``; a JavaScript object literal falls back to
  ``js_literal``), walked, and every object is scored as an article: a title-like string, a long
  body (HTML string, plain text, list of paragraphs or of editor blocks), a date, an author.
  Key names are data (FIELD_KEYS), compared without case, ``_`` or ``-``, in the spirit of
  trafilatura's tables. Apollo-style references (``{"__ref": "Author:1"}``) are followed.

Nothing is executed. Nuxt 2's ``window.__NUXT__=(function(a,b,...){...; return {...}}(x,y,...))``
is read by taking the object literal after the function's top-level ``return`` and substituting
the parameters with the literal call arguments. Supported: literal arguments and an object
literal return value. Not supported (those values become null, or the blob is skipped): any
statement before ``return`` (``a.b=c;`` assignments are ignored), function calls, operators and
``new`` inside the literal. When a blob cannot be read, JSON-LD ``articleBody`` still can.

A page whose blob holds several articles of similar length (a home page or a section listing) has
no single article: ``find_embedded_article`` returns None unless one of them carries the page's
own title.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from lxml.html import HtmlElement, fragment_fromstring

from .textutil import clean_ws, element_paragraphs, phrase_key

logger = logging.getLogger("akhbar.clean.embedded")

# --- data: where blobs live and what an article's keys are called --------------------------------
STATE_SCRIPT_IDS = frozenset(
    {"__next_data__", "__nuxt_data__", "__apollo_state__", "__initial_state__", "__preloaded_state__",
     "__initial_data__", "__state__", "__data__", "initial-state", "initial_state", "__frontity_connect_state__",
     "__remix_context__", "__server_data__", "__app_data__", "app-state", "serverapp-state"}
)  # fmt: skip
STATE_GLOBALS = frozenset(
    {"__NUXT__", "__INITIAL_STATE__", "__PRELOADED_STATE__", "__APOLLO_STATE__", "__INITIAL_DATA__", "__DATA__",
     "__STATE__", "__APP_STATE__", "__REDUX_STATE__", "__SERVER_STATE__", "__NEXT_DATA__", "__INITIAL_PROPS__",
     "__remixContext", "__staticRouterHydrationData", "__APP_INITIAL_STATE__", "__SERVER_DATA__"}
)  # fmt: skip
_GLOBAL_SHAPE = re.compile(r"^__\w*(?:STATE|DATA|NUXT|PROPS|CONTEXT|STORE)\w*__$", re.I)
# Only names that start with "__" (every name STATE_GLOBALS or _GLOBAL_SHAPE accepts): real pages carry
# hundreds of other assignments in their scripts, and matching them all cost ~1.5 ms a page.
_ASSIGNMENT = re.compile(
    r"""(?:\b(?:window|self|globalThis)\s*(?:\.\s*(__[\w$]*)|\[\s*["'](__[\w$]*)["']\s*\])|\b(?:var|let|const)\s+(__[\w$]*))\s*=(?!=)\s*"""
)

FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("headline", "title", "articleTitle", "newsTitle", "postTitle", "heading", "name", "subject"),
    "body": (
        "articleBody", "body", "bodyHtml", "bodyText", "content", "contentHtml", "contentText", "contentRendered",
        "html", "text", "fullText", "postContent", "newsBody", "newsText", "details", "story", "storyBody",
        "paragraphs", "blocks", "contentBlocks", "bodyBlocks", "components", "richText",
    ),
    "lead": ("description", "summary", "excerpt", "lead", "intro", "standfirst", "subtitle", "teaser", "abstract"),
    "date": (
        "datePublished", "publishedAt", "publishDate", "publishedDate", "publicationDate", "publishedTime",
        "publishTime", "pubDate", "firstPublishedAt", "firstPublished", "published", "publishedOn", "issued",
        "displayDate", "date", "dateTime", "datetime", "createdAt", "createdOn",
        "created", "dateCreated", "postDate", "postedAt", "releaseDate", "dateGmt", "updatedAt", "dateModified",
        "modified", "timestamp",
    ),
    "author": (
        "author", "authors", "byline", "bylines", "writer", "writers", "creator", "creators", "reporter",
        "reporters", "contributors", "authorName", "by",
    ),
    "person": ("name", "displayName", "fullName", "title", "byline", "username"),
    # where an HTML string or a list of blocks hides inside a field's object
    "holder": (
        "rendered", "html", "value", "raw", "text", "content", "body", "children", "blocks", "data", "json",
        "innerHTML", "attributes",
    ),
    # block types that are not article text
    "skip_block": (
        "image", "img", "photo", "picture", "gallery", "video", "audio", "embed", "iframe", "ad", "ads", "advert",
        "advertisement", "related", "relatedArticles", "readAlso", "tweet", "twitter", "instagram", "facebook",
        "youtube", "poll", "newsletter", "script", "code", "divider", "spacer", "button",
    ),
}  # fmt: skip

MIN_BODY_CHARS = 150  # shortest body taken as an article (agency wires run to two short paragraphs)
MIN_BODY_WORDS = 20
MAX_BLOB_CHARS = 8_000_000
MAX_NODES = 200_000  # objects and lists walked per page
LISTING_PEERS = 3  # this many other articles of at least half the winner's length: a listing
_HTML_HINT = re.compile(r"<\s*(?:p|br|div|span|h[1-6]|ul|ol|li|strong|em|b|i|a|blockquote|figure|img)\b", re.I)
_LINE_SPLIT = re.compile(r"\s*(?:\r?\n)+\s*")
_NULL_WORDS = frozenset({"", "null", "undefined", "none", "nan", "true", "false"})


def _norm_key(key: str) -> str:
    return re.sub(r"[\s_\-]", "", key).lower()


_KEYS = {name: tuple(_norm_key(k) for k in keys) for name, keys in FIELD_KEYS.items()}
_SKIP_BLOCKS = frozenset(_KEYS["skip_block"])


@dataclass
class EmbeddedArticle:
    """An article read from a JSON blob of the page."""

    title: str | None
    paragraphs: list[str]
    published: str | None = None  # the raw value (ISO string, or an epoch turned into ISO UTC)
    authors: list[str] = field(default_factory=list)
    description: str | None = None
    source: str = ""  # "next-data", "nuxt-data", "json-script", "state:<name>", "json-ld"

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)


# --- JavaScript literals --------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""(?P<ws>\s+|//[^\n]*|/\*.*?\*/)
    |(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\$]|\\.|\$(?!\{))*`)
    |(?P<num>[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w$]))
    |(?P<punct>[{}\[\]:,])
    |(?P<bool>!\s*[01](?![\w$]))
    |(?P<void>void\s+0(?![\w$]))
    |(?P<ident>[A-Za-z_$][\w$]*)""",
    re.S | re.X,
)
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|\r\n|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\n": "", "\r\n": ""}


class NotALiteral(ValueError):
    """The text is not a JavaScript data literal this reader supports."""


def _js_string(raw: str) -> str:
    def escape(match: re.Match[str]) -> str:
        seq = match.group(1)
        if seq in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[seq]
        if seq.startswith("u{"):
            return chr(min(int(seq[2:-1], 16), 0x10FFFF))
        if seq[0] in "ux" and len(seq) > 1:
            return chr(int(seq[1:], 16))
        if seq[0] in "01234567":
            return chr(int(seq, 8))
        return seq

    text = _ESCAPE.sub(escape, raw[1:-1])
    # \uD83D\uDE00 pairs were decoded one half at a time: join them
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def js_literal(text: str, bindings: dict[str, Any] | None = None) -> Any:
    """A JavaScript data literal (object, array, string, number...) as Python data.

    Handles what ``json.loads`` refuses in state blobs: unquoted and single-quoted keys and
    strings, template strings without ``${}``, trailing commas, comments, hex numbers,
    ``undefined``/``void 0``/``!0``/``!1``, and identifiers bound in ``bindings`` (a Nuxt IIFE's
    parameters). Unknown identifiers become None. Anything else raises NotALiteral.

    Written here rather than taken from chompjs: chompjs turns an unknown identifier into the
    string of its name, so a parameter cannot be told from a real string after parsing (and
    1.4.1 returns the string "null" for some nulls)."""
    bindings = bindings or {}
    out: list[str] = []
    stack: list[str] = []
    expect_key = False
    pos = 0
    size = len(text)
    while pos < size:
        match = _TOKEN.match(text, pos)
        if match is None:
            raise NotALiteral(f"unexpected {text[pos:pos + 20]!r} at {pos}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(0)
        if kind == "ws":
            continue
        if kind == "punct":
            if value in "{[":
                stack.append(value)
                expect_key = value == "{"
            elif value in "}]":
                if not stack or {"}": "{", "]": "["}[value] != stack.pop():
                    raise NotALiteral("unbalanced brackets")
                if out and out[-1] == ",":
                    out.pop()  # trailing comma
                expect_key = False
            elif value == ",":
                if not out or out[-1] in ",[{":
                    if not out or out[-1] == "{" or stack[-1:] != ["["]:
                        raise NotALiteral("stray comma")
                    out.append("null")  # array hole: [,1] and [1,,2] hold undefined
                expect_key = bool(stack) and stack[-1] == "{"
            elif value == ":":
                expect_key = False
            out.append(value)
            continue
        if expect_key:
            if kind == "str":
                key = _js_string(value)
            elif kind in ("ident", "num"):
                key = value
            else:
                raise NotALiteral("bad key")
            out.append(json.dumps(key))
            expect_key = False
            continue
        if kind == "str":
            out.append(json.dumps(_js_string(value)))
        elif kind == "num":
            number = value.lstrip("+")
            if number.lower().lstrip("-").startswith("0x"):
                sign = -1 if number.startswith("-") else 1
                out.append(str(sign * int(number.lstrip("-"), 16)))
            else:
                out.append(json.dumps(float(number)) if ("." in number or "e" in number.lower()) else str(int(number)))
        elif kind == "bool":
            out.append("true" if value.endswith("0") else "false")
        elif kind == "void":
            out.append("null")
        elif value in ("true", "false", "null"):
            out.append(value)
        elif value in bindings:
            out.append(json.dumps(bindings[value], default=str))
        elif value in ("undefined", "NaN", "Infinity"):
            out.append("null")
        elif value in ("new", "function", "return", "this", "typeof"):
            raise NotALiteral(f"code, not data: {value}")
        else:
            out.append("null")  # an identifier we cannot resolve
    if stack:
        raise NotALiteral("unclosed brackets")
    try:
        return json.loads("".join(out))
    except (ValueError, RecursionError) as err:
        raise NotALiteral(str(err)) from err


def _skip_string_or_comment(text: str, i: int) -> int:
    """At a string or comment opening at ``i``: the index of its last character (the caller steps past
    it); elsewhere -1."""
    size = len(text)
    ch = text[i]
    if ch in "\"'`":
        i += 1
        while i < size and text[i] != ch:
            i += 2 if text[i] == "\\" else 1
        return i
    if ch == "/" and i + 1 < size and text[i + 1] in "/*":
        end = text.find("\n" if text[i + 1] == "/" else "*/", i + 2)
        return size if end < 0 else end + (0 if text[i + 1] == "/" else 1)
    return -1


def _balanced_end(text: str, start: int) -> int:
    """Index just past the bracket group opening at ``start`` (strings and comments skipped), or -1."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    stack: list[str] = []
    i = start
    size = len(text)
    while i < size:
        ch = text[i]
        if (skipped := _skip_string_or_comment(text, i)) >= 0:
            i = skipped
        elif ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return i + 1
        i += 1
    return -1


_IIFE = re.compile(r"\(?\s*(?:function\s*[\w$]*\s*\(([^)]*)\)|\(([^)]*)\)\s*=>)\s*\{")


def _code_positions(text: str, word: str) -> Iterator[tuple[int, int]]:
    """(position, bracket depth) of ``word`` outside strings and comments."""
    depth = 0
    i = 0
    size = len(text)
    while i < size:
        ch = text[i]
        if (skipped := _skip_string_or_comment(text, i)) >= 0:
            i = skipped
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        elif text.startswith(word, i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_$")):
            yield i, depth
        i += 1


def _iife(text: str) -> Any:
    """The value of ``(function(a,b){...return {...}}(x,y))`` without running it (see module doc)."""
    match = _IIFE.match(text)
    if match is None:
        raise NotALiteral("not a function expression")
    params = [p.strip() for p in (match.group(1) if match.group(1) is not None else match.group(2)).split(",")]
    body_start = match.end() - 1
    body_end = _balanced_end(text, body_start)
    if body_end < 0:
        raise NotALiteral("unclosed function body")
    body = text[body_start:body_end]
    rest = text[body_end:].lstrip().lstrip(")").lstrip()
    args: list[Any] = []
    if rest.startswith("("):
        args_end = _balanced_end(rest, 0)
        if args_end > 0:
            parsed = js_literal("[" + rest[1 : args_end - 1] + "]")
            args = parsed if isinstance(parsed, list) else []
    bindings = {name: (args[i] if i < len(args) else None) for i, name in enumerate(params) if name}
    for position, depth in _code_positions(body, "return"):
        if depth != 1:
            continue
        start = position + len("return")
        while start < len(body) and body[start].isspace():
            start += 1
        if start < len(body) and body[start] in "{[":
            end = _balanced_end(body, start)
            if end > 0:
                return js_literal(body[start:end], bindings)
    raise NotALiteral("no literal return value")


_JSON = json.JSONDecoder()


def parse_state(text: str) -> Any:
    """A blob's text (JSON, a JS literal, ``JSON.parse("...")`` or a Nuxt IIFE) as data."""
    text = text.strip().rstrip(";").strip()
    if not text or len(text) > MAX_BLOB_CHARS:
        raise NotALiteral("empty or too large")
    if text.startswith("JSON.parse("):
        end = _balanced_end(text, len("JSON.parse"))
        inner = js_literal(text[len("JSON.parse(") : end - 1] if end > 0 else "")
        if not isinstance(inner, str):
            raise NotALiteral("JSON.parse of a non-string")
        text = inner
    if text[0] in "{[":
        try:  # valid JSON first: C speed; the bracket walk below is pure Python (~1 ms per 100 KB blob)
            return _JSON.raw_decode(text)[0]
        except (ValueError, RecursionError):
            pass
        end = _balanced_end(text, 0)
        literal = text[:end] if end > 0 else text
        try:
            return json.loads(literal)
        except (ValueError, RecursionError):
            return js_literal(literal)
    if text.startswith(("(function", "function", "(()", "((")):
        return _iife(text)
    raise NotALiteral("not a literal")


# --- Nuxt 3 payloads (devalue) --------------------------------------------------------------------
_DEVALUE_WRAPPERS = frozenset(
    {"Reactive", "ShallowReactive", "Ref", "ShallowRef", "EmptyRef", "EmptyShallowRef", "NuxtError", "Island",
     "Object", "skipHydrate"}
)  # fmt: skip


def _looks_devalued(data: Any) -> bool:
    if not isinstance(data, list) or len(data) < 2:
        return False
    head = data[0]
    if isinstance(head, list) and head and isinstance(head[0], str) and head[0] in _DEVALUE_WRAPPERS:
        return True
    return isinstance(head, dict) and bool(head) and all(isinstance(v, int) for v in head.values())


def hydrate_devalue(values: list[Any], *, budget: int = MAX_NODES) -> Any:
    """devalue's flattened form (Nuxt 3 ``__NUXT_DATA__``): values[0] is the root; an object's
    values and an array's items are indexes into ``values``; ``["Date", iso]``, ``["Set", ...]``,
    ``["Map", k, v, ...]`` and Vue wrappers (``["ShallowReactive", i]``) are typed entries."""
    memo: dict[int, Any] = {}
    count = 0

    def get(index: Any) -> Any:
        nonlocal count
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(values):
            return None  # negative indexes are undefined/NaN/Infinity; anything else is broken
        if index in memo:
            return memo[index]
        count += 1
        if count > budget:
            raise NotALiteral("devalue payload too large")
        value = values[index]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            memo[index] = out
            for key, item in value.items():
                out[key] = get(item)
            return out
        if isinstance(value, list):
            if value and isinstance(value[0], str):
                tag = value[0]
                if tag in ("Date", "BigInt", "RegExp", "URL"):
                    memo[index] = value[1] if len(value) > 1 else None
                elif tag in ("Set",):
                    memo[index] = [get(i) for i in value[1:]]
                elif tag in ("Map", "null"):
                    memo[index] = {str(get(k)): get(v) for k, v in zip(value[1::2], value[2::2], strict=False)}
                else:  # Vue wrappers and payload reducers: the value is the next entry
                    memo[index] = None
                    memo[index] = get(value[1]) if len(value) > 1 else None
                return memo[index]
            items: list[Any] = []
            memo[index] = items
            items.extend(get(i) for i in value)
            return items
        memo[index] = value
        return value

    try:
        return get(0)
    except RecursionError as err:
        raise NotALiteral("devalue payload too deep") from err


# --- finding blobs --------------------------------------------------------------------------------
def state_blobs(tree: HtmlElement) -> Iterator[tuple[str, Any]]:
    """(source, data) of every JSON state blob the page carries (JSON-LD excluded)."""
    for script in tree.iter("script"):
        text = script.text or ""
        if not text.strip():
            continue
        kind = (script.get("type") or "").strip().lower()
        ident = (script.get("id") or "").strip()
        if kind == "application/ld+json":
            continue
        if ident.lower() in STATE_SCRIPT_IDS or kind == "application/json":
            source = {"__next_data__": "next-data", "__nuxt_data__": "nuxt-data"}.get(ident.lower(), "json-script")
            try:
                data = parse_state(text)
            except NotALiteral as err:
                logger.debug("unreadable %s blob: %s", ident or kind, err)
                continue
            if _looks_devalued(data):
                try:
                    data = hydrate_devalue(data)
                except NotALiteral:
                    continue
            yield source, data
            continue
        if kind not in ("", "text/javascript", "application/javascript", "module") or "__" not in text:
            continue
        for match in _ASSIGNMENT.finditer(text):
            name = match.group(1) or match.group(2) or match.group(3)
            if name not in STATE_GLOBALS and not _GLOBAL_SHAPE.match(name):
                continue
            try:
                data = parse_state(text[match.end() :])
            except NotALiteral as err:
                logger.debug("unreadable %s: %s", name, err)
                continue
            yield f"state:{name}", data


# --- reading values -------------------------------------------------------------------------------
def _walk(root: Any, budget: int = MAX_NODES) -> Iterator[dict[str, Any]]:
    """Every object under ``root``, each once (shared and cyclic references are safe)."""
    stack = [root]
    seen: set[int] = set()
    count = 0
    while stack and count < budget:
        node = stack.pop()
        if isinstance(node, dict):
            if id(node) in seen:
                continue
            seen.add(id(node))
            count += 1
            yield node
            stack.extend(v for v in reversed(list(node.values())) if isinstance(v, dict | list))
        elif isinstance(node, list):
            if id(node) in seen:
                continue
            seen.add(id(node))
            count += 1
            stack.extend(v for v in reversed(node) if isinstance(v, dict | list))


def _ref_index(root: Any) -> dict[str, dict[str, Any]]:
    """Apollo's normalised cache: {"Article:1": {...}, "Author:2": {...}} wherever it sits."""
    index: dict[str, dict[str, Any]] = {}
    for node in _walk(root):
        for key, value in node.items():
            if isinstance(key, str) and ":" in key and isinstance(value, dict) and not key.startswith("$"):
                index.setdefault(key, value)
    return index


def _deref(value: Any, refs: dict[str, dict[str, Any]], depth: int = 0) -> Any:
    if isinstance(value, dict) and depth < 5:
        ref = value.get("__ref")
        if ref is None and value.get("type") == "id" and isinstance(value.get("id"), str):
            ref = value["id"]  # Apollo 2
        if isinstance(ref, str) and ref in refs:
            return _deref(refs[ref], refs, depth + 1)
    return value


def _field(node: dict[str, Any], name: str) -> list[tuple[str, Any]]:
    """(key, value) pairs of ``node`` for one FIELD_KEYS entry, in the table's order."""
    by_norm: dict[str, str] = {}
    for key in node:
        if isinstance(key, str):
            by_norm.setdefault(_norm_key(key), key)
    return [(by_norm[k], node[by_norm[k]]) for k in _KEYS[name] if k in by_norm]


def _html_paragraphs(markup: str) -> list[str]:
    try:
        holder = fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError, TypeError):
        return [t for t in (clean_ws(p) for p in _LINE_SPLIT.split(markup)) if t]
    for bad in holder.xpath(".//script|.//style|.//figcaption|.//noscript"):
        bad.drop_tree()
    return element_paragraphs(holder)


def _text_paragraphs(text: str) -> list[str]:
    if _HTML_HINT.search(text):
        return _html_paragraphs(text)
    return [t for t in (clean_ws(p) for p in _LINE_SPLIT.split(text)) if t]


def _plain(value: Any, refs: dict[str, dict[str, Any]], depth: int = 0) -> str | None:
    """A short text value: a string, or one inside {"rendered"|"value"|"text"...: ...}."""
    value = _deref(value, refs)
    if isinstance(value, str):
        text = clean_ws(" ".join(_text_paragraphs(value))) if "<" in value else clean_ws(value)
        return None if text.lower() in _NULL_WORDS else text
    if isinstance(value, dict) and depth < 3:
        for _, inner in _field(value, "holder"):
            if (text := _plain(inner, refs, depth + 1)) is not None:
                return text
    return None


def _block_type(block: dict[str, Any]) -> str:
    for key in ("type", "_type", "__typename", "blockType", "kind", "component", "name", "nodeType"):
        value = block.get(key)
        if isinstance(value, str):
            return _norm_key(value.rsplit("/", 1)[-1].replace("Block", "").replace("block", ""))
    return ""


def _body_paragraphs(value: Any, refs: dict[str, dict[str, Any]], depth: int = 0) -> list[str]:
    """Paragraphs of a body value: an HTML or plain string, a list of strings or of blocks, an
    object holding one of those (WordPress ``{"rendered": "<p>..."}``, ProseMirror ``{"type":
    "doc", "content": [...]}``)."""
    value = _deref(value, refs)
    if depth > 12:
        return []
    if isinstance(value, str):
        return _text_paragraphs(value)
    if isinstance(value, list):
        out: list[str] = []
        for item in value[:2000]:
            item = _deref(item, refs)
            if isinstance(item, str):
                out.extend(_text_paragraphs(item))
            elif isinstance(item, dict):
                if _block_type(item) in _SKIP_BLOCKS:
                    continue
                runs = _children(item)
                if runs and all(isinstance(c, dict) and isinstance(c.get("text"), str) for c in runs):
                    # a block of inline text runs (ProseMirror, Slate): one paragraph, runs joined as
                    # written (a run may end inside a word)
                    text = "".join(c["text"] for c in runs)
                    out.extend(_text_paragraphs(text) if _HTML_HINT.search(text) else [clean_ws(text)])
                    continue
                out.extend(_body_paragraphs(item, refs, depth + 1))
            elif isinstance(item, list):
                out.extend(_body_paragraphs(item, refs, depth + 1))
        return out
    if isinstance(value, dict):
        for _, inner in _field(value, "holder"):
            if paragraphs := _body_paragraphs(inner, refs, depth + 1):
                return paragraphs
    return []


def _children(block: dict[str, Any]) -> list[Any]:
    for key in ("children", "content", "nodes"):
        if isinstance(block.get(key), list):
            return block[key]
    return []


def _date(value: Any, refs: dict[str, dict[str, Any]]) -> str | None:
    value = _deref(value, refs)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        if 631152000 <= seconds <= 4102444800:  # 1990 .. 2100
            return datetime.fromtimestamp(seconds, UTC).isoformat()
        return None
    if isinstance(value, str):
        text = clean_ws(value)
        if 6 <= len(text) <= 60 and sum(ch.isdigit() for ch in text) >= 4:
            if text.isdigit() and len(text) in (10, 13):
                return _date(int(text), refs)
            return text
    if isinstance(value, dict):
        for key in ("iso", "value", "date", "time", "datetime", "$date"):
            if key in value and (found := _date(value[key], refs)):
                return found
    return None


def _names(value: Any, refs: dict[str, dict[str, Any]], depth: int = 0) -> list[str]:
    value = _deref(value, refs)
    if depth > 4:
        return []
    if isinstance(value, str):
        name = clean_ws(value)
        return [name] if name and name.lower() not in _NULL_WORDS and len(name) <= 120 else []
    if isinstance(value, list):
        return [n for item in value[:20] for n in _names(item, refs, depth + 1)]
    if isinstance(value, dict):
        for _, inner in _field(value, "person"):
            if names := _names(inner, refs, depth + 1):
                return names[:1]
        first, last = value.get("firstName") or value.get("first_name"), value.get("lastName") or value.get("last_name")
        if isinstance(first, str) and isinstance(last, str):
            return [clean_ws(f"{first} {last}")]
        for key in ("node", "data", "attributes", "author"):
            if isinstance(value.get(key), dict | list):
                return _names(value[key], refs, depth + 1)
    return []


def _candidate(node: dict[str, Any], refs: dict[str, dict[str, Any]], source: str) -> EmbeddedArticle | None:
    best: list[str] = []
    for _, value in _field(node, "body"):
        paragraphs = _body_paragraphs(value, refs)
        if sum(len(p) for p in paragraphs) > sum(len(p) for p in best):
            best = paragraphs
    chars = sum(len(p) for p in best)
    if chars < MIN_BODY_CHARS or sum(len(p.split()) for p in best) < MIN_BODY_WORDS:
        return None
    title = None
    for _, value in _field(node, "title"):
        text = _plain(value, refs)
        if text and 2 <= len(text) <= 400 and "://" not in text and text not in best:
            title = text
            break
    published = next((d for _, v in _field(node, "date") if (d := _date(v, refs))), None)
    authors: list[str] = []
    embedded = node.get("_embedded")  # WordPress REST: the author object sits under _embedded
    for _, value in _field(node, "author") + (_field(embedded, "author") if isinstance(embedded, dict) else []):
        if authors := _names(value, refs):
            break
    description = next((t for _, v in _field(node, "lead") if (t := _plain(v, refs))), None)
    return EmbeddedArticle(title, best, published, authors[:10], description, source)


def _score(candidate: EmbeddedArticle) -> float:
    bonus = 1.0 + 0.5 * bool(candidate.title) + 0.2 * bool(candidate.published) + 0.1 * bool(candidate.authors)
    return min(candidate.chars, 30_000) * bonus


def _roots(tree: HtmlElement, jsonld: Iterable[dict[str, Any]] | None) -> Iterator[tuple[str, Any]]:
    yield from state_blobs(tree)
    if jsonld is None:
        from .structured import jsonld_nodes

        jsonld = jsonld_nodes(tree)
    nodes = [n for n in jsonld if isinstance(n, dict)]
    if nodes:
        yield "json-ld", nodes


def find_embedded_article(
    tree: HtmlElement,
    *,
    page_titles: Iterable[str] = (),
    jsonld: Iterable[dict[str, Any]] | None = None,
) -> EmbeddedArticle | None:
    """The article a JSON blob of the page carries, or None (no blob, no article-shaped object,
    or several articles of similar length: a listing).

    ``page_titles`` (the <title>, og:title...) pick the page's own article among several;
    ``jsonld`` are the page's JSON-LD nodes when the caller already parsed them."""
    candidates: list[EmbeddedArticle] = []
    seen: dict[str, EmbeddedArticle] = {}
    for source, data in _roots(tree, jsonld):
        refs = _ref_index(data)
        for node in _walk(data):
            try:
                found = _candidate(node, refs, source)
            except RecursionError:
                continue
            if found is None:
                continue
            # a wrapper whose "content" holds the article reads the same body: keep the richer
            key = phrase_key(" ".join(found.paragraphs[:3]))[:300]
            if key in seen:
                if _score(found) > _score(seen[key]):
                    candidates[candidates.index(seen[key])] = found
                    seen[key] = found
                continue
            seen[key] = found
            candidates.append(found)
    if not candidates:
        return None
    titles = [phrase_key(t) for t in page_titles if t]
    titled = [c for c in candidates if c.title and _in_titles(phrase_key(c.title), titles)]
    if titled:
        return max(titled, key=_score)
    best = max(candidates, key=_score)
    peers = [c for c in candidates if c is not best and c.chars >= 0.5 * best.chars]
    if len(peers) >= LISTING_PEERS:
        return None
    return best


def _in_titles(key: str, titles: list[str]) -> bool:
    return bool(key) and len(key) >= 8 and any(key == t or key in t for t in titles)
