"""The development set (tests.fixture_site.devset) served like the fixture web: over HTTP on its own
loopback hosts (DevFixtureWeb, 127.0.0.41+), or rendered in-process (dev_offline_web) for the
extraction harness bench/extract_eval.py.

    with DevFixtureWeb() as web:
        web.write_base_urls_yaml(path)   # registry with name + base_url only: discovery is the crawler's job
"""

from __future__ import annotations

from pathlib import Path

from akhbar.demo_web.catalog import Catalog
from akhbar.demo_web.server import _yaml_value, fixture_addresses
from tests.fixture_site.devset import DEV_OUTLETS, DEV_OUTLETS_BY_SLUG, load_dev_gold
from tests.fixture_site.offline import OfflineWeb
from tests.fixture_site.server import FixtureWeb

DEV_HOST_BASE = "127.0.0.41"


def dev_catalog() -> Catalog:
    return Catalog(held_back=0, records=load_dev_gold())


def _site_classes() -> dict:
    from tests.fixture_site.sites.dev import DEV_SITE_CLASSES

    return {spec.slug: DEV_SITE_CLASSES[spec.slug] for spec in DEV_OUTLETS}


class DevFixtureWeb(FixtureWeb):
    """The seven development-set outlets, each on its own loopback host; everything published."""

    def __init__(self, host_base: str = DEV_HOST_BASE, port: int = 0) -> None:
        super().__init__(host_base=host_base, held_back=0, port=port, catalog=dev_catalog(),
                         site_classes=_site_classes())

    def write_base_urls_yaml(self, path: str | Path) -> Path:
        """Registry file with only what a new user knows: name, display names and base URL."""
        lines = ["# Development-set outlets (tests.fixture_site.devweb): base URLs only.", "outlets:"]
        for slug, base in self.outlets.items():
            spec = DEV_OUTLETS_BY_SLUG[slug]
            entry = {"name": slug, "name_ar": spec.name_ar, "name_en": spec.name_en, "base_url": base,
                     "language": spec.language, "timezone": "Africa/Tripoli", "founded": spec.founded,
                     "allow_addresses": fixture_addresses(self.outlets.values())}
            for index, (key, value) in enumerate(entry.items()):
                lines.append(f"{'  - ' if index == 0 else '    '}{key}: {_yaml_value(value)}")
        target = Path(path)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target


def dev_offline_web() -> OfflineWeb:
    """The development set rendered in-process; base URLs fixed (127.0.0.41+ on port 8080)."""
    from akhbar.core.registry import registry_from_entries

    catalog = dev_catalog()
    sites = {slug: cls(catalog) for slug, cls in _site_classes().items()}
    bases = {slug: f"http://127.0.0.{41 + i}:8080/" for i, slug in enumerate(sites)}
    for site in sites.values():
        site.base_url = bases[site.slug]
        site.bases = bases
    registry = registry_from_entries([
        {"name": slug, "name_ar": DEV_OUTLETS_BY_SLUG[slug].name_ar, "name_en": DEV_OUTLETS_BY_SLUG[slug].name_en,
         "base_url": base, "language": "ar", "timezone": "Africa/Tripoli", "founded": DEV_OUTLETS_BY_SLUG[slug].founded,
         "allow_addresses": fixture_addresses(bases.values())}
        for slug, base in bases.items()
    ])
    return OfflineWeb(catalog, sites, bases, registry)
