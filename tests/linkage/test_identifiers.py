"""Stable resident ids across rebuilds and the id change log."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.errors import ObservatoryError
from observatory.linkage.clustering import cluster_records
from observatory.linkage.identifiers import IdAssignment, assign_resident_ids


def clusters_of(*members: list[str]) -> pa.Table:
    """A clusters table from lists of unique_ids (cluster_key = smallest member)."""
    rows = [(uid, min(group)) for group in members for uid in group]
    return pa.table(
        {"unique_id": pa.array([row[0] for row in rows], pa.string()), "cluster_key": [row[1] for row in rows]}
    )


def previous_of(ids: dict[str, list[str]]) -> pa.Table:
    """A previous assignment from resident_id -> unique_ids."""
    rows = [(uid, resident_id) for resident_id, group in ids.items() for uid in group]
    return pa.table({"unique_id": [row[0] for row in rows], "resident_id": [row[1] for row in rows]})


def ids_by_record(result: IdAssignment) -> dict[str, str]:
    return dict(
        zip(result.assignments["unique_id"].to_pylist(), result.assignments["resident_id"].to_pylist(), strict=True)
    )


def change_rows(result: IdAssignment) -> list[tuple[str, str, list[str], int]]:
    return [(row["change"], row["resident_id"], row["related"], row["records"]) for row in result.changes.to_pylist()]


def test_first_run_numbers_clusters_in_cluster_key_order() -> None:
    result, next_number = assign_resident_ids(clusters_of(["e"], ["d", "c"], ["b", "a"]), None, 1)
    assert result.assignments.schema == pa.schema([("unique_id", pa.string()), ("resident_id", pa.string())])
    assert result.assignments.to_pylist() == [
        {"unique_id": "a", "resident_id": "R00000001"},
        {"unique_id": "b", "resident_id": "R00000001"},
        {"unique_id": "c", "resident_id": "R00000002"},
        {"unique_id": "d", "resident_id": "R00000002"},
        {"unique_id": "e", "resident_id": "R00000003"},
    ]
    assert result.changes.schema == pa.schema(
        [
            ("change", pa.string()),
            ("resident_id", pa.string()),
            ("related", pa.list_(pa.string())),
            ("records", pa.int64()),
        ]
    )
    assert change_rows(result) == [
        ("new", "R00000001", [], 2),
        ("new", "R00000002", [], 2),
        ("new", "R00000003", [], 1),
    ]
    assert next_number == 4


def test_numbers_start_where_told_and_grow_past_eight_digits() -> None:
    result, next_number = assign_resident_ids(clusters_of(["a"], ["b"]), None, 99_999_999, prefix="P")
    assert ids_by_record(result) == {"a": "P99999999", "b": "P100000000"}
    assert next_number == 100_000_001


def test_identical_rerun_keeps_every_id_and_logs_nothing() -> None:
    clusters = clusters_of(["a", "b"], ["c"], ["d", "e", "f"])
    first, next_number = assign_resident_ids(clusters, None, 1)
    again, after = assign_resident_ids(clusters, first.assignments, next_number)
    assert again.assignments.equals(first.assignments)
    assert again.changes.num_rows == 0
    assert after == next_number == 4


def test_record_joining_a_cluster_keeps_its_id() -> None:
    previous = previous_of({"R00000001": ["a", "b"], "R00000002": ["c"]})
    result, next_number = assign_resident_ids(clusters_of(["a", "b", "x"], ["c"]), previous, 3)
    assert ids_by_record(result) == {"a": "R00000001", "b": "R00000001", "x": "R00000001", "c": "R00000002"}
    assert change_rows(result) == []
    assert next_number == 3


def test_brand_new_person_gets_a_new_id() -> None:
    previous = previous_of({"R00000001": ["a", "b"]})
    result, next_number = assign_resident_ids(clusters_of(["a", "b"], ["0new", "1new"]), previous, 2)
    assert ids_by_record(result) == {"a": "R00000001", "b": "R00000001", "0new": "R00000002", "1new": "R00000002"}
    assert change_rows(result) == [("new", "R00000002", [], 2)]
    assert next_number == 3


def test_split_keeps_the_id_with_the_bigger_part() -> None:
    # The smaller part has the smaller cluster_key: shared records decide, not the key.
    previous = previous_of({"R00000005": ["a", "b", "c"]})
    result, next_number = assign_resident_ids(clusters_of(["a"], ["b", "c"]), previous, 6)
    assert ids_by_record(result) == {"a": "R00000006", "b": "R00000005", "c": "R00000005"}
    assert change_rows(result) == [
        ("split", "R00000005", ["R00000006"], 2),
        ("split", "R00000006", ["R00000005"], 1),
    ]
    assert next_number == 7


def test_merge_keeps_the_id_sharing_more_and_retires_the_other() -> None:
    previous = previous_of({"R00000001": ["c"], "R00000002": ["a", "b"]})
    result, next_number = assign_resident_ids(clusters_of(["a", "b", "c"]), previous, 3)
    assert set(ids_by_record(result).values()) == {"R00000002"}
    assert change_rows(result) == [
        ("retired", "R00000001", ["R00000002"], 0),
        ("merged", "R00000002", ["R00000001"], 3),
    ]
    assert next_number == 3


def test_ties_go_to_the_smaller_previous_id_then_the_smaller_cluster_key() -> None:
    # Merge of two equal halves: the smaller id survives, though its record has the larger key.
    merged, _ = assign_resident_ids(clusters_of(["a", "b"]), previous_of({"R00000002": ["a"], "R00000001": ["b"]}), 3)
    assert set(ids_by_record(merged).values()) == {"R00000001"}
    # Ids compare by number: R99999999 is smaller than R100000000.
    previous = previous_of({"R100000000": ["a"], "R99999999": ["b"]})
    long_ids, _ = assign_resident_ids(clusters_of(["a", "b"]), previous, 100_000_001)
    assert set(ids_by_record(long_ids).values()) == {"R99999999"}
    # Split into equal halves: the cluster with the smaller key keeps the id.
    split, _ = assign_resident_ids(clusters_of(["c", "d"], ["a", "b"]), previous_of({"R00000001": list("abcd")}), 2)
    assert ids_by_record(split) == {"a": "R00000001", "b": "R00000001", "c": "R00000002", "d": "R00000002"}


def test_deleted_records_retire_their_id() -> None:
    previous = previous_of({"R00000001": ["a"], "R00000002": ["b", "c"]})
    result, next_number = assign_resident_ids(clusters_of(["a"]), previous, 3)
    assert ids_by_record(result) == {"a": "R00000001"}
    assert change_rows(result) == [("retired", "R00000002", [], 0)]
    assert next_number == 3


def test_a_record_moving_between_residents_is_logged_on_both() -> None:
    previous = previous_of({"R00000001": ["a", "b", "c"], "R00000002": ["d", "e"]})
    result, _ = assign_resident_ids(clusters_of(["a", "b"], ["c", "d", "e"]), previous, 3)
    assert ids_by_record(result) == {
        "a": "R00000001",
        "b": "R00000001",
        "c": "R00000002",
        "d": "R00000002",
        "e": "R00000002",
    }
    assert change_rows(result) == [
        ("split", "R00000001", ["R00000002"], 2),
        ("merged", "R00000002", ["R00000001"], 3),
    ]


def test_split_and_merge_together_with_a_first_run_of_new_records() -> None:
    previous = previous_of({"R00000001": ["a", "b", "c", "d"], "R00000002": ["e"], "R00000003": ["f"]})
    clusters = clusters_of(["a", "b", "e"], ["c", "d", "z"], ["f"], ["y"])
    result, next_number = assign_resident_ids(clusters, previous, 4)
    # {a,b,e} and {c,d,z} both share 2 with R1: {a,b,e} has the smaller key and keeps it.
    assert ids_by_record(result) == {
        "a": "R00000001",
        "b": "R00000001",
        "e": "R00000001",
        "c": "R00000004",
        "d": "R00000004",
        "z": "R00000004",
        "f": "R00000003",
        "y": "R00000005",
    }
    assert change_rows(result) == [
        ("merged", "R00000001", ["R00000002"], 3),
        ("split", "R00000001", ["R00000004"], 3),
        ("retired", "R00000002", ["R00000001"], 0),
        ("split", "R00000004", ["R00000001"], 3),
        ("new", "R00000005", [], 1),
    ]
    assert next_number == 6


def test_result_does_not_depend_on_row_order() -> None:
    previous = previous_of({"R00000001": ["a", "b", "c", "d"], "R00000002": ["e", "f"], "R00000003": ["g"]})
    clusters = clusters_of(["a", "b"], ["c", "d", "e"], ["f", "g"], ["h"])
    expected, _ = assign_resident_ids(clusters, previous, 4)
    rng = random.Random(5)
    for _ in range(5):
        shuffled_clusters = clusters.take(pa.array(rng.sample(range(clusters.num_rows), clusters.num_rows)))
        shuffled_previous = previous.take(pa.array(rng.sample(range(previous.num_rows), previous.num_rows)))
        result, _ = assign_resident_ids(shuffled_clusters, shuffled_previous, 4)
        assert result.assignments.equals(expected.assignments)
        assert result.changes.equals(expected.changes)


def test_clusters_from_cluster_records_get_stable_ids_end_to_end() -> None:
    pairs = pa.table(
        {"unique_id_l": ["a", "c"], "unique_id_r": ["b", "d"], "match_probability": pa.array([0.9, 0.95], pa.float64())}
    )
    clusters = cluster_records(list("abcde"), pairs, 0.5)
    first, next_number = assign_resident_ids(clusters, None, 1)
    assert ids_by_record(first) == {
        "a": "R00000001",
        "b": "R00000001",
        "c": "R00000002",
        "d": "R00000002",
        "e": "R00000003",
    }
    rebuilt = cluster_records(list("abcdef"), pairs, 0.5, must_link=[("e", "f")], cannot_link=[("c", "d")])
    second, _ = assign_resident_ids(rebuilt, first.assignments, next_number)
    assert ids_by_record(second) == {
        "a": "R00000001",
        "b": "R00000001",
        "c": "R00000002",
        "d": "R00000004",
        "e": "R00000003",
        "f": "R00000003",
    }
    assert change_rows(second) == [("split", "R00000002", ["R00000004"], 1), ("split", "R00000004", ["R00000002"], 1)]


def test_reissuing_a_previous_id_is_refused() -> None:
    previous = previous_of({"R00000001": ["a"], "R00000002": ["gone"]})
    with pytest.raises(ObservatoryError, match="would reissue R00000002"):
        assign_resident_ids(clusters_of(["a"], ["b", "c"], ["d"]), previous, 2)


@pytest.mark.parametrize(
    ("clusters", "previous", "next_number", "message"),
    [
        (clusters_of(["a"]), None, 0, "positive whole number"),
        (clusters_of(["a"]), None, True, "positive whole number"),
        (clusters_of(["a"], ["a", "b"]), None, 1, "clusters list unique_id 'a' more than once"),
        (clusters_of(["a"]), previous_of({"R1": ["a"], "R2": ["a"]}), 3, "previous resident ids list unique_id 'a'"),
        (pa.table({"unique_id": ["a"]}), None, 1, "cluster_key"),
        (clusters_of(["a"]), pa.table({"unique_id": ["a"], "resident_id": pa.array([None], pa.string())}), 1, "null"),
    ],
)
def test_bad_input_raises(clusters: pa.Table, previous: pa.Table | None, next_number: int, message: str) -> None:
    with pytest.raises(ObservatoryError, match=message):
        assign_resident_ids(clusters, previous, next_number)


partitions = st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=30)


def clusters_from_labels(labels: list[int], present: list[bool]) -> pa.Table:
    groups: dict[int, list[str]] = {}
    for number, (label, kept) in enumerate(zip(labels, present, strict=True)):
        if kept:
            groups.setdefault(label, []).append(f"u{number:02d}")
    return clusters_of(*groups.values())


@given(labels=partitions, data=st.data())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rerunning_with_its_own_output_changes_nothing(labels: list[int], data: st.DataObject) -> None:
    present = data.draw(st.lists(st.booleans(), min_size=len(labels), max_size=len(labels)))
    clusters = clusters_from_labels(labels, [True] * len(labels))
    first, next_number = assign_resident_ids(clusters, None, 1)
    again, after = assign_resident_ids(clusters, first.assignments, next_number)
    assert again.assignments.equals(first.assignments)
    assert again.changes.num_rows == 0
    assert after == next_number

    # A random rebuild: every cluster gets one id, ids never collide, every previous id is kept or retired.
    new_labels = data.draw(st.lists(st.integers(0, 6), min_size=len(labels), max_size=len(labels)))
    rebuilt = clusters_from_labels(new_labels, present)
    second, final = assign_resident_ids(rebuilt, first.assignments, next_number)
    records = ids_by_record(second)
    keys = dict(zip(rebuilt["unique_id"].to_pylist(), rebuilt["cluster_key"].to_pylist(), strict=True))
    assert len(set(records.values())) == len(set(keys.values()))
    assert all((keys[a] == keys[b]) == (records[a] == records[b]) for a in records for b in records)
    previous_ids = set(first.assignments["resident_id"].to_pylist())
    minted = sorted(set(records.values()) - previous_ids)
    assert minted == [f"R{number:08d}" for number in range(next_number, final)]
    retired = {row["resident_id"] for row in second.changes.to_pylist() if row["change"] == "retired"}
    assert retired == previous_ids - set(records.values())
    rerun, _ = assign_resident_ids(rebuilt, second.assignments, final)
    assert rerun.assignments.equals(second.assignments)
    assert rerun.changes.num_rows == 0
