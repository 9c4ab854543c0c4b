"""Text, whole and decimal numbers, money, yes/no, codes, sex and ethnicity."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as Exact
from pathlib import Path

import pytest

from observatory.config.models import FieldSpec
from observatory.standards.types.base import FieldType
from observatory.standards.types.boolean import Boolean
from observatory.standards.types.coded import SEX_CODES, Code, Ethnicity, Sex, ethnic_categories, ethnic_groups
from observatory.standards.types.money import Money
from observatory.standards.types.text import Decimal, Integer, Text
from tests.standards.conftest import Agreement
from tests.standards.examples import CONFIGURED, EXAMPLES

Case = tuple[str | None, str, str | None]

TEXT_CASES: list[Case] = [
    ("  Lambeth   Living Ltd ", "valid", "Lambeth Living Ltd"),
    ("Moda B\u00e9b\u00e9 Ltd", "valid", "Moda B\u00e9b\u00e9 Ltd"),  # real: bradford.csv (read as Latin-1)
    ("a\tb\nc", "valid", "a b c"),
    ("N/A", "missing", None),
    ("#N/A", "missing", None),
    (None, "missing", None),
]

INTEGER_CASES: list[Case] = [
    ("1,234", "valid", "1234"),
    ("-1234", "valid", "-1234"),
    ("+0012", "valid", "12"),
    ("-0", "valid", "0"),
    ("3850", "valid", "3850"),  # real: bradford.csv "Rateable value"
    ("9223372036854775807", "valid", "9223372036854775807"),
    ("-9223372036854775807", "valid", "-9223372036854775807"),
    ("9223372036854775808", "invalid", None),
    ("00000000000000000000001", "valid", "1"),
    ("12,34", "invalid", None),
    ("1,2345", "invalid", None),
    ("1.5", "invalid", None),
    ("1 234", "invalid", None),
    ("1E5", "invalid", None),
    ("NaN", "invalid", None),  # real: scarborough.csv "Rateable value"
    ("SUPP", "invalid", None),  # real: 2018-936-ks2.csv suppression code
    ("59%", "invalid", None),  # real: 2018-936-ks2.csv
    ("٣", "invalid", None),
    ("", "missing", None),
]

DECIMAL_CASES: list[Case] = [
    ("1,234.5", "valid", "1234.5"),
    ("1,234.50", "valid", "1234.5"),
    ("415.05", "valid", "415.05"),  # real: trafford_land_and_building_assets.csv "BuildingSize"
    ("-.50", "valid", "-0.5"),
    (".5", "valid", "0.5"),
    ("5.", "valid", "5"),
    ("2.000", "valid", "2"),
    ("-0.0", "valid", "0"),
    ("+007.250", "valid", "7.25"),
    ("123456789012345.25", "valid", "123456789012345.25"),
    ("1234567890123456.5", "invalid", None),
    ("1.5E3", "invalid", None),
    ("1,23.5", "invalid", None),
    ("1.2.3", "invalid", None),
    ("+", "invalid", None),
    (".", "missing", None),
]

MONEY_CASES: list[Case] = [
    ("£1,234.50", "valid", "1234.50"),
    ("£2,909,121.01", "valid", "2909121.01"),  # real: lambeth 2011-04-payments.csv
    ("£510.00", "valid", "510.00"),  # real: lambeth 2011-04-payments.csv
    ("1,534.24", "valid", "1534.24"),  # real: lambeth 2012-06-payments.csv
    ("900", "valid", "900.00"),  # real: lambeth 2012-06-payments.csv
    ("(1,234.50)", "valid", "-1234.50"),
    ("(£1,234.50)", "valid", "-1234.50"),
    ("( 5 )", "valid", "-5.00"),
    ("-£5", "valid", "-5.00"),
    ("£-5.00", "valid", "-5.00"),
    ("- £ 5", "valid", "-5.00"),
    ("+£5", "valid", "5.00"),
    ("1234", "valid", "1234.00"),
    ("£0.5", "valid", "0.50"),
    ("12.500", "valid", "12.50"),  # extra places are zeros: nothing is rounded
    ("-0", "valid", "0.00"),
    ("(0.00)", "valid", "0.00"),
    ("9999999999999999.99", "valid", "9999999999999999.99"),
    ("12345678901234567", "invalid", None),  # more than decimal(18,2) holds
    ("12.345", "invalid", None),  # would be rounded
    ("1.2k", "invalid", None),
    ("£3m", "invalid", None),
    ("£2bn", "invalid", None),
    ("(5", "invalid", None),
    ("-(5)", "invalid", None),
    ("-£-5", "invalid", None),
    ("$5", "invalid", None),
    ("€5", "invalid", None),
    ("£", "invalid", None),
    ("£.50", "invalid", None),
    ("1,23", "invalid", None),
    ("NaN", "invalid", None),  # real: scarborough.csv "Rateable value"
    (" ", "missing", None),
]

BOOLEAN_CASES: list[Case] = [
    ("Y", "valid", "true"),  # real: bradford.csv / scarborough.csv "Occupied"
    ("N", "valid", "false"),
    ("yes", "valid", "true"),
    ("NO", "valid", "false"),
    ("1", "valid", "true"),
    ("0", "valid", "false"),
    ("True", "valid", "true"),
    ("f", "valid", "false"),
    ("t", "valid", "true"),
    ("2", "invalid", None),
    ("maybe", "invalid", None),
    ("01/04/1990", "invalid", None),  # real: scarborough.csv, a date shifted into "Occupied"
    ("", "missing", None),
]

SEX_CASES: list[Case] = [
    ("M", "valid", "1"),
    ("male", "valid", "1"),
    ("F", "valid", "2"),
    ("Female", "valid", "2"),
    ("1", "valid", "1"),
    ("2", "valid", "2"),
    ("9", "valid", "9"),
    ("Indeterminate", "valid", "9"),
    ("U", "partial", "X"),  # DfE census: unknown, or unborn
    ("Not Known", "partial", "X"),
    ("not-known", "partial", "X"),
    ("N/K", "partial", "X"),
    ("0", "partial", "X"),  # ISO/IEC 5218 not known
    ("X", "partial", "X"),
    ("Q", "invalid", None),
    ("Mr", "invalid", None),
    ("N/A", "missing", None),
]

ETHNICITY_CASES: list[Case] = [
    ("White: English, Welsh, Scottish, Northern Irish or British", "valid", "white_british"),
    ("Black, Black British, Caribbean or African: African", "valid", "black_african"),
    ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "valid", "black_other"),
    ("Asian, Asian British or Asian Welsh: Chinese", "valid", "asian_chinese"),
    ("Asian or Asian British - Indian", "valid", "asian_indian"),  # NHS Data Dictionary label
    ("Mixed/Multiple ethnic groups: White and Black Caribbean", "valid", "mixed_white_black_caribbean"),
    ("White - Any other White background", "valid", "white_other"),
    ("White: Roma", "valid", "white_roma"),
    ("Other ethnic group: Arab", "valid", "other_arab"),
    ("Other Ethnic Groups - Chinese", "valid", "asian_chinese"),  # 2001 scheme: Chinese was not Asian
    ("white british", "valid", "white_british"),
    ("WBRI", "valid", "white_british"),
    ("wiri", "valid", "white_irish"),
    ("WIRT", "valid", "white_gypsy_irish_traveller"),
    ("MWBC", "valid", "mixed_white_black_caribbean"),
    ("ABAN", "valid", "asian_bangladeshi"),
    ("BAFR", "valid", "black_african"),
    ("CHNE", "valid", "asian_chinese"),
    ("OOTH", "valid", "other_any"),
    ("WPOR", "valid", "white_other"),  # DfE extended code
    ("REFU", "valid", "refused"),
    ("Not stated", "valid", "refused"),
    ("Z", "valid", "refused"),  # NHS: not stated
    ("NOBT", "partial", "not_known"),
    ("99", "partial", "not_known"),  # NHS: not known
    ("WROM", "partial", "white_gypsy_or_roma"),  # DfE Gypsy/Roma: two ONS categories
    ("white_british", "valid", "white_british"),
    ("Klingon", "invalid", None),
    ("White", "invalid", None),  # a group, not a category
    ("Other", "invalid", None),  # which group's "other"?
    ("", "missing", None),
]


def _check(ftype: FieldType, cases: list[Case]) -> None:
    for text, status, value in cases:
        verdict = ftype.validate(text)
        assert (text, verdict.status, verdict.value) == (text, status, value)
        assert ftype.normalise(value) == value
        assert bool(verdict.reason) == (status in ("invalid", "partial")), text


TYPES: list[tuple[str, FieldType, list[Case]]] = [
    ("text", Text(), TEXT_CASES),
    ("integer", Integer(), INTEGER_CASES),
    ("decimal", Decimal(), DECIMAL_CASES),
    ("money", Money(), MONEY_CASES),
    ("boolean", Boolean(), BOOLEAN_CASES),
    ("sex", Sex(), SEX_CASES),
    ("ethnicity", Ethnicity(), ETHNICITY_CASES),
]


@pytest.mark.parametrize(("name", "ftype", "cases"), TYPES, ids=[name for name, _, _ in TYPES])
def test_rule(name: str, ftype: FieldType, cases: list[Case]) -> None:
    _check(ftype, cases)


@pytest.mark.parametrize(("name", "ftype", "cases"), TYPES, ids=[name for name, _, _ in TYPES])
def test_engine_agrees_with_python(name: str, ftype: FieldType, cases: list[Case], on_duckdb: Agreement) -> None:
    assert on_duckdb(ftype, [text for text, _, _ in cases] + list(EXAMPLES[name])) == []


@pytest.mark.parametrize("spec", CONFIGURED, ids=lambda spec: f"{spec.type}-configured")
def test_configured_engine_agrees_with_python(spec: FieldSpec, on_duckdb: Agreement) -> None:
    from observatory.standards.types import field_type

    values = [*EXAMPLES[spec.type], *(spec.mapping or {}), *(spec.allowed or [])]
    assert on_duckdb(field_type(spec), values) == []


def test_money_reasons() -> None:
    assert "abbreviated" in Money().validate("£3m").reason
    assert "two decimal places" in Money().validate("12.345").reason
    assert "pounds sterling" in Money().validate("$5").reason
    assert "brackets" in Money().validate("(5").reason
    assert "one sign" in Money().validate("-£-5").reason


def test_storage_types() -> None:
    assert (Integer.storage, Decimal.storage, Money.storage, Boolean.storage) == (
        "int64",
        "float64",
        "decimal(18,2)",
        "boolean",
    )


def _lambeth(path: Path, skip: int) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()[skip:]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_real_lambeth_supplier_totals_add_up_to_the_grand_total(realdata: Path) -> None:
    rows = _lambeth(realdata / "lambeth_council" / "2011-04-payments.csv", skip=1)
    values = {row["Supplier Name"]: Money().normalise(row["Total"]) for row in rows}
    assert None not in values.values()
    grand_total = values.pop("Grand Total")
    assert grand_total == "37361284.82"
    assert sum(Exact(value or "0") for value in values.values()) == Exact(grand_total)


def test_real_lambeth_invoice_amounts(realdata: Path) -> None:
    rows = _lambeth(realdata / "lambeth_council" / "2012-06-payments.csv", skip=9)
    statuses = [Money().validate(row["Invoice Nett Amount"]).status for row in rows]
    # every amount is valid; the blank rows after the footer are missing
    assert {status: statuses.count(status) for status in set(statuses)} == {"valid": 3156, "missing": 5}


def test_boolean_mapping_extends_and_overrides() -> None:
    boolean = Boolean(FieldSpec(type="boolean", mapping={"J": "true", "Nein": "false", "1": "false"}))
    assert [boolean.normalise(v) for v in ("j", "NEIN", "1", "Y")] == ["true", "false", "false", "true"]


@pytest.mark.parametrize(
    "spec",
    [
        FieldSpec(type="boolean", mapping={"J": "perhaps"}),
        FieldSpec(type="boolean", mapping={"N/A": "false"}),
        FieldSpec(type="boolean", mapping={"True": "false"}),
        FieldSpec(type="code", allowed=["A", "a"]),
        FieldSpec(type="code", allowed=["A", "B"], mapping={"b": "A"}),
        FieldSpec(type="code", allowed=["A", "N/A"]),
        FieldSpec(type="sex", mapping={"mail": "boy-ish"}),
        FieldSpec(type="sex", mapping={"2": "1"}),  # a code always means itself
        FieldSpec(type="ethnicity", mapping={"?": "white_other"}),
        FieldSpec(type="ethnicity", mapping={"white_british": "white_other"}),
    ],
)
def test_contradictory_options_are_refused(spec: FieldSpec) -> None:
    from observatory.standards.types import field_type

    with pytest.raises(ValueError):
        field_type(spec)


def test_code_with_allowed_and_mapping() -> None:
    code = Code(FieldSpec(type="code", allowed=["A", "B", "Cc"], mapping={"alpha": "a", "zed": "Z"}))
    assert [code.normalise(v) for v in ("a", "A", "alpha", "ALPHA", "cc", "zed", "d")] == [
        "A",
        "A",
        "A",
        "A",
        "Cc",
        None,
        None,
    ]
    assert "not an allowed code" in code.validate("zed").reason


def test_code_with_mapping_only_or_nothing() -> None:
    mapped = Code(FieldSpec(type="code", mapping={"alpha": "A", "beta": "B"}))
    assert [mapped.normalise(v) for v in ("alpha", "a", "B", "c")] == ["A", "A", "B", None]
    anything = Code(FieldSpec(type="code"))
    assert anything.validate("  whatever  ").value == "whatever"


def test_sex_mapping_extends() -> None:
    sex = Sex(FieldSpec(type="sex", mapping={"mail": "1", "Femme": "Female"}))
    assert [sex.normalise(v) for v in ("mail", "femme", "M")] == ["1", "2", "1"]
    assert Sex(FieldSpec(type="sex", mapping={"U": "9"})).normalise("u") == "9"  # overrides a built-in spelling
    assert set(SEX_CODES) == {"1", "2", "9", "X"}


def test_ethnicity_table_has_the_19_ons_categories_in_5_groups() -> None:
    categories = ethnic_categories()
    ons = [c for c in categories if c.ons]
    assert sorted(int(c.ons) for c in ons) == list(range(1, 20))
    assert set(ethnic_groups()) == {"asian", "black", "mixed", "white", "other"}
    assert {c.group for c in ons} == set(ethnic_groups())
    assert {c.code for c in categories if not c.ons} == {"white_gypsy_or_roma", "refused", "not_known"}
    ethnicity = Ethnicity()
    for category in categories:  # every code and every label spells itself
        assert ethnicity.normalise(category.code) == category.code
        assert ethnicity.normalise(category.label) == category.code


def test_every_dfe_main_ethnicity_code_is_recognised() -> None:
    main = "WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH CHNE OOTH REFU NOBT"
    ethnicity = Ethnicity()
    assert [code for code in main.split() if ethnicity.validate(code).status == "invalid"] == []


def test_ethnicity_mapping_extends() -> None:
    ethnicity = Ethnicity(FieldSpec(type="ethnicity", mapping={"Klingon": "other_any", "WB": "White British"}))
    assert [ethnicity.normalise(v) for v in ("klingon", "wb", "WBRI")] == [
        "other_any",
        "white_british",
        "white_british",
    ]


def test_ethnicity_group_extra() -> None:
    ethnicity = Ethnicity()
    assert ethnicity.extra_values("BAFR") == {"group": "black"}
    assert ethnicity.extra_values("CHNE") == {"group": "asian"}
    assert ethnicity.extra_values("REFU") == {"group": None}
    assert ethnicity.extra_values("Klingon") == {"group": None}
