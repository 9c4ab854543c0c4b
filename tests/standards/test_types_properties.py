"""Properties every standard field type must have, checked with generated text.

For every type whose module exists (other types join automatically once written):

- ``validate`` never raises, on any string or ``None``;
- ``normalise`` is idempotent;
- the value is ``None`` exactly when the status is ``invalid`` or ``missing``;
- the engine expressions (DuckDB) give the same value, status and extras as Python.

Inputs mix arbitrary text with generators of realistic values per type, so that the valid
branches are exercised too. Engine checks run one DuckDB query per generated batch.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from observatory.standards.types import TYPE_CLASSES, FieldType, type_class
from observatory.standards.types.coded import SEX_SPELLINGS, ethnic_categories
from observatory.standards.types.identifiers import nhs_check_digit
from observatory.standards.types.patterns import Regex
from tests.standards.conftest import differences
from tests.standards.examples import examples_for


def _written(type_name: str) -> bool:
    module = TYPE_CLASSES[type_name].partition(":")[0]
    return importlib.util.find_spec(f"observatory.standards.types.{module}") is not None


TYPE_NAMES = [name for name in sorted(TYPE_CLASSES) if _written(name)]
PYTHON_EXAMPLES = max(50, 2400 // len(TYPE_NAMES))
ENGINE_EXAMPLES = max(4, 150 // len(TYPE_NAMES))
"""Examples per type, shared out so the file stays within about 40 seconds as types are added."""

_NOISE = st.sampled_from(["", " ", "  ", "\u00a0", "\t", "-", ".", ",", "(", ")", "£", "+", "0", "O", "I"])
_TRICKY_TEXT = st.text(alphabet=st.sampled_from(list("aAzZ09 .,-+()£$@'/:\u00a0\u2028\u0085ßİKéO1Il\t\n")), max_size=24)


def _regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


def _cased(words: list[str]) -> st.SearchStrategy[str]:
    """Known spellings in random letter case, sometimes with stray spaces or punctuation."""
    return st.tuples(st.sampled_from(words), st.booleans(), _NOISE).map(
        lambda t: (t[0].upper() if t[1] else t[0].lower()) + t[2]
    )


def _valid_nhs(stem: int) -> str:
    digits = f"{stem:09d}"
    check = nhs_check_digit(digits)
    return digits + ("0" if check is None else str(check))


_NUMBER = _regex(r"[+-]?[0-9]{0,4}(,[0-9]{3}){0,3}(\.[0-9]{0,4})?|[+-]?[0-9]{1,25}")
REALISTIC: dict[str, st.SearchStrategy[str]] = {
    "integer": st.one_of(st.integers(-(2**70), 2**70).map(str), _NUMBER),
    "decimal": st.one_of(st.decimals(allow_nan=False, allow_infinity=False).map(str), _NUMBER),
    "money": st.one_of(
        _regex(r"\(?-? ?£?-?[0-9]{1,3}(,[0-9]{3}){0,5}(\.[0-9]{0,4})?\)?"),
        st.decimals(-(10**17), 10**17, places=3).map(lambda d: f"£{d:,}"),
        _regex(r"£?[0-9]{1,3}(\.[0-9])?(k|m|bn)"),
    ),
    "boolean": _cased(["y", "yes", "n", "no", "true", "false", "t", "f", "1", "0", "2"]),
    "code": _cased(["A", "alpha", "b", "zed"]),
    "sex": _cased([w for words in SEX_SPELLINGS.values() for w in words] + list(SEX_SPELLINGS)),
    "ethnicity": _cased([s for c in ethnic_categories() for s in c.spellings] + [c.code for c in ethnic_categories()]),
    "postcode": st.one_of(
        _regex(r" ?[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9OI][A-Za-z]{2} ?"),
        _regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?( [0-9])?"),
        _regex(r"(GIR|gir) ?0(AA|aa)"),
    ),
    "uprn": st.one_of(
        st.integers(0, 10**13).map(str),
        st.integers(0, 10**13).map(lambda n: f"{n}.0"),
        st.integers(1, 10**13).map(lambda n: f"{float(n):.2E}"),
        _regex(r"0{0,3}[0-9]{1,13}(\.0{1,2}|\.5)?"),
    ),
    "nhs_number": st.one_of(
        st.integers(0, 10**9 - 1).map(_valid_nhs),
        st.integers(0, 10**9 - 1).map(lambda n: " ".join([_valid_nhs(n)[:3], _valid_nhs(n)[3:6], _valid_nhs(n)[6:]])),
        _regex(r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3,5}"),
    ),
    "ni_number": _regex(r"[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Fa-f]?"),
    "upn": st.one_of(
        st.tuples(st.sampled_from(["801", "936", "940", "000", "999"]), _regex(r"[0-9]{8}[0-9A-Z]")).map(
            lambda t: (
                stdnum_upn.calc_check_digit(t[0] + t[1]) + t[0] + t[1] if t[1][-1] not in "IOS" else "A" + t[0] + t[1]
            )
        ),
        _regex(r"[A-Za-z][0-9]{11}[0-9A-Za-z]"),
    ),
    "email": st.one_of(
        st.emails().map(lambda e: e.swapcase()),
        _regex(r"[A-Za-z0-9.'+_-]{1,12}@[A-Za-z0-9.-]{1,15}\.[A-Za-z0-9]{1,4}"),
    ),
    "phone": st.one_of(
        _regex(r"(\+44 ?(\(0\))?|0044 ?|44|0)[1-9][0-9 ().-]{7,12}"),
        _regex(r"(\+|00)[1-9][0-9 ]{5,16}"),
        _regex(r"0[0-9]{8,11}"),
    ),
}
REALISTIC["usrn"] = REALISTIC["uprn"]


def values_for(type_name: str) -> st.SearchStrategy[str | None]:
    """Arbitrary text, tricky characters, known examples and realistic values for the type."""
    options: list[st.SearchStrategy[Any]] = [
        st.none(),
        st.text(max_size=30),
        _TRICKY_TEXT,
        st.sampled_from(examples_for(type_name)),
    ]
    if type_name in REALISTIC:
        options.append(REALISTIC[type_name])
        options.append(st.tuples(_NOISE, REALISTIC[type_name], _NOISE).map(lambda t: t[0] + t[1] + t[2]))
    return st.one_of(options)


_TYPES: dict[str, FieldType] = {name: type_class(name)() for name in TYPE_NAMES}


@pytest.mark.parametrize("pattern", ["[0-9]+$", "a.b", "\\d+", "(?=x)", "(?P<name>x)", "[a&&b]", "[[:alpha:]]", "^x"])
def test_portable_patterns_refuse_what_the_dialects_read_differently(pattern: str) -> None:
    with pytest.raises(ValueError):
        Regex(pattern)


def test_portable_patterns_match_whole_values() -> None:
    digits = Regex("[0-9]+")
    assert digits.matches("123") and not digits.matches("123\n") and not digits.matches("a123")
    assert digits.anchored == "^(?:[0-9]+)\\z"


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_python_reference_properties(type_name: str) -> None:
    ftype = _TYPES[type_name]

    @settings(max_examples=PYTHON_EXAMPLES, deadline=None)
    @given(st.lists(values_for(type_name), max_size=20))
    def check(texts: list[str | None]) -> None:
        for text in texts:
            verdict = ftype.validate(text)
            assert verdict.status in ("valid", "partial", "invalid", "missing")
            assert (verdict.value is None) == (verdict.status in ("invalid", "missing")), (text, verdict)
            assert ftype.normalise(verdict.value) == verdict.value, (text, verdict)
            if verdict.value is not None:
                assert ftype.validate(verdict.value).status == verdict.status, (text, verdict)

    check()


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_engine_agrees_with_python(type_name: str, duckdb_con: Any) -> None:
    ftype = _TYPES[type_name]

    @settings(max_examples=ENGINE_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(values_for(type_name), min_size=1, max_size=50))
    def check(texts: list[str | None]) -> None:
        assert differences(ftype, texts, duckdb_con) == []

    check()
