"""Fixed lists for addresses: street names, localities, building and school names, abbreviations.

Street and building names are invented but in the style of north-east Scotland, where the shipped
real postcodes are (Aberdeen, AB10-AB16). Localities are real neighbourhoods of those postcode
districts. Nothing here comes from Faker, whose UK towns and postcodes are made up.
"""

from __future__ import annotations

POST_TOWN = "Aberdeen"

STREET_BASES = (
    "Rosebank", "Hillview", "Craigton", "Gairn", "Deeside", "Donview", "Ashgrove", "Beechwood", "Birchfield",
    "Braeside", "Broomhill", "Burnside", "Carnie", "Cairnfield", "Castleton", "Clifton", "Craigievar", "Culter",
    "Dalmuir", "Denburn", "Dunmail", "Elmfield", "Esslemont", "Fernielea", "Forest", "Gordon", "Granton",
    "Greenfern", "Hazlewood", "Heathryfold", "Hilton", "Holburn", "Kincraig", "Kirkhill", "Larchwood", "Leslie",
    "Linksfield", "Loanhead", "Malcolm", "Mannofield", "Marchburn", "Meadowbank", "Midstocket", "Millbank",
    "Morven", "Mountview", "Newlands", "Northfield", "Oakhill", "Orchard", "Osborne", "Park", "Pitstruan",
    "Polmuir", "Queens", "Redmoss", "Richmond", "Riverside", "Rowan", "St Clair", "St Machar", "Sandilands",
    "Seaforth", "Springfield", "Station", "Stewart", "Stockethill", "Summerfield", "Thistle", "Thorngrove",
    "Union", "Victoria", "Viewfield", "Watson", "Wellington", "Westburn", "Whinhill", "Willowbank", "Woodend",
    "Baillieswells", "Bon Accord", "Craigshaw", "Abbotswell", "Balgownie", "Ferrier", "Gillespie", "Hamilton",
    "Jasmine", "Keir", "Lochside", "Marischal", "Nigg", "Ogston", "Primrose", "Raeden", "Rubislaw", "Sunnybank",
    "Tullos", "Urquhart", "Walker", "Woodside", "Church", "Mill", "School", "Well", "Mary", "Duthie", "Cove",
    "Charlotte", "Crown", "Dee", "Don", "Esplanade", "Fountain", "Garden", "Hill", "King", "Links", "Market",
)  # fmt: skip

STREET_TYPES = (
    ("Road", 22), ("Street", 16), ("Avenue", 8), ("Crescent", 7), ("Drive", 7), ("Place", 8), ("Gardens", 6),
    ("Terrace", 7), ("Close", 3), ("Lane", 4), ("Court", 3), ("Way", 3), ("Grove", 3), ("View", 2),
    ("Walk", 2), ("Wynd", 2), ("Brae", 2), ("Square", 1),
)  # fmt: skip
"""Street types with relative frequencies."""

STREET_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Road": ("Rd", "Rd."), "Street": ("St", "Str", "St."), "Avenue": ("Ave", "Av"), "Crescent": ("Cres", "Cresc"),
    "Drive": ("Dr", "Drv"), "Place": ("Pl",), "Gardens": ("Gdns", "Gdn"), "Terrace": ("Terr", "Ter"),
    "Close": ("Cl",), "Lane": ("Ln",), "Court": ("Ct",), "Way": ("Wy",), "Grove": ("Gr", "Gro"), "View": ("Vw",),
    "Walk": ("Wk",), "Wynd": ("Wy",), "Brae": ("Br",), "Square": ("Sq",),
}  # fmt: skip
"""The ways people shorten each street type."""

LOCALITIES: dict[str, tuple[str, ...]] = {
    "AB10": ("Ferryhill", "Holburn", "Garthdee", "Mannofield", "Broomhill", "Ruthrieston", "Kaimhill"),
    "AB11": ("Torry", "Ferryhill", "Footdee", "Ruthrieston"),
    "AB12": ("Cove Bay", "Kincorth", "Altens", "Nigg", "Loirston"),
    "AB13": ("Milltimber",),
    "AB14": ("Peterculter", "Maryculter"),
    "AB15": ("Cults", "Bieldside", "Hazlehead", "Kingswells", "Craigiebuckler", "Airyhall"),
    "AB16": ("Mastrick", "Northfield", "Sheddocksley", "Middlefield", "Cornhill"),
}
LOCALITIES_ABERDEENSHIRE = ("Portlethen", "Newtonhill", "Findon")
"""Localities of the Aberdeenshire part of AB12 (local authority S12000034)."""

HOUSE_NAMES = (
    "Rose Cottage", "The Old Manse", "Birchwood", "Hillcrest", "Braehead", "The Steading", "Ivy Cottage",
    "Glenview", "Fernbank", "The Bothy", "Woodlea", "Craigard", "The Old Schoolhouse", "Mains of Kirkton",
)  # fmt: skip

BUILDING_SUFFIXES = ("Court", "House", "Lodge", "Mansions", "Point", "Tower")

SCHOOL_BASES = (
    "Ashley Road", "Broomhill", "Culter", "Cults", "Ferryhill", "Gilcomstoun", "Hazlehead", "Kaimhill",
    "Kingswells", "Kirkhill", "Loirston", "Mile End", "Milltimber", "Riverbank", "Walker Road", "Tullos",
    "Charleston", "Abbotswell", "Airyhall", "Bramble Brae", "Countesswells", "Forehill", "Greenbrae",
    "Holy Family", "Manor Park", "Muirfield", "Quarryhill", "Sunnybank", "Westpark", "Skene Square",
)  # fmt: skip
