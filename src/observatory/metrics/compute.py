"""Compute a KPI's values per period, for its total and every breakdown member, in the engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from observatory.config.kpi_models import MeasureSpec
from observatory.config.kpis import Kpi
from observatory.engine.base import Engine
from observatory.errors import ObservatoryError
from observatory.metrics.periods import Period
from observatory.metrics.sql import TOTAL, measure_sql

SeriesKey = tuple[str, str]
"""``(breakdown, member)``; ``("", "")`` is the total."""
TOTAL_KEY: SeriesKey = (TOTAL, TOTAL)


@dataclass
class Series:
    """One line of a KPI: numerator, denominator and value for every period (aligned with ``KpiValues.periods``)."""

    numerator: list[float]
    denominator: list[float] | None
    value: list[float | None]


@dataclass
class KpiValues:
    """Every series of one KPI over its periods."""

    kpi: Kpi
    periods: list[Period]
    series: dict[SeriesKey, Series] = field(default_factory=dict)

    @property
    def total(self) -> Series:
        return self.series[TOTAL_KEY]

    def breakdowns(self) -> dict[str, list[str]]:
        """Each breakdown's members, sorted."""
        found: dict[str, list[str]] = {}
        for breakdown, member in sorted(self.series):
            if breakdown:
                found.setdefault(breakdown, []).append(member)
        return found


class KpiComputeError(ObservatoryError):
    """A KPI could not be computed; the message names the KPI, its file and line, and what failed."""


def _run(
    engine: Engine, kpi: Kpi, side: str, measure: MeasureSpec, periods: Sequence[Period]
) -> dict[SeriesKey, dict[date, float]]:
    step = measure_sql(kpi, measure, periods)
    try:
        table = engine.query(step.sql)
    except Exception as exc:  # the engine's own error, made to name the definition it came from
        where = f"{kpi.file}:{kpi.line}" if kpi.line else str(kpi.file)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise KpiComputeError(f"{where}: KPI {kpi.id!r}: the {side} could not be computed: {detail}") from exc
    found: dict[SeriesKey, dict[date, float]] = {}
    columns = table.to_pydict()
    for breakdown, member, start, value in zip(
        columns["breakdown"], columns["member"], columns["period_start"], columns["value"], strict=True
    ):
        found.setdefault((breakdown, member), {})[start] = float(value or 0.0)
    return found


def compute_values(engine: Engine, kpi: Kpi, periods: Sequence[Period]) -> KpiValues:
    """The KPI's numerator, denominator and value per period for its total and each breakdown member.

    A period with no counted rows counts zero; a value whose denominator is zero is missing (``None``).
    """
    spec = kpi.spec
    numerators = _run(engine, kpi, "numerator", spec.numerator, periods)
    denominators = _run(engine, kpi, "denominator", spec.denominator, periods) if spec.denominator else None
    keys = set(numerators) | set(denominators or {}) | {TOTAL_KEY}
    result = KpiValues(kpi, list(periods))
    for key in sorted(keys):
        nums = [numerators.get(key, {}).get(p.start, 0.0) for p in periods]
        if denominators is None:
            result.series[key] = Series(nums, None, [n * spec.multiplier for n in nums])
            continue
        dens = [denominators.get(key, {}).get(p.start, 0.0) for p in periods]
        values = [n / d * spec.multiplier if d else None for n, d in zip(nums, dens, strict=True)]
        result.series[key] = Series(nums, dens, values)
    return result
