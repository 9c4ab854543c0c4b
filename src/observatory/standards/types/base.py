"""What every standard field type provides: a Python reference rule and the same rule as an engine expression.

A field type turns the text found in a source column into its standard form and says whether
the value meets the standard. It does so twice, and both must agree on every input:

- ``validate(text)`` / ``normalise(text)`` in Python: the reference implementation, used for
  single values (the API, failing-row explanations) and in tests. They never raise.
- ``value_expr(column)`` / ``status_expr(column)`` as Ibis expressions, so the standard layer
  is computed inside the engine (DuckDB or Spark) without pulling rows into Python.

Statuses: ``valid`` (meets the standard), ``partial`` (recognisably a value of this type but
incomplete, such as an outward code ``M41``), ``invalid`` (present but not a value of this type)
and ``missing`` (empty, blank or a null token such as ``N/A``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from observatory.config.models import FieldSpec

Status = Literal["valid", "partial", "invalid", "missing"]
STATUSES: tuple[Status, ...] = ("valid", "partial", "invalid", "missing")

Storage = Literal["string", "int64", "decimal(18,2)", "float64", "boolean", "date"]
"""The type of the standard column in the warehouse (an Ibis dtype string)."""


@dataclass(frozen=True)
class Lookup:
    """A derived column found in a small reference table: the engine joins, rather than testing each entry per row.

    The column ``<field>__<suffix>`` holds ``table[key]``, or ``key`` itself when the table has
    no entry for it (a forename that is not a nickname is its own canonical form).
    """

    suffix: str
    key: ir.StringValue
    table: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of checking one value.

    ``value`` is the standard form as text (ISO dates, ``AB10 1AB``, ``+447700900123``) for
    valid and partial values, and ``None`` for invalid and missing ones. ``reason`` says in
    plain English why a value is invalid or partial; it is empty otherwise.
    """

    status: Status
    value: str | None = None
    reason: str = ""


class FieldType(ABC):
    """A standard field type, configured by a field of a dataset contract."""

    name: ClassVar[str]
    """The type name used in ``sources/*.yml`` (``postcode``)."""
    title: ClassVar[str]
    """A human title (``Postcode``)."""
    rule: ClassVar[str]
    """The rule in plain English, as the docs state it."""
    source: ClassVar[str]
    """Where the rule comes from (a standard, a specification, a URL)."""
    storage: ClassVar[Storage] = "string"
    personal: ClassVar[bool] = False
    """Whether values identify a person (masked in failing-row samples unless a field says otherwise)."""

    def __init__(self, spec: FieldSpec | None = None) -> None:
        self.spec = spec

    # -- Python reference ---------------------------------------------------------------------

    @abstractmethod
    def validate(self, text: str | None) -> Verdict:
        """Check ``text``; never raises on any string or ``None``."""

    def normalise(self, text: str | None) -> str | None:
        """The standard form of ``text``, or ``None``; idempotent: ``normalise(normalise(x)) == normalise(x)``."""
        return self.validate(text).value

    # -- engine expressions -------------------------------------------------------------------

    @abstractmethod
    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        """The standard form as text (NULL for invalid and missing), equal to ``normalise`` on every input."""

    @abstractmethod
    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        """The status (``valid``/``partial``/``invalid``/``missing``), equal to ``validate(x).status``."""

    def extras(self, column: ir.StringValue) -> dict[str, ir.Value]:
        """Derived columns, named by suffix (``{"outward": ...}`` becomes ``<field>__outward``)."""
        return {}

    def lookups(self, column: ir.StringValue) -> list[Lookup]:
        """Derived columns looked up in reference tables (see ``Lookup``)."""
        return []
