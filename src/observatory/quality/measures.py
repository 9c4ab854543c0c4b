"""What a quality run produces: measures (numerator over denominator, per dimension) and failing-row samples.

Measure names are stable ids, ``<kind>:<subject>``:

======================  ============  ==========================================================
name                    dimension     passed / total
======================  ============  ==========================================================
completeness:<field>    completeness  rows where the field is not missing / rows
validity:<field>        validity      valid values / values present (partial values fail)
allowed:<field>         validity      values in the allowed list / values present
accuracy:<field>        accuracy      values found in reference data / valid values
                                      (postcode in the ONSPD, UPRN/USRN in the gazetteer)
uniqueness:<keys>       uniqueness    distinct non-null keys / rows with a non-null key
rule:<rule>             per rule      rows meeting the rule / rows where it can be evaluated
reference:<reference>   consistency   rows whose key exists in the referenced dataset / rows
                                      with a non-null key
timeliness:freshness    timeliness    1 / 1 when the latest load is within the declared
                                      freshness, 0 / 1 otherwise
======================  ============  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Dimension = Literal["completeness", "uniqueness", "consistency", "timeliness", "validity", "accuracy"]
DIMENSIONS: tuple[Dimension, ...] = ("completeness", "uniqueness", "consistency", "timeliness", "validity", "accuracy")


@dataclass(frozen=True)
class Measure:
    """One quality measure of one dataset: ``passed`` of ``total`` rows (or values) met it."""

    name: str
    dimension: Dimension
    passed: int
    total: int
    field: str | None = None
    critical: bool = False
    description: str = ""

    @property
    def failed(self) -> int:
        return self.total - self.passed

    @property
    def value(self) -> float | None:
        """The share that passed, 0..1; ``None`` when nothing could be measured."""
        return self.passed / self.total if self.total else None


@dataclass(frozen=True)
class FailingSample:
    """Some rows failing one measure: the dataset's key fields and the offending values.

    Values of personal fields are masked (``masked`` lists them) unless the field is declared
    ``personal: false``.
    """

    measure: str
    columns: list[str]
    rows: list[dict[str, str | None]]
    masked: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DatasetQuality:
    """Every measure of one dataset from one quality run, and samples of failing rows."""

    dataset: str
    rows: int
    measures: list[Measure]
    samples: list[FailingSample]
    measured_at: datetime
    owner: str = ""

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)
