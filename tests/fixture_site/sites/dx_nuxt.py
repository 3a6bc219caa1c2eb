"""dx-nuxt: a Vue/Nuxt single-page app; the article lives in a JavaScript state blob, three ways:

- nuxt-function: `window.__NUXT__=(function(a,b,c,d){return {...}}(...))` (Nuxt 2 output: unquoted
  keys, repeated values passed as arguments, "<" written as \\u003C); date ISO with offset.
- nuxt-object: `window.__NUXT__={...}` plain JSON; date "YYYY-MM-DD HH:MM" in the outlet's local time.
- initial-state: `window.__INITIAL_STATE__={...}` (Vuex); date as Unix seconds.
Discovery: an RSS feed named by <link rel="alternate"> on the home page."""

from __future__ import annotations

import json
from collections.abc import Mapping

from akhbar.demo_web.arabic import rfc822
from akhbar.demo_web.sites.base import (
    Request,
    Response,
    esc,
    html_response,
    not_found,
    text_response,
    xml_response,
)
from tests.fixture_site.sites.devbase import DevSite, local

VARIANTS = ("nuxt-function", "nuxt-object", "initial-state")


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003C")


class NuxtSite(DevSite):
    slug = "dx-nuxt"

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/article/{record['site_id']}"
        record["variant"] = VARIANTS[record["n"] % len(VARIANTS)]

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /api/\n")
        if path == "/rss.xml":
            return xml_response(self._feed(), "application/rss+xml; charset=utf-8")
        if path == "/":
            state = {"latest": [{"id": r["site_id"], "title": r["title"]} for r in self.visible()[:6]]}
            return html_response(self._shell(self.spec.name_ar, f"window.__NUXT__={_js({'data': [state]})};"))
        record = self.published(self.by_path.get(path))
        if record is None:
            return not_found()
        return html_response(self._shell(self.spec.name_ar, self._state(record)))

    def _state(self, record: Mapping) -> str:
        variant = record["variant"]
        dt = local(record)
        html_body = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        author = record["byline"]["text"] or None
        related = [{"id": r["site_id"], "title": r["title"]} for r in self.related(record)]
        if variant == "nuxt-function":
            article = (
                f'{{id:{record["site_id"]},title:{_js(record["title"])},content:{_js(html_body)},'
                f'published_at:{_js(dt.isoformat())},author:{{name:a}},category:b,views:{record["site_id"] % 900},'
                f"related:{_js(related)},comments_enabled:d}}"
            )
            return (
                "window.__NUXT__=(function(a,b,c,d){return {layout:\"default\",data:[{article:" + article + "}],"
                f"fetch:{{}},error:c,state:{{menu:[],locale:\"ar\"}},serverRendered:d,"
                f"routePath:{_js(record['path'])},config:{{_app:{{basePath:\"/\"}}}}}}}}"
                f"({_js(author)},\"محليات\",null,true));"
            )
        if variant == "nuxt-object":
            post = {"title": record["title"], "paragraphs": list(record["paragraphs"]),
                    "date": dt.strftime("%Y-%m-%d %H:%M"), "writer": author, "section": "أخبار",
                    "related": related}
            return f"window.__NUXT__={_js({'layout': 'default', 'data': [{'post': post}], 'error': None})};"
        current = {"headline": record["title"], "body_html": html_body, "created_at": int(dt.timestamp()),
                   "author_name": author, "more": related}
        return f"window.__INITIAL_STATE__={_js({'news': {'current': current}, 'route': {'path': record['path']}})};"

    def _shell(self, title: str, script: str) -> str:
        return (
            '<!doctype html><html lang="ar" dir="rtl" data-n-head="%7B%22lang%22:%7B%221%22:%22ar%22%7D%7D">'
            f'<head><meta charset="utf-8"><title>{esc(title)}</title>'
            '<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">'
            '<link rel="preload" href="/_nuxt/app.4f2a.js" as="script"></head>'
            '<body><div id="__nuxt"><div id="__layout"><div class="app-loading">'
            '<div class="spinner"></div><span>يرجى الانتظار...</span></div></div></div>'
            f"<script>{script}</script>"
            '<script src="/_nuxt/runtime.9c1e.js" defer></script><script src="/_nuxt/app.4f2a.js" defer></script>'
            "</body></html>"
        )

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{esc(r['title'])}</title><link>{esc(self.url(r['path']))}</link>"
            f"<guid>{esc(self.url(r['path']))}</guid><pubDate>{rfc822(local(r))}</pubDate></item>"
            for r in self.visible()
        )
        return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>{esc(self.spec.name_ar)}</title><link>{esc(self.base_url)}</link>"
                f"<description>آخر الأخبار</description>{items}</channel></rss>\n")
