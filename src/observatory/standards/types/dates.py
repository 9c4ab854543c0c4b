"""Dates and dates of birth, written in the UK day-first style or as ISO 8601, stored as ISO dates.

The text is read into its day, month and year, assembled as ISO text (``2012-06-01``) and then
checked against the calendar. The engine does exactly the same with regular expressions,
``concat`` and ``right``: never ``strptime``/``to_date`` (their formats differ between DuckDB and
Spark, and Spark's ANSI mode raises on bad input) and never a cast of text to a number. The
calendar (days in each month, leap years) and the date-of-birth range are patterns over the
ISO text, so each check is one ``re_extract`` that keeps the text or empties it.

Every step refers to the cleaned text only a few times: engine SQL grows with each reference.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

import ibis

from observatory.standards.types.base import FieldType, Storage, Verdict
from observatory.standards.types.clean import clean, clean_expr
from observatory.standards.types.patterns import ASCII_UPPER
from observatory.standards.types.portable_text import (
    Step,
    Sub,
    Swap,
    UpperAscii,
    extract,
    run,
    run_expr,
    words,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from observatory.config.models import FieldSpec

__all__ = [
    "CALENDAR_PATTERN",
    "MONTH_NAME_STEPS",
    "Date",
    "DateFormat",
    "DateOfBirth",
    "at_least",
    "at_most",
    "century_steps",
    "parse_formats",
]

MONTH_NAMES = tuple(name.upper() for name in calendar.month_name[1:])
_DAY_NAMES = [name.upper() for name in calendar.day_name] + [name[:3].upper() for name in calendar.day_name]

_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_NOT_YEAR_ZERO = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
CALENDAR_PATTERN = (
    f"^(?:{_NOT_YEAR_ZERO}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    f"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)$"
)
"""ISO text of a real calendar date: years 0001-9999, 29 February only in leap years."""

# -- the default reading: UK day-first or ISO year-first ---------------------------------------

TIME_OF_DAY = "[ T](?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,9})?)?(?: ?[AP]M)?Z?$"
"""A time of day after a date (``08/06/2012 16:59:18``, ``2012-06-01T00:00:00.000Z``): dropped."""
_ORDINALS = tuple(
    Swap(f"{digit}{suffix}/", f"{digit}/")
    for digit, suffix in [("1", "ST"), ("2", "ND"), ("3", "RD"), *((str(d), "TH") for d in range(10))]
)
_MONTH_SPELLINGS = {
    "01": "JAN(?:UARY)?", "02": "FEB(?:RUARY)?", "03": "MAR(?:CH)?", "04": "APR(?:IL)?", "05": "MAY",
    "06": "JUNE?", "07": "JULY?", "08": "AUG(?:UST)?", "09": "SEP(?:TEMBER|T)?", "10": "OCT(?:OBER)?",
    "11": "NOV(?:EMBER)?", "12": "DEC(?:EMBER)?",
}  # fmt: skip
_PRINTABLE = (Sub("[^ -~]", "#"), UpperAscii())
"""Any character outside printable ASCII becomes ``#``, which no date contains; then upper case."""
DEFAULT_STEPS: tuple[Step, ...] = (
    *_PRINTABLE,
    Sub(TIME_OF_DAY),
    Sub("[-/., ]+", "/"),
    *_ORDINALS,
    *(Sub(f"/{spelling}/", f"/{number}/") for number, spelling in _MONTH_SPELLINGS.items()),
)
"""Time dropped, separators made ``/``, ordinals (``1st``) and month names made numbers."""
DEFAULT_SHAPE = "^(?:[0-9]{1,2}/[0-9]{1,2}/(?:[0-9]{2}|[0-9]{4})|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2})$"
"""Day/month/year or year/month/day, once the default steps have run."""
_DAY = "^[0-9]{1,2}/|/[0-9]{1,2}$"
_MONTH = "/[0-9]{1,2}/"
_YEAR = "^[0-9]{4}/|/[0-9]{4}$|/[0-9]{2}$"


def century_steps(pivot: int) -> tuple[Step, ...]:
    """Steps turning a year into the century to put before it: ``20`` for two-digit years up to ``pivot``,
    ``19`` for the others, nothing for four-digit years. Markers ``<``/``>`` keep one rule from undoing another.
    """
    steps: list[Step] = [Sub(at_most(f"{pivot:02d}"), "<")]
    if pivot < 99:
        steps.append(Sub(at_least(f"{pivot + 1:02d}"), ">"))
    return (*steps, Sub("^[0-9]{4}$"), Swap("<", "20"), Swap(">", "19"))


MONTH_NAME_STEPS: tuple[Step, ...] = (
    *(Sub(f"^{spelling}$", number) for number, spelling in _MONTH_SPELLINGS.items()),
    Sub("[A-Z]+"),
)
"""A month name or abbreviation made its number; anything else made empty."""


# -- explicit formats --------------------------------------------------------------------------

ISO_FORMAT = "%Y-%m-%d"
"""The standard form, accepted after a field's own formats so that a standard value reads back as itself."""
_NUMERIC = {"d": "day", "m": "month", "Y": "year", "y": "year"}
_IGNORED = {
    "H": "(?:[01]?[0-9]|2[0-3])", "I": "(?:0?[1-9]|1[0-2])", "M": "[0-5][0-9]", "S": "[0-5][0-9]",
    "f": "[0-9]{1,9}", "p": "(?:AM|PM)", "a": words(_DAY_NAMES), "A": words(_DAY_NAMES), "%": "%",
}  # fmt: skip
_LITERALS = set(ASCII_UPPER + "0123456789 /-,:_'.")


@dataclass(frozen=True, slots=True)
class DateFormat:
    """One format compiled to a pattern over upper-case text (``^...$``) and the group of each part."""

    text: str
    pattern: str
    day: int
    month: int
    month_name: bool
    year: int


def parse_formats(texts: list[str] | tuple[str, ...]) -> tuple[DateFormat, ...]:
    """Compile strftime-style formats (``%d-%b-%Y``); ``ValueError`` says what is wrong with one.

    Supported: ``%d %m %Y %y %b %B %h`` (the date), ``%H %I %M %S %f %p %a %A`` (matched and
    ignored) and ``%%``; letters, digits, spaces and ``/-,:_'.`` stand for themselves (letters in
    any case). ``%d`` and ``%m`` take one or two digits, or exactly two next to another number
    (``%Y%m%d``). The first format that matches the whole text is used.
    """
    found = []
    for text in texts:
        body, parts = _format_body(text)
        (day, _), (month, named), (year, _) = parts["day"], parts["month"], parts["year"]
        found.append(DateFormat(text, f"^{body}$", day, month, named, year))
    return tuple(found)


def _read_formats(formats: tuple[DateFormat, ...], upper: str) -> tuple[str, str, str]:
    """Day, month and year of ``upper`` by the first format that matches it (empty when none does).

    Each format reads the text only if no earlier format matched: an earlier format's pattern
    empties it (one pattern per format keeps every group number within DuckDB's limit of 9).
    """
    day = month = year = ""
    for fmt in formats:
        day += extract(upper, fmt.pattern, fmt.day)
        name = extract(upper, fmt.pattern, fmt.month)
        month += run(MONTH_NAME_STEPS, name) if fmt.month_name else name
        year += extract(upper, fmt.pattern, fmt.year)
        upper = run((Sub(fmt.pattern),), upper)
    return day, month, year


def _read_formats_expr(
    formats: tuple[DateFormat, ...], upper: ir.StringValue
) -> tuple[ir.StringValue, ir.StringValue, ir.StringValue]:
    """``_read_formats`` in the engine."""
    day = month = year = ibis.literal("")
    for fmt in formats:
        day += upper.re_extract(fmt.pattern, fmt.day)
        name = upper.re_extract(fmt.pattern, fmt.month)
        month += run_expr(MONTH_NAME_STEPS, name) if fmt.month_name else name
        year += upper.re_extract(fmt.pattern, fmt.year)
        upper = run_expr((Sub(fmt.pattern),), upper)
    return day, month, year


def _format_body(text: str) -> tuple[str, dict[str, tuple[int, bool]]]:
    pieces = _tokens(text)
    body, parts = "", dict[str, tuple[int, bool]]()
    for i, piece in enumerate(pieces):
        part = _NUMERIC.get(piece[1]) if piece.startswith("%") else None
        if part is None and piece in ("%b", "%B", "%h"):
            part = "month"
        if part is not None:
            if part in parts:
                raise ValueError(f"date format {text!r} has two {part}s")
            parts[part] = (len(parts) + 1, piece[1] in "bBh")
            body += "([A-Z]{3,9})" if piece[1] in "bBh" else f"([0-9]{{{_width(piece, pieces, i)}}})"
        elif piece.startswith("%"):
            if piece[1] not in _IGNORED:
                raise ValueError(f"date format {text!r}: {piece} is not supported")
            body += _IGNORED[piece[1]]
        else:
            body += "[.]" if piece == "." else piece.upper()
    if set(parts) != {"day", "month", "year"}:
        raise ValueError(f"date format {text!r} needs a day, a month and a year (e.g. '%d/%m/%Y')")
    return body, parts


def _tokens(text: str) -> list[str]:
    tokens, i = [], 0
    while i < len(text):
        if text[i] == "%":
            if i + 1 == len(text):
                raise ValueError(f"date format {text!r} ends with a lone %")
            tokens.append(text[i : i + 2])
            i += 2
            continue
        if text[i].upper() not in _LITERALS:
            raise ValueError(f"date format {text!r}: the character {text[i]!r} is not supported")
        tokens.append(text[i])
        i += 1
    return tokens


def _width(token: str, tokens: list[str], i: int) -> str:
    """Digits taken by a numeric directive: exact when it touches another number, else 1-2 for day and month."""
    if token[1] in "Yy":
        return "4" if token[1] == "Y" else "2"
    numeric = {f"%{k}" for k in _NUMERIC}
    touching = (i > 0 and tokens[i - 1] in numeric) or (i + 1 < len(tokens) and tokens[i + 1] in numeric)
    return "2" if touching else "1,2"


# -- range patterns over ISO text --------------------------------------------------------------


def at_least(bound: str) -> str:
    """A pattern matching text of ``bound``'s shape (digits and ``-``) that sorts at or after ``bound``."""
    return _compare(bound, later=True)


def at_most(bound: str) -> str:
    """A pattern matching text of ``bound``'s shape (digits and ``-``) that sorts at or before ``bound``."""
    return _compare(bound, later=False)


def _compare(bound: str, later: bool) -> str:
    def any_digits(rest: str) -> str:
        return "".join("[0-9]" if ch.isdigit() else ch for ch in rest)

    options = [bound]
    for i, ch in enumerate(bound):
        if ch.isdigit() and (ch < "9" if later else ch > "0"):
            step = f"[{chr(ord(ch) + 1)}-9]" if later else f"[0-{chr(ord(ch) - 1)}]"
            options.append(bound[:i] + step + any_digits(bound[i + 1 :]))
    return "^(?:" + "|".join(options) + ")$"


# -- the types ---------------------------------------------------------------------------------


class Date(FieldType):
    """A calendar date."""

    name: ClassVar[str] = "date"
    title: ClassVar[str] = "Date"
    storage: ClassVar[Storage] = "date"
    rule: ClassVar[str] = (
        "A real calendar date. With the field's formats (strftime style: %d day, %m month, %b month name "
        "in any case, %Y four-digit year, %y two-digit year), the first format that matches the whole "
        "text is used, and the standard form YYYY-MM-DD is accepted too. Without formats: day, month and "
        "year in that order (UK style), separated by '/', '-', '.', ',' or spaces, the month as a number "
        "or an English name or abbreviation, the day optionally with st/nd/rd/th (31/12/2024, 31-12-24, "
        "01-JUN-2012, 1st June 2012, 04-Jan-10), or ISO 8601 year, month, day (2024-12-31, 2024/12/31); "
        "either may be followed by a time of day, which is dropped. A date is never read month-first. "
        "Two-digit years 00-49 are 2000-2049 and 50-99 are 1950-1999. A date that does not exist "
        "(31/02/2020, 29/02/2019, month 13, year 0) is invalid. The standard form is ISO 8601 text, "
        "YYYY-MM-DD."
    )
    source: ClassVar[str] = (
        "ISO 8601, the open standard the UK government requires for dates in data (Open Standards Board, "
        "'Date and time' profile; UK Government Data Standards Catalogue); two-digit year pivot as RFC 5280 "
        "(UTCTime)."
    )
    SHORT_YEAR_PIVOT: ClassVar[int] = 49
    """The last two-digit year read as 20yy."""

    def __init__(self, spec: FieldSpec | None = None) -> None:
        super().__init__(spec)
        given = spec.formats if spec is not None and spec.formats else None
        self.formats = parse_formats([*given, ISO_FORMAT]) if given else None
        self.centuries = century_steps(self.short_year_pivot())

    def short_year_pivot(self) -> int:
        return self.SHORT_YEAR_PIVOT

    def checks(self) -> tuple[str, ...]:
        """Patterns the ISO text must match, in order: the calendar, then any plausibility range."""
        return (CALENDAR_PATTERN,)

    # -- Python reference -----------------------------------------------------------------------

    def iso_text(self, text: str) -> str:
        """The ISO text read from cleaned ``text``, before any check; empty parts when it is not readable."""
        if self.formats is None:
            shaped = extract(run(DEFAULT_STEPS, text), DEFAULT_SHAPE)
            day = extract(shaped, _DAY).replace("/", "")
            month = extract(shaped, _MONTH).replace("/", "")
            year = extract(shaped, _YEAR).replace("/", "")
        else:
            day, month, year = _read_formats(self.formats, run(_PRINTABLE, text))
        return f"{(run(self.centuries, year) + year)[-4:]}-{('0' + month)[-2:]}-{('0' + day)[-2:]}"

    def validate(self, text: str | None) -> Verdict:
        tidy = clean(text)
        if tidy is None:
            return Verdict("missing")
        iso = self.iso_text(tidy)
        if not extract(iso, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"):
            return Verdict("invalid", reason=self._unreadable())
        for check in self.checks():
            if not extract(iso, check):
                return Verdict("invalid", reason=self.why_not(iso, check))
        return Verdict("valid", iso)

    def why_not(self, iso: str, check: str) -> str:
        """Why ``iso`` fails ``check``."""
        year, month, day = (int(part) for part in iso.split("-"))
        if year == 0:
            return "there is no year 0"
        if not 1 <= month <= 12:
            return f"there is no month {month}"
        if day == 29 and month == 2:
            return f"{year} is not a leap year, so February has 28 days"
        return f"there is no day {day} in {calendar.month_name[month]} {year}"

    def _unreadable(self) -> str:
        if self.formats is not None:
            return f"not a date in the format {' or '.join(f.text for f in self.formats[:-1])}"
        return "not a date in a recognised format (e.g. 31/12/2024, 31-Dec-2024 or 2024-12-31)"

    # -- engine -------------------------------------------------------------------------------

    def iso_expr(self, column: ir.StringValue) -> ir.StringValue:
        """``iso_text`` in the engine (NULL for missing values)."""
        if self.formats is None:
            shaped = run_expr(DEFAULT_STEPS, clean_expr(column)).re_extract(DEFAULT_SHAPE, 0)
            day = shaped.re_extract(_DAY, 0).replace("/", "")
            month = shaped.re_extract(_MONTH, 0).replace("/", "")
            year = shaped.re_extract(_YEAR, 0).replace("/", "")
        else:
            day, month, year = _read_formats_expr(self.formats, run_expr(_PRINTABLE, clean_expr(column)))
        year = (run_expr(self.centuries, year) + year).right(4)
        return year + "-" + ("0" + month).right(2) + "-" + ("0" + day).right(2)

    def checked_expr(self, column: ir.StringValue) -> ir.StringValue:
        """The ISO text when it passes every check, else empty (NULL for missing values)."""
        iso = self.iso_expr(column)
        for check in self.checks():
            iso = iso.re_extract(check, 0)
        return iso

    def value_expr(self, column: ir.StringValue) -> ir.StringValue:
        return self.checked_expr(column).nullif("")

    def status_expr(self, column: ir.StringValue) -> ir.StringValue:
        return ibis.cases(
            (clean_expr(column).isnull(), "missing"), (self.checked_expr(column) != "", "valid"), else_="invalid"
        )


class DateOfBirth(Date):
    """A date of birth: a real date, not in the future and not more than 120 years ago."""

    name: ClassVar[str] = "date_of_birth"
    title: ClassVar[str] = "Date of birth"
    personal: ClassVar[bool] = True
    MAX_AGE: ClassVar[int] = 120
    rule: ClassVar[str] = (
        "A date read as for the date type that is not after today and not more than 120 years before "
        "today (the oldest verified age is 122; a record of someone older is a mistake). Two-digit years "
        "are in this century unless that would be after this year (04-Jan-10 is 2010; 04-Jan-50 is 1950 "
        "until 2050). Today is the day the standard layer is built. The standard form is YYYY-MM-DD."
    )
    source: ClassVar[str] = (
        "ISO 8601 date format (UK Government Data Standards Catalogue); a date of birth may not be in "
        "the future, as in the NHS Data Dictionary's 'Person Birth Date'."
    )

    def __init__(self, spec: FieldSpec | None = None, *, today: date | None = None) -> None:
        self.today = today or date.today()
        earliest_year = self.today.year - self.MAX_AGE
        last_day = calendar.monthrange(earliest_year, self.today.month)[1]
        self.earliest = self.today.replace(year=earliest_year, day=min(self.today.day, last_day))
        super().__init__(spec)

    def short_year_pivot(self) -> int:
        return self.today.year % 100

    def checks(self) -> tuple[str, ...]:
        return (CALENDAR_PATTERN, at_most(self.today.isoformat()), at_least(self.earliest.isoformat()))

    def why_not(self, iso: str, check: str) -> str:
        if check == CALENDAR_PATTERN:
            return super().why_not(iso, check)
        if iso > self.today.isoformat():
            return f"a date of birth cannot be in the future (today is {self.today.isoformat()})"
        return f"a date of birth more than {self.MAX_AGE} years ago (before {self.earliest.isoformat()})"
