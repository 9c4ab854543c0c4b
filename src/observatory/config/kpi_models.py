"""Authoring specs of governed KPIs: the shape of ``metrics/*.yml`` and of ``metrics:`` in ``observatory.yml``.

A KPI file holds corporate priorities and KPIs::

    priorities:
      care_and_support: {title: People get the care and support they need, owner: Chief Executive}
    kpis:
      asc_new_requests:
        title: New requests for adult social care support
        definition: Every new request for support received in the month, counted once per request.
        owner: Head of Adult Social Care
        business_area: Adult social care
        unit: count
        polarity: neutral
        frequency: monthly
        numerator: {dataset: asc.contacts, count: contact_id, date: contact_date}
        breakdowns: {locality: {title: Locality}}
        depends_on: {asc.contacts: [contact_id, contact_date]}
        parent: care_and_support

Runtime objects are compiled from these in ``config.kpis``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from observatory.config.models import Name, Spec

Frequency = Literal["weekly", "monthly", "quarterly"]
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
Unit = Literal["count", "percent", "rate", "number", "currency", "days"]
Effect = Literal["numerator", "denominator", "value"]
DatasetRef = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]
"""``source.dataset`` (the standard layer), or ``linked.<table>`` (the linked layer)."""
Column = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]
"""A column of the measure's rows: lower case, digits and underscores."""


class MeasureSpec(Spec):
    """One side of a KPI: which rows, what is counted or summed, and when each row counts.

    Rows come from a governed ``dataset`` (optionally filtered by ``where``) or from a ``sql`` query over
    governed datasets, written ``source.dataset`` (DuckDB's dialect; it is translated for Spark).
    A row with a ``date`` counts in the period the date falls in; a row with ``start`` (and ``end``) counts in
    every period at whose end it is open (``start`` on or before the last day, ``end`` blank or after it).
    """

    dataset: DatasetRef | None = None
    where: str | None = Field(default=None, min_length=1)
    sql: str | None = Field(default=None, min_length=1)
    count: str | None = Field(default=None, min_length=1)
    """A column whose distinct values are counted, or ``*`` for rows. The default when nothing is summed."""
    sum: Column | None = None
    """A numeric column to add up instead of counting (every row adds, so set ``distinct`` if rows repeat)."""
    distinct: bool = False
    """Drop rows that repeat exactly (every column the same) before counting or summing."""
    date: Column | None = None
    start: Column | None = None
    end: Column | None = None

    @model_validator(mode="after")
    def _one_way_each(self) -> MeasureSpec:
        if (self.dataset is None) == (self.sql is None):
            raise ValueError("give either dataset (with an optional where) or sql, not both")
        if self.where is not None and self.dataset is None:
            raise ValueError("where goes with dataset; put the condition inside the sql instead")
        if self.count is not None and self.sum is not None:
            raise ValueError("give count or sum, not both")
        if self.count not in (None, "*") and not _is_column(self.count):
            raise ValueError("count must be a column name or *")
        if (self.date is None) == (self.start is None):
            raise ValueError("give date (events counted when they happen) or start and end (open at period end)")
        if self.end is not None and self.start is None:
            raise ValueError("end goes with start")
        return self

    @property
    def counted(self) -> str:
        """What is counted: a column (distinct values) or ``*`` (rows); empty when a sum is taken."""
        return "" if self.sum else (self.count or "*")


def _is_column(text: str) -> bool:
    return text.replace("_", "a").isalnum() and text[0].isalpha() and text.islower()


class BreakdownSpec(Spec):
    """A way to split a KPI: a column present in the numerator's (and denominator's) rows."""

    title: str = Field(min_length=1)
    column: Column | None = None


class TargetSpec(Spec):
    """A target in force from a date until the next one (values in the KPI's unit, e.g. 95 for 95%)."""

    from_: date = Field(alias="from")
    value: float


class SpcSettingsSpec(Spec):
    """How a KPI's statistical process control chart is drawn (defaults from ``metrics:`` in observatory.yml)."""

    run_length: Literal[6, 7] | None = None
    trend_length: Literal[6, 7] | None = None
    screen: bool | None = None
    rebase: list[date] = Field(default_factory=list)


class ScenarioSpec(Spec):
    """A what-if on a driver: the driver changes by ``change`` (0.05 is +5%) over the forecast horizon."""

    title: str = Field(min_length=1)
    change: float = Field(gt=-0.9, le=10)
    effect: Effect = "numerator"


class ForecastSpec(Spec):
    """Whether and how far a KPI is forecast, and its scenarios."""

    enabled: bool = True
    horizon: int | None = Field(default=None, ge=1, le=60)
    scenarios: dict[Name, ScenarioSpec] = Field(default_factory=dict)


class KpiSpec(Spec):
    """One governed KPI: what is counted and how, who owns it, its targets, its place in the hierarchy."""

    title: str = Field(min_length=1)
    definition: str = Field(min_length=20)
    """What is counted and how, in plain English, for everyone who reads the number."""
    owner: str = Field(min_length=1)
    business_area: str = Field(min_length=1)
    unit: Unit
    polarity: Polarity
    frequency: Frequency = "monthly"
    numerator: MeasureSpec
    denominator: MeasureSpec | None = None
    scale: float | None = Field(default=None, gt=0)
    """The ratio is multiplied by this: 100 for a percentage (the default with unit percent), 10000 per 10,000."""
    decimals: int = Field(default=1, ge=0, le=4)
    breakdowns: dict[Name, BreakdownSpec] = Field(default_factory=dict)
    targets: list[TargetSpec] = Field(default_factory=list)
    depends_on: dict[DatasetRef, list[Column]] = Field(min_length=1)
    """Every dataset the KPI reads, with the fields it cannot do without (its critical fields)."""
    parent: Name | None = None
    """A parent KPI or a corporate priority."""
    start: date | None = None
    """The first period computed (default ``metrics.start``)."""
    spc: SpcSettingsSpec = Field(default_factory=SpcSettingsSpec)
    forecast: ForecastSpec = Field(default_factory=ForecastSpec)

    @model_validator(mode="after")
    def _consistent(self) -> KpiSpec:
        if self.unit in ("percent", "rate") and self.denominator is None:
            raise ValueError(f"a {self.unit} needs a denominator")
        if self.unit == "rate" and self.scale is None:
            raise ValueError("a rate needs a scale (e.g. 10000 for per 10,000)")
        starts = [t.from_ for t in self.targets]
        if starts != sorted(set(starts)):
            raise ValueError("targets must be in date order, one per date")
        return self

    @property
    def multiplier(self) -> float:
        """What the ratio (or count) is multiplied by."""
        if self.scale is not None:
            return self.scale
        return 100.0 if self.unit == "percent" else 1.0


class PrioritySpec(Spec):
    """A corporate priority: the top of a KPI hierarchy."""

    title: str = Field(min_length=1)
    description: str = ""
    owner: str = ""


class KpiFileSpec(Spec):
    """One ``metrics/*.yml`` file."""

    priorities: dict[Name, PrioritySpec] = Field(default_factory=dict)
    kpis: dict[Name, KpiSpec] = Field(default_factory=dict)
