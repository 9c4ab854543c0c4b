"""Children's social care: children, referrals and plans (UTF-8 CSV).

Formats: forename and surname in separate columns, ISO dates, gender as the CIN census codes
(1 male, 2 female), DfE ethnicity codes, NHS numbers without spaces, three address lines,
contact phone in international form. Referrals and plans come from ``systems.csc_cases``: every child
with a referral since the system's go-live (April 2019) or a plan open since then has a record.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from observatory.demo import events, identifiers
from observatory.demo.faults import DUPLICATE_ROW, ORPHAN_REFERENCE
from observatory.demo.formats import iso_date
from observatory.demo.population import Household, Person, age_at
from observatory.demo.records import DatasetRules, Draft
from observatory.demo.systems.base import ChunkContext, System
from observatory.demo.systems.csc_cases import CaseHistory, ChildrensCases
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


def _child_key(ctx: ChunkContext) -> str:
    return f"CH{10_000_000 + ctx.serial('csc.children')}"


def _child_of(ctx: ChunkContext, rng: random.Random, keys: list[str]) -> tuple[str, list[str]]:
    """The child ID a referral or plan shows: one of ``keys``, or for an orphan one no child row has."""
    if ctx.faults.orphan():
        return _child_key(ctx), [ORPHAN_REFERENCE]
    return rng.choice(keys), []


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
        cases = ChildrensCases(ctx.stream("csc.cases"), self.on).run(households)
        since = events.history(self.on).records_from
        found: list[Draft[Any]] = []
        for household in households:
            for person in household.members:
                case = cases.get(person.person_id)
                if case is not None and _exported(case, since):
                    found.append(Draft.of(CHILDREN, person, case, household.address))
        return found

    def render(self, drafts: list[Draft[Any]], ctx: ChunkContext) -> None:
        children, referrals, plans = self.tables
        by_person: dict[str, list[str]] = {}
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
        rng = ctx.stream("csc.records")
        for draft in drafts:
            keys = by_person.pop(draft.person.person_id, None)
            if keys is not None:
                self._referrals_and_plans(ctx, rng, draft.person, draft.payload, keys, born, referrals, plans)

    def _referrals_and_plans(
        self,
        ctx: ChunkContext,
        rng: random.Random,
        person: Person,
        case: CaseHistory,
        keys: list[str],
        born: dict[str, date | None],
        referrals: Table,
        plans: Table,
    ) -> None:
        since = events.history(self.on).records_from
        for referral in case.referrals:
            if referral.day < since:
                continue
            key = f"RF{10_000_000 + ctx.serial('csc.referrals')}"
            child, faults = _child_of(ctx, rng, keys)
            twice = ctx.faults.duplicate_event()
            recorded = born.get(child)
            if recorded is not None and age_at(recorded, referral.day) >= 18:
                ctx.quality[ADULT_AT_REFERRAL] += 2 if twice else 1
            row = [key, child, iso_date(referral.day), referral.source, referral.need, referral.outcome]
            if twice:
                faults.append(DUPLICATE_ROW)
            ctx.add_linked(referrals, row, key, person, faults)
            if twice:
                ctx.add(referrals, row)
            ctx.add_event(
                "csc.referrals", key, child, referral.day, kind=referral.source, outcome=referral.outcome, faults=faults
            )
        for plan in case.plans:
            if plan.end is not None and plan.end < since:
                continue
            key = f"PL{10_000_000 + ctx.serial('csc.plans')}"
            child, faults = _child_of(ctx, rng, keys)
            end = ctx.faults.end_date(plan.start, plan.end, faults)
            row = [key, child, plan.kind, iso_date(plan.start), iso_date(end), plan.category]
            ctx.add_linked(plans, row, key, person, faults)
            ctx.add_event("csc.plans", key, child, plan.start, end, kind=plan.kind, faults=faults)


def _exported(case: CaseHistory, since: date) -> bool:
    """Whether any of the case's referrals or plans is in the export (those from ``since``)."""
    return any(r.day >= since for r in case.referrals) or any(p.end is None or p.end >= since for p in case.plans)
