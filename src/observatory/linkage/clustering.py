"""Cluster scored record pairs into residents, honouring clerical review.

The rule, so a reviewer can predict every result:

1. Every record in ``records`` starts as a cluster of its own.
2. Every must-link pair (a reviewer said "same person") is joined, whatever the model scored.
3. Model pairs scoring at or above ``threshold`` are then taken strongest first. Each pair is read
   with its smaller ``unique_id`` on the left; ties are taken by that left id, then the right id.
   A pair joins its two clusters unless the joined cluster would hold both records of a
   cannot-link pair (a reviewer said "different people"); such a pair is skipped.
4. A cluster's ``cluster_key`` is the smallest ``unique_id`` in it, so the same input always gives
   the same keys, whatever order the rows arrive in.

So in ``a-b 0.99, b-c 0.98, cannot(a, c)``, ``a`` and ``b`` are joined and ``c`` stays apart: the
stronger evidence wins. Must-links that, alone or through one another, join a cannot-link pair are a
contradiction in the review decisions and raise ``ObservatoryError`` naming the pairs involved.

Constraint pairs must name records in ``records``; model pairs naming other records are ignored
(and counted in the log). Components untouched by cannot-links are found with vectorised numpy
union-find (the order of edges cannot change them); only components that contain a cannot-link
pair are replayed edge by edge in Python.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import structlog

from observatory.errors import ObservatoryError

log = structlog.get_logger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

PAIR_COLUMNS = ("unique_id_l", "unique_id_r", "match_probability")
CLUSTER_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("cluster_key", pa.string()),
        ("cluster_size", pa.int64()),
        ("edge_probability", pa.float64()),
    ]
)


def cluster_records(
    records: pa.Array | pa.ChunkedArray | Sequence[str],
    pairs: pa.Table,
    threshold: float,
    must_link: Sequence[tuple[str, str]] = (),
    cannot_link: Sequence[tuple[str, str]] = (),
) -> pa.Table:
    """Group records into clusters (one per resident) by the rule in this module's docstring.

    Returns one row per record, sorted by ``unique_id``: ``unique_id``, ``cluster_key`` (smallest
    ``unique_id`` in the cluster), ``cluster_size`` and ``edge_probability`` (the strongest accepted
    pair touching the record: 1.0 for a must-link, null for a record alone in its cluster).
    """
    if not 0.0 <= threshold <= 1.0:
        raise ObservatoryError(f"match threshold must be between 0 and 1, got {threshold}")
    ids = _sorted_record_ids(records)
    count = len(ids)
    left, right, probability = _model_edges(ids, pairs, threshold)
    must_left, must_right = _constraint_edges(ids, must_link, "must-link")
    cannot_left, cannot_right = _constraint_edges(ids, cannot_link, "cannot-link")
    _check_constraints_agree(ids, must_link, must_left, must_right, cannot_link, cannot_left, cannot_right)

    labels = _components(count, np.concatenate([left, must_left]), np.concatenate([right, must_right]))
    violated = labels[cannot_left] == labels[cannot_right]
    skipped = 0
    if violated.any():
        labels, skipped = _replay_constrained(
            labels,
            np.unique(labels[cannot_left[violated]]),
            (left, right, probability),
            (must_left, must_right),
            (cannot_left, cannot_right),
        )
    table = _cluster_table(ids, labels, (left, right, probability), (must_left, must_right))
    log.info(
        "linkage.clustered",
        records=count,
        clusters=len(np.unique(labels)),
        edges=len(left),
        must_link=len(must_left),
        cannot_link=len(cannot_left),
        edges_skipped_for_cannot_link=skipped,
    )
    return table


def _sorted_record_ids(records: pa.Array | pa.ChunkedArray | Sequence[str]) -> pa.Array:
    """Every ``unique_id`` as a sorted string array; nulls and duplicates are errors."""
    if isinstance(records, pa.ChunkedArray):
        array = records.combine_chunks()
    elif isinstance(records, pa.Array):
        array = records
    else:
        array = pa.array(list(records), type=pa.string())
    array = array.cast(pa.string())
    if array.null_count:
        raise ObservatoryError("records to cluster include a null unique_id")
    ids = array.take(pc.array_sort_indices(array))
    if len(ids) > 1:
        repeated = pc.equal(ids.slice(1), ids.slice(0, len(ids) - 1))
        if pc.any(repeated).as_py():
            first = ids[int(pc.index(repeated, True).as_py()) + 1].as_py()
            raise ObservatoryError(f"records to cluster list unique_id {first!r} more than once")
    return ids


def _positions(ids: pa.Array, values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each value's position in the sorted ``ids`` (null when absent)."""
    return pc.index_in(values.cast(pa.string()), value_set=ids)


def _model_edges(ids: pa.Array, pairs: pa.Table, threshold: float) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs at or above ``threshold`` as (smaller position, larger position, probability)."""
    missing = [name for name in PAIR_COLUMNS if name not in pairs.column_names]
    if missing:
        raise ObservatoryError(f"scored pairs lack column(s) {', '.join(missing)}")
    probability = pairs.column("match_probability").cast(pa.float64())
    kept = pairs.filter(pc.fill_null(pc.greater_equal(probability, threshold), False))
    both = pa.chunked_array(
        kept.column("unique_id_l").cast(pa.string()).chunks + kept.column("unique_id_r").cast(pa.string()).chunks,
        type=pa.string(),
    )
    positions = _positions(ids, both)
    left, right = positions.slice(0, len(kept)), positions.slice(len(kept))
    known = pc.and_(pc.is_valid(left), pc.is_valid(right))
    ignored = len(kept) - pc.sum(known.cast(pa.int64())).as_py() if len(kept) else 0
    if ignored:
        log.warning("linkage.pairs_ignored", pairs=ignored, reason="unique_id not among the records")
    left_positions = left.filter(known).to_numpy(zero_copy_only=False).astype(np.int64)
    right_positions = right.filter(known).to_numpy(zero_copy_only=False).astype(np.int64)
    probabilities = kept.column("match_probability").cast(pa.float64()).filter(known).to_numpy()
    distinct = left_positions != right_positions
    left_positions, right_positions = left_positions[distinct], right_positions[distinct]
    return (
        np.minimum(left_positions, right_positions),
        np.maximum(left_positions, right_positions),
        np.asarray(probabilities, dtype=np.float64)[distinct],
    )


def _constraint_edges(ids: pa.Array, constraints: Sequence[tuple[str, str]], kind: str) -> tuple[IntArray, IntArray]:
    """Reviewer pairs as positions; an id not among the records is an error."""
    if not constraints:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    flat = pa.array([uid for pair in constraints for uid in pair], type=pa.string())
    positions = _positions(ids, flat)
    if positions.null_count:
        first = flat[int(pc.index(pc.is_null(positions), True).as_py())].as_py()
        raise ObservatoryError(f"{kind} pair names unique_id {first!r}, which is not among the records")
    values = positions.to_numpy(zero_copy_only=False).astype(np.int64)
    return values[0::2].copy(), values[1::2].copy()


def _check_constraints_agree(
    ids: pa.Array,
    must_link: Sequence[tuple[str, str]],
    must_left: IntArray,
    must_right: IntArray,
    cannot_link: Sequence[tuple[str, str]],
    cannot_left: IntArray,
    cannot_right: IntArray,
) -> None:
    """Raise if must-links, directly or through one another, join a cannot-link pair."""
    labels = _components(len(ids), must_left, must_right)
    clashes = np.flatnonzero(labels[cannot_left] == labels[cannot_right])
    if not len(clashes):
        return
    first = int(clashes[0])
    cannot = cannot_link[first]
    if cannot_left[first] == cannot_right[first]:
        raise ObservatoryError(f"cannot-link pair {tuple(cannot)!r} names the same record twice")
    path = _must_link_path(must_link, must_left, must_right, int(cannot_left[first]), int(cannot_right[first]))
    joined = ", ".join(repr(tuple(must_link[index])) for index in path)
    raise ObservatoryError(
        f"review decisions contradict each other: cannot-link pair {tuple(cannot)!r} "
        f"is joined by must-link pair(s) {joined}"
    )


def _must_link_path(
    must_link: Sequence[tuple[str, str]], must_left: IntArray, must_right: IntArray, start: int, goal: int
) -> list[int]:
    """Indexes of the must-link pairs on a shortest path from ``start`` to ``goal``."""
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for index, (a, b) in enumerate(zip(must_left.tolist(), must_right.tolist(), strict=True)):
        adjacent.setdefault(a, []).append((b, index))
        adjacent.setdefault(b, []).append((a, index))
    reached_by: dict[int, tuple[int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for neighbour, index in adjacent.get(node, []):
            if neighbour not in reached_by:
                reached_by[neighbour] = (node, index)
                queue.append(neighbour)
    path: list[int] = []
    step = reached_by[goal]
    while step is not None:
        path.append(step[1])
        step = reached_by[step[0]]
    return path[::-1]


def _components(count: int, left: IntArray, right: IntArray) -> IntArray:
    """Connected components by vectorised union-find; each record's label is the smallest position in it."""
    parent = np.arange(count, dtype=np.int64)
    while True:
        left_root, right_root = parent[left], parent[right]
        apart = left_root != right_root
        if not apart.any():
            return parent
        left, right = left[apart], right[apart]
        left_root, right_root = left_root[apart], right_root[apart]
        # Hook each larger root under the smallest root it meets, then compress every path to its root.
        np.minimum.at(parent, np.maximum(left_root, right_root), np.minimum(left_root, right_root))
        while True:
            grandparent = parent[parent]
            if np.array_equal(grandparent, parent):
                break
            parent = grandparent


def _replay_constrained(
    labels: IntArray,
    constrained: IntArray,
    edges: tuple[IntArray, IntArray, FloatArray],
    must: tuple[IntArray, IntArray],
    cannot: tuple[IntArray, IntArray],
) -> tuple[IntArray, int]:
    """Re-cluster the components holding a cannot-link pair, edge by edge in the documented order.

    Works on local positions (``members`` is the sorted list of records involved) with union by
    size, path halving and, per cluster root, the set of records its members must stay apart from.
    A cluster without such a set holds no cannot-link record, so joining it can never break one.
    """
    left, right, probability = edges
    inside = np.isin(labels, constrained)
    members = np.flatnonzero(inside)
    chosen = inside[left]
    order = np.lexsort((right[chosen], left[chosen], -probability[chosen]))
    edge_left = np.searchsorted(members, left[chosen][order]).tolist()
    edge_right = np.searchsorted(members, right[chosen][order]).tolist()
    must_inside = inside[must[0]]
    must_left = np.searchsorted(members, must[0][must_inside]).tolist()
    must_right = np.searchsorted(members, must[1][must_inside]).tolist()
    cannot_inside = inside[cannot[0]] & (labels[cannot[0]] == labels[cannot[1]])
    cannot_left = np.searchsorted(members, cannot[0][cannot_inside]).tolist()
    cannot_right = np.searchsorted(members, cannot[1][cannot_inside]).tolist()

    parent = list(range(len(members)))
    size = [1] * len(members)
    apart_from: dict[int, set[int]] = {}
    for a, b in zip(cannot_left, cannot_right, strict=True):
        apart_from.setdefault(a, set()).add(b)
        apart_from.setdefault(b, set()).add(a)

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = node = parent[parent[node]]
        return node

    def kept_apart(root_a: int, root_b: int) -> bool:
        partners_a, partners_b = apart_from.get(root_a), apart_from.get(root_b)
        if partners_a is None or partners_b is None:
            return False
        partners, other = (partners_a, root_b) if len(partners_a) <= len(partners_b) else (partners_b, root_a)
        return any(root(partner) == other for partner in partners)

    def join(root_a: int, root_b: int) -> None:
        if size[root_a] < size[root_b]:
            root_a, root_b = root_b, root_a
        parent[root_b] = root_a
        size[root_a] += size[root_b]
        absorbed = apart_from.pop(root_b, None)
        if absorbed is not None:
            apart_from.setdefault(root_a, set()).update(absorbed)

    for a, b in zip(must_left, must_right, strict=True):
        root_a, root_b = root(a), root(b)
        if root_a != root_b:
            join(root_a, root_b)
    skipped = 0
    for a, b in zip(edge_left, edge_right, strict=True):
        while parent[a] != a:
            parent[a] = a = parent[parent[a]]
        while parent[b] != b:
            parent[b] = b = parent[parent[b]]
        if a == b:
            continue
        if kept_apart(a, b):
            skipped += 1
        else:
            join(a, b)

    roots = np.array([root(node) for node in range(len(members))], dtype=np.int64)
    smallest = np.full(len(members), len(labels), dtype=np.int64)
    np.minimum.at(smallest, roots, members)
    relabelled = labels.copy()
    relabelled[members] = smallest[roots]
    return relabelled, skipped


def _cluster_table(
    ids: pa.Array,
    labels: IntArray,
    edges: tuple[IntArray, IntArray, FloatArray],
    must: tuple[IntArray, IntArray],
) -> pa.Table:
    """The result table: one row per record with its cluster and strongest accepted edge."""
    left, right, probability = edges
    sizes = np.bincount(labels, minlength=len(labels))[labels].astype(np.int64)
    strongest = np.full(len(labels), -np.inf)
    accepted = labels[left] == labels[right]
    np.maximum.at(strongest, left[accepted], probability[accepted])
    np.maximum.at(strongest, right[accepted], probability[accepted])
    must_left, must_right = must
    strongest[must_left] = 1.0
    strongest[must_right] = 1.0
    alone = (sizes == 1) | np.isneginf(strongest)
    return pa.table(
        [
            ids,
            ids.take(pa.array(labels)),
            pa.array(sizes, type=pa.int64()),
            pa.array(strongest, type=pa.float64(), mask=alone),
        ],
        schema=CLUSTER_SCHEMA,
    )
