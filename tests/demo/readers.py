"""Read a generated demo project back, independently of the generator's own code.

Each source dataset is parsed with its own layout into ``Seen`` records; the ground truth is read
into plain dictionaries. Tests compare the two to measure fault rates and check identifiers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

TITLES = {"Mr", "Mrs", "Miss", "Ms", "Dr"}
MONTHS = {
    name: i
    for i, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
}
PERSON_DATASETS = (
    "asc.clients",
    "csc.children",
    "ctax.accounts",
    "housing.applications",
    "housing.tenancies",
    "schools.pupils",
)
AGGREGATE_TRUTH_DATASETS = ("ctax.payments", "schools.attendance", "population.estimates")
"""Datasets without rows in records.csv: their truth is in kpi_monthly.csv and people.csv."""
OWN_ADDRESS_DATASETS = ("asc.clients", "csc.children", "housing.applications", "schools.pupils")
DOB_OPTIONAL_DATASETS = ("asc.clients", "ctax.accounts", "housing.applications", "housing.tenancies")


@dataclass
class Seen:
    """One source row as a reader sees it."""

    dataset: str
    key: str
    raw: dict[str, str]
    forename: str = ""
    middle_names: str = ""
    surname: str = ""
    dob: date | None = None
    address: list[str] = field(default_factory=list)
    postcode: str = ""


def norm(text: str) -> str:
    return text.replace("\u2019", "'").casefold()


def _csv_rows(path: Path, encoding: str = "utf-8", skip: int = 0) -> list[dict[str, str]]:
    text = path.read_bytes().decode(encoding)
    lines = io.StringIO(text)
    for _ in range(skip):
        lines.readline()
    return list(csv.DictReader(lines))


def _slash(text: str) -> date | None:
    return datetime.strptime(text, "%d/%m/%Y").date() if text else None


def _iso(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _month_name(text: str) -> date | None:
    if not text:
        return None
    day, month, year = text.split("-")
    return date(int(year), MONTHS[month], int(day))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def read_sources(root: Path) -> dict[str, list[Seen]]:
    """Every source dataset of the project at ``root``, by ``source.dataset``."""
    data = root / "data"
    found: dict[str, list[Seen]] = {}

    rows = found["asc.clients"] = []
    for raw in _csv_rows(data / "asc/clients.csv"):
        surname, _, rest = raw["Name"].partition(", ")
        forename, _, middle = rest.partition(" ")
        rows.append(
            Seen(
                "asc.clients",
                raw["Person ID"],
                raw,
                forename,
                middle,
                surname,
                _slash(raw["Date of Birth"]),
                [raw["Address"]],
                raw["Postcode"],
            )
        )
    found["asc.services"] = [Seen("asc.services", r["Service ID"], r) for r in _csv_rows(data / "asc/services.csv")]
    found["asc.reviews"] = [Seen("asc.reviews", r["Review ID"], r) for r in _csv_rows(data / "asc/reviews.csv")]

    rows = found["csc.children"] = []
    for raw in _csv_rows(data / "csc/children.csv"):
        lines = [raw["AddressLine1"], raw["AddressLine2"], raw["AddressLine3"]]
        rows.append(
            Seen(
                "csc.children",
                raw["ChildID"],
                raw,
                raw["Forename"],
                "",
                raw["Surname"],
                _iso(raw["DOB"]),
                lines,
                raw["Postcode"],
            )
        )
    found["csc.referrals"] = [Seen("csc.referrals", r["ReferralID"], r) for r in _csv_rows(data / "csc/referrals.csv")]
    found["csc.plans"] = [Seen("csc.plans", r["PlanID"], r) for r in _csv_rows(data / "csc/plans.csv")]

    rows = found["ctax.accounts"] = []
    for raw in _csv_rows(data / "ctax/accounts.csv", "windows-1252", skip=4):
        tokens = raw["Name"].split()
        if tokens[0] in TITLES:
            tokens = tokens[1:]
        lines = [raw[f"Address {i}"] for i in range(1, 5)]
        rows.append(
            Seen(
                "ctax.accounts",
                f"{raw['Account Ref']}-{raw['Liable Party']}",
                raw,
                tokens[0],
                "",
                tokens[-1],
                _month_name(raw["Date of Birth"]),
                lines,
                raw["Post Code"],
            )
        )

    book = load_workbook(data / "housing/housing_register.xlsx", read_only=True)
    for sheet, dataset, key_columns in (
        ("Applications", "housing.applications", ("Application No", "Applicant No")),
        ("Tenancies", "housing.tenancies", ("Tenancy Ref", "Tenant")),
    ):
        rows = found[dataset] = []
        values = book[sheet].iter_rows(values_only=True)
        header = [str(name) for name in next(values)]
        for cells in values:
            padded = [*cells, *[None] * (len(header) - len(cells))]  # trailing blank cells are not stored
            raw = {name: _cell(value) for name, value in zip(header, padded, strict=True)}
            key = "-".join(raw[column] for column in key_columns)
            lines = [raw["Address Line 1"], raw["Address Line 2"], raw["Town"]]
            rows.append(
                Seen(
                    dataset,
                    key,
                    raw,
                    raw["First Name"],
                    "",
                    raw["Last Name"],
                    _iso(raw["Date of Birth"]),
                    lines,
                    raw["Postcode"],
                )
            )
    book.close()

    rows = found["schools.pupils"] = []
    for raw in _csv_rows(data / "schools/pupils.csv"):
        lines = [raw[name] for name in ("SAON", "PAON", "Street", "Locality", "Town")]
        rows.append(
            Seen(
                "schools.pupils",
                raw["PupilID"],
                raw,
                raw["Forename"],
                raw["MiddleNames"],
                raw["Surname"],
                _iso(raw["DOB"]),
                lines,
                raw["PostCode"],
            )
        )

    found["llpg.properties"] = [Seen("llpg.properties", r["UPRN"], r) for r in _csv_rows(data / "llpg/properties.csv")]
    found.update(read_event_sources(root))
    return found


def read_event_sources(root: Path) -> dict[str, list[Seen]]:
    """The event and denominator datasets behind the KPIs, by ``source.dataset``."""
    data = root / "data"
    return {
        dataset: [Seen(dataset, "-".join(row[column] for column in keys), row) for row in rows]
        for dataset, keys, rows in (
            ("asc.contacts", ("Contact ID",), _csv_rows(data / "asc/contacts.csv")),
            ("ctax.payments", ("Account Ref", "Due Date"), _csv_rows(data / "ctax/payments.csv", "windows-1252", 4)),
            ("housing.homelessness", ("Case Ref",), _csv_rows(data / "housing/homelessness_cases.csv")),
            (
                "housing.temporary_accommodation",
                ("Placement Ref",),
                _csv_rows(data / "housing/temporary_accommodation.csv"),
            ),
            ("schools.attendance", ("UPN", "PeriodStart"), _csv_rows(data / "schools/attendance.csv")),
            (
                "population.estimates",
                ("Year", "Ward Code", "Sex", "Age Band"),
                _csv_rows(data / "population/mid_year_estimates.csv"),
            ),
        )
    }


def read_truth(root: Path, name: str) -> list[dict[str, str]]:
    return _csv_rows(root / "ground_truth" / f"{name}.csv")
