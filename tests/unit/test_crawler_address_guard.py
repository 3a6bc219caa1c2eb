"""The fetch-time SSRF guard: ad-hoc outlets never reach internal addresses, even through redirects."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request

from akhbar.core.registry import Outlet
from crawler.errors import classify_failure
from crawler.middlewares import AddressGuardMiddleware, AddressRefused


def spider(name: str) -> SimpleNamespace:
    return SimpleNamespace(outlet=Outlet(name=name, base_url="http://example.org/"))


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


def test_registered_outlets_may_be_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKHBAR_ALLOWED_DOMAINS", raising=False)
    assert AddressGuardMiddleware().process_request(Request("http://127.0.0.11:8080/"), spider("fx-wasat")) is None


def test_allow_listed_networks_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKHBAR_ALLOWED_DOMAINS", "127.0.0.0/8")
    assert AddressGuardMiddleware().process_request(Request("http://127.0.0.1/"), spider("adhoc-local")) is None


def test_refusals_are_counted_by_kind() -> None:
    from twisted.python.failure import Failure

    assert classify_failure(Failure(AddressRefused("address guard: no"))) == "address_refused"
