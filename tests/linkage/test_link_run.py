"""``observatory link`` end to end on a small demo council: the linked layer, stable ids, review, explain."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from observatory import Observatory
from observatory.build import build
from observatory.cli.main import app
from observatory.demo import generate
from observatory.errors import ObservatoryError
from observatory.linkage.evaluate import evaluate_linked
from observatory.linkage.explain import explain_pair, explain_resident
from observatory.linkage.model import DIAGNOSTICS_DIR, MODEL_FILE
from observatory.linkage.review import decide_pair, list_queue
from observatory.linkage.run import link

RESIDENTS = 2000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("linked") / "council"
    generate(root, residents=RESIDENTS, seed=11)
    with Observatory.open(root) as obs:
        report = build(obs)
        assert report.ok, report.failures
        assert report.linkage is not None and report.linkage.model == "trained"
    return root


@pytest.fixture
def council(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built demo, for tests that change it."""
    root = tmp_path / "council"
    shutil.copytree(built, root)
    return root


def _assignments(obs: Observatory) -> dict[str, str]:
    table = obs.engine.to_arrow(obs.engine.table("linked", "resident_records").select("unique_id", "resident_id"))
    return dict(zip(table["unique_id"].to_pylist(), table["resident_id"].to_pylist(), strict=True))


def _evaluation(obs: Observatory) -> dict[str, object]:
    return evaluate_linked(obs.engine, obs.root / "ground_truth").to_dict()


def test_build_produces_the_linked_layer(built: Path) -> None:
    assert (built / MODEL_FILE).is_file()
    assert json.loads((built / MODEL_FILE).read_text())["comparisons"]
    assert (built / DIAGNOSTICS_DIR / "match_weights.html").is_file()
    with Observatory.open(built) as obs:
        tables = set(obs.engine.list_tables("linked"))
        assert {"person_records", "address_matches", "pairs", "resident_records", "residents"} <= tables
        assert {"golden_provenance", "households", "resident_id_changes"} <= tables
        records = obs.engine.count_rows("linked", "person_records")
        assert obs.engine.count_rows("linked", "resident_records") == records
        residents = obs.engine.count_rows("linked", "residents")
        assert 0 < residents < records
        evaluation = _evaluation(obs)
    assert evaluation["unmatched_records"] == 0  # every record is in the ground truth, by the same id
    assert evaluation["pairwise_precision"] >= 0.97
    assert evaluation["pairwise_recall"] >= 0.95
    assert evaluation["household_accuracy"] >= 0.97


def test_rerun_keeps_every_resident_id(council: Path) -> None:
    with Observatory.open(council) as obs:
        before = _assignments(obs)
        report = link(obs)
        assert report.model == "reused"
        assert report.id_changes == {}
        assert _assignments(obs) == before


def _edit_pupils(council: Path) -> dict[str, str]:
    """Edit 1% of pupils (a surname typo) and add 1% (the same pupils under new ids): new id → original id."""
    path = council / "data" / "schools" / "pupils.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    surname, pupil = header.index("Surname"), header.index("PupilID")
    for row in body[::100]:
        row[surname] += "E"
    added = {}
    copies = [list(row) for row in body[1::100]]
    for number, row in enumerate(copies):
        added[f"schools.pupils:{90000000 + number}"] = f"schools.pupils:{row[pupil]}"
        row[pupil] = str(90000000 + number)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body, *copies])
    return added


@pytest.mark.parametrize("incremental", [False, True])
def test_edited_and_added_records_keep_ids(council: Path, incremental: bool) -> None:
    added = _edit_pupils(council)
    with Observatory.open(council) as obs:
        before = _assignments(obs)
        report = build(obs, linkage=not incremental)
        assert report.ok, report.failures
        if incremental:
            linked = link(obs, incremental=True)
            assert linked.model == "reused"
            assert linked.records["schools.pupils"] == len(added) + sum(
                1 for unique_id in before if unique_id.startswith("schools.pupils:")
            )
        after = _assignments(obs)
    kept = sum(after.get(unique_id) == resident for unique_id, resident in before.items())
    assert kept / len(before) >= 0.99
    # the added pupils are the same children (same UPN): each joins its original record's resident
    joined = sum(after[new] == after[original] for new, original in added.items())
    assert joined == len(added)


def test_review_decisions_are_honoured(council: Path) -> None:
    with Observatory.open(council) as obs:
        before = _assignments(obs)
        by_resident: dict[str, list[str]] = {}
        for unique_id, resident in before.items():
            by_resident.setdefault(resident, []).append(unique_id)
        apart_a, apart_b = sorted(next(ids for ids in by_resident.values() if len(ids) == 2))
        queued = list_queue(obs.meta, limit=1)
        assert queued, "the demo should leave some pairs for review"
        join_a, join_b = str(queued[0]["unique_id_l"]), str(queued[0]["unique_id_r"])
        assert before[join_a] != before[join_b]
        decide_pair(obs.meta, apart_a, apart_b, "not_match", "tester")
        decide_pair(obs.meta, join_a, join_b, "match", "tester")
        report = link(obs)
        after = _assignments(obs)
        assert after[apart_a] != after[apart_b]
        assert after[join_a] == after[join_b]
        assert report.id_changes  # the split and the merge are logged
        changes = obs.engine.to_arrow(obs.engine.table("linked", "resident_id_changes")).to_pylist()
        assert {"split", "merged"} & {row["change"] for row in changes}


def test_explain_pair_adds_up(built: Path) -> None:
    with Observatory.open(built) as obs:
        pair = obs.engine.to_arrow(obs.engine.table("linked", "pairs").limit(1)).to_pylist()[0]
        explained = explain_pair(obs.engine, built, pair["unique_id_r"], pair["unique_id_l"])
        total = explained["prior_weight"] + sum(c["match_weight"] for c in explained["comparisons"])
        assert total == pytest.approx(explained["match_weight"], abs=0.01)
        assert explained["scored_by"] == "link run"
        assert {c["comparison"] for c in explained["comparisons"]} >= {"forename", "surname", "date_of_birth"}
        records = obs.engine.to_arrow(obs.engine.table("linked", "person_records").select("unique_id"))
        first, last = records["unique_id"][0].as_py(), records["unique_id"][-1].as_py()
        unscored = explain_pair(obs.engine, built, first, last)
        assert unscored["scored_by"] == "model, now"
        assert unscored["match_probability"] < 0.5


def test_explain_resident_and_cli(built: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    with Observatory.open(built) as obs:
        members = obs.engine.table("linked", "resident_records")
        resident = obs.engine.to_arrow(
            members.filter(members.cluster_size > 1).select("resident_id").order_by("resident_id").limit(1)
        )["resident_id"][0].as_py()
        explained = explain_resident(obs.engine, built, resident)
    assert len(explained["records"]) > 1 and explained["pairs"]
    chart = tmp_path / "resident.json"
    result = runner.invoke(app, ["link", "explain", "--resident", resident, "--chart", str(chart), "-p", str(built)])
    assert result.exit_code == 0, result.output
    assert "vconcat" in json.loads(chart.read_text()) or "layer" in json.loads(chart.read_text())
    result = runner.invoke(app, ["link", "evaluate", "--json", "-p", str(built)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pairwise_f1"] > 0.95
    result = runner.invoke(app, ["link", "explain", "--resident", "R99999999", "-p", str(built)])
    assert result.exit_code == 2
    assert "no resident" in result.output


def test_explain_scores_any_pair_even_without_dates_of_birth(built: Path) -> None:
    with Observatory.open(built) as obs:
        records = obs.engine.table("linked", "person_records")
        undated = obs.engine.to_arrow(
            records.filter(records.date_of_birth.isnull()).select("unique_id").order_by("unique_id").limit(2)
        )["unique_id"].to_pylist()
        assert len(undated) == 2, "the demo leaves some dates of birth out"
        explained = explain_pair(obs.engine, built, undated[0], undated[1])
    assert explained["scored_by"] in ("model, now", "link run")
    levels = {c["comparison"]: c["level"] for c in explained["comparisons"]}
    assert "NULL" in levels["date_of_birth"]  # no date: the comparison says so and weighs nothing
    total = explained["prior_weight"] + sum(c["match_weight"] for c in explained["comparisons"])
    assert total == pytest.approx(explained["match_weight"], abs=0.01)


def test_a_decision_about_a_deleted_record_does_not_stop_linking(council: Path) -> None:
    with Observatory.open(council) as obs:
        before = _assignments(obs)
        decide_pair(obs.meta, "schools.pupils:50000000", "schools.pupils:gone", "not_match", "tester")
        decide_pair(obs.meta, "schools.pupils:gone", "asc.clients:gone", "match", "tester")
        report = link(obs)
        assert report.id_changes == {}
        assert _assignments(obs) == before
        with pytest.raises(ObservatoryError, match="cannot retrain"):
            link(obs, incremental=True, retrain=True)


def test_addresses_for_stewards(built: Path) -> None:
    result = CliRunner().invoke(app, ["link", "addresses", "--json", "--limit", "500", "-p", str(built)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    with Observatory.open(built) as obs:
        matches = obs.engine.to_arrow(obs.engine.table("linked", "address_matches"))
    statuses = matches["status"].to_pylist()
    assert data["counts"] == {status: statuses.count(status) for status in set(statuses)}
    listed = sum(row["records"] for row in data["addresses"])
    assert listed == statuses.count("ambiguous") + statuses.count("unmatched")
    assert {row["status"] for row in data["addresses"]} <= {"ambiguous", "unmatched"}
    assert [row["records"] for row in data["addresses"]] == sorted(
        (row["records"] for row in data["addresses"]), reverse=True
    )


def test_a_wrong_survivorship_rule_stops_before_anything_is_written(council: Path) -> None:
    config = council / "observatory.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["linkage"]["survivorship"] = {"shoe_size": ["trusted"]}
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with Observatory.open(council) as obs:
        before = _assignments(obs)
        pairs_before = obs.engine.count_rows("linked", "pairs")
        with pytest.raises(ObservatoryError, match="shoe_size"):
            link(obs)
        assert _assignments(obs) == before
        assert obs.engine.count_rows("linked", "pairs") == pairs_before
