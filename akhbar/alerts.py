"""Saved searches and alerts for users: what `akhbar alerts ...` and the `/alerts` API endpoints do.

    add / remove / list_searches / test     saved searches (index.percolate), webhook SSRF-checked
    recent(store, name)                      a saved search's newest alerts (workers.alerts.AlertStore)
    atom_feed(search, alerts, base_url)      its Atom feed (RFC 4287), newest alert first

How alerts are raised is in index/percolate.py (matching) and workers/alerts.py (one per story).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

import redis

from akhbar.core.config import Settings, load_settings
from akhbar.core.targets import AllowList, check_target
from index.adapter import SearchAdapter
from index.percolate import SavedSearch, ensure_alerts_index, get, list_saved, save
from index.percolate import delete as delete_saved
from workers.alerts import AlertStore, webhook_origin

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def allow_list() -> AllowList:
    return AllowList.parse(load_settings().allowed_domains)


def add(adapter: SearchAdapter, settings: Settings, client: redis.Redis, name: str, q: str,
        outlet: list[str] | None = None, webhook: str | None = None, *, allow: AllowList | None = None,
        replace: bool = False, filters: Mapping[str, Any] | None = None) -> SavedSearch:
    """Validate and store a saved search. Raises SavedSearchError (bad input, name taken) or
    TargetNotAllowed (the webhook fails the crawl targets' SSRF guard: host not allow-listed in
    AKHBAR_ALLOWED_DOMAINS, or resolving to a private/loopback/link-local address).

    The webhook URL is a secret: the index (which reads and Kibana's read-only role see) keeps only its
    scheme://host; the URL itself goes to Redis (AlertStore.set_webhook)."""
    search = SavedSearch.create(name, q, outlet, webhook, filters=filters)
    url = search.webhook
    if url:
        check_target(url, allow if allow is not None else allow_list())
        search = dataclasses.replace(search, webhook=webhook_origin(url))
    index = ensure_alerts_index(adapter, settings.alerts_alias)
    saved = save(adapter, index.alias, search, replace=replace)
    AlertStore(client).set_webhook(name, url)
    return saved


def remove(adapter: SearchAdapter, client: redis.Redis, settings: Settings, name: str) -> None:
    delete_saved(adapter, settings.alerts_alias, name)
    AlertStore(client).forget(name)


def list_searches(adapter: SearchAdapter, settings: Settings) -> list[SavedSearch]:
    return list_saved(adapter, settings.alerts_alias)


def get_search(adapter: SearchAdapter, settings: Settings, name: str) -> SavedSearch:
    return get(adapter, settings.alerts_alias, name)


def preview(adapter: SearchAdapter, settings: Settings, name: str, size: int = 10) -> dict:
    """What the saved search matches in the archive now (newest first): the same query as the alerts."""
    from index.search import run_search

    search = get_search(adapter, settings, name)
    return run_search(adapter, settings.index_alias, {"q": search.q, **search.filters, "sort": "date",
                                                      "size": size, "highlight": False, "facets": False})


def describe_filters(search: SavedSearch) -> str:
    """`outlet: a, b; from: 2024-01-01` ("" without filters)."""
    return "; ".join(f"{key}: {', '.join(value) if isinstance(value, list) else value}"
                     for key, value in search.filters.items())


def search_json(search: SavedSearch, *, store: AlertStore | None = None) -> dict:
    data = search.to_dict()
    data["webhook"] = webhook_origin(search.webhook)  # saved searches from before kept the whole URL
    data["feed"] = f"/alerts/{quote(search.name, safe='')}.atom"
    if store is not None:
        data["alerts"] = store.count(search.name)
    return data


# -- Atom -----------------------------------------------------------------------------------------------
def _tag(name: str, *rest: str) -> str:
    return "tag:akhbar,2024:alerts/" + "/".join(quote(p, safe="") for p in (name, *rest))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _rfc3339(value: str | None, fallback: str) -> str:
    try:
        moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.fromisoformat(fallback)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def atom_feed(search: SavedSearch, alerts: list[dict], base_url: str, outlet_names: dict[str, str] | None = None) -> bytes:
    """An Atom feed of the alerts (newest first): one entry per story, its first article's title and
    link, the other outlets that published it in the summary."""
    names = outlet_names or {}
    base = base_url.rstrip("/")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ar"})
    _sub(feed, "id", _tag(search.name))
    _sub(feed, "title", f"أخبار · تنبيه «{search.name}»")
    _sub(feed, "subtitle", search.q + (f" ({describe_filters(search)})" if search.filters else ""))
    newest = max((_rfc3339(a.get("updated_at"), now) for a in alerts), default=None)
    _sub(feed, "updated", newest or _rfc3339(search.created_at, now))
    _sub(feed, "link", rel="self", type="application/atom+xml",
         href=f"{base}/alerts/{quote(search.name, safe='')}.atom")
    # The page's URL takes one value per filter: a filter with several is left out of the link.
    query = {"q": search.q, "sort": "date"} | {
        k: v[0] if isinstance(v, list) else v for k, v in search.filters.items() if not isinstance(v, list) or len(v) == 1}
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/?{urlencode(query)}")
    _sub(_sub(feed, "author"), "name", "Akhbar")
    _sub(feed, "generator", "Akhbar")
    for alert in alerts:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _tag(search.name, alert["id"]))
        _sub(entry, "title", alert.get("title") or "(بلا عنوان)")
        if alert.get("url"):
            _sub(entry, "link", rel="alternate", href=alert["url"])
        if alert.get("doc_id"):
            _sub(entry, "link", rel="related", type="text/html",
                 href=f"{base}/article/{quote(alert['doc_id'], safe='')}")
        _sub(entry, "published", _rfc3339(alert.get("created_at"), now))
        _sub(entry, "updated", _rfc3339(alert.get("updated_at"), now))
        outlet = alert.get("outlet")
        _sub(_sub(entry, "author"), "name", names.get(outlet or "", outlet or "Akhbar"))
        summary = alert.get("lead") or ""
        also = [names.get(o, o) for o in alert.get("also_published_by") or []]
        if also:
            summary = f"{summary}\n\nنُشر أيضاً في: {'، '.join(also)}".strip()
        _sub(entry, "summary", summary or alert.get("title") or "")
        for name in [outlet, *(alert.get("also_published_by") or [])]:
            if name:
                _sub(entry, "category", term=name)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
