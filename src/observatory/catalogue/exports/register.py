"""The information asset register as CSV and as an XLSX workbook (Register, Data dictionary and Glossary
sheets), in the layout IG teams use: one row per information asset, ``REGISTER_FIELDS`` column by column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from observatory.catalogue.exports.dictionary import dictionary_rows, dictionary_table
from observatory.catalogue.exports.sheets import new_workbook, write_csv, write_sheet
from observatory.catalogue.exports.values import (
    as_list,
    information_assets,
    json_value,
    register_header,
    register_record,
    register_row,
)
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import FIELDS_BY_NAME

GLOSSARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("term", "Term"),
    ("definition", "Definition"),
    ("owner", "Owner"),
    ("synonyms", "Synonyms"),
    ("links", "Linked assets"),
    ("id", "Term ID"),
)
"""The glossary's columns: key of ``glossary_rows`` → label."""


def register_rows(assets: Iterable[AssetRecord]) -> list[dict[str, Any]]:
    """The register as JSON-ready dicts: ``id`` and every register field by name, information assets only."""
    return [
        {"id": asset.id, **{name: json_value(value) for name, value in register_record(asset).items()}}
        for asset in information_assets(assets)
    ]


def write_register_csv(assets: Iterable[AssetRecord], path: Path) -> int:
    """Write the register to ``path`` (UTF-8 with a byte-order mark, so Excel opens it); the number of rows."""
    rows = [register_row(asset) for asset in information_assets(assets)]
    write_csv(path, register_header(), rows)
    return len(rows)


def write_register_xlsx(
    assets: Iterable[AssetRecord],
    path: Path,
    *,
    dictionary: Iterable[AssetRecord] = (),
    glossary: Iterable[AssetRecord] = (),
) -> int:
    """Write the register workbook to ``path``: a Register sheet, a Data dictionary sheet of the ``dictionary``
    fields and a Glossary sheet of the ``glossary`` terms; the number of register rows."""
    assets = list(assets)
    registered = information_assets(assets)
    workbook = new_workbook()
    quality_label = FIELDS_BY_NAME["quality_score"].label
    write_sheet(workbook, "Register", register_header(), [register_row(a) for a in registered], percent={quality_label})
    datasets = [a for a in assets if a.kind == "dataset"]
    header, rows = dictionary_table(dictionary_rows(dictionary, datasets))
    write_sheet(workbook, "Data dictionary", header, rows)
    header, rows = glossary_table(glossary_rows(glossary))
    write_sheet(workbook, "Glossary", header, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return len(registered)


def glossary_rows(terms: Iterable[AssetRecord]) -> list[dict[str, Any]]:
    """One dict per business term (JSON-ready), ordered by name."""
    rows = [
        {
            "id": term.id,
            "term": term.title or term.name,
            "definition": term.register.get("description") or term.description,
            "owner": term.register.get("owner") or term.owner,
            "synonyms": [str(s) for s in as_list(term.register.get("synonyms"))],
            "links": [str(link) for link in as_list(term.register.get("links"))],
        }
        for term in terms
        if term.kind == "term"
    ]
    return sorted(rows, key=lambda row: str(row["term"]).casefold())


def glossary_table(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """``rows`` as a header and lists of values, for a CSV file or a sheet."""
    return [label for _, label in GLOSSARY_COLUMNS], [[row[key] for key, _ in GLOSSARY_COLUMNS] for row in rows]
