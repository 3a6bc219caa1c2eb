"""FixtureWeb: the demo's outlets (akhbar.demo_web) plus the crawl-trap outlet, serving the gold records.

Everything served is a pure function of the gold data and of how many held-back articles were released,
so tests can assert exact counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from akhbar.demo_web.catalog import Catalog
from akhbar.demo_web.server import DemoWeb, fixture_addresses
from akhbar.demo_web.sites import Site
from tests.fixture_site.gold import DEFAULT_HELD_BACK, gold_catalog
from tests.fixture_site.sites import SITE_CLASSES

__all__ = ["FixtureWeb", "fixture_addresses"]


class FixtureWeb(DemoWeb):
    """The six fixture outlets, each on its own loopback host; the newest DEFAULT_HELD_BACK pages held back.

    outlets: slug -> base URL (filled by start()). requests(slug): every request target seen.
    release(n): publish the next n held-back articles (for incremental-crawl tests).
    """

    def __init__(self, host_base: str = "127.0.0.11", held_back: int = DEFAULT_HELD_BACK, port: int = 0,
                 *, catalog: Catalog | None = None, site_classes: Mapping[str, type[Site]] | None = None) -> None:
        """catalog + site_classes: serve another outlet set (tests.fixture_site.devweb.DevFixtureWeb)."""
        super().__init__(host_base=host_base, port=port,
                         catalog=catalog if catalog is not None else gold_catalog(held_back),
                         site_classes=site_classes if site_classes is not None else SITE_CLASSES)
