"""Children's social care: children, referrals and plans (UTF-8 CSV).

Formats: forename and surname in separate columns, ISO dates, gender as the CIN census codes
(1 male, 2 female), DfE ethnicity codes, NHS numbers without spaces, three address lines,
contact phone in international form.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from observatory.demo import codes, identifiers
from observatory.demo.faults import ORPHAN_REFERENCE
from observatory.demo.formats import iso_date
from observatory.demo.population import Household, Person, age_at
from observatory.demo.randomness import weighted
from observatory.demo.records import DatasetRules, Draft
from observatory.demo.systems.base import ChunkContext, System
from observatory.demo.tables import SourceInfo, Table

CHILDREN = DatasetRules(
    "csc",
    "children",
    own_address=True,
    optional_fields=("phone", "nhs_number", "ethnicity", "postcode"),
    holds_nhs_number=True,
)
ADULT_AT_REFERRAL = ("csc", "referrals", "under_18_at_referral", "dob_wrong")
"""A referral failing the under-18 rule because the child's recorded date of birth is wrong."""
FAMILY_CHANCE = 0.06
CHILD_CHANCE = 0.85


def _child_key(ctx: ChunkContext) -> str:
    return f"CH{10_000_000 + ctx.serial('csc.children')}"


def _child_of(ctx: ChunkContext, key: str) -> tuple[str, list[str]]:
    """The child ID a referral or plan shows: ``key``, or for an orphan one no child row has."""
    if ctx.faults.orphan():
        return _child_key(ctx), [ORPHAN_REFERENCE]
    return key, []


def _three_lines(lines: list[str]) -> list[str]:
    if len(lines) > 3:
        lines = [*lines[:2], ", ".join(lines[2:])]
    return lines + [""] * (3 - len(lines))


class ChildrensSocialCare(System):
    """The children's social care case management system."""

    info = SourceInfo(
        name="csc",
        title="Children's social care",
        system="Children's social care case management system",
        owner="Director of Children's Services",
        description="Children referred to children's social care, their referrals and their plans "
        "(child in need, child protection, looked after). Weekly CSV export.",
    )

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            Table(
                "csc",
                "children",
                "Children known to children's social care",
                "One row per child record: names, date of birth, gender, ethnicity, NHS number, address.",
                "data/csc/children.csv",
                (
                    "ChildID",
                    "Forename",
                    "Surname",
                    "DOB",
                    "Gender",
                    "Ethnicity",
                    "NHSNumber",
                    "AddressLine1",
                    "AddressLine2",
                    "AddressLine3",
                    "Postcode",
                    "ContactPhone",
                ),
            ),
            Table(
                "csc",
                "referrals",
                "Referrals to children's social care",
                "Referrals with date, source, primary need and outcome.",
                "data/csc/referrals.csv",
                ("ReferralID", "ChildID", "ReferralDate", "ReferralSource", "PrimaryNeed", "Outcome"),
            ),
            Table(
                "csc",
                "plans",
                "Plans for children",
                "Child in need, child protection and looked-after episodes with start and end dates.",
                "data/csc/plans.csv",
                ("PlanID", "ChildID", "PlanType", "StartDate", "EndDate", "Category"),
            ),
        )

    def drafts(self, households: list[Household], ctx: ChunkContext) -> list[Draft[Any]]:
        rng = ctx.select_rng
        found: list[Draft[Any]] = []
        for household in households:
            children = [p for p in household.members if p.age < 18]
            if not children or rng.random() >= FAMILY_CHANCE:
                continue
            found += [
                Draft.of(CHILDREN, child, None, household.address) for child in children if rng.random() < CHILD_CHANCE
            ]
        return found

    def render(self, drafts: list[Draft[Any]], ctx: ChunkContext) -> None:
        children, referrals, plans = self.tables
        by_person: dict[str, list[str]] = {}
        people: dict[str, Person] = {}
        born: dict[str, date | None] = {}
        for draft in drafts:
            person = draft.person
            key = _child_key(ctx)
            born[key] = draft.dob
            address = draft.address
            lines = _three_lines(address.lines()[:-1] if address else [])
            phone = person.household.landline or next((p.mobile for p in person.household.members if p.mobile), "")
            row = [
                key,
                draft.forename,
                draft.surname,
                iso_date(draft.dob),
                "1" if person.sex == "M" else "2",
                person.ethnicity.dfe_code if draft.has("ethnicity") else "",
                draft.nhs_number if draft.has("nhs_number") else "",
                *lines,
                address.postcode if address and draft.has("postcode") else "",
                identifiers.phone_international(phone) if phone and draft.has("phone") else "",
            ]
            ctx.add_record(children, row, key, draft)
            by_person.setdefault(person.person_id, []).append(key)
            people.setdefault(person.person_id, person)
        for person_id, keys in by_person.items():
            self._referrals_and_plans(ctx, people[person_id], keys, born, referrals, plans)

    def _referrals_and_plans(
        self,
        ctx: ChunkContext,
        person: Person,
        keys: list[str],
        born: dict[str, date | None],
        referrals: Table,
        plans: Table,
    ) -> None:
        rng = ctx.render_rng
        age_days = (self.on - person.dob).days
        for _ in range(1 + (rng.random() < 0.3)):
            key = f"RF{10_000_000 + ctx.serial('csc.referrals')}"
            when = self.on - timedelta(days=rng.randrange(0, max(1, min(age_days, 3 * 365))))
            child, faults = _child_of(ctx, rng.choice(keys))
            recorded = born.get(child)
            if recorded is not None and age_at(recorded, when) >= 18:
                ctx.quality[ADULT_AT_REFERRAL] += 1
            row = [
                key,
                child,
                iso_date(when),
                rng.choice(codes.REFERRAL_SOURCES),
                rng.choice(codes.PRIMARY_NEEDS),
                rng.choice(codes.REFERRAL_OUTCOMES),
            ]
            ctx.add_linked(referrals, row, key, person, faults)
        if rng.random() < 0.5:
            key = f"PL{10_000_000 + ctx.serial('csc.plans')}"
            kind = weighted(rng, codes.PLAN_TYPES, (60, 85, 100))
            start = self.on - timedelta(days=rng.randrange(0, max(1, min(age_days, 2 * 365))))
            end = start + timedelta(days=rng.randrange(60, 700)) if rng.random() < 0.4 else None
            category = rng.choice(codes.ABUSE_CATEGORIES) if kind == "Child Protection Plan" else ""
            child, faults = _child_of(ctx, rng.choice(keys))
            end = ctx.faults.end_date(start, end if end and end < self.on else None, faults)
            row = [key, child, kind, iso_date(start), iso_date(end), category]
            ctx.add_linked(plans, row, key, person, faults)
