"""Database tables and queries land as exact text, on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from observatory import IngestError, Observatory
from observatory.config import DatasetSpec
from observatory.ingest import sql_reader
from observatory.ingest.loads import LoadResult, ingest_dataset
from observatory.ingest.sql_reader import SqlReader, database_url, safe_url, to_text
from tests.conftest import make_project

PEOPLE = """
CREATE TABLE people (
    id INTEGER PRIMARY KEY, ref TEXT, amount NUMERIC(10, 2), ratio REAL, born DATE, photo BLOB, note TEXT
);
INSERT INTO people VALUES (1, '007', 12.50, 0.1, '1980-02-03', x'00ff', 'Zoë');
INSERT INTO people VALUES (2, NULL, NULL, 1e16, 'not a date', NULL, NULL);
INSERT INTO people VALUES (3, '0012', 123456789012345678, 2.5, '2000-01-01', x'', 'line 1
line 2');
"""

EXPECTED = [
    {"id": "1", "ref": "007", "amount": "12.5", "ratio": "0.1", "born": "1980-02-03", "photo": "\\x00ff",
     "note": "Zoë"},
    {"id": "2", "ref": None, "amount": None, "ratio": "1e+16", "born": "not a date", "photo": None, "note": None},
    {"id": "3", "ref": "0012", "amount": "123456789012345678", "ratio": "2.5", "born": "2000-01-01", "photo": "\\x",
     "note": "line 1\nline 2"},
]  # fmt: skip


def _sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(PEOPLE)
    conn.close()
    return path


def _open(root: Path, dataset: str) -> Observatory:
    make_project(root, {"crm": f"datasets:\n{dataset}"})
    return Observatory.open(root)


def _rows(obs: Observatory, view: str = "crm__people") -> list[dict[str, Any]]:
    cursor = obs.engine.connection.execute(f'SELECT * FROM raw."{view}"')  # type: ignore[attr-defined]
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _loaded(result: LoadResult, rows: int) -> None:
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (rows, rows, 0)


def test_sqlite_table_loads_exact_text(tmp_path: Path) -> None:
    database = _sqlite(tmp_path / "crm.db")
    with _open(tmp_path / "p", f"  people:\n    url: sqlite:///{database}\n    table: people\n") as obs:
        result = ingest_dataset(obs, obs.project.dataset("crm.people"))
        _loaded(result, 3)
        assert _rows(obs) == EXPECTED
        types = obs.engine.connection.execute(  # type: ignore[attr-defined]
            "SELECT DISTINCT data_type FROM information_schema.columns WHERE table_name = ?", [result.table]
        ).fetchall()
        assert types == [("VARCHAR",)]
        detection = result.detection
        assert detection["dialect"] == "sqlite" and detection["table"] == "people"
        assert detection["source_types"]["amount"] == "NUMERIC(10, 2)"
        assert detection["source_types"]["photo"] == "BLOB"
        assert detection["sha256"] is None
        # no cheap fingerprint of a database table: every ingest reloads
        again = ingest_dataset(obs, obs.project.dataset("crm.people"))
        assert again.status == "loaded" and again.load_id != result.load_id


def test_sqlite_query_with_env_expansion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = _sqlite(tmp_path / "crm.db")
    monkeypatch.setenv("CRM_DIR", str(tmp_path))
    query = "SELECT id, ref, amount * 2 AS doubled, '10:30' AS clock, ratio AS id FROM people ORDER BY people.id DESC;"
    dataset = f'  people:\n    url: "sqlite:///${{CRM_DIR}}/crm.db"\n    query: "{query}"\n'
    with _open(tmp_path / "p", dataset) as obs:
        reader = SqlReader(obs.project.dataset("crm.people").spec)
        found = reader.detect()
        assert found["columns"][:4] == ["id", "ref", "doubled", "clock"]  # SQLite renames the 2nd id in a subquery
        assert found["query"] == query
        result = ingest_dataset(obs, obs.project.dataset("crm.people"))
        _loaded(result, 3)
        assert result.detection["columns"] == ["id", "ref", "doubled", "clock", "id_2"]
        assert _rows(obs) == [
            {"id": "3", "ref": "0012", "doubled": "246913578024691356", "clock": "10:30", "id_2": "2.5"},
            {"id": "2", "ref": None, "doubled": None, "clock": "10:30", "id_2": "1e+16"},
            {"id": "1", "ref": "007", "doubled": "25.0", "clock": "10:30", "id_2": "0.1"},
        ]
    assert database.read_bytes().startswith(b"SQLite format 3")


def test_query_that_writes_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    database = _sqlite(tmp_path / "crm.db")
    dataset = f"  people:\n    url: sqlite:///{database}\n    query: DELETE FROM people\n"
    with _open(tmp_path / "p", dataset) as obs, pytest.raises(IngestError, match="cannot read the query"):
        ingest_dataset(obs, obs.project.dataset("crm.people"))
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (3,)
    conn.close()


def test_missing_table_lists_the_tables(tmp_path: Path) -> None:
    database = _sqlite(tmp_path / "crm.db")
    with (
        _open(tmp_path / "p", f"  people:\n    url: sqlite:///{database}\n    table: main.persons\n") as obs,
        pytest.raises(IngestError, match=r"no table 'main.persons' .*tables: people"),
    ):
        ingest_dataset(obs, obs.project.dataset("crm.people"))


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with (
        _open(tmp_path / "p", f"  people:\n    url: sqlite:///{missing}\n    table: people\n") as obs,
        pytest.raises(IngestError, match="does not exist"),
    ):
        ingest_dataset(obs, obs.project.dataset("crm.people"))
    assert not missing.exists()


def test_unreachable_host_does_not_reveal_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_PASSWORD", "s3cr:t@pw")
    dataset = "  people:\n    url: postgresql://crm:${CRM_PASSWORD}@127.0.0.1:1/crm\n    table: people\n"
    with _open(tmp_path / "p", dataset) as obs, pytest.raises(IngestError) as caught:
        ingest_dataset(obs, obs.project.dataset("crm.people"))
    message = caught.value.message
    assert "cannot connect to the database" in message
    assert "crm:***@127.0.0.1:1/crm" in message
    assert "s3cr" not in message


def test_password_with_special_characters_survives_expansion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_PASSWORD", "p@ss/w:rd")
    url = database_url("postgresql://crm:${CRM_PASSWORD}@db.example:5432/crm")
    assert url.password == "p@ss/w:rd" and url.host == "db.example"
    assert url.drivername == "postgresql+psycopg"
    assert safe_url(url) == "postgresql+psycopg://crm:***@db.example:5432/crm"


def test_missing_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_PASSWORD", raising=False)
    with pytest.raises(IngestError, match="CRM_PASSWORD is not set"):
        database_url("postgresql://crm:${CRM_PASSWORD}@db/crm")


def test_bad_url_and_unknown_dialect() -> None:
    with pytest.raises(IngestError, match="not a SQLAlchemy URL") as caught:
        database_url("crm:hunter2 at db")
    assert "hunter2" not in caught.value.message
    reader = SqlReader(DatasetSpec(url="nosuchdb://u:hunter2@h/d", table="t"))
    with pytest.raises(IngestError, match="no SQLAlchemy dialect") as caught:
        reader.detect()
    assert "hunter2" not in caught.value.message


def test_to_text() -> None:
    london = dt.timezone(dt.timedelta(hours=1))
    assert to_text(True) == "true"
    assert to_text(10**30) == str(10**30)
    assert to_text(0.1) == "0.1" and to_text(1e16) == "1e+16" and to_text(float("inf")) == "inf"
    assert to_text(Decimal("1.50")) == "1.50" and to_text(Decimal("1E+2")) == "100"
    assert to_text(dt.date(2024, 1, 2)) == "2024-01-02"
    assert to_text(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert to_text(dt.datetime(2024, 1, 2, 3, 4, 5, 120000)) == "2024-01-02 03:04:05.12"
    assert to_text(dt.datetime(2024, 7, 2, 4, 4, 5, tzinfo=london)) == "2024-07-02 03:04:05+00"
    assert to_text(dt.time(3, 4, 5, 500000)) == "03:04:05.5"
    assert to_text(dt.timedelta(days=2, seconds=3661)) == "2 days 01:01:01"
    assert to_text(b"\x00\xab") == "\\x00ab" and to_text(memoryview(b"a")) == "\\x61"
    assert to_text({"a": [1, Decimal("2.50")], "b": None}) == '{"a":[1,"2.50"],"b":null}'


def test_batches_are_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_reader, "BATCH_ROWS", 7)
    database = tmp_path / "many.db"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE people (n INTEGER, half REAL)")
        conn.executemany("INSERT INTO people VALUES (?, ?)", [(n, n / 2) for n in range(100)])
    conn.close()
    with _open(tmp_path / "p", f"  people:\n    url: sqlite:///{database}\n    table: people\n") as obs:
        _loaded(ingest_dataset(obs, obs.project.dataset("crm.people")), 100)
        rows = _rows(obs)
        assert [row["n"] for row in rows] == [str(n) for n in range(100)]
        assert rows[3]["half"] == "1.5"


# ---------------------------------------------------------------------------------------------- PostgreSQL


PG_PEOPLE = """
CREATE SCHEMA crm;
CREATE SEQUENCE crm.counter;
CREATE TABLE crm.people (
    id bigint PRIMARY KEY, ref text, amount numeric(12, 2), ratio double precision, small real, born date,
    seen timestamp, seen_tz timestamptz, photo bytea, flag boolean, tags text[], extra jsonb, uid uuid,
    waited interval
);
INSERT INTO crm.people VALUES
  (1, '007', 12.50, 0.1, 0.1, '1980-02-03', '2024-01-02 03:04:05.5', '2024-07-02 04:04:05+01', '\\x00ff', true,
   ARRAY['a', 'b'], '{"b": 1, "a": [1.50, null]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:00:00'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
"""


@pytest.fixture
def pg_people(postgres_url: str) -> str:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS crm CASCADE")
        conn.execute(PG_PEOPLE)
    return postgres_url


@pytest.mark.postgres
def test_postgres_table_loads_exact_text(tmp_path: Path, pg_people: str) -> None:
    with _open(tmp_path / "p", f"  people:\n    url: {pg_people}\n    table: crm.people\n") as obs:
        result = ingest_dataset(obs, obs.project.dataset("crm.people"))
        _loaded(result, 2)
        first, second = _rows(obs)
        assert first == {
            "id": "1",
            "ref": "007",
            "amount": "12.50",
            "ratio": "0.1",
            "small": "0.1",
            "born": "1980-02-03",
            "seen": "2024-01-02 03:04:05.5",
            "seen_tz": "2024-07-02 03:04:05+00",
            "photo": "\\x00ff",
            "flag": "true",
            "tags": '["a","b"]',
            "extra": '{"a":[1.5,null],"b":1}',
            "uid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "waited": "1 day 02:00:00",
        }
        assert set(second.values()) == {"2", None}
        assert result.detection["dialect"] == "postgresql"
        assert result.detection["source_types"]["amount"] == "NUMERIC(12, 2)"


@pytest.mark.postgres
def test_postgres_query_is_read_only(tmp_path: Path, pg_people: str) -> None:
    query = "SELECT id, amount::text AS amount_text FROM crm.people WHERE ref = ':x' OR id = 1"
    with _open(tmp_path / "p", f'  people:\n    url: {pg_people}\n    query: "{query}"\n') as obs:
        found = SqlReader(obs.project.dataset("crm.people").spec).detect()
        assert found["source_types"] == {"id": "int8", "amount_text": "text"}
        _loaded(ingest_dataset(obs, obs.project.dataset("crm.people")), 1)
        assert _rows(obs) == [{"id": "1", "amount_text": "12.50"}]
    writes = "WITH gone AS (DELETE FROM crm.people RETURNING id) SELECT id FROM gone"
    with (
        _open(tmp_path / "q", f'  people:\n    url: {pg_people}\n    query: "{writes}"\n') as obs,
        pytest.raises(IngestError, match="cannot read the query: WITH clause containing a data-modifying") as caught,
    ):
        ingest_dataset(obs, obs.project.dataset("crm.people"))
    assert "observatory_test (query)" in caught.value.message
    # a query that passes the LIMIT 0 probe still runs in a read-only transaction
    bumps = "SELECT nextval('crm.counter') AS n"
    with (
        _open(tmp_path / "r", f'  people:\n    url: {pg_people}\n    query: "{bumps}"\n') as obs,
        pytest.raises(IngestError, match="read-only transaction"),
    ):
        ingest_dataset(obs, obs.project.dataset("crm.people"))
    with psycopg.connect(pg_people) as conn:
        assert conn.execute("SELECT count(*) FROM crm.people").fetchone() == (2,)
        assert conn.execute("SELECT last_value, is_called FROM crm.counter").fetchone() == (1, False)
