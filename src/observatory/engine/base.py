"""The warehouse engine interface: a few operations every backend (DuckDB, Spark) provides.

Data lives in layers (schemas), in the order data flows: raw → standard → linked → governed →
published. A dataset's current version is a view over a versioned table, so switching
versions is atomic and a partial version is never visible.

Parsing of files always happens in DuckDB (embedded, streaming, with exact reject
reporting); ``Engine.staged_load`` hands the parser a DuckDB connection to write a staging
table into and then publishes it in the engine's own storage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from observatory.config.models import LAYERS as LAYERS

if TYPE_CHECKING:
    import duckdb
    import ibis
    import pyarrow as pa
    from ibis.expr.types import Table

REJECTS_TABLE = "_rejects"
CELL_ERRORS_TABLE = "_cell_errors"


@dataclass
class Staging:
    """Where a reader writes one load: ``data`` and ``rejects`` tables in ``connection``.

    ``rejects`` has columns (line BIGINT, reason VARCHAR, raw VARCHAR); ``cell_errors`` has
    (line BIGINT, column_name VARCHAR, cell VARCHAR, error VARCHAR). ``data`` may be qualified
    (``raw."x"``); ``rejects`` and ``cell_errors`` are bare identifiers, unique to the load, that
    readers may extend with a suffix for their own scratch tables.
    """

    connection: duckdb.DuckDBPyConnection
    data: str
    rejects: str
    cell_errors: str


@dataclass(frozen=True)
class Published:
    """What a finished load left in the warehouse."""

    table: str
    rows_loaded: int
    rows_rejected: int


def qualified(layer: str, name: str) -> str:
    """``layer."name"``, quoted for SQL; names are validated identifiers, never user text."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    return f'{layer}."{name}"'


class Engine(ABC):
    """A warehouse backend."""

    name: str

    @abstractmethod
    def ensure_layers(self) -> None:
        """Create the layer schemas and bookkeeping tables if missing."""

    @property
    @abstractmethod
    def ibis(self) -> ibis.BaseBackend:
        """The Ibis backend over this warehouse, for portable transforms."""

    @abstractmethod
    def table(self, layer: str, name: str) -> Table:
        """An Ibis table expression for ``layer.name`` (table or view)."""

    @abstractmethod
    def list_tables(self, layer: str) -> list[str]:
        """Tables and views in ``layer``, sorted."""

    @abstractmethod
    def exists(self, layer: str, name: str) -> bool:
        """Whether a table or view ``layer.name`` exists."""

    @abstractmethod
    def staged_load(
        self, layer: str, table: str, view: str, load_id: int, file: str
    ) -> AbstractContextManager[Staging]:
        """Stage a load; on clean exit publish ``table`` and point ``view`` at it atomically.

        On any exception nothing becomes visible and the previous version stays current.
        The published result is available as ``self.last_published`` afterwards.
        """

    @abstractmethod
    def count_rows(self, layer: str, name: str) -> int:
        """The number of rows in ``layer.name``."""

    @abstractmethod
    def current_table(self, layer: str, view: str) -> str | None:
        """The versioned table the view ``layer.view`` currently points at, if any."""

    @abstractmethod
    def materialise(self, layer: str, name: str, expr: Table) -> int:
        """Write an Ibis expression as table ``layer.name`` (replacing it); return its row count."""

    @abstractmethod
    def write_arrow(self, layer: str, name: str, data: pa.Table) -> int:
        """Write Arrow data computed outside the engine as table ``layer.name`` (replacing it); return its rows."""

    @abstractmethod
    def to_arrow(self, expr: Table) -> pa.Table:
        """Execute ``expr`` and return the result as Arrow (for small results only)."""

    def append_arrow(self, layer: str, name: str, data: pa.Table) -> int:
        """Add rows to table ``layer.name`` (made from ``data`` when missing); return its rows. Engines with a
        cheaper append override this (the default reads the table back and writes it again)."""
        import pyarrow as pa

        if self.exists(layer, name):
            data = pa.concat_tables([self.to_arrow(self.table(layer, name)).cast(data.schema), data])
        return self.write_arrow(layer, name, data)

    @abstractmethod
    def query(self, sql: str) -> pa.Table:
        """Run one query written in DuckDB's dialect (translated for other engines) and return its small result."""

    @abstractmethod
    def rejects(self, layer: str, load_id: int) -> list[dict[str, Any]]:
        """Rejected rows of a load: file line, reason and raw text."""

    @abstractmethod
    def cell_errors(self, layer: str, load_id: int) -> list[dict[str, Any]]:
        """Cells that held spreadsheet error values (``#REF!``) in a load."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    last_published: Published | None = None
