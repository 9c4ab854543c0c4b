"""``/kpis``: every governed KPI by corporate priority and hierarchy, with its latest value, target, variation and
assurance icons, status and confidence, the KPIs needing attention first; ``/kpis/{kpi_id}``: one KPI's governed
definition, status, confidence and caveats, SPC chart and data table, breakdowns (``?breakdown=&member=`` charts
one member), forecast with its backtest and scenarios, versions and lineage; ``/kpis/{kpi_id}/spc.svg`` (and
``.png``, ``forecast.svg``, ``forecast.png``) download the charts as files that render on their own.

The JSON twins (``/api/kpis``, ``/api/kpis/{kpi_id}``) carry the stored summary and series as numbers; the pages
add the charts, icons and values written in each KPI's unit. KPIs are aggregate data: no purpose is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from observatory.config.kpis import Kpi
from observatory.errors import NotFoundError, ObservatoryError
from observatory.metrics.charts import (
    ASSURANCES,
    VARIATIONS,
    Fan,
    assurance_icon_svg,
    forecast_chart_svg,
    points_from_rows,
    spc_chart_svg,
    svg_to_png,
    variation_icon_svg,
)
from observatory.metrics.spc import variation_text
from observatory.metrics.status import STATUS_TEXT
from observatory.metrics.units import show
from observatory.platform import Observatory
from observatory.web.auth import Need, Principal
from observatory.web.cache import cached
from observatory.web.render import is_api, page
from observatory.web.routes.kpi_data import (
    STATUSES,
    attention,
    defined_kpi,
    kpi_detail,
    kpi_rows,
    with_member,
)
from observatory.web.routes.kpi_words import backtest_words, forecast_rows, scenario_rows, series_rows, signal_words

router = APIRouter()

MEMBER = Annotated[str | None, Query(max_length=200, description="A member of the breakdown (with breakdown).")]
BREAKDOWN = Annotated[str | None, Query(max_length=64, description="A breakdown of the KPI, e.g. locality.")]
CHART_WIDTH = 880
"""Charts fill the page's width (on narrow screens they keep their size and scroll sideways)."""
PNG_SCALE = 2.0
"""PNG downloads are drawn at twice the SVG's size (sharp when printed or put in slides)."""


def _rows(request: Request, who: Principal) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    obs: Observatory = request.app.state.obs
    return cached(request, who, "kpis:rows", lambda: kpi_rows(obs))


@cache
def icons() -> dict[str, dict[str, Markup]]:
    """Every variation and assurance icon, by category (``none`` when not assessed), for the pages. Each is
    hidden from screen readers: its words are always written beside it."""

    def drawn(draw: Callable[..., str], names: tuple[str, ...]) -> dict[str, Markup]:
        svg = {name: draw(None if name == "none" else name, size=32, decorative=True) for name in names}
        return {name: Markup(text) for name, text in svg.items()}  # noqa: S704 (drawn here, every text escaped)

    return {
        "variation": drawn(variation_icon_svg, ("none", *VARIATIONS)),
        "assurance": drawn(assurance_icon_svg, ("none", *ASSURANCES)),
    }


@page(router, "/kpis", "kpis/index.html", name="kpis", summary="Governed KPIs by priority, with status and signals")
def kpis(
    request: Request,
    who: Annotated[Principal, Depends(Need("kpis.view"))],
    business_area: Annotated[str, Query(max_length=200, description="Only KPIs of this business area.")] = "",
    status: Annotated[str, Query(max_length=40, description="Only KPIs with this status, e.g. off_track.")] = "",
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    if status and status not in STATUSES:
        raise ObservatoryError(f"There is no status {status!r} to filter on (one of: {', '.join(STATUSES)}).")
    rows, priority_status = _rows(request, who)
    shown = [
        row
        for row in rows
        if (not business_area or row["business_area"] == business_area) and (not status or row["status"] == status)
    ]
    metrics = obs.project.metrics
    data: dict[str, Any] = {
        "title": "KPIs",
        "defined": len(rows),
        "computed": sum(1 for row in rows if row["computed"]),
        "filters": {"business_area": business_area or None, "status": status or None},
        "business_areas": sorted({row["business_area"] for row in rows}),
        "statuses": [{"value": value, "text": STATUS_TEXT[value]} for value in STATUSES],
        "needing_attention": attention(rows),
        "priorities": [
            {
                "id": priority.id,
                "title": priority.spec.title,
                "description": priority.spec.description,
                "owner": priority.spec.owner,
                "status": priority_status[priority.id],
                "status_text": STATUS_TEXT[priority_status[priority.id]],
            }
            for priority in metrics.priorities.values()
        ],
        "kpis": shown,
    }
    if is_api(request):
        return data
    return {**data, "icons": icons()}


def _detail(request: Request, who: Principal, kpi: Kpi) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    rows, priorities = _rows(request, who)
    return cached(request, who, f"kpi:{kpi.id}", lambda: kpi_detail(obs, who, kpi, rows, priorities))


def formatter(kpi: Kpi) -> Callable[[float | None], str]:
    return lambda value: show(value, kpi.spec)


def spc_svg(kpi: Kpi, data: dict[str, Any], *, standalone: bool) -> str:
    """The SPC chart of the series ``data`` shows (the total, or the member chosen)."""
    chosen = data["selected"]
    points = points_from_rows(data["series"]["points"])
    labels = [point["label"] for point in data["series"]["points"]]
    title = data["title"] + (f": {chosen['title']} {chosen['member']}" if chosen else "")
    return spc_chart_svg(
        points,
        labels,
        title=f"{title} (SPC chart)",
        unit=kpi.spec.unit,
        format_value=formatter(kpi),
        show_target=chosen is None,
        chart_id="spc-chart",
        width=CHART_WIDTH,
        standalone=standalone,
    )


def forecast_svg(kpi: Kpi, data: dict[str, Any], *, standalone: bool) -> str | None:
    """The fan chart of the KPI's forecast, with its scenarios; None when it has no forecast."""
    summary = data["summary"]
    if not summary or not summary.get("forecast"):
        return None
    points = data["series"]["points"] if data["selected"] is None else []
    fan = Fan.from_dict(summary["forecast"])
    scenarios = [(s["scenario"]["title"], s["forecast"]["mean"]) for s in summary.get("scenarios") or []]
    return forecast_chart_svg(
        [point["value"] for point in points],
        [point["label"] for point in points],
        fan,
        title=f"{data['title']} (forecast)",
        scenarios=scenarios,
        unit=kpi.spec.unit,
        format_value=formatter(kpi),
        chart_id="forecast-chart",
        width=CHART_WIDTH,
        standalone=standalone,
    )


@page(
    router,
    "/kpis/{kpi_id}",
    "kpis/kpi.html",
    name="kpi",
    summary="One KPI: definition, status, confidence, SPC series, breakdowns, forecast, versions and lineage",
)
def kpi_page(
    request: Request,
    who: Annotated[Principal, Depends(Need("kpis.view"))],
    kpi_id: str,
    breakdown: BREAKDOWN = None,
    member: MEMBER = None,
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    kpi = defined_kpi(obs, kpi_id)
    data = with_member(obs, _detail(request, who, kpi), breakdown, member)
    if is_api(request):
        return data
    show_value = formatter(kpi)
    summary = data["summary"] or {}
    extras: dict[str, Any] = {
        "icons": icons(),
        "rows": series_rows(data, show_value),
        "variation_text": {name: variation_text(None if name == "none" else name) for name in ("none", *VARIATIONS)},  # type: ignore[arg-type]
    }
    if summary:
        extras["charts"] = {
            "spc": Markup(spc_svg(kpi, data, standalone=False)),  # noqa: S704 (every text in it is escaped)
            "forecast": Markup(chart) if (chart := forecast_svg(kpi, data, standalone=False)) else None,  # noqa: S704
        }
        extras["signals"] = signal_words(summary)
        extras["forecast"] = forecast_rows(summary, show_value)
        extras["scenarios"] = scenario_rows(summary, show_value)
        extras["backtest"] = backtest_words(summary)
    return {**data, **extras}


def _attachment(content: bytes | str, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _file_name(kpi_id: str, chart: str, data: dict[str, Any], extension: str) -> str:
    chosen = data["selected"]
    part = f"-{chosen['breakdown']}-{chosen['member']}" if chosen else ""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{kpi_id}-{chart}{part}".lower()).strip("-")
    return f"{slug}.{extension}"


def _chart_data(
    request: Request, who: Principal, kpi_id: str, breakdown: str | None, member: str | None
) -> tuple[Kpi, dict[str, Any]]:
    obs: Observatory = request.app.state.obs
    kpi = defined_kpi(obs, kpi_id)
    data = with_member(obs, _detail(request, who, kpi), breakdown, member)
    if not data["computed"]:
        raise NotFoundError("This KPI has not been computed yet: run `observatory build`.")
    return kpi, data


@router.get("/kpis/{kpi_id}/spc.svg", name="kpi_spc_svg", include_in_schema=False, response_class=Response)
def kpi_spc_svg(
    request: Request,
    who: Annotated[Principal, Depends(Need("kpis.view"))],
    kpi_id: str,
    breakdown: BREAKDOWN = None,
    member: MEMBER = None,
) -> Response:
    kpi, data = _chart_data(request, who, kpi_id, breakdown, member)
    return _attachment(spc_svg(kpi, data, standalone=True), "image/svg+xml", _file_name(kpi.id, "spc", data, "svg"))


@router.get("/kpis/{kpi_id}/spc.png", name="kpi_spc_png", include_in_schema=False, response_class=Response)
def kpi_spc_png(
    request: Request,
    who: Annotated[Principal, Depends(Need("kpis.view"))],
    kpi_id: str,
    breakdown: BREAKDOWN = None,
    member: MEMBER = None,
) -> Response:
    kpi, data = _chart_data(request, who, kpi_id, breakdown, member)
    png = svg_to_png(spc_svg(kpi, data, standalone=True), scale=PNG_SCALE)
    return _attachment(png, "image/png", _file_name(kpi.id, "spc", data, "png"))


def _forecast_file(request: Request, who: Principal, kpi_id: str) -> tuple[Kpi, dict[str, Any], str]:
    kpi, data = _chart_data(request, who, kpi_id, None, None)
    svg = forecast_svg(kpi, data, standalone=True)
    if svg is None:
        note = (data["summary"] or {}).get("forecast_note") or "This KPI has no forecast."
        raise NotFoundError(note)
    return kpi, data, svg


@router.get("/kpis/{kpi_id}/forecast.svg", name="kpi_forecast_svg", include_in_schema=False, response_class=Response)
def kpi_forecast_svg(request: Request, who: Annotated[Principal, Depends(Need("kpis.view"))], kpi_id: str) -> Response:
    kpi, data, svg = _forecast_file(request, who, kpi_id)
    return _attachment(svg, "image/svg+xml", _file_name(kpi.id, "forecast", data, "svg"))


@router.get("/kpis/{kpi_id}/forecast.png", name="kpi_forecast_png", include_in_schema=False, response_class=Response)
def kpi_forecast_png(request: Request, who: Annotated[Principal, Depends(Need("kpis.view"))], kpi_id: str) -> Response:
    kpi, data, svg = _forecast_file(request, who, kpi_id)
    return _attachment(svg_to_png(svg, scale=PNG_SCALE), "image/png", _file_name(kpi.id, "forecast", data, "png"))
