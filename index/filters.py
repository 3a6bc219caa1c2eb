"""The search filters, declared once: this table drives every place a filter shows up.

    FILTERS                 the table (one FilterSpec per filter, in query order)
    coerce_filters(raw)     validated values by name (raises QueryError)
    filter_clauses(values)  the engine's `filter` clauses
    public_filters()        the table as JSON for the search page (GET /search/filters)

Consumers read the table, never a copy of it: index.search (SearchParams, the query), index.percolate
(saved searches: same values, same clauses), akhbar.api (the /search signature and OpenAPI, the
/alerts body), akhbar.cli (`search` and `alerts add` options) and akhbar/web/app.js (the form, via
/search/filters). Adding a filter is one entry here (plus a test); a new *kind* needs its coercion
and clause below. Every consumer takes the table as an argument, so tests can add a fake filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from akhbar.core.times import DEFAULT_TIMEZONE
from index.query import QueryError

TIME_ZONE = DEFAULT_TIMEZONE
MAX_VALUES = 100  # per list filter in a search
FilterKind = Literal["terms", "from", "to"]
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FilterSpec:
    name: str  # SearchParams attribute
    kind: FilterKind  # terms: any of the values; from/to: a bound of a date range on `field`
    field: str  # engine field
    description: str  # API docs; CLI help unless cli_help
    param: str = ""  # public name (HTTP, JSON, saved searches, CLI flag) when not `name`
    aliases: tuple[str, ...] = ()  # other names accepted on input
    cli_help: str = ""
    label_ar: str | None = None  # shown on the search page's form when set
    any_ar: str = ""  # the form's "no filter" choice
    choices: tuple[tuple[str, str], ...] = ()  # the form's options: (value, Arabic label)
    choices_from: str | None = None  # the page fills the options from this API list ("outlets")
    facet: int = 0  # > 0: search returns a terms facet on `field` under `key`, with this many buckets
    names: str | None = None  # "outlet" / "place": facet buckets carry that kind of readable name

    @property
    def key(self) -> str:
        return self.param or self.name

    @property
    def multi(self) -> bool:
        """Several values (repeatable in HTTP and the CLI): terms filters."""
        return self.kind == "terms"

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def api_description(self) -> str:
        return self.description + (" (repeatable)" if self.multi else "")

    def empty(self) -> Any:
        return [] if self.multi else None


FILTERS: tuple[FilterSpec, ...] = (
    FilterSpec("outlet", "terms", "outlet", "Outlet", aliases=("outlets",),
               cli_help="Only articles of this outlet", label_ar="المصدر", any_ar="كل المصادر",
               choices_from="outlets", facet=50, names="outlet"),
    FilterSpec("source_outlet", "terms", "source_outlet", "Original outlet of reposts"),
    FilterSpec("language", "terms", "language", "Language: ar, en, …", label_ar="اللغة", any_ar="كل اللغات",
               choices=(("ar", "العربية"), ("en", "الإنجليزية"))),
    FilterSpec("section", "terms", "section", "Section"),
    # two place facets: every place an article names (mentions), and the one it is mainly about
    FilterSpec("place", "terms", "places.id", "Articles that name this place: a gazetteer id such as ly:tripoli",
               cli_help="Articles that name this place: an id (ly:tripoli) or a name (طرابلس, Misrata)",
               facet=30, names="place"),
    FilterSpec("main_place", "terms", "main_place.id",
               "Articles mainly about this place: a gazetteer id such as ly:tripoli",
               cli_help="Articles mainly about this place: an id (ly:tripoli) or a name (طرابلس, Misrata)",
               facet=30, names="place"),
    FilterSpec("date_from", "from", "published_at", "YYYY-MM-DD or ISO 8601", param="from",
               cli_help="Published on or after (YYYY-MM-DD).", label_ar="من تاريخ"),
    FilterSpec("date_to", "to", "published_at", "YYYY-MM-DD or ISO 8601", param="to",
               cli_help="Published on or before (YYYY-MM-DD).", label_ar="إلى تاريخ"),
)


def names_by_input(table: Sequence[FilterSpec] = FILTERS) -> dict[str, str]:
    """Every input name (public name, aliases) -> the filter's name."""
    out = {}
    for spec in table:
        out[spec.key] = spec.name
        out.update(dict.fromkeys(spec.aliases, spec.name))
    return out


# -- coercion ----------------------------------------------------------------------------------------
def as_list(value: Any, name: str, limit: int = MAX_VALUES) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list | tuple | set):
        items = [str(v).strip() for v in value]
    else:
        raise QueryError(f"{name} must be a string or a list of strings")
    items = [v for v in items if v]
    if len(items) > limit:
        raise QueryError(f"too many values for {name} (at most {limit})")
    return items


def as_date(value: Any, name: str) -> str | None:
    """YYYY-MM-DD (a day in Libyan time) or ISO 8601 with or without an offset."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise QueryError(f"{name} must be a date (YYYY-MM-DD or ISO 8601)")
    text = value.strip()
    try:
        if _DATE_ONLY.match(text):
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1)).isoformat()
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a date (use YYYY-MM-DD or ISO 8601)") from None


def _instant(value: str, end: bool) -> datetime:
    """For checking from <= to only."""
    from zoneinfo import ZoneInfo

    if _DATE_ONLY.match(value):
        d = date.fromisoformat(value)
        moment = datetime(d.year, d.month, d.day, 23, 59, 59) if end else datetime(d.year, d.month, d.day)
    else:
        moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(TIME_ZONE))
        except Exception:  # no tz database: compare in UTC, the engine still applies the zone
            moment = moment.replace(tzinfo=UTC)
    return moment


def coerce_filters(raw: Mapping[str, Any], table: Sequence[FilterSpec] = FILTERS,
                   limit: int = MAX_VALUES) -> dict[str, Any]:
    """Validated values by filter name, every filter present (empty: [] or None). `raw` is keyed by
    filter name (input names are mapped by the caller)."""
    out: dict[str, Any] = {}
    for spec in table:
        value = raw.get(spec.name)
        out[spec.name] = as_list(value, spec.key, limit) if spec.multi else as_date(value, spec.key)
    lows = {s.field: s for s in table if s.kind == "from"}
    for high in (s for s in table if s.kind == "to"):
        low = lows.get(high.field)
        if low and out[low.name] and out[high.name] and \
                _instant(out[low.name], False) > _instant(out[high.name], True):
            raise QueryError(f"{low.key} is after {high.key}")
    return out


# -- the engine query ----------------------------------------------------------------------------------
def filter_clauses(values: Mapping[str, Any], table: Sequence[FilterSpec] = FILTERS) -> list[dict]:
    """Terms clauses, then one range clause per field for its from/to bounds, in table order."""
    clauses: list[dict] = []
    ranges: dict[str, dict[str, Any]] = {}
    for spec in table:
        value = values.get(spec.name)
        if not value:
            continue
        if spec.kind == "terms":
            clauses.append({"terms": {spec.field: list(value)}})
            continue
        rng = ranges.get(spec.field)
        if rng is None:
            rng = ranges[spec.field] = {"time_zone": TIME_ZONE}
            clauses.append({"range": {spec.field: rng}})
        if spec.kind == "from":
            rng["gte"] = value
        else:  # a bare day includes that whole day
            rng["lte"] = value + "||/d" if _DATE_ONLY.match(value) else value
    return clauses


def public_filters(table: Sequence[FilterSpec] = FILTERS) -> list[dict]:
    """What the search page needs to build its form and keep filters in its URL."""
    return [{"name": s.key, "kind": s.kind, "multi": s.multi, "description": s.api_description,
             "label": s.label_ar, "any": s.any_ar or None,
             "choices": [{"value": v, "label": label} for v, label in s.choices], "choices_from": s.choices_from,
             "facet": bool(s.facet)}
            for s in table]


__all__ = ["FILTERS", "FilterSpec", "as_date", "as_list", "coerce_filters", "filter_clauses", "names_by_input",
           "public_filters"]
