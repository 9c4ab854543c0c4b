"""People's names: one comparable form, titles and suffixes apart, nicknames, agreement with the engine."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.demo.names import NICKNAMES
from observatory.standards.reference import nicknames
from observatory.standards.reference.nicknames import canonical_forename, forename_aliases
from observatory.standards.types.names import PARTICLES, SUFFIXES, TITLES, Forename, PersonName, Surname
from observatory.standards.types.portable_text import FOLD, Sub, Translate, run
from tests.standards.conftest import Agreement, differences
from tests.standards.examples import examples_for

NAME, FORENAME, SURNAME = PersonName(), Forename(), Surname()

# text, standard form, title, forename, middle names, surname, suffix
PARTS = [
    ("PAYNE, Jenna Judith", "JENNA JUDITH PAYNE", "", "JENNA", "JUDITH", "PAYNE", ""),  # brief; demo adult social care
    ("HOPKINS, Eileen Priya Emily", "EILEEN PRIYA EMILY HOPKINS", "", "EILEEN", "PRIYA EMILY", "HOPKINS", ""),  # demo
    ("FARRELL, Tomasz", "TOMASZ FARRELL", "", "TOMASZ", "", "FARRELL", ""),  # demo adult social care
    ("Mr Frase Wheeler", "FRASE WHEELER", "MR", "FRASE", "", "WHEELER", ""),  # brief
    ("Mr Dannny Truner", "DANNNY TRUNER", "MR", "DANNNY", "", "TRUNER", ""),  # demo council tax, typos kept
    ("Mr Jack Brontë", "JACK BRONTE", "MR", "JACK", "", "BRONTE", ""),  # demo council tax (Windows-1252)
    ("Dr. J. Smith-Jones Jr", "J SMITH-JONES", "DR", "J", "", "SMITH-JONES", "JR"),  # brief
    ("o'brien", "O'BRIEN", "", "", "", "O'BRIEN", ""),  # brief: one word is a surname
    ("O\u2019Brien", "O'BRIEN", "", "", "", "O'BRIEN", ""),  # a word processor's apostrophe
    ("MÜLLER", "MULLER", "", "", "", "MULLER", ""),  # brief
    ("straße", "STRASSE", "", "", "", "STRASSE", ""),
    ("Zoë  de la  Cruz", "ZOE DE LA CRUZ", "", "ZOE", "", "DE LA CRUZ", ""),
    ("Ludwig van Beethoven", "LUDWIG VAN BEETHOVEN", "", "LUDWIG", "", "VAN BEETHOVEN", ""),
    ("van der Berg, Jan", "JAN VAN DER BERG", "", "JAN", "", "VAN DER BERG", ""),
    ("Seán Ó Ceallaigh", "SEAN O CEALLAIGH", "", "SEAN", "", "O CEALLAIGH", ""),
    ("Mary-Jane  O' Neill", "MARY-JANE O NEILL", "", "MARY-JANE", "", "O NEILL", ""),
    ("Jean - Paul Sartre", "JEAN-PAUL SARTRE", "", "JEAN-PAUL", "", "SARTRE", ""),
    ("Rt Hon Sir John Major KG", "JOHN MAJOR", "RT HON SIR", "JOHN", "", "MAJOR", "KG"),
    ("Prof. Sir John Smith OBE, PhD", "JOHN SMITH", "PROF SIR", "JOHN", "", "SMITH", "OBE PHD"),
    ("John Smith, OBE", "JOHN SMITH", "", "JOHN", "", "SMITH", "OBE"),  # honours after a comma
    ("SMITH, Mr John", "JOHN SMITH", "MR", "JOHN", "", "SMITH", ""),
    ("Smith Jr, John", "JOHN SMITH", "", "JOHN", "", "SMITH", "JR"),
    ("Smith, John Jr", "JOHN SMITH", "", "JOHN", "", "SMITH", "JR"),
    ("Mrs Smith, Jane", "JANE SMITH", "MRS", "JANE", "", "SMITH", ""),
    ("Smith, John, III", "JOHN SMITH", "", "JOHN", "", "SMITH", "III"),
    ("Smith , , John", "JOHN SMITH", "", "JOHN", "", "SMITH", ""),
    ("Smith,", "SMITH", "", "", "", "SMITH", ""),
    ("SMITH, Mrs", "SMITH", "MRS", "", "", "SMITH", ""),
    ("Major, John", "JOHN MAJOR", "", "JOHN", "", "MAJOR", ""),  # a title word as a surname
    ("John Major", "JOHN MAJOR", "", "JOHN", "", "MAJOR", ""),
    ("Mr", "MR", "", "", "", "MR", ""),  # a title alone is all there is
    ("Mr Jr", "JR", "MR", "", "", "JR", ""),
    ("JONES 'JIM' SMITH", "JONES JIM SMITH", "", "JONES", "JIM", "SMITH", ""),
    ("J0hn 5mith", "JHN MITH", "", "JHN", "", "MITH", ""),  # digits are removed, not guessed
    ("Smith2, John", "JOHN SMITH", "", "JOHN", "", "SMITH", ""),
    ("Иван Петров", "Иван Петров", "", "Иван", "", "Петров", ""),  # other scripts kept as written
    ("a\u2028b", "A B", "", "A", "", "B", ""),
]


@pytest.mark.parametrize(("text", "value", "title", "forename", "middle", "surname", "suffix"), PARTS)
def test_full_names_are_read_into_parts(
    text: str, value: str, title: str, forename: str, middle: str, surname: str, suffix: str
) -> None:
    verdict = NAME.validate(text)
    assert (verdict.status, verdict.value) == ("valid", value)
    parts = NAME.parts(text)
    assert parts is not None
    assert (parts.title, parts.forename, parts.middle_names, parts.surname, parts.suffix) == (
        title,
        forename,
        middle,
        surname,
        suffix,
    )
    assert NAME.normalise(value) == value


@pytest.mark.parametrize("text", ["12345", "...", "@#!", "- -", "''", "(1)", "£5"])
def test_a_name_without_letters_is_invalid(text: str) -> None:
    for ftype in (NAME, FORENAME, SURNAME):
        verdict = ftype.validate(text)
        assert (verdict.status, verdict.value) == ("invalid", None)
        assert "no letters" in verdict.reason


@pytest.mark.parametrize("text", [None, "", "   ", "N/A", "null", "-", "--"])
def test_blank_names_are_missing(text: str | None) -> None:
    assert {ftype.validate(text).status for ftype in (NAME, FORENAME, SURNAME)} == {"missing"}


def test_extras_in_python() -> None:
    assert NAME.extra_values("Mrs Steph Gibbons") == {
        "title": "MRS",
        "forename": "STEPH",
        "middle_names": None,
        "surname": "GIBBONS",
        "suffix": None,
        "forename_canonical": "STEPHANIE",
    }
    assert set(NAME.extra_values("12345").values()) == {None}
    assert FORENAME.extra_values("bob james") == {"canonical": "ROBERT"}


def test_forename_and_surname_fields() -> None:
    assert FORENAME.normalise(" eilidh ") == "EILIDH"
    assert FORENAME.normalise("Mary-Jane") == "MARY-JANE"
    assert FORENAME.normalise("Jo, Ann") == "JO ANN"  # commas are spaces in a single-part field
    assert FORENAME.normalise("Mr John") == "MR JOHN"  # no titles are taken out of a forename field
    assert SURNAME.normalise("o'brien") == "O'BRIEN"
    assert SURNAME.normalise("Smith - Jones") == "SMITH-JONES"
    assert SURNAME.normalise("Mc Donald") == "MC DONALD"
    assert SURNAME.normalise("MÜLLER") == "MULLER"
    assert SURNAME.extras is not None and all(t.personal for t in (NAME, FORENAME, SURNAME))


@pytest.mark.parametrize(
    ("nickname", "forename"),
    [
        ("Bob", "ROBERT"), ("Rob", "ROBERT"), ("Bobby", "ROBERT"), ("Liz", "ELIZABETH"), ("Beth", "ELIZABETH"),
        ("Betty", "ELIZABETH"), ("Bill", "WILLIAM"), ("Peggy", "MARGARET"), ("Maggie", "MARGARET"),
        ("Hamish", "JAMES"), ("Eilidh", "HELEN"), ("Tomasz", "THOMAS"), ("Steven", "STEPHEN"),
        ("Chris", "CHRISTOPHER"), ("Jim", "JAMES"), ("JOHN", "JOHN"), ("Zoë", "ZOE"),
    ],
)  # fmt: skip
def test_canonical_forenames(nickname: str, forename: str) -> None:
    assert FORENAME.canonical(nickname) == forename
    assert NAME.extra_values(f"{nickname} Smith")["forename_canonical"] == forename


def test_the_nickname_table_is_large_closed_and_upper_case() -> None:
    aliases = forename_aliases()
    assert len(aliases) >= 300
    pairs = [(nickname, forename) for nickname, names in aliases.items() for forename in names]
    assert len(pairs) >= 600
    assert all(re.fullmatch("[A-Z]+", name) for pair in pairs for name in pair)
    assert not {forename for _, forename in pairs} & set(aliases), "a forename is also a nickname"
    assert aliases["CHRIS"][:2] == ("CHRISTOPHER", "CHRISTINE")  # most usual meaning first
    assert canonical_forename("ROBERT") == "ROBERT"


def test_the_nickname_file_is_two_columns_without_repeats() -> None:
    from importlib import resources

    text = resources.files(nicknames.__name__.rpartition(".")[0]).joinpath(nicknames.NICKNAMES_FILE).read_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["nickname", "forename"]
    assert all(len(row) == 2 for row in rows)
    keys = [(a.upper(), b.upper()) for a, b in rows[1:]]
    assert len(keys) == len(set(keys))


def test_the_demo_councils_nicknames_link_to_their_forenames() -> None:
    """Every alternative forename the demo writes leads back to the forename, except given names in their own right."""
    own_names = {
        ("Alexandra", "Sandra"),
        ("Alison", "Ali"),
        ("Alasdair", "Ali"),
        ("Amelia", "Amy"),
        ("Rosemary", "Rose"),
    }
    missing = []
    for formal, short_forms in NICKNAMES.items():
        forename = canonical_forename(run(FOLD, formal))
        for short in short_forms:
            nickname = run(FOLD, short)
            if forename not in {canonical_forename(nickname), *forename_aliases().get(nickname, ())}:
                missing.append((formal, short))
    assert set(missing) == own_names


def test_title_suffix_and_particle_words_do_not_overlap() -> None:
    assert not set(TITLES) & set(SUFFIXES)
    assert not set(PARTICLES) & (set(TITLES) | set(SUFFIXES))


def test_folding_keeps_other_scripts_and_makes_latin_letters_plain() -> None:
    assert run(FOLD, "Zoë Ærø Łukasz ß İ\u2028e\u0301 O\u2019B\u2013C") == "ZOE AERO LUKASZ SS I E O'B-C"
    assert run(FOLD, "Иван ΑΘΗΝΑ 李") == "Иван ΑΘΗΝΑ 李"


@pytest.mark.parametrize("pattern", ["\\d", "a.b", "(?=x)", "(?<!x)y", "[a[b]", "[a&&b]", "x*", "^"])
def test_portable_steps_refuse_what_the_engines_read_differently(pattern: str) -> None:
    with pytest.raises(ValueError):
        Sub(pattern)


def test_portable_steps_refuse_group_references_and_uneven_tables() -> None:
    for replacement in ("\\1", "$1"):
        with pytest.raises(ValueError, match="not portable"):
            Sub("(a)", replacement)
    with pytest.raises(ValueError):
        Translate("ab", "A")
    assert Sub("[\\x01-\\x1f]+", " ").pattern  # control characters as escapes are allowed


# -- engine agreement -----------------------------------------------------------------------------


@pytest.mark.parametrize("ftype", [NAME, FORENAME, SURNAME], ids=["person_name", "forename", "surname"])
def test_engine_agrees_including_extras(ftype: Any, on_duckdb: Agreement) -> None:
    values = [text for text, *_ in PARTS] + examples_for(ftype.name) + ["12345", "Bob Smith", "SMITH, MR"]
    assert on_duckdb(ftype, values) == []


_WORDS = st.sampled_from(
    ["Mr", "mrs", "DR.", "Sir", "Rt", "Hon", "Smith", "o'brien", "O\u2019Neill", "Jr", "III", "OBE", "van", "der",
     "de", "la", "St", "Mc", "Jenna", "PAYNE", "Müller", "Zoë", "ß", "Bob", "Liz", "Mary-Jane", "J.", "-", "'", ",",
     " , ", "12", "~", "Иван", "\u2028", "\u00a0", "İ", "e\u0301", "`", "[x]", "\\"]
)  # fmt: skip
NAME_TEXT = st.one_of(
    st.text(max_size=24),
    st.lists(st.tuples(st.sampled_from(["", " ", "  ", ", "]), _WORDS).map("".join), max_size=7).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), NAME_TEXT))
def test_python_rule_never_raises_is_idempotent_and_parts_make_the_name(text: str | None) -> None:
    for ftype in (NAME, FORENAME, SURNAME):
        verdict = ftype.validate(text)
        assert (verdict.value is None) == (verdict.status in ("invalid", "missing"))
        assert ftype.normalise(verdict.value) == verdict.value
    parts = NAME.parts(text)
    if parts is not None and parts.name:
        assert parts.name == " ".join(p for p in (parts.forename, parts.middle_names, parts.surname) if p)
        assert "~" not in parts.name + parts.title + parts.suffix


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), NAME_TEXT), min_size=1, max_size=60))
def test_engine_agrees_on_generated_text(duckdb_con: Any, texts: list[str | None]) -> None:
    assert differences(NAME, texts, duckdb_con) == []
    assert differences(FORENAME, texts, duckdb_con) == []
