"""Address matching to gazetteer UPRNs: exact statuses on a hand-built gazetteer, accuracy on the demo."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from observatory import Observatory
from observatory.build import build
from observatory.demo import generate
from observatory.errors import ObservatoryError
from observatory.linkage.addresses import (
    EXACT_MATCH_SCORE,
    RESULT_SCHEMA,
    AddressMatchSettings,
    match_addresses,
)

GAZETTEER = [
    (1001, "FLAT 1, 10, HIGH STREET, OLDTOWN, ABERDEEN", "AB10 1AA"),
    (1002, "FLAT 2, 10, HIGH STREET, OLDTOWN, ABERDEEN", "AB10 1AA"),
    (1003, "12, HIGH STREET, OLDTOWN, ABERDEEN", "AB10 1AA"),
    (1004, "14, HIGH STREET, OLDTOWN, ABERDEEN", "AB10 1AA"),
    (1005, "16, HIGH STREET, OLDTOWN, ABERDEEN", "AB10 1AA"),
    (1006, "10, HIGH ROAD, NEWTOWN, ABERDEEN", "AB11 2BB"),
    (1007, "12, HIGH ROAD, NEWTOWN, ABERDEEN", "AB11 2BB"),
    (1008, "14, HIGH ROAD, NEWTOWN, ABERDEEN", "AB11 2BB"),
    (1009, "ROSE COTTAGE, MILL LANE, ABERDEEN", "AB12 3CC"),
    (1010, "1, MILL LANE, ABERDEEN", "AB12 3CC"),
    (1011, "3, MILL LANE, ABERDEEN", "AB12 3CC"),
    (1012, "5, STATION ROAD, ABERDEEN", "AB12 4DD"),
    (1013, "7, STATION ROAD, ABERDEEN", "AB12 4DD"),
    (1014, "9, STATION ROAD, ABERDEEN", "AB12 4DD"),
    (1015, "2, CHURCH VIEW, CULTS, ABERDEEN", "AB15 9EE"),
    (1016, "4, CHURCH VIEW, CULTS, ABERDEEN", "AB15 9EE"),
    (1017, "6, CHURCH VIEW, CULTS, ABERDEEN", "AB15 9EE"),
    (1018, "11, PARK AVENUE, ABERDEEN", "AB16 6FF"),
    (1019, "13, PARK AVENUE, ABERDEEN", "AB16 6FF"),
    (1020, "15, PARK AVENUE, ABERDEEN", "AB16 6FF"),
    (1021, "FLAT 1, 3, CHURCH VIEW, CULTS, ABERDEEN", "AB15 9EE"),
    (1022, "FLAT 2, 3, CHURCH VIEW, CULTS, ABERDEEN", "AB15 9EE"),
    (1023, "FLAT 3, 3, CHURCH VIEW, CULTS, ABERDEEN", "AB15 9EE"),
    (1024, "FLAT A, 8, STATION ROAD, ABERDEEN", "AB12 4DD"),
]

# unique_id: (address, postcode, expected status, expected uprn)
CASES: dict[str, tuple[str | None, str | None, str, int | None]] = {
    "abbreviation": ("12 High St, Oldtown, Aberdeen", "AB10 1AA", "matched", 1003),
    "road_abbreviation_no_town": ("7 Station Rd", "AB12 4DD", "matched", 1013),
    "similar_street": ("10 High Road, Newtown, Aberdeen", "AB11 2BB", "matched", 1006),
    "similar_street_no_town": ("14 High Rd", "AB11 2BB", "matched", 1008),
    "wrong_postcode": ("12 High Street, Oldtown, Aberdeen", "AB10 1AB", "matched", 1003),
    "missing_postcode": ("3 Mill Lane, Aberdeen", None, "matched", 1011),
    "named_house": ("Rose Cottage, Mill Lane", "AB12 3CC", "matched", 1009),
    "lower_case_squashed_postcode": ("6 church view, cults", "ab159ee", "matched", 1017),
    "flat_2": ("Flat 2, 10 High Street, Oldtown", "AB10 1AA", "matched", 1002),
    "flat_1_abbreviated": ("Flat 1 10 High St", "AB10 1AA", "matched", 1001),
    "flat_not_named": ("10 High Street, Oldtown, Aberdeen", "AB10 1AA", "ambiguous", None),
    "flat_not_named_number_shared": ("3 Church View, Cults", "AB15 9EE", "ambiguous", None),
    "only_flat_in_building": ("8 Station Road, Aberdeen", "AB12 4DD", "matched", 1024),
    "empty": (None, None, "no_address", None),
    "blank": ("  , ", "", "no_address", None),
    "garbage": ("Xyzzy Plugh Frobozz", None, "unmatched", None),
    "postcode_only": (None, "AB12 3CC", "unmatched", None),
    "duplicate_a": ("13 Park Avenue, Aberdeen", "AB16 6FF", "matched", 1019),
    "duplicate_b": ("13 Park Avenue, Aberdeen", "AB16 6FF", "matched", 1019),
}


def _gazetteer() -> pa.Table:
    uprns, addresses, postcodes = zip(*GAZETTEER, strict=True)
    return pa.table({"uprn": pa.array(uprns, pa.int64()), "address": list(addresses), "postcode": list(postcodes)})


def _addresses(cases: dict[str, tuple[str | None, str | None, str, int | None]]) -> pa.Table:
    return pa.table(
        {
            "unique_id": list(cases),
            "address": pa.array([case[0] for case in cases.values()], pa.string()),
            "postcode": pa.array([case[1] for case in cases.values()], pa.string()),
        }
    )


def _catalogue(con: duckdb.DuckDBPyConnection) -> set[tuple[object, ...]]:
    tables = con.execute("SELECT database_name, schema_name, table_name FROM duckdb_tables()").fetchall()
    views = con.execute("SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal")
    databases = con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    return set(tables) | set(views.fetchall()) | set(databases)


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """The cases matched on a file-backed warehouse connection, which must be left as it was."""
    con = duckdb.connect(str(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"))
    con.execute("CREATE TABLE keep (x INTEGER)")
    before = _catalogue(con)
    repeated = pa.table({"unique_id": ["flat_2"], "address": ["Xyzzy Plugh"], "postcode": [None]})
    addresses = pa.concat_tables([_addresses(CASES), repeated.cast(_addresses(CASES).schema)])
    result = match_addresses(con, addresses, _gazetteer(), AddressMatchSettings())
    assert result.schema == RESULT_SCHEMA
    assert _catalogue(con) == before
    assert con.execute("SELECT current_database()").fetchone() == ("warehouse",)
    rows = result.to_pylist()
    assert len(rows) == len(CASES)  # "flat_2" twice in, once out: its matched row
    return {str(row["unique_id"]): row for row in rows}


@pytest.mark.parametrize("case", list(CASES))
def test_each_messy_address_gets_its_expected_status_and_uprn(matched: dict[str, dict[str, object]], case: str) -> None:
    _, _, status, uprn = CASES[case]
    assert (matched[case]["status"], matched[case]["uprn"]) == (status, uprn)


def test_every_input_id_appears_exactly_once(matched: dict[str, dict[str, object]]) -> None:
    assert sorted(matched) == sorted(CASES)


def test_scores_follow_the_statuses(matched: dict[str, dict[str, object]]) -> None:
    assert matched["duplicate_a"]["score"] == EXACT_MATCH_SCORE  # cleaned address and postcode are identical
    assert matched["duplicate_a"]["runner_up"] is None
    for case in ("abbreviation", "wrong_postcode", "missing_postcode"):
        score, runner_up = matched[case]["score"], matched[case]["runner_up"]
        assert isinstance(score, float) and score >= AddressMatchSettings().score
        assert runner_up is None or (isinstance(runner_up, float) and score - runner_up >= 1.0)
    for case in ("empty", "blank", "postcode_only"):
        assert matched[case]["score"] is None
    assert matched["flat_not_named"]["score"] is not None  # ambiguous keeps the best score, not its UPRN


def test_settings_decide_acceptance() -> None:
    con = duckdb.connect()
    cases = {key: CASES[key] for key in ("abbreviation", "duplicate_a", "empty")}
    strict = match_addresses(con, _addresses(cases), _gazetteer(), AddressMatchSettings(score=EXACT_MATCH_SCORE + 1))
    rows = {row["unique_id"]: row for row in strict.to_pylist()}
    assert {key: row["status"] for key, row in rows.items()} == {
        "abbreviation": "unmatched",
        "duplicate_a": "unmatched",
        "empty": "no_address",
    }
    assert rows["abbreviation"]["uprn"] is None and rows["abbreviation"]["score"] is not None
    wide = match_addresses(con, _addresses(cases), _gazetteer(), AddressMatchSettings(margin=1000.0))
    statuses = {row["unique_id"]: row["status"] for row in wide.to_pylist()}
    assert statuses["abbreviation"] == "ambiguous"  # its runner-up (another property) is within 1000
    assert statuses["duplicate_a"] == "matched"  # an exact match has no runner-up


def test_duplicated_gazetteer_addresses_are_ambiguous() -> None:
    gazetteer = _gazetteer()
    twin = pa.table(
        {"uprn": pa.array([1099], pa.int64()), "address": ["3, MILL LANE, ABERDEEN"], "postcode": ["AB12 3CC"]}
    )
    result = match_addresses(
        duckdb.connect(),
        _addresses({"twin": ("3 Mill Lane, Aberdeen", "AB12 3CC", "", None)}),
        pa.concat_tables([gazetteer, twin]),
        AddressMatchSettings(),
    )
    assert result.to_pylist()[0]["status"] == "ambiguous"
    assert result.to_pylist()[0]["uprn"] is None


def test_a_read_only_warehouse_works_too(tmp_path: Path) -> None:
    path = str(tmp_path / "warehouse.duckdb")
    duckdb.connect(path).close()
    con = duckdb.connect(path, read_only=True)
    cases = {key: CASES[key] for key in ("abbreviation", "empty")}
    result = match_addresses(con, _addresses(cases), _gazetteer(), AddressMatchSettings())
    assert {row["unique_id"]: (row["status"], row["uprn"]) for row in result.to_pylist()} == {
        "abbreviation": ("matched", 1003),
        "empty": ("no_address", None),
    }


def test_empty_inputs() -> None:
    con = duckdb.connect()
    none = match_addresses(con, _addresses({}), _gazetteer(), AddressMatchSettings())
    assert none.num_rows == 0 and none.schema == RESULT_SCHEMA
    no_gazetteer = match_addresses(con, _addresses(CASES), _gazetteer().slice(0, 0), AddressMatchSettings())
    statuses = {row["unique_id"]: row["status"] for row in no_gazetteer.to_pylist()}
    assert statuses["abbreviation"] == "unmatched" and statuses["empty"] == "no_address"


def test_missing_columns_are_a_user_error() -> None:
    with pytest.raises(ObservatoryError, match="postcode"):
        match_addresses(
            duckdb.connect(),
            pa.table({"unique_id": ["a"], "address": ["1 Mill Lane"]}),
            _gazetteer(),
            AddressMatchSettings(),
        )


DEMO_ADDRESSES = {
    "asc.clients": "SELECT person_id AS key, address, postcode FROM standard.asc__clients",
    "ctax.accounts": (
        "SELECT account_ref || '-' || liable_party AS key, concat_ws(', ', address_1, address_2, address_3, address_4)"
        " AS address, postcode FROM standard.ctax__accounts"
    ),
    "housing.tenancies": (
        "SELECT tenancy_ref || '-' || tenant AS key, concat_ws(', ', address_line_1, address_line_2, town) AS address,"
        " postcode FROM standard.housing__tenancies"
    ),
    "housing.applications": (
        "SELECT application_no || '-' || applicant_no AS key, concat_ws(', ', address_line_1, address_line_2, town)"
        " AS address, postcode FROM standard.housing__applications"
    ),
    "csc.children": (
        "SELECT child_id AS key, concat_ws(', ', address_line_1, address_line_2, address_line_3) AS address, postcode"
        " FROM standard.csc__children"
    ),
    "schools.pupils": (
        "SELECT pupil_id AS key, concat_ws(', ', saon, paon, street, locality, town) AS address, postcode"
        " FROM standard.schools__pupils"
    ),
}


@pytest.mark.slow
def test_demo_addresses_match_their_true_properties(tmp_path: Path) -> None:
    root = tmp_path / "council"
    generate(root, residents=2000, seed=11)
    truth: dict[str, int] = {}
    with (root / "ground_truth" / "records.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["uprn"]:
                truth[f"{row['source']}.{row['dataset']}:{row['record_key'].replace('/', '-')}"] = int(row["uprn"])
    with Observatory.open(root) as obs:
        assert build(obs).ok
        con = obs.engine.connection
        addresses = con.sql(
            " UNION ALL ".join(
                f"SELECT '{dataset}:' || key AS unique_id, address, postcode FROM ({sql})"
                for dataset, sql in DEMO_ADDRESSES.items()
            )
        ).to_arrow_table()
        gazetteer = con.sql(
            "SELECT uprn, concat_ws(', ', saon, paon, street, locality, town) AS address, postcode"
            " FROM standard.llpg__properties"
        ).to_arrow_table()
        result = match_addresses(con, addresses, gazetteer, AddressMatchSettings()).to_pylist()
    assert len(result) == len(set(addresses.column("unique_id").to_pylist())) > 1000  # exported twice: once out
    correct = sum(row["uprn"] == truth[row["unique_id"]] for row in result)
    wrong = sum(row["uprn"] is not None and row["uprn"] != truth[row["unique_id"]] for row in result)
    assert correct / len(result) >= 0.97
    assert wrong / len(result) < 0.005
