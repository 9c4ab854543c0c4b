"""Score and confidence: how good one dataset is, how far to trust it, and why, in plain English.

The method is written down in ``docs/quality.md`` ("Score and confidence"); in short:

- the *key measures* of a dataset are the measures of its critical fields (of every field when
  none is critical) plus every dataset-level measure (uniqueness, rules, references,
  timeliness); a measure of nothing (``total == 0``) is left out;
- a dimension's score is the mean of its key measures' values; a dimension with none is
  *not measured* (``None``), never zero;
- the dataset's score is the mean of its measured dimensions' scores;
- confidence is ``high`` when the score and every key measure are at least 95% and no alert is
  open, ``medium`` when the score is at least 85% and every key measure at least 80%, else ``low``.

Arithmetic is exact (fractions); percentages are shown rounded down to 0.1 (so a value shown as
95.0% is at least 95%) and shares that fail rounded up (so the two add up to 100%).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from observatory.quality.measures import DIMENSIONS, DatasetQuality, Dimension, Measure

Level = Literal["high", "medium", "low"]
LEVELS: tuple[Level, ...] = ("low", "medium", "high")
"""Confidence levels, lowest first."""

HIGH_SCORE = Fraction(95, 100)
HIGH_MEASURE = Fraction(95, 100)
MEDIUM_SCORE = Fraction(85, 100)
MEDIUM_MEASURE = Fraction(80, 100)
NAMED = 3
"""At most this many measures are named in a statement's findings and in each reason."""


# --- numbers and words --------------------------------------------------------------------------


def share(measure: Measure) -> Fraction | None:
    """``passed / total`` exactly; ``None`` when nothing was measured."""
    return Fraction(measure.passed, measure.total) if measure.total else None


def _value(measure: Measure) -> Fraction:
    return share(measure) or Fraction(0)


def _exact(value: Fraction | float) -> Fraction:
    # a float read back from the store is recovered as the fraction it was computed from
    return value if isinstance(value, Fraction) else Fraction(value).limit_denominator(10**9)


def percent(value: Fraction | float) -> str:
    """``0.97234`` -> ``"97.2%"``: rounded *down* to 0.1, so it never overstates quality."""
    tenths = math.floor(_exact(value) * 1000)
    return f"{tenths / 10:.1f}%"


def failing_percent(value: Fraction | float) -> str:
    """The share that failed, rounded *up* to 0.1: ``percent(v)`` and this add up to 100%."""
    tenths = 1000 - math.floor(_exact(value) * 1000)
    return f"{tenths / 10:.1f}%"


def points(value: Fraction | float) -> str:
    """A difference of shares in percentage points, one decimal: ``0.031`` -> ``"3.1 points"``."""
    return f"{float(value) * 100:.1f} points"


def _threshold(value: Fraction) -> str:
    return f"{float(value * 100):g}%"


def _words(name: str) -> str:
    return name.replace("_", " ").replace(",", " and ")


def _kind_subject(measure: Measure) -> tuple[str, str]:
    kind, _, subject = measure.name.partition(":")
    return kind, _words(measure.field or subject)


def measure_label(measure: Measure) -> str:
    """What a measure is about, in words: ``completeness:date_of_birth`` -> ``completeness of date of birth``."""
    kind, subject = _kind_subject(measure)
    labels = {
        "completeness": f"completeness of {subject}",
        "validity": f"validity of {subject}",
        "allowed": f"allowed values of {subject}",
        "accuracy": f"accuracy of {subject}",
        "uniqueness": f"uniqueness of {subject}",
        "rule": f"rule {subject}",
        "reference": f"reference {subject}",
        "timeliness": "freshness",
    }
    return labels.get(kind, _words(measure.name))


def _rows(count: int, verb: str = "") -> str:
    """``12 rows fail``, ``1 row fails``: ``verb`` in its plural form."""
    text = f"{count:,} row" if count == 1 else f"{count:,} rows"
    return f"{text} {verb}s" if verb and count == 1 else f"{text} {verb}".rstrip()


def finding(measure: Measure) -> str:
    """One plain sentence about a measure, e.g. ``1.1% of postcode values are not found in the reference data``."""
    value = share(measure)
    if value is None:
        return f"{measure_label(measure)} could not be measured"
    kind, subject = _kind_subject(measure)
    detail = f" ({measure.description})" if measure.description else ""
    failed = failing_percent(value)
    if kind == "completeness":
        return f"completeness of {subject} is {percent(value)}"
    if kind == "validity":
        return f"{failed} of {subject} values are not valid"
    if kind == "allowed":
        return f"{failed} of {subject} values are not in the allowed list"
    if kind == "accuracy":
        return f"{failed} of {subject} values are not found in the reference data"
    if kind == "uniqueness":
        return f"{_rows(measure.failed, 'repeat')} a {subject} already used"
    if kind == "rule":
        return f"{_rows(measure.failed, 'fail')} the rule {subject}{detail}"
    if kind == "reference":
        return f"{_rows(measure.failed, 'fail')} the reference {subject}{detail}"
    if kind == "timeliness":
        return "the data is up to date" if measure.failed == 0 else "the data is out of date"
    return f"{measure_label(measure)} is {percent(value)}"


# --- the method ---------------------------------------------------------------------------------


def key_measures(measures: Sequence[Measure]) -> list[Measure]:
    """The measures a score is made of: critical fields' (all fields' if none is critical) and dataset-level ones."""
    measured = [m for m in measures if m.total > 0]
    critical = {m.field for m in measures if m.field is not None and m.critical}
    return [m for m in measured if m.field is None or not critical or m.field in critical]


def dimension_scores(measures: Sequence[Measure]) -> dict[Dimension, Fraction | None]:
    """Per dimension, in ``DIMENSIONS`` order: the mean value of ``measures`` in it, ``None`` if none."""
    scores: dict[Dimension, Fraction | None] = {}
    for dimension in DIMENSIONS:
        values = [v for m in measures if m.dimension == dimension and (v := share(m)) is not None]
        scores[dimension] = sum(values, Fraction(0)) / len(values) if values else None
    return scores


def dataset_score(dimensions: dict[Dimension, Fraction | None]) -> Fraction | None:
    """The mean of the measured dimensions' scores; ``None`` when no dimension was measured."""
    measured = [score for score in dimensions.values() if score is not None]
    return sum(measured, Fraction(0)) / len(measured) if measured else None


def _below(measures: Sequence[Measure], threshold: Fraction) -> list[str]:
    low = sorted((m for m in measures if _value(m) < threshold), key=lambda m: (_value(m), m.name))
    reasons = [
        "the data is out of date"
        if m.dimension == "timeliness"
        else f"{measure_label(m)} is {percent(_value(m))} (below {_threshold(threshold)})"
        for m in low[:NAMED]
    ]
    if len(low) > NAMED:
        reasons.append(f"{len(low) - NAMED} other key measures are below {_threshold(threshold)}")
    return reasons


def _alerts(count: int) -> str:
    return "1 alert is open" if count == 1 else f"{count} alerts are open"


def judge(score: Fraction | None, measures: Sequence[Measure], open_alerts: int) -> tuple[Level, list[str]]:
    """The confidence level and the reasons for it (why not higher, or why high)."""
    if score is None:
        return "low", ["nothing could be measured"]
    low_reasons = [f"the score is {percent(score)} (below {_threshold(MEDIUM_SCORE)})"] if score < MEDIUM_SCORE else []
    low_reasons += _below(measures, MEDIUM_MEASURE)
    if low_reasons:
        return "low", low_reasons
    medium_reasons = [f"the score is {percent(score)} (below {_threshold(HIGH_SCORE)})"] if score < HIGH_SCORE else []
    medium_reasons += _below(measures, HIGH_MEASURE)
    medium_reasons += [_alerts(open_alerts)] if open_alerts else []
    if medium_reasons:
        return "medium", medium_reasons
    return "high", [
        f"the score is {percent(score)}, every key measure is at least {_threshold(HIGH_MEASURE)} and no alert is open"
    ]


@dataclass(frozen=True)
class Assessment:
    """Score and confidence of one dataset's quality, with the statement that explains them."""

    dataset: str
    dimensions: dict[Dimension, Fraction | None]
    score: Fraction | None
    level: Level
    reasons: list[str]
    findings: list[str]
    statement: str

    def dimension_floats(self) -> dict[str, float | None]:
        return {d: None if s is None else float(s) for d, s in self.dimensions.items()}


def _sentence(parts: Sequence[str]) -> str:
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 2 else parts)


def statement(findings: Sequence[str], level: Level, reasons: Sequence[str]) -> str:
    """``Finding; finding; confidence: LEVEL because REASON and REASON.``"""
    text = "; ".join([*findings, f"confidence: {level} because {_sentence(reasons)}"]) + "."
    return text[0].upper() + text[1:]


def assess(quality: DatasetQuality, open_alerts: int = 0) -> Assessment:
    """Score ``quality`` and state the confidence, given how many of its alerts are open."""
    key = key_measures(quality.measures)
    dimensions = dimension_scores(key)
    score = dataset_score(dimensions)
    level, reasons = judge(score, key, open_alerts)
    weakest = sorted((m for m in key if m.failed > 0), key=lambda m: (_value(m), m.name))[:NAMED]
    if score is None:
        findings = [f"no measure of {quality.dataset} has anything to measure ({_rows(quality.rows)})"]
    elif weakest:
        findings = [finding(m) for m in weakest]
    else:
        findings = [f"all {len(key)} key measures passed in full"]
    return Assessment(quality.dataset, dimensions, score, level, reasons, findings, statement(findings, level, reasons))


# --- several datasets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetConfidence:
    """The stated confidence of one dataset (``level`` is ``None`` when it has never been measured)."""

    dataset: str
    level: Level | None
    statement: str


@dataclass(frozen=True)
class Confidence:
    """The confidence of something built from several datasets: the lowest of theirs."""

    level: Level
    statement: str
    datasets: list[DatasetConfidence]

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "statement": self.statement,
            "datasets": [{"dataset": d.dataset, "level": d.level, "statement": d.statement} for d in self.datasets],
        }


def combine(datasets: Sequence[DatasetConfidence]) -> Confidence:
    """The lowest level wins (a dataset never measured counts as low); the statement quotes each dataset."""
    if not datasets:
        raise ValueError("confidence needs at least one dataset")
    level = min((d.level or "low" for d in datasets), key=LEVELS.index)
    lowest = "" if len(datasets) == 1 else f" (the lowest of {len(datasets)} datasets)"
    quoted = [
        f"{d.dataset}: {d.statement}" if d.level else f"{d.dataset}: not measured yet, so confidence is low."
        for d in datasets
    ]
    return Confidence(level, " ".join([f"Confidence: {level}{lowest}.", *quoted]), list(datasets))
