"""Tricky inputs for every standard field type, checked on DuckDB, Spark and in Python.

``COMMON`` goes to every type; ``EXAMPLES[type name]`` adds values specific to one type. Values
marked "real" were taken from the files in ../shared/realdata (file named beside them).
``CONFIGURED`` lists field specs whose options (mapping, allowed) change a type's rule, so the
configured expressions are checked too. Other types add their own entries here.
"""

from __future__ import annotations

from observatory.config.models import FieldSpec

COMMON: tuple[str | None, ...] = (
    None,
    "",
    " ",
    "\u00a0",
    "N/A",
    "null",
    "-",
    "x",
    "ß",  # upper-cases to SS in Python and Java, to ẞ in DuckDB
    "İ",  # lower-cases to two characters in Python
    "K",  # KELVIN SIGN, lower-cases to an ASCII k in some engines
    "a\u2028",  # Java's $ matches before a final line separator
    "a \u2028",
    "a\x0cb\x0bc",  # form feed and vertical tab are whitespace to clean()
    "f v",  # the letters f and v, not the escapes \f and \v
    "M41\u2029",
    "\u0085AB10 1AB\u0085",
    "١٢٣",  # Arabic-Indic digits: Python's int() would read them
    "𝟗𝟒𝟑𝟒𝟕𝟔𝟓𝟗𝟏𝟗",  # mathematical bold digits
    "'; DROP TABLE x; --",
    "\\",
    "$1",  # a group reference in Java replacement strings
    "a\tb\nc",
    "  leading and trailing  ",
    "😀",
)

_POSTCODES = (
    "wf13 1hn",
    "AB101AB",
    "AB10 1AB",
    "GIR 0AA",
    "gir0aa",
    "WF13 INH",  # letter I for the digit 1 (brief example)
    " 2HQ",  # inward code only (brief example)
    "BD21 4RG ",  # real: bradford_council_business_rates/bradford.csv, trailing space
    " TS13 5BB",  # real: scarborough_council_business_rates/scarborough.csv, leading space
    " Whitby",  # real: scarborough.csv, a town in the postcode column
    "YO11",  # real: scarborough.csv, outward code only
    "M41",  # real: trafford_council_land_assets/trafford_land_and_building_assets.csv (98 rows)
    "WA14 1",  # real: trafford_land_and_building_assets.csv, outward code and sector
    "M32 OXZ",  # real: trafford_land_and_building_assets.csv, letter O for the digit 0
    "SE1P 5ZZ",  # real: ons_postcode_directory_extract (non-geographic AA9A)
    "JE2 4WD",  # real: ons_postcode_directory_extract (Jersey)
    "M1  1AD",  # real: ONSPD pcd7 spelling with two spaces
    "AB1  0AA",  # real: ONSPD pcd8 spelling
    "KW172HQ",  # real: os_open_names_extract/HY20.csv, postcode without its space
    "EC1A 1BB",
    "W1A 0AX",
    "E1W 1AA",
    "QA1 1AA",
    "AB1 0CI",
    "M 41",
    "M4 1",
    "WA141",
    "AB10 1AB x",
)
_MONEY = (
    "£2,909,121.01",  # real: lambeth_council/2011-04-payments.csv
    "£37,361,284.82",  # real: lambeth 2011-04-payments.csv, the Grand Total row
    "£510.00",  # real: lambeth 2011-04-payments.csv
    "1,534.24",  # real: lambeth_council/2012-06-payments.csv
    "900",  # real: lambeth 2012-06-payments.csv, bare integer
    "NaN",  # real: scarborough.csv "Rateable value" (pandas artefact)
    "£1,234.50",
    "(1,234.50)",
    "( 5 )",
    "-£5",
    "£-5.00",
    "+£5",
    "1.2k",
    "£3m",
    "£2bn",
    "12.500",
    "12.345",
    "(5",
    "-(5)",
    "$5",
    "£",
    "£.50",
    "-0",
    "(0)",
    "12345678901234567",
    "1,23",
    "1,234,56",
)
_NUMBERS = (
    "1,234",
    "-1234",
    "+0012",
    "-0",
    "-0.0",
    "12,34",
    "1.5",
    ".5",
    "5.",
    "-.50",
    "2.000",
    "1E5",
    "9.9E+11",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "1234567890123456.5",
    "123456789012345.25",
    "3850",  # real: bradford.csv "Rateable value"
    "59%",  # real: dfe_ks2_performance_surrey/2018-936-ks2.csv, a percentage
    "SUPP",  # real: 2018-936-ks2.csv, suppression code in a numeric column
    "415.05",  # real: trafford_land_and_building_assets.csv "BuildingSize"
    "01/04/1990",  # real: scarborough.csv, a date shifted into the "Occupied" column
)
_UPRNS = (
    "100012797623",  # real: trafford_land_and_building_assets.csv
    "10070321580",
    "000100012797623",
    "990000000000.0",
    "100012797623.00",
    "100012797623.5",
    "9.9E+11",
    "1.00012797623E+11",
    "999999999999",
    "1000000000000",
    "0",
    "00",
    "101061450575",  # real: scarborough.csv "Property reference number", 12 digits
    "1 000",
    "99999999",
    "100000000",
)
_PHONES = (
    "01483811197",  # real: dfe_ks2_performance_surrey/2018-936-ks2.csv "TELNUM"
    "03303300237",  # real: 2018-936-ks2.csv
    "0127623298",  # real: 2018-936-ks2.csv, 10 digits
    "07700 900123",
    "+44 (0)7700 900123",
    "+44 7700 900123",
    "0044 7700 900123",
    "447700900123",
    "(01483) 811197",
    "01483-811197",
    "020.7946.0018",
    "7700900123",
    "+33 1 23 45 67 89",
    "0033123456789",
    "+1 (212) 555-0100",
    "+4412345",
    "0412345678",
    "01483 811197 ext 23",
    "999",
    "+",
    "00",
    "+0123456789",
    "+1234567890123456",
)
_EMAILS = (
    "Jo.Bloggs@Example.ORG.uk",
    " jo@example.com ",
    "jo@@example.com",
    "jo@localhost",
    "jo..b@example.com",
    ".jo@example.com",
    "jo.@example.com",
    "jo@example.c",
    "jo@-example.com",
    "jo@example-.com",
    "o'brien@council.gov.uk",
    "Jo <jo@example.org>",
    "mailto:jo@example.org",
    "jo@exa_mple.com",
    "a" * 65 + "@example.com",
    "a" * 64 + "@example.com",
    "jo@" + "a" * 250 + ".com",
    "jo@xn--p1ai.xn--p1ai",
    "jö@example.com",
    "jo@123.com",
    "jo@example.123",
    "{}|~^`@x.io",
    "a@b.co",
    "A@B.CO",
)

EXAMPLES: dict[str, tuple[str | None, ...]] = {
    "text": ("Lambeth Living Ltd", "Moda B\u00e9b\u00e9 Ltd", "Cafe Chester\u00bfS Limited", "a  b"),
    "integer": _NUMBERS,
    "decimal": _NUMBERS,
    "money": _MONEY,
    "boolean": ("Y", "N", "y", "yes", "YES", "No", "1", "0", "true", "False", "T", "f", "2", "maybe", "01/04/1990"),
    "code": ("A", "a", "alpha", "zed", "Cc"),
    "sex": ("M", "f", "Male", "FEMALE", "1", "2", "U", "Unknown", "Not known", "X", "0", "9", "N/K", "I", "q", "mail"),
    "ethnicity": (
        "White: English, Welsh, Scottish, Northern Irish or British",
        "Black, Black British, Caribbean or African: African",
        "Black, Black British, Black Welsh, Caribbean or African: Other Black",
        "Asian or Asian British - Indian",
        "White - Any other White background",
        "Mixed/Multiple ethnic groups: White and Black Caribbean",
        "Other ethnic group: Arab",
        "WBRI",
        "wiri",
        "MWBC",
        "ABAN",
        "BAFR",
        "CHNE",
        "OOTH",
        "REFU",
        "NOBT",
        "WROM",
        "WROG",
        "white_british",
        "not_known",
        "99",
        "Z",
        "Klingon",
        "White",
    ),
    "postcode": _POSTCODES,
    "uprn": _UPRNS,
    "usrn": _UPRNS,
    "nhs_number": (
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "9434765918",
        "0000000000",
        "1111111111",
        "123456789",
        "12345678901",
        "943476591X",
        "4010232137",
        "4010232130",
        "1234567890",
        "9434 765 919",
    ),
    "ni_number": (
        "AB123456C",
        "ab 12 34 56 c",
        "AB-12-34-56-C",
        "AB123456",
        "TN010285M",
        "QQ123456C",
        "AO123456A",
        "DA123456A",
        "GB123456A",
        "AB123456E",
        "ZZ999999D",
        "OA123456A",
        "AB12345C",
    ),
    "upn": (
        "B801200005001",
        "b801 2000 05001",
        "A801200005001",
        "X80120000A001",
        "E000200005001",
        "M80120000500A",
        "B80120000500A",
        "M940200005001",
        "I801200005001",
        "B8012000050011",
    ),
    "email": _EMAILS,
    "phone": _PHONES,
    "date": (
        "08/06/2012",  # real: lambeth_council/2012-06-payments.csv "Invoice Creation Date"
        "01-JUN-2012",  # real: 2012-06-payments.csv preamble, Oracle style
        "02/07/2012 16:59:18",  # real: 2012-06-payments.csv "Report Date"
        "01/01/10",  # real: LBLFOIDisclosureLogJan2012.csv request text
        "13.04.10",  # real: LBLFOIDisclosureLogJan2012.csv request text
        "1990-04-01",  # real: bradford.csv "Property start date"
        "7200",  # real: bradford.csv, a rateable value shifted into "Property start date"
        "Y",  # real: bradford.csv, a flag shifted into "Liability start date"
        "04-Jan-10",
        "2012-06-01 00:00:00",
        "2012-06-01T10:20:30.123Z",
        "8/6/2012 4:59 PM",
        "1st June, 2012",
        "01-Sept-2012",
        "31/02/2020",
        "29/02/2019",
        "29/02/2000",
        "12/31/2020",
        "0000-01-01",
        "20120601",
        "01/06/2012 25:00",
        "31/12/99",
    ),
    "date_of_birth": ("11-Jun-1968", "26/10/1985", "2019-10-26", "04-Jan-27", "01/01/1900", "01/01/2999", "29/02/2019"),
    "person_name": (
        "PAYNE, Jenna Judith",
        "FARRELL, Tomasz",  # demo adult social care
        "Mr Jack Brontë",  # demo council tax
        "Mr Frase Wheeler",
        "Dr. J. Smith-Jones Jr",
        "o'brien",
        "O\u2019Brien",
        "MÜLLER",
        "Ludwig van Beethoven",
        "SMITH, Mr John",
        "Smith, John Jr",
        "Mrs Smith, Jane",
        "John Smith, OBE",
        "Rt Hon Sir John Major KG",
        "SMITH, Mrs",
        "Mr",
        "12345",
        "JONES 'JIM' SMITH",
        "Иван Петров",
    ),
    "forename": ("Bob", "peggy", "Mary-Jane", "Jo, Ann", "Zoë", "Eilidh", "Ellliott", "Mr John"),
    "surname": ("o'brien", "Smith - Jones", "Mc Donald", "D'Souza", "Brontë", "van der Berg"),
    "address": (
        "Flat 14, Newlands Lodge, Broomhill Way, Kingswells, Aberdeen",
        "61 Hillview Dr",
        "55 Rubislaw Street, Aberdeen AB11 7DG",
        "52, Cross Roads, Keighley, BD22 9BA",  # real: bradford.csv
        "Dr Fenwicks Practice At, Woodroyd Centre, Greenway Road, Bradford, BD5 8PD",  # real: bradford.csv
        "Unit 2 (Ground Floor), Legrams Mill, Thornton Rd Ind Estate, Bradford, BD7 1NH",  # real: bradford.csv
        "O2 (66968), Streetworks, Eastfield, Scarborough, North Yorkshire, YO11",  # real: scarborough.csv
        "flat 6, 71 park road, newtonhill, ab12 4tn",  # demo children's social care
        "54 Rubislaw St., Aberdeen",  # demo council tax
        "St Mary's Church, St. Andrew's Road, Aberdeen",
        "Apt 3B; 9 Orchard Cres | Leeds",
        "AB11 7DG",
        "---",
    ),
}

CONFIGURED: tuple[FieldSpec, ...] = (
    FieldSpec(type="code", allowed=["A", "B", "Cc"], mapping={"alpha": "a", "zed": "Z"}),
    FieldSpec(type="code", mapping={"alpha": "A", "beta": "B"}),
    FieldSpec(type="boolean", mapping={"J": "true", "Nein": "false", "1": "false"}),
    FieldSpec(type="sex", mapping={"mail": "1", "Femme": "Female"}),
    FieldSpec(type="ethnicity", mapping={"Klingon": "other_any", "WB": "White British"}),
    FieldSpec(type="date", formats=["%d-%b-%y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%Y%m%d"]),
    FieldSpec(type="date_of_birth", formats=["%d-%b-%Y"]),
)
"""Field specs whose options change a type's rule."""


def examples_for(type_name: str) -> list[str | None]:
    """``COMMON`` and the type's own tricky values."""
    return [*COMMON, *EXAMPLES.get(type_name, ())]
