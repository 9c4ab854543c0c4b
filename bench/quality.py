"""Benchmark: Observatory's quality run of a 2,000,000-row person table against a hand-written DuckDB pass and Great Expectations.

The table (``id``, forename, surname, date of birth, postcode, NHS number, email, ``created_at``)
is generated as Parquet with known kinds of fault: 1-3% missing values (NULL, empty, blank and
``N/A``), a few percent invalid values in clear categories (wrong NHS check digits, impossible or
implausible dates, place names for postcodes, emails without @...), valid values in lightly messy
forms (lower-case postcodes, spaced NHS numbers) and about 0.1% duplicate ids. It is ingested into
the raw layer of a temporary project once, before any timing. Then, median of ``--repeat`` runs,
each in its own process with peak resident memory summed over the process tree:

- **Observatory**: ``standardise`` (the standard layer: every field typed, normalised and given a
  status, postcodes joined to the ONS Postcode Directory) plus ``measure_dataset`` (every measure in
  one aggregate pass, and failing-row samples), on the DuckDB warehouse.
- **Hand-written DuckDB SQL** (the physical limit): one ``SELECT`` of aggregates over the same raw
  table, with the postcode reference join, computing the same counts and nothing else.
- **Great Expectations Core** on pandas: the Parquet file read into pandas, cleaned (trim, null
  tokens) and prepared (compact postcodes, parsed dates of birth), then one suite of the
  equivalent expectations, a custom column-map expectation for the NHS number modulus 11 check.

Timed: the work only. Imports, opening the project or database and building the GE context and
suite are outside the timer (they are in the memory figure). All three must report the same
count for every measure; the table of counts is printed and the script exits non-zero otherwise.

    .venv/bin/python bench/quality.py [--rows 2000000] [--repeat 3] [--no-record]

Great Expectations is in the ``bench`` dependency group (``make bench`` installs it). A dated
section is appended to bench/RESULTS.md for runs at the full size unless ``--no-record``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import psutil

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"
FULL_ROWS = 2_000_000
GENERATOR_VERSION = 1
"""Bump when the generated data changes, so a cached Parquet file is not reused."""

METHODS = ("observatory", "sql", "ge")
TITLES = {
    "observatory": "Observatory: standard layer + quality pass + samples",
    "sql": "hand-written DuckDB SQL, one aggregate pass",
    "ge": "Great Expectations Core on pandas (read + prepare + validate)",
}

FIELDS = ("id", "forename", "surname", "date_of_birth", "postcode", "nhs_number", "email", "created_at")
VALIDATED = ("forename", "surname", "date_of_birth", "postcode", "nhs_number", "email", "created_at")
DOB_FORMAT = "%d/%m/%Y"
CREATED_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_AGE = 120

CONTRACT = """\
name: bench
title: Benchmark people
owner: Benchmark
datasets:
  people:
    path: {parquet}
    keys: [id]
    fields:
      id: {{type: text, critical: true}}
      forename: {{type: forename}}
      surname: {{type: surname}}
      date_of_birth: {{type: date_of_birth, formats: ["{dob}"], critical: true}}
      postcode: {{type: postcode, critical: true}}
      nhs_number: {{type: nhs_number, critical: true}}
      email: {{type: email}}
      created_at: {{type: date, formats: ["{created}"]}}
"""

# -- the rules, written out independently of Observatory's code (from the types' documented rules) --

WHITESPACE = " \t\n\r\f\v\u00a0"
NULL_TOKENS = ("", "-", "--", ".", "n/a", "na", "#n/a", "null")
"""``clean``: trimmed values equal to one of these (any case) are missing."""

_OUTWARD_FORMS = (
    "[A-PR-UWYZ][0-9]",  # A9
    "[A-PR-UWYZ][0-9][0-9]",  # A99
    "[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]",  # A9A
    "[A-PR-UWYZ][A-HK-Y][0-9]",  # AA9
    "[A-PR-UWYZ][A-HK-Y][0-9][0-9]",  # AA99
    "[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]",  # AA9A
)
POSTCODE_COMPACT = f"(?:{'|'.join(_OUTWARD_FORMS)})[0-9][ABD-HJLNP-UW-Z][ABD-HJLNP-UW-Z]|GIR0AA"
"""BS 7666 postcode, upper case without spaces (RE2 and Python alike)."""

_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = f"{_ATOM}(?:\\.{_ATOM})*@(?:{_LABEL}\\.)+[A-Za-z][A-Za-z0-9-]{{0,61}}[A-Za-z0-9]"
"""RFC 5321 dot-atom local part @ domain of two or more labels; plus local part <= 64 and whole <= 254."""

NHS_PLACEHOLDERS = tuple(str(d) * 10 for d in range(10))

NAME_SQL = "\\pL"
NAME_PYTHON = "[^\\W\\d_]"
"""A forename or surname is valid when it has a letter (RE2 and Python spellings; searched, not anchored)."""


# ---------------------------------------------------------------------------------------------- data

FORENAMES = (
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy", "Leo", "Lily",
    "Arthur", "Isabella", "Muhammad", "Rosie", "Oscar", "Sophia", "Charlie", "Grace", "Jacob", "Freya",
    "Thomas", "Florence", "Alfie", "Willow", "Henry", "Evie", "Archie", "Poppy", "Margaret", "David",
    "Susan", "John", "Patricia", "Michael", "Elizabeth", "Peter", "Jean", "Stephen", "Siobhan", "Aoife",
    "Rhys", "Cerys", "Dylan", "Anne-Marie", "Jean-Paul", "Zoë", "Chloé", "Seán",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke",
    "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes",
    "O'Brien", "O'Neill", "McDonald", "MacLeod", "Smith-Jones", "Ahmed", "Khan", "Begum", "Singh", "Kaur",
    "Nowak", "Kowalski", "Okafor", "Nguyen", "Van der Berg", "De Souza", "Fitzgerald", "Ó Súilleabháin",
    "Llewellyn", "Ap Rhys",
)  # fmt: skip
NOT_NAMES = ("123", "???", "'", "0", "#", "()", "*", "99")
"""Values of a name field with no letters (invalid); ``-``, ``--`` and ``.`` would be null tokens (missing)."""
TOWNS = ("Leeds", "Aberdeen", "Manchester", "Bradford", "Milton Keynes", "St Albans", "Newcastle upon Tyne")
DOMAINS = ("example.org", "council.gov.uk", "mail.co.uk", "nhs.net", "example.com")


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: tuple[str, ...], hashed: str) -> str:
    return f"{_sql_list(values)}[({hashed}) % {len(values)} + 1]"


def _h(salt: int) -> str:
    """A deterministic pseudo-random non-negative BIGINT per row and salt."""
    return f"(hash(i * 31 + {salt}) >> 1)::BIGINT"


def _u(salt: int) -> str:
    """A deterministic pseudo-random per-mille (0-999) per row and salt."""
    return f"({_h(salt)} % 1000)"


MISSING = f"(CASE {_h(30)} % 10 WHEN 0 THEN '' WHEN 1 THEN 'N/A' WHEN 2 THEN '   ' WHEN 3 THEN 'null' ELSE NULL END)"
"""A missing value: mostly NULL, sometimes empty, blank or a null token."""


def generation_sql(rows: int) -> str:
    """The person table with its faults: one ``SELECT`` over ``range(rows)`` and the postcode list ``ref``."""
    return f"""
WITH base AS (
    SELECT i,
        {_pick(FORENAMES, _h(1))} AS fn,
        {_pick(SURNAMES, _h(2))} AS sn,
        DATE '1925-01-01' + ({_h(3)} % 34000)::INTEGER AS dob,
        (SELECT list(postcode ORDER BY postcode) FROM ref)[{_h(4)} % (SELECT count(*) FROM ref) + 1] AS pc,
        lpad(({_h(5)} % 1000000000)::VARCHAR, 9, '0') AS n9,
        TIMESTAMP '2015-01-01' + to_seconds(({_h(6)} % 315360000)::BIGINT) AS created,
        {_pick(DOMAINS, _h(7))} AS domain,
        {_h(8)} AS h
    FROM range({rows}) t(i)
), nhs_fixed AS (
    -- nine digits whose check digit would be 10 get their ninth digit changed (such numbers are never issued)
    SELECT *, CASE WHEN {_nhs_sum("n9")} % 11 = 1 THEN left(n9, 8) || ((n9[9]::INTEGER + 1) % 10)::VARCHAR
                   ELSE n9 END AS nine
    FROM base
), nhs AS (
    SELECT *, nine || ((11 - {_nhs_sum("nine")} % 11) % 11)::VARCHAR AS nhs10,
           (11 - {_nhs_sum("nine")} % 11) % 11 AS check_digit,
           lower(strip_accents(replace(fn, ' ', ''))) AS fl, lower(strip_accents(replace(sn, ' ', ''))) AS sl
    FROM nhs_fixed
)
SELECT
    CASE WHEN {_u(10)} < 10 THEN {MISSING}
         WHEN i % 1000 = 999 THEN 'P' || lpad((i - 1)::VARCHAR, 9, '0')
         ELSE 'P' || lpad(i::VARCHAR, 9, '0') END AS id,
    {_name_case("fn", 11)} AS forename,
    {_name_case("sn", 12)} AS surname,
    CASE WHEN {_u(13)} < 20 THEN {MISSING}
         WHEN {_u(13)} < 25 THEN '31/02/' || (1930 + h % 80)::VARCHAR
         WHEN {_u(13)} < 27 THEN '29/02/' || (1951 + 4 * (h % 12))::VARCHAR
         WHEN {_u(13)} < 29 THEN lpad((1 + h % 28)::VARCHAR, 2, '0') || '/13/' || (1930 + h % 80)::VARCHAR
         WHEN {_u(13)} < 31 THEN strftime(DATE '2060-01-01' + (h % 10000)::INTEGER, '%d/%m/%Y')
         WHEN {_u(13)} < 33 THEN strftime(DATE '1800-01-01' + (h % 30000)::INTEGER, '%d/%m/%Y')
         WHEN {_u(13)} < 35 THEN strftime(dob, '%Y-%m-%d')
         WHEN {_u(13)} < 36 THEN 'unknown'
         WHEN {_u(13)} < 38 THEN '29/02/' || (1952 + 4 * (h % 15))::VARCHAR
         WHEN {_u(13)} < 100 THEN strftime(dob, '%-d/%-m/%Y')
         WHEN {_u(13)} < 110 THEN ' ' || strftime(dob, '%d/%m/%Y') || ' '
         ELSE strftime(dob, '%d/%m/%Y') END AS date_of_birth,
    CASE WHEN {_u(14)} < 25 THEN {MISSING}
         WHEN {_u(14)} < 45 THEN split_part(pc, ' ', 1) || ' 0ZZ'
         WHEN {_u(14)} < 50 THEN split_part(pc, ' ', 1)
         WHEN {_u(14)} < 55 THEN split_part(pc, ' ', 1) || ' ' || left(split_part(pc, ' ', 2), 1)
         WHEN {_u(14)} < 60 THEN {_pick(TOWNS, "h")}
         WHEN {_u(14)} < 63 THEN split_part(pc, ' ', 1) || ' O' || right(pc, 2)
         WHEN {_u(14)} < 65 THEN lpad((h % 100000)::VARCHAR, 5, '0')
         WHEN {_u(14)} < 200 THEN lower(pc)
         WHEN {_u(14)} < 300 THEN replace(pc, ' ', '')
         WHEN {_u(14)} < 320 THEN replace(pc, ' ', '  ')
         ELSE pc END AS postcode,
    CASE WHEN {_u(15)} < 20 THEN {MISSING}
         WHEN {_u(15)} < 40 THEN nine || ((check_digit + 1 + h % 9) % 10)::VARCHAR
         WHEN {_u(15)} < 45 THEN nine
         WHEN {_u(15)} < 47 THEN repeat((h % 10)::VARCHAR, 10)
         WHEN {_u(15)} < 49 THEN 'NHS' || left(nine, 7)
         WHEN {_u(15)} < 300 THEN nhs10[1:3] || ' ' || nhs10[4:6] || ' ' || nhs10[7:10]
         WHEN {_u(15)} < 350 THEN nhs10[1:3] || '-' || nhs10[4:6] || '-' || nhs10[7:10]
         ELSE nhs10 END AS nhs_number,
    CASE WHEN {_u(16)} < 20 THEN {MISSING}
         WHEN {_u(16)} < 30 THEN fl || '.' || sl || (i % 1000)::VARCHAR || domain
         WHEN {_u(16)} < 35 THEN fl || '@' || sl || '@' || domain
         WHEN {_u(16)} < 40 THEN fl || '.' || sl || '@localhost'
         WHEN {_u(16)} < 45 THEN fl || '..' || sl || '@' || domain
         WHEN {_u(16)} < 50 THEN fl || ' ' || sl || '@' || domain
         WHEN {_u(16)} < 150 THEN fl || '.' || sl || (i % 1000)::VARCHAR || '@' || upper(domain)
         ELSE fl || '.' || sl || (i % 1000)::VARCHAR || '@' || domain END AS email,
    CASE WHEN {_u(17)} < 10 THEN {MISSING}
         WHEN {_u(17)} < 15 THEN '2021-02-30 ' || strftime(created, '%H:%M:%S')
         WHEN {_u(17)} < 18 THEN strftime(created, '%d/%m/%Y %H:%M')
         WHEN {_u(17)} < 20 THEN 'yesterday'
         ELSE strftime(created, '%Y-%m-%d %H:%M:%S') END AS created_at
FROM nhs
ORDER BY i
"""


def _nhs_sum(digits: str) -> str:
    return "(" + " + ".join(f"{10 - k} * {digits}[{k + 1}]::INTEGER" for k in range(9)) + ")"


def _name_case(column: str, salt: int) -> str:
    u = _u(salt)
    return f"""CASE WHEN {u} < 20 THEN {MISSING} WHEN {u} < 30 THEN {_pick(NOT_NAMES, "h")}
         WHEN {u} < 150 THEN upper({column}) WHEN {u} < 200 THEN lower({column})
         WHEN {u} < 210 THEN ' ' || {column} || ' ' ELSE {column} END"""


def make_parquet(path: Path, rows: int) -> None:
    """Write the generated person table (every column text) unless it is already there."""
    if path.exists():
        return
    from observatory.standards.reference_tables import read_postcodes

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        ref = read_postcodes().select(["postcode"])
        con.register("ref", ref)
        con.execute(f"COPY ({generation_sql(rows)}) TO '{partial}' (FORMAT parquet)")
    partial.rename(path)


# ---------------------------------------------------------------------------------------------- methods

Counts = dict[str, tuple[int, int]]
"""Measure name -> (passed, total), named as ``observatory.quality.measures`` names them."""


def observatory_child(project: Path) -> tuple[float, Counts, dict[str, Any]]:
    from observatory import Observatory
    from observatory.quality.engine import measure_dataset
    from observatory.standards.layer import standardise

    with Observatory.open(project) as obs:
        dataset = obs.project.dataset("bench.people")
        _ = obs.engine.ibis  # open the warehouse before the timer
        started = time.perf_counter()
        result = standardise(obs, dataset)
        standardised = time.perf_counter()
        quality = measure_dataset(obs, dataset, result.fields)
        finished = time.perf_counter()
    counts = {m.name: (m.passed, m.total) for m in quality.measures}
    info = {
        "rows": quality.rows,
        "samples": sum(len(s.rows) for s in quality.samples),
        "standardise": standardised - started,
        "measure": finished - standardised,
    }
    return finished - started, counts, info


_SQL_WHITESPACE = "[ \\t\\n\\r\\f\\v\\xa0]"
"""``WHITESPACE`` as an RE2 class (a regex trims faster on DuckDB than ``trim(x, characters)``)."""


def _trim_sql(column: str) -> str:
    return f"regexp_replace({column}, '^{_SQL_WHITESPACE}+|{_SQL_WHITESPACE}+$', '', 'g') AS {column}"


def _null_tokens_sql(column: str) -> str:
    return f"CASE WHEN lower({column}) IN ({', '.join(repr(t) for t in NULL_TOKENS)}) THEN NULL ELSE {column} END AS {column}"


def _sql_regex(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


def hand_written_sql(raw: str, postcodes: str) -> str:
    """Every count in one pass over ``raw`` (all text), with ``postcodes`` (one row per live postcode)."""
    nhs_sum = " + ".join(f"{10 - k} * nhs[{k + 1}]::INTEGER" for k in range(9))
    trimmed = ",\n        ".join(_trim_sql(f) for f in FIELDS)
    cleaned = ",\n        ".join(_null_tokens_sql(f) for f in FIELDS)
    present = ", ".join(f"count(checked.{f}) AS present_{f}" for f in FIELDS)
    valid = ", ".join(f"count(*) FILTER (WHERE {f}_ok) AS valid_{f}" for f in VALIDATED)
    return f"""
WITH trimmed AS (
    SELECT {trimmed}
    FROM {raw}
), cleaned AS (
    SELECT {cleaned}
    FROM trimmed
), prepared AS (
    SELECT *,
        upper(replace(postcode, ' ', '')) AS pc,
        replace(replace(nhs_number, ' ', ''), '-', '') AS nhs,
        -- the declared format, or the standard ISO form (the date types always read their own output back)
        coalesce(try_strptime(date_of_birth, '{DOB_FORMAT}'), try_strptime(date_of_birth, '%Y-%m-%d'))::DATE AS dob
    FROM cleaned
), checked AS (
    SELECT id, forename, surname, date_of_birth, postcode, nhs_number, email, created_at,
        {_name_ok_sql("forename")} AS forename_ok,
        {_name_ok_sql("surname")} AS surname_ok,
        dob BETWEEN current_date - INTERVAL {MAX_AGE} YEAR AND current_date AS date_of_birth_ok,
        regexp_full_match(pc, {_sql_regex(POSTCODE_COMPACT)}) AS postcode_ok,
        CASE WHEN regexp_full_match(nhs, '[0-9]{{10}}') AND nhs <> repeat(nhs[1], 10)
             THEN (11 - ({nhs_sum}) % 11) % 11 = nhs[10]::INTEGER ELSE false END AS nhs_number_ok,
        regexp_full_match(email, {_sql_regex(EMAIL)}) AND length(split_part(email, '@', 1)) <= 64
            AND length(email) <= 254 AS email_ok,
        try_strptime(created_at, '{CREATED_FORMAT}') IS NOT NULL AS created_at_ok,
        pc
    FROM prepared
)
SELECT count(*) AS rows, {present}, {valid},
    count(DISTINCT id) AS distinct_id,
    count(ref.postcode) AS postcode_exists
FROM checked LEFT JOIN {postcodes} AS ref
    ON ref.postcode = CASE WHEN checked.postcode_ok THEN checked.pc[1:-4] || ' ' || checked.pc[-3:] END
"""


def _name_ok_sql(column: str) -> str:
    return f"regexp_matches({column}, '{NAME_SQL}')"


def counts_from_row(row: dict[str, int]) -> Counts:
    """The measures from named counts (``present_<f>``, ``valid_<f>``, ``distinct_id``, ``postcode_exists``)."""
    counts: Counts = {}
    for field in FIELDS:
        counts[f"completeness:{field}"] = (row[f"present_{field}"], row["rows"])
        if field in VALIDATED:
            counts[f"validity:{field}"] = (row[f"valid_{field}"], row[f"present_{field}"])
    counts["accuracy:postcode"] = (row["postcode_exists"], row["valid_postcode"])
    counts["uniqueness:id"] = (row["distinct_id"], row["present_id"])
    return counts


def sql_child(warehouse: Path, raw: str, postcodes: str) -> tuple[float, Counts, dict[str, Any]]:
    sql = hand_written_sql(raw, postcodes)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        started = time.perf_counter()
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description or []]
        values = cursor.fetchone()
        seconds = time.perf_counter() - started
    assert values is not None
    row = dict(zip(names, (int(v) for v in values), strict=True))
    return seconds, counts_from_row(row), {"rows": row["rows"]}


EMAIL_PYTHON = f"^(?=[^@]{{1,64}}@)(?=[\\s\\S]{{1,254}}\\Z)(?:{EMAIL})\\Z"
"""``EMAIL`` with the length limits as lookaheads, for Python's ``re`` (GE matches with ``str.contains``)."""


def pandas_clean(column: Any) -> Any:
    """``clean`` on a pandas Series: trimmed, null tokens made missing."""
    stripped = column.str.strip(WHITESPACE)
    return stripped.mask(stripped.str.lower().isin(NULL_TOKENS))


def nhs_valid_pandas(column: Any) -> Any:
    """Whether each NHS number is valid: ten digits once spaces and hyphens go, not a placeholder, modulus 11."""
    import numpy as np
    import pandas as pd

    digits = column.str.replace(r"[ -]", "", regex=True)
    shape = digits.str.fullmatch("[0-9]{10}").fillna(False).astype(bool) & ~digits.isin(NHS_PLACEHOLDERS)
    safe = digits.where(shape, "0" * 10)
    grid = np.frombuffer("".join(safe).encode("ascii"), dtype=np.uint8).reshape(-1, 10).astype(np.int64) - 48
    remainder = grid[:, :9] @ np.arange(10, 1, -1) % 11
    return pd.Series(shape.to_numpy() & ((11 - remainder) % 11 == grid[:, 9]), index=column.index)


def ge_suite(postcodes: list[str]) -> Any:
    """The expectation suite equivalent to the contract, with a custom expectation for NHS numbers."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

    class ColumnValuesValidNhsNumber(ColumnMapMetricProvider):  # type: ignore[misc]
        condition_metric_name = "column_values.valid_nhs_number"

        @column_condition_partial(engine=PandasExecutionEngine)  # type: ignore[untyped-decorator]
        def _pandas(cls, column: Any, **kwargs: Any) -> Any:  # noqa: N805 (GE makes it a class method)
            return nhs_valid_pandas(column)

    class ExpectColumnValuesToBeValidNhsNumbers(ColumnMapExpectation):  # type: ignore[misc]
        """Values are NHS numbers with a correct modulus 11 check digit."""

        map_metric = "column_values.valid_nhs_number"

    now = pd.Timestamp(date.today())
    earliest = now - pd.DateOffset(years=MAX_AGE)
    suite = gx.ExpectationSuite(name="people")
    for field in FIELDS:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=field))
    for expectation in (
        gxe.ExpectColumnValuesToBeUnique(column="id"),
        gxe.ExpectColumnUniqueValueCountToBeBetween(column="id", min_value=0),
        *[gxe.ExpectColumnValuesToMatchRegex(column=f, regex=NAME_PYTHON) for f in ("forename", "surname")],
        gxe.ExpectColumnValuesToNotBeNull(column="date_of_birth_parsed"),
        gxe.ExpectColumnValuesToBeBetween(column="date_of_birth_parsed", min_value=earliest, max_value=now),
        gxe.ExpectColumnValuesToMatchRegex(column="postcode_compact", regex=f"^(?:{POSTCODE_COMPACT})\\Z"),
        gxe.ExpectColumnValuesToBeInSet(column="postcode_standard", value_set=postcodes),
        ExpectColumnValuesToBeValidNhsNumbers(column="nhs_number"),
        gxe.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_PYTHON),
        gxe.ExpectColumnValuesToMatchStrftimeFormat(column="created_at", strftime_format=CREATED_FORMAT),
    ):
        suite.add_expectation(expectation)
    return suite


def ge_prepare(frame: Any) -> Any:
    """Cleaned fields plus the derived columns the expectations need (compact and standard postcode, parsed DOB)."""
    import pandas as pd

    for field in FIELDS:
        frame[field] = pandas_clean(frame[field])
    compact = frame["postcode"].str.upper().str.replace(" ", "", regex=False)
    frame["postcode_compact"] = compact
    frame["postcode_standard"] = compact.str[:-3] + " " + compact.str[-3:]
    # the declared format, or the standard ISO form (the date types always read their own output back)
    declared = pd.to_datetime(frame["date_of_birth"], format=DOB_FORMAT, errors="coerce")
    frame["date_of_birth_parsed"] = declared.fillna(
        pd.to_datetime(frame["date_of_birth"], format="%Y-%m-%d", errors="coerce")
    )
    return frame


def ge_counts(results: Any) -> Counts:
    """The measures from GE's validation results (element, missing and unexpected counts, observed values)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for result in results.results:
        config = result.expectation_config
        if result.exception_info.get("raised_exception"):
            raise RuntimeError(f"{config.type} on {config.kwargs['column']}: {result.exception_info}")
        found[(config.type, config.kwargs["column"])] = result.result
    rows = found[("expect_column_values_to_not_be_null", "id")]["element_count"]
    present = {f: rows - found[("expect_column_values_to_not_be_null", f)]["unexpected_count"] for f in FIELDS}

    def passed(kind: str, column: str) -> int:
        result = found[(kind, column)]
        return int(result["element_count"] - result["missing_count"] - result["unexpected_count"])

    regex, strftime = "expect_column_values_to_match_regex", "expect_column_values_to_match_strftime_format"
    out_of_range = found[("expect_column_values_to_be_between", "date_of_birth_parsed")]["unexpected_count"]
    valid = {
        "forename": passed(regex, "forename"),
        "surname": passed(regex, "surname"),
        "date_of_birth": rows
        - found[("expect_column_values_to_not_be_null", "date_of_birth_parsed")]["unexpected_count"]
        - out_of_range,
        "postcode": passed(regex, "postcode_compact"),
        "nhs_number": passed("expect_column_values_to_be_valid_nhs_numbers", "nhs_number"),
        "email": passed(regex, "email"),
        "created_at": passed(strftime, "created_at"),
    }
    counts: Counts = {f"completeness:{f}": (present[f], rows) for f in FIELDS}
    counts.update({f"validity:{f}": (valid[f], present[f]) for f in VALIDATED})
    # every ONSPD postcode is BS 7666-valid (checked in ge_child), so a value found in the set is a valid one
    counts["accuracy:postcode"] = (passed("expect_column_values_to_be_in_set", "postcode_standard"), valid["postcode"])
    distinct = found[("expect_column_unique_value_count_to_be_between", "id")]["observed_value"]
    counts["uniqueness:id"] = (int(distinct), present["id"])
    return counts


def ge_child(parquet: Path) -> tuple[float, Counts, dict[str, Any]]:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from observatory.standards.reference_tables import read_postcodes

    postcodes = read_postcodes().column("postcode").to_pylist()
    bad = [p for p in postcodes if not re.fullmatch(POSTCODE_COMPACT, p.replace(" ", ""))]
    assert not bad, f"ONSPD postcodes outside BS 7666: {bad[:5]}"
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("people")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = ge_suite(postcodes)
    started = time.perf_counter()
    frame = ge_prepare(pd.read_parquet(parquet))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    results = batch.validate(suite)
    counts = ge_counts(results)
    seconds = time.perf_counter() - started
    return seconds, counts, {"rows": len(frame)}


CHILDREN = {"observatory", "sql", "ge"}


def child_main(args: argparse.Namespace) -> None:
    if args.child == "observatory":
        seconds, counts, info = observatory_child(Path(args.project))
    elif args.child == "sql":
        seconds, counts, info = sql_child(Path(args.warehouse), args.raw, args.postcodes)
    else:
        seconds, counts, info = ge_child(Path(args.parquet))
    sys.stdout.write(json.dumps({"seconds": seconds, "counts": counts, **info}) + "\n")


# ---------------------------------------------------------------------------------------------- harness


def _tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


@dataclass(frozen=True)
class Run:
    seconds: float
    peak: int
    counts: Counts
    info: dict[str, Any]


def run_child(arguments: list[str]) -> Run:
    """Run this script as a child doing one method; its timing and counts, and the tree's peak memory (20 ms samples)."""
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen([sys.executable, __file__, *arguments], stdout=output)
        watched = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(watched))
            time.sleep(0.02)
        if process.returncode != 0:
            raise SystemExit(f"failed ({process.returncode}): {' '.join(arguments)}")
        output.seek(0)
        reported = json.loads(output.read().strip().splitlines()[-1])
    counts = {name: (int(p), int(t)) for name, (p, t) in reported.pop("counts").items()}
    return Run(float(reported.pop("seconds")), peak, counts, reported)


@dataclass(frozen=True)
class Project:
    root: Path
    warehouse: Path
    raw: str
    postcodes: str


def prepare_project(root: Path, parquet: Path) -> Project:
    """A project whose raw layer holds the Parquet file and whose standard layer holds the postcode table."""
    from observatory import Observatory
    from observatory.ingest.loads import ingest_dataset
    from observatory.standards.layer import LAYER, refresh_postcodes
    from observatory.standards.reference_tables import POSTCODES_TABLE

    (root / "sources").mkdir(parents=True)
    (root / "observatory.yml").write_text("name: Benchmark\n", encoding="utf-8")
    (root / "sources" / "bench.yml").write_text(
        CONTRACT.format(parquet=json.dumps(str(parquet)), dob=DOB_FORMAT, created=CREATED_FORMAT), encoding="utf-8"
    )
    with Observatory.open(root) as obs:
        dataset = obs.project.dataset("bench.people")
        ingest_dataset(obs, dataset)
        refresh_postcodes(obs)
        return Project(root, obs.project.warehouse_path, f"raw.{dataset.table}", f"{LAYER}.{POSTCODES_TABLE}")


def compare(runs: dict[str, list[Run]]) -> list[str]:
    """Lines of the count table (first run of each method, all runs checked); raises SystemExit on disagreement."""
    names = sorted({n for method in runs.values() for r in method for n in r.counts} - {"timeliness:freshness"})
    lines = ["| measure | Observatory | hand-written SQL | Great Expectations | agree |", "|---|---|---|---|---|"]
    disagreements = []
    for name in names:
        seen = {m: {r.counts.get(name) for r in method_runs} for m, method_runs in runs.items()}
        first = {m: runs[m][0].counts.get(name) for m in runs}
        agree = all(len(values) == 1 for values in seen.values()) and len(set(first.values())) == 1
        cells = [f"{v[0]:,} / {v[1]:,}" if v else "—" for v in (first.get(m) for m in METHODS)]
        lines.append(f"| {name} | {' | '.join(cells)} | {'yes' if agree else '**NO**'} |")
        if not agree:
            disagreements.append(name)
    if disagreements:
        sys.stdout.write("\n".join(lines) + "\n")
        raise SystemExit(f"the methods disagree on: {', '.join(disagreements)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=FULL_ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    for hidden in ("--project", "--warehouse", "--raw", "--postcodes", "--parquet"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    if importlib.util.find_spec("great_expectations") is None:
        raise SystemExit("Great Expectations is not installed: `make bench` installs the bench dependency group")
    OUT.mkdir(exist_ok=True)
    parquet = OUT / f"people_v{GENERATOR_VERSION}_{args.rows}.parquet"
    make_parquet(parquet, args.rows)
    runs: dict[str, list[Run]] = {m: [] for m in METHODS}
    with tempfile.TemporaryDirectory(dir=OUT) as work:
        project = prepare_project(Path(work) / "project", parquet)
        sql_arguments = ["--child", "sql", "--warehouse", str(project.warehouse), "--raw", project.raw]
        sql_arguments += ["--postcodes", project.postcodes]
        for _ in range(args.repeat):
            runs["observatory"].append(run_child(["--child", "observatory", "--project", str(project.root)]))
            runs["sql"].append(run_child(sql_arguments))
            runs["ge"].append(run_child(["--child", "ge", "--parquet", str(parquet)]))
    table = compare(runs)
    section = report(args, parquet, runs, table)
    sys.stdout.write(section)
    if args.no_record or args.rows != FULL_ROWS:
        sys.stdout.write("\n(not recorded in bench/RESULTS.md: --no-record or not the full size)\n")
        return
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nDated results of `bench/` scripts; newest last.\n", encoding="utf-8")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(section)


def report(args: argparse.Namespace, parquet: Path, runs: dict[str, list[Run]], table: list[str]) -> str:
    median = {m: statistics.median(r.seconds for r in runs[m]) for m in METHODS}
    peak = {m: max(r.peak for r in runs[m]) for m in METHODS}
    gib = 1024**3
    versions = (
        f"duckdb {duckdb.__version__}, pandas {_version('pandas')}, great-expectations {_version('great-expectations')}"
    )
    rows = "\n".join(
        f"| {TITLES[m]} | {median[m]:.2f} | {', '.join(f'{r.seconds:.2f}' for r in runs[m])} | {peak[m] / gib:.2f} GiB |"
        for m in METHODS
    )
    vs_sql = median["observatory"] / median["sql"]
    vs_ge = median["ge"] / median["observatory"]
    samples = runs["observatory"][0].info.get("samples", 0)
    split = min(runs["observatory"], key=lambda r: abs(r.seconds - median["observatory"])).info
    return f"""
## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — quality run

Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {versions}.
Table: {args.rows:,} generated people × 8 text columns ({parquet.stat().st_size / 1e6:.0f} MB Parquet), already in the raw layer;
{len(table) - 2} measures; Observatory also wrote the standard table and kept {samples} failing-row samples.

| what | median of {args.repeat} (s) | runs (s) | peak memory |
|---|---|---|---|
{rows}

Observatory / hand-written SQL: **{vs_sql:.2f}×** (target ≤ 1.3×); Great Expectations / Observatory: **{vs_ge:.1f}×** \
(target ≥ 5×); Observatory peak memory {peak["observatory"] / gib:.2f} GiB (target ≤ 1 GiB).
Observatory's median run: standard layer {split["standardise"]:.2f} s, quality pass and samples {split["measure"]:.2f} s.

Every count agrees across the three methods:

{chr(10).join(table)}
"""


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    main()
