"""The development-set templates (tests.fixture_site.devset), one Site subclass per outlet."""

from __future__ import annotations

from tests.fixture_site.sites.devbase import DevSite
from tests.fixture_site.sites.dx_amp import AmpSite
from tests.fixture_site.sites.dx_blogger import BloggerSite
from tests.fixture_site.sites.dx_drupal import DrupalSite
from tests.fixture_site.sites.dx_ghost import GhostSite
from tests.fixture_site.sites.dx_joomla import JoomlaSite
from tests.fixture_site.sites.dx_loadmore import LoadMoreSite
from tests.fixture_site.sites.dx_next import NextSite
from tests.fixture_site.sites.dx_nextdata import NextDataSite
from tests.fixture_site.sites.dx_nuxt import NuxtSite
from tests.fixture_site.sites.dx_react import ReactSite
from tests.fixture_site.sites.dx_shell import ShellSite
from tests.fixture_site.sites.dx_split import SplitSite
from tests.fixture_site.sites.dx_table import TableSite
from tests.fixture_site.sites.dx_wparchive import WpArchiveSite
from tests.fixture_site.sites.dx_wpplain import WpPlainSite
from tests.fixture_site.sites.dx_wpyoast import WpYoastSite

DEV_SITE_CLASSES: dict[str, type[DevSite]] = {
    cls.slug: cls
    for cls in (NextSite, NuxtSite, DrupalSite, JoomlaSite, BloggerSite, AmpSite, TableSite, WpPlainSite,
                WpArchiveSite, SplitSite, ShellSite, ReactSite, GhostSite, WpYoastSite, NextDataSite,
                LoadMoreSite)
}

__all__ = ["DEV_SITE_CLASSES", "DevSite"]
