"""The single view of residents, read from the ``linked`` layer with bound parameters only.

    parse_search(...)              what a person typed, checked and normalised (problems by field)
    search_residents(con, search)  residents with a source record matching every criterion (capped)
    resident_view(con, id)         a resident's golden record with provenance, records, pairs, households, id history
    person_records(con, ids)       person records by ``unique_id`` (for the review page's side by side)

Table names come from ``linkage.tables`` only; every value from a request is a ``?`` parameter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import duckdb

from observatory.engine.base import qualified
from observatory.linkage.tables import (
    ATTRIBUTES,
    GOLDEN_PROVENANCE,
    ID_CHANGES,
    LAYER,
    PAIRS,
    PERSON_RECORDS,
    RESIDENT_RECORDS,
    RESIDENTS,
)
from observatory.platform import Observatory
from observatory.standards.types.contact import Phone
from observatory.standards.types.postcode import Postcode
from observatory.web.warehouse import fetch_dicts, table_exists

SEARCH_LIMIT = 50
"""At most this many residents are listed for one search; a narrower search finds the rest."""
MAX_NAME_WORDS = 6
RESIDENT_ID = re.compile(r"R[0-9]{1,18}")
"""The shape of a resident id (``R00000042``); anything else is not looked up."""

PEOPLE = qualified(LAYER, PERSON_RECORDS)
MEMBERS = qualified(LAYER, RESIDENT_RECORDS)
GOLDEN = qualified(LAYER, RESIDENTS)
PROVENANCE = qualified(LAYER, GOLDEN_PROVENANCE)
SCORED = qualified(LAYER, PAIRS)
CHANGES = qualified(LAYER, ID_CHANGES)

REQUIRED_TABLES = (PERSON_RECORDS, RESIDENT_RECORDS, RESIDENTS)

ATTRIBUTE_LABELS: dict[str, str] = {
    "forename": "Forename",
    "middle_names": "Middle names",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "nhs_number": "NHS number",
    "ni_number": "National Insurance number",
    "upn": "Unique pupil number",
    "postcode": "Postcode",
    "address": "Address",
    "uprn": "UPRN",
    "phone": "Phone",
    "email": "Email",
    "ethnicity": "Ethnicity",
}
"""How each golden attribute is labelled on pages (every ``linkage.tables.ATTRIBUTES`` entry)."""

RECORD_FIELDS: tuple[str, ...] = (*ATTRIBUTES, "recorded_on")
"""The fields of a person record shown on pages, in order."""
FIELD_LABELS = {**ATTRIBUTE_LABELS, "recorded_on": "Recorded on"}

SEX_LABELS = {"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known"}
"""NHS Data Dictionary person stated gender codes (the standard form of ``sex`` fields)."""

RULE_LABELS = {
    "only": "the only value recorded",
    "trusted": "from the most trusted system",
    "recent": "the most recently recorded",
    "frequent": "held by most records",
    "tie": "a tie, settled by record id",
}
"""What each survivorship rule in ``golden_provenance.rule`` means, in words."""

NAMES_SQL = (
    "' ' || upper(strip_accents(replace(concat_ws(' ', p.forename, p.forename_canonical, p.middle_names, "
    "p.surname), '-', ' '))) || ' '"
)
"""Every name of a record as one upper-case string, words separated by single spaces at both ends."""

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_UK_DATE = re.compile(r"([0-9]{1,2})[/.\- ]([0-9]{1,2})[/.\- ]([0-9]{4})")
DATE_HINT = "Enter the date of birth as day/month/year, like 27/03/1941, or as 1941-03-27"


def dataset_titles(obs: Observatory) -> dict[str, dict[str, str]]:
    """``source.dataset`` → the source system's title and the dataset's, from the project's contracts."""
    return {
        f"{source.name}.{dataset.name}": {
            "system": source.spec.title or source.name,
            "title": dataset.spec.title or dataset.name,
        }
        for source in obs.project.sources.values()
        for dataset in source.datasets.values()
    }


def available(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the single view has been built (``observatory link`` has run)."""
    return all(table_exists(con, LAYER, table) for table in REQUIRED_TABLES)


# --- what a person typed --------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """Checked, normalised search criteria; a resident is found when one of their records meets all of them."""

    name: tuple[str, ...] = ()
    date_of_birth: date | None = None
    postcode: str | None = None
    postcode_part: Literal["postcode", "sector", "district"] = "postcode"
    identifier: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.name or self.date_of_birth or self.postcode or self.identifier)

    def to_dict(self) -> dict[str, str | None]:
        """The criteria as searched (for the audit trail and the API)."""
        return {
            "name": " ".join(self.name) or None,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "postcode": self.postcode,
            "identifier": self.identifier,
        }


def fold(text: str) -> str:
    """Upper case without accents (``José`` → ``JOSE``), as names are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).upper()


def name_words(text: str) -> tuple[str, ...]:
    """The words of a name as searched: case, accents, extra spaces and hyphens do not matter."""
    return tuple(word for word in re.split(r"[\s\-]+", fold(text)) if word)


def parse_date_of_birth(text: str, today: date) -> date:
    """A date of birth typed as ``1941-03-27`` or ``27/03/1941`` (also ``-``, ``.`` or a space between parts)."""
    cleaned = " ".join(text.split())
    iso, uk = _ISO_DATE.fullmatch(cleaned), _UK_DATE.fullmatch(cleaned)
    if iso is not None:
        year, month, day = (int(part) for part in iso.groups())
    elif uk is not None:
        day, month, year = (int(part) for part in uk.groups())
    else:
        raise ValueError(DATE_HINT)
    try:
        found = date(year, month, day)
    except ValueError:
        raise ValueError(f"{cleaned} is not a real date. {DATE_HINT}") from None
    if found > today:
        raise ValueError("The date of birth must be today or in the past")
    return found


def parse_postcode(text: str) -> tuple[str, Literal["postcode", "sector", "district"]]:
    """A full postcode (``AB15 6FS``), a sector (``AB15 6``) or a district (``AB15``), in standard form."""
    verdict = Postcode().validate(text)
    if verdict.value is None or verdict.status not in ("valid", "partial"):
        raise ValueError("Enter a real postcode, like AB15 6FS, or its first part, like AB15 or AB15 6")
    if verdict.status == "valid":
        return verdict.value, "postcode"
    return verdict.value, "sector" if " " in verdict.value else "district"


def parse_search(
    name: str = "", date_of_birth: str = "", postcode: str = "", identifier: str = "", *, today: date
) -> tuple[Search, dict[str, str]]:
    """The search, and a message for each field that could not be read (empty when all is well)."""
    problems: dict[str, str] = {}
    words = name_words(name)
    if len(words) > MAX_NAME_WORDS:
        problems["name"] = f"Enter at most {MAX_NAME_WORDS} names"
    born = None
    if date_of_birth.strip():
        try:
            born = parse_date_of_birth(date_of_birth, today)
        except ValueError as exc:
            problems["date_of_birth"] = str(exc)
    code, part = None, "postcode"
    if postcode.strip():
        try:
            code, part = parse_postcode(postcode)
        except ValueError as exc:
            problems["postcode"] = str(exc)
    ident = " ".join(identifier.split()) or None
    search = Search(words, born, code, part, ident)  # type: ignore[arg-type]
    if search.empty and not problems:
        problems["name"] = "Enter a name, a date of birth, a postcode or an identifier"
    return search, problems


# --- searching --------------------------------------------------------------------------------------


def _identifier_condition(text: str) -> tuple[str, list[Any]]:
    """A record holding ``text`` as an NHS number, NI number, UPN, phone, email, UPRN, resident id, record id or
    source key (the first part of a composite key too: a council tax account finds every liable party)."""
    upper = text.upper()
    compact = re.sub(r"[\s\-]", "", upper)
    phone = Phone().validate(text)
    sql = (
        "(p.nhs_number = ? OR p.ni_number = ? OR p.upn = ? OR p.phone = ? OR lower(p.email) = ? "
        "OR CAST(m.uprn AS VARCHAR) = ? OR m.resident_id = ? OR upper(p.unique_id) = ? "
        "OR upper(p.record_key) = ? OR starts_with(upper(p.record_key), ?))"
    )
    params = [
        compact,
        compact,
        compact,
        phone.value if phone.status == "valid" else None,
        text.lower(),
        compact,
        upper,
        upper,
        upper,
        upper + "-",
    ]
    return sql, params


def _conditions(search: Search) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for word in search.name:
        where.append(f"contains({NAMES_SQL}, ?)")
        params.append(" " + word)
    if search.date_of_birth is not None:
        where.append("p.date_of_birth = ?")
        params.append(search.date_of_birth)
    if search.postcode is not None:
        column = {"postcode": "p.postcode", "sector": "p.postcode_sector", "district": "p.postcode_district"}
        where.append(f"{column[search.postcode_part]} = ?")
        params.append(search.postcode)
    if search.identifier is not None:
        sql, values = _identifier_condition(search.identifier)
        where.append(sql)
        params.extend(values)
    return where, params


def search_residents(
    con: duckdb.DuckDBPyConnection, search: Search, limit: int = SEARCH_LIMIT
) -> tuple[list[dict[str, Any]], bool]:
    """Residents with a record meeting every criterion (at most ``limit``, by surname and forename), and whether
    there are more. Each carries ``matched_records``: the ids of the records that matched."""
    if search.empty:
        return [], False
    where, params = _conditions(search)
    sql = f"""
SELECT r.resident_id, r.forename, r.middle_names, r.surname, r.date_of_birth, r.postcode, r.address,
       r.records, r.datasets, r.sources, list(DISTINCT p.unique_id ORDER BY p.unique_id) AS matched_records
FROM {PEOPLE} AS p
JOIN {MEMBERS} AS m ON m.unique_id = p.unique_id
JOIN {GOLDEN} AS r ON r.resident_id = m.resident_id
WHERE {" AND ".join(where)}
GROUP BY ALL
ORDER BY r.surname NULLS LAST, r.forename NULLS LAST, r.resident_id
LIMIT ?"""
    rows = fetch_dicts(con, sql, [*params, limit + 1])
    for row in rows:
        row["sources"] = [name for name in (row["sources"] or "").split(",") if name]
    return rows[:limit], len(rows) > limit


# --- one resident -------------------------------------------------------------------------------------

RECORD_SQL = f"""
SELECT m.unique_id, m.dataset, m.record_key, m.probability, m.cluster_size, m.household_id, m.uprn,
       m.address_status, m.address_score, p.forename, p.middle_names, p.surname, p.date_of_birth, p.sex,
       p.nhs_number, p.ni_number, p.upn, p.postcode, p.address, p.phone, p.email, p.ethnicity, p.recorded_on,
       p.trust
FROM {MEMBERS} AS m
LEFT JOIN {PEOPLE} AS p ON p.unique_id = m.unique_id
"""


def _golden_attributes(golden: dict[str, Any], provenance: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each golden attribute with a value, in order, with where it came from and why it won."""
    sources = {row["attribute"]: row for row in provenance}
    attributes = []
    for name in ATTRIBUTES:
        value = golden.get(name)
        if value is None:
            continue
        source = sources.get(name, {})
        attributes.append(
            {
                "attribute": name,
                "label": ATTRIBUTE_LABELS[name],
                "value": value,
                "unique_id": source.get("unique_id"),
                "dataset": source.get("dataset"),
                "rule": source.get("rule"),
                "candidates": source.get("candidates"),
            }
        )
    return attributes


def _households(
    con: duckdb.DuckDBPyConnection, resident_id: str, records: list[dict[str, Any]], golden_uprn: int | None
) -> list[dict[str, Any]]:
    """The households the resident's records place them in (the golden UPRN's first), with who else is there."""
    others = fetch_dicts(
        con,
        f"""
SELECT DISTINCT m.household_id, r.resident_id, r.forename, r.surname
FROM {MEMBERS} AS m
JOIN {GOLDEN} AS r ON r.resident_id = m.resident_id
WHERE m.resident_id <> ?
  AND m.household_id IN (SELECT household_id FROM {MEMBERS} WHERE resident_id = ? AND household_id IS NOT NULL)
ORDER BY r.surname NULLS LAST, r.forename NULLS LAST, r.resident_id""",
        [resident_id, resident_id],
    )
    households: dict[str, dict[str, Any]] = {}
    for record in records:
        key = record["household_id"]
        if key is None:
            continue
        found = households.setdefault(
            key,
            {
                "household_id": key,
                "uprn": record["uprn"],
                "address": record["address"],
                "postcode": record["postcode"],
                "current": golden_uprn is not None and record["uprn"] == golden_uprn,
                "records": [],
                "residents": [],
            },
        )
        found["records"].append(record["unique_id"])
    for row in others:
        households[row["household_id"]]["residents"].append(
            {"resident_id": row["resident_id"], "forename": row["forename"], "surname": row["surname"]}
        )
    return sorted(households.values(), key=lambda h: (not h["current"], h["household_id"]))


def resident_view(con: duckdb.DuckDBPyConnection, resident_id: str) -> dict[str, Any] | None:
    """Everything the single view shows of one resident, or None when there is no such resident."""
    if not RESIDENT_ID.fullmatch(resident_id):
        return None
    found = fetch_dicts(con, f"SELECT * FROM {GOLDEN} WHERE resident_id = ?", [resident_id])
    if not found:
        return None
    golden = found[0]
    provenance = (
        fetch_dicts(
            con,
            f"SELECT attribute, value, unique_id, dataset, rule, candidates FROM {PROVENANCE} WHERE resident_id = ?",
            [resident_id],
        )
        if table_exists(con, LAYER, GOLDEN_PROVENANCE)
        else []
    )
    records = fetch_dicts(
        con, RECORD_SQL + "WHERE m.resident_id = ? ORDER BY p.trust NULLS LAST, m.unique_id", [resident_id]
    )
    pairs = (
        fetch_dicts(
            con,
            f"""
SELECT unique_id_l, unique_id_r, match_probability, match_weight FROM {SCORED}
WHERE unique_id_l IN (SELECT unique_id FROM {MEMBERS} WHERE resident_id = ?)
  AND unique_id_r IN (SELECT unique_id FROM {MEMBERS} WHERE resident_id = ?)
ORDER BY match_weight DESC, unique_id_l, unique_id_r""",
            [resident_id, resident_id],
        )
        if table_exists(con, LAYER, PAIRS)
        else []
    )
    history = (
        fetch_dicts(
            con,
            f"""
SELECT run_id, change, resident_id, related, records FROM {CHANGES}
WHERE resident_id = ? OR list_contains(related, ?)
ORDER BY run_id, resident_id""",
            [resident_id, resident_id],
        )
        if table_exists(con, LAYER, ID_CHANGES)
        else []
    )
    golden["sources"] = [name for name in (golden.get("sources") or "").split(",") if name]
    return {
        "resident_id": resident_id,
        "golden": golden,
        "attributes": _golden_attributes(golden, provenance),
        "records": records,
        "pairs": pairs,
        "households": _households(con, resident_id, records, golden.get("uprn")),
        "id_history": history,
    }


def person_records(con: duckdb.DuckDBPyConnection, unique_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Records by ``unique_id``, with the resident each now belongs to (ids not found are left out)."""
    if not unique_ids or not available(con):
        return {}
    placeholders = ", ".join("?" for _ in unique_ids)
    rows = fetch_dicts(
        con,
        f"""
SELECT p.unique_id, p.dataset, p.record_key, p.forename, p.middle_names, p.surname, p.date_of_birth, p.sex,
       p.nhs_number, p.ni_number, p.upn, p.postcode, p.address, m.uprn, p.phone, p.email, p.ethnicity,
       p.recorded_on, m.resident_id, m.address_status
FROM {PEOPLE} AS p
LEFT JOIN {MEMBERS} AS m ON m.unique_id = p.unique_id
WHERE p.unique_id IN ({placeholders})""",
        list(unique_ids),
    )
    return {row["unique_id"]: row for row in rows}
