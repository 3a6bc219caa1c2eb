"""The `/alerts` endpoints of the HTTP API (mounted by akhbar.api.create_app).

    GET    /alerts               saved searches (a webhook shows as scheme://host only: it is a secret)
    POST   /alerts               save a search (write: bearer token, like POST /jobs)
    GET    /alerts/{name}        one saved search and its newest alerts (JSON)
    GET    /alerts/{name}.atom   its Atom feed
    DELETE /alerts/{name}        remove it and its alerts (write)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from akhbar import alerts
from akhbar.api import ApiError, StateDep, Writer
from akhbar.core.targets import TargetNotAllowed
from index.filters import FILTERS, FilterSpec
from index.percolate import (
    MAX_FILTER_VALUES,
    MAX_QUERY_CHARS,
    SavedSearchError,
    SavedSearchExists,
    SavedSearchNotFound,
)
from workers.alerts import AlertStore

router = APIRouter()
NameParam = Annotated[str, PathParam(min_length=1, max_length=64)]


class _AlertBase(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={
        "examples": [{"name": "sharara", "q": "حقل الشرارة", "outlet": [], "webhook": None}]})

    name: str = Field(min_length=1, max_length=64, description="1-64 letters, digits, `_` or `-`")
    q: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description='The query, as in search: words, '
                   '"phrases", -excluded, a OR b')
    webhook: str | None = Field(None, max_length=2048, description="POST each new alert here as JSON; the "
                                "host must be allow-listed (AKHBAR_ALLOWED_DOMAINS) and public")
    replace: bool = Field(False, description="Overwrite a saved search of the same name")


def _filter_field(spec: FilterSpec) -> tuple[Any, Any]:
    """A search filter as a body field, under its public name (`from`), as /search takes it."""
    if spec.multi:
        return (list[Annotated[str, Field(min_length=1, max_length=100)]],
                Field(default_factory=list, max_length=MAX_FILTER_VALUES, alias=spec.key,
                      description=f"{spec.description} (at most {MAX_FILTER_VALUES})"))
    return str | None, Field(None, max_length=64, alias=spec.key, description=spec.description)


def alert_request_model(table: Sequence[FilterSpec] = FILTERS) -> type[_AlertBase]:
    """The POST /alerts body: the saved search's own fields plus every search filter of the table."""
    return create_model("AlertRequest", __base__=_AlertBase, **{s.name: _filter_field(s) for s in table})


AlertRequest = alert_request_model()


def request_filters(body: BaseModel, table: Sequence[FilterSpec] = FILTERS) -> dict[str, Any]:
    return {spec.key: value for spec in table if (value := getattr(body, spec.name))}


def _not_found(exc: SavedSearchNotFound) -> ApiError:
    return ApiError(404, "not_found", str(exc))


@router.get("/alerts", tags=["alerts"], summary="Saved searches")
def list_alerts(state: StateDep) -> JSONResponse:
    store = AlertStore(state.redis())
    searches = alerts.list_searches(state.search(), state.settings)
    return JSONResponse({"alerts": [alerts.search_json(s, store=store) for s in searches]})


@router.post("/alerts", status_code=201, tags=["alerts"], dependencies=[Writer],
             summary="Save a search: alert on every new story that matches it",
             responses={201: {"description": "The saved search"},
                        400: {"description": "Bad name or query"},
                        403: {"description": "Webhook target not allowed (SSRF guard)"},
                        409: {"description": "A saved search of that name exists"}})
def add_alert(body: AlertRequest, state: StateDep) -> JSONResponse:
    try:
        search = alerts.add(state.search(), state.settings, state.redis(), body.name, body.q, None, body.webhook,
                            allow=state.config.allowed, replace=body.replace, filters=request_filters(body))
    except TargetNotAllowed as exc:
        raise ApiError(403, "target_not_allowed", f"webhook refused: {exc}") from None
    except SavedSearchExists as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except SavedSearchError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    data = alerts.search_json(search)
    return JSONResponse(data, status_code=201, headers={"Location": data["feed"].removesuffix(".atom")})


@router.get("/alerts/{name}.atom", tags=["alerts"], summary="Atom feed of a saved search's alerts",
            response_class=Response)
def alert_feed(name: NameParam, request: Request, state: StateDep,
               size: Annotated[int, Query(ge=1, le=200)] = alerts.FEED_SIZE) -> Response:
    try:
        search = alerts.get_search(state.search(), state.settings, name)
    except SavedSearchNotFound as exc:
        raise _not_found(exc) from None
    recent = AlertStore(state.redis()).recent(name, size)
    names = {o.name: o.name_ar or o.name_en or o.name for o in state.registry()}
    body = alerts.atom_feed(search, recent, str(request.base_url), names)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/alerts/{name}", tags=["alerts"], summary="A saved search and its newest alerts")
def get_alert(name: NameParam, state: StateDep, size: Annotated[int, Query(ge=1, le=200)] = 20) -> JSONResponse:
    try:
        search = alerts.get_search(state.search(), state.settings, name)
    except SavedSearchNotFound as exc:
        raise _not_found(exc) from None
    store = AlertStore(state.redis())
    return JSONResponse({**alerts.search_json(search, store=store), "recent": store.recent(name, size)})


@router.delete("/alerts/{name}", tags=["alerts"], dependencies=[Writer], summary="Remove a saved search")
def delete_alert(name: NameParam, state: StateDep) -> JSONResponse:
    try:
        alerts.remove(state.search(), state.redis(), state.settings, name)
    except SavedSearchNotFound as exc:
        raise _not_found(exc) from None
    return JSONResponse({"deleted": name})
