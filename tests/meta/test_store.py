"""The metadata store on both backends: migrations, schema drift, round-trips and rollback.

Every test runs twice through ``meta_url``: on an SQLite file and on a fresh database on the
throwaway PostgreSQL server. No database is mocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from observatory.meta import Base, Load, MetaStore, Run
from observatory.meta.models import is_search_index
from observatory.meta.store import alembic_config

MODEL_TABLES = {
    "runs",
    "loads",
    "quality_snapshots",
    "quality_measures",
    "quality_samples",
    "quality_alerts",
    "link_review_items",
    "link_decisions",
    "users",
    "web_sessions",
    "api_tokens",
    "login_attempts",
    "audit_log",
    "catalogue_assets",
    "catalogue_edges",
    "catalogue_edits",
    "kpi_versions",
    "kpi_results",
}
BIG = 5_000_000_000  # more than a 32-bit integer holds


@pytest.fixture
def store(meta_url: str) -> Iterator[MetaStore]:
    """A store on a fresh, empty database (not migrated yet)."""
    meta = MetaStore(meta_url)
    yield meta
    meta.close()


@pytest.fixture
def migrated(store: MetaStore) -> MetaStore:
    store.migrate()
    return store


def _alembic(store: MetaStore) -> Config:
    return alembic_config(store.engine.url.render_as_string(hide_password=False))


def _alembic_run(store: MetaStore, operation: str, revision: str) -> None:
    """``alembic upgrade|downgrade REVISION`` on the store's engine, the same way ``MetaStore.migrate`` does it."""
    config = _alembic(store)
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, operation)(config, revision)


def _head() -> str:
    heads = ScriptDirectory.from_config(_alembic(MetaStore("sqlite://"))).get_heads()
    assert len(heads) == 1, f"migrations must have a single head, found {heads}"
    return heads[0]


def _current_revision(store: MetaStore) -> str | None:
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _tables(store: MetaStore) -> set[str]:
    """The tables made from the models (the full-text index is made by hand; its tests are the catalogue's)."""
    return {name for name in inspect(store.engine).get_table_names() if not is_search_index(name)}


def _schema_differences(store: MetaStore) -> list[Any]:
    with store.engine.connect() as connection:
        opts = {"compare_type": True, "compare_server_default": True, "include_name": _not_search_index}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, Base.metadata))


def _not_search_index(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and is_search_index(name))


def _run(**overrides: Any) -> Run:
    values: dict[str, Any] = {
        "kind": "load",
        "node_id": "dataset.asc.clients",
        "status": "succeeded",
        "started_at": datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=UTC),
        "version": "0.1.0",
        "engine": "duckdb",
    }
    return Run(**(values | overrides))


def _load(run: Run, **overrides: Any) -> Load:
    values: dict[str, Any] = {
        "run_id": run.id,
        "source": "asc",
        "dataset": "clients",
        "file_name": "clients.csv",
        "file_path": "/data/asc/clients.csv",
        "sha256": "0" * 64,
        "size_bytes": 1024,
        "format": "csv",
        "table_name": "raw.asc__clients__v1",
        "status": "succeeded",
        "started_at": datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
        "pid": 4242,
        "host": "worker-1",
    }
    return Load(**(values | overrides))


# --- migrations -------------------------------------------------------------------------------


def test_migrate_from_empty_creates_the_model_tables(store: MetaStore) -> None:
    assert _tables(store) == set()
    assert _current_revision(store) is None

    store.migrate()

    assert _tables(store) == MODEL_TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == MODEL_TABLES


def test_migrate_is_idempotent(store: MetaStore, meta_url: str) -> None:
    store.migrate()
    with store.session() as session:
        session.add(_run())

    store.migrate()
    again = MetaStore(meta_url)  # a second process opening the same database
    try:
        again.migrate()
    finally:
        again.close()

    assert _current_revision(store) == _head()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 1  # data survived


def test_current_revision_is_head(migrated: MetaStore) -> None:
    assert _current_revision(migrated) == _head()


def test_migrated_schema_matches_the_models(migrated: MetaStore) -> None:
    """Fails when a model changes without a migration (or a migration without the model)."""
    assert _schema_differences(migrated) == []


def test_downgrade_to_base_and_upgrade_again(migrated: MetaStore) -> None:
    with migrated.session() as session:
        session.add(_run())

    _alembic_run(migrated, "downgrade", "base")
    assert _current_revision(migrated) is None
    assert _tables(migrated) & MODEL_TABLES == set()

    _alembic_run(migrated, "upgrade", "head")
    assert _current_revision(migrated) == _head()
    assert _schema_differences(migrated) == []
    with migrated.session() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0


# --- writing and reading ------------------------------------------------------------------------


def test_run_and_load_round_trip(migrated: MetaStore) -> None:
    detection = {
        "encoding": "cp1252",
        "confidence": 0.87,
        "delimiter": ",",
        "header_row": 3,
        "skipped": [1, 2],
        "notes": None,
        "bom": False,
        "columns": {"Surname": "text", "NHS No.": "nhs_number", "UPRN": "uprn"},
        "sample": ["Llanfair­pwll", "Ysgol Gymraeg Caerdydd", "£12.50", "O'Brien", 'quote "q"'],
        "big": BIG,
    }
    started = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=UTC)
    with migrated.session() as session:
        run = _run(
            started_at=started,
            finished_at=started + timedelta(minutes=5, microseconds=1),
            inputs=["source.asc.clients_csv"],
            outputs=["dataset.asc.clients", "dataset.asc.clients_rejects"],
            rows_out=BIG,
        )
        session.add(run)
        session.flush()
        load = _load(
            run,
            size_bytes=BIG,
            rows_read=BIG + 7,
            rows_loaded=BIG,
            rows_rejected=7,
            blank_rows_dropped=0,
            empty_columns_dropped=2,
            encoding="cp1252",
            detection=detection,
            is_current=True,
        )
        session.add(load)
        session.flush()
        run_id, load_id = run.id, load.id

    with migrated.session() as session:
        got_run = session.get(Run, run_id)
        got_load = session.get(Load, load_id)
        assert got_run is not None
        assert got_load is not None
        assert got_run.inputs == ["source.asc.clients_csv"]
        assert got_run.outputs == ["dataset.asc.clients", "dataset.asc.clients_rejects"]
        assert got_run.rows_out == BIG
        assert got_run.started_at == started
        assert got_run.finished_at == started + timedelta(minutes=5, microseconds=1)
        assert got_run.error is None
        assert got_load.run_id == run_id
        assert got_load.detection == detection
        assert (got_load.size_bytes, got_load.rows_read, got_load.rows_loaded) == (BIG, BIG + 7, BIG)
        assert got_load.is_current is True
        assert got_load.finished_at is None
        # BigInteger columns compare in the database, not just in Python
        assert session.scalar(select(func.count()).select_from(Load).where(Load.size_bytes > BIG - 1)) == 1


def test_json_defaults_are_empty_containers(migrated: MetaStore) -> None:
    with migrated.session() as session:
        run = _run()
        session.add(run)
        session.flush()
        session.add(_load(run))
    with migrated.session() as session:
        got_run = session.scalars(select(Run)).one()
        got_load = session.scalars(select(Load)).one()
        assert (got_run.inputs, got_run.outputs, got_load.detection) == ([], [], {})
        assert got_load.is_current is False


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
        datetime(2026, 7, 1, 12, 0, 0, 1, tzinfo=ZoneInfo("Europe/London")),  # BST, +01:00
        datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=ZoneInfo("Europe/London")),  # the repeated hour, GMT
        datetime(2026, 3, 29, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),  # date changes in UTC
        datetime(2026, 3, 30, 0, 15, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ],
    ids=["utc", "bst", "fold", "minus5", "plus0530"],
)
def test_timezone_aware_datetimes_round_trip(migrated: MetaStore, moment: datetime) -> None:
    # Arithmetic and comparison in UTC: Python adds timedeltas to wall-clock time (dropping ``fold``)
    # and never calls datetimes in different zones equal when one is in a fold (PEP 495).
    instant = moment.astimezone(UTC)
    with migrated.session() as session:
        run = _run(started_at=moment, finished_at=(instant + timedelta(seconds=1)).astimezone(moment.tzinfo))
        session.add(run)
        session.flush()
        run_id = run.id

    with migrated.session() as session:
        got = session.get(Run, run_id)
        assert got is not None
        assert got.started_at.utcoffset() is not None, "an aware datetime came back naive"
        assert got.started_at == instant
        assert got.started_at.timestamp() == moment.timestamp()
        assert got.finished_at is not None
        assert got.finished_at - got.started_at == timedelta(seconds=1)
        # filtering by time happens in the database, and must work on instants, whatever the zone written
        around = select(Run.id).where(Run.started_at > instant - timedelta(microseconds=1))
        assert session.scalars(around.where(Run.started_at < instant + timedelta(microseconds=1))).all() == [run_id]
        assert session.scalars(select(Run.id).where(Run.started_at > instant)).all() == []


def test_naive_datetimes_are_refused(migrated: MetaStore) -> None:
    """A naive datetime has no instant; storing it would silently pick one."""
    with pytest.raises(StatementError, match="timezone-aware"), migrated.session() as session:
        session.add(_run(started_at=datetime(2026, 7, 1, 12, 0)))
        session.flush()


def test_load_needs_an_existing_run(migrated: MetaStore) -> None:
    """Foreign keys are enforced on both backends (SQLite only with PRAGMA foreign_keys=ON)."""
    with pytest.raises(IntegrityError), migrated.session() as session:
        orphan = _run()
        orphan.id = 999_999
        session.add(_load(orphan))
        session.flush()


# --- transactions -------------------------------------------------------------------------------


class BoomError(Exception):
    pass


def test_a_session_that_raises_rolls_back(migrated: MetaStore) -> None:
    with migrated.session() as session:
        session.add(_run(node_id="dataset.kept"))

    with pytest.raises(BoomError), migrated.session() as session:
        run = _run(node_id="dataset.lost")
        session.add(run)
        session.flush()  # the rows reach the database inside the transaction ...
        session.add(_load(run))
        session.flush()
        raise BoomError  # ... and must be gone afterwards

    with migrated.session() as session:
        assert session.scalars(select(Run.node_id)).all() == ["dataset.kept"]
        assert session.scalar(select(func.count()).select_from(Load)) == 0

    # the store is still usable after a failed session
    with migrated.session() as session:
        session.add(_run(node_id="dataset.after"))
    with migrated.session() as session:
        assert sorted(session.scalars(select(Run.node_id)).all()) == ["dataset.after", "dataset.kept"]
