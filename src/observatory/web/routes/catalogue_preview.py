"""``/catalogue/assets/{id}/preview``: the first rows of a dataset's warehouse table, personal fields masked.

The table comes from the catalogue asset (``facts.table``), never from the request: it must be ``layer.table``
with a known layer and a plain name, and exist in the warehouse; identifiers are quoted. Personal columns are
the columns of the dataset's personal fields (with their companion columns, ``name__surname``...), every
column of a special-category dataset, and — fail safe — any column of a personal dataset that no field
describes. They are masked by shape unless the person asks to unmask, their role allows it and they give a
purpose. Every preview of a personal dataset is an access to personal data and writes one audit entry: a masked
one ``catalogue.preview``, an unmasked one ``personal.unmask`` with its purpose (``purpose.unmasking``); a
refusal is audited too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from observatory.catalogue.records import AssetRecord
from observatory.catalogue.store import list_assets
from observatory.config.models import LAYERS
from observatory.errors import AccessError, NotFoundError, ObservatoryError
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.purpose import audit_access, mask_row, unmasking
from observatory.web.render import is_api, page, render_html
from observatory.web.routes.catalogue_common import asset_href, visible_asset
from observatory.web.warehouse import fetch_dicts, read_warehouse, table_exists

router = APIRouter()

PREVIEW_ROWS = 20
TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
"""A warehouse table name Observatory makes (``asc__clients``): nothing that needs escaping."""


@dataclass(frozen=True)
class PreviewTable:
    """The warehouse table of a dataset asset, checked."""

    layer: str
    table: str

    @property
    def sql_name(self) -> str:
        """The quoted ``layer."table"`` (both parts already checked against fixed patterns)."""
        return f'"{self.layer}"."{self.table}"'

    def __str__(self) -> str:
        return f"{self.layer}.{self.table}"


def preview_table(asset: AssetRecord) -> PreviewTable:
    """The dataset's table as the catalogue records it, validated as ``layer.table``."""
    if asset.kind != "dataset":
        raise ObservatoryError(f"{asset.id} is a {asset.kind}; only datasets have rows to preview.")
    recorded = asset.facts.get("table")
    layer, dot, table = str(recorded or "").partition(".")
    if not recorded or not dot:
        raise NotFoundError(f"{asset.id} has no table in the warehouse yet: it is made by the next build.")
    if layer not in LAYERS or not TABLE_NAME.fullmatch(table):
        raise ObservatoryError(f"{asset.id} names a table Observatory cannot preview ({recorded!r}).")
    if (layer, table) != expected_table(asset.id):
        raise ObservatoryError(f"{asset.id} names the table of another asset ({recorded!r}).")
    return PreviewTable(layer, table)


def expected_table(asset_id: str) -> tuple[str, str]:
    """The table a dataset id stands for: ``dataset.raw.asc__clients`` → raw, asc__clients; a source's dataset
    ``dataset.asc.clients`` → standard, asc__clients."""
    first, _, rest = asset_id.partition(".")[2].partition(".")
    return (first, rest) if first in LAYERS else ("standard", f"{first}__{rest}")


def personal_columns(asset: AssetRecord, fields: list[AssetRecord], columns: list[str]) -> set[str]:
    """Which of the table's ``columns`` hold personal data (see the module's docstring)."""
    if asset.special_category:
        return set(columns)
    described: dict[str, bool] = {}
    for field in fields:
        personal = field.personal or field.special_category
        for column in field.facts.get("columns") or [field.facts.get("column") or field.name]:
            described[str(column)] = described.get(str(column), False) or personal
    if asset.personal:
        return {column for column in columns if described.get(column, True)}
    return {column for column in columns if described.get(column, False)}


def _cell(value: Any) -> Any:
    """A warehouse value as JSON shows it: text, numbers, booleans and ISO dates; anything else as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def read_preview(obs: Observatory, where: PreviewTable) -> tuple[list[str], list[dict[str, Any]]]:
    """The table's columns and its first ``PREVIEW_ROWS`` rows as stored."""
    with read_warehouse(obs) as connection:
        if not table_exists(connection, where.layer, where.table):
            raise NotFoundError(f"The table {where} is not in the warehouse: run `observatory build`.")
        columns = [
            row["column_name"]
            for row in fetch_dicts(
                connection,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position",
                [where.layer, where.table],
            )
        ]
        rows = fetch_dicts(connection, f"SELECT * FROM {where.sql_name} LIMIT ?", [PREVIEW_ROWS])
    return columns, [{key: _cell(value) for key, value in row.items()} for row in rows]


@page(
    router,
    "/catalogue/assets/{asset_id:path}/preview",
    "catalogue/preview.html",
    name="catalogue_preview",
    summary="The first rows of a dataset, personal fields masked (unmasking needs a purpose; audited)",
)
def catalogue_preview(
    request: Request,
    who: Annotated[Principal, Depends(Need("catalogue.preview"))],
    asset_id: str,
    unmask: Annotated[bool, Query(description="Show personal fields unmasked (needs a purpose).")] = False,
    purpose: Annotated[str | None, Query(max_length=100, description="Why you need the personal fields.")] = None,
) -> dict[str, Any] | Response:
    obs: Observatory = request.app.state.obs
    asset = visible_asset(obs.meta, who, asset_id)
    where = preview_table(asset)
    fields = list_assets(obs.meta, kind="field", parent_id=asset.id)
    columns, rows = read_preview(obs, where)
    personal = personal_columns(asset, fields, columns)
    refused: AccessError | None = None
    unmasked = False
    if personal and unmask:
        try:
            unmasked = unmasking(request, who, unmask, purpose, target=asset.id, fields=sorted(personal))
        except AccessError as error:
            if is_api(request) or error.code != "purpose_required":
                raise
            refused = error  # the page shows the form again, with the reason, and the rows masked
    if personal and not unmasked:  # an unmasked look is audited once, by ``unmasking`` (with its purpose)
        audit_access(
            request,
            who,
            "catalogue.preview",
            asset.id,
            detail={"table": str(where), "rows": len(rows), "unmasked": False, "personal_columns": sorted(personal)},
        )
    data: dict[str, Any] = {
        "title": f"Preview of {asset.title or asset.name}",
        "asset": {"id": asset.id, "title": asset.title or asset.name, "classification": asset.classification},
        "table": str(where),
        "columns": [{"name": column, "personal": column in personal} for column in columns],
        "rows": [mask_row(row, personal, unmasked) for row in rows],
        "limit": PREVIEW_ROWS,
        "masked": bool(personal) and not unmasked,
        "unmasked": unmasked,
        "purpose": purpose if unmasked else None,
    }
    if is_api(request):
        return data
    extras = {
        "href": {"asset": asset_href(asset.id), "self": asset_href(asset.id, "/preview")},
        "may_unmask": bool(personal) and who.allows("personal.unmask"),
        "error": refused.message if refused else None,
        "chosen": purpose,
    }
    if refused is not None:
        return render_html(request, "catalogue/preview.html", {**data, **extras}, status=403)
    return {**data, **extras}
