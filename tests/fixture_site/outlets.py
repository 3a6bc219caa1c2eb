"""The test web's outlets: the demo's five (akhbar.demo_web.outlets) and the crawl-trap outlet, in the
order they are served (each on the next loopback host)."""

from __future__ import annotations

from akhbar.demo_web.outlets import OUTLETS as DEMO_OUTLETS
from akhbar.demo_web.outlets import OutletSpec

TRAP = OutletSpec(
    slug="fx-trap",
    name_ar="موقع الفخاخ التجريبي",
    name_en="Fixture Trap",
    language="ar",
    founded="2020-01-01",
    about="موقع تجريبي مليء بالفخاخ لاختبار برامج الزحف على الويب.",
    listings=("/", "/archive?page=1", "/calendar/2024/01/"),
    sections={},
    article_path="/articles/{slug}.html",
)

# fx-trap between fx-lana and fx-observer: the order (and so the hosts) the fixture web always had.
OUTLETS: tuple[OutletSpec, ...] = (*DEMO_OUTLETS[:4], TRAP, *DEMO_OUTLETS[4:])
OUTLETS_BY_SLUG: dict[str, OutletSpec] = {spec.slug: spec for spec in OUTLETS}
