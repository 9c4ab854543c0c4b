"""Synthetic identifiers that pass the real checks and belong to nobody real where that can be arranged.

- NHS numbers: 10 digits with a valid modulus 11 check digit, drawn from 900 000 000 0 upwards, a
  range not issued to patients (999 is the NHS test range). Unique for up to 9,090,909 people.
- National Insurance numbers: valid format (allowed prefix letters, six digits, suffix A-D), unique.
  HMRC reserves no range for test data, so a number may happen to be a real person's; none is
  derived from real data.
- Unique Pupil Numbers: DfE layout with the check letter, under LA number 909 (Cumbria, abolished in
  2023, so no school issues new numbers under it).
- Phone numbers: from Ofcom's ranges reserved for drama, so they ring nobody; with only about
  16,000 of them, unrelated people share numbers in large populations.
"""

from __future__ import annotations

import random

from stdnum.gb import upn as stdnum_upn

from observatory.demo.randomness import below, pick

NHS_CAPACITY = 100_000_000 // 11
"""People who can be given a distinct NHS number."""

_NHS_BASE = 900_000_000
_NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NI_NOT_ALLOCATED = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")
NI_PREFIXES = tuple(a + b for a in _NI_FIRST for b in _NI_SECOND if a + b not in _NI_NOT_ALLOCATED)

UPN_LA_NUMBER = 909

_LANDLINE_PREFIXES = (
    "01632960", "01134960", "01144960", "01154960", "01164960", "01174960", "01184960", "01214960",
    "01314960", "01414960", "01514960", "01614960", "02079460", "01914980", "02920180",
)  # fmt: skip
_MOBILE_PREFIX = "07700900"


def _scramble(value: int, half: int) -> int:
    """A fixed bijection of ``range(half * half)`` that scatters neighbours (a four-round Feistel network)."""
    left, right = divmod(value, half)
    for key in (7919, 104_729, 1_299_709, 15_485_863):
        left, right = right, (left + (right * key + key // 7) ** 2 // 7 % half) % half
    return left * half + right


def _weighted_digit_sums(weights: tuple[int, int, int]) -> tuple[int, ...]:
    return tuple(sum(int(d) * w for d, w in zip(f"{n:03d}", weights, strict=True)) for n in range(1000))


_NHS_SUMS = (_weighted_digit_sums((10, 9, 8)), _weighted_digit_sums((7, 6, 5)), _weighted_digit_sums((4, 3, 2)))


def nhs_check_digit(first_nine: int) -> int:
    """The modulus 11 check digit of an NHS number; 10 means no valid number has these nine digits."""
    high, rest = divmod(first_nine, 1_000_000)
    middle, low = divmod(rest, 1000)
    check = 11 - (_NHS_SUMS[0][high] + _NHS_SUMS[1][middle] + _NHS_SUMS[2][low]) % 11
    return 0 if check == 11 else check


def nhs_number(index: int) -> str:
    """The NHS number of person ``index`` (0-based, below ``NHS_CAPACITY``): distinct for each index."""
    if not 0 <= index < NHS_CAPACITY:
        raise ValueError(f"no NHS number for person index {index}")
    for attempt in range(11):
        first_nine = _NHS_BASE + _scramble(index * 11 + attempt, 10_000)
        check = nhs_check_digit(first_nine)
        if check != 10:
            return f"{first_nine}{check}"
    raise ValueError(f"no valid NHS number near person index {index}")  # pragma: no cover


def ni_number(index: int) -> str:
    """The National Insurance number of person ``index``: distinct for each index below 370 million."""
    block, within = divmod(index, 1_000_000)
    prefix = NI_PREFIXES[(block + within * 7919) % len(NI_PREFIXES)]
    return f"{prefix}{_scramble(within, 1000):06d}{'ABCD'[index % 4]}"


def upn(establishment: int, year: int, serial: int) -> str:
    """A Unique Pupil Number issued by school ``establishment`` (4 digits) in ``year`` with ``serial``."""
    body = f"{UPN_LA_NUMBER:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return str(stdnum_upn.calc_check_digit(body)) + body


def landline(rng: random.Random) -> str:
    """A geographic number from the drama ranges, as national digits."""
    return f"{pick(rng, _LANDLINE_PREFIXES)}{below(rng, 1000):03d}"


def mobile(rng: random.Random) -> str:
    """A mobile number from the drama range, as national digits."""
    return f"{_MOBILE_PREFIX}{below(rng, 1000):03d}"


def _area_code_length(number: str) -> int:
    if number.startswith(("02", "07")):
        return 3 if number.startswith("02") else 5
    return 5 if number.startswith("01632") else 4


def phone_spaced(number: str) -> str:
    """``01632 960123``, ``0131 496 0123``, ``020 7946 0123``, ``07700 900123``."""
    cut = _area_code_length(number)
    rest = number[cut:]
    if len(rest) == 7 and cut == 4:
        rest = f"{rest[:3]} {rest[3:]}"
    elif len(rest) == 8:
        rest = f"{rest[:4]} {rest[4:]}"
    return f"{number[:cut]} {rest}"


def phone_international(number: str) -> str:
    """``+44 7700 900123``."""
    return "+44 " + phone_spaced(number)[1:]


def phone_bracketed(number: str) -> str:
    """``(01632) 960123``; mobiles ``07700 900123``."""
    if number.startswith("07"):
        return phone_spaced(number)
    cut = _area_code_length(number)
    return f"({number[:cut]}) {number[cut:]}"
