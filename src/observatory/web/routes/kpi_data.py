"""The data behind the KPI pages and their JSON: the list in hierarchy order, the KPIs needing attention, and one
KPI's stored summary with its series, versions, history and lineage.

Results are read as ``observatory build`` stored them: each KPI's latest summary from the metadata store, every
value of a series from ``governed.kpi_values`` over a read-only connection. Only the KPIs of ``metrics/*.yml``
are shown (a KPI removed from the definitions is no longer governed). KPIs are aggregates, so no purpose is
asked for; the names of datasets a role may not see (``Principal.sees`` on their catalogue assets) are replaced
by placeholders wherever a KPI's summary, versions or lineage would name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode

from observatory.catalogue.ids import field_id
from observatory.config.kpis import Kpi, Metrics
from observatory.errors import EngineError, NotFoundError, ObservatoryError
from observatory.meta.store import MetaStore
from observatory.metrics.compute import TOTAL_KEY
from observatory.metrics.periods import Period
from observatory.metrics.spc import assurance_text, variation_text
from observatory.metrics.status import SEVERITY, STATUS_TEXT, Assessment, Status, needs_attention, roll_up
from observatory.metrics.store import VALUES_TABLE, StoredResult, latest_results, result_history, versions
from observatory.metrics.summary import describe_kpi
from observatory.platform import Observatory
from observatory.web.auth import Principal
from observatory.web.routes.catalogue_common import asset_href, visible_ids
from observatory.web.warehouse import fetch_dicts, read_warehouse, table_exists

STATUSES: tuple[str, ...] = tuple(reversed(SEVERITY))
"""Statuses from most to least in need of attention."""
NOT_COMPUTED = "It has not been computed yet: run `observatory build`."
HISTORY = 12
"""Earlier results listed on a KPI's page."""
SMALL_NUMBERS = (
    "Breakdown values are shown as computed, however small the numbers behind them: disclosure control "
    "(suppressing or rounding small numbers before they are shared) comes with a later release."
)
DEFINITION_KEYS = (
    "id",
    "title",
    "definition",
    "owner",
    "business_area",
    "unit",
    "unit_text",
    "polarity",
    "polarity_text",
    "frequency",
    "parent",
    "version",
    "depends_on",
    "targets",
    "file",
)
"""The parts of a summary that say what the KPI is (read from its definition before it is computed)."""
BRIEF = ("id", "title", "href", "status", "status_text")
"""What a page says of a KPI above or below this one."""
VARIATION_LABELS = {
    None: "Not assessed",
    "common_cause": "Common cause",
    "improvement_high": "Improvement (higher)",
    "improvement_low": "Improvement (lower)",
    "concern_high": "Concern (higher)",
    "concern_low": "Concern (lower)",
    "neutral_high": "Change upwards",
    "neutral_low": "Change downwards",
}
"""Short words for a variation category, for the list (the full words are on each KPI's page)."""
ASSURANCE_LABELS = {
    None: "Not assessed",
    "consistently_passing": "Consistently passing",
    "consistently_failing": "Consistently failing",
    "hit_and_miss": "Hit and miss",
}


def kpi_href(kpi_id: str, suffix: str = "") -> str:
    return f"/kpis/{kpi_id}{suffix}"


def reason_text(reasons: Iterable[str]) -> str:
    """Reasons as one sentence or two (a reason ending in "but" runs into the next)."""
    text = ""
    for reason in reasons:
        if text.endswith(" but"):
            text += " " + reason[:1].lower() + reason[1:]
        else:
            text += (" " if text else "") + reason
    return text


def stored_results(obs: Observatory) -> dict[str, StoredResult]:
    """The latest result of every KPI the project defines."""
    return latest_results(obs.meta, list(obs.project.metrics.kpis))


def hierarchy(metrics: Metrics) -> list[tuple[Kpi, int, str | None]]:
    """Every KPI once, as ``(kpi, depth, priority)``: each priority's KPIs with their children under them, then
    the KPIs under no priority."""
    ordered: list[tuple[Kpi, int, str | None]] = []
    seen: set[str] = set()

    def visit(kpi: Kpi, depth: int, priority: str | None) -> None:
        if kpi.id in seen:
            return
        seen.add(kpi.id)
        ordered.append((kpi, depth, priority))
        for child in metrics.children(kpi.id):
            visit(child, depth + 1, priority)

    for priority in metrics.priorities:
        for kpi in metrics.children(priority):
            visit(kpi, 0, priority)
    for kpi in sorted(metrics.kpis.values(), key=lambda k: k.id):
        if kpi.spec.parent is None or kpi.spec.parent not in metrics.kpis:
            visit(kpi, 0, None)
    for kpi in sorted(metrics.kpis.values(), key=lambda k: k.id):  # anything left (a cycle the config refused)
        visit(kpi, 0, None)
    return ordered


def _row(kpi: Kpi, depth: int, priority: str | None, result: StoredResult | None) -> dict[str, Any]:
    spec = kpi.spec
    row: dict[str, Any] = {
        "id": kpi.id,
        "title": spec.title,
        "href": kpi_href(kpi.id),
        "parent": spec.parent,
        "priority": priority,
        "depth": depth,
        "business_area": spec.business_area,
        "owner": spec.owner,
        "frequency": spec.frequency,
        "computed": result is not None,
    }
    if result is None:
        return {
            **row,
            **dict.fromkeys(("computed_at", "run_id", "version", "latest", "target", "variation", "assurance")),
            "variation_text": variation_text(None),
            "variation_label": VARIATION_LABELS[None],
            "assurance_text": assurance_text(None),
            "assurance_label": ASSURANCE_LABELS[None],
            "status": "no_data",
            "reasons": [NOT_COMPUTED],
            "signal": False,
            "confidence": None,
        }
    summary = result.summary
    return {
        **row,
        "computed_at": result.computed_at.isoformat(),
        "run_id": result.run_id,
        "version": result.version,
        "latest": summary.get("latest"),
        "target": summary.get("target"),
        "variation": summary.get("variation"),
        "variation_text": variation_text(summary.get("variation")),
        "variation_label": VARIATION_LABELS.get(summary.get("variation"), summary.get("variation")),
        "assurance": summary.get("assurance"),
        "assurance_text": assurance_text(summary.get("assurance")),
        "assurance_label": ASSURANCE_LABELS.get(summary.get("assurance"), summary.get("assurance")),
        "status": result.status,
        "reasons": list(summary.get("reasons") or []),
        "signal": bool(summary.get("signal")),
        "confidence": (summary.get("confidence") or {}).get("level"),
    }


def kpi_rows(obs: Observatory) -> tuple[list[dict[str, Any]], dict[str, Status]]:
    """Every KPI as a list row in hierarchy order, with its own and rolled-up status; and each priority's."""
    metrics = obs.project.metrics
    results = stored_results(obs)
    rows = [_row(kpi, depth, priority, results.get(kpi.id)) for kpi, depth, priority in hierarchy(metrics)]
    own = {row["id"]: cast(Status, row["status"]) for row in rows}
    rolled, priorities = roll_up(metrics, own)
    for row in rows:
        row["status_text"] = STATUS_TEXT[row["status"]]
        row["rolled_status"] = rolled[row["id"]]
        row["rolled_status_text"] = STATUS_TEXT[rolled[row["id"]]]
        row["reason"] = reason_text(row["reasons"])
    return rows, priorities


def attention(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The KPIs needing attention, most urgent first, each with its reason (none when nothing is computed yet)."""
    if not any(row["computed"] for row in rows):
        return []
    flagged = [
        row for row in rows if needs_attention(Assessment(cast(Status, row["status"]), row["reasons"], row["signal"]))
    ]
    flagged.sort(key=lambda row: (-SEVERITY.index(row["status"]), row["title"]))
    keys = ("id", "title", "href", "status", "status_text", "reason")
    return [{key: row[key] for key in keys} for row in flagged]


def kpis_needing_attention(obs: Observatory) -> dict[str, Any]:
    """For the home page: how many KPIs are defined and computed, and those needing attention."""
    rows, _ = kpi_rows(obs)
    return {
        "defined": len(rows),
        "computed": sum(1 for row in rows if row["computed"]),
        "needing_attention": attention(rows),
    }


# --- one KPI --------------------------------------------------------------------------------------------------


def defined_kpi(obs: Observatory, kpi_id: str) -> Kpi:
    kpi = obs.project.metrics.kpis.get(kpi_id)
    if kpi is None:
        raise NotFoundError(f"There is no KPI {kpi_id!r}.")
    return kpi


class Redactor:
    """Replaces the names of datasets ``who`` may not see with ``restricted dataset N`` in any JSON-like value."""

    def __init__(self, meta: MetaStore, who: Principal, datasets: Iterable[str]) -> None:
        wanted = sorted(set(datasets))
        shown = visible_ids(meta, who, [f"dataset.{name}" for name in wanted])
        hidden = [name for name in wanted if f"dataset.{name}" not in shown]
        self.hidden = {name: f"restricted dataset {n}" for n, name in enumerate(hidden, start=1)}
        names = sorted(self.hidden, key=len, reverse=True)
        self._pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?!\w)") if names else None

    def __call__(self, value: Any) -> Any:
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self._pattern.sub(lambda found: self.hidden[found.group(1)], value)
        if isinstance(value, Mapping):
            return {self(key): self(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        return value


def _datasets_named(kpi: Kpi, summary: Mapping[str, Any] | None, definitions: Iterable[Mapping[str, Any]]) -> set[str]:
    names = set(kpi.spec.depends_on)
    names |= set((summary or {}).get("depends_on") or {})
    for definition in definitions:
        names |= set(definition.get("depends_on") or {})
    return names


def lineage(meta: MetaStore, who: Principal, kpi: Kpi, depends_on: Mapping[str, list[str]]) -> dict[str, Any]:
    """The datasets and critical fields the KPI reads, linked to their catalogue pages where ``who`` sees them."""
    ids = [f"dataset.{name}" for name in depends_on]
    ids += [field_id(f"dataset.{name}", column) for name, columns in depends_on.items() for column in columns]
    shown = visible_ids(meta, who, [*ids, kpi.node_id])
    datasets = []
    for name, columns in depends_on.items():
        asset = f"dataset.{name}"
        visible = asset in shown
        datasets.append(
            {
                "dataset": name,
                "visible": visible,
                "href": asset_href(asset) if visible else None,
                "fields": [
                    {
                        "name": column,
                        "href": asset_href(field_id(asset, column)) if field_id(asset, column) in shown else None,
                    }
                    for column in columns
                ],
            }
        )
    return {
        "datasets": datasets,
        "hidden": sum(1 for d in datasets if not d["visible"]),
        "catalogue": asset_href(kpi.node_id) if kpi.node_id in shown else None,
    }


def _period_label(when: date, frequency: str) -> str:
    return Period(when, when).label(frequency)  # type: ignore[arg-type]


def _stored_series(obs: Observatory, run_id: int, kpi_id: str, breakdown: str, member: str) -> list[dict[str, Any]]:
    """A series' rows of ``governed.kpi_values`` for one run, oldest first (none when the table is absent)."""
    if not obs.project.warehouse_path.exists():
        return []
    with read_warehouse(obs) as connection:
        if not table_exists(connection, "governed", VALUES_TABLE):
            return []
        return fetch_dicts(
            connection,
            "SELECT period_start, period_label, numerator, denominator, value, mean, lower, upper, special_cause, "
            f"rules FROM governed.{VALUES_TABLE} WHERE run_id = ? AND kpi_id = ? AND breakdown = ? AND member = ? "
            "ORDER BY period_start",
            [run_id, kpi_id, breakdown, member],
        )


def series(
    obs: Observatory, run_id: int, summary: Mapping[str, Any], breakdown: str, member: str
) -> list[dict[str, Any]]:
    """Every period of one series: its value, numerator and denominator, and its SPC mean, limits and signal.

    The total comes from the stored summary (which has the two-sigma lines, targets and directions too), joined
    with the warehouse's numerators and denominators (left out while a build holds the warehouse); a breakdown
    member comes from the warehouse alone."""
    frequency = summary.get("frequency", "monthly")
    try:
        rows = _stored_series(obs, run_id, summary["id"], breakdown, member)
    except EngineError:  # a build holds the warehouse (or it is not DuckDB): the summary still has the total
        if (breakdown, member) != TOTAL_KEY:
            raise
        rows = []
    if (breakdown, member) != TOTAL_KEY:
        return [
            {
                "period": row["period_start"].isoformat(),
                "label": row["period_label"],
                **{key: row[key] for key in ("value", "numerator", "denominator", "mean", "lower", "upper")},
                "special_cause": row["special_cause"] or None,
                "rules": [rule for rule in (row["rules"] or "").split(",") if rule],
            }
            for row in rows
        ]
    stored = {row["period_start"].isoformat(): row for row in rows}
    points = []
    for point in (summary.get("spc") or {}).get("points") or []:
        row = stored.get(point["period"], {})
        label = row.get("period_label") or _period_label(date.fromisoformat(point["period"]), frequency)
        points.append(
            {
                "period": point["period"],
                "label": label,
                "value": point["value"],
                "numerator": row.get("numerator"),
                "denominator": row.get("denominator"),
                **{key: point.get(key) for key in ("mean", "lower", "upper", "lower_two_sigma", "upper_two_sigma")},
                "target": point.get("target"),
                "special_cause": point.get("special_cause"),
                "direction": point.get("direction"),
                "rules": list(point.get("rules") or []),
                "segment": point.get("segment", 0),
            }
        )
    return points


def chosen_member(summary: Mapping[str, Any], breakdown: str | None, member: str | None) -> dict[str, Any] | None:
    """The breakdown member asked for, checked against the stored members (400 for half a choice, 404 for an
    unknown one); None for the total."""
    if breakdown is None and member is None:
        return None
    if breakdown is None or member is None:
        raise ObservatoryError("Give both a breakdown and a member, or neither (for the KPI as a whole).")
    for group in summary.get("breakdowns") or []:
        if group["name"] != breakdown:
            continue
        for row in group["members"]:
            if row["member"] == member:
                return {"breakdown": breakdown, "title": group["title"], **row}
        raise NotFoundError(f"The breakdown {group['title']!r} has no member {member!r}.")
    raise NotFoundError(f"This KPI has no breakdown {breakdown!r}.")


def _place(
    metrics: Metrics, kpi: Kpi, rows: Mapping[str, dict[str, Any]], priorities: Mapping[str, Status]
) -> dict[str, Any]:
    """Where the KPI sits: the corporate priority at the top of its branch, the KPI above it, the KPIs under it."""
    own = rows[kpi.id]
    top = metrics.priorities.get(own["priority"] or "")
    parent = rows.get(kpi.spec.parent or "")
    return {
        "priority": None
        if top is None
        else {
            "id": top.id,
            "title": top.spec.title,
            "status": priorities[top.id],
            "status_text": STATUS_TEXT[priorities[top.id]],
        },
        "parent": None if parent is None else {key: parent[key] for key in BRIEF},
        "children": [{key: rows[child.id][key] for key in BRIEF} for child in metrics.children(kpi.id)],
    }


def kpi_detail(
    obs: Observatory, who: Principal, kpi: Kpi, rows: list[dict[str, Any]], priorities: Mapping[str, Status]
) -> dict[str, Any]:
    """One KPI for its page and its JSON, with its total series (``with_member`` shows a member's instead).

    ``rows`` and ``priorities`` are ``kpi_rows``: they give its rolled-up status and its place in the hierarchy."""
    result = latest_results(obs.meta, [kpi.id]).get(kpi.id)
    all_versions = versions(obs.meta, kpi.id)
    summary = result.summary if result else None
    redact = Redactor(obs.meta, who, _datasets_named(kpi, summary, (v.definition for v in all_versions)))
    stored_version = next((v for v in all_versions if result and v.version == result.version), None)
    by_id = {row["id"]: row for row in rows}
    own = by_id[kpi.id]
    described = summary if summary is not None else describe_kpi(kpi, all_versions[-1].version if all_versions else 0)
    forecast = bool(summary and summary.get("forecast"))
    return {
        "title": kpi.spec.title,
        "id": kpi.id,
        "computed": result is not None,
        "computed_at": result.computed_at.isoformat() if result else None,
        "run_id": result.run_id if result else None,
        "current_definition": stored_version is not None and stored_version.digest == kpi.digest,
        **{key: own[key] for key in ("status", "status_text", "rolled_status", "rolled_status_text")},
        "summary": redact(summary),
        "definition": redact({key: described.get(key) for key in DEFINITION_KEYS}),
        "hierarchy": _place(obs.project.metrics, kpi, by_id, priorities),
        "versions": [redact(v.to_dict()) for v in reversed(all_versions)],
        "history": [
            {
                "run_id": earlier.run_id,
                "computed_at": earlier.computed_at.isoformat(),
                "version": earlier.version,
                "status": earlier.status,
                "status_text": STATUS_TEXT.get(earlier.status, earlier.status),
                "latest": earlier.summary.get("latest"),
            }
            for earlier in result_history(obs.meta, kpi.id, HISTORY)
        ],
        "lineage": redact(lineage(obs.meta, who, kpi, described.get("depends_on") or {})),
        "series": {
            "breakdown": None,
            "member": None,
            "points": series(obs, result.run_id, result.summary, *TOTAL_KEY) if result else [],
        },
        "selected": None,
        "links": {
            "page": kpi_href(kpi.id),
            "spc_svg": kpi_href(kpi.id, "/spc.svg"),
            "spc_png": kpi_href(kpi.id, "/spc.png"),
            "forecast_svg": kpi_href(kpi.id, "/forecast.svg") if forecast else None,
            "forecast_png": kpi_href(kpi.id, "/forecast.png") if forecast else None,
        },
        "known_limits": [SMALL_NUMBERS],
    }


def with_member(obs: Observatory, data: dict[str, Any], breakdown: str | None, member: str | None) -> dict[str, Any]:
    """``data`` (from ``kpi_detail``) showing one breakdown member's series instead of the total."""
    summary = data["summary"]
    if summary is None:
        if breakdown is not None or member is not None:
            raise NotFoundError("This KPI has not been computed yet, so it has no breakdowns to show.")
        return data
    chosen = chosen_member(summary, breakdown, member)
    if chosen is None:
        return data
    points = series(obs, data["run_id"], summary, chosen["breakdown"], chosen["member"])
    suffix = "?" + urlencode({"breakdown": chosen["breakdown"], "member": chosen["member"]})
    links = {
        **data["links"],
        "spc_svg": data["links"]["spc_svg"] + suffix,
        "spc_png": data["links"]["spc_png"] + suffix,
    }
    return {
        **data,
        "series": {"breakdown": chosen["breakdown"], "member": chosen["member"], "points": points},
        "selected": chosen,
        "links": links,
    }
