"""Stable ``resident_id``s across rebuilds, and the log of every id that changed.

How ids are kept (the rule users can rely on):

- An id is the prefix and a number of at least 8 digits: ``R00000001``. Numbers are never reused:
  the caller keeps the next free number between runs.
- Each new cluster is compared with the previous run: for every previous id, count its records in
  each new cluster (only records present in both runs count). Candidate (previous id, cluster)
  pairs are taken greedily, most shared records first, then the smaller previous id (by number),
  then the smaller ``cluster_key``; a pair is kept when neither its id nor its cluster is taken yet.
  So a cluster keeps the id it shares most records with, and an id goes to the one cluster holding
  most of its records.
- Clusters that inherit nothing get new ids in ``cluster_key`` order, so rebuilding the same input
  from scratch gives the same ids.

The change log (``resident_id_changes``) has one row per event; unchanged ids have none. Records
gained or lost without touching another id (a new record joining, a record deleted) are not changes.

- ``new``: a new id whose records were under no previous id (``related`` is empty).
- ``split``: a new id made of records that were under other ids (``related``: those ids); and an id
  that kept its id while some of its records went to other residents (``related``: their ids).
- ``merged``: an id that kept its id and took in records of other previous ids (``related``: those).
- ``retired``: a previous id no cluster inherited (``related``: the ids now holding its records,
  empty when its records all disappeared; ``records`` is 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa
import structlog

from observatory.errors import ObservatoryError

log = structlog.get_logger(__name__)

ID_DIGITS = 8
ASSIGNMENT_SCHEMA = pa.schema([("unique_id", pa.string()), ("resident_id", pa.string())])
CHANGE_SCHEMA = pa.schema(
    [
        ("change", pa.string()),
        ("resident_id", pa.string()),
        ("related", pa.list_(pa.string())),
        ("records", pa.int64()),
    ]
)
CHANGE_KINDS = ("new", "split", "merged", "retired")


@dataclass(frozen=True)
class IdAssignment:
    """Every record's ``resident_id`` and the change log of this run."""

    assignments: pa.Table
    """``unique_id``, ``resident_id``; one row per record, sorted by ``unique_id``."""
    changes: pa.Table
    """``change`` (new, split, merged, retired), ``resident_id``, ``related`` and ``records``."""


CANDIDATES_SQL = """
CREATE TEMP TABLE candidates AS
SELECT p.resident_id AS previous_id, c.cluster_key, count(*) AS shared,
       count(*) OVER (PARTITION BY p.resident_id) AS clusters_of_id,
       count(*) OVER (PARTITION BY c.cluster_key) AS ids_of_cluster
FROM previous_ids p JOIN cluster_members c USING (unique_id)
GROUP BY p.resident_id, c.cluster_key
"""
"""How many records each previous id shares with each new cluster."""

CONTESTED_SQL = """
SELECT previous_id, cluster_key FROM candidates
WHERE clusters_of_id > 1 OR ids_of_cluster > 1
ORDER BY shared DESC, length(previous_id), previous_id, cluster_key
"""
"""Candidates that compete with another, in the order the greedy matching takes them."""

CLUSTER_IDS_SQL = """
CREATE TEMP TABLE cluster_ids AS
WITH sizes AS (SELECT cluster_key, count(*) AS records FROM cluster_members GROUP BY cluster_key),
matches AS (
    SELECT cluster_key, previous_id FROM candidates WHERE clusters_of_id = 1 AND ids_of_cluster = 1
    UNION ALL SELECT cluster_key, previous_id FROM contested_matches
),
unmatched AS (
    SELECT cluster_key, records, row_number() OVER (ORDER BY cluster_key) - 1 AS position
    FROM sizes ANTI JOIN matches USING (cluster_key)
)
SELECT s.cluster_key, m.previous_id AS resident_id, true AS inherited, s.records
FROM sizes s JOIN matches m USING (cluster_key)
UNION ALL
SELECT cluster_key, $prefix || printf('%0{digits}d', $first + position), false, records FROM unmatched
"""
"""Each new cluster's id: inherited from the matching, else the next free number."""

ASSIGNMENTS_SQL = """
SELECT c.unique_id, i.resident_id
FROM cluster_members c JOIN cluster_ids i USING (cluster_key)
ORDER BY c.unique_id
"""

BY_PREVIOUS_ID = "ORDER BY length(l.previous_id), l.previous_id"
BY_NOW_ID = "ORDER BY length(l.now_id), l.now_id"

CHANGES_SQL = f"""
WITH located AS (
    SELECT c.previous_id, c.cluster_key, i.resident_id AS now_id
    FROM candidates c JOIN cluster_ids i USING (cluster_key)
),
new_ids AS (
    SELECT 'new' AS change, i.resident_id, []::VARCHAR[] AS related, i.records
    FROM cluster_ids i
    WHERE NOT i.inherited AND i.cluster_key NOT IN (SELECT cluster_key FROM candidates)
),
split_off AS (
    SELECT 'split', i.resident_id, list(l.previous_id {BY_PREVIOUS_ID}), any_value(i.records)
    FROM cluster_ids i JOIN located l USING (cluster_key)
    WHERE NOT i.inherited
    GROUP BY i.resident_id
),
split_from AS (
    SELECT 'split', i.resident_id, list(l.now_id {BY_NOW_ID}), any_value(i.records)
    FROM cluster_ids i JOIN located l ON l.previous_id = i.resident_id AND l.cluster_key <> i.cluster_key
    WHERE i.inherited
    GROUP BY i.resident_id
),
merged AS (
    SELECT 'merged', i.resident_id, list(l.previous_id {BY_PREVIOUS_ID}), any_value(i.records)
    FROM cluster_ids i JOIN located l ON l.cluster_key = i.cluster_key AND l.previous_id <> i.resident_id
    WHERE i.inherited
    GROUP BY i.resident_id
),
retired AS (
    SELECT 'retired', p.resident_id,
           coalesce(list(l.now_id {BY_NOW_ID}) FILTER (WHERE l.now_id IS NOT NULL),
                    []::VARCHAR[]),
           0
    FROM (SELECT DISTINCT resident_id FROM previous_ids) p
    LEFT JOIN located l ON l.previous_id = p.resident_id
    WHERE p.resident_id NOT IN (SELECT resident_id FROM cluster_ids WHERE inherited)
    GROUP BY p.resident_id
),
every_change AS (
    SELECT * FROM new_ids UNION ALL SELECT * FROM split_off UNION ALL SELECT * FROM split_from
    UNION ALL SELECT * FROM merged UNION ALL SELECT * FROM retired
)
SELECT change, resident_id, related, records FROM every_change
ORDER BY length(resident_id), resident_id, change
"""
"""The change log, by ``resident_id`` (numerically) then kind."""


def assign_resident_ids(
    clusters: pa.Table,
    previous: pa.Table | None,
    next_number: int,
    prefix: str = "R",
) -> tuple[IdAssignment, int]:
    """Give every cluster a ``resident_id``, keeping previous ids by the rule in this module's docstring.

    ``clusters`` has ``unique_id`` and ``cluster_key`` (as from ``cluster_records``); ``previous`` has
    ``unique_id`` and ``resident_id`` from the last run, or is None on the first. Returns the
    assignment and the next free number (``next_number`` plus the ids made in this run).
    """
    if isinstance(next_number, bool) or not isinstance(next_number, int) or next_number < 1:
        raise ObservatoryError(f"next resident number must be a positive whole number, got {next_number!r}")
    members = _columns(clusters, ("unique_id", "cluster_key"), "clusters")
    previous_ids = (
        _columns(previous, ("unique_id", "resident_id"), "previous resident ids")
        if previous is not None
        else ASSIGNMENT_SCHEMA.empty_table()
    )
    connection = duckdb.connect()
    try:
        connection.register("cluster_members_arrow", members)
        connection.register("previous_ids_arrow", previous_ids)
        connection.execute("CREATE TEMP TABLE cluster_members AS SELECT * FROM cluster_members_arrow")
        connection.execute("CREATE TEMP TABLE previous_ids AS SELECT * FROM previous_ids_arrow")
        _check_one_row_per_record(connection, "cluster_members", "clusters")
        _check_one_row_per_record(connection, "previous_ids", "previous resident ids")
        connection.execute(CANDIDATES_SQL)
        contested = connection.execute(CONTESTED_SQL).fetchall()
        connection.register("contested_matches", _greedy_matches(contested))
        connection.execute(CLUSTER_IDS_SQL.format(digits=ID_DIGITS), {"prefix": prefix, "first": next_number})
        _check_no_reuse(connection, next_number)
        made = connection.execute("SELECT count(*) FROM cluster_ids WHERE NOT inherited").fetchone()
        minted = int(made[0]) if made else 0
        assignments = connection.execute(ASSIGNMENTS_SQL).to_arrow_table().cast(ASSIGNMENT_SCHEMA)
        changes = connection.execute(CHANGES_SQL).to_arrow_table().cast(CHANGE_SCHEMA)
    finally:
        connection.close()
    log.info(
        "linkage.resident_ids",
        records=assignments.num_rows,
        new_ids=minted,
        changes=changes.num_rows,
        next_number=next_number + minted,
    )
    return IdAssignment(assignments=assignments, changes=changes), next_number + minted


def _columns(table: pa.Table, names: tuple[str, str], what: str) -> pa.Table:
    """The two columns this step reads, as strings; a missing column is an error."""
    missing = [name for name in names if name not in table.column_names]
    if missing:
        raise ObservatoryError(f"{what} lack column(s) {', '.join(missing)}")
    columns = [table.column(name).cast(pa.string()) for name in names]
    for name, column in zip(names, columns, strict=True):
        if column.null_count:
            raise ObservatoryError(f"{what} have a null {name}")
    return pa.table(columns, names=list(names))


def _check_one_row_per_record(connection: duckdb.DuckDBPyConnection, table: str, what: str) -> None:
    """Raise if a ``unique_id`` appears twice in ``table``."""
    repeated = connection.execute(
        f"SELECT min(unique_id) FROM (SELECT unique_id FROM {table} GROUP BY unique_id HAVING count(*) > 1)"
    ).fetchone()
    if repeated and repeated[0] is not None:
        raise ObservatoryError(f"{what} list unique_id {repeated[0]!r} more than once")


def _greedy_matches(contested: list[tuple[str, str]]) -> pa.Table:
    """Walk contested (previous id, cluster) pairs in order, keeping each whose id and cluster are free."""
    taken_ids: set[str] = set()
    taken_clusters: set[str] = set()
    cluster_keys: list[str] = []
    previous_ids: list[str] = []
    for previous_id, cluster_key in contested:
        if previous_id in taken_ids or cluster_key in taken_clusters:
            continue
        taken_ids.add(previous_id)
        taken_clusters.add(cluster_key)
        cluster_keys.append(cluster_key)
        previous_ids.append(previous_id)
    return pa.table(
        {"cluster_key": pa.array(cluster_keys, pa.string()), "previous_id": pa.array(previous_ids, pa.string())}
    )


def _check_no_reuse(connection: duckdb.DuckDBPyConnection, next_number: int) -> None:
    """Raise if a freshly made id was already used in the previous run."""
    reused = connection.execute(
        "SELECT resident_id FROM cluster_ids WHERE NOT inherited "
        "AND resident_id IN (SELECT resident_id FROM previous_ids) ORDER BY resident_id LIMIT 1"
    ).fetchone()
    if reused:
        raise ObservatoryError(
            f"next resident number {next_number} would reissue {reused[0]}, already used in the previous run; "
            "pass a number above the largest id ever issued"
        )
