"""``/residents``: find a resident and open their single view, always for a stated purpose, always audited.

The search is a POST form (its criteria are personal data, so they stay out of URLs, browser history and server
logs); its JSON twin is ``POST /api/residents``. A resident's page needs ``?purpose=``: without one the page asks
for it (showing nothing personal) and the API answers 403 ``purpose_required``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from observatory.errors import AccessError, NotFoundError, ObservatoryError
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.purpose import audit_access, require_purpose
from observatory.web.render import API_PREFIX, is_api, page, render_html, respond
from observatory.web.single_view import (
    FIELD_LABELS,
    RECORD_FIELDS,
    RULE_LABELS,
    SEARCH_LIMIT,
    SEX_LABELS,
    available,
    dataset_titles,
    parse_search,
    resident_view,
    search_residents,
)
from observatory.web.warehouse import read_warehouse

router = APIRouter()

NEED = Need("residents.view")
SEARCH_TEMPLATE = "residents/search.html"
NOT_BUILT = "The single view has not been built yet: run `observatory build` (or `observatory link`)."


class SearchError(ObservatoryError):
    """Search criteria that cannot be read; ``problems`` names each field's problem."""

    code = "invalid_search"

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in problems.items()))
        self.problems = problems


def resident_href(resident_id: str, purpose: str) -> str:
    """The link to a resident's page carrying the purpose forward."""
    return f"/residents/{quote(resident_id, safe='')}?purpose={quote(purpose, safe='')}"


def _search_page(**data: Any) -> dict[str, Any]:
    base = {
        "title": "Find a resident",
        "built": True,
        "values": {},
        "errors": {},
        "criteria": None,
        "purpose": None,
        "results": None,
        "more": False,
        "limit": SEARCH_LIMIT,
    }
    return base | data


@page(router, "/residents", SEARCH_TEMPLATE, name="residents", summary="The resident search form (search with POST)")
def residents(request: Request, who: Annotated[Principal, Depends(NEED)]) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    if not obs.project.warehouse_path.exists():
        return _search_page(built=False)
    with read_warehouse(obs) as con:
        return _search_page(built=available(con))


def search(
    request: Request,
    who: Annotated[Principal, Depends(NEED)],
    name: Annotated[str, Form(max_length=200, description="Any of the names, in any order")] = "",
    date_of_birth: Annotated[str, Form(max_length=100, description="27/03/1941 or 1941-03-27")] = "",
    postcode: Annotated[str, Form(max_length=100, description="A postcode, sector or district")] = "",
    identifier: Annotated[
        str, Form(max_length=100, description="NHS/NI number, UPN, UPRN, phone, email, resident or record id")
    ] = "",
    purpose: Annotated[str, Form(max_length=100, description="Why (one of the project's purposes)")] = "",
) -> Response:
    """Residents with a source record matching every criterion given (at most 50), for a stated purpose."""
    obs: Observatory = request.app.state.obs
    values = {
        "name": name,
        "date_of_birth": date_of_birth,
        "postcode": postcode,
        "identifier": identifier,
        "purpose": purpose,
    }
    criteria, problems = parse_search(name, date_of_birth, postcode, identifier, today=date.today())
    known = {choice.id for choice in obs.project.spec.access.purposes}
    if problems:
        if is_api(request):
            raise SearchError(problems)
        if purpose not in known:
            problems["purpose"] = "Choose why you need to see this personal data"
        return respond(request, SEARCH_TEMPLATE, _search_page(values=values, errors=problems), status=400)
    try:
        chosen = require_purpose(request, who, purpose, action="residents.search", target="residents")
    except AccessError as exc:
        if is_api(request):
            raise
        errors = {"purpose": "Choose why you need to see this personal data"}
        return respond(request, SEARCH_TEMPLATE, _search_page(values=values, errors=errors), status=exc.status)
    with read_warehouse(obs) as con:
        if not available(con):
            raise NotFoundError(NOT_BUILT)
        found, more = search_residents(con, criteria)
    audit_access(
        request,
        who,
        "residents.search",
        "residents",
        purpose=chosen.id,
        detail={
            "criteria": criteria.to_dict(),
            "results": len(found),
            "more": more,
            "resident_ids": [row["resident_id"] for row in found],
        },
    )
    for row in found:
        row["href"] = resident_href(row["resident_id"], chosen.id)
    data = _search_page(
        title="Residents found" if found else "No residents found",
        values=values,
        criteria=criteria.to_dict(),
        purpose=chosen.id,
        results=found,
        more=more,
    )
    return respond(request, SEARCH_TEMPLATE, data)


router.add_api_route(
    API_PREFIX + "/residents",
    search,
    methods=["POST"],
    name="api.residents.search",
    summary="Search residents by name, date of birth, postcode or identifier, for a purpose (audited)",
)
router.add_api_route(
    "/residents",
    search,
    methods=["POST"],
    name="residents.search",
    include_in_schema=False,
    response_class=HTMLResponse,
)


def _ask_purpose(request: Request, resident_id: str, error: str = "", status: int = 200) -> Response:
    data = {"title": "Why do you need to see this resident?", "resident_id": resident_id, "error": error}
    return render_html(request, "residents/purpose.html", data, status=status)


def _labelled(view: dict[str, Any], obs: Observatory, purpose: str) -> dict[str, Any]:
    """The view with what pages need to read it: system titles, field labels, links carrying the purpose."""
    titles = dataset_titles(obs)
    for record in view["records"]:
        record.update(titles.get(record["dataset"], {"system": record["dataset"], "title": record["dataset"]}))
    for attribute in view["attributes"]:
        attribute["because"] = RULE_LABELS.get(attribute["rule"] or "", attribute["rule"])
    for household in view["households"]:
        for other in household["residents"]:
            other["href"] = resident_href(other["resident_id"], purpose)
    view["fields"] = [{"name": name, "label": FIELD_LABELS[name]} for name in RECORD_FIELDS]
    view["sex_labels"] = SEX_LABELS
    view["datasets"] = {name: titles.get(name, {"system": name, "title": name}) for name in view["golden"]["sources"]}
    return view


@page(
    router,
    "/residents/{resident_id}",
    "residents/resident.html",
    name="resident",
    summary="A resident's single view (needs ?purpose=; audited): golden record, linked records, household",
)
def resident(
    request: Request,
    who: Annotated[Principal, Depends(NEED)],
    resident_id: Annotated[str, PathParam(max_length=100)],
    purpose: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any] | Response:
    obs: Observatory = request.app.state.obs
    target = f"resident:{resident_id}"
    if not purpose and not is_api(request):
        return _ask_purpose(request, resident_id)
    try:
        chosen = require_purpose(request, who, purpose, action="resident.view", target=target, resident_id=resident_id)
    except AccessError as exc:
        if is_api(request):
            raise
        return _ask_purpose(request, resident_id, "Choose one of the purposes listed", status=exc.status)
    with read_warehouse(obs) as con:
        view = resident_view(con, resident_id) if available(con) else None
    if view is None:
        audit_access(
            request,
            who,
            "resident.view",
            target,
            purpose=chosen.id,
            resident_id=resident_id,
            outcome="failed",
            detail={"reason": "no such resident"},
        )
        raise NotFoundError(f"There is no resident {resident_id} in the single view.")
    audit_access(
        request,
        who,
        "resident.view",
        target,
        purpose=chosen.id,
        resident_id=resident_id,
        detail={
            "records": [record["unique_id"] for record in view["records"]],
            "datasets": sorted({record["dataset"] for record in view["records"]}),
            "household_residents": sorted(
                {other["resident_id"] for household in view["households"] for other in household["residents"]}
            ),
        },
    )
    return {"title": f"Resident {resident_id}", "purpose": {"id": chosen.id, "title": chosen.title}} | _labelled(
        view, obs, chosen.id
    )
