"""Selectors kept as data (as trafilatura keeps its XPaths): which classes, ids and tags mark dates and page
furniture. The functions that use them live in the modules that need them."""

from __future__ import annotations

import re

# Elements whose class or id says they carry the publication date.
DATE_CLASS = re.compile(r"date|time|publish|posted|created|timestamp|byline-meta|meta-?info|تاريخ", re.I)
# Regions that show other dates: the site header's "today", tickers, sidebars, comments...
NOISE_CLASS = re.compile(
    r"comment|related|sidebar|widget|footer|site-?header|page-?header|main-?header|top-?header|masthead|"
    r"top-?bar|navbar|menu|(?:^|[\s_-])nav(?:$|[\s_-])|ticker|breaking|weather|prayer|clock|copyright|"
    r"most-?read|trending|popular",
    re.I,
)
NOISE_TAGS = frozenset({"header", "nav", "footer", "aside"})
CONTENT_TAGS = frozenset({"article", "main"})
