"""``/quality``: every dataset's score, six dimensions, confidence and open alerts; ``/quality/{dataset}`` one
dataset in detail (measures against their thresholds, rule results, trends, alerts); and
``/quality/{dataset}/failing-rows``, the samples of failing rows kept with the latest snapshot.

A dataset is listed only for roles that see its classification, read from its catalogue asset
(``dataset.<source>.<dataset>``); a dataset the catalogue does not know counts as OFFICIAL-SENSITIVE and
personal. A dataset the role cannot see is answered like one that does not exist (404), so its name is not
confirmed. Failing rows were masked by shape when they were measured (``quality.samples``): the store holds
no unmasked values, so there is nothing to unmask; looking at the samples of a personal dataset is audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from observatory.catalogue.store import list_assets
from observatory.errors import NotFoundError
from observatory.platform import Observatory
from observatory.quality.alerts import list_alerts
from observatory.quality.confidence import (
    HIGH_MEASURE,
    MEDIUM_MEASURE,
    DatasetConfidence,
    Level,
    combine,
    measure_label,
)
from observatory.quality.measures import DIMENSIONS, Measure
from observatory.quality.report import change, dataset_report
from observatory.quality.snapshots import failing_samples, latest_snapshot, measured_datasets, snapshot_history
from observatory.web.auth import Need, Principal
from observatory.web.cache import cached
from observatory.web.charts import Point, line_chart
from observatory.web.purpose import audit_access
from observatory.web.render import is_api, page

router = APIRouter()

UNKNOWN_CLASSIFICATION = "OFFICIAL-SENSITIVE"
"""What a dataset without a catalogue asset is treated as (the stricter classification)."""

CLOSED_ALERTS = 10
"""Closed alerts shown on a dataset's page (the most recent)."""

MASKING_NOTE = (
    "Values of personal fields were masked by shape when the rows were sampled (digits show as 9, capitals as X, "
    "other letters as x). The unmasked values are not kept with the quality results, so they cannot be shown here."
)


@dataclass(frozen=True)
class QualityDataset:
    """A dataset with (or due) quality results, as the catalogue describes it."""

    name: str
    title: str
    business_area: str
    classification: str
    personal: bool
    configured: bool

    @property
    def asset_id(self) -> str:
        return f"dataset.{self.name}"


def quality_datasets(obs: Observatory, who: Principal) -> dict[str, QualityDataset]:
    """Configured and measured datasets that ``who`` may see, by name (``asc.clients``), sorted."""
    assets = {asset.id: asset for asset in list_assets(obs.meta, kind="dataset")}
    configured = {f"{d.source}.{d.name}" for d in obs.project.all_datasets()}
    found = {}
    for name in sorted(configured | set(measured_datasets(obs.meta))):
        asset = assets.get(f"dataset.{name}")
        classification = asset.classification if asset else UNKNOWN_CLASSIFICATION
        if not who.sees(classification):
            continue
        found[name] = QualityDataset(
            name,
            (asset.title if asset else "") or name,
            asset.business_area if asset else "",
            classification,
            (asset.personal or asset.special_category) if asset else True,
            name in configured,
        )
    return found


def visible_dataset(request: Request, who: Principal, name: str) -> QualityDataset:
    """The dataset ``name`` if ``who`` may see it; otherwise the same answer as for a dataset that does not exist."""
    obs: Observatory = request.app.state.obs
    found = cached(request, who, "quality:datasets", lambda: quality_datasets(obs, who)).get(name)
    if found is None:
        raise NotFoundError(f"There is no dataset {name!r} with quality results that your role can see.")
    return found


# --- the overview ---------------------------------------------------------------------------------------------


def _overview_row(obs: Observatory, info: QualityDataset, open_alerts: int) -> dict[str, Any]:
    history = snapshot_history(obs.meta, info.name, 2)
    row: dict[str, Any] = {
        "dataset": info.name,
        "title": info.title,
        "business_area": info.business_area,
        "classification": info.classification,
        "personal": info.personal,
        "href": f"/quality/{info.name}",
        "measured": bool(history),
        "open_alerts": open_alerts,
    }
    if not history:
        unknown = ("score", "change", "confidence", "statement", "rows", "owner", "measured_at", "run_id")
        return {**row, **dict.fromkeys(unknown), "dimensions": dict.fromkeys(DIMENSIONS)}
    latest, previous = history[-1], (history[-2] if len(history) > 1 else None)
    return {
        **row,
        "score": latest.score,
        "change": change(latest.score, previous.score if previous else None),
        "confidence": latest.confidence,
        "statement": latest.statement,
        "dimensions": {d: latest.dimensions.get(d) for d in DIMENSIONS},
        "rows": latest.rows,
        "owner": latest.owner,
        "measured_at": latest.measured_at.isoformat(),
        "run_id": latest.run_id,
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Across datasets: the mean score, the lowest confidence (never measured counts as low), levels, alerts."""
    scores = [row["score"] for row in rows if row["score"] is not None]
    levels = Counter(row["confidence"] or "not measured" for row in rows)
    lowest: Level | None = None
    if rows:
        lowest = combine([DatasetConfidence(row["dataset"], row["confidence"], "") for row in rows]).level
    return {
        "datasets": len(rows),
        "measured": sum(1 for row in rows if row["measured"]),
        "score": sum(scores) / len(scores) if scores else None,
        "confidence": lowest,
        "levels": {level: levels[level] for level in ("high", "medium", "low", "not measured")},
        "open_alerts": sum(row["open_alerts"] for row in rows),
    }


def quality_overview(obs: Observatory, who: Principal) -> dict[str, Any]:
    """Every dataset ``who`` may see with its latest score, dimensions, confidence and open alerts."""
    datasets = quality_datasets(obs, who)
    open_alerts = Counter(alert.dataset for alert in list_alerts(obs.meta) if alert.dataset in datasets)
    rows = [_overview_row(obs, info, open_alerts[name]) for name, info in datasets.items()]
    return {
        "title": "Data quality",
        "dimensions": list(DIMENSIONS),
        "summary": summarise(rows),
        "datasets": rows,
    }


@page(router, "/quality", "quality/index.html", name="quality", summary="Quality of every dataset you can see")
def quality(request: Request, who: Annotated[Principal, Depends(Need("quality.view"))]) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    return cached(request, who, "quality", lambda: quality_overview(obs, who))


# --- one dataset ----------------------------------------------------------------------------------------------


def _against_thresholds(measure: dict[str, Any]) -> dict[str, Any]:
    """A key measure's thresholds (95% for high confidence, 80% at least) and where its value stands."""
    if not measure["key"]:
        return {**measure, "threshold": None, "standing": "not in the score"}
    threshold = {"high": float(HIGH_MEASURE), "minimum": float(MEDIUM_MEASURE)}
    if not measure["total"]:
        return {**measure, "threshold": threshold, "standing": "nothing to measure"}
    value = Fraction(measure["passed"], measure["total"])
    standing = "meets" if value >= HIGH_MEASURE else "below high" if value >= MEDIUM_MEASURE else "below minimum"
    return {**measure, "threshold": threshold, "standing": standing}


def dataset_quality(obs: Observatory, info: QualityDataset) -> dict[str, Any]:
    """The dataset's quality report (``quality.report.dataset_report``), without its samples of failing rows
    (they have their own, audited, page), with each measure's thresholds and the recently closed alerts."""
    report = dataset_report(obs.meta, info.name)
    about = {
        "title": f"Quality of {info.title}",
        "dataset": info.name,
        "dataset_title": info.title,
        "classification": info.classification,
        "personal": info.personal,
        "thresholds": {"high": float(HIGH_MEASURE), "minimum": float(MEDIUM_MEASURE)},
    }
    if not report["measured"]:
        return {**report, **about}
    samples = report.pop("samples")
    measures = [_against_thresholds(m) for m in report["measures"]]
    closed = list_alerts(obs.meta, info.name, status="closed")
    return {
        **report,
        **about,
        "measures": measures,
        "rules": [m for m in measures if m["name"].startswith(("rule:", "reference:"))],
        "closed_alerts": [alert.to_dict() for alert in reversed(closed[-CLOSED_ALERTS:])],
        "failing_rows": {
            "measures": sum(1 for s in samples if s["rows"]),
            "rows": sum(len(s["rows"]) for s in samples),
            "href": f"/quality/{info.name}/failing-rows",
        },
    }


def _points(points: list[dict[str, Any]]) -> list[Point]:
    return [Point(str(p["measured_at"])[:16].replace("T", " "), p["value"]) for p in points]


def _moved(points: list[dict[str, Any]]) -> bool:
    """Whether a trend is worth a chart: its value changed over the period, or it is below the high threshold."""
    known = [p["value"] for p in points if p["value"] is not None]
    return bool(known) and (min(known) != max(known) or known[-1] < HIGH_MEASURE)


def trend_charts(data: dict[str, Any]) -> dict[str, Any]:
    """The SVG charts of a dataset's trends, for the HTML page only (the JSON has the points): the score, and each
    critical field's measure that moved or falls short (the rest are summarised in a table)."""
    if not data["measured"]:
        return {}
    trends = data["trends"]
    return {
        "score": line_chart(_points(trends["score"]), title=f"Score of {data['dataset']}", chart_id="trend-score"),
        "measures": {
            index: line_chart(_points(t["points"]), title=t["label"].capitalize(), chart_id=f"trend-measure-{index}")
            for index, t in enumerate(trends["measures"])
            if _moved(t["points"])
        },
    }


@page(
    router,
    "/quality/{dataset}",
    "quality/dataset.html",
    name="quality_dataset",
    summary="One dataset's measures, rule results, trends and alerts",
)
def quality_dataset(
    request: Request, who: Annotated[Principal, Depends(Need("quality.view"))], dataset: str
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    info = visible_dataset(request, who, dataset)
    data = cached(request, who, f"quality:{info.name}", lambda: dataset_quality(obs, info))
    return data if is_api(request) else {**data, "charts": trend_charts(data)}


@page(
    router,
    "/quality/{dataset}/failing-rows",
    "quality/failing_rows.html",
    name="quality_failing_rows",
    summary="Samples of rows failing a dataset's measures (personal values masked; audited)",
)
def quality_failing_rows(
    request: Request, who: Annotated[Principal, Depends(Need("quality.view"))], dataset: str
) -> dict[str, Any]:
    obs: Observatory = request.app.state.obs
    info = visible_dataset(request, who, dataset)
    latest = latest_snapshot(obs.meta, info.name)
    data: dict[str, Any] = {
        "title": f"Failing rows of {info.title}",
        "dataset": info.name,
        "dataset_title": info.title,
        "personal": info.personal,
        "masking": MASKING_NOTE,
        "measured": latest is not None,
        "samples": [],
    }
    if latest is None:
        return data
    labels = {m.name: m for m in latest.measures}
    samples = [
        {
            "measure": s.measure,
            "label": _label(labels, s.measure),
            "columns": s.columns,
            "masked": s.masked,
            "rows": s.rows,
        }
        for s in failing_samples(obs.meta, latest.id)
        if s.rows
    ]
    rows = sum(len(s["rows"]) for s in samples)
    if info.personal and rows:
        audit_access(
            request,
            who,
            "quality.failing_rows",
            info.asset_id,
            detail={"snapshot_id": latest.id, "measures": len(samples), "rows": rows},
        )
    return {**data, "snapshot_id": latest.id, "measured_at": latest.measured_at.isoformat(), "samples": samples}


def _label(measures: dict[str, Measure], name: str) -> str:
    measure = measures.get(name)
    return measure_label(measure) if measure is not None else name
