"""Linkage evaluation against ground truth: hand-computed measures, edge cases and a brute-force check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.errors import ObservatoryError
from observatory.linkage.evaluate import (
    Evaluation,
    evaluate_clusters,
    format_evaluation,
    read_ground_truth,
)


def predicted_table(
    clusters: Mapping[str, str | None],
    uprns: Mapping[str, int | None] | None = None,
    has_address: Mapping[str, bool] | None = None,
) -> pa.Table:
    ids = list(clusters)
    return pa.table(
        {
            "unique_id": pa.array(ids, pa.string()),
            "resident_id": pa.array([clusters[i] for i in ids], pa.string()),
            "uprn": pa.array([(uprns or {}).get(i) for i in ids], pa.int64()),
            "has_address": pa.array([(has_address or {}).get(i, False) for i in ids], pa.bool_()),
        }
    )


def truth_table(people: Mapping[str, str | None], uprns: Mapping[str, int | None] | None = None) -> pa.Table:
    ids = list(people)
    return pa.table(
        {
            "unique_id": pa.array(ids, pa.string()),
            "person_id": pa.array([people[i] for i in ids], pa.string()),
            "uprn": pa.array([(uprns or {}).get(i) for i in ids], pa.int64()),
        }
    )


def clusters_of(groups: dict[str, list[int]]) -> dict[str, str | None]:
    """{"A": [1, 2]} → {"r1": "A", "r2": "A"}."""
    return {f"r{record}": label for label, records in groups.items() for record in records}


# Truth: A = {1, 2, 3}, B = {4, 5}.
TRUTH_AB = clusters_of({"A": [1, 2, 3], "B": [4, 5]})


def test_perfect_clustering_scores_one_everywhere() -> None:
    e = evaluate_clusters(predicted_table(clusters_of({"x": [1, 2, 3], "y": [4, 5]})), truth_table(TRUTH_AB))
    assert (e.records, e.unmatched_records) == (5, 0)
    # C(3,2) + C(2,2) = 3 + 1 pairs on both sides, all shared.
    assert (e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (4, 4, 4)
    for value in (e.pairwise_precision, e.pairwise_recall, e.pairwise_f1, e.bcubed_precision, e.bcubed_recall):
        assert value == 1.0
    assert e.bcubed_f1 == 1.0


def test_everything_in_one_cluster() -> None:
    e = evaluate_clusters(predicted_table(clusters_of({"x": [1, 2, 3, 4, 5]})), truth_table(TRUTH_AB))
    # Predicted pairs C(5,2) = 10; true pairs 3 + 1 = 4, all inside the one cluster.
    assert (e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (4, 10, 4)
    assert e.pairwise_precision == pytest.approx(0.4)
    assert e.pairwise_recall == 1.0
    assert e.pairwise_f1 == pytest.approx(2 * 0.4 / 1.4)
    # B-cubed precision: records 1-3 have 3/5 of their cluster right, records 4-5 2/5:
    # (3 * 3/5 + 2 * 2/5) / 5 = 13/25 = 0.52. Recall: every record's person is all in its cluster.
    assert e.bcubed_precision == pytest.approx(0.52)
    assert e.bcubed_recall == 1.0
    assert e.bcubed_f1 == pytest.approx(2 * 0.52 / 1.52)


def test_all_singletons() -> None:
    e = evaluate_clusters(predicted_table({f"r{i}": f"s{i}" for i in range(1, 6)}), truth_table(TRUTH_AB))
    # No predicted pairs: precision is 1.0 by convention, recall 0 of 4 true pairs, F1 0.
    assert (e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (4, 0, 0)
    assert (e.pairwise_precision, e.pairwise_recall, e.pairwise_f1) == (1.0, 0.0, 0.0)
    # B-cubed recall: records 1-3 find 1/3 of their person, records 4-5 find 1/2: (3/3 + 2/2) / 5 = 0.4.
    assert e.bcubed_precision == 1.0
    assert e.bcubed_recall == pytest.approx(0.4)
    assert e.bcubed_f1 == pytest.approx(2 * 0.4 / 1.4)


def test_classic_merge_of_a_small_person_into_a_large_one() -> None:
    # Bagga and Baldwin's example: truth T1 = {1..5}, T2 = {6, 7}, T3 = {8..12};
    # predicted P1 = {1..5}, P2 = {6..12} (T2 and T3 merged).
    truth = clusters_of({"T1": [1, 2, 3, 4, 5], "T2": [6, 7], "T3": [8, 9, 10, 11, 12]})
    predicted = clusters_of({"P1": [1, 2, 3, 4, 5], "P2": [6, 7, 8, 9, 10, 11, 12]})
    e = evaluate_clusters(predicted_table(predicted), truth_table(truth))
    # True pairs: C(5,2) + C(2,2) + C(5,2) = 10 + 1 + 10 = 21.
    # Predicted pairs: C(5,2) + C(7,2) = 10 + 21 = 31.
    # True positives: P1∩T1 = 5 → 10, P2∩T2 = 2 → 1, P2∩T3 = 5 → 10: 21.
    assert (e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (21, 31, 21)
    assert e.pairwise_precision == pytest.approx(21 / 31)
    assert e.pairwise_recall == 1.0
    # F1 = 2 (21/31) / (21/31 + 1) = 42 / 52 = 21/26.
    assert e.pairwise_f1 == pytest.approx(21 / 26)
    # B-cubed precision: records 1-5: 5/5; 6-7: 2/7; 8-12: 5/7.
    # (5 + 2 * 2/7 + 5 * 5/7) / 12 = (5 + 29/7) / 12 = 64/84 = 16/21. Recall 1; F1 = 32/37.
    assert e.bcubed_precision == pytest.approx(16 / 21)
    assert e.bcubed_recall == 1.0
    assert e.bcubed_f1 == pytest.approx(32 / 37)


def test_split_and_merge_together() -> None:
    # Truth A = {1, 2, 3}, B = {4, 5}; predicted X = {1, 2}, Y = {3, 4, 5}.
    e = evaluate_clusters(predicted_table(clusters_of({"X": [1, 2], "Y": [3, 4, 5]})), truth_table(TRUTH_AB))
    # True pairs 3 + 1 = 4; predicted pairs 1 + 3 = 4; true positives X∩A = {1,2} → 1, Y∩B = {4,5} → 1: 2.
    assert (e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (4, 4, 2)
    assert (e.pairwise_precision, e.pairwise_recall, e.pairwise_f1) == (0.5, 0.5, 0.5)
    # B-cubed precision: 1, 2: 2/2; 3: 1/3; 4, 5: 2/3 → (2 + 1/3 + 4/3) / 5 = 11/15.
    # B-cubed recall: 1, 2: 2/3; 3: 1/3; 4, 5: 2/2 → (4/3 + 1/3 + 2) / 5 = 11/15.
    assert e.bcubed_precision == pytest.approx(11 / 15)
    assert e.bcubed_recall == pytest.approx(11 / 15)
    assert e.bcubed_f1 == pytest.approx(11 / 15)


def test_missing_cluster_ids_are_clusters_of_their_own() -> None:
    # Records 1 and 2 have no resident: they are two singletons, not one cluster "null".
    e = evaluate_clusters(
        predicted_table({"r1": None, "r2": None, "r3": "x", "r4": "x"}),
        truth_table({"r1": "A", "r2": "A", "r3": None, "r4": None}),
    )
    # Predicted pairs: only {3, 4}; true pairs: only {1, 2}; none shared.
    assert (e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (1, 1, 0)
    assert (e.pairwise_precision, e.pairwise_recall) == (0.0, 0.0)


def test_household_accuracy_and_uprn_match_rate_with_nulls() -> None:
    people = {f"r{i}": f"P{i}" for i in range(1, 7)}
    true_uprns: dict[str, int | None] = {"r1": 10, "r2": 11, "r3": 13, "r4": None, "r5": None, "r6": 15}
    assigned: dict[str, int | None] = {"r1": 10, "r2": 12, "r3": None, "r4": 14, "r5": None, "r6": None}
    addressed = {"r1": True, "r2": True, "r3": True, "r4": True, "r5": False, "r6": False}
    e = evaluate_clusters(predicted_table(people, assigned, addressed), truth_table(people, true_uprns))
    # True property known for r1, r2, r3, r6; only r1 got the right UPRN: 1/4.
    assert (e.households_records, e.household_accuracy) == (4, 0.25)
    # Address present for r1-r4; r1, r2 and r4 got a UPRN (right or wrong): 3/4.
    assert (e.address_records, e.uprn_match_rate) == (4, 0.75)


def test_address_rates_with_nothing_to_measure_are_one() -> None:
    e = evaluate_clusters(predicted_table({"r1": "x"}), truth_table({"r1": "A"}))
    assert (e.households_records, e.household_accuracy) == (0, 1.0)
    assert (e.address_records, e.uprn_match_rate) == (0, 1.0)


def test_records_in_only_one_side_are_counted_and_left_out() -> None:
    # "extra" is linked to r1 but has no truth; r3 and r4 were never linked.
    predicted = predicted_table({"r1": "x", "r2": "x", "extra": "x"}, {"r1": 10}, {"r1": True, "extra": True})
    truth = truth_table({"r1": "A", "r2": "B", "r3": "A", "r4": "C"}, {"r1": 10, "r3": 10})
    e = evaluate_clusters(predicted, truth)
    assert (e.records, e.unmatched_records) == (2, 3)
    # Among r1 and r2: one predicted pair (extra is not counted), no true pair.
    assert (e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (0, 1, 0)
    assert (e.pairwise_precision, e.pairwise_recall) == (0.0, 1.0)
    assert (e.households_records, e.address_records) == (1, 1)


def test_no_record_in_common_is_an_error() -> None:
    with pytest.raises(ObservatoryError, match="No linked record is in the ground truth"):
        evaluate_clusters(predicted_table({"a": "x"}), truth_table({"b": "A"}))


def test_repeated_unique_id_is_an_error() -> None:
    truth = pa.concat_tables([truth_table({"r1": "A"}), truth_table({"r1": "B"})])
    with pytest.raises(ObservatoryError, match="truth table has 1 row"):
        evaluate_clusters(predicted_table({"r1": "x"}), truth)


def test_missing_column_is_an_error() -> None:
    with pytest.raises(ObservatoryError, match="has_address"):
        evaluate_clusters(predicted_table({"r1": "x"}).drop_columns(["has_address"]), truth_table({"r1": "A"}))


def test_to_dict_and_format_evaluation() -> None:
    e = evaluate_clusters(predicted_table(clusters_of({"X": [1, 2], "Y": [3, 4, 5]})), truth_table(TRUTH_AB))
    data = e.to_dict()
    assert data["pairwise_precision"] == 0.5
    assert data["records"] == 5
    assert set(data) == set(Evaluation.__dataclass_fields__)
    rows = dict(format_evaluation(e))
    assert rows["Pairwise precision"] == "0.5000"
    assert rows["B-cubed recall"] == "0.7333"
    assert rows["Records evaluated"] == "5"
    assert rows["Household accuracy"] == "1.0000 of 0 records"


def test_format_evaluation_groups_thousands() -> None:
    big = Evaluation(1_234_567, 0, 2_000, 1_500, 1_400, 0.93333, 0.7, 0.8, 0.9, 0.8, 0.85, 0.99, 0.97, 1_000, 1_100)
    rows = dict(format_evaluation(big))
    assert rows["Records evaluated"] == "1,234,567"
    assert rows["Pairwise precision"] == "0.9333"
    assert rows["UPRN match rate"] == "0.9700 of 1,100 records with an address"


# --- read_ground_truth ---------------------------------------------------------------------------

HEADER = "source,dataset,record_key,person_id,household_id,uprn,current_uprn,faults\n"


def write_truth(folder: Path, rows: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.csv").write_text(HEADER + rows, encoding="utf-8")
    return folder


def test_read_ground_truth_keys_duplicates_and_filter(tmp_path: Path) -> None:
    folder = write_truth(
        tmp_path / "ground_truth",
        "asc,clients,0012,P01,H01,990000000238,990000000238,\n"
        "asc,clients,0012,P01,H01,990000000238,990000000238,duplicate_row\n"
        "ctax,accounts,40000001-2,P02,H02,990000000392,990000000392,surname_change;missing_ni_number\n"
        "ctax,accounts,40000001-1,P03,H02,,990000000392,missing_address\n"
        "asc,services,S1,P01,H01,,990000000238,\n"
        "llpg,properties,990000000000,,H05,990000000000,,\n",
    )
    table = read_ground_truth(folder, ["asc.clients", "ctax.accounts"])
    assert table.column_names == ["unique_id", "person_id", "uprn"]
    assert table.schema.field("uprn").type == pa.int64()
    assert table.to_pylist() == [
        # Leading zeros survive; the row exported twice (differing only in faults) is kept once.
        {"unique_id": "asc.clients:0012", "person_id": "P01", "uprn": 990000000238},
        {"unique_id": "ctax.accounts:40000001-1", "person_id": "P03", "uprn": None},
        {"unique_id": "ctax.accounts:40000001-2", "person_id": "P02", "uprn": 990000000392},
    ]
    llpg = read_ground_truth(folder, {"llpg.properties"}).to_pylist()
    assert llpg == [{"unique_id": "llpg.properties:990000000000", "person_id": None, "uprn": 990000000000}]
    assert read_ground_truth(folder, []).num_rows == 0


def test_read_ground_truth_feeds_evaluate_clusters(tmp_path: Path) -> None:
    folder = write_truth(
        tmp_path,
        "ctax,accounts,1-1,P1,H1,100,100,\nctax,accounts,1-2,P1,H1,100,100,\nctax,accounts,2-1,P2,H2,200,200,\n",
    )
    truth = read_ground_truth(folder, ["ctax.accounts"])
    predicted = predicted_table(
        {"ctax.accounts:1-1": "R1", "ctax.accounts:1-2": "R1", "ctax.accounts:2-1": "R1"},
        {"ctax.accounts:1-1": 100, "ctax.accounts:1-2": 100, "ctax.accounts:2-1": 100},
        {"ctax.accounts:1-1": True, "ctax.accounts:1-2": True, "ctax.accounts:2-1": True},
    )
    e = evaluate_clusters(predicted, truth)
    assert (e.records, e.true_pairs, e.predicted_pairs, e.true_positive_pairs) == (3, 1, 3, 1)
    assert e.household_accuracy == pytest.approx(2 / 3)


def test_read_ground_truth_conflicting_duplicates_are_an_error(tmp_path: Path) -> None:
    folder = write_truth(tmp_path, "asc,clients,7,P1,H1,1,1,\nasc,clients,7,P2,H1,1,1,\n")
    with pytest.raises(ObservatoryError, match=r"asc\.clients:7 two different truths"):
        read_ground_truth(folder, ["asc.clients"])


def test_read_ground_truth_bad_uprn_is_an_error(tmp_path: Path) -> None:
    folder = write_truth(tmp_path, "asc,clients,7,P1,H1,not-a-uprn,1,\n")
    with pytest.raises(ObservatoryError, match="uprn that is not a whole number"):
        read_ground_truth(folder, ["asc.clients"])


def test_read_ground_truth_missing_column_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "records.csv").write_text("source,dataset,record_key\nasc,clients,1\n", encoding="utf-8")
    with pytest.raises(ObservatoryError, match="no column person_id, uprn"):
        read_ground_truth(tmp_path, ["asc.clients"])


@pytest.mark.parametrize("make_folder", [False, True])
def test_read_ground_truth_missing_folder_or_file(tmp_path: Path, make_folder: bool) -> None:
    folder = tmp_path / "ground_truth"
    if make_folder:
        folder.mkdir()
    with pytest.raises(ObservatoryError, match=r"only for demo projects.*`observatory demo`"):
        read_ground_truth(folder, ["asc.clients"])


# --- property: SQL agrees with brute force over all pairs -----------------------------------------

labels = st.one_of(st.none(), st.sampled_from("abcde"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(labels, labels), min_size=1, max_size=14))
def test_sql_matches_brute_force(assignments: list[tuple[str | None, str | None]]) -> None:
    ids = [f"r{i}" for i in range(len(assignments))]
    predicted = {i: p for i, (p, _) in zip(ids, assignments, strict=True)}
    truth = {i: t for i, (_, t) in zip(ids, assignments, strict=True)}

    # A record without a label is alone: give it a key no other record has.
    def key(labels: dict[str, str | None], record: str) -> tuple[str, str]:
        label = labels[record]
        return ("label", label) if label is not None else ("alone", record)

    same_predicted = {(a, b) for a, b in combinations(ids, 2) if key(predicted, a) == key(predicted, b)}
    same_truth = {(a, b) for a, b in combinations(ids, 2) if key(truth, a) == key(truth, b)}
    both = same_predicted & same_truth
    precision = Fraction(len(both), len(same_predicted)) if same_predicted else Fraction(1)
    recall = Fraction(len(both), len(same_truth)) if same_truth else Fraction(1)

    predicted_sizes = Counter(key(predicted, r) for r in ids)
    true_sizes = Counter(key(truth, r) for r in ids)
    intersection_sizes = Counter((key(predicted, r), key(truth, r)) for r in ids)
    bcubed_precision = sum(
        Fraction(intersection_sizes[(key(predicted, r), key(truth, r))], predicted_sizes[key(predicted, r)])
        for r in ids
    ) / len(ids)
    bcubed_recall = sum(
        Fraction(intersection_sizes[(key(predicted, r), key(truth, r))], true_sizes[key(truth, r)]) for r in ids
    ) / len(ids)

    e = evaluate_clusters(predicted_table(predicted), truth_table(truth))
    assert e.records == len(ids)
    assert (e.predicted_pairs, e.true_pairs, e.true_positive_pairs) == (len(same_predicted), len(same_truth), len(both))
    assert e.pairwise_precision == pytest.approx(float(precision))
    assert e.pairwise_recall == pytest.approx(float(recall))
    assert e.bcubed_precision == pytest.approx(float(bcubed_precision))
    assert e.bcubed_recall == pytest.approx(float(bcubed_recall))
