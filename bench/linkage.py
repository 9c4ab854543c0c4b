"""Benchmark: the single view of the resident, end to end, against a plain Splink run on the same data.

A demo council of ``--residents`` is generated and loaded (ingest is not timed). Then, each in its own
process with peak resident memory summed over the process tree:

- **Observatory**: ``standardise`` of every dataset (the gazetteer first) and ``observatory link``
  with a freshly trained model: person records, addresses to UPRN, blocking, EM training, prediction,
  clustering with constraints, stable ids, households, golden records and the review queue.
- **Plain Splink** (the strongest alternative, and the floor for the same work): the same Splink
  settings on the same prepared records (``linked.person_records`` with its UPRNs, written to Parquet
  by the Observatory run), trained the same way, predicted and clustered at the same threshold with
  Splink's own connected components, in a fresh in-memory DuckDB.

The ratio of the two is the overhead Observatory adds (address matching, ids, golden records, the
queue and writing the linked layer included). Precision and recall of the Observatory run against
the ground truth are reported at the same scale.

    .venv/bin/python bench/linkage.py [--residents 1000000] [--no-record]

A dated section is appended to bench/RESULTS.md unless ``--no-record``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"


def _observatory(root: str) -> dict[str, Any]:
    from observatory import Observatory
    from observatory.linkage.run import link
    from observatory.standards.layer import standardise, standardise_order

    with Observatory.open(root) as obs:
        datasets = [d for d in standardise_order(obs, obs.project.all_datasets()) if obs.engine.exists("raw", d.table)]
        started = time.perf_counter()
        for dataset in datasets:
            standardise(obs, dataset)
        standard = time.perf_counter() - started
        report = link(obs, retrain=True)
        total = time.perf_counter() - started
        obs.engine.connection.execute(  # type: ignore[attr-defined]
            f"COPY linked.person_records TO '{Path(root) / 'person_records.parquet'}' (FORMAT parquet)"
        )
    return {"seconds": total, "standard": standard, "link": report.seconds, "records": sum(report.records.values())}


def _splink(root: str) -> dict[str, Any]:
    import duckdb
    from splink import DuckDBAPI, Linker

    from observatory.config.models import LinkThresholdsSpec
    from observatory.linkage import model

    con = duckdb.connect()
    con.execute(f"CREATE TABLE records AS SELECT * FROM '{Path(root) / 'person_records.parquet'}'")
    started = time.perf_counter()
    records: Any = con.table("records")
    linker = Linker(records, model.settings(), DuckDBAPI(connection=con), set_up_basic_logging=False)
    model.train(linker)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, LinkThresholdsSpec().match)
    rows = clusters.as_duckdbpyrelation().count("*").fetchone()
    return {"seconds": time.perf_counter() - started, "clustered": rows[0] if rows else 0}


def _evaluate(root: str) -> dict[str, Any]:
    from observatory import Observatory
    from observatory.linkage.evaluate import evaluate_linked

    with Observatory.open(root) as obs:
        return evaluate_linked(obs.engine, Path(root) / "ground_truth").to_dict()


EDITED_FILES = {
    "ctax/accounts.csv": ("windows-1252", "Account Ref", "Name"),
    "asc/clients.csv": ("utf-8", "Person ID", "Name"),
    "csc/children.csv": ("utf-8", "ChildID", "Surname"),
    "schools/pupils.csv": ("utf-8", "PupilID", "Surname"),
}
"""The CSV extracts the stability step edits: (encoding, key column, column given a typo). With the housing
workbook left alone they hold about 85% of the person records."""


def _edit_extract(path: Path, encoding: str, key: str, column: str) -> tuple[int, int]:
    """Give 1% of the rows a typo in ``column`` and add 1% as copies under new keys; keep any title lines."""
    import csv
    import io

    text = path.read_text(encoding=encoding)
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(key + ","))
    rows = list(csv.reader(io.StringIO("".join(lines[start:]))))
    header, body = rows[0], rows[1:]
    for row in body[::100]:
        row[header.index(column)] += "E"
    copies = [list(row) for row in body[1::100]]
    for number, row in enumerate(copies):
        row[header.index(key)] = f"9{number:08d}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows([header, *body, *copies])
    path.write_text("".join(lines[:start]) + out.getvalue(), encoding=encoding, newline="")
    return len(body[::100]), len(copies)


def _stability(root: str) -> dict[str, Any]:
    """Edit 1% and add 1% of the records of ``EDITED_FILES`` in a copy, rebuild, count resident ids kept."""
    import shutil

    from observatory import Observatory
    from observatory.build import build

    copy = Path(root).with_name(Path(root).name + "-edited")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)
    edited = added = 0
    for name, (encoding, key, column) in EDITED_FILES.items():
        done = _edit_extract(copy / "data" / name, encoding, key, column)
        edited, added = edited + done[0], added + done[1]
    with Observatory.open(copy) as obs:
        ids = obs.engine.table("linked", "resident_records").select("unique_id", "resident_id")
        before = dict(zip(*obs.engine.to_arrow(ids).columns, strict=True))
        started = time.perf_counter()
        report = build(obs)
        seconds = time.perf_counter() - started
        if not report.ok:
            raise SystemExit(f"rebuild failed: {report.failures}")
        after = dict(zip(*obs.engine.to_arrow(ids).columns, strict=True))
    kept = sum(after.get(unique_id) == resident for unique_id, resident in before.items())
    shutil.rmtree(copy, ignore_errors=True)
    return {
        "records": len(before),
        "edited": edited,
        "added": added,
        "kept": kept / len(before),
        "rebuild_seconds": seconds,
        "changes": report.linkage.id_changes if report.linkage else {},
    }


def _measured(step: str, root: str) -> dict[str, Any]:
    """Run ``step`` in a child process; its result plus peak memory of the process tree."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--step", step, "--root", root], stdout=subprocess.PIPE, text=True
    )
    process, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.2)
    out = child.stdout.read() if child.stdout else ""
    if child.returncode:
        raise SystemExit(f"{step} failed with exit code {child.returncode}")
    return {**json.loads(out.strip().splitlines()[-1]), "peak_gib": peak / 2**30}


def _prepare(residents: int) -> str:
    from observatory import Observatory
    from observatory.build import build
    from observatory.demo import generate

    root = OUT / f"linkage-{residents}"
    if not (root / "observatory.yml").is_file():
        generate(root, residents=residents, seed=42)
    with Observatory.open(root) as obs:
        report = build(obs, linkage=False)
        if not report.ok:
            raise SystemExit(f"build failed: {report.failures}")
    return str(root)


def _child(step: str, root: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, "--step", step, "--root", root], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{step} failed: {result.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--step", choices=["observatory", "splink", "evaluate", "stability"])
    parser.add_argument("--root")
    args = parser.parse_args()
    if args.step:
        step = {"observatory": _observatory, "splink": _splink, "evaluate": _evaluate, "stability": _stability}[
            args.step
        ]
        print(json.dumps(step(args.root)))
        return
    root = _prepare(args.residents)
    ours = _measured("observatory", root)
    plain = _measured("splink", root)
    quality = _child("evaluate", root)
    stable = _child("stability", root)
    ratio = ours["link"]["pairs"] / plain["seconds"] if plain["seconds"] else float("nan")
    lines = [
        f"## {datetime.now(UTC).date().isoformat()} linkage: {ours['records']:,} person records "
        f"({args.residents:,} residents), {platform.machine()}, {psutil.cpu_count()} cores",
        "",
        "| | wall time | peak memory |",
        "|---|---|---|",
        f"| Observatory: standardise + link, end to end | {ours['seconds']:.1f} s | {ours['peak_gib']:.2f} GiB |",
        f"| of which standard layer | {ours['standard']:.1f} s | |",
        *(f"| of which link: {name} | {seconds:.1f} s | |" for name, seconds in ours["link"].items()),
        f"| plain Splink: train, predict, cluster (same settings, same records) | {plain['seconds']:.1f} s "
        f"| {plain['peak_gib']:.2f} GiB |",
        "",
        f"Overhead on the Splink work (Observatory's pairs step, training and prediction, ÷ plain Splink): "
        f"{ratio:.2f}×. Whole link step ÷ plain Splink: {sum(ours['link'].values()) / plain['seconds']:.2f}×.",
        f"Pairwise precision {quality['pairwise_precision']:.4f}, recall {quality['pairwise_recall']:.4f}, "
        f"F1 {quality['pairwise_f1']:.4f}; B-cubed precision {quality['bcubed_precision']:.4f}, recall "
        f"{quality['bcubed_recall']:.4f}; household accuracy {quality['household_accuracy']:.4f}; UPRN match rate "
        f"{quality['uprn_match_rate']:.4f}.",
        f"Stable ids: {stable['edited']:,} records edited (a surname or name typo) and {stable['added']:,} added "
        f"(the same people under new keys) in council tax, adult and children's social care and the school "
        f"census; after the rebuild "
        f"({stable['rebuild_seconds']:.1f} s), {stable['kept']:.2%} of {stable['records']:,} records kept their "
        f"resident_id; id changes: {stable['changes'] or 'none'}.",
        "",
    ]
    print("\n".join(lines))
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
