"""dx-shell: a Next.js app shell whose home page has no <a> to any article: the list of stories is only in
__NEXT_DATA__ (props.pageProps.latest, each item with its href), the client renders it. No sitemap, no feed,
articles rendered as dx-next renders them (the article only in the JSON state). Issue 21 §3: 0 of its articles
are reachable through links; the crawler reads the list from the data."""

from __future__ import annotations

from akhbar.demo_web.sites.base import Request, Response, html_response, not_found, text_response
from tests.fixture_site.sites.dx_next import NextSite


class ShellSite(NextSite):
    slug = "dx-shell"

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return text_response("User-agent: *\nDisallow: /api/\nDisallow: /_next/data/\n")
        if path == "/sitemap.xml":
            return not_found()
        if path == "/":
            items = [{"id": r["site_id"], "title": r["title"], "href": r["path"], "publishedAt": r["published_at"]}
                     for r in self.visible()]
            return html_response(self._shell("/", {"latest": items, "total": len(items)}, self.spec.name_ar))
        return super().route(request)
