"""The project's YAML files: ``observatory.yml``, one ``sources/<name>.yml`` per source system, ``glossary.yml``
and the KPI definitions in ``metrics/*.yml`` (``observatory.demo.metrics_files``).

They follow ``ProjectSpec`` and ``SourceSpec`` (``observatory.config.models``); each dataset carries
its contract (``observatory.demo.contracts``). Encoding, delimiter and header row are left to the
loader's detection, which the council tax file (Windows-1252 with a title block above the header)
exercises. Short field entries are written on one line (``{column: UPRN, type: uprn}``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from observatory.config.models import DatasetSpec, FieldSpec, RegisterSpec
from observatory.demo.catalogue_files import CATALOGUE, DATASET_REGISTERS, GLOSSARY, source_registers
from observatory.demo.contracts import Contract, contract
from observatory.demo.ground_truth import README
from observatory.demo.metrics_files import metrics_settings, write_metrics_files
from observatory.demo.tables import SourceInfo, Table

COUNCIL_NAME = "Demo County Council"
GAZETTEER = "llpg.properties"
LINE_WIDTH = 110
"""Lines of the YAML files are kept within this width where values allow."""
LIST_WIDTH = 80
"""Lists this long or shorter are written in flow style (``[A, B]``), longer ones one item per line."""
FIELD_INDENT = 6
"""Spaces before a field's name in ``sources/*.yml``."""


class _OneLine(dict[str, Any]):
    """A mapping written in flow style, on one line."""


class _Inline(list[Any]):
    """A list written in flow style (``[A, B, C]``), wrapped if long."""


class _Dumper(yaml.SafeDumper):
    """Block style, one-line mappings where asked, and no anchors for repeated values."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _one_line(dumper: yaml.SafeDumper, data: _OneLine) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _inline(dumper: yaml.SafeDumper, data: _Inline) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(_OneLine, _one_line)
_Dumper.add_representer(_Inline, _inline)


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=LINE_WIDTH)
    path.write_text(text, encoding="utf-8", newline="\n")


def _length(data: Any) -> int:
    """The length of ``data`` written on one line."""
    return len(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, width=10 * LINE_WIDTH).rstrip("\n"))


def _compact(data: dict[str, Any], indent: int | None) -> dict[str, Any]:
    """``data`` with its short lists in flow style; on one line if that fits at ``indent`` (never if ``None``)."""
    data = {k: _Inline(v) if isinstance(v, list) and _length(_Inline(v)) <= LIST_WIDTH else v for k, v in data.items()}
    line = _OneLine(data)
    return line if indent is not None and indent + _length(line) <= LINE_WIDTH else data


def _field(name: str, spec: FieldSpec) -> dict[str, Any]:
    """A field entry: column and type, then the options it sets, the description last."""
    options = spec.model_dump(exclude_defaults=True)
    entry = {"column": spec.column, "type": spec.type, **options}
    entry.pop("description", None)
    if spec.description:
        entry["description"] = spec.description
    return _compact(entry, FIELD_INDENT + len(name) + 2)


def _contract(found: Contract, table: Table) -> dict[str, Any]:
    if found.columns != table.columns:
        raise ValueError(f"the contract of {table.first_part} does not list the columns of {table.key} in order")
    entry: dict[str, Any] = {
        "owner": found.owner,
        "freshness": found.freshness,
        "keys": _Inline(found.keys),
        "fields": {name: _field(name, spec) for name, spec in found.fields.items()},
    }
    if found.rules:
        entry["rules"] = [rule.model_dump(exclude_defaults=True) for rule in found.rules]
    if found.references:
        entry["references"] = [_compact(ref.model_dump(exclude_defaults=True), None) for ref in found.references]
    return entry


LINKAGE: dict[str, Any] = {
    "datasets": {
        "asc.clients": {"recorded": "first_contact_date"},
        "csc.children": {},
        "ctax.accounts": {"recorded": "liable_from"},
        "housing.applications": {"recorded": "application_date"},
        "housing.tenancies": {"recorded": "start_date"},
        "schools.pupils": {},
    },
    "trust": ["asc.clients", "csc.children", "schools.pupils", "housing.tenancies", "housing.applications"],
}
"""The demo's linkage: its person-bearing datasets, the date that makes a record recent, and the datasets
trusted most for a resident's details (social care and schools check identity; council tax does not)."""


def _dataset(table: Table, reference_date: date) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": table.title,
        "description": table.description,
        "path": table.path,
        "format": table.format,
    }
    if table.sheet is not None:
        entry["sheet"] = table.sheet
    entry.update(_contract(contract(table.first_part, reference_date), table))
    register = DATASET_REGISTERS.get(table.first_part)
    if register is not None:
        entry["register"] = RegisterSpec.model_validate(register).model_dump(exclude_none=True, mode="json")
    DatasetSpec.model_validate(entry)
    return entry


def write_project_files(
    root: Path, sources: list[tuple[SourceInfo, list[Table]]], *, seed: int, residents: int, reference_date: date
) -> list[str]:
    """Write the YAML files and the ground-truth README; return their paths relative to ``root``."""
    description = (
        f"A synthetic council for trying Observatory: {residents:,} invented residents seen through adult and "
        f"children's social care, council tax, housing and homelessness, the school census and attendance, plus "
        f"the council's gazetteer and population estimates, each with its own formats and mistakes, and 13 "
        f"governed KPIs over four years of events. Generated by `observatory demo` with seed {seed}; extracts "
        f"taken on {reference_date.isoformat()}. Addresses use real postcodes from the ONS Postcode Directory "
        f"(Open Government Licence). The true identity of every record is in ground_truth/, outside the sources."
    )
    written = ["observatory.yml"]
    project = {
        "name": COUNCIL_NAME,
        "description": description,
        "reference": {"gazetteer": GAZETTEER},
        "linkage": LINKAGE,
        "catalogue": CATALOGUE,
        "metrics": metrics_settings(reference_date),
    }
    _dump(root / "observatory.yml", project)
    registers = source_registers(reference_date)
    for info, tables in sources:
        spec = {
            "name": info.name,
            "title": info.title,
            "system": info.system,
            "owner": info.owner,
            "description": info.description,
            "register": _compact(
                RegisterSpec.model_validate(registers[info.name]).model_dump(exclude_none=True, mode="json"), None
            ),
            "datasets": {table.dataset: _dataset(table, reference_date) for table in tables},
        }
        _dump(root / "sources" / f"{info.name}.yml", spec)
        written.append(f"sources/{info.name}.yml")
    _dump(root / "glossary.yml", GLOSSARY)
    written.append("glossary.yml")
    written += write_metrics_files(root, residents)
    readme = root / "ground_truth" / "README.md"
    readme.parent.mkdir(parents=True, exist_ok=True)
    readme.write_text(README, encoding="utf-8", newline="\n")
    written.append("ground_truth/README.md")
    return written
