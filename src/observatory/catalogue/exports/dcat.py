"""The catalogue as DCAT (JSON-LD) with DCAT-AP property names, for data portals and the cross-government
Data Marketplace.

Vocabularies (the ``@context`` declares each prefix):

- ``dcat``, ``dct``, ``foaf``, ``vcard``, ``skos``: DCAT 3 and DCAT-AP; frequencies and access rights from
  the EU Publications Office authority tables (``.../authority/frequency/DAILY``,
  ``.../authority/access-right/NON_PUBLIC``), file types from ``.../authority/file-type/``, media types IANA.
- ``ukgov``: the UK Cross-Government Metadata Exchange Model (CDDO,
  https://co-cddo.github.io/ukgov-metadata-exchange-model/), whose default namespace is
  ``https://w3id.org/co-cddo/uk-cross-government-metadata-exchange-model/``. Its ``securityClassification``
  has no other URI, so it is ``ukgov:securityClassification`` (``OFFICIAL``: OFFICIAL-SENSITIVE is OFFICIAL
  with a handling caveat). The model maps its ``accessRights`` (INTERNAL, OPEN, COMMERCIAL) to
  ``dct:accessRights``, which here carries the EU URI DCAT-AP asks for, so the model's value is given as
  ``ukgov:accessRights`` too.
- ``dqv``: the quality score as a ``dqv:QualityMeasurement`` of the metric ``obs:qualityScore`` (and one per
  quality dimension measured).
- ``dpv``: the W3C Data Privacy Vocabulary: ``dpv:hasPersonalData dpv:PersonalData`` (and
  ``dpv:SpecialCategoryPersonalData``) when the dataset holds personal (special-category) data.
- ``csvw``: the columns of the CSV distribution (``csvw:tableSchema``).
- ``obs``: Observatory's own terms for register fields no standard vocabulary has (``obs:personalData``,
  ``obs:lawfulBasis``, ``obs:retentionPeriod``, ...), under ``<base_uri>/def/catalogue#``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from observatory.catalogue.exports.datapackage import data_file_name, package_name, table_type
from observatory.catalogue.exports.values import (
    as_list,
    cell_text,
    fields_by_dataset,
    information_assets,
    register_value,
    slug,
)
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import REGISTER_FIELDS
from observatory.errors import ObservatoryError

UKGOV = "https://w3id.org/co-cddo/uk-cross-government-metadata-exchange-model/"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

FREQUENCIES = {
    "continuous": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annually": "ANNUAL",
    "irregular": "IRREG",
}
"""Refresh frequency → EU frequency vocabulary code."""

ACCESS_RIGHTS = {"internal": "NON_PUBLIC", "open": "PUBLIC", "commercial": "RESTRICTED"}
"""Access rights → EU access-right vocabulary code."""

UKGOV_ACCESS_RIGHTS = {"internal": "INTERNAL", "open": "OPEN", "commercial": "COMMERCIAL"}
"""Access rights → the metadata exchange model's ``AccessRightsValues``."""

_XSD_TYPES = {
    "string": "xsd:string",
    "integer": "xsd:integer",
    "number": "xsd:decimal",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
}

_REGISTER_TERMS = tuple(
    (f.name, f.dcat.removeprefix("obs:"))
    for f in REGISTER_FIELDS
    if f.dcat is not None
    and f.dcat.startswith("obs:")
    and f.name not in ("personal_data", "special_category", "data_subjects")
)
"""Register fields without a standard property → ``obs:`` term."""


def dcat_catalog(
    assets: Iterable[AssetRecord],
    fields: Iterable[AssetRecord],
    catalogue_title: str,
    publisher: str,
    base_uri: str,
    *,
    description: str = "",
) -> dict[str, Any]:
    """The information assets that are datasets as a ``dcat:Catalog`` in JSON-LD (a dict ready for ``json.dump``).

    ``base_uri`` (``https://data.example.gov.uk``) is where the catalogue's own IRIs live."""
    base = _base(base_uri)
    groups = fields_by_dataset(fields)
    datasets = [a for a in information_assets(assets) if a.kind == "dataset"]
    catalog: dict[str, Any] = {
        "@id": f"{base}/catalogue",
        "@type": "dcat:Catalog",
        "dct:title": catalogue_title,
        "dct:publisher": _agent(base, publisher),
        "dcat:dataset": [_dataset(base, a, groups.get(a.id, []), publisher) for a in datasets],
    }
    if description:
        catalog["dct:description"] = description
    return {"@context": context(base), "@graph": [catalog, *_metrics(datasets)]}


def context(base_uri: str) -> dict[str, str]:
    """The JSON-LD ``@context``: the prefixes used."""
    return {
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dqv": "http://www.w3.org/ns/dqv#",
        "prov": "http://www.w3.org/ns/prov#",
        "dpv": "https://w3id.org/dpv#",
        "csvw": "http://www.w3.org/ns/csvw#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "ukgov": UKGOV,
        "obs": f"{_base(base_uri)}/def/catalogue#",
    }


def dataset_iri(base_uri: str, asset_id: str) -> str:
    """The IRI of an asset in the catalogue."""
    return f"{_base(base_uri)}/catalogue/{quote(asset_id, safe='.-_~')}"


def _dataset(base: str, asset: AssetRecord, fields: list[AssetRecord], publisher: str) -> dict[str, Any]:
    iri = dataset_iri(base, asset.id)
    node: dict[str, Any] = {"@id": iri, "@type": "dcat:Dataset", "dct:identifier": asset.id}
    _put(node, "dct:title", register_value(asset, "title"))
    _put(node, "dct:description", register_value(asset, "description"))
    keywords = [cell_text(k) for k in as_list(register_value(asset, "keywords"))]
    if keywords:
        node["dcat:keyword"] = keywords
    area = register_value(asset, "business_area")
    if area:
        node["dcat:theme"] = {
            "@id": f"{base}/theme/{slug(cell_text(area))}",
            "@type": "skos:Concept",
            "skos:prefLabel": cell_text(area),
        }
    node["dct:publisher"] = _agent(base, cell_text(register_value(asset, "information_asset_owner")) or publisher)
    steward = register_value(asset, "steward")
    if steward:
        node["dcat:contactPoint"] = _contact(base, cell_text(steward))
    _put(node, "dct:modified", _literal(register_value(asset, "last_refresh")))
    frequency = FREQUENCIES.get(str(register_value(asset, "refresh_frequency")))
    if frequency:
        node["dct:accrualPeriodicity"] = {"@id": f"{EU_AUTHORITY}frequency/{frequency}"}
    access = str(register_value(asset, "access_rights") or "internal")
    if access in ACCESS_RIGHTS:
        node["dct:accessRights"] = {"@id": f"{EU_AUTHORITY}access-right/{ACCESS_RIGHTS[access]}"}
        node["ukgov:accessRights"] = UKGOV_ACCESS_RIGHTS[access]
    marking = str(register_value(asset, "classification") or "OFFICIAL")
    node["ukgov:securityClassification"] = "OFFICIAL" if marking.startswith("OFFICIAL") else marking
    node["obs:securityMarking"] = marking
    source = register_value(asset, "source_system")
    if source:
        node["dct:source"] = {"rdfs:label": cell_text(source)}
    node["dct:conformsTo"] = {"@id": f"{base}/datapackage/{package_name(asset)}/datapackage.json"}
    node.update(_personal_data(asset))
    for name, term in _REGISTER_TERMS:
        _put(node, f"obs:{term}", _literal(register_value(asset, name)))
    measurements = _measurements(asset)
    if measurements:
        node["dqv:hasQualityMeasurement"] = measurements
    node["dcat:distribution"] = _distribution(iri, asset, fields)
    return node


def _personal_data(asset: AssetRecord) -> dict[str, Any]:
    personal = bool(register_value(asset, "personal_data"))
    special = bool(register_value(asset, "special_category"))
    node: dict[str, Any] = {"obs:personalData": personal, "obs:specialCategoryData": special}
    categories = [{"@id": "dpv:PersonalData"}] if personal or special else []
    if special:
        categories.append({"@id": "dpv:SpecialCategoryPersonalData"})
    if categories:
        node["dpv:hasPersonalData"] = categories
    subjects = [cell_text(s) for s in as_list(register_value(asset, "data_subjects"))]
    if subjects:
        node["obs:dataSubject"] = subjects
    return node


def _distribution(dataset: str, asset: AssetRecord, fields: list[AssetRecord]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{dataset}/distribution/csv",
        "@type": "dcat:Distribution",
        "dct:title": data_file_name(asset),
        "dct:format": {"@id": f"{EU_AUTHORITY}file-type/CSV"},
        "dcat:mediaType": {"@id": "http://www.iana.org/assignments/media-types/text/csv"},
    }
    location = cell_text(register_value(asset, "location"))
    if urlsplit(location).scheme in ("http", "https"):
        node["dcat:accessURL"] = {"@id": location}
    rows = asset.facts.get("rows")
    if isinstance(rows, int) and not isinstance(rows, bool):
        node["obs:rows"] = rows
    if fields:
        node["csvw:tableSchema"] = {
            "csvw:column": {"@list": [_column(f) for f in fields]},
        }
    return node


def _column(field: AssetRecord) -> dict[str, Any]:
    column: dict[str, Any] = {
        "csvw:name": field.facts.get("column") or field.name,
        "csvw:datatype": {"@id": _XSD_TYPES[table_type(field)]},
    }
    _put(column, "csvw:title", field.title)
    _put(column, "dct:description", field.register.get("description") or field.description)
    return column


def _measurements(asset: AssetRecord) -> list[dict[str, Any]]:
    quality = asset.facts.get("quality")
    quality = quality if isinstance(quality, dict) else {}
    measured_at = _literal(quality.get("measured_at"))
    found: list[dict[str, Any]] = []
    score = register_value(asset, "quality_score")
    if _is_number(score):
        found.append(_measurement("qualityScore", score, measured_at))
    dimensions = quality.get("dimensions")
    for dimension, value in sorted(dimensions.items()) if isinstance(dimensions, dict) else []:
        if _is_number(value):
            found.append(_measurement(f"{dimension}Score", value, measured_at))
    return found


def _measurement(metric: str, value: Any, measured_at: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@type": "dqv:QualityMeasurement",
        "dqv:isMeasurementOf": {"@id": f"obs:{metric}"},
        "dqv:value": float(value),
    }
    _put(node, "prov:generatedAtTime", measured_at)
    return node


def _metrics(datasets: list[AssetRecord]) -> list[dict[str, Any]]:
    """The quality metrics the measurements refer to, each in its DQV dimension."""
    dimensions: set[str] = set()
    for asset in datasets:
        quality = asset.facts.get("quality")
        if isinstance(quality, dict) and isinstance(quality.get("dimensions"), dict):
            dimensions.update(d for d, v in quality["dimensions"].items() if _is_number(v))
    nodes: list[dict[str, Any]] = [
        {
            "@id": "obs:qualityScore",
            "@type": "dqv:Metric",
            "skos:definition": "Overall quality score of the dataset (0 to 1) from the latest quality snapshot.",
            "dqv:expectedDataType": {"@id": "xsd:double"},
        }
    ]
    for dimension in sorted(dimensions):
        nodes.append({"@id": f"obs:{dimension}", "@type": "dqv:Dimension", "skos:prefLabel": dimension})
        nodes.append(
            {
                "@id": f"obs:{dimension}Score",
                "@type": "dqv:Metric",
                "skos:definition": f"Share of {dimension} checks passed (0 to 1) in the latest quality snapshot.",
                "dqv:expectedDataType": {"@id": "xsd:double"},
                "dqv:inDimension": {"@id": f"obs:{dimension}"},
            }
        )
    return nodes


def _agent(base: str, name: str) -> dict[str, Any]:
    return {"@id": f"{base}/agent/{slug(name)}", "@type": "foaf:Agent", "foaf:name": name}


def _contact(base: str, steward: str) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": f"{base}/contact/{slug(steward)}", "@type": "vcard:Kind", "vcard:fn": steward}
    if "@" in steward and " " not in steward.strip():
        node["vcard:hasEmail"] = {"@id": f"mailto:{steward.strip()}"}
    return node


def _literal(value: Any) -> Any:
    """A JSON-LD value: dates and times typed, lists of text, anything else as text."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        value = _parse_datetime(value)
    if isinstance(value, datetime):
        return {"@value": value.isoformat(), "@type": "xsd:dateTime"}
    if isinstance(value, date):
        return {"@value": value.isoformat(), "@type": "xsd:date"}
    if isinstance(value, (list, tuple)):
        return [cell_text(item) for item in value]
    return cell_text(value)


def _parse_datetime(text: str) -> Any:
    if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-":
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return text
    return text


def _put(node: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "" and value != []:
        node[key] = value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _base(base_uri: str) -> str:
    parts = urlsplit(base_uri.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ObservatoryError(f"base URI {base_uri!r} is not an http(s) URL (e.g. https://data.example.gov.uk)")
    return base_uri.strip().rstrip("/")
