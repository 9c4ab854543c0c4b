"""The standard field types: one class per UK data standard, found by name.

``field_type(spec)`` builds the type a contract field asks for; ``TYPE_CLASSES`` maps each
name of ``observatory.config.models.FieldTypeName`` to the class that implements it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, get_args

from observatory.config.models import FieldTypeName
from observatory.standards.types.base import STATUSES, FieldType, Lookup, Status, Storage, Verdict

if TYPE_CHECKING:
    from observatory.config.models import FieldSpec

__all__ = [
    "STATUSES",
    "TYPE_CLASSES",
    "FieldType",
    "Lookup",
    "Status",
    "Storage",
    "Verdict",
    "field_type",
    "type_class",
]

TYPE_CLASSES: dict[str, str] = {
    "text": "text:Text",
    "integer": "text:Integer",
    "decimal": "text:Decimal",
    "money": "money:Money",
    "boolean": "boolean:Boolean",
    "code": "coded:Code",
    "sex": "coded:Sex",
    "ethnicity": "coded:Ethnicity",
    "date": "dates:Date",
    "date_of_birth": "dates:DateOfBirth",
    "postcode": "postcode:Postcode",
    "uprn": "property:Uprn",
    "usrn": "property:Usrn",
    "nhs_number": "identifiers:NhsNumber",
    "ni_number": "identifiers:NiNumber",
    "upn": "identifiers:Upn",
    "email": "contact:Email",
    "phone": "contact:Phone",
    "person_name": "names:PersonName",
    "forename": "names:Forename",
    "surname": "names:Surname",
    "address": "address:Address",
}
"""Type name -> ``module:Class`` inside this package."""

assert set(TYPE_CLASSES) == set(get_args(FieldTypeName)), "every FieldTypeName needs a class"


def type_class(name: str) -> type[FieldType]:
    """The class implementing type ``name``."""
    module, _, cls = TYPE_CLASSES[name].partition(":")
    found: type[FieldType] = getattr(import_module(f"{__name__}.{module}"), cls)
    return found


def field_type(spec: FieldSpec) -> FieldType:
    """The field type a contract field asks for, configured by its options."""
    return type_class(spec.type)(spec)
