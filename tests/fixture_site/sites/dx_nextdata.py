"""dx-nextdata: a Next.js front end (pages router, getServerSideProps) over headless WordPress (WPGraphQL), as
Next.js serves it. Pages are rendered on the server with their props in `<script id="__NEXT_DATA__">`; the
home page shows the six newest posts, and its "عرض المزيد" button is a client-side navigation
(router.push("/?page=2")) that fetches the next list from the data route
/_next/data/<buildId>/index.json?page=2 ({"pageProps": ..., "__N_SSP": true}), not an <a>. Post items carry
WPGraphQL's `uri`; pageProps.pagination says page and totalPages. /?page=N also renders as HTML, but
nothing links it. No sitemap, no feed; robots.txt keeps crawlers out of /api/ only. A post page is server
rendered too (its props hold the post) and shows the five newest posts in a "الأكثر قراءة" box, no related
stories; a data route for an unknown build answers 404 as Next.js does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC

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
from tests.fixture_site.sites.devbase import arabic_long_date, local
from tests.fixture_site.sites.dx_next import NextSite, _json_script

BUILD_ID = "pF3z8WqLr1XbK0cD7sHy2"
PER_PAGE = 6


class NextDataSite(NextSite):
    slug = "dx-nextdata"

    @classmethod
    def prepare(cls, record: dict) -> None:
        record["path"] = f"/posts/{record['slug']}/"
        record["variant"] = f"nextdata-byline-{record['byline']['placement']}"

    def route(self, request: Request) -> Response:
        path, query = request.path, request.query
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /api/\n")
        data_prefix = f"/_next/data/{BUILD_ID}"
        if path.startswith("/_next/data/"):
            if not path.startswith(data_prefix + "/") or not path.endswith(".json"):
                return not_found()
            page_path = path[len(data_prefix):-len(".json")]
            props = self._props("/" if page_path == "/index" else page_path + "/", query)
            if props is None:
                return not_found()
            return Response(200, [("Content-Type", "application/json"), ("x-nextjs-cache", "MISS")],
                            json.dumps({"pageProps": props, "__N_SSP": True}, ensure_ascii=False).encode("utf-8"))
        props = self._props(path, query)
        if props is None:
            return not_found()
        if "post" in props:
            return html_response(self._html("/posts/[slug]", props, {"slug": path.split("/")[2]},
                                            props["post"]["title"], self._post_body(props["post"])))
        return html_response(self._html("/", props, {k: v[0] for k, v in query.items()}, self.spec.name_ar,
                                        self._list_body(props)))

    def _item(self, record: Mapping) -> dict:
        dt = local(record)
        return {"databaseId": record["site_id"], "title": record["title"], "uri": record["path"],
                "date": dt.strftime("%Y-%m-%dT%H:%M:%S"), "excerpt": f"<p>{esc(record['paragraphs'][0][:160])}</p>",
                "featuredImage": {"node": {"sourceUrl": self.url(f"/wp-content/uploads/{dt:%Y/%m}/{record['site_id']}.jpg"),
                                           "altText": ""}},
                "categories": {"nodes": [{"name": "محليات", "slug": "local"}]}}

    def _props(self, path: str, query: dict[str, list[str]]) -> dict | None:
        """getServerSideProps of a page, or None (404)."""
        items = self.visible()
        if path == "/":
            page = int_param(query, "page", 1)
            pages = page_count(len(items), PER_PAGE)
            if page is None or not 1 <= page <= pages:
                return None
            return {"posts": {"nodes": [self._item(r) for r in page_slice(items, page, PER_PAGE)]},
                    "pagination": {"page": page, "perPage": PER_PAGE, "total": len(items), "totalPages": pages},
                    "mostRead": [self._item(r) for r in items[:5]]}
        record = self.published(self.by_path.get(path))
        if record is None:
            return None
        byline = record["byline"]
        dt = local(record)
        return {"post": {"databaseId": record["site_id"], "title": record["title"], "uri": record["path"],
                         "date": dt.strftime("%Y-%m-%dT%H:%M:%S"),
                         "dateGmt": dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                         "content": "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"]),
                         "author": {"node": {"name": byline["text"]}} if byline["text"] else None},
                "mostRead": [self._item(r) for r in items[:5]]}

    def _card(self, item: Mapping) -> str:
        return (f'<article class="PostCard_card__x1"><a href="{esc(item["uri"])}"><img alt="" '
                f'src="{esc(item["featuredImage"]["node"]["sourceUrl"])}" loading="lazy"/>'
                f'<h3 class="PostCard_title__k2">{esc(item["title"])}</h3></a></article>')

    def _aside(self, props: Mapping) -> str:
        links = "".join(f'<li><a href="{esc(i["uri"])}">{esc(i["title"])}</a></li>' for i in props["mostRead"])
        return f'<aside class="Sidebar_box__m3"><h2>الأكثر قراءة</h2><ol>{links}</ol></aside>'

    def _list_body(self, props: Mapping) -> str:
        cards = "".join(self._card(item) for item in props["posts"]["nodes"])
        more = ""
        if props["pagination"]["page"] < props["pagination"]["totalPages"]:
            more = '<button type="button" class="LoadMore_button__q9">عرض المزيد</button>'
        return (f'<main class="Home_main__a7"><h1 class="visually-hidden">{esc(self.spec.name_ar)}</h1>'
                f'<section class="Home_grid__z4">{cards}</section>{more}</main>{self._aside(props)}')

    def _post_body(self, post: Mapping) -> str:
        record = next(r for r in self.records if r["site_id"] == post["databaseId"])
        author = ""
        if post["author"] and record["byline"]["placement"] == "field":
            author = f'<span class="Post_author__b1">{esc(post["author"]["node"]["name"])}</span>'
        paragraphs = "".join(f"<p>{esc(p)}</p>" for p in record["paragraphs"])
        return (f'<main class="Post_main__c5"><article><h1 class="Post_title__d2">{esc(post["title"])}</h1>'
                f'<div class="Post_meta__e8">{author}<time dateTime="{esc(post["dateGmt"])}Z">'
                f'{esc(arabic_long_date(local(record)))}</time></div>'
                f'<div class="Post_content__f0">{paragraphs}</div></article></main>')

    def _html(self, page: str, props: dict, query: dict, title: str, body: str) -> str:
        data = {"props": {"pageProps": props, "__N_SSP": True}, "page": page, "query": query, "buildId": BUILD_ID,
                "isFallback": False, "gssp": True, "scriptLoader": []}
        return (
            '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charSet="utf-8"/>'
            '<meta name="viewport" content="width=device-width"/>'
            f"<title>{esc(title)}</title><meta name=\"next-head-count\" content=\"3\"/>"
            '<link rel="preload" href="/_next/static/css/9f2e1d0c.css" as="style"/>'
            '<link rel="stylesheet" href="/_next/static/css/9f2e1d0c.css" data-n-g=""/>'
            f'<script src="/_next/static/chunks/webpack-3c1d2e.js" defer=""></script>'
            f'<script src="/_next/static/chunks/pages/_app-8a7b6c.js" defer=""></script>'
            f'<script src="/_next/static/{BUILD_ID}/_buildManifest.js" defer=""></script></head>'
            '<body><div id="__next"><header class="Header_header__h1"><a href="/" class="Header_logo__l0">'
            f'{esc(self.spec.name_ar)}</a><nav><a href="/">الرئيسية</a></nav></header>{body}'
            f'<footer class="Footer_footer__f9">© {esc(self.spec.name_ar)}</footer></div>'
            f'<script id="__NEXT_DATA__" type="application/json">{_json_script(data)}</script></body></html>'
        )
