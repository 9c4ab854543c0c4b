"""The Spark engine: layers as Spark databases, every table an external Parquet table.

Storage. Each table lives under the project's ``.observatory/spark-warehouse`` as
``LAYER/NAME/vTIMESTAMP/`` and is registered in the catalog as an *external* table, so dropping
a catalog entry never deletes data. The side tables ``_rejects`` / ``_cell_errors`` read every
file below ``LAYER/_rejects/`` (one folder per load). Everything is first written under
``LAYER/_pending/`` (ignored by readers and by registration) and moved into place on commit.
After each view switch the view's table is also written to ``LAYER/_views/VIEW``.

Catalog. A session this engine starts uses Hive support with an embedded Derby metastore in
``.observatory/spark-metastore``, so tables and views persist across processes (Derby lets one
process at a time open a project). A session already running in the process (the test run's,
a notebook's) is reused as it is, and the project is *attached* to its catalog: tables found in
the warehouse folder are registered and views rebuilt from ``_views``. A session serves one
project at a time; attaching drops the catalog entries tagged with any other warehouse folder
(another project's, or this project's from before its folder was moved), never their files.

Atomicity. ``staged_load`` writes everything under ``_pending`` first, then commits in a few
quick steps: move the files into place, register the version table, refresh the side tables,
and ``CREATE OR REPLACE VIEW``. The view switch is the commit point (one catalog operation);
``current_table`` reads the table name from the view's own properties, so it cannot disagree
with what readers see. A failure before the switch removes everything the load wrote. A process
killed inside the commit steps can leave the new version table registered but not current
(the metadata store then records the load as failed). ``materialise`` replaces a table with
DROP + CREATE, so there is a moment without it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot
import structlog
from pyspark import SparkContext
from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812

from observatory.engine.base import CELL_ERRORS_TABLE, LAYERS, REJECTS_TABLE, Engine, Published, Staging
from observatory.errors import EngineError

if TYPE_CHECKING:
    from observatory.config import Project

log = structlog.get_logger(__name__)

TAG = "observatory.warehouse"
"""Table property naming the warehouse folder a catalog entry belongs to (what detaching drops)."""
POINTER = "observatory.table"
"""View property naming the versioned table the view points at."""
PENDING = "_pending"
GLOB_CHARACTERS = "[]{}*?\\"
SIDE_TABLES = {
    REJECTS_TABLE: "load_id BIGINT, file STRING, line BIGINT, reason STRING, raw STRING",
    CELL_ERRORS_TABLE: "load_id BIGINT, file STRING, line BIGINT, column_name STRING, cell STRING, error STRING",
}


def _splink_jar() -> str:
    """Splink's bundled similarity UDF jar for this Spark version."""
    from splink.backends.spark import similarity_jar_location

    return str(similarity_jar_location())


def start_session(
    warehouse: Path, metastore: Path, *, master: str = "local[2]", conf: Mapping[str, str] | None = None
) -> Any:
    """Start a local Spark session (offline) whose Hive catalog is kept in ``metastore`` (embedded Derby)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers must run this interpreter (the project's environment, with pyarrow), not the system's
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    warehouse.mkdir(parents=True, exist_ok=True)
    metastore.mkdir(parents=True, exist_ok=True)
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore / 'db'};create=true",
        "spark.hadoop.hive.exec.local.scratchdir": str(metastore / "scratch"),
        "spark.hadoop.hive.downloaded.resources.dir": str(metastore / "resources"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore}",
        "spark.jars": _splink_jar(),  # Splink's string-similarity functions (Jaro-Winkler, ...) for linkage
        **(conf or {}),
    }
    builder = SparkSession.builder.master(master).appName("observatory")
    for key, value in settings.items():
        builder = builder.config(key, value)
    started = time.perf_counter()
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    log.info("spark.started", master=master, seconds=round(time.perf_counter() - started, 1))
    return session


def running_session() -> Any | None:
    """The Spark session already running in this process, if any."""
    if SparkContext._active_spark_context is None:
        return None
    return SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()


@dataclass
class _Catalog:
    """What this process knows about one running session's catalog."""

    owner: Path | None
    """The warehouse of the project whose metastore the session was started with (None: not ours)."""
    attached: Path | None = None
    users: int = 0


_CATALOGS: dict[str, _Catalog] = {}
_LOCK = threading.Lock()


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _layer(layer: str) -> str:
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    return layer


def _name(layer: str, name: str) -> str:
    return f"{_layer(layer)}.{_ident(name)}"


def _latest(table_folder: Path) -> Path | None:
    """The newest version folder of a table (moved into place only once completely written)."""
    versions = sorted(p for p in table_folder.glob("v*") if p.is_dir())
    return versions[-1] if versions else None


class SparkEngine(Engine):
    """Warehouse in Spark: databases per layer, external Parquet tables, versions behind views."""

    name = "spark"

    def __init__(self, session: Any, warehouse: Path, *, owns_session: bool = False) -> None:
        self.session = session
        self.warehouse = warehouse.resolve()
        if any(ch in GLOB_CHARACTERS for ch in str(self.warehouse)):
            raise EngineError(
                f"the warehouse path {self.warehouse} contains one of {GLOB_CHARACTERS}, which Spark reads as "
                "wildcards; move the project to a folder without them"
            )
        self.scratch = self.warehouse.parent / "tmp"
        self._ibis: Any = None
        self._closed = False
        self._key = str(session.sparkContext.applicationId)
        with _LOCK:
            catalog = _CATALOGS.setdefault(self._key, _Catalog(self.warehouse if owns_session else None))
            if catalog.attached != self.warehouse:
                self._attach(catalog, cleanup=owns_session)
            catalog.users += 1

    def _attach(self, catalog: _Catalog, *, cleanup: bool) -> None:
        """Make the session's catalog this project's: drop other entries, register ours from disk."""
        if catalog.users or catalog.owner not in (None, self.warehouse):
            raise EngineError(
                f"this process's Spark session serves the project warehouse {catalog.attached or catalog.owner}; "
                "close that project first, or open this one in its own process"
            )
        if catalog.attached is not None or self._recorded_warehouse() not in (None, str(self.warehouse)):
            self._detach()  # another project's entries, or this one's from before its folder moved
        catalog.attached = None
        if cleanup:  # our own session: Derby guarantees no other process is writing here
            for leftover in self.warehouse.glob(f"*/{PENDING}"):
                shutil.rmtree(leftover, ignore_errors=True)  # from a load killed before its commit
        self.ensure_layers()
        self._register_from_disk()
        catalog.attached = self.warehouse

    @classmethod
    def for_project(cls, project: Project) -> SparkEngine:
        """Reuse the process's running session, else start one on the project's Hive metastore."""
        warehouse = project.state_dir.resolve() / "spark-warehouse"
        session = running_session()
        if session is not None:
            log.info("spark.reused", app=session.sparkContext.applicationId, warehouse=str(warehouse))
            return cls(session, warehouse)
        spec = project.spec.spark
        metastore = project.state_dir.resolve() / "spark-metastore"
        session = start_session(warehouse, metastore, master=spec.master, conf=spec.conf)
        try:
            return cls(session, warehouse, owns_session=True)
        except Exception as exc:
            _CATALOGS.pop(str(session.sparkContext.applicationId), None)
            session.stop()
            if "metastoreclient" in str(exc).lower() or "derby" in str(exc).lower():
                raise EngineError(
                    f"cannot open the Spark catalog in {metastore}: is the project open on Spark in another "
                    "process? Its embedded Derby metastore allows one process at a time"
                ) from exc
            raise

    # -- catalog bookkeeping -------------------------------------------------------------

    def _sql(self, sql: str) -> Any:
        return self.session.sql(sql)

    def _properties(self, qualified_name: str) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self._sql(f"SHOW TBLPROPERTIES {qualified_name}").collect()}

    def _tag(self) -> str:
        return f"'{TAG}' = {_string(str(self.warehouse))}"

    def ensure_layers(self) -> None:
        for layer in LAYERS:
            self._sql(f"CREATE DATABASE IF NOT EXISTS {layer}")
            for table, columns in SIDE_TABLES.items():
                self._sql(
                    f"CREATE TABLE IF NOT EXISTS {_name(layer, table)} ({columns}) USING parquet "
                    f"OPTIONS (recursiveFileLookup 'true') LOCATION {_string(str(self.warehouse / layer / table))} "
                    f"TBLPROPERTIES ({self._tag()})"
                )

    def _recorded_warehouse(self) -> str | None:
        """The warehouse the catalog's layers were last set up for (a tag on ``raw._rejects``), if any."""
        marker = _name("raw", REJECTS_TABLE)
        return self._properties(marker).get(TAG) if self.session.catalog.tableExists(marker) else None

    def _detach(self) -> None:
        """Drop the catalog entries tagged with another warehouse folder (external tables: files stay)."""
        dropped = 0
        for layer in LAYERS:
            if not self.session.catalog.databaseExists(layer):
                continue
            for entry in sorted(self.session.catalog.listTables(layer), key=lambda t: t.tableType != "VIEW"):
                tag = None if entry.isTemporary else self._properties(_name(layer, entry.name)).get(TAG)
                if tag is not None and tag != str(self.warehouse):
                    kind = "VIEW" if entry.tableType == "VIEW" else "TABLE"
                    self._sql(f"DROP {kind} IF EXISTS {_name(layer, entry.name)}")
                    dropped += 1
        log.info("spark.detached", entries=dropped, attaching=str(self.warehouse))

    def _register_from_disk(self) -> None:
        """Register the tables and views found in the warehouse folder that the catalog lacks."""
        for layer in LAYERS:
            folder = self.warehouse / layer
            if not folder.is_dir():
                continue
            present = set(self.list_tables(layer))
            for entry in sorted(folder.iterdir()):
                if entry.name[0] not in "_." and entry.name not in present and (version := _latest(entry)):
                    self._register(layer, entry.name, version)
            for pointer in sorted((folder / "_views").glob("[!.]*")):
                table = pointer.read_text(encoding="utf-8").strip()
                if pointer.name not in present and self.exists(layer, table):
                    self._point(layer, pointer.name, table)

    def _register(self, layer: str, name: str, location: Path) -> None:
        self._sql(
            f"CREATE TABLE {_name(layer, name)} USING parquet LOCATION {_string(str(location))} "
            f"TBLPROPERTIES ({self._tag()})"
        )

    def _point(self, layer: str, view: str, table: str) -> None:
        self._sql(
            f"CREATE OR REPLACE VIEW {_name(layer, view)} TBLPROPERTIES ({self._tag()}, "
            f"'{POINTER}' = {_string(table)}) AS SELECT * FROM {_name(layer, table)}"
        )

    def _write_pending(self, layer: str, name: str, frame: Any) -> Path:
        """Write ``frame`` as Parquet under ``LAYER/_pending`` (invisible until moved into place)."""
        if name[:1] in ("_", ".", ""):
            raise ValueError(f"table names starting with '_' or '.' are reserved: {name!r}")
        pending = self.warehouse / _layer(layer) / PENDING / f"{name}-{time.time_ns()}"
        frame.write.mode("errorifexists").parquet(str(pending))
        return pending

    def _install(self, pending: Path, layer: str, name: str) -> Path:
        """Move a pending write into place as the newest version folder of ``layer.name``."""
        location = self.warehouse / layer / name / f"v{time.time_ns():020d}"
        location.parent.mkdir(parents=True, exist_ok=True)
        pending.rename(location)
        return location

    # -- reading ---------------------------------------------------------------------------

    @property
    def ibis(self) -> ibis.BaseBackend:
        if self._ibis is None:
            self._ibis = ibis.pyspark.connect(self.session)
        return self._ibis

    def table(self, layer: str, name: str) -> ir.Table:
        return self.ibis.table(name, database=_layer(layer))

    def list_tables(self, layer: str) -> list[str]:
        rows = self._sql(f"SHOW TABLES IN {_layer(layer)}").collect()
        return sorted(str(row["tableName"]) for row in rows if not row["isTemporary"])

    def exists(self, layer: str, name: str) -> bool:
        return bool(self.session.catalog.tableExists(_name(layer, name)))

    def count_rows(self, layer: str, name: str) -> int:
        return int(self.session.table(_name(layer, name)).count())

    def current_table(self, layer: str, view: str) -> str | None:
        if not self.exists(layer, view):
            return None
        return self._properties(_name(layer, view)).get(POINTER)

    def _frame(self, expr: ir.Table) -> Any:
        backend = self.ibis
        backend._run_pre_execute_hooks(expr)  # registers in-memory tables (ibis.memtable) with the session
        return self.session.sql(backend.compile(expr))

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        return self._frame(expr).toArrow().cast(expr.schema().to_pyarrow())

    def query(self, sql: str) -> pa.Table:
        translated = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
        table: pa.Table = self._sql(translated).toArrow()
        return table

    def _side_table(self, layer: str, table: str, load_id: int) -> list[dict[str, Any]]:
        rows = (
            self.session.table(_name(layer, table))
            .where(F.col("load_id") == load_id)
            .drop("load_id", "file")
            .orderBy("line")
            .collect()
        )
        return [row.asDict() for row in rows]

    def rejects(self, layer: str, load_id: int) -> list[dict[str, Any]]:
        return self._side_table(layer, REJECTS_TABLE, load_id)

    def cell_errors(self, layer: str, load_id: int) -> list[dict[str, Any]]:
        return self._side_table(layer, CELL_ERRORS_TABLE, load_id)

    # -- writing ---------------------------------------------------------------------------

    def materialise(self, layer: str, name: str, expr: ir.Table) -> int:
        return self._replace(layer, name, self._frame(expr))

    def write_arrow(self, layer: str, name: str, data: pa.Table) -> int:
        # straight from Arrow: ibis memtables go through pandas, which turns nullable integers into NULL
        return self._replace(layer, name, self.session.createDataFrame(data))

    def _replace(self, layer: str, name: str, frame: Any) -> int:
        pending = self._write_pending(layer, name, frame)
        location = self._install(pending, layer, name)
        self._sql(f"DROP TABLE IF EXISTS {_name(layer, name)}")
        self._register(layer, name, location)
        for old in location.parent.iterdir():
            if old != location:
                shutil.rmtree(old, ignore_errors=True)
        return self.count_rows(layer, name)

    @contextmanager
    def staged_load(self, layer: str, table: str, view: str, load_id: int, file: str) -> Iterator[Staging]:
        self.last_published = None
        if self.exists(layer, table):
            raise EngineError(f"table {layer}.{table} already exists; load ids must not be reused")
        self.scratch.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"spark-load{load_id}-", dir=self.scratch))
        con = duckdb.connect(":memory:", config={"temp_directory": str(workdir / "spill")})
        con.execute("SET enable_progress_bar = false")  # output belongs to the CLI
        stage = Staging(con, "stage_data", "stage_rejects", "stage_cell_errors")
        try:
            con.execute(f"CREATE TEMP TABLE {stage.rejects} (line BIGINT, reason VARCHAR, raw VARCHAR)")
            con.execute(
                f"CREATE TEMP TABLE {stage.cell_errors} (line BIGINT, column_name VARCHAR, cell VARCHAR, error VARCHAR)"
            )
            yield stage
            published = self._publish(stage, workdir, layer, table, view, load_id, file)
        finally:
            con.close()
            shutil.rmtree(workdir, ignore_errors=True)
        self.last_published = published

    def _publish(
        self, stage: Staging, workdir: Path, layer: str, table: str, view: str, load_id: int, file: str
    ) -> Published:
        """Copy the staged tables out through Parquet, then commit: files into place, table, view."""
        con = stage.connection
        counts = {}
        for staged in (stage.data, stage.rejects, stage.cell_errors):
            target = str(workdir / f"{staged}.parquet").replace("'", "''")
            con.execute(f"COPY {staged} TO '{target}' (FORMAT parquet)")
            row = con.execute(f"SELECT count(*) FROM {staged}").fetchone()
            counts[staged] = int(row[0]) if row else 0
        read = self.session.read.parquet
        written: list[Path] = []
        registered = switched = False
        try:
            data = self._write_pending(layer, table, read(str(workdir / f"{stage.data}.parquet")))
            written.append(data)
            sides = []
            for side, staged in ((REJECTS_TABLE, stage.rejects), (CELL_ERRORS_TABLE, stage.cell_errors)):
                rows = read(str(workdir / f"{staged}.parquet"))
                labelled = rows.select(F.lit(load_id).cast("bigint").alias("load_id"), F.lit(file).alias("file"), "*")
                sides.append((side, self._write_pending(layer, f"{table}{side}", labelled)))
                written.append(sides[-1][1])
            # commit: quick steps, the view switch last
            location = self._install(data, layer, table)
            written.append(location.parent)
            for side, pending in sides:
                final = self.warehouse / layer / side / f"load{load_id}-{pending.name}"
                final.parent.mkdir(parents=True, exist_ok=True)
                pending.rename(final)
                written.append(final)
            self._register(layer, table, location)
            registered = True
            for side in SIDE_TABLES:
                self.session.catalog.refreshTable(_name(layer, side))
            self._point(layer, view, table)
            switched = True
        except BaseException:
            if not switched:
                self._undo(layer, table, registered, written)
            raise
        self._remember(layer, view, table)
        return Published(table, counts[stage.data], counts[stage.rejects])

    def _undo(self, layer: str, table: str, registered: bool, written: list[Path]) -> None:
        """Remove everything a failed publish wrote; the previous version stays current."""
        try:
            if registered:
                self._sql(f"DROP TABLE IF EXISTS {_name(layer, table)}")
        finally:
            for path in written:
                shutil.rmtree(path, ignore_errors=True)
            for side in SIDE_TABLES:
                self.session.catalog.refreshTable(_name(layer, side))

    def _remember(self, layer: str, view: str, table: str) -> None:
        """Record the switch on disk for re-attaching; the view itself is the truth, so failure only warns."""
        folder = self.warehouse / layer / "_views"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{view}.tmp"
            temporary.write_text(table, encoding="utf-8")
            temporary.replace(folder / view)
        except OSError as exc:
            log.warning("spark.pointer_not_written", layer=layer, view=view, table=table, error=str(exc))

    def close(self) -> None:
        """Release this engine; stop the session only if it started it and nobody else uses it."""
        if self._closed:
            return
        self._closed = True
        with _LOCK:
            catalog = _CATALOGS.get(self._key)
            if catalog is None:
                return
            catalog.users -= 1
            stop = catalog.users == 0 and catalog.owner == self.warehouse
            if stop:
                del _CATALOGS[self._key]
        if stop:
            self.session.stop()
