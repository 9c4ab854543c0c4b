"""Measuring person and household linkage against the demo's ground truth (``observatory link evaluate``).

Only records present in both the linkage result and the ground truth are evaluated; the others are
counted in ``unmatched_records``. A record is in one *predicted cluster* (its ``resident_id``) and one
*true cluster* (its ``person_id``); a record whose id is missing is a cluster on its own. Cluster
sizes count evaluated records only.

Pairwise measures look at unordered pairs of distinct records in the same cluster; a cluster of
``n`` records holds ``C(n, 2) = n(n-1)/2`` pairs.

- ``predicted_pairs``: the sum of ``C(n, 2)`` over predicted clusters; ``true_pairs`` likewise over
  true clusters.
- ``true_positive_pairs``: pairs that are in the same predicted cluster *and* the same true cluster,
  the sum of ``C(n, 2)`` over every non-empty intersection of a predicted and a true cluster.
- ``pairwise_precision`` = true positive pairs / predicted pairs (1.0 when nothing was linked);
  ``pairwise_recall`` = true positive pairs / true pairs (1.0 when no two records are one person);
  ``pairwise_f1`` is their harmonic mean, ``2PR / (P + R)`` (0.0 when both are 0).

B-cubed measures (Bagga and Baldwin, 1998) score every record, then average over records, so large
clusters weigh no more than their records:

- a record's precision is ``|predicted ∩ true| / |predicted|``: the share of its predicted cluster
  that really is the same person (the record itself included); its recall is
  ``|predicted ∩ true| / |true|``: the share of the person's records found in its predicted cluster.
- ``bcubed_precision`` and ``bcubed_recall`` are the means over records; ``bcubed_f1`` their harmonic
  mean.

Address measures:

- ``household_accuracy``: among records whose ground truth names a property (``households_records``),
  the share whose assigned UPRN equals the true UPRN of the address as written (even when that
  address is misspelt or out of date).
- ``uprn_match_rate``: among records that have an address (``address_records``), the share given a
  UPRN at all, right or wrong.

A rate with nothing to measure (no records with a true property, no records with an address) is 1.0.
Everything is computed in one in-memory DuckDB connection; a million records take a few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import structlog

from observatory.engine import Engine
from observatory.errors import ObservatoryError
from observatory.linkage.tables import LAYER, RESIDENT_RECORDS

log = structlog.get_logger(__name__)

GROUND_TRUTH_FILE = "records.csv"
GROUND_TRUTH_COLUMNS = ("source", "dataset", "record_key", "person_id", "uprn")
PREDICTED_COLUMNS = ("unique_id", "resident_id", "uprn", "has_address")
TRUTH_COLUMNS = ("unique_id", "person_id", "uprn")


@dataclass(frozen=True)
class Evaluation:
    """How well a linkage result agrees with the ground truth (definitions in the module docstring)."""

    records: int
    unmatched_records: int
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    household_accuracy: float
    uprn_match_rate: float
    households_records: int
    address_records: int

    def to_dict(self) -> dict[str, object]:
        """Every measure by name, for ``--json``."""
        return asdict(self)


def evaluated_records_sql() -> str:
    """Records in both inputs, with the keys of their predicted and true clusters.

    A null cluster id puts the record in a cluster of its own: the ``*_alone`` column then holds its
    ``unique_id``, so grouping by both columns never merges two such records.
    """
    return """
        SELECT
            p.resident_id AS predicted_cluster,
            CASE WHEN p.resident_id IS NULL THEN p.unique_id END AS predicted_alone,
            t.person_id AS true_cluster,
            CASE WHEN t.person_id IS NULL THEN t.unique_id END AS true_alone,
            p.uprn AS predicted_uprn,
            t.uprn AS true_uprn,
            coalesce(p.has_address, false) AS has_address
        FROM predicted AS p
        JOIN truth AS t ON CAST(p.unique_id AS VARCHAR) = CAST(t.unique_id AS VARCHAR)
    """


def intersections_sql() -> str:
    """One row per non-empty intersection of a predicted and a true cluster: its records ``n`` and
    address counts, from ``evaluated``."""
    return """
        SELECT
            predicted_cluster,
            predicted_alone,
            true_cluster,
            true_alone,
            count(*) AS n,
            count(*) FILTER (WHERE true_uprn IS NOT NULL) AS households_records,
            count(*) FILTER (WHERE true_uprn IS NOT NULL AND predicted_uprn = true_uprn) AS household_hits,
            count(*) FILTER (WHERE has_address) AS address_records,
            count(*) FILTER (WHERE has_address AND predicted_uprn IS NOT NULL) AS uprn_matched
        FROM evaluated
        GROUP BY predicted_cluster, predicted_alone, true_cluster, true_alone
    """


def measures_sql() -> str:
    """One row of counts and B-cubed means from ``intersections``.

    With ``n`` the records of an intersection, ``P`` and ``T`` the sizes of its predicted and true
    clusters: true positive pairs are ``sum(n(n-1))/2``, predicted pairs ``sum(n(P-1))/2`` (a
    cluster's ``n`` add up to ``P``), true pairs ``sum(n(T-1))/2``; each of the intersection's ``n``
    records has B-cubed precision ``n/P`` and recall ``n/T``.
    """
    return """
        WITH sized AS (
            SELECT
                *,
                sum(n) OVER (PARTITION BY predicted_cluster, predicted_alone) AS predicted_size,
                sum(n) OVER (PARTITION BY true_cluster, true_alone) AS true_size
            FROM intersections
        )
        SELECT
            coalesce(sum(n), 0) AS records,
            CAST(coalesce(sum(n * (predicted_size - 1)), 0) AS BIGINT) // 2 AS predicted_pairs,
            CAST(coalesce(sum(n * (true_size - 1)), 0) AS BIGINT) // 2 AS true_pairs,
            CAST(coalesce(sum(n * (n - 1)), 0) AS BIGINT) // 2 AS true_positive_pairs,
            coalesce(sum(n * n / predicted_size) / sum(n), 1.0) AS bcubed_precision,
            coalesce(sum(n * n / true_size) / sum(n), 1.0) AS bcubed_recall,
            coalesce(sum(households_records), 0) AS households_records,
            coalesce(sum(household_hits), 0) AS household_hits,
            coalesce(sum(address_records), 0) AS address_records,
            coalesce(sum(uprn_matched), 0) AS uprn_matched
        FROM sized
    """


def evaluation_sql() -> str:
    """The named steps composed into one query over the registered ``predicted`` and ``truth``."""
    return (
        f"WITH evaluated AS ({evaluated_records_sql()}),\n"
        f"intersections AS ({intersections_sql()})\n"
        f"SELECT * FROM ({measures_sql()})"
    )


def _check_columns(table: pa.Table, name: str, required: tuple[str, ...]) -> None:
    missing = [column for column in required if column not in table.column_names]
    if missing:
        raise ObservatoryError(f"The {name} table has no column {', '.join(missing)} (it needs {', '.join(required)}).")


def _check_unique_ids(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Rows of the registered table ``name``; every ``unique_id`` must be present and distinct."""
    row = con.execute(f"SELECT count(*), count(DISTINCT unique_id) FROM {name}").fetchone()
    assert row is not None
    rows, distinct = int(row[0]), int(row[1])
    if rows != distinct:
        raise ObservatoryError(
            f"The {name} table has {rows - distinct} row(s) with a missing or repeated unique_id; "
            "each record must appear once."
        )
    return rows


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate_clusters(predicted: pa.Table, truth: pa.Table) -> Evaluation:
    """Compare predicted residents and UPRNs with the truth.

    ``predicted``: ``unique_id``, ``resident_id``, ``uprn`` (int64, null when none was given) and
    ``has_address`` (bool). ``truth``: ``unique_id``, ``person_id`` and ``uprn`` (int64, null when the
    record names no property), as ``read_ground_truth`` returns it.
    """
    _check_columns(predicted, "predicted", PREDICTED_COLUMNS)
    _check_columns(truth, "truth", TRUTH_COLUMNS)
    started = time.perf_counter()
    con = duckdb.connect()
    try:
        con.register("predicted", predicted.select(list(PREDICTED_COLUMNS)))
        con.register("truth", truth.select(list(TRUTH_COLUMNS)))
        predicted_rows = _check_unique_ids(con, "predicted")
        truth_rows = _check_unique_ids(con, "truth")
        row = con.execute(evaluation_sql()).fetchone()
    finally:
        con.close()
    assert row is not None
    (records, predicted_pairs, true_pairs, tp_pairs, b_precision, b_recall) = (
        int(row[0]),
        int(row[1]),
        int(row[2]),
        int(row[3]),
        float(row[4]),
        float(row[5]),
    )
    households_records, household_hits, address_records, uprn_matched = (int(value) for value in row[6:10])
    if records == 0:
        raise ObservatoryError(
            f"No linked record is in the ground truth ({predicted_rows} linked, {truth_rows} in the ground truth): "
            "was the linkage run on this demo project's own data?"
        )
    precision = _ratio(tp_pairs, predicted_pairs)
    recall = _ratio(tp_pairs, true_pairs)
    evaluation = Evaluation(
        records=records,
        unmatched_records=predicted_rows + truth_rows - 2 * records,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        true_positive_pairs=tp_pairs,
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        household_accuracy=_ratio(household_hits, households_records),
        uprn_match_rate=_ratio(uprn_matched, address_records),
        households_records=households_records,
        address_records=address_records,
    )
    log.info(
        "linkage_evaluated",
        records=records,
        predicted_only=predicted_rows - records,
        truth_only=truth_rows - records,
        seconds=round(time.perf_counter() - started, 3),
    )
    return evaluation


def read_ground_truth(folder: Path, datasets: Collection[str]) -> pa.Table:
    """The true person and property of every record of ``datasets`` (``source.dataset`` names).

    Reads ``folder/records.csv`` as the demo writes it and returns ``unique_id``
    (``source.dataset:record_key``), ``person_id`` and ``uprn`` (int64), one row per ``unique_id``,
    sorted by it. Identifiers stay text. Rows exported twice are kept once; rows sharing a
    ``unique_id`` but not their truth are an error.
    """
    path = folder / GROUND_TRUTH_FILE
    if not path.is_file():
        raise ObservatoryError(
            f"No ground truth at {path}: ground truth exists only for demo projects, "
            "made with `observatory demo`, which write it to their ground_truth folder."
        )
    con = duckdb.connect()
    try:
        source = "read_csv(?, header = true, all_varchar = true, delim = ',', quote = '\"')"
        columns = [str(row[0]) for row in con.execute(f"DESCRIBE SELECT * FROM {source}", [str(path)]).fetchall()]
        missing = [column for column in GROUND_TRUTH_COLUMNS if column not in columns]
        if missing:
            raise ObservatoryError(f"{path} is not a ground truth file: it has no column {', '.join(missing)}.")
        con.execute(
            f"""
            CREATE TEMP TABLE truth AS
            SELECT DISTINCT
                source || '.' || dataset || ':' || record_key AS unique_id,
                person_id,
                uprn
            FROM {source}
            WHERE list_contains(?, source || '.' || dataset)
            """,
            [str(path), sorted(datasets)],
        )
        conflict = con.execute(
            "SELECT unique_id FROM truth GROUP BY unique_id HAVING count(*) > 1 ORDER BY unique_id LIMIT 1"
        ).fetchone()
        if conflict is not None:
            raise ObservatoryError(f"{path} gives record {conflict[0]} two different truths.")
        try:
            return con.execute(
                "SELECT unique_id, person_id, CAST(uprn AS BIGINT) AS uprn FROM truth ORDER BY unique_id"
            ).to_arrow_table()
        except duckdb.ConversionException as error:
            raise ObservatoryError(f"{path} has a uprn that is not a whole number: {error}") from error
    except duckdb.Error as error:
        raise ObservatoryError(f"Cannot read the ground truth {path}: {error}") from error
    finally:
        con.close()


def format_evaluation(evaluation: Evaluation) -> list[tuple[str, str]]:
    """(label, value) rows for the CLI's table."""
    e = evaluation
    return [
        ("Records evaluated", f"{e.records:,}"),
        ("Records in only one of linkage and truth", f"{e.unmatched_records:,}"),
        ("True pairs", f"{e.true_pairs:,}"),
        ("Predicted pairs", f"{e.predicted_pairs:,}"),
        ("True positive pairs", f"{e.true_positive_pairs:,}"),
        ("Pairwise precision", f"{e.pairwise_precision:.4f}"),
        ("Pairwise recall", f"{e.pairwise_recall:.4f}"),
        ("Pairwise F1", f"{e.pairwise_f1:.4f}"),
        ("B-cubed precision", f"{e.bcubed_precision:.4f}"),
        ("B-cubed recall", f"{e.bcubed_recall:.4f}"),
        ("B-cubed F1", f"{e.bcubed_f1:.4f}"),
        ("Household accuracy", f"{e.household_accuracy:.4f} of {e.households_records:,} records"),
        ("UPRN match rate", f"{e.uprn_match_rate:.4f} of {e.address_records:,} records with an address"),
    ]


def evaluate_linked(engine: Engine, ground_truth: Path) -> Evaluation:
    """Evaluate the project's ``linked.resident_records`` against the ground truth in ``ground_truth``."""
    if not engine.exists(LAYER, RESIDENT_RECORDS):
        raise ObservatoryError("there is no linked layer yet: run `observatory link` first")
    records = engine.table(LAYER, RESIDENT_RECORDS)
    predicted = engine.to_arrow(
        records.select("unique_id", "resident_id", "uprn", has_address=records.address_status != "no_address")
    )
    datasets = {str(d) for d in engine.to_arrow(records.select("dataset").distinct())["dataset"].to_pylist()}
    return evaluate_clusters(predicted, read_ground_truth(ground_truth, datasets))
