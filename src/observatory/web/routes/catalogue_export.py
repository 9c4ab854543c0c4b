"""``/catalogue/export``: the information asset register (CSV, XLSX), the data dictionary (CSV) and the catalogue
as DCAT JSON-LD, as downloads.

Each holds only the assets whose classification the person's role sees. The files are written by the same
functions as ``observatory catalogue export``, so every text a spreadsheet would run as a formula is
neutralised (``observatory.cells.safe_cell``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from observatory.catalogue.exports import (
    dcat_catalog,
    write_dictionary_csv,
    write_register_csv,
    write_register_xlsx,
)
from observatory.catalogue.exports.values import information_assets
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.store import list_assets
from observatory.errors import ObservatoryError
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.render import page

router = APIRouter()


@dataclass(frozen=True)
class Holdings:
    """The present assets a person may see, by kind."""

    assets: list[AssetRecord]

    @property
    def fields(self) -> list[AssetRecord]:
        return [asset for asset in self.assets if asset.kind == "field"]

    @property
    def datasets(self) -> list[AssetRecord]:
        return [asset for asset in self.assets if asset.kind == "dataset"]

    @property
    def terms(self) -> list[AssetRecord]:
        return [asset for asset in self.assets if asset.kind == "term"]


def holdings(obs: Observatory, who: Principal) -> Holdings:
    """Every present asset whose classification ``who`` sees."""
    assets = [asset for asset in list_assets(obs.meta) if who.sees(asset.classification)]
    if not assets:
        raise ObservatoryError("The catalogue is empty: run `observatory build` first.")
    return Holdings(assets)


@dataclass(frozen=True)
class Download:
    """One export: its file name, media type, description and how it is written."""

    filename: str
    media_type: str
    title: str
    description: str
    write: Callable[[Observatory, Holdings, Path], None]


def _register_csv(obs: Observatory, held: Holdings, path: Path) -> None:
    write_register_csv(held.assets, path)


def _register_xlsx(obs: Observatory, held: Holdings, path: Path) -> None:
    write_register_xlsx(held.assets, path, dictionary=held.fields, glossary=held.terms)


def _dictionary_csv(obs: Observatory, held: Holdings, path: Path) -> None:
    write_dictionary_csv(held.fields, path, held.datasets)


def _dcat(obs: Observatory, held: Holdings, path: Path) -> None:
    spec = obs.project.spec
    document = dcat_catalog(
        held.assets,
        held.fields,
        f"{spec.name} data catalogue",
        spec.name,
        spec.catalogue.base_uri,
        description=spec.description,
    )
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


DOWNLOADS: dict[str, Download] = {
    "register.csv": Download(
        "asset-register.csv",
        "text/csv; charset=utf-8",
        "Information asset register (CSV)",
        "One row per information asset, every register field in the IG layout; opens in Excel as UTF-8.",
        _register_csv,
    ),
    "register.xlsx": Download(
        "asset-register.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Information asset register (Excel workbook)",
        "Register, Data dictionary and Glossary sheets, with filters, real dates and the quality score.",
        _register_xlsx,
    ),
    "dictionary.csv": Download(
        "data-dictionary.csv",
        "text/csv; charset=utf-8",
        "Data dictionary (CSV)",
        "Every field: type, description, allowed values, personal flag, an example and its measured quality.",
        _dictionary_csv,
    ),
    "catalogue.jsonld": Download(
        "catalogue.jsonld",
        "application/ld+json",
        "Catalogue as DCAT (JSON-LD)",
        "The datasets of the register as a DCAT-AP catalogue, for other catalogues and portals.",
        _dcat,
    ),
}


def download(request: Request, who: Principal, name: str) -> Response:
    """The export ``name`` of what ``who`` may see, as an attachment."""
    obs: Observatory = request.app.state.obs
    chosen = DOWNLOADS[name]
    held = holdings(obs, who)
    with tempfile.TemporaryDirectory(prefix="observatory-export-") as folder:
        path = Path(folder) / chosen.filename
        chosen.write(obs, held, path)
        content = path.read_bytes()
    return Response(
        content,
        media_type=chosen.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{chosen.filename}"',
            "Cache-Control": "no-store",
        },
    )


@page(
    router,
    "/catalogue/export",
    "catalogue/exports.html",
    name="catalogue_exports",
    summary="The catalogue exports you can download, and what each holds",
)
def catalogue_exports(request: Request, who: Annotated[Principal, Depends(Need("catalogue.export"))]) -> dict[str, Any]:
    held = holdings(request.app.state.obs, who)
    return {
        "title": "Download the register and dictionary",
        "classifications": sorted({asset.classification for asset in held.assets}),
        "counts": {
            "information_assets": len(information_assets(held.assets)),
            "fields": len(held.fields),
            "terms": len(held.terms),
        },
        "downloads": [
            {
                "href": f"/catalogue/export/{name}",
                "api": f"/api/catalogue/export/{name}",
                "filename": chosen.filename,
                "media_type": chosen.media_type,
                "title": chosen.title,
                "description": chosen.description,
            }
            for name, chosen in DOWNLOADS.items()
        ],
    }


@page(
    router,
    "/catalogue/export/register.csv",
    "error.html",
    name="catalogue_export_register_csv",
    summary="The information asset register as CSV (assets of the classifications you see)",
)
def export_register_csv(request: Request, who: Annotated[Principal, Depends(Need("catalogue.export"))]) -> Response:
    return download(request, who, "register.csv")


@page(
    router,
    "/catalogue/export/register.xlsx",
    "error.html",
    name="catalogue_export_register_xlsx",
    summary="The information asset register as an Excel workbook (with dictionary and glossary sheets)",
)
def export_register_xlsx(request: Request, who: Annotated[Principal, Depends(Need("catalogue.export"))]) -> Response:
    return download(request, who, "register.xlsx")


@page(
    router,
    "/catalogue/export/dictionary.csv",
    "error.html",
    name="catalogue_export_dictionary_csv",
    summary="The data dictionary as CSV (fields of the classifications you see)",
)
def export_dictionary_csv(request: Request, who: Annotated[Principal, Depends(Need("catalogue.export"))]) -> Response:
    return download(request, who, "dictionary.csv")


@page(
    router,
    "/catalogue/export/catalogue.jsonld",
    "error.html",
    name="catalogue_export_dcat",
    summary="The catalogue's datasets as DCAT-AP JSON-LD (of the classifications you see)",
)
def export_dcat(request: Request, who: Annotated[Principal, Depends(Need("catalogue.export"))]) -> Response:
    return download(request, who, "catalogue.jsonld")
