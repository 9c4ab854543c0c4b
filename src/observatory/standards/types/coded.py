"""Coded values: a field's own code list, sex and ethnicity.

Each type looks the cleaned value up in a table of spellings -> standard codes. The table is
built once per field from the type's standard codes, its built-in spellings and the field's
``mapping``; the engine expression is the same lookup as one ``CASE`` over ``IN`` lists.
A code always maps to itself, so ``normalise`` is idempotent; a mapping that would send a
standard code elsewhere is refused when the field is configured.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from observatory.standards.types.base import FieldType, Status, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import (
    MISSING,
    ascii_lower,
    ascii_lower_expr,
    invalid,
    partial,
    status_cases,
    valid,
    value_cases,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from observatory.config.models import FieldSpec

Key = Callable[[str], str]


def case_key(text: str) -> str:
    """A cleaned value compared without regard to (ASCII) letter case."""
    return ascii_lower(text)


def case_key_expr(column: ir.StringValue) -> ir.StringValue:
    return ascii_lower_expr(column)


def word_key(text: str) -> str:
    """Only the letters a-z and digits, lower-cased: ``White - British`` and ``white/british`` agree."""
    return "".join(char for char in ascii_lower(text) if "a" <= char <= "z" or "0" <= char <= "9")


def word_key_expr(column: ir.StringValue) -> ir.StringValue:
    return ascii_lower_expr(column).re_replace("[^a-z0-9]", "")


class Lookup:
    """Spellings -> standard codes, compared by a key function."""

    def __init__(self, key: Key, codes: Iterable[str]) -> None:
        self.key = key
        self.table: dict[str, str] = {}
        self._fixed: set[str] = set()
        for code in codes:
            cleaned = clean(code)
            if cleaned is None:
                raise ValueError(f"code {code!r} is read as missing, so no value can match it")
            self._put(cleaned, cleaned, replace=False)
            self._fixed.add(self.key(cleaned))

    def _put(self, spelling: str, code: str, replace: bool) -> None:
        cleaned = clean(spelling)
        key = self.key(cleaned) if cleaned is not None else ""
        if not key:
            raise ValueError(f"{spelling!r} cannot be looked up: it is empty or read as missing")
        known = self.table.get(key)
        if known is not None and known != code and (not replace or key in self._fixed):
            raise ValueError(f"{spelling!r} cannot mean {code!r}: it already means {known!r}")
        self.table[key] = code

    def add(self, spelling: str, code: str, replace: bool = False) -> None:
        """``spelling`` means ``code``; ``replace`` lets it override an earlier spelling (never a code)."""
        self._put(spelling, code, replace)

    def code(self, text: str) -> str | None:
        """The standard code that ``text`` (cleaned) spells, if any."""
        return self.table.get(self.key(text))

    def keys_by_code(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for key, code in sorted(self.table.items()):
            found.setdefault(code, []).append(key)
        return found


class Coded(FieldType):
    """A field whose cleaned value is looked up in a ``Lookup``; some codes are only ``partial``."""

    lookup: Lookup

    def __init__(self, spec: FieldSpec | None = None) -> None:
        super().__init__(spec)
        self.partial_codes: Mapping[str, str] = {}
        """Standard codes that are recognised but incomplete -> the reason given."""

    def _key_expr(self, column: ir.StringValue) -> ir.StringValue:
        return case_key_expr(column)

    def _unknown(self, cleaned: str) -> Verdict:
        return invalid(f"not a recognised {self.title.lower()} value")

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        code = self.lookup.code(cleaned)
        if code is None:
            return self._unknown(cleaned)
        reason = self.partial_codes.get(code)
        return valid(code) if reason is None else partial(code, reason)

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        key = self._key_expr(clean_expr(column))
        return value_cases(*[(key.isin(keys), code) for code, keys in self.lookup.keys_by_code().items()])

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        cleaned = clean_expr(column)
        key = self._key_expr(cleaned)
        partial_keys = sorted(k for k, code in self.lookup.table.items() if code in self.partial_codes)
        valid_keys = sorted(k for k, code in self.lookup.table.items() if code not in self.partial_codes)
        branches: list[tuple[ir.BooleanValue, Status]] = []
        if partial_keys:
            branches.append((key.isin(partial_keys), "partial"))
        if valid_keys:
            branches.append((key.isin(valid_keys), "valid"))
        return status_cases(cleaned, *branches)

    def _spec_mapping(self) -> dict[str, str]:
        return dict(self.spec.mapping or {}) if self.spec is not None else {}


class Code(Coded):
    """A value from the field's own code list."""

    name = "code"
    title = "Code"
    rule = (
        "A value from the field's code list. With `allowed`, a value is valid when it is one of "
        "the allowed codes, compared without regard to letter case; the standard form is the "
        "code as the list spells it. A `mapping` translates source values (compared without "
        "regard to case) into codes first; with a mapping but no `allowed` list, the mapping's "
        "targets are the codes. A value that maps to a code outside `allowed`, or that is "
        "neither a code nor mapped, is invalid. With neither option every cleaned value is valid."
    )
    source = "The field's code list in the dataset contract (sources/*.yml)."

    def __init__(self, spec: FieldSpec | None = None) -> None:
        super().__init__(spec)
        mapping = self._spec_mapping()
        allowed = list(spec.allowed or []) if spec is not None else []
        self.open = not allowed and not mapping
        self.lookup = Lookup(case_key, allowed or mapping.values())
        self.outside: dict[str, str] = {}
        """Mapped spellings whose target is not an allowed code -> that target (for the reason)."""
        for spelling, target in mapping.items():
            code = self.lookup.code(clean(target) or "")
            if code is None:
                self.outside[case_key(clean(spelling) or "")] = target
            else:
                self.lookup.add(spelling, code, replace=True)

    def _unknown(self, cleaned: str) -> Verdict:
        target = self.outside.get(case_key(cleaned))
        if target is not None:
            return invalid(f"maps to {target!r}, which is not an allowed code")
        return invalid("not one of the allowed codes")

    def validate(self, text: str | None) -> Verdict:
        if self.open:
            cleaned = clean(text)
            return MISSING if cleaned is None else valid(cleaned)
        return super().validate(text)

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        return clean_expr(column) if self.open else super().value_expr(column)

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        if self.open:
            cleaned = clean_expr(column)
            return status_cases(cleaned, (cleaned.notnull(), "valid"))
        return super().status_expr(column)


class _Standard(Coded):
    """A coded type with built-in codes and spellings that a field's mapping can extend."""

    def _key_expr(self, column: ir.StringValue) -> ir.StringValue:
        return word_key_expr(column)

    def _build(self, codes: Iterable[str], spellings: Iterable[tuple[str, str]]) -> None:
        lookup = Lookup(word_key, codes)
        for spelling, code in spellings:
            lookup.add(spelling, code)
        for spelling, target in self._spec_mapping().items():
            found = lookup.code(clean(target) or "")
            if found is None:
                raise ValueError(f"{self.name} mapping {spelling!r}: {target!r} is not a {self.title.lower()} code")
            lookup.add(spelling, found, replace=True)
        self.lookup = lookup


SEX_CODES: dict[str, str] = {"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known"}
"""NHS Data Dictionary PERSON STATED GENDER CODE."""

SEX_SPELLINGS: dict[str, tuple[str, ...]] = {
    "1": ("M", "Male", "Man", "Boy"),
    "2": ("F", "Female", "Woman", "Girl"),
    "9": ("I", "Indeterminate", "Intersex", "Other", "Non-binary"),
    "X": ("0", "U", "Unknown", "Not known", "N/K", "Not stated", "Not recorded", "Prefer not to say", "Unborn"),
}
"""Spellings found in council data (DfE census M/F/U, ISO/IEC 5218 0/1/2/9) for each code."""


class Sex(_Standard):
    """Sex or stated gender, coded as in the NHS Data Dictionary."""

    name = "sex"
    title = "Sex"
    rule = (
        "The standard form is the NHS Data Dictionary Person Stated Gender Code: 1 Male, 2 Female, "
        "9 Indeterminate (not able to be classified as male or female), X Not known. Built in "
        "are the code words and letters used in council systems, compared on letters and digits "
        "only and without regard to case: M/Male/Man/Boy are 1, F/Female/Woman/Girl are 2, "
        "I/Indeterminate/Intersex/Other/Non-binary are 9, and 0/U/Unknown/Not known/N/K/Not "
        "stated/Not recorded/Prefer not to say/Unborn are X. ISO/IEC 5218 codes read the same way "
        "(0 not known is X, 1 and 2 agree, its 9 not applicable is 9). X is partial: recognised, but says nothing. "
        "A field's `mapping` adds spellings (targets are codes or any built-in spelling)."
    )
    source = (
        "NHS Data Dictionary, PERSON STATED GENDER CODE (1, 2, 9, X); ISO/IEC 5218 codes for the "
        "representation of human sexes; DfE school census gender codes (M, F, U)."
    )

    def __init__(self, spec: FieldSpec | None = None) -> None:
        super().__init__(spec)
        self.partial_codes = {"X": "sex or gender not known"}
        self._build(SEX_CODES, [(spelling, code) for code, words in SEX_SPELLINGS.items() for spelling in words])


@dataclass(frozen=True, slots=True)
class EthnicCategory:
    """One standard ethnicity code (a row of ``reference/ethnicity_codes.csv``)."""

    code: str
    group: str | None
    ons: str
    label: str
    status: str
    spellings: tuple[str, ...]


ETHNICITY_GROUPS_FILE = "ethnicity_groups.csv"
ETHNICITY_CODES_FILE = "ethnicity_codes.csv"


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("observatory.standards.reference").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _split(cell: str) -> list[str]:
    return [part for part in cell.split(";") if part]


@cache
def ethnic_categories() -> tuple[EthnicCategory, ...]:
    """The ethnicity codes with every spelling they accept: ONS labels (each category name under
    each spelling of its group), DfE census codes, NHS Data Dictionary letters and aliases."""
    prefixes = {row["group"]: _split(row["prefixes"]) for row in _rows(ETHNICITY_GROUPS_FILE)}
    found = []
    for row in _rows(ETHNICITY_CODES_FILE):
        group = row["group"] or None
        named = [f"{prefix}: {name}" for prefix in prefixes.get(row["group"], []) for name in _split(row["names"])]
        spellings = (row["label"], *named, *_split(row["aliases"]))
        found.append(EthnicCategory(row["code"], group, row["ons"], row["label"], row["status"], spellings))
    return tuple(found)


@cache
def ethnic_groups() -> dict[str, str]:
    """The five ONS 2021 high-level groups: code -> label."""
    return {row["group"]: row["label"] for row in _rows(ETHNICITY_GROUPS_FILE)}


class Ethnicity(_Standard):
    """Ethnic group, in the ONS 2021 census classification for England and Wales."""

    name = "ethnicity"
    title = "Ethnicity"
    rule = (
        "The standard form is a short code for one of the 19 ethnic groups of the ONS 2021 census "
        "for England and Wales (asian_bangladeshi ... other_any; the table is in "
        "standards/reference/ethnicity_codes.csv), or refused (asked and declined) which is "
        "valid, or not_known which is partial. Accepted spellings, compared on letters and "
        "digits only and without regard to case: the ONS labels with the group written in any "
        'of its published forms ("White: English, Welsh, Scottish, Northern Irish or British", '
        '"Black, Black British, Caribbean or African: African", "Asian or Asian British - '
        'Indian"), short names (Indian, Any other White background), the DfE school and '
        "children's social care census codes, main and extended (WBRI, WIRI, MWBC, ABAN, BAFR, "
        "CHNE, OOTH, REFU, NOBT ...), and NHS Data Dictionary ethnic category letters (A-S, Z, "
        "99). DfE's combined Gypsy/Roma codes (WROM, WROO) cannot be split into the two ONS "
        "categories and give white_gypsy_or_roma, which is partial. A field's `mapping` adds "
        "spellings (targets are codes or any accepted spelling). Extra column: group, one of "
        "the five ONS high-level groups (asian, black, mixed, white, other)."
    )
    source = (
        "ONS, Ethnic group classification 2021 (England and Wales, 19 categories in 5 groups); "
        "DfE school census and CSC census ethnicity codes; NHS Data Dictionary ETHNIC CATEGORY."
    )

    def __init__(self, spec: FieldSpec | None = None) -> None:
        super().__init__(spec)
        categories = ethnic_categories()
        self.partial_codes = {c.code: c.label for c in categories if c.status == "partial"}
        self.groups = {c.code: c.group for c in categories}
        self._build([c.code for c in categories], [(s, c.code) for c in categories for s in c.spellings])

    def extra_values(self, text: str | None) -> dict[str, str | None]:
        """``extras`` in Python: the ONS high-level group."""
        code = self.validate(text).value
        return {"group": None if code is None else self.groups[code]}

    def extras(self, column: ir.StringValue) -> dict[str, ir.Value]:
        key = self._key_expr(clean_expr(column))
        by_group: dict[str, list[str]] = {}
        for k, code in sorted(self.lookup.table.items()):
            group = self.groups[code]
            if group is not None:
                by_group.setdefault(group, []).append(k)
        return {"group": value_cases(*[(key.isin(keys), group) for group, keys in by_group.items()])}
