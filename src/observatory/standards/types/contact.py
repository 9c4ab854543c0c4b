"""Contact details: email addresses and telephone numbers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from observatory.standards.types.base import FieldType, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import (
    MISSING,
    Regex,
    ValidOrInvalid,
    ascii_lower,
    ascii_lower_expr,
    invalid,
    status_cases,
    valid,
    value_cases,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

# -- email ---------------------------------------------------------------------------------------

_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TOP_LABEL = "[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]"
_EMAIL = Regex(f"({_ATOM}(?:[.]{_ATOM})*)@((?:{_LABEL}[.])+{_TOP_LABEL})")
LOCAL_PART_MAX = 64
EMAIL_MAX = 254


def _email_reason(cleaned: str) -> str:
    if cleaned.count("@") != 1:
        return "an email address has exactly one @"
    if " " in cleaned:
        return "spaces are not allowed in an email address"
    local, _, domain = cleaned.partition("@")
    if "." not in domain:
        return "the domain has no dot (such as example.org.uk)"
    if len(local) > LOCAL_PART_MAX or len(cleaned) > EMAIL_MAX:
        return "too long for an email address"
    return "not an email address (characters or dots in the wrong place)"


class Email(ValidOrInvalid):
    """An email address."""

    name = "email"
    title = "Email address"
    rule = (
        "A local part, @ and a domain, as RFC 5321 allows for ordinary mailboxes: the local part "
        "is one or more runs of letters, digits and ! # $ % & ' * + / = ? ^ _ ` { | } ~ - joined by "
        "single dots (no leading, trailing or double dot), at most 64 characters; the domain is "
        "two or more labels joined by dots, each label letters, digits and inner hyphens (at "
        "most 63 characters), the last starting with a letter and at least two characters long; "
        "the whole address is at most 254 characters. Quoted local parts, IP-address domains, "
        'non-ASCII addresses, spaces, display names ("Jo <jo@example.org>") and mailto: are '
        "invalid. The standard form is trimmed with the domain in lower case; the local part "
        "keeps its letter case, which RFC 5321 lets a mail server treat as significant."
    )
    source = "IETF RFC 5321 (SMTP) section 4.1.2 and RFC 5322 dot-atom syntax; RFC 1035 domain labels."
    personal = True

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        groups = _EMAIL.groups(cleaned)
        if groups is None or len(groups[0]) > LOCAL_PART_MAX or len(cleaned) > EMAIL_MAX:
            return invalid(_email_reason(cleaned))
        local, domain = groups
        return valid(f"{local}@{ascii_lower(domain)}")

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        local, domain = _EMAIL.group(cleaned, 1), _EMAIL.group(cleaned, 2)
        ok = _EMAIL.test(cleaned) & (local.length() <= LOCAL_PART_MAX) & (cleaned.length() <= EMAIL_MAX)
        return cleaned, ok, local + "@" + ascii_lower_expr(domain)


# -- telephone -----------------------------------------------------------------------------------

_PUNCTUATION = "[ ().-]"
"""Spaces, brackets, dots and hyphens: ignored in telephone numbers."""
_UK_INTERNATIONAL = Regex("(?:[+]44|0044|44)0?([1235789][0-9]{8,9})")
_UK_NATIONAL = Regex("0([1235789][0-9]{8,9})")
_INTERNATIONAL = Regex("(?:[+]|00)([1-9][0-9]{6,14})")


def _phone_reason(compact: str) -> str:
    if re.fullmatch(r"[1-9][0-9]{8,9}", compact):
        return "no leading 0 (a spreadsheet may have dropped it); not guessed"
    if re.fullmatch(r"(?:[+]44|0044|44|0)0?[46][0-9]*", compact):
        return "UK numbers starting 04 or 06 are not in use"
    if re.fullmatch(r"(?:[+]44|0044|44|0)[0-9]+", compact):
        return "a UK number has 10 or 11 digits including the leading 0"
    if re.fullmatch(r"[+0-9]+", compact):
        return "not a telephone number (too short, too long or no trunk or country prefix)"
    return "not a telephone number (letters or other characters)"


class Phone(FieldType):
    """A telephone number in E.164 form."""

    name = "phone"
    title = "Telephone number"
    rule = (
        "A telephone number; spaces, brackets, dots and hyphens are ignored. A UK number is "
        "written nationally with a leading 0 and 10 or 11 digits in all (01483 811197, 07700 "
        "900123), or internationally with +44, 0044 or 44 and an optional (0) (+44 (0)7700 "
        "900123); after the 0 comes 1, 2, 3, 5, 7, 8 or 9 (04 and 06 are not in use). Numbers of "
        "other countries are valid when written with + or 00 and a country code, 7 to 15 digits "
        "in all (E.164); their national numbering plan is not checked. Extensions, text and "
        "numbers without a leading 0 or country code are invalid. The standard form is E.164: "
        "+ then the country code and number, no spaces (+447700900123)."
    )
    source = "ITU-T Recommendation E.164; Ofcom National Telephone Numbering Plan (UK number lengths and ranges)."
    personal = True

    def validate(self, text: str | None) -> Verdict:
        cleaned = clean(text)
        if cleaned is None:
            return MISSING
        compact = re.sub(_PUNCTUATION, "", cleaned)
        uk = _UK_INTERNATIONAL.groups(compact) or _UK_NATIONAL.groups(compact)
        if uk is not None:
            return valid("+44" + uk[0])
        abroad = _INTERNATIONAL.groups(compact)
        if abroad is not None and not abroad[0].startswith("44"):
            return valid("+" + abroad[0])
        return invalid(_phone_reason(compact))

    def _parts(self, column: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue, ir.StringValue]:
        cleaned = clean_expr(column)
        compact = cleaned.re_replace(_PUNCTUATION, "")
        uk_international, uk_national = _UK_INTERNATIONAL.test(compact), _UK_NATIONAL.test(compact)
        abroad = _INTERNATIONAL.group(compact, 1)
        abroad_ok = _INTERNATIONAL.test(compact) & ~abroad.startswith("44")
        value = value_cases(
            (uk_international, "+44" + _UK_INTERNATIONAL.group(compact, 1)),
            (uk_national, "+44" + _UK_NATIONAL.group(compact, 1)),
            (abroad_ok, "+" + abroad),
        )
        return cleaned, uk_international | uk_national | abroad_ok, value

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        _, _, value = self._parts(column)
        return value

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        cleaned, ok, _ = self._parts(column)
        return status_cases(cleaned, (ok, "valid"))
