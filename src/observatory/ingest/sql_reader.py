"""A table or query in any database SQLAlchemy can reach, streamed into DuckDB as text.

Rows are fetched in batches (``yield_per``, a server-side cursor where the driver has one),
each value turned into text by :func:`to_text` and handed to DuckDB as an all-string Arrow
stream, so memory stays flat whatever the table's size.

Values are read as the driver returns them: a reflected table is selected with every column
coerced to ``NullType``, which switches off SQLAlchemy's own result conversions (those turn
SQLite NUMERIC into Decimals padded to ten places, and fail on a DATE column holding text
that is not an ISO date, which SQLite allows).

A database has no cheap fingerprint of a table's rows, so ``detect`` reports no ``sha256``
and every ingest reloads (hashing the rows would mean reading them all twice).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Select,
    Table,
    TextClause,
    create_engine,
    inspect,
    literal_column,
    make_url,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import NullType

from observatory.config import DatasetSpec
from observatory.engine import Staging
from observatory.errors import IngestError
from observatory.ingest.file_readers import distinct_names
from observatory.ingest.staged import StageResult

BATCH_ROWS = 50_000
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LISTED_TABLES = 20


# ---------------------------------------------------------------------------------------------- values


def to_text(value: object) -> str:
    """One database value as exact text (``None`` is handled by the caller).

    Integers and decimals exactly, floats as the shortest text that reads back to the same
    float, dates and times ISO (``YYYY-MM-DD HH:MM:SS[.ffffff]``, as DuckDB writes them),
    time-zone-aware timestamps converted to UTC with ``+00``, bytes as ``\\x`` + hex, JSON
    values and arrays as compact JSON, booleans ``true``/``false``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _trim_fraction(value.replace(tzinfo=None).isoformat()) + _offset(value.utcoffset())
    if isinstance(value, timedelta):
        return interval_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=to_text)
    return str(value)


def timestamp_text(value: datetime) -> str:
    """``2024-01-02 03:04:05.5``; an aware value as its UTC instant with ``+00``."""
    suffix = ""
    if value.utcoffset() is not None:
        value, suffix = value.astimezone(UTC).replace(tzinfo=None), "+00"
    return _trim_fraction(value.isoformat(sep=" ")) + suffix


def interval_text(value: timedelta) -> str:
    """``2 days 03:04:05.5`` (PostgreSQL's and DuckDB's interval style)."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    clock = _trim_fraction(f"{hours:02d}:{minutes:02d}:{seconds:02d}.{value.microseconds:06d}")
    if not value.days:
        return sign + clock
    return f"{sign}{value.days} day{'s' if value.days != 1 else ''} {clock}"


def _trim_fraction(clock: str) -> str:
    if "." not in clock:
        return clock
    return clock.rstrip("0").rstrip(".")


def _offset(offset: timedelta | None) -> str:
    if offset is None:
        return ""
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")


def text_column(values: tuple[Any, ...]) -> pa.Array:
    """One column of a batch as an Arrow string array."""
    return pa.array(
        [value if value is None or type(value) is str else to_text(value) for value in values], type=pa.string()
    )


# ---------------------------------------------------------------------------------------------- URLs


def expand_env(template: str) -> str:
    """Replace ``${NAME}`` with the environment variable ``NAME``; a missing one is an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = os.environ.get(name)
        if found is None:
            raise IngestError(f"the database url refers to ${{{name}}}, but the environment variable {name} is not set")
        return found

    return _ENV.sub(value, template)


def database_url(raw: str) -> URL:
    """The dataset's ``url`` with ``${ENV}`` expanded.

    Placeholders inside one part (``postgresql://crm:${CRM_PASSWORD}@db/crm``) are expanded
    after parsing, so a password may hold ``@``, ``/`` or ``:`` as it is; a placeholder
    standing for more than one part is expanded first, and its value must be URL-encoded.
    """
    try:
        try:
            url = make_url(raw)
        except (ArgumentError, ValueError):
            url = make_url(expand_env(raw))
    except (ArgumentError, ValueError):
        raise IngestError(
            "the database url is not a SQLAlchemy URL (dialect+driver://user:password@host:port/database)"
        ) from None
    url = url.set(
        username=_expand_part(url.username),
        password=_expand_part(url.password),
        host=_expand_part(url.host),
        database=_expand_part(url.database),
        query={key: expand_env(value) if isinstance(value, str) else value for key, value in url.query.items()},
    )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return _read_only_sqlite(url)


def _expand_part(part: str | None) -> str | None:
    return expand_env(part) if part else part


def _read_only_sqlite(url: URL) -> URL:
    """An SQLite file opened read-only, and never created when it is missing."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return url
    if url.database.startswith("file:"):
        return url
    path = Path(url.database)
    if not path.is_file():
        raise IngestError(f"the SQLite database file {path} does not exist")
    return url.set(database=path.resolve().as_uri(), query={**url.query, "mode": "ro", "uri": "true"})


def safe_url(url: URL) -> str:
    """The URL for messages and logs: password hidden."""
    return url.render_as_string(hide_password=True)


# ---------------------------------------------------------------------------------------------- reader


class SqlReader:
    """A database ``table`` (optionally ``schema.table``) or read-only ``query``, read as text."""

    format = "sql"

    def __init__(self, spec: DatasetSpec) -> None:
        if spec.url is None or (spec.table is None) == (spec.query is None):
            raise IngestError("a database dataset needs 'url' and exactly one of 'table' or 'query'")
        self.spec = spec
        self._rows = 0
        self._stream_error: BaseException | None = None

    @cached_property
    def url(self) -> URL:
        assert self.spec.url is not None
        return database_url(self.spec.url)

    @property
    def where(self) -> str:
        """The source for messages: URL without password, and the table."""
        return f"{safe_url(self.url)} ({self.spec.table or 'query'})"

    def detect(self) -> dict[str, Any]:
        return dict(self._detection)

    @cached_property
    def _detection(self) -> dict[str, Any]:
        with self._connect() as (engine, conn):
            try:
                columns = self._table_columns(conn) if self.spec.table else self._query_columns(conn)
            except SQLAlchemyError as exc:
                raise IngestError(f"cannot read the {self._what}: {_reason(exc, self.url)}", file=self.where) from exc
            return {
                "format": self.format,
                "dialect": engine.dialect.name,
                "driver": engine.driver,
                "url": safe_url(self.url),
                "table": self.spec.table,
                "query": self.spec.query,
                "columns": [name for name, _ in columns],
                "source_types": dict(columns),
                "sha256": None,
                "size_bytes": None,
                "notes": ["a database source is read in full on every ingest (no cheap fingerprint of its rows)"],
            }

    @property
    def _what(self) -> str:
        return f"table {self.spec.table}" if self.spec.table else "query"

    def stage(self, staging: Staging, workdir: Path) -> StageResult:
        detection = self.detect()
        with self._connect() as (_, conn):
            try:
                statement = self._statement(conn).execution_options(stream_results=True, yield_per=BATCH_ROWS)
                result = conn.execute(statement)
            except SQLAlchemyError as exc:
                raise IngestError(f"cannot read the {self._what}: {_reason(exc, self.url)}", file=self.where) from exc
            keys = result.keys()
            names = distinct_names([str(key) for key in keys])
            schema = pa.schema([(name, pa.string()) for name in names])
            self._rows = 0
            self._load(staging, pa.RecordBatchReader.from_batches(schema, self._batches(result, schema)))
        return StageResult(rows_read=self._rows, columns=names, detection={**detection, "columns": names})

    # -- connecting

    def _connect(self) -> _Connected:
        return _Connected(self.url, self.where)

    # -- detection

    def _reflect(self, conn: Connection) -> Table:
        assert self.spec.table is not None
        schema, _, name = self.spec.table.rpartition(".")
        try:
            return Table(name, MetaData(), schema=schema or None, autoload_with=conn)
        except NoSuchTableError:
            known = inspect(conn).get_table_names(schema=schema or None)
            listed = ", ".join(sorted(known)[:_LISTED_TABLES]) + (" …" if len(known) > _LISTED_TABLES else "")
            raise IngestError(
                f"no table {self.spec.table!r} in the database (tables: {listed or 'none'})", file=self.where
            ) from None

    def _table_columns(self, conn: Connection) -> list[tuple[str, str]]:
        table = self._reflect(conn)
        return [(column.name, _type_name(column.type, conn)) for column in table.columns]

    def _query_columns(self, conn: Connection) -> list[tuple[str, str]]:
        """Names and types from the cursor description of the query wrapped in ``LIMIT 0``: nothing is read."""
        probe: Select[Any] = select(literal_column("*")).select_from(self._text().columns().subquery("q")).limit(0)
        result = conn.execute(probe)
        description = result.cursor.description if result.cursor is not None else []
        result.close()
        return [(str(column[0]), _described_type(column)) for column in description or []]

    # -- reading

    def _text(self) -> TextClause:
        """The owner's query; colons escaped so ``'10:30'`` or ``x::int`` are not taken as parameters."""
        assert self.spec.query is not None
        return text(self.spec.query.strip().rstrip(";").replace(":", "\\:"))

    def _statement(self, conn: Connection) -> Select[Any] | TextClause:
        if self.spec.query is not None:
            return self._text()
        table = self._reflect(conn)
        return select(*(type_coerce(column, NullType()).label(column.name) for column in table.columns))

    def _batches(self, result: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        """All-string record batches; a database error is kept to be reported after DuckDB gives up."""
        try:
            for rows in result.partitions():
                columns = list(zip(*rows, strict=True))
                self._rows += len(rows)
                yield pa.RecordBatch.from_arrays([text_column(values) for values in columns], schema=schema)
        except Exception as exc:
            self._stream_error = exc
            raise

    def _load(self, staging: Staging, stream: pa.RecordBatchReader) -> None:
        con = staging.connection
        view = f"{staging.rejects}_sql_stream"
        con.register(view, stream)
        try:
            con.execute(f"CREATE TABLE {staging.data} AS SELECT * FROM {view}")
        except duckdb.Error as exc:
            cause = self._stream_error or exc
            reason = _reason(cause, self.url) if isinstance(cause, SQLAlchemyError) else str(cause)
            raise IngestError(f"reading the {self._what} failed: {reason}", file=self.where) from cause
        finally:
            con.unregister(view)


class _Connected:
    """``with _Connected(url, where) as (engine, connection)``: one connection, read-only where possible."""

    def __init__(self, url: URL, where: str) -> None:
        self.url = url
        self.where = where
        self.engine: Engine | None = None
        self.connection: Connection | None = None

    def __enter__(self) -> tuple[Engine, Connection]:
        try:
            self.engine = create_engine(self.url, poolclass=NullPool)
            self.connection = self.engine.connect()
            if self.engine.dialect.name == "postgresql":
                self.connection.execution_options(postgresql_readonly=True)
        except NoSuchModuleError as exc:
            raise IngestError(
                f"no SQLAlchemy dialect or driver for {self.url.drivername!r} is installed", file=safe_url(self.url)
            ) from exc
        except SQLAlchemyError as exc:
            self.__exit__()
            raise IngestError(f"cannot connect to the database: {_reason(exc, self.url)}", file=self.where) from exc
        return self.engine, self.connection

    def __exit__(self, *exc: object) -> None:
        if self.connection is not None:
            self.connection.close()
        if self.engine is not None:
            self.engine.dispose()


def _reason(exc: BaseException, url: URL) -> str:
    """The driver's message, first line only, with the password masked should a driver echo it."""
    cause = getattr(exc, "orig", None) or exc
    message = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    password = str(url.password or "")
    if len(password) >= 4:
        message = message.replace(password, "***")
    return message


def _type_name(kind: Any, conn: Connection) -> str:
    if isinstance(kind, NullType):
        return "unknown"
    try:
        return str(kind.compile(dialect=conn.dialect))
    except SQLAlchemyError:
        return repr(kind)


def _described_type(column: Any) -> str:
    display = getattr(column, "type_display", None)
    if display:
        return str(display)
    return "unknown" if column[1] is None else str(column[1])
