"""Which URLs a crawl job submitted over HTTP may target (no SSRF).

A job names registered outlets (the built-in registry plus AKHBAR_OUTLETS), which the operator chose,
or ad-hoc URLs. An ad-hoc URL is accepted only when

  1. its host is allow-listed in AKHBAR_ALLOWED_DOMAINS (comma-separated): a domain allows itself and
     its sub-domains (`example.ly` allows `news.example.ly`); an IP address or CIDR (`10.1.2.3`,
     `192.168.0.0/16`) allows URLs naming those addresses; and
  2. every address the host resolves to is public (not loopback, private, link-local, shared,
     multicast or reserved), unless the address falls in an allow-listed IP/CIDR entry.

So `http://127.0.0.1/`, `http://10.0.0.5/`, `http://169.254.169.254/`, a name that resolves to one of
them, and odd spellings such as `http://2130706433/` are refused unless explicitly allow-listed.
The check runs when the job is submitted, and again for every request the crawl makes (redirects
included) in crawler.middlewares.AddressGuardMiddleware, for every outlet: a registered outlet's
requests skip the domain allow-list, not the address check (its `allow_addresses` and the IPs/CIDRs of
AKHBAR_ALLOWED_DOMAINS open non-public addresses). crawler.resolver checks the address actually
connected to, so a DNS answer that changes after the check cannot lead inside.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


class TargetNotAllowed(ValueError):
    """The URL may not be crawled from a job submitted over HTTP; the message says why."""


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _ip(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


# Python 3.11's is_global misses these: deprecated site-local IPv6 (RFC 3879) and 6to4, whose embedded
# IPv4 address can be a private one (2002:7f00:1::/48 is 127.0.0.1).
NOT_PUBLIC = (ipaddress.ip_network("fec0::/10"), ipaddress.ip_network("2002::/16"))


def is_public(address: IPAddress) -> bool:
    return (address.is_global and not address.is_multicast and not address.is_reserved
            and not any(address in network for network in NOT_PUBLIC))


@dataclass(frozen=True)
class AllowList:
    domains: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> AllowList:
        domains: list[str] = []
        networks: list[IPNetwork] = []
        for raw in re.split(r"[,\s]+", text or ""):
            item = raw.strip().lower().rstrip(".").removeprefix("*.").lstrip(".")
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
                continue
            except ValueError:
                pass
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", item):
                raise ValueError(f"AKHBAR_ALLOWED_DOMAINS: {raw!r} is neither a domain, an IP nor a CIDR")
            domains.append(item)
        return cls(tuple(domains), tuple(networks))

    def __bool__(self) -> bool:
        return bool(self.domains or self.networks)

    def allows_host(self, host: str) -> bool:
        address = _ip(host)
        if address is not None:
            return self.allows_address(address)
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def check_target(url: str, allow: AllowList, resolve: Resolver = _resolve, *, any_host: bool = False) -> str:
    """The URL, normalised (scheme://host[:port]/path), if a job may crawl it; else TargetNotAllowed.

    any_host: skip the domain allow-list (a registered outlet's requests and redirects): the address
    check still applies."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetNotAllowed(f"{url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise TargetNotAllowed(f"{url!r}: only http:// and https:// URLs can be crawled")
    if parts.username is not None or parts.password is not None:
        raise TargetNotAllowed(f"{url!r}: URLs with credentials are not accepted")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetNotAllowed(f"{url!r} has no host")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise TargetNotAllowed(f"{url!r}: invalid host name") from None
    if not any_host and not allow.allows_host(host):
        hint = (" (no ad-hoc hosts are allowed: AKHBAR_ALLOWED_DOMAINS is empty)" if not allow
                else "; set AKHBAR_ALLOWED_DOMAINS to allow it")
        raise TargetNotAllowed(f"{host} is not a registered outlet nor an allow-listed domain{hint}")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [host] if _ip(host) is not None else resolve(host, port)
    except OSError as exc:
        raise TargetNotAllowed(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise TargetNotAllowed(f"{host} resolves to no address")
    for text in addresses:
        address = _ip(text)
        if address is None or not (is_public(address) or allow.allows_address(address)):
            raise TargetNotAllowed(
                f"{host} resolves to {text}, a loopback/private/link-local or reserved address; "
                "allow-list that address (or its network) in AKHBAR_ALLOWED_DOMAINS to crawl it")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def adhoc_name(url: str) -> str:
    """A registry slug for an ad-hoc URL's outlet."""
    parts = urlsplit(url)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{parts.hostname or ''}-{parts.port or ''}".lower()).strip("-")
    return f"adhoc-{slug}"[:60].rstrip("-")
