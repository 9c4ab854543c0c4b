"""Yes/no values."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from observatory.standards.types.base import FieldType, Storage, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import (
    MISSING,
    ascii_lower,
    ascii_lower_expr,
    invalid,
    status_cases,
    valid,
    value_cases,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from observatory.config.models import FieldSpec

TRUE_WORDS = ("y", "yes", "1", "true", "t")
FALSE_WORDS = ("n", "no", "0", "false", "f")
_DEFAULTS = {word: "true" for word in TRUE_WORDS} | {word: "false" for word in FALSE_WORDS}


class Boolean(FieldType):
    """True or false, from the usual spellings of yes and no."""

    name = "boolean"
    title = "Yes/no"
    rule = (
        "Y, Yes, 1, True and T are true; N, No, 0, False and F are false, in any letter case. "
        "The standard form is the text true or false. A field's `mapping` adds spellings or "
        "overrides these (source value to true or false, compared without regard to case; the "
        "target may be any of the spellings above, and true and false keep their meaning); "
        "anything else is invalid."
    )
    source = "Observatory yes/no rule (no external standard); stored as an SQL BOOLEAN."
    storage: ClassVar[Storage] = "boolean"

    def __init__(self, spec: FieldSpec | None = None) -> None:
        super().__init__(spec)
        table = dict(_DEFAULTS)
        for source, target in ((spec.mapping or {}) if spec else {}).items():
            key = clean(source)
            meaning = _DEFAULTS.get(ascii_lower(clean(target) or ""))
            if key is None or meaning is None:
                raise ValueError(f"boolean mapping {source!r}: {target!r} must map a non-empty value to true or false")
            if ascii_lower(key) in ("true", "false") and ascii_lower(key) != meaning:
                raise ValueError(f"boolean mapping {source!r}: {target!r} would change the standard value {key!r}")
            table[ascii_lower(key)] = meaning
        self._table = table

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        meaning = self._table.get(ascii_lower(cleaned))
        return invalid("not a recognised yes/no value") if meaning is None else valid(meaning)

    def _words(self, meaning: str) -> list[str]:
        return sorted(word for word, value in self._table.items() if value == meaning)

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        key = ascii_lower_expr(clean_expr(column))
        return value_cases((key.isin(self._words("true")), "true"), (key.isin(self._words("false")), "false"))

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        cleaned = clean_expr(column)
        return status_cases(cleaned, (ascii_lower_expr(cleaned).isin(sorted(self._table)), "valid"))
