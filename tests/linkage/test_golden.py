"""Golden records: each survivorship rule decides what it should, with exact provenance, on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from observatory.errors import ObservatoryError
from observatory.linkage.golden import PROVENANCE_COLUMNS, golden_records, residents_from_provenance
from observatory.linkage.tables import ATTRIBUTES, PERSON_COLUMNS

SCHEMA = {**PERSON_COLUMNS, "resident_id": "string", "uprn": "int64"}
D = dt.date


def record(unique_id: str, resident_id: str, trust: int, recorded_on: dt.date | None, **values: Any) -> dict[str, Any]:
    dataset = unique_id.split(":")[0]
    return {
        "unique_id": unique_id,
        "dataset": dataset,
        "resident_id": resident_id,
        "trust": trust,
        "recorded_on": recorded_on,
        **values,
    }


ROWS = [
    # R1: the most trusted source wins the surname against a more recent, more frequent one
    record(
        "asc:1",
        "R1",
        0,
        D(2019, 5, 1),
        forename="JOHN",
        surname="SMITH",
        date_of_birth=D(1980, 2, 3),
        sex="M",
        postcode="AB1 1AA",
        ethnicity="A1",
        uprn=100,
    ),
    record(
        "ctax:1",
        "R1",
        1,
        D(2023, 1, 1),
        forename="JOHN",
        surname="SMYTH",
        date_of_birth=D(1980, 2, 3),
        postcode="AB2 2BB",
        ethnicity="W1",
        phone="  ",
        uprn=200,
    ),
    record(
        "ctax:2",
        "R1",
        1,
        D(2022, 1, 1),
        forename="JON",
        surname="SMYTH",
        sex="",
        postcode="AB2 2BB",
        ethnicity="W1",
        phone="07700 900123",
    ),
    # R2: equal trust, so the most recent wins; a record without a date comes last
    record("hsg:1", "R2", 2, D(2020, 1, 1), postcode="AB1 1AA", address="1 HIGH STREET", uprn=100),
    record("hsg:2", "R2", 2, D(2024, 6, 1), postcode="AB9 9ZZ", address="9 LOW ROAD"),
    record("hsg:3", "R2", 2, D(2021, 1, 1), postcode="AB1 1AA", address="1 HIGH STREET", uprn=300),
    record("hsg:4", "R2", 2, None, postcode="ZZ1 1ZZ", uprn=400),
    # R3: nothing separates the two forenames but the smallest unique_id (which holds the later name)
    record("sch:1", "R3", 3, D(2021, 9, 1), forename="ZOE"),
    record("sch:2", "R3", 3, D(2021, 9, 1), forename="AMY"),
    # R4: equal trust and date, so the more frequent surname wins; email has no rules at all
    record("la:1", "R4", 4, D(2020, 2, 2), surname="BROWN"),
    record("la:2", "R4", 4, D(2020, 2, 2), surname="BRAUN", email="z@example.org"),
    record("la:3", "R4", 4, D(2020, 2, 2), surname="BRAUN", email="a@example.org"),
    record("zz:1", "R4", 0, D(2020, 2, 2), email="m@example.org"),
    # R5: one record, one value
    record("solo:1", "R5", 5, None, forename="ANN"),
]
RULES: dict[str, tuple[str, ...]] = {"ethnicity": ("frequent", "recent"), "uprn": ("recent",), "email": ()}

PROVENANCE = {
    ("R1", "forename", "JOHN", "asc:1", "asc", "trusted", 2),
    ("R1", "surname", "SMITH", "asc:1", "asc", "trusted", 2),
    ("R1", "date_of_birth", "1980-02-03", "asc:1", "asc", "only", 1),
    ("R1", "sex", "M", "asc:1", "asc", "only", 1),
    ("R1", "postcode", "AB1 1AA", "asc:1", "asc", "trusted", 2),
    ("R1", "uprn", "200", "ctax:1", "ctax", "recent", 2),
    ("R1", "phone", "07700 900123", "ctax:2", "ctax", "only", 1),
    ("R1", "ethnicity", "W1", "ctax:1", "ctax", "frequent", 2),
    ("R2", "postcode", "AB9 9ZZ", "hsg:2", "hsg", "recent", 3),
    ("R2", "address", "9 LOW ROAD", "hsg:2", "hsg", "recent", 2),
    ("R2", "uprn", "300", "hsg:3", "hsg", "recent", 3),
    ("R3", "forename", "ZOE", "sch:1", "sch", "tie", 2),
    ("R4", "surname", "BRAUN", "la:2", "la", "frequent", 2),
    ("R4", "email", "z@example.org", "la:2", "la", "tie", 3),
    ("R5", "forename", "ANN", "solo:1", "solo", "only", 1),
}

RESIDENTS = [
    {
        "resident_id": "R1",
        "records": 3,
        "datasets": 2,
        "forename": "JOHN",
        "surname": "SMITH",
        "date_of_birth": D(1980, 2, 3),
        "sex": "M",
        "postcode": "AB1 1AA",
        "uprn": 200,
        "phone": "07700 900123",
        "ethnicity": "W1",
        "sources": "asc,ctax",
    },
    {
        "resident_id": "R2",
        "records": 4,
        "datasets": 1,
        "postcode": "AB9 9ZZ",
        "address": "9 LOW ROAD",
        "uprn": 300,
        "sources": "hsg",
    },
    {"resident_id": "R3", "records": 2, "datasets": 1, "forename": "ZOE", "sources": "sch"},
    {
        "resident_id": "R4",
        "records": 4,
        "datasets": 2,
        "surname": "BRAUN",
        "email": "z@example.org",
        "sources": "la,zz",
    },
    {"resident_id": "R5", "records": 1, "datasets": 1, "forename": "ANN", "sources": "solo"},
]


def records_arrow(rows: Sequence[Mapping[str, Any]] = ROWS) -> pa.Table:
    schema = ibis.schema(SCHEMA).to_pyarrow()
    return pa.table({column: [row.get(column) for row in rows] for column in SCHEMA}, schema=schema)


def records_table(rows: Sequence[Mapping[str, Any]] = ROWS) -> ir.Table:
    return ibis.memtable(records_arrow(rows))


def spark_records(con: Any, spark: Any) -> ir.Table:
    """The records as a Spark view: a memtable on pyspark goes through pandas and loses nullable integers."""
    spark.createDataFrame(records_arrow()).createOrReplaceTempView("golden_test_records")
    return con.table("golden_test_records")


def full_resident(values: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("resident_id", "records", "datasets", *ATTRIBUTES, "sources")
    return {key: values.get(key) for key in keys}


Outcome = tuple[list[dict[str, Any]], set[tuple[Any, ...]]]


def run(con: Any, rules: Mapping[str, Sequence[str]] = RULES, records: ir.Table | None = None) -> Outcome:
    residents, provenance = golden_records(records_table() if records is None else records, rules)
    found_residents = sorted(con.to_pyarrow(residents).to_pylist(), key=lambda row: row["resident_id"])
    found_provenance = {tuple(row.values()) for row in con.to_pyarrow(provenance).to_pylist()}
    return found_residents, found_provenance


@pytest.fixture(scope="module")
def on_duckdb() -> Outcome:
    return run(ibis.duckdb.connect())


def test_provenance_names_the_value_record_rule_and_candidates(on_duckdb: Outcome) -> None:
    _, provenance = on_duckdb
    assert provenance == PROVENANCE


def test_residents_have_one_typed_row_each(on_duckdb: Outcome) -> None:
    residents, _ = on_duckdb
    assert residents == [full_resident(values) for values in RESIDENTS]


def test_output_columns_and_types() -> None:
    residents, provenance = golden_records(records_table(), RULES)
    assert tuple(provenance.columns) == PROVENANCE_COLUMNS
    assert provenance.schema()["candidates"] == ibis.dtype("int64")
    assert residents.columns == ("resident_id", "records", "datasets", *ATTRIBUTES, "sources")
    types = residents.schema()
    assert (types["date_of_birth"], types["uprn"], types["records"]) == tuple(
        map(ibis.dtype, ("date", "int64", "int64"))
    )
    assert all(types[name] == ibis.dtype("string") for name in ATTRIBUTES if name not in ("date_of_birth", "uprn"))


@pytest.mark.parametrize(
    ("rules", "attribute", "expected"),
    [
        ({}, ("R1", "postcode"), ("AB1 1AA", "asc:1", "trusted")),
        ({"postcode": ["recent", "trusted"]}, ("R1", "postcode"), ("AB2 2BB", "ctax:1", "recent")),
        ({}, ("R1", "ethnicity"), ("A1", "asc:1", "trusted")),
        ({"ethnicity": ["frequent", "trusted"]}, ("R1", "ethnicity"), ("W1", "ctax:1", "frequent")),
        ({"surname": ["frequent"]}, ("R1", "surname"), ("SMYTH", "ctax:1", "frequent")),
        ({"surname": ["recent", "trusted"]}, ("R1", "surname"), ("SMYTH", "ctax:1", "recent")),
        ({}, ("R4", "email"), ("m@example.org", "zz:1", "trusted")),
        ({"forename": ["frequent", "recent"]}, ("R3", "forename"), ("ZOE", "sch:1", "tie")),
        ({"uprn": []}, ("R2", "uprn"), ("100", "hsg:1", "tie")),
    ],
)
def test_the_rule_order_decides(
    rules: dict[str, list[str]], attribute: tuple[str, str], expected: tuple[str, ...]
) -> None:
    _, provenance = run(ibis.duckdb.connect(), rules)
    chosen = {(row[0], row[1]): (row[2], row[3], row[5]) for row in provenance}
    assert chosen[attribute] == expected


def test_empty_and_null_values_never_win(on_duckdb: Outcome) -> None:
    _, provenance = on_duckdb
    attributes = {(row[0], row[1]) for row in provenance}
    assert ("R1", "email") not in attributes and ("R5", "surname") not in attributes
    sex = [row for row in provenance if row[:2] == ("R1", "sex")]
    assert sex == [("R1", "sex", "M", "asc:1", "asc", "only", 1)]


def test_residents_can_be_built_from_a_stored_provenance() -> None:
    con = ibis.duckdb.connect()
    records = records_table()
    _, provenance = golden_records(records, RULES)
    stored = con.create_table("golden_provenance", con.to_pyarrow(provenance))
    found = sorted(
        con.to_pyarrow(residents_from_provenance(records, stored)).to_pylist(), key=lambda r: r["resident_id"]
    )
    assert found == [full_resident(values) for values in RESIDENTS]


def test_the_compiled_sql_stays_small() -> None:
    con = ibis.duckdb.connect()
    person = con.create_table("person_records", schema=ibis.schema(PERSON_COLUMNS))
    linked = con.create_table(
        "resident_records", schema=ibis.schema({"unique_id": "string", "resident_id": "string", "uprn": "int64"})
    )
    records = person.join(linked, "unique_id").mutate(surname=person.surname.upper())
    residents, provenance = golden_records(records, {"postcode": ["recent"], "email": [], "phone": ["frequent"]})
    assert len(ibis.to_sql(residents)) < 60_000
    assert len(ibis.to_sql(provenance)) < 60_000
    assert con.to_pyarrow(residents).num_rows == 0


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"shoe_size": ["trusted"]}, r"unknown attribute 'shoe_size' \(allowed: forename, middle_names, .*ethnicity\)"),
        ({"surname": ["trusted", "newest"]}, r"surname: unknown rule 'newest' \(allowed: trusted, recent, frequent\)"),
        ({"surname": "trusted"}, r"surname: rules must be a list, not the text 'trusted'"),
        ({"postcode": ["recent", "recent"]}, r"postcode: rule 'recent' is listed more than once"),
    ],
)
def test_wrong_rules_are_named(rules: dict[str, Any], message: str) -> None:
    with pytest.raises(ObservatoryError, match=message):
        golden_records(records_table(), rules)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ObservatoryError) as caught:
        golden_records(records_table(), {"age": [], "sex": ["oldest"], "email": ["often"]})
    assert all(part in caught.value.message for part in ("'age'", "'oldest'", "'often'"))


def test_missing_columns_are_named() -> None:
    with pytest.raises(ObservatoryError, match="lack the columns resident_id, uprn"):
        golden_records(records_table().drop("resident_id", "uprn"), {})


@pytest.mark.spark
def test_spark_gives_the_same_golden_records(spark: Any, on_duckdb: Outcome) -> None:
    con = ibis.pyspark.connect(spark)
    residents, provenance = run(con, records=spark_records(con, spark))
    assert provenance == on_duckdb[1]
    assert residents == on_duckdb[0]
