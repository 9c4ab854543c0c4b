"""Why two records are (or are not) the same resident: each comparison's contribution to the match weight.

A pair's match weight is the prior (how likely two random records match, as a weight) plus one weight per
comparison; the probability is ``2**w / (1 + 2**w)``. Pairs the run scored are read from ``linked.pairs``;
any other pair is scored now with the saved model, so every pair can be explained.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import altair as alt
import ibis
import pyarrow as pa

from observatory.engine import Engine
from observatory.errors import NotFoundError
from observatory.linkage.model import MODEL_FILE, TF_COLUMNS
from observatory.linkage.scoring import load_model, pairs_sql, records_with_ids, scoring_settings, splink_session
from observatory.linkage.tables import LAYER, PAIRS, PERSON_RECORDS, RESIDENT_RECORDS


def level_labels(settings: dict[str, Any]) -> dict[tuple[str, int], str]:
    """(comparison, gamma) → the level's label, from a saved model."""
    labels: dict[tuple[str, int], str] = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        name = comparison["output_column_name"]
        gamma = len([level for level in levels if not level.get("is_null_level")]) - 1
        for level in levels:
            label = level.get("label_for_charts") or level["sql_condition"]
            if level.get("is_null_level"):
                labels[(name, -1)] = label
            else:
                labels[(name, gamma)] = label
                gamma -= 1
    return labels


def prior_weight(settings: dict[str, Any]) -> float:
    """The match weight before any comparison: log2 of the prior odds that two records match."""
    lam = float(settings["probability_two_random_records_match"])
    return math.log2(lam / (1 - lam))


Labels = dict[tuple[str, int], str]


def comparison_rows(row: dict[str, Any], settings: dict[str, Any], labels: Labels) -> list[dict[str, Any]]:
    """One scored pair's comparisons (a row of ``linked.pairs``): name, level label and match weight."""
    rows = []
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        level = int(row[f"{name}__level"])
        rows.append(
            {
                "comparison": name,
                "level": labels.get((name, level), str(level)),
                "match_weight": round(float(row[f"{name}__weight"]), 4),
            }
        )
    return rows


def _breakdown(row: dict[str, Any], settings: dict[str, Any], labels: Labels | None = None) -> dict[str, Any]:
    return {
        "unique_id_l": row["unique_id_l"],
        "unique_id_r": row["unique_id_r"],
        "match_weight": round(float(row["match_weight"]), 4),
        "match_probability": float(row["match_probability"]),
        "prior_weight": round(prior_weight(settings), 4),
        "comparisons": comparison_rows(row, settings, labels or level_labels(settings)),
    }


def explain_pair(engine: Engine, root: Path, first: str, second: str) -> dict[str, Any]:
    """The match-weight breakdown of two records, by ``unique_id``."""
    settings = load_model(root / MODEL_FILE)
    left, right = sorted((first, second))
    _require(engine, PERSON_RECORDS)
    pairs = engine.table(LAYER, PAIRS)
    rows = engine.to_arrow(pairs.filter((pairs.unique_id_l == left) & (pairs.unique_id_r == right))).to_pylist()
    if rows:
        return {**_breakdown(rows[0], settings), "scored_by": "link run"}
    found = records_with_ids(engine, [left, right])
    present = set(found["unique_id"].to_pylist())
    for unique_id in (left, right):
        if unique_id not in present:
            raise NotFoundError(f"no person record {unique_id!r} in {LAYER}.{PERSON_RECORDS}")
    return {**_score_now(engine, settings, found), "scored_by": "model, now"}


def _score_now(engine: Engine, settings: dict[str, Any], pair: pa.Table) -> dict[str, Any]:
    """Score two records with the saved model, term frequencies from every record (as a link run has them)."""
    from splink import Linker

    with splink_session(engine) as splink:
        scoring = scoring_settings(settings, splink.dialect)
        linker = Linker(splink.records, scoring, splink.api, set_up_basic_logging=False)
        for column in TF_COLUMNS:
            linker.table_management.compute_tf_table(column)
        left = splink.frame("explain_left", pair.slice(0, 1))
        right = splink.frame("explain_right", pair.slice(1, 1))
        scored = linker.inference.compare_two_records(left, right)
        row = splink.run(pairs_sql(scored.physical_name, scoring["comparisons"])).to_pylist()[0]
    return _breakdown(row, settings)


def _require(engine: Engine, table: str) -> None:
    if not engine.exists(LAYER, table):
        raise NotFoundError(f"{LAYER}.{table} does not exist yet: run `observatory link` first")


def explain_resident(engine: Engine, root: Path, resident_id: str) -> dict[str, Any]:
    """A resident's records and every scored pair among them, each with its breakdown."""
    settings = load_model(root / MODEL_FILE)
    _require(engine, RESIDENT_RECORDS)
    members = engine.table(LAYER, RESIDENT_RECORDS)
    records = engine.to_arrow(
        members.filter(members.resident_id == resident_id).select("unique_id", "probability").order_by("unique_id")
    ).to_pylist()
    if not records:
        raise NotFoundError(f"no resident {resident_id!r} in {LAYER}.{RESIDENT_RECORDS}")
    ids = [r["unique_id"] for r in records]
    pairs = engine.table(LAYER, PAIRS)
    edges = engine.to_arrow(
        pairs.filter(pairs.unique_id_l.isin(ids) & pairs.unique_id_r.isin(ids)).order_by(
            [ibis.desc("match_weight"), "unique_id_l", "unique_id_r"]
        )
    ).to_pylist()
    labels = level_labels(settings)
    return {
        "resident_id": resident_id,
        "records": records,
        "pairs": [_breakdown(row, settings, labels) for row in edges],
    }


def waterfall_chart(explanation: dict[str, Any]) -> alt.LayerChart:
    """A waterfall of one pair's match weight: the prior, then each comparison, then the total."""
    steps = [("prior", "two random records", explanation["prior_weight"])]
    steps += [(c["comparison"], c["level"], c["match_weight"]) for c in explanation["comparisons"]]
    rows, total = [], 0.0
    for order, (name, level, weight) in enumerate(steps):
        rows.append({"order": order, "step": name, "level": level, "start": total, "end": total + weight, "w": weight})
        total += weight
    rows.append({"order": len(rows), "step": "total", "level": "", "start": 0.0, "end": total, "w": total})
    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    x = alt.X("step:N", sort=alt.SortField("order"), title=None)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("start:Q", title="match weight"),
            y2="end:Q",
            color=alt.condition("datum.w >= 0", alt.value("#00703c"), alt.value("#d4351c")),
            tooltip=["step:N", "level:N", "w:Q"],
        )
    )
    text = alt.Chart(data).mark_text(dy=-6).encode(x=x, y="end:Q", text=alt.Text("w:Q", format=".2f"))
    title = f"{explanation['unique_id_l']} vs {explanation['unique_id_r']}: p = {explanation['match_probability']:.4f}"
    chart: alt.LayerChart = (bars + text).properties(title=title, width=480)
    return chart
