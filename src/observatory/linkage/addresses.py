"""Address matching: source addresses to the council's gazetteer (LLPG) UPRNs.

Identical inputs are matched once. An address whose words and postcode are exactly those of one
gazetteer property is matched here in SQL; the rest go to the Ministry of Justice's
``uk_address_matcher`` (offline: its bundled pre-trained Splink model, never its downloadable data
sets): its exact stage, then the model, which scores each address against its candidate properties
with a match weight (log2 Bayes factor) and reports the gap to the best other UPRN. The matcher runs
in a private in-memory database attached to the caller's DuckDB instance and detached afterwards.
One status per source record:

- ``matched``: the best property scores at least ``score`` and the runner-up (a different UPRN)
  scores at least ``margin`` less;
- ``ambiguous``: the runner-up is within ``margin`` of the best, or the address names a building
  but not which of its several flats (``FLAT 1, 10 HIGH STREET`` and ``FLAT 2, ...`` for
  ``10 HIGH STREET``); the UPRN stays empty but the scores are kept;
- ``unmatched``: no property scores ``score`` or more (or only a postcode was given);
- ``no_address``: neither an address nor a postcode.

Exact matches have no Splink weight: they score ``EXACT_MATCH_SCORE`` with no runner-up. Partial
postcodes (``AB10``) are kept; anything else in the postcode field that is not a postcode is ignored.
"""

from __future__ import annotations

import logging
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import structlog

from observatory.errors import ObservatoryError
from observatory.linkage.tables import ADDRESS_STATUSES

log = structlog.get_logger(__name__)

EXACT_MATCH_SCORE = 50.0
"""Score given to an exact match (Splink weights of accepted matches: median about 27, at most about 75)."""

ADDRESS_COLUMNS = ("unique_id", "address", "postcode")
GAZETTEER_COLUMNS = ("uprn", "address", "postcode")
RESULT_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("uprn", pa.int64()),
        ("score", pa.float64()),
        ("runner_up", pa.float64()),
        ("status", pa.string()),
    ]
)

UNIT_WORDS = r"\b(FLAT|FLT|APARTMENT|APT|UNIT|ROOM|STUDIO|MAISONETTE|SUITE|FLOOR|BASEMENT)\b"
"""Words that say an address is one unit of a building."""
POSTCODE_PATTERN = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$"
OUTWARD_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"


@dataclass(frozen=True)
class AddressMatchSettings:
    """When a best candidate is accepted."""

    score: float = 0.5
    """Lowest accepted score (the matcher's match weight; exact matches score ``EXACT_MATCH_SCORE``)."""
    margin: float = 2.0
    """Ambiguous when the runner-up (a different UPRN) scores within this of the best."""


def _clean_text_sql(column: str) -> str:
    """Upper case, single spaces, no stray commas; NULL when there is no letter or digit."""
    spaced = f"regexp_replace(upper(trim({column}::VARCHAR)), '\\s+', ' ', 'g')"
    tidy = f"trim(regexp_replace(regexp_replace({spaced}, '\\s*,[\\s,]*', ', ', 'g'), '^[, ]+|[, ]+$', '', 'g'))"
    return f"CASE WHEN regexp_matches(coalesce({column}::VARCHAR, ''), '[A-Za-z0-9]') THEN {tidy} END"


def _postcode_sql(column: str) -> str:
    """A full UK postcode as ``AB10 1AA``, or just its outward code (``AB10``); NULL for anything else."""
    squashed = f"regexp_replace(upper(coalesce({column}::VARCHAR, '')), '[^A-Z0-9]', '', 'g')"
    return (
        f"CASE WHEN regexp_matches({squashed}, '{POSTCODE_PATTERN}') "
        f"THEN regexp_replace({squashed}, '{POSTCODE_PATTERN}', '\\1 \\2') "
        f"WHEN regexp_matches({squashed}, '{OUTWARD_PATTERN}') THEN {squashed} END"
    )


def _match_key_sql(address: str) -> str:
    """The address as words of letters and digits only: the key of the exact match."""
    return f"trim(regexp_replace({address}, '[^A-Z0-9]+', ' ', 'g'))"


def source_addresses_sql(source: str) -> tuple[str, str]:
    """Each input record, cleaned, with the ``address_id`` of its (address, postcode): identical ones share it."""
    sql = f"""
        WITH cleaned AS (
            SELECT unique_id::VARCHAR AS unique_id, {_clean_text_sql("address")} AS address,
                {_postcode_sql("postcode")} AS postcode,
                regexp_matches(coalesce(address::VARCHAR, '') || coalesce(postcode::VARCHAR, ''), '[A-Za-z0-9]')
                    AS has_text
            FROM {source}
        )
        SELECT *, dense_rank() OVER (ORDER BY address, postcode, has_text) AS address_id
        FROM cleaned
    """
    return sql, "source_addresses"


def distinct_addresses_sql(inputs: str) -> tuple[str, str]:
    """Each distinct (address, postcode) once: only these are matched."""
    sql = f"""
        SELECT DISTINCT address_id, address, postcode, has_text, {_match_key_sql("address")} AS match_key
        FROM {inputs}
    """
    return sql, "distinct_addresses"


def gazetteer_sql(source: str) -> tuple[str, str]:
    """One row per UPRN, with the building each unit belongs to (the address without its first part)."""
    sql = f"""
        WITH properties AS (
            SELECT uprn::BIGINT AS uprn, {_clean_text_sql("address")} AS address,
                {_postcode_sql("postcode")} AS postcode
            FROM {source}
            WHERE uprn IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY uprn ORDER BY address, postcode) = 1
        ),
        parts AS (
            SELECT *, trim(split_part(address, ',', 1)) AS first_part,
                trim(substr(address, strpos(address, ',') + 1)) AS rest
            FROM properties
            WHERE address IS NOT NULL
        ),
        units AS (
            SELECT uprn, address, postcode, rest,
                strpos(address, ',') > 0 AND (
                    regexp_matches(first_part, '{UNIT_WORDS}')
                    OR (regexp_matches(first_part, '^[0-9]+[A-Z]?$') AND regexp_matches(rest, '^[0-9]'))
                ) AS is_unit
            FROM parts
        )
        SELECT uprn, address, postcode, is_unit, {_match_key_sql("address")} AS match_key,
            CASE WHEN is_unit THEN rest ELSE address END || '|' || coalesce(postcode, '') AS building,
            len(regexp_extract_all(address, '[0-9]+')) AS numbers
        FROM units
    """
    return sql, "gazetteer"


def exact_matches_sql(distinct: str, gazetteer: str) -> tuple[str, str]:
    """Addresses whose words and postcode are those of exactly one property: no need for the matcher."""
    sql = f"""
        WITH unique_keys AS (
            SELECT match_key, postcode, min(uprn) AS uprn
            FROM {gazetteer}
            GROUP BY match_key, postcode
            HAVING count(*) = 1
        )
        SELECT d.address_id, k.uprn, {EXACT_MATCH_SCORE!r}::DOUBLE AS score, NULL::DOUBLE AS runner_up
        FROM {distinct} AS d
        JOIN unique_keys AS k ON k.match_key = d.match_key AND k.postcode = d.postcode
    """
    return sql, "exact_matches"


def units_per_building_sql(gazetteer: str) -> tuple[str, str]:
    """How many units the gazetteer has in each building."""
    sql = f"SELECT building, count(*) AS units FROM {gazetteer} WHERE is_unit GROUP BY building"
    return sql, "building_units"


def decide_sql(
    distinct: str, matches: str, gazetteer: str, building_units: str, settings: AddressMatchSettings
) -> tuple[str, str]:
    """One status per distinct address from its best candidate, the runner-up and the unit check."""
    sql = f"""
        WITH scored AS (
            SELECT i.address_id, i.address, i.has_text, m.uprn, m.score, m.runner_up,
                g.is_unit AND coalesce(b.units, 0) > 1
                    AND NOT regexp_matches(i.address, '{UNIT_WORDS}')
                    AND len(regexp_extract_all(i.address, '[0-9]+')) < g.numbers AS unit_not_named
            FROM {distinct} AS i
            LEFT JOIN {matches} AS m USING (address_id)
            LEFT JOIN {gazetteer} AS g ON g.uprn = m.uprn
            LEFT JOIN {building_units} AS b ON b.building = g.building
        ),
        decided AS (
            SELECT *, CASE
                WHEN NOT has_text THEN 'no_address'
                WHEN uprn IS NULL OR score < {float(settings.score)!r} THEN 'unmatched'
                WHEN score - runner_up < {float(settings.margin)!r} OR coalesce(unit_not_named, false) THEN 'ambiguous'
                ELSE 'matched'
            END AS status
            FROM scored
        )
        SELECT address_id, CASE WHEN status = 'matched' THEN uprn END AS uprn,
            score, runner_up, status
        FROM decided
    """
    return sql, "address_decisions"


def results_sql(inputs: str, decisions: str) -> tuple[str, str]:
    """Every input ``unique_id`` once (a repeated id keeps its best outcome), with its address's decision."""
    sql = f"""
        SELECT i.unique_id, d.uprn::BIGINT AS uprn, d.score::DOUBLE AS score,
            d.runner_up::DOUBLE AS runner_up, d.status
        FROM {inputs} AS i JOIN {decisions} AS d USING (address_id)
        QUALIFY row_number() OVER (
            PARTITION BY i.unique_id
            ORDER BY list_position({list(ADDRESS_STATUSES)!r}, d.status), d.score DESC NULLS LAST, d.uprn
        ) = 1
    """
    return sql, "address_matches"


def _require_columns(table: pa.Table, columns: tuple[str, ...], what: str) -> None:
    missing = [column for column in columns if column not in table.column_names]
    if missing:
        raise ObservatoryError(
            f"The {what} table has no column {', '.join(missing)}; it needs {', '.join(columns)} "
            f"(it has {', '.join(table.column_names) or 'no columns'})."
        )


def _run_matcher(cur: duckdb.DuckDBPyConnection, messy: duckdb.DuckDBPyRelation, gazetteer: str, into: str) -> None:
    """Append the matcher's best candidate per address (``address_id``, ``uprn``, ``score``, ``runner_up``)."""
    from uk_address_matcher import AddressMatcher, ExactMatchStage, SplinkStage  # type: ignore[import-untyped]

    canonical = cur.sql(f"SELECT uprn AS unique_id, address AS address_concat, postcode FROM {gazetteer}")
    matcher = AddressMatcher(
        canonical_addresses=canonical,
        addresses_to_match=messy,
        con=cur,
        stages=[
            ExactMatchStage(require_unique_match=True),  # duplicated gazetteer addresses are scored as ties
            SplinkStage(final_distinguishability_threshold=None),  # the margin is applied in decide_sql
        ],
        show_progress="off",
    )
    with warnings.catch_warnings():  # it reads its bundled model through a deprecated importlib API
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="uk_address_matcher")
        result = matcher.match()
    try:
        matches = result.matches(all_columns=True)
        cur.execute(
            f"""
            INSERT INTO {into}
            SELECT unique_id::BIGINT, resolved_canonical_id::BIGINT,
                CASE WHEN match_reason LIKE 'exact%' THEN {EXACT_MATCH_SCORE!r} ELSE match_weight END,
                CASE WHEN match_reason NOT LIKE 'exact%' THEN match_weight - distinguishability END
            FROM ({matches.sql_query()})
            WHERE resolved_canonical_id IS NOT NULL
            """
        )
    finally:
        result.close()


@contextmanager
def _scratch_connection(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of ``con`` working in a fresh in-memory database, detached (with all it holds) at the end.

    A read-only instance cannot attach one: then a private in-memory connection with the same
    thread and memory settings is used instead.
    """
    scratch = f"address_match_{uuid.uuid4().hex[:12]}"
    cur = con.cursor()
    home = cur.execute("SELECT current_database()").fetchone()
    try:
        cur.execute(f"ATTACH ':memory:' AS {scratch}")
    except duckdb.Error:
        settings = cur.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
        cur.close()
        threads, memory = settings if settings else (1, "1GiB")
        private = duckdb.connect(config={"threads": int(threads), "memory_limit": str(memory)})
        try:
            yield private
        finally:
            private.close()
        return
    try:
        cur.execute(f"USE {scratch}")
        yield cur
    finally:
        cur.execute(f'USE "{home[0] if home else "memory"}"')
        cur.execute(f"DETACH {scratch}")
        cur.close()


def match_addresses(
    con: duckdb.DuckDBPyConnection,
    addresses: pa.Table,
    gazetteer: pa.Table,
    settings: AddressMatchSettings,
) -> pa.Table:
    """Match each source address to a gazetteer UPRN: one row per input ``unique_id``.

    ``addresses``: ``unique_id``, ``address`` (one line, without the postcode), ``postcode``.
    ``gazetteer``: ``uprn``, ``address`` (saon, paon, street, locality, town), ``postcode``.
    Returns ``unique_id``, ``uprn`` (only when matched), ``score``, ``runner_up`` and ``status``.
    Work happens in a private in-memory database attached to ``con``'s instance (so it shares its
    memory limit and threads) and detached at the end: nothing is left behind.
    """
    _require_columns(addresses, ADDRESS_COLUMNS, "addresses")
    _require_columns(gazetteer, GAZETTEER_COLUMNS, "gazetteer")
    started = time.perf_counter()
    with _scratch_connection(con) as cur:
        cur.register("address_input", addresses.select(list(ADDRESS_COLUMNS)))
        cur.register("gazetteer_input", gazetteer.select(list(GAZETTEER_COLUMNS)))
        for sql, name in (
            source_addresses_sql("address_input"),
            distinct_addresses_sql("source_addresses"),
            gazetteer_sql("gazetteer_input"),
            units_per_building_sql("gazetteer"),
            exact_matches_sql("distinct_addresses", "gazetteer"),
        ):
            cur.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        cur.execute("CREATE TEMP TABLE best_candidates AS SELECT * FROM exact_matches")
        messy = cur.sql(
            "SELECT address_id AS unique_id, address AS address_concat, postcode FROM distinct_addresses "
            "WHERE address IS NOT NULL AND address_id NOT IN (SELECT address_id FROM exact_matches)"
        )
        counts = {"distinct": _count(cur, "distinct_addresses"), "exact": _count(cur, "exact_matches")}
        if _first(messy.count("*").fetchone()) and _count(cur, "gazetteer"):
            _quiet_matcher_logs()
            _run_matcher(cur, messy, "gazetteer", "best_candidates")
        for sql, name in (
            decide_sql("distinct_addresses", "best_candidates", "gazetteer", "building_units", settings),
            results_sql("source_addresses", "address_decisions"),
        ):
            cur.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        result = cur.execute("SELECT * FROM address_matches ORDER BY unique_id").to_arrow_table()
        counts |= dict(cur.execute("SELECT status, count(*) FROM address_matches GROUP BY status").fetchall())
    log.info(
        "addresses matched",
        records=addresses.num_rows,
        properties=gazetteer.num_rows,
        seconds=round(time.perf_counter() - started, 1),
        **counts,
    )
    return result.cast(RESULT_SCHEMA)


def _count(cur: duckdb.DuckDBPyConnection, table: str) -> int:
    return _first(cur.execute(f"SELECT count(*) FROM {table}").fetchone())


def _first(row: tuple[object, ...] | None) -> int:
    value = row[0] if row else 0
    return int(value) if isinstance(value, int) else 0


def _quiet_matcher_logs() -> None:
    """The matcher logs each stage at INFO through the standard library; its stage list is noise here."""
    logging.getLogger("uk_address_matcher").setLevel(logging.WARNING)
