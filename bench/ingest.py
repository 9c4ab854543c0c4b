"""Benchmark: `observatory ingest` of a 5,000,000-row, 20-column CSV against DuckDB's own read_csv.

Both run as separate processes on the same file, median of 3, with peak resident memory summed
over each process tree (sampled every 20 ms). The baseline is the strongest alternative: DuckDB's parallel CSV reader writing a
table of all-text columns into a database file (``read_csv(..., all_varchar = true)``).
Observatory does more in that time (sha256, full UTF-8 check, header detection, rejects with
line numbers, blank-row accounting, versioning, metadata), so the ratio is what it costs.

Also measures the demo generator: residents per second and peak memory for 1,000,000 residents.

    .venv/bin/python bench/ingest.py [--rows 5000000] [--residents 1000000] [--repeat 3]

Appends a dated section to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"
OBSERVATORY = [sys.executable, "-m", "observatory.cli"]

BASELINE = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [sys.argv[1]])
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
"""


def make_csv(path: Path, rows: int) -> None:
    """A realistic council extract: ids with leading zeros, names, UK dates, quoted amounts and notes."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(
        f"""COPY (SELECT lpad((i * 7919 % 100000000)::VARCHAR, 10, '0') AS person_ref,
        'Forename' || (i % 5000) AS forename, 'Surname ' || (i % 20000) AS surname,
        strftime(DATE '1930-01-01' + (i % 30000)::INT, '%d/%m/%Y') AS date_of_birth,
        CASE i % 3 WHEN 0 THEN 'M' WHEN 1 THEN 'F' ELSE 'U' END AS sex,
        (i % 500)::VARCHAR || ' High Street' AS address_1, 'Flat ' || (i % 7) AS address_2,
        'Demotown' AS town, 'AB1' || (i % 10)::VARCHAR || ' ' || (i % 9)::VARCHAR || 'XY' AS postcode,
        lpad((100000000 + i)::VARCHAR, 12, '0') AS uprn, format('{{:,.2f}}', (i % 100000) / 3.0) AS amount,
        CASE WHEN i % 11 = 0 THEN 'said "hello", left' ELSE 'note ' || i END AS note,
        strftime(TIMESTAMP '2020-01-01' + to_seconds(i), '%Y-%m-%d %H:%M:%S') AS created_at,
        (i % 13 = 0)::VARCHAR AS flag, 'SC' || (i % 40) AS service_code, md5(i::VARCHAR)[1:12] AS case_ref,
        (i % 100)::VARCHAR AS team, '07' || lpad((i % 1000000000)::VARCHAR, 9, '0') AS phone,
        'person' || i || '@example.org' AS email, 'E0' || lpad((i % 100000)::VARCHAR, 7, '0') AS lsoa
        FROM range({rows}) t(i)) TO '{path}' (HEADER)"""
    )


def _tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants (worker processes included)."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of a command, summed over its process tree.

    Memory is sampled every 20 ms.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(watched))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}")
    return seconds, peak


def bench_ingest(csv: Path, repeat: int) -> dict[str, list[tuple[float, int]]]:
    results: dict[str, list[tuple[float, int]]] = {"duckdb": [], "observatory": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(dir=OUT) as work:
            results["duckdb"].append(run([sys.executable, "-c", BASELINE, str(csv), f"{work}/baseline.duckdb"]))
        with tempfile.TemporaryDirectory(dir=OUT) as work:
            subprocess.run([*OBSERVATORY, "init", f"{work}/p"], check=True, stdout=subprocess.DEVNULL)
            results["observatory"].append(run([*OBSERVATORY, "ingest", str(csv), "-p", f"{work}/p"]))
    return results


def bench_generator(residents: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(dir=OUT) as work:
        return run([*OBSERVATORY, "generate", f"{work}/demo", "--residents", str(residents), "--seed", "1"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    csv = OUT / f"bench_{args.rows}.csv"
    make_csv(csv, args.rows)
    size = csv.stat().st_size
    ingest = bench_ingest(csv, args.repeat)
    median = {name: statistics.median(s for s, _ in runs) for name, runs in ingest.items()}
    peak = {name: max(m for _, m in runs) for name, runs in ingest.items()}
    gen_seconds, gen_peak = bench_generator(args.residents)
    ratio = median["observatory"] / median["duckdb"]
    gib = 1024**3
    section = f"""
## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — ingest and generator

Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, duckdb {duckdb.__version__}.

| what | median of {args.repeat} (s) | runs (s) | peak memory |
|---|---|---|---|
| DuckDB `read_csv(all_varchar)` into a table ({args.rows:,} rows × 20 columns, {size / 1e9:.2f} GB) | {median["duckdb"]:.2f} | {", ".join(f"{s:.2f}" for s, _ in ingest["duckdb"])} | {peak["duckdb"] / gib:.2f} GiB |
| `observatory ingest` of the same file | {median["observatory"]:.2f} | {", ".join(f"{s:.2f}" for s, _ in ingest["observatory"])} | {peak["observatory"] / gib:.2f} GiB |

Ratio observatory / DuckDB: **{ratio:.2f}×** (target ≤ 1.25×); Observatory peak memory {peak["observatory"] / gib:.2f} GiB (target ≤ 2 GiB).

Generator: {args.residents:,} residents in {gen_seconds:.1f} s = **{args.residents / gen_seconds:,.0f} residents/s**, peak memory {gen_peak / gib:.2f} GiB.
"""
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nDated results of `bench/` scripts; newest last.\n", encoding="utf-8")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(section)
    sys.stdout.write(section)
    shutil.rmtree(OUT / "tmp", ignore_errors=True)


if __name__ == "__main__":
    main()
