"""A small project with KPIs over real CSV files, and the expected values computed in Python from the same rows."""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import make_project

AS_OF = date(2025, 3, 31)
START = date(2022, 4, 1)
TEAMS = ("North", "South", "")

SOURCES = {
    "care": """
datasets:
  contacts:
    path: data/contacts.csv
    keys: [contact_id]
    fields:
      contact_id: {type: text, critical: true}
      contact_date: {type: date, formats: ['%Y-%m-%d'], critical: true}
      team: {type: text}
      outcome: {type: code, allowed: [Advice, Assessment]}
      cost: {type: decimal}
  placements:
    path: data/placements.csv
    keys: [placement_id]
    fields:
      placement_id: {type: text}
      team: {type: text}
      start_date: {type: date, formats: ['%Y-%m-%d']}
      end_date: {type: date, formats: ['%Y-%m-%d']}
  population:
    path: data/population.csv
    fields:
      team: {type: text}
      valid_from: {type: date, formats: ['%Y-%m-%d']}
      valid_to: {type: date, formats: ['%Y-%m-%d']}
      people: {type: integer}
""",
}

METRICS = """
priorities:
  care:
    title: People get the care they need
    owner: Chief Executive
kpis:
  contacts:
    title: Contacts received
    definition: Every contact received in the month, counted once per contact id.
    owner: Head of Front Door
    business_area: Adult social care
    unit: count
    polarity: neutral
    numerator: {dataset: care.contacts, count: contact_id, date: contact_date}
    breakdowns: {team: {title: Team}}
    depends_on: {care.contacts: [contact_id, contact_date]}
    parent: care
    forecast:
      scenarios:
        growth: {title: Population grows 5% faster, change: 0.05}
  assessments_share:
    title: Contacts leading to an assessment
    definition: The share of contacts in the month whose outcome was an assessment.
    owner: Head of Front Door
    business_area: Adult social care
    unit: percent
    polarity: higher_is_better
    numerator: {dataset: care.contacts, where: "outcome = 'Assessment'", count: contact_id, date: contact_date}
    denominator: {dataset: care.contacts, count: contact_id, date: contact_date}
    targets:
      - {from: 2022-04-01, value: 40}
      - {from: 2024-04-01, value: 45}
    breakdowns: {team: {title: Team}}
    depends_on: {care.contacts: [contact_id, contact_date, outcome]}
    parent: contacts
  contact_cost:
    title: Cost of contacts
    definition: The total recorded cost of contacts received in the quarter.
    owner: Finance Business Partner
    business_area: Adult social care
    unit: currency
    polarity: lower_is_better
    frequency: quarterly
    numerator: {dataset: care.contacts, sum: cost, date: contact_date, distinct: true}
    depends_on: {care.contacts: [cost, contact_date]}
    parent: care
    forecast: {enabled: false}
  placements_rate:
    title: People in placements per 1,000
    definition: People in a placement on the last day of the month, per 1,000 of the team's population.
    owner: Head of Placements
    business_area: Adult social care
    unit: rate
    scale: 1000
    polarity: lower_is_better
    numerator: {dataset: care.placements, count: placement_id, start: start_date, end: end_date}
    denominator: {dataset: care.population, sum: people, start: valid_from, end: valid_to}
    targets: [{from: 2022-04-01, value: 60}]
    breakdowns: {team: {title: Team}}
    depends_on: {care.placements: [start_date], care.population: [people]}
    parent: care
  repeat_contacts:
    title: Repeat contacts within 90 days
    definition: Contacts in the month from a team that had another contact on the same day or within 90 days before.
    owner: Head of Front Door
    business_area: Adult social care
    unit: count
    polarity: lower_is_better
    numerator:
      sql: |
        SELECT c.contact_id, c.contact_date FROM care.contacts c
        WHERE EXISTS (SELECT 1 FROM care.contacts p WHERE p.team = c.team AND p.contact_id <> c.contact_id
          AND p.contact_date <= c.contact_date AND p.contact_date >= c.contact_date - INTERVAL 90 DAY)
      count: contact_id
      date: contact_date
    targets: [{from: 2022-04-01, value: 30}]
    depends_on: {care.contacts: [contact_id, contact_date, team]}
    parent: contacts
"""


def write_data(root: Path, seed: int = 7) -> dict[str, list[dict[str, str]]]:
    """Write the three CSV files; return their rows (as written, duplicates included)."""
    rng = random.Random(seed)
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    contacts: list[dict[str, str]] = []
    day = date(2022, 1, 1)
    serial = 0
    while day <= date(2025, 5, 31):
        for _ in range(rng.randrange(0, 3)):
            serial += 1
            row = {
                "contact_id": f"C{serial:05d}",
                "contact_date": day.isoformat(),
                "team": rng.choice(TEAMS),
                "outcome": "Assessment" if rng.random() < 0.42 else "Advice",
                "cost": f"{rng.uniform(10, 200):.2f}",
            }
            contacts.append(row)
            if rng.random() < 0.02:
                contacts.append(dict(row))  # the export repeats a row now and then
        day += timedelta(days=1)
    placements = []
    for index in range(300):
        start = date(2021, 6, 1) + timedelta(days=rng.randrange(0, 1400))
        end = start + timedelta(days=rng.randrange(10, 500)) if rng.random() < 0.8 else None
        placements.append(
            {
                "placement_id": f"P{index:04d}",
                "team": rng.choice(TEAMS[:2]),
                "start_date": start.isoformat(),
                "end_date": end.isoformat() if end else "",
            }
        )
    population = []
    for year in range(2021, 2026):
        for team in TEAMS[:2]:
            population.append(
                {
                    "team": team,
                    "valid_from": date(year, 7, 1).isoformat(),
                    "valid_to": date(year + 1, 7, 1).isoformat(),
                    "people": str(900 + 25 * (year - 2021) + (50 if team == "North" else 0)),
                }
            )
    rows = {"contacts": contacts, "placements": placements, "population": population}
    for name, table in rows.items():
        with (data / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(table[0]))
            writer.writeheader()
            writer.writerows(table)
    return rows


def write_kpi_project(root: Path, *, engine: str = "duckdb", extra: str = "") -> dict[str, list[dict[str, str]]]:
    """The project folder with its data and ``metrics/care.yml``."""
    settings = f"engine: {engine}\nmetrics:\n  as_of: {AS_OF}\n  start: {START}\n  backtest_origins: 3\n{extra}"
    make_project(root, SOURCES, settings)
    (root / "metrics").mkdir(exist_ok=True)
    (root / "metrics" / "care.yml").write_text(METRICS, encoding="utf-8")
    return write_data(root)


def month_starts() -> list[date]:
    found, day = [], START
    while day <= AS_OF:
        found.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return found


def expected_contacts(rows: list[dict[str, str]], team: str | None = None) -> dict[date, int]:
    """Distinct contacts per month (``team`` None: all; ``''``: those with no team recorded)."""
    seen = {(r["contact_id"], r["contact_date"], r["team"]) for r in rows}
    counts = Counter(date.fromisoformat(day).replace(day=1) for _, day, t in seen if team is None or t == team)
    return {month: counts.get(month, 0) for month in month_starts()}
