"""An OutletSpider for unit tests, without a crawl: its frontier is a set of URLs already queued."""

from __future__ import annotations

from akhbar.core.registry import Outlet
from crawler.spiders.outlet import OutletSpider

BASE = "http://news.example.ly/"


class Frontier:
    """What the spider asks the job's frontier (crawler.frontier.JobFrontier.known_many), from a set."""

    def __init__(self, known: set[str] = frozenset()) -> None:
        self.known = known

    def known_many(self, urls: list[str]) -> list[bool]:
        return [url in self.known for url in urls]


def spider(known: set[str] = frozenset()) -> OutletSpider:
    s = OutletSpider(outlet=Outlet(name="news", base_url=BASE))
    s.frontier = Frontier(known)
    return s
