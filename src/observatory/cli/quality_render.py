"""``observatory quality`` for people: one line per dataset, or one dataset in detail (``--json`` is the report)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from observatory.cli.output import console
from observatory.quality.html import scale_range, share, signed_points
from observatory.quality.measures import DIMENSIONS

LEVEL_STYLE = {"high": "bold green", "medium": "bold yellow", "low": "bold red"}
BARS = "▁▂▃▄▅▆▇█"


def _level(level: str | None) -> str:
    return f"[{LEVEL_STYLE[level]}]{level}[/]" if level else "[dim]not measured[/]"


def _share(value: float | None) -> str:
    return "[dim]–[/]" if value is None else share(value)


def _change(value: float | None) -> str:
    text = signed_points(value)
    if text.startswith("+"):
        return f"[green]{text}[/]"
    if text and text != "0.0":
        return f"[red]{text}[/]"
    return text


def spark(values: list[float | None]) -> str:
    """A text sparkline: one block per value on the same scale as the HTML report's; a gap is a space."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = scale_range(known)
    top = len(BARS) - 1
    return "".join(" " if v is None else BARS[round((v - low) / (high - low) * top)] for v in values)


def _values(points: list[dict[str, Any]]) -> list[float | None]:
    return [p["value"] for p in points]


def render_quality(report: dict[str, Any], detailed: bool = False) -> None:
    """The overview table; with ``detailed``, every dataset in full after it."""
    if not report["datasets"]:
        console.print("No dataset has a quality snapshot yet: run [bold]observatory build[/].")
        return
    table = Table(title=f"Data quality{': ' + escape(report['title']) if report['title'] else ''}")
    table.add_column("dataset")
    table.add_column("score", justify="right")
    table.add_column("confidence")
    for dimension in DIMENSIONS:
        table.add_column(dimension[:5] + ".", justify="right")
    table.add_column("change", justify="right")
    table.add_column("alerts", justify="right")
    for d in report["datasets"]:
        if not d["measured"]:
            table.add_row(escape(d["dataset"]), "", _level(None), *[""] * len(DIMENSIONS), "", "")
            continue
        scores = {s["dimension"]: s["score"] for s in d["dimensions"]}
        table.add_row(
            escape(d["dataset"]),
            _share(d["score"]),
            _level(d["confidence"]),
            *[_share(scores[dimension]) for dimension in DIMENSIONS],
            _change(d["change"]),
            f"[red]{len(d['alerts'])}[/]" if d["alerts"] else "0",
        )
    console.print(table)
    if detailed:
        for d in report["datasets"]:
            render_dataset(d)


def render_dataset(d: dict[str, Any]) -> None:
    """One dataset: statement, dimensions, measures, rule results, alerts, failing rows, trends."""
    console.print()
    if not d["measured"]:
        console.print(f"[bold]{escape(d['dataset'])}[/]: not measured yet (run [bold]observatory build[/]).")
        return
    console.print(
        f"[bold]{escape(d['dataset'])}[/]: score {_share(d['score'])}, confidence {_level(d['confidence'])}; "
        f"{d['rows']:,} rows measured {d['measured_at'][:16].replace('T', ' ')} UTC (run {d['run_id']}); "
        f"owner: {escape(d['owner'] or 'none declared')}",
        highlight=False,
    )
    console.print(escape(d["statement"]), highlight=False)
    _dimensions(d)
    _measures(d)
    _rules(d)
    _alerts(d)
    _samples(d)
    _trends(d)


def _dimensions(d: dict[str, Any]) -> None:
    table = Table(title="Dimensions", title_justify="left")
    for column in ("dimension", "score", "change", "trend"):
        table.add_column(column, justify="right" if column in ("score", "change") else "left")
    for s in d["dimensions"]:
        trend = spark(_values(d["trends"]["dimensions"][s["dimension"]]))
        table.add_row(s["dimension"], _share(s["score"]), _change(s["change"]), trend)
    table.add_row("[bold]score[/]", _share(d["score"]), _change(d["change"]), spark(_values(d["trends"]["score"])))
    console.print(table)


def _measures(d: dict[str, Any]) -> None:
    table = Table(title="Measures (* counts in the score)", title_justify="left")
    for column in ("measure", "dimension", "passed", "of", "value", "change"):
        table.add_column(column, justify="right" if column in ("passed", "of", "value", "change") else "left")
    for m in d["measures"]:
        table.add_row(
            ("* " if m["key"] else "  ") + escape(m["label"]),
            m["dimension"],
            f"{m['passed']:,}",
            f"{m['total']:,}",
            _share(m["value"]),
            _change(m["change"]),
        )
    console.print(table)


def _rules(d: dict[str, Any]) -> None:
    if not d["rules"]:
        return
    table = Table(title="Rule results", title_justify="left")
    for column in ("rule", "checks", "failing", "of", "met"):
        table.add_column(column, justify="right" if column in ("failing", "of", "met") else "left")
    for r in d["rules"]:
        failing = f"[red]{r['failed']:,}[/]" if r["failed"] else "0"
        table.add_row(escape(r["label"]), escape(r["description"]), failing, f"{r['total']:,}", _share(r["value"]))
    console.print(table)


def _alerts(d: dict[str, Any]) -> None:
    if not d["alerts"]:
        console.print("No open alerts.")
        return
    console.print(f"[bold red]Open alerts ({len(d['alerts'])})[/]")
    for a in d["alerts"]:
        owner = a["owner"] or "no owner declared"
        console.print(f"  • {escape(a['message'])} [dim](raised {a['raised_at'][:10]}, for {escape(owner)})[/]")


def _samples(d: dict[str, Any]) -> None:
    for s in d["samples"]:
        if not s["rows"]:
            continue
        table = Table(title=f"Failing rows: {escape(s['label'])}", title_justify="left")
        for column in s["columns"]:
            table.add_column(escape(column) + (" (masked)" if column in s["masked"] else ""))
        for row in s["rows"]:
            table.add_row(*["[dim]missing[/]" if row.get(c) is None else escape(str(row[c])) for c in s["columns"]])
        console.print(table)


def _trends(d: dict[str, Any]) -> None:
    if not d["trends"]["measures"]:
        return
    table = Table(title="Critical fields over recent snapshots", title_justify="left")
    for column in ("measure", "first", "latest", "trend"):
        table.add_column(column, justify="right" if column in ("first", "latest") else "left")
    for t in d["trends"]["measures"]:
        values = _values(t["points"])
        first, last = (values[0], values[-1]) if values else (None, None)
        table.add_row(escape(t["label"]), _share(first), _share(last), spark(values))
    console.print(table)
