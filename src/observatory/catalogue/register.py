"""The information asset register's fields: one definition used by edits, the register export and DCAT.

``REGISTER_FIELDS`` lists every field in the order IG teams lay a register out. ``editable`` fields come
from YAML (``register:`` of a source or dataset, or ``catalogue.assets``) and from edits; the others are
filled by builds. ``dcat`` is the property the DCAT export maps the field to (see ``docs/catalogue.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

from observatory.config.models import (
    AccessRights,
    Article6,
    Article9,
    Classification,
    Disposal,
    PublicationStatus,
    Rating,
    RefreshFrequency,
)
from observatory.errors import ObservatoryError

ValueKind = Literal["text", "choice", "bool", "date", "list"]


@dataclass(frozen=True)
class RegisterField:
    """One column of the asset register."""

    name: str
    label: str
    kind: ValueKind = "text"
    choices: tuple[str, ...] = ()
    editable: bool = True
    dcat: str | None = None
    help: str = ""


REGISTER_FIELDS: tuple[RegisterField, ...] = (
    RegisterField("title", "Information asset", dcat="dct:title"),
    RegisterField("description", "Description", dcat="dct:description"),
    RegisterField("business_area", "Business area", dcat="dcat:theme", help="service or directorate"),
    RegisterField("information_asset_owner", "Information Asset Owner", dcat="dct:publisher"),
    RegisterField("steward", "Data steward", dcat="dcat:contactPoint"),
    RegisterField("purpose", "Purpose of processing", dcat="obs:purpose", help="why the council holds the data"),
    RegisterField("source_system", "Source system", editable=False, dcat="dct:source"),
    RegisterField("location", "Location", dcat="obs:location", help="where the data is held"),
    RegisterField(
        "classification",
        "Security classification",
        "choice",
        get_args(Classification),
        dcat="ukgov:securityClassification",
    ),
    RegisterField(
        "access_rights", "Access rights", "choice", get_args(AccessRights), dcat="dct:accessRights, ukgov:accessRights"
    ),
    RegisterField("personal_data", "Personal data", "bool", dcat="dpv:hasPersonalData, obs:personalData"),
    RegisterField("special_category", "Special category data", "bool", dcat="obs:specialCategoryData"),
    RegisterField("data_subjects", "Data subjects", "list", dcat="obs:dataSubject", help="clients, carers, staff"),
    RegisterField(
        "lawful_basis", "Lawful basis (UK GDPR Article 6)", "choice", get_args(Article6), dcat="obs:lawfulBasis"
    ),
    RegisterField(
        "special_category_condition",
        "Condition for special category data (Article 9)",
        "choice",
        get_args(Article9),
        dcat="obs:specialCategoryCondition",
    ),
    RegisterField(
        "retention_period", "Retention period", dcat="obs:retentionPeriod", help="e.g. 6 years after the case closes"
    ),
    RegisterField("disposal", "Disposal action", "choice", get_args(Disposal), dcat="obs:disposalAction"),
    RegisterField(
        "refresh_frequency", "Refresh frequency", "choice", get_args(RefreshFrequency), dcat="dct:accrualPeriodicity"
    ),
    RegisterField("last_refresh", "Last refresh", "date", editable=False, dcat="dct:modified"),
    RegisterField("criticality", "Criticality", "choice", get_args(Rating), dcat="obs:criticality"),
    RegisterField("risk_rating", "Risk rating", "choice", get_args(Rating), dcat="obs:riskRating"),
    RegisterField("quality_score", "Quality score", editable=False, dcat="dqv:hasQualityMeasurement"),
    RegisterField(
        "publication_status",
        "Publication status",
        "choice",
        get_args(PublicationStatus),
        dcat="obs:publicationStatus",
    ),
    RegisterField("keywords", "Keywords", "list", dcat="dcat:keyword"),
    RegisterField("last_reviewed", "Last review", "date", editable=False, dcat="obs:lastReviewed"),
    RegisterField("next_review_due", "Next review due", "date", editable=False, dcat="obs:nextReviewDue"),
)
"""The register, column by column, in the IG layout."""

FIELDS_BY_NAME = {f.name: f for f in REGISTER_FIELDS}

EDITABLE: dict[str, tuple[str, ...]] = {
    "dataset": tuple(f.name for f in REGISTER_FIELDS if f.editable),
    "field": ("title", "description", "example"),
    "source": ("title", "description", "owner"),
    "file": ("title", "description"),
    "term": ("title", "description", "owner", "synonyms", "links"),
    "report": ("title", "description", "owner"),
    "kpi": ("title", "description"),
    "output": ("title", "description"),
}
"""What a person may edit, per asset kind (a term's ``title`` is its name, its ``description`` its definition,
its ``links`` the ids of the assets it describes)."""


def parse_value(name: str, text: str) -> Any:
    """The value of register field ``name`` written as ``text`` on the command line or in a form."""
    spec = FIELDS_BY_NAME.get(name)
    kind: ValueKind = spec.kind if spec else ("list" if name in ("synonyms", "links") else "text")
    text = text.strip()
    if kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("yes", "true", "y", "1"):
            return True
        if lowered in ("no", "false", "n", "0"):
            return False
        raise ObservatoryError(f"{name}: {text!r} is not yes or no")
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ObservatoryError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None
    if kind == "choice" and spec is not None and text not in spec.choices:
        raise ObservatoryError(f"{name}: {text!r} is not one of {', '.join(spec.choices)}")
    return text
