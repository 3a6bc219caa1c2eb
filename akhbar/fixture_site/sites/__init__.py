"""One Site subclass per fixture outlet (each a different CMS/template shape)."""

from __future__ import annotations

from akhbar.fixture_site.sites.alaan import AlaanSite
from akhbar.fixture_site.sites.base import Response, Site
from akhbar.fixture_site.sites.lana import LanaSite
from akhbar.fixture_site.sites.marsad import MarsadSite
from akhbar.fixture_site.sites.observer import ObserverSite
from akhbar.fixture_site.sites.trap import TrapSite
from akhbar.fixture_site.sites.wasat import WasatSite

SITE_CLASSES: dict[str, type[Site]] = {
    cls.slug: cls for cls in (WasatSite, AlaanSite, MarsadSite, LanaSite, TrapSite, ObserverSite)
}

__all__ = ["SITE_CLASSES", "Response", "Site"]
