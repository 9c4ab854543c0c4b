"""Status and escalation: on track, at risk or off track from the SPC signal and the target; roll-up through
the hierarchy; the list of KPIs needing attention, each with its reason in plain English.

The rules (written down in docs/metrics.md):

- **off track**: the latest value misses its target and either the process cannot meet it (assurance
  *consistently failing*) or the latest point is special-cause concern;
- **at risk**: the latest value misses its target, or meets it while the latest point is special-cause concern;
- **on track**: the latest value meets its target with no special-cause concern;
- **monitor**: no target (e.g. a neutral demand measure); a special-cause signal is still reported;
- **no data**: no value for the latest period (e.g. a zero denominator), or the KPI could not be computed.

A KPI's *rolled-up* status is the worst of its own and those of the KPIs under it; a priority's is the worst of
its KPIs'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from observatory.config.kpis import Metrics
from observatory.metrics.spc import RULE_TEXT, Polarity, SpcResult

Status = Literal["off_track", "at_risk", "no_data", "on_track", "monitor"]
SEVERITY: tuple[Status, ...] = ("monitor", "on_track", "no_data", "at_risk", "off_track")
"""Statuses from least to most in need of attention."""
STATUS_TEXT: dict[str, str] = {
    "off_track": "Off track",
    "at_risk": "At risk",
    "no_data": "No data",
    "on_track": "On track",
    "monitor": "Monitored (no target)",
}


@dataclass(frozen=True)
class Assessment:
    """A KPI's own status and why."""

    status: Status
    reasons: list[str] = field(default_factory=list)
    signal: bool = False
    """Whether the latest point shows special-cause variation (of any kind)."""


def meets(value: float, target: float, polarity: Polarity) -> bool:
    """Whether ``value`` meets ``target`` for a KPI of this polarity (a neutral KPI has no targets)."""
    return value >= target if polarity == "higher_is_better" else value <= target


def assess(
    value: float | None,
    target: float | None,
    spc: SpcResult | None,
    polarity: Polarity,
    shown: tuple[str, str] = ("", ""),
) -> Assessment:
    """The status of the latest value. ``shown`` is the value and the target written in the KPI's unit."""
    if value is None:
        return Assessment("no_data", ["There is no value for the latest period."])
    latest = spc.points[-1] if spc and spc.points else None
    cause = latest.special_cause if latest else None
    signal = cause is not None
    concern = cause == "concern"
    reasons: list[str] = []
    if signal and latest is not None:
        rules = ", ".join(RULE_TEXT[r] for r in latest.rules)
        kind = {"concern": "a concern", "improvement": "an improvement", "neutral": "a change"}[cause or "neutral"]
        reasons.append(f"The latest value shows special-cause variation, {kind} ({rules}).")
    if target is None or polarity == "neutral":
        return Assessment("monitor", reasons, signal)
    show, show_target = shown
    if meets(value, target, polarity):
        met = f"It meets the target of {show_target} ({show} in the latest period)."
        return Assessment("at_risk" if concern else "on_track", [met, *reasons], signal)
    missed = f"It misses the target of {show_target} ({show} in the latest period)."
    if spc is not None and spc.assurance == "consistently_failing":
        return Assessment(
            "off_track", [missed, "The process limits are all on the wrong side of the target: it will keep failing."]
        )
    if concern:
        return Assessment("off_track", [missed, *reasons], signal)
    return Assessment("at_risk", [missed, *reasons], signal)


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=SEVERITY.index) if statuses else "monitor"


def roll_up(metrics: Metrics, own: Mapping[str, Status]) -> tuple[dict[str, Status], dict[str, Status]]:
    """Rolled-up statuses: per KPI (the worst of itself and everything under it) and per priority."""
    rolled: dict[str, Status] = {}

    def visit(kpi_id: str) -> Status:
        if kpi_id not in rolled:
            below = [visit(child.id) for child in metrics.children(kpi_id)]
            rolled[kpi_id] = worst([own.get(kpi_id, "no_data"), *below])
        return rolled[kpi_id]

    for kpi_id in metrics.kpis:
        visit(kpi_id)
    priorities = {pid: worst([rolled[child.id] for child in metrics.children(pid)]) for pid in metrics.priorities}
    return rolled, priorities


def needs_attention(assessment: Assessment) -> bool:
    """Off track, at risk, no data, or a special-cause signal on a KPI without a target."""
    return assessment.status in ("off_track", "at_risk", "no_data") or (
        assessment.status == "monitor" and assessment.signal
    )
