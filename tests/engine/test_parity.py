"""DuckDB and Spark give identical results: the same messy file ingested, the same Ibis transform run.

Parsing happens in DuckDB for both engines, so the loaded rows and rejects must match exactly;
the transform is written once in Ibis and must compile to the same answers in both SQL
dialects. The design warns that the engines disagree silently on some functions (date
differences in years, for one), so the transform uses only portable pieces and is checked
against values computed in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pytest
from tests.engine.conftest import write_project

from observatory import Observatory
from observatory.ingest.loads import LoadResult, ingest_path

pytestmark = pytest.mark.spark

ENGINES = ("duckdb", "spark")
REFERENCE = date(2025, 2, 28)
"""The fixed date ages are computed at (the day before a 29 February birthday in a common year)."""

MESSY_LINES = [
    "Clients export – Demo County Council, run 01/04/2025",  # preamble line (en dash: 0x96 in Windows-1252)
    "Client ID,Name,Postcode,Date of Birth,Amount,Notes",
    '00123,José Ñúñez,"  sw1a   1aa ",29/02/2000,"1,234.50","line one\nline two"',
    '00456,Zoë O’Brien,m1 1ae,01/03/1990,12.5,"has a bare\rcarriage return"',
    "007,Françoise,,28/02/1985,,",
    ",,,,,",
    "",
    "0089,Ragged Row,LS1 4AP,15/07/1970",
    '0100,Ówen Søren,"b33 8th",28/02/2000,-7.25,"quote ""inside"""',
    '0200,Empty Strings,"",,"",""',
    "0300,Bad Date,EC1A 1BB,31/02/2001,n/a,x",
    '0400,Leap Day,"\tn1  9gu ",29/02/2004,"1,000,000.00",',
    "0500,Birthday Today,E1 6AN,28/02/1955,0.5,",
]
"""A CRLF file in Windows-1252 with the usual council-export problems, one per line."""

EXPECTED_ROWS = [
    ("00123", "José Ñúñez", "  sw1a   1aa ", "29/02/2000", "1,234.50", "line one\nline two"),
    ("00456", "Zoë O’Brien", "m1 1ae", "01/03/1990", "12.5", "has a bare\rcarriage return"),
    ("007", "Françoise", None, "28/02/1985", None, None),
    ("0100", "Ówen Søren", "b33 8th", "28/02/2000", "-7.25", 'quote "inside"'),
    ("0200", "Empty Strings", "", None, "", ""),
    ("0300", "Bad Date", "EC1A 1BB", "31/02/2001", "n/a", "x"),
    ("0400", "Leap Day", "\tn1  9gu ", "29/02/2004", "1,000,000.00", None),
    ("0500", "Birthday Today", "E1 6AN", "28/02/1955", "0.5", None),
]

EXPECTED_STANDARD = {
    # client_id: (postcode, date_of_birth, amount, age at REFERENCE)
    "00123": ("SW1A 1AA", date(2000, 2, 29), Decimal("1234.50"), 24),
    "00456": ("M1 1AE", date(1990, 3, 1), Decimal("12.50"), 34),
    "007": (None, date(1985, 2, 28), None, 40),
    "0100": ("B33 8TH", date(2000, 2, 28), Decimal("-7.25"), 25),
    "0200": (None, None, None, None),
    "0300": ("EC1A 1BB", None, None, None),
    "0400": ("N1 9GU", date(2004, 2, 29), Decimal("1000000.00"), 20),
    "0500": ("E1 6AN", date(1955, 2, 28), Decimal("0.50"), 70),
}


def write_messy_csv(path: Path) -> Path:
    path.write_bytes(("\r\n".join(MESSY_LINES) + "\r\n").encode("cp1252"))
    return path


# -- the transform, written once -------------------------------------------------------------


def parse_uk_date(text: ibis.StringValue) -> ibis.DateValue:
    """``dd/mm/yyyy`` to a date; anything else (or an impossible date such as 31/02) to NULL.

    Built from parts with ``try_cast`` so neither engine raises on bad input (DuckDB's
    ``strptime`` and Spark's ANSI-mode casts both would) and both agree on which dates exist.
    """
    text = text.strip()
    day, month, year = (text.substr(start, length).try_cast("int32") for start, length in ((0, 2), (3, 2), (6, 4)))
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days_in_month = ibis.cases((month == 2, ibis.ifelse(leap, 29, 28)), (month.isin([4, 6, 9, 11]), 30), else_=31)
    valid = text.re_search(r"^[0-9]{2}/[0-9]{2}/[0-9]{4}$") & month.between(1, 12) & day.between(1, days_in_month)
    return ibis.ifelse(valid, ibis.date(year, month, day), ibis.null("date"))


def age_in_years(born: ibis.DateValue, on: date | ibis.DateValue) -> ibis.IntegerValue:
    """Whole years completed on ``on``: the year difference, less one if the birthday is still to come.

    Portable on purpose: Ibis ``delta(unit="year")`` is DuckDB's ``date_diff('year', …)`` (calendar-year
    boundaries crossed) but Spark's ``datediff(YEAR, …)`` (whole years elapsed); see
    ``test_naive_year_difference_is_not_portable``. Someone born on 29 February gains a year on
    1 March in a common year (the UK convention).
    """
    on = ibis.literal(on, type="date") if isinstance(on, date) else on
    before_birthday = (born.month() > on.month()) | ((born.month() == on.month()) & (born.day() > on.day()))
    return (on.year() - born.year() - ibis.ifelse(before_birthday, 1, 0)).cast("int32")


def parse_amount(text: ibis.StringValue) -> ibis.DecimalValue:
    """``"1,234.50"`` to DECIMAL(14, 2); anything not a plain amount with at most 2 decimals to NULL."""
    plain = text.strip().replace(",", "")
    valid = plain.re_search(r"^-?[0-9]+(\.[0-9]{1,2})?$")
    return ibis.ifelse(valid, plain.try_cast(dt.Decimal(14, 2)), ibis.null(dt.Decimal(14, 2)))


def clean_postcode(text: ibis.StringValue) -> ibis.StringValue:
    """Trimmed, upper case, inner runs of whitespace collapsed to one space; empty to NULL."""
    return text.strip().upper().re_replace(r"\s+", " ").nullif("")


def standardise(raw: ibis.Table, on: date = REFERENCE) -> ibis.Table:
    dob = parse_uk_date(raw["Date of Birth"])
    return raw.select(
        client_id=raw["Client ID"],
        name=raw["Name"],
        postcode=clean_postcode(raw["Postcode"]),
        date_of_birth=dob,
        amount=parse_amount(raw["Amount"]),
        age=age_in_years(dob, on),
    )


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Observatory, LoadResult]]]:
    """The messy file ingested into a DuckDB project and a Spark project."""
    base = tmp_path_factory.mktemp("parity")
    opened: dict[str, tuple[Observatory, LoadResult]] = {}
    try:
        for engine in ENGINES:
            root = write_project(base / engine, engine)
            obs = Observatory.open(root)
            opened[engine] = (obs, ingest_path(obs, write_messy_csv(root / "clients.csv")))
        yield opened
    finally:
        for obs, _result in opened.values():
            obs.close()


def rows(table: pa.Table | list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as tuples in a stable order (NULLs first), for comparing results regardless of row order."""
    tuples = [tuple(r.values()) for r in table.to_pylist()] if isinstance(table, pa.Table) else table
    return sorted(tuples, key=lambda row: [(value is not None, str(value)) for value in row])


# -- ingest parity ---------------------------------------------------------------------------


def test_load_results_identical(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    duck, spark = (loaded[e][1] for e in ENGINES)
    assert duck.status == spark.status == "loaded"
    assert duck.encoding == "windows-1252"
    keys = ("table", "rows_read", "rows_loaded", "rows_rejected", "blank_rows_dropped", "encoding")
    assert {k: getattr(spark, k) for k in keys} == {k: getattr(duck, k) for k in keys}
    assert (duck.rows_read, duck.rows_loaded, duck.rows_rejected) == (9, 8, 1)


def test_same_columns_and_rows(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    tables = {}
    for engine in ENGINES:
        obs = loaded[engine][0]
        tables[engine] = obs.engine.to_arrow(obs.engine.table("raw", "adhoc__clients"))
    duck, spark = tables["duckdb"], tables["spark"]
    assert spark.schema.equals(duck.schema)
    assert duck.column_names == ["Client ID", "Name", "Postcode", "Date of Birth", "Amount", "Notes"]
    assert all(field.type == pa.string() for field in duck.schema)
    assert rows(spark) == rows(duck) == rows(EXPECTED_ROWS)


def test_same_rejects(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    found = {e: loaded[e][0].engine.rejects("raw", loaded[e][1].load_id or 0) for e in ENGINES}
    assert found["spark"] == found["duckdb"]
    assert found["duckdb"] == [
        {"line": 9, "reason": "too few fields: expected 6, found 4", "raw": "0089,Ragged Row,LS1 4AP,15/07/1970"}
    ]
    errors = {e: loaded[e][0].engine.cell_errors("raw", loaded[e][1].load_id or 0) for e in ENGINES}
    assert errors == {"duckdb": [], "spark": []}


def test_same_catalogue(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    duck, spark = (loaded[e][0].engine for e in ENGINES)
    for layer in ("raw", "standard"):
        assert spark.list_tables(layer) == duck.list_tables(layer)
    assert spark.list_tables("raw") == ["_cell_errors", "_rejects", "adhoc__clients", "adhoc__clients__load1"]
    assert spark.current_table("raw", "adhoc__clients") == duck.current_table("raw", "adhoc__clients")
    assert spark.current_table("raw", "nothing") is duck.current_table("raw", "nothing") is None
    assert spark.exists("raw", "adhoc__clients") and not spark.exists("raw", "nothing")
    assert spark.count_rows("raw", "adhoc__clients") == duck.count_rows("raw", "adhoc__clients") == 8


def test_second_open_sees_the_tables(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    for engine in ENGINES:
        obs = loaded[engine][0]
        if engine == "duckdb":
            obs.close()  # DuckDB: one writer per warehouse file; reopen instead of opening twice
            loaded[engine] = (Observatory.open(obs.root), loaded[engine][1])
            continue
        with Observatory.open(obs.root) as again:
            assert again.engine.list_tables("raw") == obs.engine.list_tables("raw")
            assert again.engine.current_table("raw", "adhoc__clients") == "adhoc__clients__load1"
            assert again.engine.count_rows("raw", "adhoc__clients") == 8
        assert obs.engine.count_rows("raw", "adhoc__clients") == 8, "still usable after the other one closed"
    reopened = loaded["duckdb"][0].engine
    assert reopened.list_tables("raw") == loaded["spark"][0].engine.list_tables("raw")


# -- transform parity ------------------------------------------------------------------------


def test_standardise_parity(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    results = {}
    for engine in ENGINES:
        warehouse = loaded[engine][0].engine
        expr = standardise(warehouse.table("raw", "adhoc__clients"))
        assert warehouse.materialise("standard", "clients", expr) == 8
        results[engine] = warehouse.to_arrow(warehouse.table("standard", "clients"))
    duck, spark = results["duckdb"], results["spark"]
    assert spark.schema.equals(duck.schema), f"{spark.schema}\n!=\n{duck.schema}"
    assert rows(spark) == rows(duck)
    got = {r["client_id"]: (r["postcode"], r["date_of_birth"], r["amount"], r["age"]) for r in duck.to_pylist()}
    assert got == EXPECTED_STANDARD


def test_materialise_replaces(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    for engine in ENGINES:
        warehouse = loaded[engine][0].engine
        source = warehouse.table("raw", "adhoc__clients")
        assert warehouse.materialise("standard", "few", source.filter(source["Client ID"] < "01")) == 3
        again = warehouse.table("standard", "few")
        assert warehouse.materialise("standard", "few", again.filter(again["Client ID"] != "007")) == 2, engine
        assert warehouse.count_rows("standard", "few") == 2


BIRTHDAYS = [
    # (born, on, age): 29 February in leap and common years, the day before/of/after a birthday
    (date(2000, 2, 29), date(2025, 2, 28), 24),
    (date(2000, 2, 29), date(2025, 3, 1), 25),
    (date(2000, 2, 29), date(2024, 2, 28), 23),
    (date(2000, 2, 29), date(2024, 2, 29), 24),
    (date(1990, 12, 31), date(2025, 12, 30), 34),
    (date(1990, 12, 31), date(2025, 12, 31), 35),
    (date(1990, 1, 1), date(2025, 12, 31), 35),
    (date(2025, 2, 28), date(2025, 2, 28), 0),
    (None, date(2025, 2, 28), None),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_age_in_years_is_portable(loaded: dict[str, tuple[Observatory, LoadResult]], engine: str) -> None:
    warehouse = loaded[engine][0].engine
    table = ibis.memtable(
        {"born": [b for b, _, _ in BIRTHDAYS], "at": [o for _, o, _ in BIRTHDAYS], "i": list(range(len(BIRTHDAYS)))},
        schema={"born": "date", "at": "date", "i": "int64"},
    )
    got = warehouse.to_arrow(table.select("i", age=age_in_years(table["born"], table["at"]))).to_pylist()
    assert sorted((r["i"], r["age"]) for r in got) == [(i, age) for i, (_, _, age) in enumerate(BIRTHDAYS)]


@pytest.mark.parametrize("engine", ENGINES)
def test_uk_dates_and_amounts(loaded: dict[str, tuple[Observatory, LoadResult]], engine: str) -> None:
    cases = [
        ("29/02/2024", date(2024, 2, 29)),
        ("29/02/2023", None),
        ("29/02/1900", None),
        ("29/02/2000", date(2000, 2, 29)),
        ("31/04/2020", None),
        ("00/01/2020", None),
        ("01/13/2020", None),
        (" 01/02/2020 ", date(2020, 2, 1)),
        ("1/2/2020", None),
        ("2020-02-01", None),
        ("", None),
        (None, None),
    ]
    amounts = [
        ("1,234.50", Decimal("1234.50")),
        (" -0.5 ", Decimal("-0.50")),
        ("1.005", None),
        ("£5", None),
        ("", None),
        (None, None),
        ("999999999999.99", Decimal("999999999999.99")),
    ]
    warehouse = loaded[engine][0].engine
    size = max(len(cases), len(amounts))
    table = ibis.memtable(
        {
            "i": list(range(size)),
            "text": [c[0] for c in cases] + [None] * (size - len(cases)),
            "amount": [a[0] for a in amounts] + [None] * (size - len(amounts)),
        },
        schema={"i": "int64", "text": "string", "amount": "string"},
    )
    result = warehouse.to_arrow(table.select(table.i, d=parse_uk_date(table.text), a=parse_amount(table.amount)))
    by_index = {r["i"]: (r["d"], r["a"]) for r in result.to_pylist()}
    assert [by_index[i][0] for i in range(len(cases))] == [c[1] for c in cases]
    assert [by_index[i][1] for i in range(len(amounts))] == [a[1] for a in amounts]


def test_naive_year_difference_is_not_portable(loaded: dict[str, tuple[Observatory, LoadResult]]) -> None:
    """Why ``age_in_years`` exists: Ibis ``delta(unit="year")`` means different things on the two engines.

    DuckDB's ``date_diff('year', …)`` counts calendar-year boundaries crossed; Spark's
    ``datediff(YEAR, …)`` counts whole years elapsed. Same Ibis expression, different answers.
    """
    born = [date(2000, 2, 29), date(2000, 3, 1), date(2024, 12, 31)]
    on = date(2025, 2, 28)
    table = ibis.memtable({"i": [0, 1, 2], "born": born}, schema={"i": "int64", "born": "date"})
    naive = ibis.literal(on).delta(table["born"], unit="year")
    expr = table.select("i", naive=naive, age=age_in_years(table["born"], on))
    found = {}
    for engine in ENGINES:
        result = sorted(loaded[engine][0].engine.to_arrow(expr).to_pylist(), key=lambda r: r["i"])
        found[engine] = ([r["naive"] for r in result], [r["age"] for r in result])
    assert found["duckdb"] == ([25, 25, 1], [24, 24, 0])
    assert found["spark"] == ([24, 24, 0], [24, 24, 0])
