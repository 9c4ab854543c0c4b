"""``observatory metrics``: governed KPIs with their latest value, target, SPC signal, status, confidence and
forecast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from observatory.catalogue.populate import populate
from observatory.cli.options import JsonOption, ProjectOption
from observatory.cli.output import console, emit, user_errors
from observatory.config.kpi_models import KpiSpec
from observatory.errors import NotFoundError, ObservatoryError
from observatory.metrics.charts import Fan, forecast_chart_svg, points_from_rows, spc_chart_svg, svg_to_png
from observatory.metrics.forecast import Scenario, apply_scenario, forecast
from observatory.metrics.periods import Period, next_start
from observatory.metrics.run import compute_metrics
from observatory.metrics.spc import assurance_text, variation_text
from observatory.metrics.status import STATUS_TEXT, Assessment, needs_attention
from observatory.metrics.store import StoredResult, latest_results, run_values, versions
from observatory.metrics.units import show
from observatory.platform import Observatory

metrics_app = typer.Typer(
    help="Governed KPIs: latest value, target, SPC variation and assurance, status, confidence, forecasts.",
    no_args_is_help=True,
)
STATUS_STYLE = {"off_track": "red", "at_risk": "yellow", "on_track": "green", "no_data": "dim", "monitor": "cyan"}


def _results(obs: Observatory) -> dict[str, StoredResult]:
    results = latest_results(obs.meta)
    if not obs.project.metrics.kpis:
        raise NotFoundError("this project defines no KPIs (add metrics/*.yml; see docs/metrics.md)")
    if not results:
        raise NotFoundError("no KPI has been computed yet: run `observatory build` (or `observatory metrics compute`)")
    return results


def _kpi_result(obs: Observatory, kpi_id: str) -> StoredResult:
    if kpi_id not in obs.project.metrics.kpis:
        known = ", ".join(sorted(obs.project.metrics.kpis)) or "none"
        raise NotFoundError(f"no KPI {kpi_id!r} in this project (KPIs: {known})")
    result = _results(obs).get(kpi_id)
    if result is None:
        raise NotFoundError(f"KPI {kpi_id!r} has not been computed yet: run `observatory build`")
    return result


@metrics_app.command("list")
def list_command(
    area: Annotated[str | None, typer.Option("--area", help="Only KPIs of this business area.")] = None,
    status: Annotated[str | None, typer.Option(help="Only KPIs with this status (off_track, at_risk...).")] = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Every KPI: latest value, target, variation and assurance, status and confidence; then those needing attention."""
    with user_errors(as_json), Observatory.open(project) as obs:
        results = _results(obs)
    rows = [r.summary for _, r in sorted(results.items())]
    rows = [
        r for r in rows if (area is None or r["business_area"] == area) and (status is None or r["status"] == status)
    ]
    attention = [
        {"id": r["id"], "title": r["title"], "status": r["status"], "reasons": r["reasons"]}
        for r in rows
        if needs_attention(Assessment(r["status"], r["reasons"], r["signal"]))
    ]
    data = {"kpis": [_brief(r) for r in rows], "needing_attention": attention}
    emit(data, as_json, lambda: _render_list(data))


def _brief(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "business_area", "owner", "unit", "polarity", "frequency", "parent", "version")
    brief = {key: summary[key] for key in keys}
    brief.update(
        latest=summary["latest"],
        target=summary["target"],
        variation=summary["variation"],
        assurance=summary["assurance"],
        status=summary["status"],
        rolled_status=summary.get("rolled_status"),
        confidence=summary["confidence"]["level"],
        caveats=len(summary["caveats"]),
    )
    return brief


def _render_list(data: dict[str, Any]) -> None:
    table = Table(title="KPIs", title_justify="left")
    for column in ("id", "latest", "value", "target", "variation", "assurance", "status", "confidence"):
        table.add_column(column)
    for row in data["kpis"]:
        status = row["status"]
        table.add_row(
            escape(row["id"]),
            escape(row["latest"]["label"]),
            escape(row["latest"]["shown"]),
            escape(row["target"]["shown"]) if row["target"] else "",
            variation_text(row["variation"]) if row["variation"] else "",
            assurance_text(row["assurance"]) if row["assurance"] else "",
            f"[{STATUS_STYLE[status]}]{STATUS_TEXT[status]}[/]",
            row["confidence"]
            + (f" ({row['caveats']} caveat{'s' if row['caveats'] != 1 else ''})" if row["caveats"] else ""),
        )
    console.print(table)
    if data["needing_attention"]:
        console.print("[bold]Needing attention[/]")
        for row in data["needing_attention"]:
            console.print(
                f"  {escape(row['title'])} ({row['id']}): {escape(' '.join(row['reasons']))}", highlight=False
            )


@metrics_app.command("show")
def show_command(
    kpi_id: Annotated[str, typer.Argument(help="The KPI's id, e.g. asc_new_requests.")],
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """One KPI: its governed definition, latest value, SPC chart points, status and why, confidence, forecast."""
    with user_errors(as_json), Observatory.open(project) as obs:
        result = _kpi_result(obs, kpi_id)
        data = dict(result.summary)
        data["versions"] = [v.to_dict() for v in versions(obs.meta, kpi_id)]
    emit(data, as_json, lambda: _render_show(data))


def _render_show(data: dict[str, Any]) -> None:
    console.print(f"[bold]{escape(data['title'])}[/]  (kpi.{data['id']}, version {data['version']})", highlight=False)
    console.print(escape(data["definition"]), highlight=False)
    console.print(
        f"Owner: {escape(data['owner'])}. {escape(data['business_area'])}. {data['frequency'].capitalize()}, "
        f"{data['unit_text']}. {data['polarity_text']}.",
        highlight=False,
    )
    latest = data["latest"]
    target = f" against a target of {data['target']['shown']}" if data["target"] else ""
    status = data["status"]
    console.print(
        f"{latest['label']}: [bold]{escape(latest['shown'])}[/]{target} — "
        f"[{STATUS_STYLE[status]}]{STATUS_TEXT[status]}[/]",
        highlight=False,
    )
    for reason in data["reasons"]:
        console.print(f"  {escape(reason)}", highlight=False)
    if data["variation"]:
        console.print(f"Variation: {variation_text(data['variation'])}", highlight=False)
    if data["assurance"]:
        console.print(f"Assurance: {assurance_text(data['assurance'])}", highlight=False)
    for warning in data["spc"].get("warnings", []):
        console.print(f"[yellow]{escape(warning)}[/]", highlight=False)
    console.print(escape(data["confidence"]["statement"]), highlight=False)
    for caveat in data["caveats"]:
        console.print(f"[yellow]Caveat:[/] {escape(caveat['text'])}", highlight=False)
    if data.get("definition_change"):
        console.print(escape(data["definition_change"]["text"]), highlight=False)
    table = Table(title="Latest 12 periods", title_justify="left")
    for column in ("period", "value", "mean", "lower", "upper", "signal"):
        table.add_column(column)
    for point in data["spc"]["points"][-12:]:
        table.add_row(
            point["period"],
            _num(point["value"]),
            _num(point["mean"]),
            _num(point["lower"]),
            _num(point["upper"]),
            (point["special_cause"] or "") + (f" ({', '.join(point['rules'])})" if point["rules"] else ""),
        )
    console.print(table)
    if data["forecast"]:
        _render_forecast(data["forecast"], data["scenarios"])
    elif data.get("forecast_note"):
        console.print(escape(data["forecast_note"]), highlight=False)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _render_forecast(predicted: dict[str, Any], scenarios: list[dict[str, Any]]) -> None:
    table = Table(title=f"Forecast ({predicted['model']})", title_justify="left")
    for column in ("period", "forecast", "80% interval", "95% interval", *[s["scenario"]["title"] for s in scenarios]):
        table.add_column(column)
    labels = predicted.get("labels") or predicted["periods"]
    for index, label in enumerate(labels):
        table.add_row(
            label,
            _num(predicted["mean"][index]),
            f"{_num(predicted['lower_80'][index])} to {_num(predicted['upper_80'][index])}",
            f"{_num(predicted['lower_95'][index])} to {_num(predicted['upper_95'][index])}",
            *[_num(s["forecast"]["mean"][index]) for s in scenarios],
        )
    console.print(table)
    backtest = predicted.get("backtest")
    if backtest:
        console.print(
            f"Backtest over {backtest['origins']} origins: MASE {_num(backtest['mase'])} (below 1 beats a naive "
            f"forecast); 80% intervals held the actual value {_share(backtest['coverage_80'])} of the time, "
            f"95% intervals {_share(backtest['coverage_95'])}.",
            highlight=False,
        )


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _scenario(text: str) -> Scenario:
    name, sep, change = text.partition("=")
    try:
        if not sep or not change.strip().endswith("%"):
            raise ValueError
        share = float(change.strip().removesuffix("%")) / 100
    except ValueError:
        raise typer.BadParameter(f"{text!r}: write NAME=+5% or NAME=-10%") from None
    return Scenario(name.strip() or "scenario", f"{name.strip()} {change.strip()}", share, "value")


@metrics_app.command("forecast")
def forecast_command(
    kpi_id: Annotated[str, typer.Argument(help="The KPI's id.")],
    horizon: Annotated[
        int | None, typer.Option(help="Periods ahead (default: the KPI's or metrics.horizon).", min=1, max=60)
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="A what-if on the value, e.g. --scenario 'demand=+5%'; may be repeated."),
    ] = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Forecast a KPI from its latest values with 80% and 95% intervals, its backtest, and scenarios."""
    extra = [_scenario(s) for s in scenario or []]
    with user_errors(as_json), Observatory.open(project) as obs:
        result = _kpi_result(obs, kpi_id)
        kpi = obs.project.metrics.kpis[kpi_id]
        rows = [r for r in run_values(obs.engine, result.run_id, kpi_id) if r["breakdown"] == "" and r["member"] == ""]
        if any(r["value"] is None for r in rows):
            raise ObservatoryError(f"KPI {kpi_id!r} has periods without a value, so it cannot be forecast")
        settings = obs.project.spec.metrics
        steps = horizon or kpi.spec.forecast.horizon or settings.horizon
        try:
            predicted = forecast(
                [float(r["value"]) for r in rows],
                [r["period_start"] for r in rows],
                kpi.spec.frequency,
                horizon=steps,
                backtest_origins=settings.backtest_origins,
            )
        except ValueError as exc:
            raise ObservatoryError(f"KPI {kpi_id!r} cannot be forecast: {exc}") from exc
    named = [Scenario(n, s.title, s.change, s.effect) for n, s in kpi.spec.forecast.scenarios.items()]
    data = predicted.to_dict()
    data["kpi"] = kpi_id
    data["latest"] = {"period": rows[-1]["period_start"].isoformat(), "shown": show(rows[-1]["value"], kpi.spec)}
    scenarios = [apply_scenario(predicted, s).to_dict() for s in [*named, *extra]]
    data["scenarios"] = scenarios
    emit(data, as_json, lambda: _render_forecast(data, scenarios))


@metrics_app.command("compute")
def compute_command(
    kpi_ids: Annotated[list[str] | None, typer.Argument(help="KPI ids (default: every KPI).")] = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Compute KPIs from the current governed data (what `observatory build` does last), without reloading."""
    with user_errors(as_json), Observatory.open(project) as obs:
        unknown = sorted(set(kpi_ids or []) - set(obs.project.metrics.kpis))
        if unknown:
            raise NotFoundError(f"no KPI {', '.join(map(repr, unknown))} in this project")
        report = compute_metrics(obs, only=kpi_ids or None)
        populate(obs)  # the catalogue's KPI lineage and refresh times follow the new runs
    emit(report.to_dict(), as_json, lambda: _render_compute(report.to_dict()))
    if not report.ok:
        raise typer.Exit(1)


def _render_compute(data: dict[str, Any]) -> None:
    for kpi_id, status in data["computed"].items():
        console.print(f"  {kpi_id}: {STATUS_TEXT[status]}")
    for failure in data["failures"]:
        console.print(f"  [red]{failure['kpi']} failed[/]: {escape(failure['error'])}", highlight=False)
    console.print(f"{len(data['computed'])} KPIs computed in {data['seconds']:.1f} s.")


def _charts(summary: dict[str, Any], spec: KpiSpec) -> dict[str, str]:
    """A KPI's SPC chart and, when it has a forecast, its fan chart, as standalone SVG documents."""
    frequency = summary["frequency"]
    points = points_from_rows(summary["spc"]["points"])
    labels = [Period(p.period, next_start(p.period, frequency)).label(frequency) for p in points]
    unit, title = summary["unit"], summary["title"]
    found = {
        "spc": spc_chart_svg(
            points, labels, title=title, unit=unit, format_value=lambda v: show(v, spec), standalone=True
        )
    }
    if summary.get("forecast"):
        found["forecast"] = forecast_chart_svg(
            [p.value for p in points],
            labels,
            Fan.from_dict(summary["forecast"]),
            title=f"{title}: forecast",
            scenarios=[(s["scenario"]["title"], s["forecast"]["mean"]) for s in summary.get("scenarios", [])],
            unit=unit,
            format_value=lambda v: show(v, spec),
            standalone=True,
        )
    return found


@metrics_app.command("charts")
def charts_command(
    kpi_ids: Annotated[list[str] | None, typer.Argument(help="KPI ids (default: every computed KPI).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the charts into.")] = Path("kpi-charts"),
    png: Annotated[bool, typer.Option("--png/--no-png", help="Also write each chart as PNG.")] = True,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Write each KPI's SPC chart and forecast fan chart as SVG (and PNG) files."""
    written: list[str] = []
    with user_errors(as_json), Observatory.open(project) as obs:
        results = _results(obs)
        wanted = kpi_ids or sorted(results)
        unknown = sorted(set(wanted) - set(results))
        if unknown:
            raise NotFoundError(f"no computed KPI {', '.join(map(repr, unknown))} (see `observatory metrics list`)")
        try:
            out.mkdir(parents=True, exist_ok=True)
            for kpi_id in wanted:
                spec = obs.project.metrics.kpis[kpi_id].spec
                for kind, svg in _charts(results[kpi_id].summary, spec).items():
                    path = out / f"{kpi_id}-{kind}.svg"
                    path.write_text(svg, encoding="utf-8")
                    written.append(str(path))
                    if png:
                        path.with_suffix(".png").write_bytes(svg_to_png(svg))
                        written.append(str(path.with_suffix(".png")))
        except OSError as exc:
            raise ObservatoryError(f"cannot write the charts into {out}: {exc.strerror or exc}") from exc
    emit({"written": written}, as_json, lambda: console.print(f"{len(written)} chart files written to {out}"))
