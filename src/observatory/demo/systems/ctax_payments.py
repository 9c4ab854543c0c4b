"""Council tax instalments and what was received against them, month by month (the revenues system's report).

Every live account pays its annual charge in 12 monthly instalments, April to March, from the month after
the household moved in (or from April 2022, when the export starts). Charges rose 4.99% a year, so earlier
years' charges are the current one divided back. Most accounts pay by direct debit and nearly always in full;
others pay less reliably, and less so in the cost-of-living year 2022-23 (``events.cost_of_living``). An account
in arrears for the year clears them in a month with ``events.MONTHLY_CATCH_UP``, or in March with the higher
``events.MARCH_CATCH_UP`` (year-end reminders and summonses). Arrears left at the end of March move to former
years' arrears, which this report does not show. "Amount Received" is what came in during the month of the
instalment (catch-up included), so receipts over dues is the in-month collection rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from observatory.demo import events
from observatory.demo.formats import month_name_date
from observatory.demo.months import add_months, financial_year, month_starts
from observatory.demo.systems.base import ChunkContext
from observatory.demo.tables import Table

ANNUAL_RISE = 1.0499
"""Council tax rose by the referendum limit, 4.99%, every year."""
CURRENT_YEAR_OF_CHARGE = 2025
"""The financial year of the annual charge the accounts report shows."""
PAYERS = (
    ("direct debit", 0.78, 0.997),
    ("cash or card", 0.16, 0.90),
    ("struggling", 0.06, 0.55),
)
"""Kinds of payer: share of accounts and the chance of paying an instalment in full in its month."""
DUE_DAYS = (1, 1, 1, 15, 28)


NOTHING = "£0.00"


def _pence(pounds_: float) -> int:
    return round(pounds_ * 100)


def _money(pence: int) -> str:
    """``£1,234.56`` from whole pence, exactly."""
    pounds, pennies = divmod(pence, 100)
    return f"£{pounds:,}.{pennies:02d}"


def _payer(rng: random.Random) -> tuple[str, float]:
    roll = rng.random()
    for name, share, chance in PAYERS:
        if roll < share:
            return name, chance
        roll -= share
    return PAYERS[-1][0], PAYERS[-1][2]


@dataclass(frozen=True, slots=True)
class Instalment:
    """One month of the instalment calendar, the same for every account."""

    month: date
    period: str
    year_label: str
    number: str
    charge_factor: float
    catch_up: float
    cost_of_living: float
    due_dates: dict[int, tuple[date, str]]


def instalment_calendar(reference_date: date) -> list[Instalment]:
    """Every instalment month from ``History.payments_from`` to the extract date."""
    found: list[Instalment] = []
    for month in month_starts(events.history(reference_date).payments_from, reference_date):
        year = financial_year(month)
        days = {day: (month.replace(day=day), month_name_date(month.replace(day=day))) for day in set(DUE_DAYS)}
        found.append(
            Instalment(
                month,
                month.isoformat(),
                f"{year}/{(year + 1) % 100:02d}",
                str((month.month - 4) % 12 + 1),
                ANNUAL_RISE ** -(CURRENT_YEAR_OF_CHARGE - year) / 12,
                events.MARCH_CATCH_UP if month.month == 3 else events.MONTHLY_CATCH_UP,
                events.cost_of_living(month),
                days,
            )
        )
    return found


class Instalments:
    """Writes the instalments of one chunk's accounts, adding their true totals up by month as it goes."""

    def __init__(self, ctx: ChunkContext, table: Table) -> None:
        self.ctx = ctx
        self.rng = ctx.stream("ctax.payments")
        self.calendar = [i for i in instalment_calendar(ctx.on) if min(i.due_dates.values())[0] <= ctx.on]
        self.rows = ctx.rows.setdefault(table.key, [])
        self.due = [0] * len(self.calendar)
        self.received = [0] * len(self.calendar)

    def account(self, reference: str, annual: float, liable_from: date) -> None:
        """The instalments of one account from its first full month (or April 2022) to the extract date."""
        rng, on, rows = self.rng, self.ctx.on, self.rows
        kind, chance = _payer(rng)
        due_day = rng.choice(DUE_DAYS)
        first = add_months(liable_from, 1)
        arrears = 0
        due = -1
        due_text = ""
        for index, instalment in enumerate(self.calendar):
            if instalment.month < first:
                continue
            due_date, day_text = instalment.due_dates[due_day]
            if due_date > on:
                break
            if instalment.month.month == 4 or due < 0:
                arrears = 0
                due = _pence(annual * instalment.charge_factor)
                due_text = _money(due)
            paying = chance - (instalment.cost_of_living if kind != "direct debit" else 0.0)
            roll = rng.random()
            if roll < paying:
                paid = due
            elif roll < paying + (1 - paying) / 2:
                paid = round(due * rng.uniform(0.2, 0.8))
            else:
                paid = 0
            cleared = arrears if arrears and rng.random() < instalment.catch_up else 0
            received = paid + cleared
            arrears += due - paid - cleared
            received_text = due_text if received == due else _money(received)
            rows.append(
                [
                    reference,
                    instalment.year_label,
                    instalment.number,
                    day_text,
                    due_text,
                    received_text,
                    _money(arrears) if arrears else NOTHING,
                ]
            )
            self.due[index] += due
            self.received[index] += received

    def close(self) -> None:
        """Add the chunk's true monthly totals to ``ctx.totals``."""
        for index, instalment in enumerate(self.calendar):
            self.ctx.totals[("ctax.payments", instalment.period, "amount_due_pence")] += self.due[index]
            self.ctx.totals[("ctax.payments", instalment.period, "amount_received_pence")] += self.received[index]
