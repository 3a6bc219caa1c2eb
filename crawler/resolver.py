"""Scrapy's DNS resolver, refusing answers that are not public addresses (no DNS rebinding).

AddressGuardMiddleware checks each request's host before it is sent, but Scrapy resolves the name again
when it connects: a name whose answer changes in between (DNS rebinding, or a verdict the guard cached)
would reach whatever the second answer says. This resolver sees that second answer, the address the
connection will use, and fails the lookup when it is loopback/private/link-local/reserved, unless it
falls in an allowed network: the IPs/CIDRs of AKHBAR_ALLOWED_DOMAINS and the `allow_addresses` of the
job's outlets (crawler.run puts them in AKHBAR_ALLOWED_ADDRESSES). IP literals are never resolved, so
the middleware's check is the one that applies to them.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from akhbar.core.config import load_settings
from akhbar.core.targets import AllowList, _ip, is_public

log = logging.getLogger("akhbar.crawler")


class PrivateAddressRefused(DNSLookupError):
    """A host name resolved to an address the crawler may not connect to."""


def allowed_networks(extra: list[str] | tuple[str, ...] = ()) -> AllowList:
    listed = AllowList.parse(load_settings().allowed_domains)
    return AllowList(networks=(*listed.networks, *(ipaddress.ip_network(n, strict=False) for n in extra)))


class GuardedResolver(CachingThreadedResolver):
    def __init__(self, reactor: Any, cache_size: int, timeout: float, allow: AllowList | None = None):
        super().__init__(reactor, cache_size, timeout)
        self.allow = allow if allow is not None else allowed_networks()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow = allowed_networks(crawler.settings.getlist("AKHBAR_ALLOWED_ADDRESSES"))
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's interface
        return super().getHostByName(name, timeout).addCallback(self._vet, name)

    def _vet(self, address: str, name: str) -> str:
        ip = _ip(address)
        if ip is None or not (is_public(ip) or self.allow.allows_address(ip)):
            # Twisted reports a failed lookup as "no results": say here why the name was refused.
            log.warning("address guard: %s resolves to %s, a non-public address: not connecting", name, address)
            raise PrivateAddressRefused(f"{name} resolves to {address}, a loopback/private/link-local or reserved "
                                        "address; allow-list it (AKHBAR_ALLOWED_DOMAINS or the outlet's "
                                        "allow_addresses) to crawl it")
        return address
