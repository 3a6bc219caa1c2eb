"""The fixture web rendered in-process, without a server: for tests and benchmarks that must time
extraction alone. Base URLs are fixed (127.0.0.11+ on port 8080) so URLs are the same every run."""

from __future__ import annotations

from dataclasses import dataclass

from akhbar.demo_web.catalog import Catalog
from tests.fixture_site.gold import gold_catalog
from tests.fixture_site.outlets import OUTLETS_BY_SLUG
from tests.fixture_site.server import fixture_addresses
from tests.fixture_site.sites import SITE_CLASSES, Site


@dataclass
class OfflineWeb:
    catalog: Catalog
    sites: dict[str, Site]
    bases: dict[str, str]
    registry: object  # akhbar.core.registry.Registry of the fixture outlets

    def fetch(self, outlet: str, path: str) -> tuple[int, bytes, dict[str, str]]:
        """(status, body, headers) as a crawler would get them; the "429 first" quirk is retried once."""
        site = self.sites[outlet]
        response = site.handle("GET", path)
        if response.status == 429:
            response = site.handle("GET", path)
        body = response.body if isinstance(response.body, bytes) else b"".join(response.body)
        return response.status, body, dict(response.headers)


def offline_web(held_back: int = 0) -> OfflineWeb:
    from akhbar.core.registry import registry_from_entries

    catalog = gold_catalog(held_back)
    sites = {slug: cls(catalog) for slug, cls in SITE_CLASSES.items()}
    bases = {slug: f"http://127.0.0.{11 + i}:8080/" for i, slug in enumerate(sites)}
    for site in sites.values():
        site.base_url = bases[site.slug]
        site.bases = bases
    registry = registry_from_entries([
        {
            "name": slug,
            "name_ar": OUTLETS_BY_SLUG[slug].name_ar,
            "name_en": OUTLETS_BY_SLUG[slug].name_en,
            "base_url": base,
            "language": OUTLETS_BY_SLUG[slug].language,
            "timezone": "Africa/Tripoli",
            "founded": OUTLETS_BY_SLUG[slug].founded,
            "allow_addresses": fixture_addresses(bases.values()),
        }
        for slug, base in bases.items()
    ])
    return OfflineWeb(catalog, sites, bases, registry)
