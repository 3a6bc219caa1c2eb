"""One Site subclass per fixture outlet (each a different CMS/template shape): the demo's and fx-trap."""

from __future__ import annotations

from akhbar.demo_web.sites import SITE_CLASSES as DEMO_SITE_CLASSES
from akhbar.demo_web.sites.base import Response, Site
from tests.fixture_site.outlets import OUTLETS
from tests.fixture_site.sites.trap import TrapSite

SITE_CLASSES: dict[str, type[Site]] = {spec.slug: {**DEMO_SITE_CLASSES, TrapSite.slug: TrapSite}[spec.slug]
                                       for spec in OUTLETS}

__all__ = ["SITE_CLASSES", "Response", "Site"]
