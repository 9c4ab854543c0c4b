"""The score and confidence method on hand-built results, number for number (docs/quality.md)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from observatory.quality.confidence import (
    DatasetConfidence,
    assess,
    combine,
    failing_percent,
    finding,
    key_measures,
    measure_label,
    percent,
)
from tests.quality.builders import measure, quality

CLIENTS = quality(
    measure("completeness:date_of_birth", 972, 1000, critical=True),
    measure("validity:date_of_birth", 950, 1000, critical=True),
    measure("completeness:postcode", 990, 1000, critical=True),
    measure("validity:postcode", 980, 1000, critical=True),
    measure("accuracy:postcode", 970, 1000, critical=True),
    measure("completeness:ethnicity", 500, 1000),  # not a critical field: left out of the score
    measure("uniqueness:client_id", 995, 1000),
    measure("reference:client", 988, 1000),
    measure("rule:age_plausible", 1000, 1000, dimension="validity"),
    measure("timeliness:freshness", 1, 1),
)


def test_dimension_scores_and_score_are_exact_means() -> None:
    result = assess(CLIENTS)
    completeness = (Fraction(972, 1000) + Fraction(990, 1000)) / 2
    validity = (Fraction(950, 1000) + Fraction(980, 1000) + 1) / 3
    assert result.dimensions == {
        "completeness": completeness,
        "uniqueness": Fraction(995, 1000),
        "consistency": Fraction(988, 1000),
        "timeliness": Fraction(1),
        "validity": validity,
        "accuracy": Fraction(970, 1000),
    }
    assert (
        result.score
        == (completeness + Fraction(995, 1000) + Fraction(988, 1000) + 1 + validity + Fraction(97, 100)) / 6
    )
    assert float(result.score) == pytest.approx(0.985111, abs=1e-6)
    assert "completeness:ethnicity" not in {m.name for m in key_measures(CLIENTS.measures)}


def test_high_confidence_statement_names_the_weakest_key_measures() -> None:
    result = assess(CLIENTS)
    assert result.level == "high"
    assert result.statement == (
        "5.0% of date of birth values are not valid; "
        "3.0% of postcode values are not found in the reference data; "
        "completeness of date of birth is 97.2%; "
        "confidence: high because the score is 98.5%, every key measure is at least 95% and no alert is open."
    )


def test_an_open_alert_makes_it_medium() -> None:
    result = assess(CLIENTS, open_alerts=2)
    assert result.level == "medium"
    assert result.reasons == ["2 alerts are open"]
    assert result.statement.endswith("; confidence: medium because 2 alerts are open.")


def test_without_critical_fields_every_field_counts() -> None:
    result = assess(
        quality(
            measure("completeness:ethnicity", 500, 1000),
            measure("completeness:postcode", 900, 1000),
            measure("uniqueness:client_id", 10, 10),
        )
    )
    assert result.dimensions["completeness"] == Fraction(7, 10)
    assert result.dimensions["uniqueness"] == 1
    assert result.score == Fraction(17, 20)
    assert result.level == "low"
    assert result.reasons == ["completeness of ethnicity is 50.0% (below 80%)"]


def test_dimensions_without_measures_are_not_measured_not_zero() -> None:
    result = assess(quality(measure("completeness:postcode", 90, 100, critical=True), measure("rule:r", 0, 0)))
    assert result.dimensions == {
        "completeness": Fraction(9, 10),
        "uniqueness": None,
        "consistency": None,  # its only rule had nothing to check
        "timeliness": None,
        "validity": None,
        "accuracy": None,
    }
    assert result.score == Fraction(9, 10)
    assert result.dimension_floats()["completeness"] == 0.9


def test_nothing_measured_is_low() -> None:
    result = assess(quality(measure("completeness:postcode", 0, 0, critical=True), rows=0))
    assert (result.score, result.level) == (None, "low")
    assert result.statement == (
        "No measure of asc.clients has anything to measure (0 rows); confidence: low because nothing could be measured."
    )


@pytest.mark.parametrize(
    ("passed", "level", "reasons"),
    [
        (1000, "high", ["the score is 100.0%, every key measure is at least 95% and no alert is open"]),
        (950, "high", ["the score is 95.0%, every key measure is at least 95% and no alert is open"]),
        (949, "medium", ["the score is 94.9% (below 95%)", "completeness of postcode is 94.9% (below 95%)"]),
        (850, "medium", ["the score is 85.0% (below 95%)", "completeness of postcode is 85.0% (below 95%)"]),
        (849, "low", ["the score is 84.9% (below 85%)"]),
        (799, "low", ["the score is 79.9% (below 85%)", "completeness of postcode is 79.9% (below 80%)"]),
    ],
)
def test_level_boundaries(passed: int, level: str, reasons: list[str]) -> None:
    result = assess(quality(measure("completeness:postcode", passed, 1000, critical=True)))
    assert (result.level, result.reasons) == (level, reasons)


def test_one_weak_key_measure_makes_it_low_whatever_the_score() -> None:
    result = assess(
        quality(
            measure("completeness:a", 1000, 1000, critical=True),
            measure("completeness:b", 790, 1000, critical=True),
            measure("uniqueness:id", 1000, 1000),
            measure("reference:client", 1000, 1000),
        )
    )
    assert result.score == (Fraction(1790, 2000) + 1 + 1) / 3
    assert result.level == "low"
    assert result.reasons == ["completeness of b is 79.0% (below 80%)"]


def test_stale_data_is_low() -> None:
    stale = measure("timeliness:freshness", 0, 1, description="latest data no older than 7d (loaded 9 days ago)")
    result = assess(replace(CLIENTS, measures=[*CLIENTS.measures[:-1], stale]))
    assert result.level == "low"
    assert result.reasons == ["the score is 81.8% (below 85%)", "the data is out of date"]
    assert result.statement.startswith("The data is out of date; 5.0% of date of birth values are not valid; ")


def test_many_weak_measures_are_counted_not_all_named() -> None:
    result = assess(quality(*(measure(f"completeness:f{i}", 900 + i, 1000, critical=True) for i in range(5))))
    assert result.level == "medium"
    assert result.reasons == [
        "the score is 90.2% (below 95%)",
        "completeness of f0 is 90.0% (below 95%)",
        "completeness of f1 is 90.1% (below 95%)",
        "completeness of f2 is 90.2% (below 95%)",
        "2 other key measures are below 95%",
    ]
    assert result.findings == [
        "completeness of f0 is 90.0%",
        "completeness of f1 is 90.1%",
        "completeness of f2 is 90.2%",
    ]
    assert "medium because the score is 90.2% (below 95%), completeness of f0" in result.statement
    assert result.statement.endswith("and 2 other key measures are below 95%.")


def test_all_passed_in_full() -> None:
    result = assess(quality(measure("completeness:a", 10, 10, critical=True), measure("timeliness:freshness", 1, 1)))
    assert result.statement == (
        "All 2 key measures passed in full; "
        "confidence: high because the score is 100.0%, every key measure is at least 95% and no alert is open."
    )


def test_percentages_round_down_and_failing_shares_round_up() -> None:
    assert percent(Fraction(9499, 10000)) == "94.9%"
    assert failing_percent(Fraction(9499, 10000)) == "5.1%"
    assert percent(0.972) == "97.2%"  # a float read back from the store
    assert percent(Fraction(1)) == "100.0%"
    assert failing_percent(1.0) == "0.0%"
    assert percent(Fraction(1, 3)) == "33.3%"
    assert percent(Fraction(2, 3)) == "66.6%"


@pytest.mark.parametrize(
    ("name", "passed", "description", "label", "text"),
    [
        (
            "completeness:date_of_birth",
            972,
            "",
            "completeness of date of birth",
            "completeness of date of birth is 97.2%",
        ),
        ("validity:nhs_number", 989, "", "validity of nhs number", "1.1% of nhs number values are not valid"),
        (
            "allowed:ethnicity",
            990,
            "",
            "allowed values of ethnicity",
            "1.0% of ethnicity values are not in the allowed list",
        ),
        (
            "accuracy:postcode",
            989,
            "",
            "accuracy of postcode",
            "1.1% of postcode values are not found in the reference data",
        ),
        (
            "uniqueness:source,client_id",
            988,
            "",
            "uniqueness of source and client id",
            "12 rows repeat a source and client id already used",
        ),
        ("rule:over_18", 999, "age at least 18", "rule over 18", "1 row fails the rule over 18 (age at least 18)"),
        (
            "reference:client",
            988,
            "services belong to a known client",
            "reference client",
            "12 rows fail the reference client (services belong to a known client)",
        ),
    ],
)
def test_findings_in_plain_english(name: str, passed: int, description: str, label: str, text: str) -> None:
    m = measure(name, passed, 1000, description=description)
    assert (measure_label(m), finding(m)) == (label, text)


def test_freshness_findings() -> None:
    assert finding(measure("timeliness:freshness", 0, 1)) == "the data is out of date"
    assert finding(measure("timeliness:freshness", 1, 1)) == "the data is up to date"
    assert finding(measure("rule:r", 0, 0)) == "rule r could not be measured"


def test_combine_lowest_level_wins_and_each_dataset_is_quoted() -> None:
    combined = combine(
        [
            DatasetConfidence("asc.clients", "high", "All 3 key measures passed in full; confidence: high because …."),
            DatasetConfidence("asc.services", "medium", "Completeness of end date is 90.0%; confidence: medium …."),
            DatasetConfidence("ctax.accounts", None, ""),
        ]
    )
    assert combined.level == "low"
    assert combined.statement == (
        "Confidence: low (the lowest of 3 datasets). "
        "asc.clients: All 3 key measures passed in full; confidence: high because …. "
        "asc.services: Completeness of end date is 90.0%; confidence: medium …. "
        "ctax.accounts: not measured yet, so confidence is low."
    )
    assert combined.to_dict()["datasets"][2] == {"dataset": "ctax.accounts", "level": None, "statement": ""}


def test_combine_one_dataset_and_none() -> None:
    one = combine([DatasetConfidence("asc.clients", "medium", "X; confidence: medium because y.")])
    assert (one.level, one.statement) == ("medium", "Confidence: medium. asc.clients: X; confidence: medium because y.")
    assert combine([DatasetConfidence("a.b", "high", "s."), DatasetConfidence("c.d", "medium", "t.")]).level == "medium"
    with pytest.raises(ValueError, match="at least one dataset"):
        combine([])
