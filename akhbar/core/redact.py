"""Keep secrets out of everything a person or a log collector can read.

One helper for log lines, error messages, `akhbar services status` and `GET /health`:
  - the password of any URL (`redis://:pw@redis:6379/0`, `https://akhbar:pw@es:9200`) becomes `***`;
  - `password=...` / `api_key=...` style pairs lose their value;
  - the values of the secret settings themselves (AKHBAR_SEARCH_PASSWORD, AKHBAR_SEARCH_API_KEY,
    AKHBAR_API_TOKEN, the passwords inside AKHBAR_REDIS_URL / AKHBAR_SEARCH_URL) are replaced wherever
    they appear, because a library may quote one outside a URL (e.g. in an AUTH error).

Hand-written because the libraries each mask only their own URLs (Celery's `maybe_sanitize_url`,
redis-py's repr), and we need the same rule for every message whichever library produced it.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit

MASK = "***"
# scheme://[user]:password@  -- the userinfo of any URL (user may be empty, as in redis://:pw@host)
# (no "/" in the password: RFC 3986 requires it percent-encoded, and so `http://host:80/a@b` is left alone)
_URL_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"]*:)(?P<secret>[^\s@/'\"]+)@")
# password=..., "password": "...", api_key: ...  (a separator is required, so prose is left alone)
_KEY_VALUE = re.compile(
    r"(?P<head>\b(?:password|passwd|api[_-]?key)['\"]?\s*[:=]\s*['\"]?)"
    r"(?P<secret>[^\s'\",&;}]+)",
    re.IGNORECASE,
)
# Settings whose value is a secret, and settings that are URLs which may carry one.
SECRET_SETTINGS = ("AKHBAR_SEARCH_PASSWORD", "AKHBAR_SEARCH_API_KEY", "AKHBAR_API_TOKEN", "REDIS_PASSWORD",
                   "ELASTIC_PASSWORD", "KIBANA_PASSWORD", "AKHBAR_ES_PASSWORD", "EXPLORER_PASSWORD",
                   "FLOWER_PASSWORD")
URL_SETTINGS = ("AKHBAR_REDIS_URL", "AKHBAR_SEARCH_URL")
MIN_SECRET_LEN = 4  # shorter values would blank out ordinary words; such a secret is no secret anyway


def redact_url(url: str | None) -> str | None:
    """The URL with its password (if any) replaced by `***`; None stays None."""
    if url is None:
        return None
    return _URL_USERINFO.sub(lambda m: m.group("head") + MASK + "@", url)


def known_secrets(env: dict[str, str] | None = None) -> set[str]:
    """Secret values configured in the environment (and their URL-encoded forms), to scrub by value."""
    env = os.environ if env is None else env
    found: set[str] = set()
    for name in SECRET_SETTINGS:
        value = env.get(name, "")
        if value:
            found.add(value)
    kibana_user = env.get("AKHBAR_KIBANA_USER", "")  # user:password for `akhbar kibana setup`
    if ":" in kibana_user:
        found.add(kibana_user.partition(":")[2])
    for name in URL_SETTINGS:
        try:
            password = urlsplit(env.get(name, "")).password
        except ValueError:
            password = None
        if password:
            found.update({password, unquote(password)})
    return {value for value in found if len(value) >= MIN_SECRET_LEN}


def redact(text: str, secrets: set[str] | None = None) -> str:
    """Mask URL passwords, `password=...` values and the known secret values in free text."""
    if not text:
        return text
    out = _URL_USERINFO.sub(lambda m: m.group("head") + MASK + "@", text)
    out = _KEY_VALUE.sub(lambda m: m.group("head") + MASK, out)
    # Longest first, so a secret that contains another one is masked whole.
    for value in sorted(known_secrets() if secrets is None else secrets, key=len, reverse=True):
        out = out.replace(value, MASK)
    return out


__all__ = ["MASK", "known_secrets", "redact", "redact_url"]
