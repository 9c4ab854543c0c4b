"""The demo council's localities: its wards grouped into North, Central and South by where they lie.

Adult social care records the locality of a request (the team that takes it) from the person's address; the
same grouping is shown in the KPI breakdowns. Wards are those of the council's postcodes in the shipped ONS
Postcode Directory extract, ordered by their postcodes' mean northing and cut into thirds.
"""

from __future__ import annotations

from functools import lru_cache

from observatory.demo.geography import PROPERTIES_PER_BLOCK, Gazetteer, council_postcodes

LOCALITIES = ("North", "Central", "South")


@lru_cache(maxsize=1)
def ward_localities() -> dict[str, str]:
    """Locality of every ward of the council's area, by ward code."""
    northings: dict[str, list[int]] = {}
    for record in council_postcodes():
        if record.northing is not None:
            northings.setdefault(record.ward, []).append(record.northing)
    order = sorted(northings, key=lambda ward: (-sum(northings[ward]) / len(northings[ward]), ward))
    return {ward: LOCALITIES[min(2, 3 * rank // len(order))] for rank, ward in enumerate(order)}


def ward_of(gazetteer: Gazetteer, property_index: int) -> str:
    """The ward code of a property, from its postcode."""
    return gazetteer.block(property_index // PROPERTIES_PER_BLOCK).postcode.ward


def locality_of(gazetteer: Gazetteer, property_index: int) -> str:
    """The locality of a property."""
    return ward_localities()[ward_of(gazetteer, property_index)]
