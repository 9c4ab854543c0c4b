"""Clustering scored pairs into residents, with clerical must-link and cannot-link decisions."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.errors import ObservatoryError
from observatory.linkage.clustering import cluster_records


def scored(*edges: tuple[str, str, float]) -> pa.Table:
    """A pairs table from (left, right, probability) tuples."""
    return pa.table(
        {
            "unique_id_l": pa.array([edge[0] for edge in edges], pa.string()),
            "unique_id_r": pa.array([edge[1] for edge in edges], pa.string()),
            "match_probability": pa.array([edge[2] for edge in edges], pa.float64()),
        }
    )


def groups(result: pa.Table) -> dict[str, str]:
    """unique_id -> cluster_key."""
    return dict(zip(result["unique_id"].to_pylist(), result["cluster_key"].to_pylist(), strict=True))


def test_exact_output_for_a_small_graph() -> None:
    result = cluster_records(
        ["d", "c", "b", "a", "e"],
        scored(("b", "a", 0.95), ("b", "c", 0.8), ("d", "e", 0.4)),
        threshold=0.5,
    )
    assert result.schema == pa.schema(
        [
            ("unique_id", pa.string()),
            ("cluster_key", pa.string()),
            ("cluster_size", pa.int64()),
            ("edge_probability", pa.float64()),
        ]
    )
    assert result.to_pylist() == [
        {"unique_id": "a", "cluster_key": "a", "cluster_size": 3, "edge_probability": 0.95},
        {"unique_id": "b", "cluster_key": "a", "cluster_size": 3, "edge_probability": 0.95},
        {"unique_id": "c", "cluster_key": "a", "cluster_size": 3, "edge_probability": 0.8},
        {"unique_id": "d", "cluster_key": "d", "cluster_size": 1, "edge_probability": None},
        {"unique_id": "e", "cluster_key": "e", "cluster_size": 1, "edge_probability": None},
    ]


def test_threshold_is_inclusive_and_respected() -> None:
    pairs = scored(("a", "b", 0.7), ("c", "d", 0.6999))
    result = groups(cluster_records(["a", "b", "c", "d"], pairs, threshold=0.7))
    assert result == {"a": "a", "b": "a", "c": "c", "d": "d"}
    assert set(groups(cluster_records(["a", "b", "c", "d"], pairs, threshold=0.6)).values()) == {"a", "c"}
    assert set(groups(cluster_records(["a", "b", "c", "d"], pairs, threshold=0.71)).values()) == {"a", "b", "c", "d"}


def test_null_probability_and_self_pairs_join_nothing() -> None:
    pairs = pa.table(
        {
            "unique_id_l": ["a", "c"],
            "unique_id_r": ["b", "c"],
            "match_probability": pa.array([None, 0.99], pa.float64()),
        }
    )
    result = cluster_records(["a", "b", "c"], pairs, threshold=0.5)
    assert result["cluster_size"].to_pylist() == [1, 1, 1]
    assert result["edge_probability"].to_pylist() == [None, None, None]


def test_every_record_without_pairs_is_a_singleton() -> None:
    result = cluster_records(pa.chunked_array([["z", "y"], ["x"]]), scored(), threshold=0.9)
    assert result.to_pylist() == [
        {"unique_id": uid, "cluster_key": uid, "cluster_size": 1, "edge_probability": None} for uid in ("x", "y", "z")
    ]
    assert cluster_records([], scored(), threshold=0.9).num_rows == 0


def test_must_link_joins_records_the_model_did_not_and_scores_one() -> None:
    result = cluster_records(
        pa.array(["a", "b", "c"]),
        scored(("a", "b", 0.2), ("b", "c", 0.9)),
        threshold=0.5,
        must_link=[("b", "a")],
    )
    assert result.to_pylist() == [
        {"unique_id": "a", "cluster_key": "a", "cluster_size": 3, "edge_probability": 1.0},
        {"unique_id": "b", "cluster_key": "a", "cluster_size": 3, "edge_probability": 1.0},
        {"unique_id": "c", "cluster_key": "a", "cluster_size": 3, "edge_probability": 0.9},
    ]


def test_cannot_link_splits_a_direct_match() -> None:
    result = cluster_records(["a", "b"], scored(("a", "b", 0.999)), threshold=0.5, cannot_link=[("b", "a")])
    assert groups(result) == {"a": "a", "b": "b"}
    assert result["edge_probability"].to_pylist() == [None, None]


def test_cannot_link_is_honoured_transitively_and_the_stronger_edge_wins() -> None:
    pairs = scored(("a", "b", 0.99), ("b", "c", 0.98))
    result = cluster_records(["a", "b", "c"], pairs, threshold=0.5, cannot_link=[("a", "c")])
    assert result.to_pylist() == [
        {"unique_id": "a", "cluster_key": "a", "cluster_size": 2, "edge_probability": 0.99},
        {"unique_id": "b", "cluster_key": "a", "cluster_size": 2, "edge_probability": 0.99},
        {"unique_id": "c", "cluster_key": "c", "cluster_size": 1, "edge_probability": None},
    ]
    # With the strengths reversed, b goes with c instead.
    reversed_strengths = scored(("a", "b", 0.97), ("b", "c", 0.98))
    assert groups(cluster_records(["a", "b", "c"], reversed_strengths, 0.5, cannot_link=[("a", "c")])) == {
        "a": "a",
        "b": "b",
        "c": "b",
    }


def test_refused_edge_does_not_count_as_edge_probability() -> None:
    # b-c (0.98) is refused because a and c must stay apart; c keeps only its weaker accepted edge.
    pairs = scored(("a", "b", 0.99), ("b", "c", 0.98), ("c", "d", 0.5))
    result = cluster_records(["a", "b", "c", "d"], pairs, 0.4, cannot_link=[("a", "c")])
    assert groups(result) == {"a": "a", "b": "a", "c": "c", "d": "c"}
    assert result["edge_probability"].to_pylist() == [0.99, 0.99, 0.5, 0.5]


def test_equal_probabilities_are_taken_in_unique_id_order() -> None:
    # (a, b) comes before (b, c), whichever way round the rows are written.
    pairs = scored(("c", "b", 0.9), ("b", "a", 0.9))
    result = cluster_records(["a", "b", "c"], pairs, 0.5, cannot_link=[("a", "c")])
    assert groups(result) == {"a": "a", "b": "a", "c": "c"}
    pairs = scored(("b", "d", 0.9), ("b", "c", 0.9))
    result = cluster_records(["b", "c", "d"], pairs, 0.5, cannot_link=[("c", "d")])
    assert groups(result) == {"b": "b", "c": "b", "d": "d"}


def test_cannot_link_between_separate_components_changes_nothing() -> None:
    pairs = scored(("a", "b", 0.9), ("c", "d", 0.9))
    result = cluster_records(["a", "b", "c", "d"], pairs, 0.5, cannot_link=[("a", "c")])
    assert groups(result) == {"a": "a", "b": "a", "c": "c", "d": "c"}


def test_constrained_and_free_components_are_clustered_together() -> None:
    pairs = scored(("p", "q", 0.9), ("q", "r", 0.9), ("a", "b", 0.9), ("b", "c", 0.8), ("x", "y", 0.3))
    result = cluster_records(list("abcpqrxy"), pairs, 0.5, cannot_link=[("a", "c")])
    assert groups(result) == {"a": "a", "b": "a", "c": "c", "p": "p", "q": "p", "r": "p", "x": "x", "y": "y"}
    assert result["cluster_size"].to_pylist() == [2, 2, 1, 3, 3, 3, 1, 1]


def test_long_chain_forms_one_cluster_keyed_by_its_smallest_id() -> None:
    ids = [f"r{number:04d}" for number in range(2000)]
    order = list(range(1999))
    random.Random(7).shuffle(order)
    pairs = scored(*[(ids[i + 1], ids[i], 0.9) for i in order])
    shuffled = ids[:]
    random.Random(8).shuffle(shuffled)
    result = cluster_records(shuffled, pairs, 0.5)
    assert set(result["cluster_key"].to_pylist()) == {"r0000"}
    assert set(result["cluster_size"].to_pylist()) == {2000}


@pytest.mark.parametrize(
    ("must_link", "cannot_link", "named"),
    [
        ([("a", "b")], [("b", "a")], ["('b', 'a')", "('a', 'b')"]),
        ([("a", "b"), ("c", "b"), ("d", "e")], [("d", "a"), ("a", "c")], ["('a', 'c')", "('a', 'b')", "('c', 'b')"]),
    ],
)
def test_contradictory_review_decisions_raise_naming_the_pairs(
    must_link: list[tuple[str, str]], cannot_link: list[tuple[str, str]], named: list[str]
) -> None:
    with pytest.raises(ObservatoryError) as raised:
        cluster_records(list("abcde"), scored(), 0.5, must_link=must_link, cannot_link=cannot_link)
    for pair in named:
        assert pair in raised.value.message
    assert "('d', 'e')" not in raised.value.message


def test_cannot_link_of_a_record_with_itself_raises() -> None:
    with pytest.raises(ObservatoryError, match="same record twice"):
        cluster_records(["a"], scored(), 0.5, cannot_link=[("a", "a")])


def test_constraint_naming_an_unknown_record_raises_and_model_pairs_are_ignored() -> None:
    with pytest.raises(ObservatoryError, match="'zz'"):
        cluster_records(["a", "b"], scored(), 0.5, must_link=[("a", "b"), ("zz", "a"), ("yy", "b")])
    with pytest.raises(ObservatoryError, match="cannot-link pair names unique_id 'q'"):
        cluster_records(["a", "b"], scored(), 0.5, cannot_link=[("a", "q")])
    result = cluster_records(["a", "b"], scored(("a", "zz", 0.99), ("a", "b", 0.9)), 0.5)
    assert groups(result) == {"a": "a", "b": "a"}


@pytest.mark.parametrize(
    ("records", "pairs", "threshold", "message"),
    [
        (["a", "b", "a"], scored(), 0.5, "'a' more than once"),
        (pa.array(["a", None]), scored(), 0.5, "null unique_id"),
        (["a"], scored(), 1.5, "between 0 and 1"),
        (["a"], pa.table({"unique_id_l": ["a"], "unique_id_r": ["a"]}), 0.5, "match_probability"),
    ],
)
def test_bad_input_raises(records: list[str] | pa.Array, pairs: pa.Table, threshold: float, message: str) -> None:
    with pytest.raises(ObservatoryError, match=message):
        cluster_records(records, pairs, threshold)


def test_result_does_not_depend_on_input_order_or_pair_orientation() -> None:
    rng = random.Random(3)
    ids = [f"id{number:03d}" for number in range(120)]
    edges = [(rng.choice(ids), rng.choice(ids), round(rng.random(), 2)) for _ in range(300)]
    cannot = [(rng.choice(ids), rng.choice(ids)) for _ in range(15)]
    cannot = [pair for pair in cannot if pair[0] != pair[1]]
    expected = cluster_records(ids, scored(*edges), 0.3, cannot_link=cannot)
    for _ in range(5):
        shuffled_ids = ids[:]
        rng.shuffle(shuffled_ids)
        flipped = [(b, a, p) if rng.random() < 0.5 else (a, b, p) for a, b, p in edges]
        rng.shuffle(flipped)
        shuffled_cannot = [(b, a) for a, b in cannot]
        rng.shuffle(shuffled_cannot)
        assert cluster_records(shuffled_ids, scored(*flipped), 0.3, cannot_link=shuffled_cannot).equals(expected)


def reference_clusters(
    ids: list[str],
    edges: list[tuple[str, str, float]],
    threshold: float,
    must_link: list[tuple[str, str]],
    cannot_link: list[tuple[str, str]],
) -> dict[str, str]:
    """The documented rule, written as plainly as possible: sets of records, merged one edge at a time."""
    cluster_of = {uid: frozenset([uid]) for uid in ids}

    def merge(a: str, b: str) -> None:
        joined = cluster_of[a] | cluster_of[b]
        for uid in joined:
            cluster_of[uid] = joined

    for a, b in must_link:
        merge(a, b)
    accepted = sorted(
        ((min(a, b), max(a, b), p) for a, b, p in edges if p >= threshold and a != b),
        key=lambda edge: (-edge[2], edge[0], edge[1]),
    )
    for a, b, _ in accepted:
        joined = cluster_of[a] | cluster_of[b]
        if not any(x in joined and y in joined for x, y in cannot_link):
            merge(a, b)
    return {uid: min(cluster_of[uid]) for uid in ids}


@st.composite
def review_graphs(
    draw: st.DrawFn,
) -> tuple[list[str], list[tuple[str, str, float]], list[tuple[str, str]], list[tuple[str, str]]]:
    size = draw(st.integers(min_value=1, max_value=25))
    ids = [f"n{number:02d}" for number in range(size)]
    node = st.sampled_from(ids)
    edges = draw(st.lists(st.tuples(node, node, st.sampled_from([0.3, 0.6, 0.8, 0.9, 0.95, 1.0])), max_size=60))
    must = draw(st.lists(st.tuples(node, node), max_size=4))
    cannot = draw(st.lists(st.tuples(node, node).filter(lambda pair: pair[0] != pair[1]), max_size=6))
    return ids, edges, must, cannot


@given(graph=review_graphs(), threshold=st.sampled_from([0.5, 0.85]))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_graphs_honour_review_decisions(
    graph: tuple[list[str], list[tuple[str, str, float]], list[tuple[str, str]], list[tuple[str, str]]],
    threshold: float,
) -> None:
    ids, edges, must, cannot = graph
    expected = reference_clusters(ids, edges, threshold, must, cannot)
    contradictory = any(expected[a] == expected[b] for a, b in cannot)
    if contradictory:
        # Only must-links can put a cannot-link pair together: the rule refuses every such edge.
        with pytest.raises(ObservatoryError, match="contradict"):
            cluster_records(ids, scored(*edges), threshold, must_link=must, cannot_link=cannot)
        return
    result = cluster_records(ids, scored(*edges), threshold, must_link=must, cannot_link=cannot)
    clusters = groups(result)
    assert all(clusters[a] != clusters[b] for a, b in cannot)
    assert all(clusters[a] == clusters[b] for a, b in must)
    assert clusters == expected
    sizes = {key: list(clusters.values()).count(key) for key in clusters.values()}
    assert result["cluster_size"].to_pylist() == [sizes[clusters[uid]] for uid in sorted(ids)]
