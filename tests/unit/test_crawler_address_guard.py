"""The fetch-time SSRF guard: no outlet reaches internal addresses, even through redirects, unless it
allow-lists them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request

from akhbar.core.registry import Outlet
from crawler.errors import classify_failure
from crawler.middlewares import AddressGuardMiddleware, AddressRefused


def spider(name: str, allow: tuple[str, ...] = ()) -> SimpleNamespace:
    return SimpleNamespace(outlet=Outlet(name=name, base_url="http://example.org/", allow_addresses=allow))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/admin",
    "http://10.0.0.5/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/",
    "http://2130706433/",  # 127.0.0.1 spelled as one number
])
def test_adhoc_requests_to_internal_addresses_are_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKHBAR_ALLOWED_DOMAINS", raising=False)
    guard = AddressGuardMiddleware()
    with pytest.raises(AddressRefused, match="address guard"):
        guard.process_request(Request(url), spider("adhoc-example-org"))


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",  # a redirect of a compromised outlet to the cloud metadata
    "http://localhost:6379/",  # Redis, by a name that resolves to loopback
    "http://127.0.0.1:9200/_search",
    "http://[fec0::1]/",  # site-local IPv6: not public, though Python 3.11 says global
    "http://[2002:7f00:1::1]/",  # 6to4 wrapping 127.0.0.1
    "file:///etc/passwd",
    "http://user:pw@example.org/",
])
def test_registered_outlets_are_guarded_too(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKHBAR_ALLOWED_DOMAINS", raising=False)
    with pytest.raises(AddressRefused, match="address guard"):
        AddressGuardMiddleware().process_request(Request(url), spider("fx-wasat"))


def test_redirect_hops_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scrapy's RedirectMiddleware turns a 3xx into a new request, which goes through the guard again."""
    from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    monkeypatch.delenv("AKHBAR_ALLOWED_DOMAINS", raising=False)
    guard, site = AddressGuardMiddleware(), spider("alwasat")
    first = Request("http://93.184.216.34/news")
    assert guard.process_request(first, site) is None  # a public address: fetched
    redirect = RedirectMiddleware.from_crawler(get_crawler())
    hop = redirect.process_response(first, Response(first.url, status=302,
                                                    headers={"Location": "http://169.254.169.254/"}))
    assert isinstance(hop, Request) and hop.url == "http://169.254.169.254/"
    with pytest.raises(AddressRefused):
        guard.process_request(hop, site)


def test_fixture_outlets_on_loopback_allow_list_their_own_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKHBAR_ALLOWED_DOMAINS", raising=False)
    guard = AddressGuardMiddleware()
    fixture = spider("fx-wasat", allow=("127.0.0.11", "127.0.0.12"))
    assert guard.process_request(Request("http://127.0.0.11:8080/"), fixture) is None
    assert guard.process_request(Request("http://127.0.0.12:8080/a"), fixture) is None
    with pytest.raises(AddressRefused):  # the same outlet, redirected to where Redis listens
        guard.process_request(Request("http://127.0.0.1:6379/"), fixture)
    with pytest.raises(AddressRefused):  # another outlet does not inherit the allow-list
        guard.process_request(Request("http://127.0.0.11:8080/"), spider("other"))


def test_allow_listed_networks_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKHBAR_ALLOWED_DOMAINS", "127.0.0.0/8")
    assert AddressGuardMiddleware().process_request(Request("http://127.0.0.1/"), spider("adhoc-local")) is None


def test_refusals_are_counted_by_kind() -> None:
    from twisted.python.failure import Failure

    assert classify_failure(Failure(AddressRefused("address guard: no"))) == "address_refused"


def test_the_guard_finds_the_outlet_when_scrapy_passes_no_spider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scrapy >= 2.13 calls process_request(request) alone: the guard takes the spider from its crawler
    (it used to see no outlet, and so let every ad-hoc request through)."""
    monkeypatch.delenv("AKHBAR_ALLOWED_DOMAINS", raising=False)
    guard = AddressGuardMiddleware.from_crawler(SimpleNamespace(spider=spider("adhoc-example-org")))
    with pytest.raises(AddressRefused):
        guard.process_request(Request("http://10.0.0.5/"))
    fixture = AddressGuardMiddleware.from_crawler(SimpleNamespace(spider=spider("fx-wasat", allow=("127.0.0.11",))))
    assert fixture.process_request(Request("http://127.0.0.11:8080/")) is None
