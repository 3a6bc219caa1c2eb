"""How the adapter authenticates to a secured search engine and checks its TLS certificate.

    AKHBAR_SEARCH_USER + AKHBAR_SEARCH_PASSWORD   HTTP basic auth (Elasticsearch native realm, OpenSearch security)
    AKHBAR_SEARCH_API_KEY                         an Elasticsearch API key (the base64 `encoded` value)
    AKHBAR_SEARCH_CA                              PEM file of the CA that signed the engine's certificate
    AKHBAR_SEARCH_VERIFY=false                    skip certificate checks (a test cluster only)

Credentials written into AKHBAR_SEARCH_URL (`https://user:pw@host:9200`) work too; they are taken out of the
URL so that the URL itself can be shown. The same settings drive both clients (`elasticsearch`,
`opensearch-py`) and the one plain-urllib request that detects the engine.
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit


class SearchAuthError(ValueError):
    """The search credentials or TLS settings contradict each other or point at a missing file."""


@dataclass(frozen=True)
class SearchAuth:
    user: str | None = None
    password: str | None = None
    api_key: str | None = None
    ca_file: str | None = None
    verify: bool = True

    def __post_init__(self) -> None:
        if self.api_key and self.user:
            raise SearchAuthError("set AKHBAR_SEARCH_API_KEY or AKHBAR_SEARCH_USER/AKHBAR_SEARCH_PASSWORD, not both")
        if bool(self.user) != bool(self.password):
            raise SearchAuthError("AKHBAR_SEARCH_USER and AKHBAR_SEARCH_PASSWORD go together: set both or neither")
        if self.ca_file and not Path(self.ca_file).is_file():
            raise SearchAuthError(f"AKHBAR_SEARCH_CA: no such file {self.ca_file}")

    def __repr__(self) -> str:  # never show the secrets, even in a debugger or a traceback's locals
        return (f"SearchAuth(user={self.user!r}, password={'***' if self.password else None}, "
                f"api_key={'***' if self.api_key else None}, ca_file={self.ca_file!r}, verify={self.verify})")

    @classmethod
    def from_settings(cls, settings: Any) -> SearchAuth:
        return cls(user=getattr(settings, "search_user", None), password=getattr(settings, "search_password", None),
                   api_key=getattr(settings, "search_api_key", None), ca_file=getattr(settings, "search_ca", None),
                   verify=getattr(settings, "search_verify", True))

    def with_url_credentials(self, url: str) -> tuple[str, SearchAuth]:
        """(URL without user:password, this auth with the URL's credentials when none are set otherwise)."""
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url, self
        host = parts.hostname or ""
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        if self.user or self.api_key or not parts.username:
            return clean, self
        return clean, SearchAuth(user=unquote(parts.username), password=unquote(parts.password or ""),
                                 ca_file=self.ca_file, verify=self.verify)

    # -- what each client needs ------------------------------------------------------------------------
    def authorization(self) -> str | None:
        """The Authorization header value, or None."""
        if self.api_key:
            return f"ApiKey {self.api_key}"
        if self.user:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return f"Basic {token}"
        return None

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def elasticsearch_kwargs(self, url: str) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.api_key:
            kwargs["api_key"] = self.api_key
        elif self.user:
            kwargs["basic_auth"] = (self.user, self.password)
        if url.startswith("https:"):  # the client rejects TLS options on a plain-HTTP node
            kwargs["verify_certs"] = self.verify
            if self.ca_file:
                kwargs["ca_certs"] = self.ca_file
            if not self.verify:
                kwargs["ssl_show_warn"] = False  # asked for explicitly; one warning per request is noise
        return kwargs

    def opensearch_kwargs(self, url: str) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.api_key:
            # OpenSearch has no API keys of its own; the header still serves proxies and ES-compatible gateways.
            kwargs["headers"] = {"authorization": self.authorization()}
        elif self.user:
            kwargs["http_auth"] = (self.user, self.password)
        if url.startswith("https:"):
            kwargs["use_ssl"] = True
            kwargs["verify_certs"] = self.verify
            if self.ca_file:
                kwargs["ca_certs"] = self.ca_file
            if not self.verify:
                kwargs["ssl_show_warn"] = False
                kwargs["ssl_assert_hostname"] = False
        return kwargs


def settings_auth() -> SearchAuth:
    """The AKHBAR_SEARCH_* settings (see the module docstring)."""
    from akhbar.core.config import load_settings

    return SearchAuth.from_settings(load_settings())


__all__ = ["SearchAuth", "SearchAuthError", "settings_auth"]
