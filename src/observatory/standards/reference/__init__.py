"""Reference data shipped with Observatory.

``postcodes()`` reads ``onspd_extract.csv``: live postcodes from the ONS Postcode Directory with
their ONS geography (Open Government Licence; see ``ATTRIBUTION.txt`` beside it).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["PostcodeRecord", "postcodes"]

ONSPD_FILE = "onspd_extract.csv"
_NO_GRID_REFERENCE = "9"


@dataclass(frozen=True, slots=True)
class PostcodeRecord:
    """One live postcode and its geography (ONSPD column in brackets)."""

    postcode: str  # pcds, e.g. "AB10 1AB"
    introduced: str  # dointr, yyyymm
    large_user: bool  # usertype == 1: a business address, not residential
    country: str  # ctry
    local_authority: str  # oslaua
    ward: str  # osward
    lsoa11: str
    msoa11: str
    lsoa21: str  # empty in Scotland
    msoa21: str
    easting: int | None  # oseast1m; None without a grid reference
    northing: int | None  # osnrth1m
    latitude: float | None  # lat
    longitude: float | None  # long


def _record(row: dict[str, str]) -> PostcodeRecord:
    located = row["osgrdind"] != _NO_GRID_REFERENCE and bool(row["oseast1m"])
    return PostcodeRecord(
        postcode=row["pcds"],
        introduced=row["dointr"],
        large_user=row["usertype"] == "1",
        country=row["ctry"],
        local_authority=row["oslaua"],
        ward=row["osward"],
        lsoa11=row["lsoa11"],
        msoa11=row["msoa11"],
        lsoa21=row["lsoa21"],
        msoa21=row["msoa21"],
        easting=int(row["oseast1m"]) if located else None,
        northing=int(row["osnrth1m"]) if located else None,
        latitude=float(row["lat"]) if located else None,
        longitude=float(row["long"]) if located else None,
    )


@cache
def _load() -> tuple[PostcodeRecord, ...]:
    text = resources.files(__name__).joinpath(ONSPD_FILE).read_text(encoding="utf-8")
    return tuple(_record(row) for row in csv.DictReader(io.StringIO(text)))


def postcodes() -> list[PostcodeRecord]:
    """Every live postcode in the shipped ONSPD extract, sorted by postcode."""
    return list(_load())
