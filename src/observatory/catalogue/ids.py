"""Asset ids: every node of the catalogue has one, and lineage edges join them.

==========================  ==========================================================
``source.asc``              a source system (``sources/asc.yml``)
``file.asc.clients.csv``    the extract file a dataset is loaded from
``dataset.asc.clients``     a dataset of a source: its contract and its ``standard`` table
``dataset.raw.asc__clients``  any other warehouse table, by layer (``dataset.linked.residents``)
``field.asc.clients.date_of_birth``  a field of a dataset (``field.raw.asc__clients.Date of Birth``)
``term.resident``           a glossary term
``report.asc_monthly_pack`` a report declared in ``catalogue.reports``
``kpi.<id>``, ``output.<id>``  KPIs and outputs, from the issues that make them
==========================  ==========================================================

No source may be named like a layer, so ``dataset.<source>.<dataset>`` and ``dataset.<layer>.<table>``
never collide.
"""

from __future__ import annotations

from observatory.config import Dataset
from observatory.config.models import LAYERS

KINDS = ("source", "file", "dataset", "field", "term", "report", "kpi", "output")
"""Asset kinds, in the order search results of equal rank are listed."""


def source_id(source: str) -> str:
    return f"source.{source}"


def file_id(dataset: Dataset) -> str:
    """The id of the file (or database table) a dataset is loaded from: datasets read from one workbook share it
    (``file.housing.housing_register.xlsx``)."""
    location = dataset.spec.path or dataset.spec.table or f"{dataset.name}_query"
    return f"file.{dataset.source}.{location.rsplit('/', 1)[-1]}"


def dataset_id(source: str, dataset: str) -> str:
    """The id of a source's dataset (``dataset.asc.clients``)."""
    return f"dataset.{source}.{dataset}"


def table_id(layer: str, table: str, contract_tables: dict[str, str] | None = None) -> str:
    """The id of the warehouse table ``layer.table``: a source dataset's id for its ``standard`` table
    (``contract_tables`` maps ``asc__clients`` to ``dataset.asc.clients``), else ``dataset.<layer>.<table>``."""
    if layer == "standard" and contract_tables and table in contract_tables:
        return contract_tables[table]
    return f"dataset.{layer}.{table}"


def field_id(dataset: str, column: str) -> str:
    """The id of a column of the dataset with id ``dataset`` (``field.asc.clients.postcode``)."""
    return "field." + dataset.removeprefix("dataset.") + "." + column


def term_id(term: str) -> str:
    return f"term.{term}"


def report_id(report: str) -> str:
    return f"report.{report}"


def kind_of(asset: str) -> str:
    """The kind an id names (``dataset`` for ``dataset.asc.clients``)."""
    return asset.partition(".")[0]


def reference_asset(reference: str, contract_tables: dict[str, str]) -> str | None:
    """The dataset a run's input or output names (``raw.asc__clients``, ``standard.x``, ``dataset.asc.clients``),
    or ``None`` for anything else."""
    if reference.startswith(("dataset.", "kpi.")):
        return reference
    layer, dot, table = reference.partition(".")
    if dot and layer in LAYERS:
        return table_id(layer, table, contract_tables)
    return None
