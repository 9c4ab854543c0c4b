"""The local land and property gazetteer (LLPG): every property with its UPRN (UTF-8 CSV).

The authoritative address list, so it carries no faults. Values are upper case as in AddressBase
exports; coordinates are British National Grid metres near the property's real postcode.
"""

from __future__ import annotations

from observatory.demo.formats import iso_date
from observatory.demo.population import Household
from observatory.demo.systems.base import ChunkContext, SourceSystem
from observatory.demo.tables import Cell, SourceInfo, Table


class Gazetteer(SourceSystem):
    """The council's LLPG, maintained by the address custodian."""

    info = SourceInfo(
        name="llpg",
        title="Local land and property gazetteer",
        system="LLPG (local land and property gazetteer)",
        owner="Address Custodian",
        description="Every property in the council's area with its UPRN, street (USRN), address, postcode and "
        "grid coordinates.",
    )

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            Table(
                "llpg",
                "properties",
                "Properties (LLPG)",
                "One row per property: UPRN, USRN, SAON, PAON, street, locality, town, postcode, easting, northing.",
                "data/llpg/properties.csv",
                (
                    "UPRN",
                    "USRN",
                    "SAON",
                    "PAON",
                    "STREET_DESCRIPTION",
                    "LOCALITY",
                    "TOWN_NAME",
                    "POSTCODE_LOCATOR",
                    "X_COORDINATE",
                    "Y_COORDINATE",
                    "CLASSIFICATION_CODE",
                    "LOGICAL_STATUS",
                    "START_DATE",
                ),
            ),
        )

    def render(self, households: list[Household], ctx: ChunkContext) -> None:
        """The chunk's properties, each with its occupying household (if any) in the ground truth."""
        (properties,) = self.tables
        occupants = {household.property_index: household.household_id for household in households}
        first = ctx.plan.first_property
        for index in range(first, first + ctx.plan.properties):
            found = ctx.gazetteer.property(index)
            address = found.address
            uprn = str(address.uprn)
            row: list[Cell] = [
                uprn,
                str(found.usrn),
                address.saon.upper(),
                address.paon.upper(),
                address.street.upper(),
                address.locality.upper(),
                address.town.upper(),
                address.postcode,
                f"{found.easting:.1f}",
                f"{found.northing:.1f}",
                found.classification,
                "1",
                iso_date(found.start_date),
            ]
            ctx.add(properties, row)
            ctx.add_truth(["llpg", "properties", uprn, "", occupants.get(index, ""), uprn, "", ""])
