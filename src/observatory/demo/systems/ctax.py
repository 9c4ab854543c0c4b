"""Council tax: live accounts with their liable parties, and monthly instalments (Windows-1252 CSV, title block).

The export comes from a Windows reports tool: Windows-1252 bytes, CRLF line ends, four lines of
title before the header, apostrophes turned into ’ (byte 0x92) and charges in £ (byte 0xA3). One
row per liable party; the account holds the property's address. Formats: "Title Forename Surname",
dates like 12-Mar-1984, NI numbers without spaces, telephone digits only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from observatory.demo import codes
from observatory.demo.formats import curly_apostrophes, month_name_date, pounds
from observatory.demo.population import Household
from observatory.demo.randomness import cumulative, weighted
from observatory.demo.records import DatasetRules, Draft
from observatory.demo.systems.base import ChunkContext, System
from observatory.demo.systems.ctax_payments import Instalments
from observatory.demo.tables import SourceInfo, Table

ACCOUNTS = DatasetRules("ctax", "accounts", dob_optional=True, optional_fields=("phone", "ni_number"))
JOINTLY_LIABLE_KINDS = ("couple", "older_couple", "family", "three_generations", "family_grown_up", "sharers")
_BANDS = tuple(band for band, _, _ in codes.COUNCIL_TAX_BANDS)
_BAND_CUM = cumulative(b[2] for b in codes.COUNCIL_TAX_BANDS)
_BAND_NINTHS = {band: ninths for band, ninths, _ in codes.COUNCIL_TAX_BANDS}


@dataclass(slots=True, eq=False)
class Account:
    """A council tax account: the property's band, the charge and how many parties are liable."""

    reference: str
    band: str
    charge: float
    discount: str
    liable_from: date
    parties: int = 0


class CouncilTax(System):
    """The revenues and benefits system's council tax module."""

    info = SourceInfo(
        name="ctax",
        title="Council tax",
        system="Revenues and benefits system",
        owner="Head of Revenues and Benefits",
        description="Live council tax accounts by property, one row per liable party. Monthly report export "
        "from the revenues system.",
    )

    @property
    def tables(self) -> tuple[Table, ...]:
        run = f"{self.on.day:02d}/{self.on.month:02d}/{self.on.year}"
        return (
            Table(
                "ctax",
                "accounts",
                "Council tax accounts and liable parties",
                "Live accounts by property with each liable party, band, annual charge and discount.",
                "data/ctax/accounts.csv",
                (
                    "Account Ref",
                    "Liable Party",
                    "Name",
                    "Date of Birth",
                    "NI Number",
                    "Address 1",
                    "Address 2",
                    "Address 3",
                    "Address 4",
                    "Post Code",
                    "Band",
                    "Annual Charge",
                    "Discount",
                    "Liable From",
                    "Telephone",
                ),
                encoding="windows-1252",
                line_end="\r\n",
                preamble=(
                    "Demo County Council",
                    "Council Tax – Live Accounts by Property and Liable Party",
                    f"Report run {run} 06:12 – all charges in £",
                    "",
                ),
            ),
            Table(
                "ctax",
                "payments",
                "Council tax instalments and receipts",
                "Every monthly instalment of every live account since April 2022: amount due, amount received in "
                "the month and the year's arrears after it.",
                "data/ctax/payments.csv",
                ("Account Ref", "Year", "Instalment", "Due Date", "Amount Due", "Amount Received", "Balance"),
                encoding="windows-1252",
                line_end="\r\n",
                preamble=(
                    "Demo County Council",
                    "Council Tax – Instalments and Receipts by Account",
                    f"Report run {run} 06:40 – all amounts in £",
                    "",
                ),
            ),
        )

    def drafts(self, households: list[Household], ctx: ChunkContext) -> list[Draft[Any]]:
        rng = ctx.select_rng
        found: list[Draft[Any]] = []
        for household in households:
            adults = household.adults()
            if not adults:
                continue
            liable = adults[:2] if household.kind in JOINTLY_LIABLE_KINDS else adults[:1]
            band = weighted(rng, _BANDS, _BAND_CUM)
            single = len(adults) == 1
            charge = codes.BAND_D_CHARGE * _BAND_NINTHS[band] / 9 * (0.75 if single else 1.0)
            account = Account(
                reference=str(40_000_000 + ctx.serial("ctax.accounts")),
                band=band,
                charge=charge,
                discount="Single Person Discount 25%" if single else "",
                liable_from=household.moved_in,
            )
            found += [Draft.of(ACCOUNTS, person, account, household.address) for person in liable]
        return found

    def render(self, drafts: list[Draft[Any]], ctx: ChunkContext) -> None:
        accounts, payments = self.tables
        instalments = Instalments(ctx, payments)
        for draft in drafts:
            account: Account = draft.payload
            account.parties += 1
            person = draft.person
            key = f"{account.reference}-{account.parties}"
            name = " ".join(part for part in (person.title, draft.forename, draft.surname) if part)
            lines = draft.address.lines() if draft.address else []
            if len(lines) > 4:
                lines = [*lines[:3], ", ".join(lines[3:])]
            phone = person.mobile or person.household.landline
            row = [
                account.reference,
                str(account.parties),
                curly_apostrophes(name),
                month_name_date(draft.dob),
                person.ni_number if draft.has("ni_number") else "",
                *[curly_apostrophes(line) for line in lines],
                *[""] * (4 - len(lines)),
                draft.address.postcode if draft.address else "",
                account.band,
                pounds(account.charge),
                account.discount,
                month_name_date(account.liable_from),
                phone if draft.has("phone") else "",
            ]
            ctx.add_record(accounts, row, key, draft)
            if account.parties == 1 and not draft.is_duplicate:
                instalments.account(account.reference, account.charge, account.liable_from)
        instalments.close()
