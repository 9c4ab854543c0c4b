"""Code lists the source systems use: ethnicity, care categories, council tax bands, tenures."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True, slots=True)
class Ethnicity:
    """An ONS 2021 Census ethnic group, its DfE code (school census, CIN census) and share."""

    label: str
    dfe_code: str
    short: str
    weight: float


ETHNICITIES = (
    Ethnicity("White: English, Welsh, Scottish, Northern Irish or British", "WBRI", "White British", 74.4),
    Ethnicity("White: Irish", "WIRI", "White Irish", 0.9),
    Ethnicity("White: Gypsy or Irish Traveller", "WIRT", "Gypsy/Traveller", 0.1),
    Ethnicity("White: Roma", "WROM", "Roma", 0.2),
    Ethnicity("White: Other White", "WOTH", "White Other", 6.2),
    Ethnicity("Mixed or Multiple: White and Black Caribbean", "MWBC", "Mixed W/B Caribbean", 0.9),
    Ethnicity("Mixed or Multiple: White and Black African", "MWBA", "Mixed W/B African", 0.4),
    Ethnicity("Mixed or Multiple: White and Asian", "MWAS", "Mixed W/Asian", 0.8),
    Ethnicity("Mixed or Multiple: Other Mixed or Multiple", "MOTH", "Mixed Other", 0.8),
    Ethnicity("Asian or Asian British: Indian", "AIND", "Indian", 3.1),
    Ethnicity("Asian or Asian British: Pakistani", "APKN", "Pakistani", 2.7),
    Ethnicity("Asian or Asian British: Bangladeshi", "ABAN", "Bangladeshi", 1.1),
    Ethnicity("Asian or Asian British: Chinese", "CHNE", "Chinese", 0.7),
    Ethnicity("Asian or Asian British: Other Asian", "AOTH", "Asian Other", 1.6),
    Ethnicity("Black, Black British, Caribbean or African: African", "BAFR", "Black African", 2.5),
    Ethnicity("Black, Black British, Caribbean or African: Caribbean", "BCRB", "Black Caribbean", 1.0),
    Ethnicity("Black, Black British, Caribbean or African: Other Black", "BOTH", "Black Other", 0.5),
    Ethnicity("Other ethnic group: Arab", "OOTH", "Arab", 0.6),
    Ethnicity("Other ethnic group: Any other ethnic group", "OOTH", "Other", 1.6),
)
"""The 19 ONS 2021 categories with their share of the population of England and Wales (Census 2021)."""

ETHNICITY_CUM_WEIGHTS = tuple(accumulate(e.weight for e in ETHNICITIES))

SUPPORT_REASONS = (
    "Physical Support: Access & mobility only",
    "Physical Support: Personal care support",
    "Sensory Support: Support for visual impairment",
    "Sensory Support: Support for hearing impairment",
    "Support with Memory & Cognition",
    "Learning Disability Support",
    "Mental Health Support",
    "Social Support: Substance misuse support",
    "Social Support: Support for Social Isolation/Other",
)
SERVICE_TYPES = (
    ("Home Care", 30.0, 240.0), ("Residential Care", 12.0, 820.0), ("Nursing Care", 6.0, 1040.0),
    ("Day Care", 10.0, 95.0), ("Direct Payment", 14.0, 310.0), ("Supported Living", 6.0, 1450.0),
    ("Equipment", 12.0, 0.0), ("Reablement", 10.0, 0.0),
)  # fmt: skip
"""Service type, relative frequency and typical weekly cost in pounds."""
CARE_PROVIDERS = (
    "Granite Care Ltd", "Deeside Homecare", "Bon Accord Care", "Northfield Support Services",
    "Silver City Nursing Home", "Riverside Lodge", "Council In-house Service", "Home Support Partnership",
)  # fmt: skip
REVIEW_OUTCOMES = ("No change", "Increase in support", "Decrease in support", "Services ended", "Referred on")
CARE_TEAMS = ("Central Locality", "North Locality", "South Locality", "Hospital Discharge", "Learning Disability")

REFERRAL_SOURCES = ("Police", "Schools", "Health services", "Individual", "LA services", "Other legal agency", "Other")
PRIMARY_NEEDS = (
    "N1 Abuse or neglect", "N2 Child's disability", "N3 Parental illness/disability", "N4 Family in acute stress",
    "N5 Family dysfunction", "N6 Socially unacceptable behaviour", "N7 Low income", "N8 Absent parenting",
    "N9 Cases other than children in need",
)  # fmt: skip
REFERRAL_OUTCOMES = ("No further action", "Assessment", "Early help")
PLAN_TYPES = ("Child in Need Plan", "Child Protection Plan", "Looked After")
ABUSE_CATEGORIES = ("Neglect", "Emotional abuse", "Physical abuse", "Sexual abuse", "Multiple")

COUNCIL_TAX_BANDS = (
    ("A", 6, 16.0),
    ("B", 7, 22.0),
    ("C", 8, 20.0),
    ("D", 9, 16.0),
    ("E", 11, 14.0),
    ("F", 13, 7.0),
    ("G", 15, 4.5),
    ("H", 18, 0.5),
)
"""Band, its ratio to band D in ninths, and the share of properties in it."""
BAND_D_CHARGE = 1541.16

HOUSING_BANDS = ("A", "B", "C", "D")
TENURES = ("Secure", "Secure", "Secure", "Introductory", "Flexible")
