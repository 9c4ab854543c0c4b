"""Human renderings of reports (the ``--json`` forms are the dicts themselves)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from observatory.cli.output import console
from observatory.ingest.loads import LoadResult


def _n(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def render_load(result: LoadResult) -> None:
    if result.status == "unchanged":
        console.print(
            f"[bold]{result.source}.{result.dataset}[/]: unchanged since load {result.load_id} "
            "(same file; use --force to load it again)"
        )
        return
    console.print(f"[bold]{result.source}.{result.dataset}[/] ← {result.file}")
    console.print(f"  load {result.load_id} → raw.{result.source}__{result.dataset} in {result.seconds:.2f} s")
    console.print(
        f"  rows read {_n(result.rows_read)} = loaded {_n(result.rows_loaded)} + rejected "
        f"{_n(result.rows_rejected)}; blank rows dropped {_n(result.blank_rows_dropped)}; "
        f"empty columns dropped {_n(result.empty_columns_dropped)}"
    )
    render_detection(result.detection)


def render_detection(detection: dict[str, Any]) -> None:
    for key in ("format", "encoding", "delimiter", "sheet", "header_lines", "data_start_line"):
        if key in detection and detection[key] not in (None, ""):
            console.print(
                f"  {key.replace('_', ' ')}: {detection[key]!r}"
                if key == "delimiter"
                else f"  {key.replace('_', ' ')}: {detection[key]}"
            )
    for note in detection.get("notes", []):
        console.print(f"  · {note}", highlight=False)


def render_inspect(report: dict[str, Any]) -> None:
    console.print(f"[bold]{report['file']}[/]")
    render_detection(report)
    if report.get("sheets"):
        console.print(
            "  sheets: "
            + ", ".join(
                f"{s['name']}" + (f" ({s['state']})" if s.get("state") != "visible" else "") for s in report["sheets"]
            )
        )
    console.print(f"  columns ({len(report['columns'])}): " + ", ".join(report["columns"]), highlight=False)
    console.print(
        f"  rows read {_n(report['rows_read'])}: ok {_n(report['rows_ok'])}, rejected "
        f"{_n(report['rows_rejected'])}; blank rows dropped {_n(report['blank_rows_dropped'])}; "
        f"exact duplicate rows {_n(report['duplicate_rows'])}"
    )
    if report["empty_columns_dropped"]:
        console.print(f"  empty trailing columns dropped: {len(report['empty_columns_dropped'])}")
    for reject in report["rejects"]:
        console.print(f"  [red]line {reject['line']}[/]: {reject['reason']}", highlight=False)
    if report["cell_error_count"]:
        console.print(
            f"  spreadsheet error cells: {report['cell_error_count']} "
            + ", ".join(f"{e['cell']}={e['error']}" for e in report["cell_errors"][:10])
        )


def render_status(status: dict[str, Any]) -> None:
    table = Table(title=f"{status['project']} ({status['engine']})")
    for column in ("dataset", "load", "file", "rows loaded", "rejected", "loaded at", "latest attempt"):
        table.add_column(column, justify="right" if column in ("load", "rows loaded", "rejected") else "left")
    for d in status["datasets"]:
        current, latest = d["current"], d["latest"]
        attempt = ""
        if latest and latest["status"] == "failed":
            attempt = f"[red]failed[/]: {latest['error']}"
        elif latest:
            attempt = latest["status"]
        table.add_row(
            f"{d['source']}.{d['dataset']}",
            str(current["load_id"]) if current else "",
            current["file"] if current else "[yellow]not loaded[/]",
            _n(current["rows_loaded"]) if current else "",
            _n(current["rows_rejected"]) if current else "",
            (current["finished_at"] or "")[:19].replace("T", " ") if current else "",
            attempt,
        )
    console.print(table)
