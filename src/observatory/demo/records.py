"""Draft source records: what a system holds about one person, before faults and formatting.

A system module makes drafts from the true population, the fault module changes them, and the
system module then formats them into rows. Every draft keeps its true person, so each row it
becomes is written to the ground truth with the person and household it really belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from observatory.demo.geography import UPRN_BASE, Address
from observatory.demo.population import Person
from observatory.demo.tables import Cell

PayloadT = TypeVar("PayloadT")


@dataclass(frozen=True, slots=True)
class DatasetRules:
    """What a dataset's records may hold, which decides the faults they can get.

    ``dob_optional``: the system lets a record have no date of birth. ``own_address``: the record
    holds the person's own address, which the system may not have updated after a move (council tax
    and tenancy records hold the property instead). ``optional_fields``: fields that may be blank.
    ``holds_nhs_number``: the record shows the person's NHS number.
    """

    source: str
    dataset: str
    dob_optional: bool = False
    own_address: bool = False
    optional_fields: tuple[str, ...] = ()
    holds_nhs_number: bool = False


@dataclass(slots=True, eq=False)
class Draft(Generic[PayloadT]):
    """One person's record in one dataset; ``payload`` carries what only that system holds."""

    rules: DatasetRules
    person: Person
    payload: PayloadT
    forename: str
    middle_names: str
    surname: str
    dob: date | None
    address: Address | None
    nhs_number: str = ""
    blanks: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    is_duplicate: bool = False

    @classmethod
    def of(cls, rules: DatasetRules, person: Person, payload: PayloadT, address: Address | None) -> Draft[PayloadT]:
        """A record holding the true values."""
        names = (person.forename, person.middle_names, person.surname)
        return cls(rules, person, payload, *names, person.dob, address, person.nhs_number)

    def copy(self) -> Draft[PayloadT]:
        """A second record of the same person (a duplicate), with the true values again."""
        twin = Draft.of(self.rules, self.person, self.payload, self.address)
        twin.is_duplicate = True
        twin.faults.append("duplicate")
        return twin

    def has(self, name: str) -> bool:
        """Whether optional field ``name`` is filled in."""
        return name not in self.blanks


TRUTH_COLUMNS = ("source", "dataset", "record_key", "person_id", "household_id", "uprn", "current_uprn", "faults")


def truth_row(draft: Draft[object], record_key: str) -> list[Cell]:
    """The ground-truth row of the source record made from ``draft``."""
    person = draft.person
    rules = draft.rules
    uprn = str(draft.address.uprn) if draft.address is not None else ""
    current = str(person.household.property_index + UPRN_BASE)
    return [
        rules.source,
        rules.dataset,
        record_key,
        person.person_id,
        person.household.household_id,
        uprn,
        current,
        ";".join(draft.faults),
    ]


def linked_truth_row(
    source: str, dataset: str, record_key: str, person: Person, faults: Sequence[str] = ()
) -> list[Cell]:
    """The ground-truth row of a record that names a person only through another record's key."""
    current = str(person.household.property_index + UPRN_BASE)
    household = person.household.household_id
    return [source, dataset, record_key, person.person_id, household, "", current, ";".join(faults)]
