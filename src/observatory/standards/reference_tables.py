"""Reference data in the warehouse: live postcodes with their ONS geography, for existence and geography lookups.

The shipped ONS Postcode Directory extract is used unless ``reference.postcodes`` in
``observatory.yml`` points at a full ONSPD CSV. Only live postcodes (no termination date) count
as existing. Column names differ between ONSPD editions; the first present of each list is used.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa

from observatory.engine import Engine
from observatory.errors import IngestError
from observatory.standards.reference import ONSPD_FILE

POSTCODES_TABLE = "ref_postcodes"
GEOGRAPHY: dict[str, tuple[str, ...]] = {
    "local_authority": ("oslaua", "laua", "lad23cd", "lad24cd"),
    "ward": ("osward", "ward"),
    "lsoa": ("lsoa21", "lsoa21cd", "lsoa11", "lsoa11cd"),
    "msoa": ("msoa21", "msoa21cd", "msoa11", "msoa11cd"),
}
"""Geography column of the reference table -> ONSPD column names, newest first (2021 areas before 2011)."""


def _shipped_extract() -> Path:
    return Path(str(resources.files("observatory.standards.reference").joinpath(ONSPD_FILE)))


def _columns(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig") as handle:
        return [name.strip().strip('"').lower() for name in handle.readline().split(",")]


def read_postcodes(path: Path | None = None) -> pa.Table:
    """Live postcodes of an ONSPD CSV (the shipped extract by default) with their geography, as Arrow."""
    path = path or _shipped_extract()
    if not path.is_file():
        raise IngestError(f"{path}: the postcode directory file does not exist (reference.postcodes)")
    header = _columns(path)
    if "pcds" not in header:
        raise IngestError(f"{path}: line 1: not an ONS Postcode Directory file (no 'pcds' column)")
    picks = []
    for target, candidates in GEOGRAPHY.items():
        found = [c for c in candidates if c in header]
        # newest geography wins where filled (Scottish rows have no 2021 LSOA/MSOA)
        expr = f"coalesce({', '.join(f'nullif(trim({c}), {chr(39) * 2})' for c in found)})" if found else "NULL"
        picks.append(f"{expr}::VARCHAR AS {target}")
    live = "AND (doterm IS NULL OR trim(doterm) = '')" if "doterm" in header else ""
    sql = f"""
        SELECT DISTINCT upper(trim(pcds)) AS postcode, {", ".join(picks)}
        FROM read_csv(?, all_varchar = true, header = true)
        WHERE pcds IS NOT NULL {live}
        ORDER BY postcode
    """
    with duckdb.connect() as con:
        return con.execute(sql, [str(path)]).to_arrow_table()


def ensure_postcodes(engine: Engine, path: Path | None = None) -> int:
    """Write the postcode reference table into the ``standard`` layer; return its row count."""
    return engine.materialise("standard", POSTCODES_TABLE, ibis.memtable(read_postcodes(path)))
