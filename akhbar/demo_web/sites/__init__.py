"""One Site subclass per demo outlet (each a different CMS/template shape)."""

from __future__ import annotations

from akhbar.demo_web.sites.alaan import AlaanSite
from akhbar.demo_web.sites.base import Response, Site
from akhbar.demo_web.sites.lana import LanaSite
from akhbar.demo_web.sites.marsad import MarsadSite
from akhbar.demo_web.sites.observer import ObserverSite
from akhbar.demo_web.sites.wasat import WasatSite

SITE_CLASSES: dict[str, type[Site]] = {
    cls.slug: cls for cls in (WasatSite, AlaanSite, MarsadSite, LanaSite, ObserverSite)
}

__all__ = ["SITE_CLASSES", "Response", "Site"]
