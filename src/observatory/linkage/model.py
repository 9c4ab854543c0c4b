"""The person model: Splink comparisons and blocking rules tuned for UK council records.

Every record of ``linked.person_records`` is compared with the records it shares a blocking key
with (``BLOCKING_RULES``); each comparison below scores one kind of evidence, and Splink adds their
match weights (log2 Bayes factors) into a match probability. The m and u probabilities are learnt
without labels: u by random sampling, m by expectation maximisation (EM) over ``TRAINING_BLOCKS``,
each of which leaves some comparisons free to be estimated. The SQL is written once (DuckDB
dialect) and Splink transpiles it for Spark.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
import structlog
from splink import ColumnExpression, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from observatory.errors import ObservatoryError

log = structlog.get_logger()

MODEL_FILE = "linkage/model.json"
"""Where the trained model is kept, relative to the project."""
DIAGNOSTICS_DIR = "linkage/diagnostics"
TF_COLUMNS = ("forename", "surname")
"""Columns whose exact matches are weighted by how common the value is (term-frequency adjustments)."""
"""Charts of the trained model (match weights, m and u probabilities), as HTML files."""


def _exact(column: str, label: str, *, term_frequencies: bool = False) -> ComparisonLevelCreator:
    level = cll.ExactMatchLevel(column, term_frequency_adjustments=term_frequencies)
    return level.configure(label_for_charts=label)


def _swapped() -> ComparisonLevelCreator:
    """Forename and surname written the other way round (a common data-entry slip)."""
    return cll.CustomLevel(
        "forename_l = surname_r AND surname_l = forename_r", "forename and surname swapped", base_dialect_str="duckdb"
    )


def forename() -> ComparisonCreator:
    """Forenames: exact (rarer names count for more), a known alias (Bob ~ Robert), typos, a middle name."""
    known_by_middle_name = (
        "forename_l = split_part(middle_names_r, ' ', 1) OR forename_r = split_part(middle_names_l, ' ', 1)"
    )
    return cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            _exact("forename", "same forename", term_frequencies=True),
            _swapped(),
            _exact("forename_canonical", "alias of the same name (nickname table)"),
            cll.JaroWinklerLevel("forename", 0.92).configure(label_for_charts="forename typo (Jaro-Winkler >= 0.92)"),
            cll.CustomLevel(known_by_middle_name, "known by their middle name", base_dialect_str="duckdb"),
            cll.JaroWinklerLevel("forename", 0.8).configure(label_for_charts="similar forename (Jaro-Winkler >= 0.8)"),
            cll.ElseLevel(),
        ],
        comparison_description="forename",
    )


def surname() -> ComparisonCreator:
    """Surnames: exact (rarer names count for more), typos; a changed surname falls to 'different'."""
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            _exact("surname", "same surname", term_frequencies=True),
            _swapped(),
            cll.JaroWinklerLevel("surname", 0.92).configure(label_for_charts="surname typo (Jaro-Winkler >= 0.92)"),
            cll.JaroWinklerLevel("surname", 0.8).configure(label_for_charts="similar surname (Jaro-Winkler >= 0.8)"),
            cll.ElseLevel(),
        ],
        comparison_description="surname",
    )


def date_of_birth() -> ComparisonCreator:
    """Dates of birth: exact, day and month swapped, one digit wrong or two transposed, the year one out."""
    swapped = (
        "year(date_of_birth_l) = year(date_of_birth_r) AND month(date_of_birth_l) = day(date_of_birth_r) "
        "AND day(date_of_birth_l) = month(date_of_birth_r)"
    )
    year_out = (
        "month(date_of_birth_l) = month(date_of_birth_r) AND day(date_of_birth_l) = day(date_of_birth_r) "
        "AND abs(year(date_of_birth_l) - year(date_of_birth_r)) = 1"
    )
    as_text = ColumnExpression("date_of_birth").cast_to_string()
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            _exact("date_of_birth", "same date of birth"),
            cll.CustomLevel(swapped, "day and month swapped", base_dialect_str="duckdb"),
            cll.DamerauLevenshteinLevel(as_text, 1).configure(label_for_charts="one digit wrong or two transposed"),
            cll.CustomLevel(year_out, "year one out", base_dialect_str="duckdb"),
            cll.ElseLevel(),
        ],
        comparison_description="date of birth",
    )


def address() -> ComparisonCreator:
    """Where they live, as one piece of evidence: the same property (UPRN from the gazetteer), else the same
    postcode with a similar address, the same postcode, sector (AB10 1) or district (AB10).

    One comparison, not one for the UPRN and another for the postcode: the two say the same thing, and
    counting both would make members of one household look like one person."""
    nothing = "postcode_l IS NULL AND uprn_l IS NULL AND address_l IS NULL"
    missing = f"({nothing}) OR ({nothing.replace('_l', '_r')})"
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.CustomLevel(missing, "no address to compare", base_dialect_str="duckdb").configure(is_null_level=True),
            _exact("uprn", "same property (UPRN)"),
            cll.And(cll.ExactMatchLevel("postcode"), cll.JaroWinklerLevel("address", 0.9)).configure(
                label_for_charts="same postcode, similar address"
            ),
            _exact("postcode", "same postcode"),
            _exact("postcode_sector", "same postcode sector"),
            _exact("postcode_district", "same postcode district"),
            cll.ElseLevel(),
        ],
        comparison_description="address",
    )


def identifier(column: str, title: str) -> ComparisonCreator:
    """An identifier that is the same or different (NHS number, NI number, UPN)."""
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[cll.NullLevel(column), _exact(column, f"same {title}"), cll.ElseLevel()],
        comparison_description=title,
    )


def sex() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_levels=[cll.NullLevel("sex"), _exact("sex", "same sex"), cll.ElseLevel()],
        comparison_description="sex",
    )


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    return [
        forename(),
        surname(),
        date_of_birth(),
        address(),
        sex(),
        identifier("nhs_number", "NHS number"),
        identifier("ni_number", "NI number"),
        identifier("upn", "UPN"),
    ]


BLOCKING_RULES: tuple[BlockingRuleCreator, ...] = (
    block_on("nhs_number"),
    block_on("ni_number"),
    block_on("upn"),
    block_on("date_of_birth", "surname"),
    block_on("date_of_birth", "forename_canonical"),
    block_on("date_of_birth", "postcode"),
    block_on("date_of_birth", "uprn"),
    block_on("forename_canonical", "surname"),
    CustomRule("l.forename = r.surname AND l.surname = r.forename", sql_dialect="duckdb"),
    block_on("surname", "uprn"),
    block_on("forename_canonical", "uprn"),
    block_on("surname", "postcode"),
    block_on("forename_canonical", "postcode"),
)
"""Which pairs are compared at all: a pair must agree on one of these (documented in docs/linkage.md).
Identifiers catch everything else being wrong; a date of birth with a name or a place catches moves,
surname changes and name typos; both names (or both swapped) catch a wrong date of birth with a move."""

TRAINING_BLOCKS: tuple[BlockingRuleCreator, ...] = (
    block_on("date_of_birth", "surname"),
    block_on("forename_canonical", "surname", "postcode_district"),
    block_on("date_of_birth", "forename_canonical"),
)
"""EM passes: each fixes some columns and estimates the m probabilities of the others. Each block must hold
mostly pairs of the same person: a block on surname and address would be mostly other members of the same
household, and EM would learn "same household" instead of "same person"."""

DETERMINISTIC_RULES = (
    "l.nhs_number = r.nhs_number",
    "l.ni_number = r.ni_number",
    "l.upn = r.upn",
    "l.forename = r.forename AND l.surname = r.surname AND l.date_of_birth = r.date_of_birth",
)
"""Rules that are almost never wrong, used to estimate how often two random records match."""
DETERMINISTIC_RECALL = 0.8


def settings() -> SettingsCreator:
    """The model's settings before training."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        em_convergence=0.001,
        max_iterations=25,
    )


def train(linker: Any, *, u_pairs: float = 5e6, seed: int = 1) -> None:
    """Estimate λ, then u by random sampling, then m by EM over ``TRAINING_BLOCKS``."""
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    from splink.internals.exceptions import EMTrainingException

    trained = 0
    for rule in TRAINING_BLOCKS:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, fix_u_probabilities=True)
            trained += 1
        except EMTrainingException as exc:  # a block with no pairs in this data: the others still train
            log.warning(
                "linkage.training_block_skipped",
                rule=str(rule.get_blocking_rule("duckdb").blocking_rule_sql),
                reason=str(exc).splitlines()[0],
            )
    if not trained:
        raise ObservatoryError(
            "the linkage model could not be trained: no training block found pairs of records "
            "(are there enough records with names, dates of birth and postcodes?)"
        )


def save_model(linker: Any, root: Path) -> Path:
    """Write the trained model as JSON and its diagnostic charts; return the model's path."""
    path = root / MODEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(path), overwrite=True)
    charts = root / DIAGNOSTICS_DIR
    charts.mkdir(parents=True, exist_ok=True)
    linker.visualisations.match_weights_chart().save(str(charts / "match_weights.html"))
    linker.visualisations.m_u_parameters_chart().save(str(charts / "m_u_parameters.html"))
    return path


def comparison_names(model: dict[str, Any]) -> Sequence[str]:
    """Output column names of the comparisons of a saved model."""
    return [c["output_column_name"] for c in model["comparisons"]]
