"""Changing the catalogue: ``/catalogue/assets/{id}/edit`` (stewards, IG officers, admins) edits the fields a kind of
asset allows; ``/catalogue/assets/{id}/review`` records an information asset's review; ``/catalogue/reviews``
lists the reviews that are due.

Edits go through ``catalogue.edits`` (validated all together, logged, audited with the person and their role):
a form with a mistake is shown again with every problem and changes nothing. A value left empty in the form
resets it to its YAML or derived value; the API changes only the values it is sent, and resets those named in
``reset``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from observatory.catalogue.edits import current_value, edit_asset, editable_fields, mark_reviewed
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import FIELDS_BY_NAME, parse_value
from observatory.catalogue.review import reviews_due
from observatory.errors import ObservatoryError
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.render import action, is_api, page, render_html
from observatory.web.routes.catalogue_common import asset_href, classifications_of, text_of, visible_asset

router = APIRouter()

SHORT = 500
LONG = 10_000
MAX_WITHIN_DAYS = 3_660
TEXTAREAS = frozenset({"description", "purpose"})

OWN_LABELS = {
    "owner": ("Owner", ""),
    "example": ("Example value", "A typical value, shown in the data dictionary. Never a real person's data."),
    "synonyms": ("Synonyms", "Other words people use for it, separated by commas."),
    "links": ("Linked assets", "Ids of the assets this term describes, separated by commas (kpi.* for KPIs)."),
}
"""Labels and hints of the editable values that are not register fields."""

KIND_LABELS = {("term", "title"): "Term", ("term", "description"): "Definition"}


class EditForm(BaseModel):
    """Every value a person may edit on some kind of asset, as typed; a value not sent is left as it is."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = Field(None, max_length=SHORT)
    description: str | None = Field(None, max_length=LONG)
    business_area: str | None = Field(None, max_length=SHORT)
    information_asset_owner: str | None = Field(None, max_length=SHORT)
    steward: str | None = Field(None, max_length=SHORT)
    purpose: str | None = Field(None, max_length=LONG)
    location: str | None = Field(None, max_length=SHORT)
    classification: str | None = Field(None, max_length=SHORT)
    access_rights: str | None = Field(None, max_length=SHORT)
    personal_data: str | None = Field(None, max_length=SHORT)
    special_category: str | None = Field(None, max_length=SHORT)
    data_subjects: str | None = Field(None, max_length=LONG)
    lawful_basis: str | None = Field(None, max_length=SHORT)
    special_category_condition: str | None = Field(None, max_length=SHORT)
    retention_period: str | None = Field(None, max_length=SHORT)
    disposal: str | None = Field(None, max_length=SHORT)
    refresh_frequency: str | None = Field(None, max_length=SHORT)
    criticality: str | None = Field(None, max_length=SHORT)
    risk_rating: str | None = Field(None, max_length=SHORT)
    publication_status: str | None = Field(None, max_length=SHORT)
    keywords: str | None = Field(None, max_length=LONG)
    owner: str | None = Field(None, max_length=SHORT)
    example: str | None = Field(None, max_length=SHORT)
    synonyms: str | None = Field(None, max_length=LONG)
    links: str | None = Field(None, max_length=LONG)
    note: str = Field("", max_length=2_000, description="Why, for whoever reads the history.")
    reset: str = Field(
        "", max_length=SHORT, description="Names of values to reset to their YAML or derived value, comma-separated."
    )

    def changes(self, shown: tuple[str, ...] = ()) -> dict[str, str]:
        """The values sent, by name, with an empty text for each value to reset: those named in ``reset``, and
        those of the ``shown`` form left empty (a form field left empty is not sent apart from a missing one)."""
        sent = {name: value for name, value in self.model_dump(exclude={"note", "reset"}).items() if value is not None}
        resets = [name.strip() for name in self.reset.split(",") if name.strip()] + [n for n in shown if n not in sent]
        return {**{name: "" for name in resets}, **sent}


@dataclass(frozen=True)
class FormField:
    """One input of the edit form."""

    name: str
    label: str
    kind: str
    """``text``, ``textarea``, ``choice``, ``bool`` or ``list``."""
    hint: str
    choices: tuple[str, ...]
    value: str
    error: str | None = None


def label_of(kind: str, name: str) -> str:
    if (kind, name) in KIND_LABELS:
        return KIND_LABELS[(kind, name)]
    if name in FIELDS_BY_NAME:
        return "Title" if name == "title" and kind != "dataset" else FIELDS_BY_NAME[name].label
    return OWN_LABELS.get(name, (name.replace("_", " ").capitalize(), ""))[0]


def _spec(kind: str, name: str) -> tuple[str, str, tuple[str, ...]]:
    """Input kind, hint and choices of an editable value."""
    spec = FIELDS_BY_NAME.get(name)
    if spec is None:
        return ("list" if name in ("synonyms", "links") else "text"), OWN_LABELS.get(name, ("", ""))[1], ()
    hint = spec.help.capitalize() if spec.help else ""
    if spec.kind == "list":
        hint = (hint + ". " if hint else "") + "Separate them with commas."
    input_kind = "textarea" if name in TEXTAREAS else spec.kind
    return input_kind, hint, spec.choices


def offered(asset: AssetRecord) -> tuple[str, ...]:
    """The values the form offers: the kind's editable ones, but no example on a personal field (it has none)."""
    personal = asset.personal or asset.special_category
    return tuple(name for name in editable_fields(asset.kind) if not (name == "example" and personal))


def form_fields(
    asset: AssetRecord, sent: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> list[FormField]:
    """The form's inputs, with the values sent (after a mistake) or the asset's current values."""
    fields = []
    for name in offered(asset):
        kind, hint, choices = _spec(asset.kind, name)
        value = sent[name] if sent is not None and name in sent else text_of(current_value(asset, name))
        error = (errors or {}).get(name)
        fields.append(FormField(name, label_of(asset.kind, name), kind, hint, choices, value, error))
    return fields


def check_changes(obs: Observatory, asset: AssetRecord, changes: dict[str, str]) -> dict[str, str]:
    """Every problem with ``changes``, by value name (all are found, none applied)."""
    allowed = editable_fields(asset.kind)
    problems: dict[str, str] = {}
    for name, text in changes.items():
        label = label_of(asset.kind, name)
        if name not in allowed:
            problems[name] = f"{label} cannot be edited on a {asset.kind}."
            continue
        if not text.strip():
            continue
        try:
            value = parse_value(name, text)
        except ObservatoryError as error:
            problems[name] = f"{label}: {error.message.split(': ', 1)[-1]}."
            continue
        if name == "links":
            named = [str(link) for link in value if not str(link).startswith("kpi.")]
            known = classifications_of(obs.meta, named)
            missing = [link for link in named if link not in known]
            if missing:
                problems[name] = f"{label}: there is no asset {', '.join(missing)} in the catalogue."
    return problems


def _form_data(asset: AssetRecord, fields: list[FormField], note: str = "") -> dict[str, Any]:
    return {
        "title": f"Edit {asset.title or asset.name}",
        "asset": {"id": asset.id, "kind": asset.kind, "title": asset.title or asset.name},
        "fields": [field.__dict__ for field in fields],
        "personal_example": "example" in editable_fields(asset.kind) and "example" not in offered(asset),
        "note": note,
        "href": {"asset": asset_href(asset.id), "action": asset_href(asset.id, "/edit")},
    }


@page(
    router,
    "/catalogue/assets/{asset_id:path}/edit",
    "catalogue/edit.html",
    name="catalogue_edit_form",
    summary="What may be edited on an asset, with its current values",
)
def catalogue_edit_form(
    request: Request, who: Annotated[Principal, Depends(Need("catalogue.edit"))], asset_id: str
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    asset = visible_asset(obs.meta, who, asset_id)
    return {**_form_data(asset, form_fields(asset)), "errors": []}


@action(
    router,
    "/catalogue/assets/{asset_id:path}/edit",
    name="catalogue_edit",
    then=lambda data: asset_href(data["asset"], saved=len(data["edits"])),
    summary="Change an asset's description or register entries (an empty value resets one); audited",
)
def catalogue_edit(
    request: Request,
    who: Annotated[Principal, Depends(Need("catalogue.edit"))],
    asset_id: str,
    form: Annotated[EditForm, Form()],
) -> dict[str, Any] | Response:
    obs: Observatory = request.app.state.obs
    asset = visible_asset(obs.meta, who, asset_id)
    changes = form.changes(() if is_api(request) else offered(asset))
    problems = check_changes(obs, asset, changes)
    if not problems:
        if not changes:
            problems[offered(asset)[0] if offered(asset) else "title"] = "Change at least one value."
        else:
            try:
                records = edit_asset(obs.meta, asset.id, changes, by=who.username, note=form.note, role=who.role)
            except ObservatoryError as error:
                first = next((name for name in changes if name in offered(asset)), "title")
                problems[first] = error.message
            else:
                return {"asset": asset.id, "edits": [record.to_dict() for record in records]}
    if is_api(request):
        raise ObservatoryError(" ".join(problems.values()))
    data = _form_data(asset, form_fields(asset, changes, problems), form.note)
    data["errors"] = [{"text": message, "href": f"#field-{name}"} for name, message in problems.items()]
    return render_html(request, "catalogue/edit.html", data, status=400)


@action(
    router,
    "/catalogue/assets/{asset_id:path}/review",
    name="catalogue_review",
    then=lambda data: asset_href(data["asset_id"], reviewed="true"),
    summary="Record that an information asset was reviewed today; audited",
)
def catalogue_review(
    request: Request,
    who: Annotated[Principal, Depends(Need("catalogue.review"))],
    asset_id: str,
    note: Annotated[str, Form(max_length=2_000)] = "",
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    asset = visible_asset(obs.meta, who, asset_id)
    months = obs.project.spec.catalogue.review_months
    record = mark_reviewed(obs.meta, asset.id, by=who.username, review_months=months, note=note, role=who.role)
    return record.to_dict()


@page(
    router,
    "/catalogue/reviews",
    "catalogue/reviews.html",
    name="catalogue_reviews",
    summary="Information assets never reviewed, overdue, or due within some days",
)
def catalogue_reviews(
    request: Request,
    who: Annotated[Principal, Depends(Need("catalogue.view"))],
    within: Annotated[
        int, Query(ge=0, le=MAX_WITHIN_DAYS, description="Also list reviews due within this many days.")
    ] = 30,
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    today = datetime.now(UTC).date()
    due = reviews_due(obs.meta, today=today, within_days=within)
    levels = classifications_of(obs.meta, [item.id for item in due])
    shown = [item for item in due if item.id in levels and who.sees(levels[item.id])]
    counts = Counter(item.status for item in shown)
    return {
        "title": "Reviews due",
        "today": today.isoformat(),
        "within": within,
        "review_months": obs.project.spec.catalogue.review_months,
        "counts": {status: counts.get(status, 0) for status in ("never reviewed", "overdue", "due soon")},
        "due": [{**item.to_dict(), "href": asset_href(item.id)} for item in shown],
    }
