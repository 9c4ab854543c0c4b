"""``observatory catalogue export``: the register (CSV, XLSX), the data dictionary, DCAT JSON-LD, Data Packages."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import typer

from observatory.catalogue.exports import (
    DataWriter,
    dcat_catalog,
    schema_columns,
    write_datapackages,
    write_dictionary_csv,
    write_register_csv,
    write_register_xlsx,
)
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.store import list_assets
from observatory.cells import FORMULA_TRIGGERS
from observatory.cli.options import JsonOption, ProjectOption
from observatory.cli.output import emit, print_lines, user_errors
from observatory.errors import ObservatoryError
from observatory.platform import Observatory

FORMULA_PATTERN = "^[" + "".join(re.escape(c) for c in FORMULA_TRIGGERS) + "]"
"""Text a spreadsheet would read as a formula (``observatory.cells``), for whole columns at once."""


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    dcat = "dcat"
    datapackage = "datapackage"
    dictionary = "dictionary"


DEFAULT_NAMES = {
    "csv": "asset-register.csv",
    "xlsx": "asset-register.xlsx",
    "dcat": "catalogue.jsonld",
    "datapackage": "datapackages",
    "dictionary": "data-dictionary.csv",
}


def export_command(
    export_format: Annotated[ExportFormat, typer.Option("--format", help="What to write.")],
    out: Annotated[
        Path | None, typer.Option(help="File (or folder, for datapackage) to write. Default: exports/.")
    ] = None,
    with_data: Annotated[
        bool, typer.Option("--with-data", help="datapackage: also write each dataset's data as CSV.")
    ] = False,
    include_personal: Annotated[
        bool, typer.Option("--include-personal", help="With --with-data: also write datasets that hold personal data.")
    ] = False,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Export the asset register (CSV or XLSX in the IG layout), the data dictionary, DCAT or Data Packages."""
    with user_errors(as_json), Observatory.open(project) as obs:
        if with_data and export_format is not ExportFormat.datapackage:
            raise ObservatoryError("--with-data applies to --format datapackage only")
        target = out or (obs.root / "exports" / DEFAULT_NAMES[export_format.value])
        assets = list_assets(obs.meta)
        if not assets:
            raise ObservatoryError(
                "the catalogue is empty: run `observatory build` (or `observatory catalogue refresh`)"
            )
        fields = [a for a in assets if a.kind == "field"]
        terms = [a for a in assets if a.kind == "term"]
        try:
            written = _write(obs, export_format, target, assets, fields, terms, with_data, include_personal)
        except OSError as exc:
            raise ObservatoryError(f"cannot write {exc.filename or target}: {exc.strerror or exc}") from exc
    data = {"format": export_format.value, "written": [str(p) for p in written]}
    emit(data, as_json, lambda: print_lines([f"Wrote {p}" for p in written]))


def _write(
    obs: Observatory,
    export_format: ExportFormat,
    target: Path,
    assets: list[AssetRecord],
    fields: list[AssetRecord],
    terms: list[AssetRecord],
    with_data: bool,
    include_personal: bool,
) -> list[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    if export_format is ExportFormat.csv:
        write_register_csv(assets, target)
    elif export_format is ExportFormat.xlsx:
        write_register_xlsx(assets, target, dictionary=fields, glossary=terms)
    elif export_format is ExportFormat.dictionary:
        write_dictionary_csv(fields, target, [a for a in assets if a.kind == "dataset"])
    elif export_format is ExportFormat.dcat:
        spec = obs.project.spec
        document = dcat_catalog(
            assets,
            fields,
            f"{spec.name} data catalogue",
            spec.name,
            spec.catalogue.base_uri,
            description=spec.description,
        )
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        if with_data and not include_personal:  # only data that is neither personal nor OFFICIAL-SENSITIVE
            assets = [
                a
                for a in assets
                if not (a.kind == "dataset" and (a.personal or a.special_category or a.classification != "OFFICIAL"))
            ]
        return write_datapackages(assets, fields, target, _data_writer(obs, fields) if with_data else None)
    return [target]


def _data_writer(obs: Observatory, fields: list[AssetRecord]) -> DataWriter:
    """Writes the columns of a dataset's warehouse table that its package describes, as CSV; text that a
    spreadsheet would run as a formula gets a leading ``'``, as in every export."""

    def write(asset: AssetRecord, path: Path) -> None:
        layer, _, table = str(asset.facts.get("table", "")).partition(".")
        if not table or not obs.engine.exists(layer, table):
            raise ObservatoryError(f"{asset.id} has no table in the warehouse yet: run `observatory build`")
        columns = schema_columns(asset, fields)
        data = obs.engine.to_arrow(obs.engine.table(layer, table).select(*columns))
        pacsv.write_csv(_neutralised(data), path)

    return write


def _neutralised(table: pa.Table) -> pa.Table:
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type) or pa.types.is_string_view(column.type):
            column = column.cast(pa.string())
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.match_substring_regex(column, FORMULA_PATTERN)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)
