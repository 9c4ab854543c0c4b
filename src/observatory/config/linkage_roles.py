"""Which standard columns of a dataset play which part in person linkage (its *roles*).

A role is found by the field's standard type (the first field of type ``date_of_birth`` is the date of
birth), unless ``linkage.datasets.<id>.roles`` names the field. Name parts come from a ``person_name``
field's extras, or from ``forename`` and ``surname`` fields. The one-line address joins the ``address``
field, else the fields listed in ``address:``, else the fields named ``address*``, ``saon``, ``paon``,
``street``, ``locality`` and ``town``, in contract order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from observatory.config.models import DatasetSpec, FieldSpec, LinkDatasetSpec

ROLES_BY_TYPE: dict[str, str] = {
    "date_of_birth": "date_of_birth",
    "sex": "sex",
    "nhs_number": "nhs_number",
    "ni_number": "ni_number",
    "upn": "upn",
    "postcode": "postcode",
    "phone": "phone",
    "email": "email",
    "ethnicity": "ethnicity",
    "forename": "forename",
    "surname": "surname",
    "person_name": "name",
}
"""Standard type → the role its first field plays."""
ROLES = (*ROLES_BY_TYPE.values(), "middle_names")
ADDRESS_NAMES = ("saon", "paon", "street", "locality", "town")
"""Field names taken as address lines by convention (besides ``address*``)."""


@dataclass(frozen=True)
class PersonRoles:
    """The standard-layer columns that give each person attribute of one dataset."""

    dataset: str
    columns: dict[str, str] = field(default_factory=dict)
    """Attribute (``forename``, ``forename_canonical``, ``postcode_sector`` ...) → standard column."""
    address: tuple[str, ...] = ()
    """Standard columns joined into the one-line address."""
    recorded: str | None = None
    """Standard column of the record's date, for the ``recent`` survivorship rule."""


Problem = tuple[tuple[str | int, ...], str]
"""(location under ``linkage``, problem) — the caller turns it into a ``ConfigIssue`` with a line."""


def is_person_dataset(spec: DatasetSpec) -> bool:
    """A dataset that names people: a ``person_name`` field, or ``forename`` and ``surname`` fields."""
    types = {f.type for f in spec.fields.values()}
    return "person_name" in types or {"forename", "surname"} <= types


def person_roles(dataset: str, spec: DatasetSpec, link: LinkDatasetSpec | None) -> tuple[PersonRoles, list[Problem]]:
    """Find the roles of ``dataset``; problems name the config entry that is wrong."""
    link = link or LinkDatasetSpec()
    fields = spec.fields
    base: tuple[str | int, ...] = ("linkage", "datasets", dataset)
    problems: list[Problem] = []
    chosen: dict[str, str] = {}
    for name, f in fields.items():
        role = ROLES_BY_TYPE.get(f.type)
        if role is not None:
            chosen.setdefault(role, name)
    if "middle_names" in fields:
        chosen.setdefault("middle_names", "middle_names")
    for role, name in link.roles.items():
        if role not in ROLES:
            problems.append(((*base, "roles", role), f"unknown role; roles: {', '.join(sorted(ROLES))}"))
        elif name not in fields:
            problems.append(((*base, "roles", role), f"no field {name!r} in {dataset}"))
        else:
            chosen[role] = name
    columns = _columns(chosen, fields)
    if not {"forename", "surname"} <= columns.keys():
        problems.append((base, f"{dataset} names no person: it needs a person_name field, or forename and surname"))
    address, address_problems = _address(dataset, fields, link, base)
    recorded = link.recorded
    if recorded is not None and fields.get(recorded, FieldSpec()).type not in ("date", "date_of_birth"):
        problems.append(((*base, "recorded"), f"{recorded!r} is not a date field of {dataset}"))
        recorded = None
    return PersonRoles(dataset, columns, address, recorded), problems + address_problems


def _columns(chosen: Mapping[str, str], fields: Mapping[str, FieldSpec]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for role, name in chosen.items():
        kind = fields[name].type
        if kind == "person_name":
            for part in ("forename", "forename_canonical", "middle_names", "surname"):
                columns.setdefault(part, f"{name}__{part}")
        elif kind == "forename":
            columns[role] = name
            columns.setdefault("forename_canonical", f"{name}__canonical")
        elif kind == "postcode":
            columns.update(postcode=name, postcode_sector=f"{name}__sector", postcode_district=f"{name}__outward")
        else:
            columns[role] = name
    if "forename" in columns and "forename_canonical" not in columns:
        columns["forename_canonical"] = columns["forename"]
    return columns


def _address(
    dataset: str, fields: Mapping[str, FieldSpec], link: LinkDatasetSpec, base: tuple[str | int, ...]
) -> tuple[tuple[str, ...], list[Problem]]:
    if link.address is not None:
        missing = [name for name in link.address if name not in fields]
        if missing:
            return (), [((*base, "address"), f"no field {', '.join(map(repr, missing))} in {dataset}")]
        return tuple(link.address), []
    return address_fields(fields), []


def address_fields(fields: Mapping[str, FieldSpec]) -> tuple[str, ...]:
    """The address lines of a dataset by convention: its ``address`` field, else fields named like lines."""
    typed = [name for name, f in fields.items() if f.type == "address"]
    if typed:
        return (typed[0],)
    return tuple(name for name in fields if name.startswith("address") or name in ADDRESS_NAMES)
