"""School census: pupils on roll at the council's schools, with their Unique Pupil Number (UTF-8 CSV).

Formats follow the DfE school census: Surname / Forename / MiddleNames / PreferredSurname, ISO
dates, gender M/F, DfE ethnicity codes, national curriculum year ("R", "1" ... "13") and a BS7666
address (SAON, PAON, Street, Locality, Town, PostCode). The UPN is the only identifier held.

A pupil's UPN is issued in the year they started school under establishment number
``2000 + chunk % 2000`` with a serial unique within the chunk and entry year, so UPNs are unique
for up to 8,000 chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from observatory.demo import identifiers
from observatory.demo.events import history
from observatory.demo.formats import iso_date
from observatory.demo.geography import PROPERTIES_PER_BLOCK
from observatory.demo.places import SCHOOL_BASES
from observatory.demo.population import Household, Person, age_at
from observatory.demo.records import DatasetRules, Draft
from observatory.demo.systems.attendance import write_attendance
from observatory.demo.systems.base import ChunkContext, System
from observatory.demo.tables import SourceInfo, Table

PUPILS = DatasetRules("schools", "pupils", own_address=True, optional_fields=("ethnicity", "postcode", "middle_names"))
PRIMARY_CATCHMENT_BLOCKS = 60
SECONDARY_CATCHMENT_BLOCKS = 300
SERIALS_PER_ENTRY_YEAR = 250
MIN_AGE, MAX_AGE = 4, 17
"""Ages on the cutoff day of pupils in reception to year 13."""
OUTSIDE_SCHOOL_AGE = ("schools", "pupils", "school_age", "dob_wrong")
"""A pupil failing the school-age rule because their recorded date of birth is wrong."""
_QUALIFIERS = ("", "North ", "South ", "East ", "West ", "Park ", "Central ", "Hill ", "Burn ", "Bridge ")


@dataclass(frozen=True, slots=True)
class Place:
    """A pupil's place: school, national curriculum year and census flags."""

    school_estab: int
    school_name: str
    year_group: int
    free_meals: bool
    sen: str


def _school(block: int, secondary: bool) -> tuple[int, str]:
    index = block // (SECONDARY_CATCHMENT_BLOCKS if secondary else PRIMARY_CATCHMENT_BLOCKS)
    rounds, base = divmod(index, len(SCHOOL_BASES))
    qualifier = _QUALIFIERS[rounds % len(_QUALIFIERS)] + (f"{rounds // len(_QUALIFIERS) + 1} " if rounds >= 10 else "")
    if secondary:
        return 4000 + index % 1000, f"{SCHOOL_BASES[base]} {qualifier}Academy"
    return 2000 + index % 2000, f"{SCHOOL_BASES[base]} {qualifier}Primary School"


def age_cutoff(census_day: date) -> date:
    """The day a pupil's age decides their year group: 31 August before the school year of ``census_day``."""
    return date(census_day.year if census_day.month >= 9 else census_day.year - 1, 8, 31)


class SchoolCensus(System):
    """The schools' management information systems, as collected for the school census."""

    info = SourceInfo(
        name="schools",
        title="School census",
        system="School census return (schools' management information systems)",
        owner="Head of Education Services",
        description="Pupils on roll at the council's maintained schools and academies on census day, "
        "with their Unique Pupil Number.",
    )

    def __init__(self, reference_date: date) -> None:
        super().__init__(reference_date)
        self.pupils: list[Person] = []
        """The chunk's people with a UPN (on roll now or since 2021/22), set by ``drafts`` for ``render``."""
        self.schools: dict[str, tuple[int, int]] = {}
        """Each of those pupils' primary and secondary school (establishment numbers)."""

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            Table(
                "schools",
                "pupils",
                "Pupils on roll (school census)",
                "One row per pupil record: UPN, names, date of birth, gender, ethnicity, year group, school, address.",
                "data/schools/pupils.csv",
                (
                    "PupilID",
                    "UPN",
                    "Surname",
                    "Forename",
                    "MiddleNames",
                    "PreferredSurname",
                    "DOB",
                    "Gender",
                    "Ethnicity",
                    "NCyearActual",
                    "SchoolLAEstab",
                    "SchoolName",
                    "SAON",
                    "PAON",
                    "Street",
                    "Locality",
                    "Town",
                    "PostCode",
                    "FSMeligible",
                    "SENprovision",
                ),
            ),
            Table(
                "schools",
                "attendance",
                "School attendance by pupil and month",
                "Sessions possible and missed (authorised and unauthorised) per pupil and month since September "
                "2021, for pupils in reception to year 11, including those who have since left.",
                "data/schools/attendance.csv",
                (
                    "UPN",
                    "LAEstab",
                    "NCyearActual",
                    "PeriodStart",
                    "PossibleSessions",
                    "AuthorisedAbsence",
                    "UnauthorisedAbsence",
                ),
            ),
        )

    def drafts(self, households: list[Household], ctx: ChunkContext) -> list[Draft[Any]]:
        rng = ctx.select_rng
        former = ctx.stream("schools.former")
        first_year = history(self.on).attendance_from.year  # pupils who have left since still have a UPN
        cutoff = age_cutoff(self.on)
        start = cutoff.year
        serials: dict[int, int] = {}
        found: list[Draft[Any]] = []
        self.pupils = []
        self.schools = {}
        for household in households:
            block = household.property_index // PROPERTIES_PER_BLOCK
            for person in household.members:
                year_group = person.age_on(cutoff) - 4
                on_roll = 0 <= year_group <= 13 and rng.random() < (0.93 if year_group <= 11 else 0.45)
                left = not on_roll and year_group > 11 and year_group - (start - first_year) <= 11
                if not on_roll and not (left and former.random() < 0.93):
                    continue
                entry = start - year_group
                serial = serials.get(entry, 0)
                if serial >= SERIALS_PER_ENTRY_YEAR:
                    raise ValueError("too many pupils in one chunk and entry year for unique UPNs")
                serials[entry] = serial + 1
                person.upn = identifiers.upn(
                    2000 + ctx.plan.index % 2000, entry, ctx.plan.index // 2000 * SERIALS_PER_ENTRY_YEAR + serial
                )
                self.pupils.append(person)
                self.schools[person.person_id] = (_school(block, False)[0], _school(block, True)[0])
                if not on_roll:
                    continue
                estab, name = _school(block, secondary=year_group >= 7)
                sen_roll = rng.random()
                place = Place(
                    estab,
                    name,
                    year_group,
                    rng.random() < 0.17,
                    "E" if sen_roll < 0.03 else ("K" if sen_roll < 0.15 else "N"),
                )
                found.append(Draft.of(PUPILS, person, place, household.address))
        return found

    def render(self, drafts: list[Draft[Any]], ctx: ChunkContext) -> None:
        pupils, attendance = self.tables
        write_attendance(ctx, self.pupils, attendance, self.schools)
        cutoff = age_cutoff(self.on)
        for draft in drafts:
            if draft.dob is not None and not MIN_AGE <= age_at(draft.dob, cutoff) <= MAX_AGE:
                ctx.quality[OUTSIDE_SCHOOL_AGE] += 1
            person = draft.person
            place: Place = draft.payload
            key = str(50_000_000 + ctx.serial("schools.pupils"))
            address = draft.address
            parts = (
                [address.saon, address.paon, address.street, address.locality, address.town] if address else [""] * 5
            )
            row = [
                key,
                person.upn,
                draft.surname,
                draft.forename,
                draft.middle_names if draft.has("middle_names") else "",
                draft.surname,
                iso_date(draft.dob),
                person.sex,
                person.ethnicity.dfe_code if draft.has("ethnicity") else "",
                "R" if place.year_group == 0 else str(place.year_group),
                f"{identifiers.UPN_LA_NUMBER}{place.school_estab}",
                place.school_name,
                *parts,
                address.postcode if address and draft.has("postcode") else "",
                "true" if place.free_meals else "false",
                place.sen,
            ]
            ctx.add_record(pupils, row, key, draft)
