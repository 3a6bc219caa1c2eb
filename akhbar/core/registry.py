"""The outlet registry: which sites Akhbar crawls, and how (one outlet: akhbar.core.outlet).

The built-in registry is ``akhbar/core/outlets.yaml``. Users extend or override it with their own
YAML (or JSON) file, given as ``--outlets FILE`` or in the ``AKHBAR_OUTLETS`` environment variable.
Between the two sits ``$AKHBAR_HOME/outlets.yaml``: outlets that commands registered for this home
(`akhbar demo` registers its outlets there, so later commands show their names); the user's file wins.

A user file holds ``outlets:`` as a list of entries (or a mapping of name -> entry)::

    outlets:
      - name: my-site                       # a new outlet needs only name and base_url
        base_url: https://example.ly/
      - name: alwasat                       # an existing name overrides field by field
        feeds: [https://alwasat.ly/rss]     # lists are replaced as a whole
        schedule: {feeds: 5m}               # selectors/schedule merge key by key

URL lists (``feeds``, ``sitemaps``, ``listings``) take plain strings or mappings
``{url: ..., verified: false, notes: "..."}``; relative URLs are resolved against ``base_url``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from akhbar.core.config import load_settings
from akhbar.core.outlet import (
    DEFAULT_SCHEDULE,
    Outlet,
    RegistryError,
    Schedule,
    Selectors,
    SourceUrl,
    bare_host,
    check_entry,
    make_outlet,
    parse_duration,
)
from akhbar.core.text import normalize_arabic

__all__ = [
    "BUILTIN_FILE",
    "DEFAULT_SCHEDULE",
    "ENV_VAR",
    "Outlet",
    "Registry",
    "RegistryError",
    "Schedule",
    "Selectors",
    "SourceUrl",
    "UnknownOutletError",
    "HOME_FILE",
    "load_registry",
    "parse_duration",
    "register_outlets",
    "registry_from_entries",
]

BUILTIN_FILE = Path(__file__).with_name("outlets.yaml")
ENV_VAR = "AKHBAR_OUTLETS"
HOME_FILE = "outlets.yaml"  # in $AKHBAR_HOME: outlets registered by commands (register_outlets)
_TOP_KEYS = {"outlets", "version"}  # keys of a registry file

class UnknownOutletError(KeyError):
    """``Registry.get`` was asked for a name that is not in the registry."""

    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        self.message = f"unknown outlet {name!r}{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


# --------------------------------------------------------------------------- registry


def _alias_key(text: str) -> str:
    text = normalize_arabic(text).casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def _explicit_port(url: str) -> int | None:
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def _dir_path(path: str) -> str:
    path = path or "/"
    return path if path.endswith("/") else path + "/"


class Registry:
    """An immutable set of outlets with lookups by name, URL and alias."""

    def __init__(self, outlets: Sequence[Outlet], files: Sequence[str] = ()) -> None:
        self._outlets: dict[str, Outlet] = {}
        for outlet in outlets:
            if outlet.name in self._outlets:
                raise RegistryError(f"{outlet.origin}: outlet {outlet.name!r} is defined twice")
            self._outlets[outlet.name] = outlet
        self.files: tuple[str, ...] = tuple(files)
        self._by_host: dict[str, list[Outlet]] = {}
        self._by_alias: dict[str, list[Outlet]] = {}
        for outlet in self._outlets.values():
            for host in dict.fromkeys(outlet.hosts):
                self._by_host.setdefault(host, []).append(outlet)
            for key in self._alias_keys(outlet):
                bucket = self._by_alias.setdefault(key, [])
                if outlet not in bucket:
                    bucket.append(outlet)

    # -- basic access -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._outlets)

    def __iter__(self) -> Iterator[Outlet]:
        return iter(self._outlets.values())

    def __contains__(self, name: object) -> bool:
        return name in self._outlets

    def __repr__(self) -> str:
        return f"Registry({len(self)} outlets from {', '.join(self.files) or '<memory>'})"

    def names(self, *, include_disabled: bool = True) -> list[str]:
        return [o.name for o in self.all(include_disabled=include_disabled)]

    def all(self, *, include_disabled: bool = True) -> list[Outlet]:
        """Outlets in file order (built-in first, then user additions)."""
        return [o for o in self._outlets.values() if include_disabled or o.enabled]

    def enabled(self) -> list[Outlet]:
        return self.all(include_disabled=False)

    def crawlable(self) -> list[Outlet]:
        """Enabled outlets whose site still exists (`status: defunct` ones are read from web archives only)."""
        return [o for o in self.enabled() if not o.defunct]

    def get(self, name: str) -> Outlet:
        """The outlet called ``name``; ``UnknownOutletError`` (a KeyError) lists close matches."""
        try:
            return self._outlets[name]
        except KeyError:
            pass
        lowered = name.strip().lower()
        if lowered in self._outlets:
            return self._outlets[lowered]
        suggestions = difflib.get_close_matches(lowered, list(self._outlets), n=5, cutoff=0.5)
        by_alias = self.find_by_alias(name)
        if by_alias is not None and by_alias.name not in suggestions:
            suggestions.insert(0, by_alias.name)
        raise UnknownOutletError(name, suggestions)

    # -- lookups ------------------------------------------------------------------------
    def for_url(self, url: str) -> Outlet | None:
        """The outlet that published ``url``: matched by host (``www.`` ignored, sub-domains fall
        back to their parent domain), then by port when the outlet's base URL names one, then by
        the longest base-URL path prefix (several outlets may share one host, e.g. 127.0.0.1)."""
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname
        except ValueError:
            return None
        if not host:
            return None
        host = bare_host(host)
        port = _explicit_port(url)
        if port is None:
            port = 443 if parts.scheme == "https" else 80
        matched_host = host
        candidates = self._by_host.get(host)
        if not candidates and not _is_ip(host):
            labels = host.split(".")
            for i in range(1, len(labels) - 1):
                matched_host = ".".join(labels[i:])
                candidates = self._by_host.get(matched_host)
                if candidates:
                    break
        if not candidates:
            return None
        path = _dir_path(parts.path)
        best: Outlet | None = None
        best_len = -1
        for outlet in candidates:
            base = urlsplit(outlet.base_url)
            outlet_port = _explicit_port(outlet.base_url)
            if outlet_port is not None and outlet_port != port:
                continue
            if outlet_port is None and port not in (80, 443):
                continue
            # On an alternate host the base URL's path does not apply.
            base_path = _dir_path(base.path) if matched_host == outlet.host else "/"
            if path.startswith(base_path) and len(base_path) > best_len:
                best, best_len = outlet, len(base_path)
        return best

    def display_names(self) -> dict[str, str]:
        """Outlet id -> the name a reader expects (Arabic name, else English, else the id)."""
        return {o.name: o.display_name for o in self._outlets.values()}

    def find_by_alias(self, name: str) -> Outlet | None:
        """Match a slug, Arabic or English name, alias or host name, after Arabic normalisation
        (hamza/alef forms, ya/alef maqsura, ta marbuta, diacritics, tatweel), case folding and
        punctuation folding. A leading Arabic article or "the" is also tried without it; a host
        name or URL is looked up with ``for_url``."""
        matches = self.find_all_by_alias(name)
        return matches[0] if matches else None

    def find_all_by_alias(self, name: str) -> list[Outlet]:
        key = _alias_key(name)
        if not key:
            return []
        for candidate in _alias_variants(key):
            if candidate in self._by_alias:
                return list(self._by_alias[candidate])
        text = name.strip()
        if "." in text and not any(c.isspace() for c in text):  # a host name or URL
            outlet = self.for_url(text if "://" in text else f"http://{text}")
            if outlet is not None:
                return [outlet]
        return []

    @staticmethod
    def _alias_keys(outlet: Outlet) -> set[str]:
        raw = [outlet.name, outlet.name.replace("-", " ").replace("_", " "), *outlet.aliases]
        raw += [n for n in (outlet.name_ar, outlet.name_en) if n]
        for host in outlet.hosts:
            raw += [host, host.split(".")[0]]
        keys: set[str] = set()
        for text in raw:
            key = _alias_key(text)
            if key:
                keys.update(_alias_variants(key))
        return keys


def _alias_variants(key: str) -> list[str]:
    variants = [key]
    for prefix in ("ال", "the "):
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            variants.append(key[len(prefix) :])
    squashed = key.replace(" ", "")
    if squashed != key:
        variants.append(squashed)
    return variants


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", host)) or ":" in host


# --------------------------------------------------------------------------- loading

def load_registry(
    user_file: str | Path | None = None,
    *,
    include_builtin: bool = True,
    builtin_file: str | Path | None = None,
    home: str | Path | None = None,
) -> Registry:
    """The built-in registry merged with the outlets registered in ``home`` and the user's file.

    ``user_file`` defaults to ``$AKHBAR_OUTLETS`` (unset or empty: no user file). ``home``: the
    ``$AKHBAR_HOME`` whose ``outlets.yaml`` is read when it exists (None: not read). A later entry
    whose name exists overrides it field by field; a new entry needs ``name`` and ``base_url``.
    """
    if user_file is None:
        user_file = load_settings().outlets_file
    layers: list[tuple[str, list[dict[str, Any]]]] = []
    if include_builtin:
        path = Path(builtin_file) if builtin_file is not None else BUILTIN_FILE
        layers.append((str(path), _read_file(path)))
    if home is not None and (Path(home) / HOME_FILE).is_file():
        path = Path(home) / HOME_FILE
        layers.append((str(path), _read_file(path)))
    if user_file is not None:
        path = Path(user_file).expanduser()
        layers.append((str(path), _read_file(path)))
    return _build(layers)


def register_outlets(home: str | Path, entries: Sequence[Mapping[str, Any]]) -> Path:
    """Write ``entries`` into ``$AKHBAR_HOME/outlets.yaml``, replacing entries of the same name and
    keeping the others; every later ``load_registry(home=...)`` sees them. Returns the file."""
    path = Path(home) / HOME_FILE
    new = _check_entries([dict(entry) for entry in entries], "<register>")
    names = {entry["name"] for entry in new}
    kept = [entry for entry in _read_file(path) if entry["name"] not in names] if path.is_file() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"outlets": kept + new}, allow_unicode=True, sort_keys=False)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("# Outlets registered by akhbar commands (akhbar demo); your own go in $AKHBAR_OUTLETS.\n"
                   + text, encoding="utf-8")
    tmp.replace(path)
    return path


def registry_from_entries(entries: Sequence[Mapping[str, Any]], origin: str = "<memory>") -> Registry:
    """A registry from in-memory entries (tests, fixture sites); same validation as files."""
    return _build([(origin, _check_entries(list(entries), origin))])


def _build(layers: Sequence[tuple[str, list[dict[str, Any]]]]) -> Registry:
    merged: dict[str, dict[str, Any]] = {}
    origins: dict[str, list[str]] = {}
    for origin, entries in layers:
        for entry in entries:
            name = entry["name"]
            if name in merged:
                merged[name] = _merge(merged[name], entry)
                origins[name].append(origin)
            else:
                if "base_url" not in entry:
                    raise RegistryError(
                        f"{origin}: outlet {name!r}: 'base_url' is required for a new outlet "
                        f"(no outlet called {name!r} exists to override)"
                    )
                merged[name] = dict(entry)
                origins[name] = [origin]
    outlets = [make_outlet(merged[name], " + ".join(origins[name])) for name in merged]
    return Registry(outlets, files=[origin for origin, _ in layers])


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if (
            key in ("selectors", "schedule")
            and isinstance(value, Mapping)
            and isinstance(out.get(key), Mapping)
        ):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _read_file(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{path}: outlet registry file not found") from None
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read outlet registry: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML/JSON: {exc}") from None
    origin = str(path)
    if data is None:
        return []
    if isinstance(data, Mapping):
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise RegistryError(
                f"{origin}: unknown top-level key(s) {sorted(map(str, unknown))}; expected 'outlets'"
            )
        data = data.get("outlets") or []
    if isinstance(data, Mapping):  # outlets: {slug: {...}}
        entries = []
        for name, body in data.items():
            if body is None:
                body = {}
            if not isinstance(body, Mapping):
                raise RegistryError(f"{origin}: outlet {name!r}: entry must be a mapping")
            if "name" in body and body["name"] != name:
                raise RegistryError(
                    f"{origin}: outlet {name!r}: 'name' {body['name']!r} differs from its key"
                )
            entries.append({**body, "name": name})
        data = entries
    if not isinstance(data, list):
        raise RegistryError(f"{origin}: 'outlets' must be a list of entries or a mapping of name -> entry")
    return _check_entries(data, origin)


def _check_entries(entries: list[Any], origin: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for index, entry in enumerate(entries, 1):
        checked = check_entry(entry, origin, index)
        if checked["name"] in seen:
            raise RegistryError(f"{origin}: outlet {checked['name']!r} appears twice in this file")
        seen.add(checked["name"])
        out.append(checked)
    return out


def registry_with_entries(entries: Sequence[Mapping[str, Any]], origin: str = "<job>") -> Registry:
    """The built-in registry plus in-memory entries (a crawl job carries its user's outlets this way)."""
    clean = [{k: v for k, v in e.items() if v not in (None, [], {}, ())} for e in entries]
    return _build([(str(BUILTIN_FILE), _read_file(BUILTIN_FILE)), (origin, _check_entries(clean, origin))])
