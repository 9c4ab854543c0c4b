"""Mistakes written into the source records, at the rates of ``FaultRates``.

Defaults (each rate is a share of its own denominator; see ``FaultRates``):

====================  =====  ===========================================================================
fault                 rate   what the record shows
====================  =====  ===========================================================================
name typo             5%     of forename and surname fields: a letter dropped, doubled, swapped with its
                             neighbour or replaced by one next to it on the keyboard ("Smtih", "Jonn")
alternative forename  5%     of records: a nickname from a real table (Robert -> Bob, Rob; Elizabeth ->
                             Liz, Beth; William -> Bill; Margaret -> Maggie, Peggy) or a middle name
surname change        3%     of records: the person's former surname (before marriage or divorce)
wrong date of birth   3%     of records with one: digits transposed (13 -> 31, 1984 -> 1948), day and
                             month swapped, or the year one out
missing date of birth 5%     of records in systems that allow it (adult social care, council tax, housing)
stale address         10%    of people with a record holding their own address (adult and children's
                             social care, housing applications, school census): one such record shows the
                             address they lived at before their last move
duplicate             2%     of person records: a second record of someone already in the dataset
address variant       15%    of records with an address: "Rd" for Road, "Str"/"St" for Street and so on,
                             lower case, flat number left out, street misspelt, postcode without a space
missing field         3%     of person records: one optional field blank (phone, postcode, ethnicity,
                             NHS number, NI number)
invalid NHS number    0.5%   of records showing one: one digit changed, so the modulus 11 check fails
invalid postcode      0.5%   of person records showing a postcode: the town ("Aberdeen") in the postcode
                             column for half of them, only the outward code ("AB10") for the others
orphan reference      0.3%   of services, reviews, referrals and plans: the client or child ID of a record
                             deleted from the clients or children file
end before start      0.5%   of services and plans with an end date: an end date 1 to 365 days before the
                             start date
duplicate row         0.2%   of adult social care client rows: the identical row exported twice
duplicate event       0.5%   of event rows (adult social care requests, referrals, homelessness cases,
                             school attendance months): the identical row exported twice
====================  =====  ===========================================================================

Forename faults are exclusive (a forename has a typo, or is an alternative, or is right), and so are
surname faults. Faults apply per chunk of residents with that chunk's random stream; where only some
records can take a fault (only people with a nickname or a middle name can be known by another
forename, only people who lived at the previous address can be seen there), the chance for those
records is raised so the rate over the whole denominator is the configured one. Every faulted record
still names its true person in the ground truth, with the faults it got in its ``faults`` column.

The last six are quality faults: the data standards and contracts catch them, and the ground truth
counts them exactly (``ground_truth/quality_faults.csv``). Faults of services, reviews, referrals,
plans and client rows are decided while those rows are written, from the same random stream.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from observatory.demo.config import FaultRates
from observatory.demo.geography import Address, Gazetteer
from observatory.demo.names import NICKNAMES
from observatory.demo.places import STREET_ABBREVIATIONS
from observatory.demo.population import Person
from observatory.demo.randomness import below
from observatory.demo.records import Draft

INVALID_NHS_NUMBER = "invalid_nhs_number"
POSTCODE_TOWN = "postcode_town"
POSTCODE_OUTWARD = "postcode_outward"
ORPHAN_REFERENCE = "orphan_reference"
END_BEFORE_START = "end_before_start"
DUPLICATE_ROW = "duplicate_row"
QUALITY_FAULTS = (
    INVALID_NHS_NUMBER,
    POSTCODE_TOWN,
    POSTCODE_OUTWARD,
    ORPHAN_REFERENCE,
    END_BEFORE_START,
    DUPLICATE_ROW,
)
"""The quality faults, as the ground truth's ``faults`` column names them."""


_KEYBOARD_NEIGHBOURS = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok", "o": "ipl",
    "p": "ol", "a": "qsz", "s": "awdz", "d": "sefx", "f": "drgc", "g": "fthv", "h": "gyjb", "j": "hukn",
    "k": "jilm", "l": "kop", "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm",
    "m": "njk",
}  # fmt: skip


def typo(text: str, rng: random.Random) -> str:
    """``text`` with one typing error; always differs from ``text`` ignoring case."""
    letters = [i for i, char in enumerate(text) if char.isalpha()]
    if not letters:
        return text + "x"
    for _ in range(10):
        i = rng.choice(letters)
        kind = below(rng, 4)
        if kind == 0 and len(letters) > 2:
            out = text[:i] + text[i + 1 :]
        elif kind == 1:
            out = text[:i] + text[i] + text[i:]
        elif kind == 2 and i + 1 < len(text) and text[i + 1].isalpha():
            out = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        else:
            near = _KEYBOARD_NEIGHBOURS.get(text[i].lower())
            if not near:
                continue
            swap = rng.choice(near)
            out = text[:i] + (swap.upper() if text[i].isupper() else swap) + text[i + 1 :]
        if out.casefold() != text.casefold():
            return out
    return text + text[letters[-1]].lower()


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def wrong_date_of_birth(dob: date, rng: random.Random, latest: date) -> date:
    """A plausible mistake for ``dob``: transposed digits, day and month swapped, or the wrong year."""
    options: dict[str, list[date | None]] = {"transposed": [], "swapped": [], "year": []}
    day = f"{dob.day:02d}"
    options["transposed"].append(_valid_date(dob.year, dob.month, int(day[::-1])))
    year = str(dob.year)
    options["transposed"].append(_valid_date(int(year[:2] + year[3] + year[2]), dob.month, dob.day))
    options["swapped"].append(_valid_date(dob.year, dob.day, dob.month) if dob.day <= 12 else None)
    for shift in (-1, 1):
        options["year"].append(_valid_date(dob.year + shift, dob.month, dob.day) or date(dob.year + shift, 2, 28))
    usable = {kind: [d for d in found if d is not None and d != dob and d <= latest] for kind, found in options.items()}
    kinds = [kind for kind, found in usable.items() if found]
    return rng.choice(usable[rng.choice(kinds)])


def address_variant(address: Address, rng: random.Random) -> Address:
    """``address`` written another way: abbreviated, lower case, flat left out, misspelt, postcode squashed."""
    head, _, street_type = address.street.rpartition(" ")
    kinds = ["lower_case", "street_typo", "postcode_format"]
    if street_type in STREET_ABBREVIATIONS:
        kinds += ["abbreviation", "abbreviation"]
    if address.saon:
        kinds.append("no_flat")
    kind = rng.choice(kinds)
    if kind == "abbreviation":
        return replace(address, street=f"{head} {rng.choice(STREET_ABBREVIATIONS[street_type])}")
    if kind == "no_flat":
        return replace(address, saon="")
    if kind == "street_typo":
        return replace(address, street=typo(address.street, rng))
    if kind == "postcode_format":
        squashed = address.postcode.replace(" ", "")
        return replace(address, postcode=squashed if rng.random() < 0.6 else address.postcode.lower())
    return Address(
        address.uprn,
        address.saon.lower(),
        address.paon.lower(),
        address.street.lower(),
        address.locality.lower(),
        address.town.lower(),
        address.postcode.lower(),
    )


def invalid_nhs_number(number: str, rng: random.Random) -> str:
    """``number`` with one digit changed.

    The check always fails: a changed check digit no longer matches, and a changed digit among the
    first nine moves the weighted sum by weight x difference, which 11 (a prime) never divides.
    """
    i = below(rng, len(number))
    digit = (int(number[i]) + 1 + below(rng, 9)) % 10
    return f"{number[:i]}{digit}{number[i + 1 :]}"


def invalid_postcode(address: Address, rng: random.Random) -> tuple[Address, str]:
    """``address`` with its town (``postcode_town``) or only its outward code (``postcode_outward``) as postcode."""
    if rng.random() < 0.5:
        return replace(address, postcode=address.town), POSTCODE_TOWN
    return replace(address, postcode=address.postcode.replace(" ", "")[:-3]), POSTCODE_OUTWARD


def alternative_forenames(person: Person) -> list[str]:
    """Other forenames ``person`` may be recorded under: nicknames of their forename, their middle names."""
    found = list(NICKNAMES.get(person.forename, ()))
    found += [name for name in person.middle_names.split() if name != person.forename]
    return found


def _is_filled(draft: Draft[Any], name: str) -> bool:
    """Whether optional field ``name`` of ``draft`` has a value that the missing-field fault can blank."""
    person = draft.person
    if name == "phone":
        return bool(person.mobile or person.household.landline)
    if name == "postcode":
        return draft.address is not None
    if name == "ni_number":
        return bool(person.ni_number)
    if name == "middle_names":
        return bool(draft.middle_names)
    return True


class FaultInjector:
    """Applies every fault to the drafts of one chunk, then to the rows written from them."""

    def __init__(self, rates: FaultRates, rng: random.Random, gazetteer: Gazetteer, reference_date: date) -> None:
        self.rates = rates
        self.rng = rng
        self.gazetteer = gazetteer
        self.on = reference_date

    def apply(self, drafts: list[Draft[Any]]) -> list[Draft[Any]]:
        """Faults on ``drafts`` (changed in place); returns the duplicate records to add."""
        duplicates = self._duplicates(drafts)
        everything = drafts + duplicates
        self._stale_addresses(everything)
        self._forenames(everything)
        for draft in everything:
            self._surname(draft)
            self._date_of_birth(draft)
            self._address(draft)
            self._missing_field(draft)
            self._postcode(draft)
            self._nhs_number(draft)
        return duplicates

    def orphan(self) -> bool:
        """Whether a service, review, referral or plan names a client or child missing from their file."""
        return self.rng.random() < self.rates.orphan_reference

    def end_date(self, start: date, end: date | None, faults: list[str]) -> date | None:
        """The end date a service or plan shows: ``end``, or for a few of those that have one, a wrong one.

        A wrong end date is 1 to 365 days before ``start``; ``end_before_start`` is added to ``faults``.
        """
        if end is None or self.rng.random() >= self.rates.end_before_start:
            return end
        faults.append(END_BEFORE_START)
        return start - timedelta(days=1 + below(self.rng, 365))

    def duplicate_row(self) -> bool:
        """Whether an adult social care client row is exported twice."""
        return self.rng.random() < self.rates.duplicate_row

    def duplicate_event(self) -> bool:
        """Whether an event row (a request, referral, homelessness case or month of attendance) is exported twice."""
        return self.rng.random() < self.rates.duplicate_event

    def _duplicates(self, drafts: list[Draft[Any]]) -> list[Draft[Any]]:
        rate = self.rates.duplicate
        chance = rate / (1 - rate)
        return [draft.copy() for draft in drafts if self.rng.random() < chance]

    def _stale_addresses(self, drafts: list[Draft[Any]]) -> None:
        by_person: dict[str, list[Draft[Any]]] = {}
        for draft in drafts:
            if draft.rules.own_address and draft.address is not None:
                by_person.setdefault(draft.person.person_id, []).append(draft)
        eligible = [found for found in by_person.values() if found[0].person.dob < found[0].person.household.moved_in]
        if not eligible:
            return
        chance = min(1.0, self.rates.stale_address * len(by_person) / len(eligible))
        for found in eligible:
            if self.rng.random() < chance:
                draft = self.rng.choice(found)
                draft.address = self.gazetteer.address(draft.person.household.previous_property_index)
                draft.faults.append("stale_address")

    def _forenames(self, drafts: list[Draft[Any]]) -> None:
        alternatives = [alternative_forenames(draft.person) for draft in drafts]
        eligible = sum(1 for found in alternatives if found)
        typo_rate = self.rates.name_typo
        chance = min(1.0 - typo_rate, self.rates.alternative_forename * len(drafts) / eligible) if eligible else 0.0
        for draft, found in zip(drafts, alternatives, strict=True):
            roll = self.rng.random()
            if roll < typo_rate:
                draft.forename = typo(draft.forename, self.rng)
                draft.faults.append("typo_forename")
            elif found and roll < typo_rate + chance:
                known_as = self.rng.choice(found)
                draft.forename = known_as
                draft.middle_names = " ".join(name for name in draft.middle_names.split() if name != known_as)
                draft.faults.append("alternative_forename")

    def _surname(self, draft: Draft[Any]) -> None:
        roll = self.rng.random()
        if roll < self.rates.name_typo:
            draft.surname = typo(draft.surname, self.rng)
            draft.faults.append("typo_surname")
        elif roll < self.rates.name_typo + self.rates.surname_change:
            draft.surname = draft.person.former_surname
            draft.faults.append("surname_change")

    def _date_of_birth(self, draft: Draft[Any]) -> None:
        if draft.dob is None:
            return
        if draft.rules.dob_optional and self.rng.random() < self.rates.dob_missing:
            draft.dob = None
            draft.faults.append("dob_missing")
        elif self.rng.random() < self.rates.dob_wrong:
            draft.dob = wrong_date_of_birth(draft.dob, self.rng, self.on)
            draft.faults.append("dob_wrong")

    def _address(self, draft: Draft[Any]) -> None:
        if draft.address is not None and self.rng.random() < self.rates.address_variant:
            draft.address = address_variant(draft.address, self.rng)
            draft.faults.append("address_variant")

    def _postcode(self, draft: Draft[Any]) -> None:
        if draft.address is None or not draft.has("postcode") or self.rng.random() >= self.rates.invalid_postcode:
            return
        draft.address, fault = invalid_postcode(draft.address, self.rng)
        draft.faults.append(fault)

    def _nhs_number(self, draft: Draft[Any]) -> None:
        if not (draft.rules.holds_nhs_number and draft.nhs_number and draft.has("nhs_number")):
            return
        if self.rng.random() < self.rates.invalid_nhs_number:
            draft.nhs_number = invalid_nhs_number(draft.nhs_number, self.rng)
            draft.faults.append(INVALID_NHS_NUMBER)

    def _missing_field(self, draft: Draft[Any]) -> None:
        optional = [name for name in draft.rules.optional_fields if _is_filled(draft, name)]
        if optional and self.rng.random() < self.rates.missing_field:
            name = self.rng.choice(optional)
            draft.blanks.append(name)
            draft.faults.append(f"missing_{name}")
