"""dx-react: a client-rendered React-style app (create-react-app conventions). Every page, list or story,
is the same shell: `<div id="root">`, a hashed bundle under /static/js/ and a `<noscript>` line; no
links, no JSON state, no sitemap, no feed. The bundle asks the site's JSON API for the list
(`/api/v1/articles?page=N&limit=10`) or the story (`/api/v1/articles/ID`) and builds the DOM: cards with
links, "next page" links (`/?page=N`), the story with its time and author. It also posts a page view to
`/api/track`, which robots.txt disallows, and loads a tag manager and a font from other hosts and a
stylesheet from its own: a polite renderer makes none of those requests. Issue 21 §4: without a
browser no article is reachable; with one, every article is."""

from __future__ import annotations

import json
from collections.abc import Mapping

from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    int_param,
    not_found,
    page_count,
    page_slice,
    text_response,
)
from tests.fixture_site.sites.devbase import DevSite, local

PER_PAGE = 10
BUNDLE = "/static/js/main.4f1c2a9e.js"
STYLESHEET = "/static/css/main.7b2d0c31.css"
TRACKER = "/api/track"
WIDGET = "/embed/widget.js"  # served from another site of the fixture web (a third-party host)
THIRD_PARTY = ('<script async src="https://www.googletagmanager.com/gtag/js?id=G-7Q2LX0A1"></script>'
               '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Cairo&amp;display=swap">')

# What the bundle does, written without a framework: the browser's work is the same (fetch, build the DOM).
APP_JS = r"""
(function () {
  "use strict";
  var root = document.getElementById("root");
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function header(site) {
    return h("header", {"class": "app-header"}, [h("a", {href: "/", "class": "brand"}, [site])]);
  }
  function list(page) {
    fetch("/api/v1/articles?page=" + page + "&limit=10", {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var cards = data.items.map(function (item) {
          return h("article", {"class": "card"}, [
            h("h3", {}, [h("a", {href: item.url}, [item.title])]),
            h("time", {datetime: item.publishedAt}, [item.publishedAt.slice(0, 10)])
          ]);
        });
        var nav = [];
        if (data.page > 1) nav.push(h("a", {href: "/?page=" + (data.page - 1)}, ["الصفحة السابقة"]));
        if (data.page < data.pages) nav.push(h("a", {href: "/?page=" + (data.page + 1), rel: "next"}, ["الصفحة التالية"]));
        root.appendChild(header(data.site));
        root.appendChild(h("main", {}, [h("h2", {}, ["آخر الأخبار"])].concat(cards)));
        root.appendChild(h("nav", {"class": "pager"}, nav));
      });
  }
  function story(id) {
    fetch("/api/v1/articles/" + id, {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (a) {
        document.title = a.title + " | " + a.site;
        var meta = [h("time", {datetime: a.publishedAt}, [a.publishedLabel])];
        if (a.author) meta.unshift(h("span", {"class": "author"}, [a.author]));
        var share = a.share.map(function (s) { return h("button", {"class": "share"}, [s]); });
        var related = a.related.map(function (r) { return h("li", {}, [h("a", {href: r.url}, [r.title])]); });
        root.appendChild(header(a.site));
        root.appendChild(h("article", {"class": "story"}, [
          h("h1", {}, [a.title]),
          h("div", {"class": "story-meta"}, meta),
          h("div", {"class": "story-body"}, a.paragraphs.map(function (p) { return h("p", {}, [p]); })),
          h("div", {"class": "share-bar"}, share)
        ]));
        root.appendChild(h("aside", {"class": "related"}, [h("h4", {}, ["اقرأ أيضاً"]), h("ul", {}, related)]));
      });
  }
  var match = location.pathname.match(/^\/article\/(\d+)\//);
  if (match) { story(match[1]); }
  else { list(parseInt(new URLSearchParams(location.search).get("page") || "1", 10)); }
  fetch("/api/track", {method: "POST", body: JSON.stringify({path: location.pathname})}).catch(function () {});
})();
"""


def _json(data: object) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(200, [("Content-Type", "application/json; charset=utf-8")], body)


class ReactSite(DevSite):
    slug = "dx-react"

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/article/{record['site_id']}/{record['slug']}"
        record["data_path"] = f"/api/v1/articles/{record['site_id']}"  # where the page's gold is served
        record["client_rendered"] = True

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response(f"User-agent: *\nDisallow: {TRACKER}\nDisallow: /admin/\n")
        if path == BUNDLE:
            return Response(200, [("Content-Type", "application/javascript; charset=utf-8")], APP_JS.encode("utf-8"))
        if path == STYLESHEET:
            return Response(200, [("Content-Type", "text/css")], b"body{font-family:Cairo,sans-serif}")
        if path == "/api/v1/articles":
            return self._list(request)
        if path.startswith("/api/v1/articles/"):
            record = self._by_id(path.rsplit("/", 1)[1])
            return _json(self._story(record)) if record is not None else not_found()
        if path == "/":
            page = int_param(request.query, "page", 1)
            if page is None or not 1 <= page <= page_count(len(self.visible()), PER_PAGE):
                return not_found()
            return html_response(self._shell())
        if path.startswith("/article/") and self.published(self.by_path.get(path)) is not None:
            return html_response(self._shell())
        return not_found()

    def _by_id(self, raw: str) -> dict | None:
        for record in self.visible():
            if str(record["site_id"]) == raw:
                return record
        return None

    def _list(self, request: Request) -> Response:
        page = int_param(request.query, "page", 1)
        records = self.visible()[::-1]
        pages = page_count(len(records), PER_PAGE)
        if page is None or not 1 <= page <= pages:
            return not_found()
        items = [{"id": r["site_id"], "title": r["title"], "url": r["path"], "publishedAt": local(r).isoformat()}
                 for r in page_slice(records, page, PER_PAGE)]
        return _json({"site": self.spec.name_ar, "page": page, "pages": pages, "items": items})

    def _story(self, record: Mapping) -> dict:
        dt = local(record)
        byline = record["byline"]
        return {
            "id": record["site_id"], "site": self.spec.name_ar, "title": record["title"],
            "publishedAt": dt.isoformat(), "publishedLabel": f"{dt.day}/{dt.month}/{dt.year} {dt.hour:02d}:{dt.minute:02d}",
            "author": byline["text"] or None, "paragraphs": list(record["paragraphs"]),
            "share": [f"شارك على {net}" for net in ("فيسبوك", "تويتر", "واتساب", "تيليجرام")],
            "related": [{"url": r["path"], "title": r["title"]} for r in self.related(record)],
        }

    def _widget(self) -> str:
        other = next((base for slug, base in self.bases.items() if slug != self.slug), None)
        return f'<script async src="{esc(other.rstrip("/") + WIDGET)}"></script>' if other else ""

    def _shell(self) -> str:
        return (
            '<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{esc(self.spec.name_ar)}</title>{THIRD_PARTY}{self._widget()}'
            f'<link href="{STYLESHEET}" rel="stylesheet"><script defer="defer" src="{BUNDLE}"></script></head>'
            '<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>'
            '</body></html>'
        )
