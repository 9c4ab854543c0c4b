"""The parts of a KPI's stored summary that explain it: its definition, caveats from open quality alerts, and the
effect of a changed definition."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from observatory.config.kpi_models import KpiSpec
from observatory.config.kpis import Kpi
from observatory.meta.store import MetaStore
from observatory.metrics.store import Version
from observatory.metrics.units import show, unit_text
from observatory.quality.alerts import list_alerts

if TYPE_CHECKING:
    from observatory.metrics.compute import KpiValues

POLARITY_TEXT = {
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "neutral": "Neither higher nor lower is better",
}


def describe_kpi(kpi: Kpi, version: int) -> dict[str, Any]:
    """What the KPI is: the governed definition as everyone should read it."""
    spec = kpi.spec
    return {
        "id": kpi.id,
        "node_id": kpi.node_id,
        "title": spec.title,
        "definition": spec.definition,
        "owner": spec.owner,
        "business_area": spec.business_area,
        "unit": spec.unit,
        "unit_text": unit_text(spec),
        "polarity": spec.polarity,
        "polarity_text": POLARITY_TEXT[spec.polarity],
        "frequency": spec.frequency,
        "parent": spec.parent,
        "version": version,
        "file": kpi.file.name,
        "depends_on": {dataset: list(fields) for dataset, fields in spec.depends_on.items()},
        "targets": [
            {"from": t.from_.isoformat(), "value": t.value, "shown": show(t.value, spec)} for t in spec.targets
        ],
    }


def caveats_for(meta: MetaStore, kpi: Kpi) -> list[dict[str, Any]]:
    """A caveat for every open quality alert on a dataset the KPI reads; ``critical`` when it is on a field the
    KPI declares it cannot do without."""
    found = []
    for dataset, fields in kpi.spec.depends_on.items():
        for alert in list_alerts(meta, dataset):
            critical = any(_names_field(alert.measure, name) for name in fields)
            where = "a field this KPI depends on" if critical else "a dataset this KPI reads"
            found.append(
                {
                    "dataset": dataset,
                    "measure": alert.measure,
                    "critical": critical,
                    "text": f"Open quality alert on {where} ({dataset}): {alert.message}",
                }
            )
    return found


def _names_field(measure: str, field: str) -> bool:
    """Whether a quality measure (``completeness.contact_date``, ``validity.contact_date``...) is about ``field``."""
    return field in measure.replace(":", ".").split(".")


def definition_change(
    version: Version,
    before: Version | None,
    earlier_summary: dict[str, Any] | None,
    earlier_values: list[dict[str, Any]],
    values: KpiValues,
    spec: KpiSpec,
) -> dict[str, Any] | None:
    """How the latest change of definition moved the numbers, on the periods both versions computed.

    Computed in the run where the version changes (from the previous version's last stored values) and carried
    forward in later runs of the same version."""
    if before is None:
        return None
    if not earlier_values:
        carried = (earlier_summary or {}).get("definition_change")
        return carried if carried and carried.get("to_version") == version.version else None
    old = {
        row["period_start"]: row["value"] for row in earlier_values if row["breakdown"] == "" and row["member"] == ""
    }
    pairs = [
        (old[p.start], new)
        for p, new in zip(values.periods, values.total.value, strict=True)
        if p.start in old and old[p.start] is not None and new is not None
    ]
    if not pairs:
        return {
            "from_version": before.version,
            "to_version": version.version,
            "changed_at": version.created_at.isoformat(),
            "periods_compared": 0,
            "text": f"The definition changed (version {before.version} to {version.version}); "
            "the two versions share no periods to compare.",
        }
    old_latest, new_latest = pairs[-1]
    mean_old = sum(o for o, _ in pairs) / len(pairs)
    mean_new = sum(n for _, n in pairs) / len(pairs)
    return {
        "from_version": before.version,
        "to_version": version.version,
        "changed_at": version.created_at.isoformat(),
        "periods_compared": len(pairs),
        "latest_before": old_latest,
        "latest_after": new_latest,
        "mean_before": mean_old,
        "mean_after": mean_new,
        "text": (
            f"The definition changed (version {before.version} to {version.version}). On the {len(pairs)} periods "
            f"both versions computed, the latest value moved from {show(old_latest, spec)} to "
            f"{show(new_latest, spec)} and the average from {show(mean_old, spec)} to {show(mean_new, spec)}."
        ),
    }
