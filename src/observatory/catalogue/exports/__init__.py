"""Exports of the catalogue: the asset register (CSV, XLSX), the data dictionary, DCAT JSON-LD and Frictionless
Data Packages. Every function takes catalogue records and writes files or returns dicts; none reads the store.
"""

from __future__ import annotations

from observatory.catalogue.exports.datapackage import (
    DataWriter,
    datapackage,
    package_name,
    schema_columns,
    write_datapackages,
)
from observatory.catalogue.exports.dcat import dcat_catalog
from observatory.catalogue.exports.dictionary import dictionary_rows, quality_summary, write_dictionary_csv
from observatory.catalogue.exports.register import (
    glossary_rows,
    register_rows,
    write_register_csv,
    write_register_xlsx,
)

__all__ = [
    "DataWriter",
    "datapackage",
    "dcat_catalog",
    "dictionary_rows",
    "glossary_rows",
    "package_name",
    "quality_summary",
    "register_rows",
    "schema_columns",
    "write_datapackages",
    "write_dictionary_csv",
    "write_register_csv",
    "write_register_xlsx",
]
