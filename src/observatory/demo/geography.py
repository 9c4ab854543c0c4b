"""The demo council's gazetteer: properties with UPRNs on streets with USRNs, at real postcodes.

The area is the residential (small-user) live postcodes of Aberdeen City and the Aberdeenshire part
of AB12 in the shipped ONS Postcode Directory extract. Properties come in blocks of
``PROPERTIES_PER_BLOCK`` along one street segment (a terrace, semis, detached houses, tenements of
flats or a named block of flats); block ``b`` is at postcode ``b * postcodes // blocks``, so blocks
spread over the whole area and neighbouring blocks are near each other.

Every property is a pure function of the seed and its index, so any chunk can look up any address
(a household's previous one, say) without a table of all properties in memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from observatory.demo import places
from observatory.demo.randomness import cumulative, stream, weighted
from observatory.standards.reference import PostcodeRecord, postcodes

COUNCIL_LOCAL_AUTHORITIES = ("S12000033", "S12000034")
PROPERTIES_PER_BLOCK = 24
UPRN_BASE = 990_000_000_000
USRN_BASE = 99_000_000

_LAYOUTS = (("terrace", 25), ("semi", 22), ("detached", 13), ("tenement", 28), ("block", 12))
_CLASSIFICATION = {"terrace": "RD04", "semi": "RD03", "detached": "RD02", "tenement": "RD06", "block": "RD06"}
_FLATS_PER_TENEMENT = 6
_STREET_TYPE_NAMES = tuple(name for name, _ in places.STREET_TYPES)
_STREET_TYPE_CUM = cumulative(w for _, w in places.STREET_TYPES)
_LAYOUT_NAMES = tuple(name for name, _ in _LAYOUTS)
_LAYOUT_CUM = cumulative(w for _, w in _LAYOUTS)


@dataclass(frozen=True, slots=True)
class Address:
    """An address as a record holds it, BS7666 style; ``uprn`` is the property it really refers to."""

    uprn: int
    saon: str
    paon: str
    street: str
    locality: str
    town: str
    postcode: str

    def lines(self) -> list[str]:
        """Non-empty address lines: flat, "12 Street" (or building name, then street), locality, town."""
        if self.paon[:1].isdigit():
            lines = [self.saon, f"{self.paon} {self.street}"]
        else:
            lines = [self.saon, self.paon, self.street]
        return [line for line in [*lines, self.locality, self.town] if line]

    def one_line(self) -> str:
        return ", ".join(self.lines())


@dataclass(frozen=True, slots=True)
class Property:
    """A row of the LLPG: a property, its street and where it is."""

    index: int
    address: Address
    usrn: int
    easting: float
    northing: float
    classification: str
    start_date: date
    postcode: PostcodeRecord


@dataclass(frozen=True, slots=True)
class Block:
    """One street segment of ``PROPERTIES_PER_BLOCK`` properties."""

    index: int
    usrn: int
    street: str
    locality: str
    postcode: PostcodeRecord
    layout: str
    first_number: int
    building_name: str
    house_names: tuple[str, ...]
    built: date
    angle: tuple[float, float]


def council_postcodes() -> list[PostcodeRecord]:
    """The residential postcodes of the demo council's area, sorted."""
    return [
        p
        for p in postcodes()
        if p.local_authority in COUNCIL_LOCAL_AUTHORITIES and not p.large_user and p.easting is not None
    ]


def _locality(record: PostcodeRecord, rng: random.Random) -> str:
    if record.local_authority != COUNCIL_LOCAL_AUTHORITIES[0]:
        return rng.choice(places.LOCALITIES_ABERDEENSHIRE)
    district = record.postcode.split()[0]
    return rng.choice(places.LOCALITIES.get(district, ("",)))


class Gazetteer:
    """All properties of the demo council: ``blocks * PROPERTIES_PER_BLOCK`` of them."""

    def __init__(self, seed: int, blocks: int) -> None:
        self.seed = seed
        self.blocks = blocks
        self.properties = blocks * PROPERTIES_PER_BLOCK
        self._postcodes = council_postcodes()
        self.block = lru_cache(maxsize=4096)(self._make_block)

    def _make_block(self, index: int) -> Block:
        rng = stream(self.seed, "block", index)
        record = self._postcodes[index * len(self._postcodes) // self.blocks]
        street_type = weighted(rng, _STREET_TYPE_NAMES, _STREET_TYPE_CUM)
        base = rng.choice(places.STREET_BASES)
        layout = weighted(rng, _LAYOUT_NAMES, _LAYOUT_CUM)
        house_names = tuple(rng.choice(places.HOUSE_NAMES) if rng.random() < 0.2 else "" for _ in range(24))
        return Block(
            index=index,
            usrn=USRN_BASE + index,
            street=f"{base} {street_type}",
            locality=_locality(record, rng) if rng.random() < 0.7 else "",
            postcode=record,
            layout=layout,
            first_number=1 + 2 * rng.randrange(40),
            building_name=f"{rng.choice(places.STREET_BASES)} {rng.choice(places.BUILDING_SUFFIXES)}",
            house_names=house_names if layout == "detached" else (),
            built=date(rng.randrange(1860, 2024), rng.randrange(1, 13), rng.randrange(1, 29)),
            angle=(rng.uniform(-1, 1), rng.uniform(-1, 1)),
        )

    def address(self, index: int) -> Address:
        """The address of property ``index`` (0-based); its UPRN is ``UPRN_BASE + index``."""
        block = self.block(index // PROPERTIES_PER_BLOCK)
        slot = index % PROPERTIES_PER_BLOCK
        saon, paon = "", ""
        if block.layout == "terrace":
            paon = str(block.first_number + slot)
        elif block.layout == "semi":
            paon = str(block.first_number + 2 * slot)
        elif block.layout == "detached":
            paon = block.house_names[slot] or str(block.first_number + 2 * slot)
        elif block.layout == "tenement":
            paon = str(block.first_number + 2 * (slot // _FLATS_PER_TENEMENT))
            saon = f"Flat {slot % _FLATS_PER_TENEMENT + 1}"
        else:
            paon, saon = block.building_name, f"Flat {slot + 1}"
        return Address(UPRN_BASE + index, saon, paon, block.street, block.locality, places.POST_TOWN,
                       block.postcode.postcode)  # fmt: skip

    def property(self, index: int) -> Property:
        """Property ``index`` with its street, grid position and classification, as the LLPG lists it."""
        block = self.block(index // PROPERTIES_PER_BLOCK)
        record = block.postcode
        assert record.easting is not None and record.northing is not None
        along = (index % PROPERTIES_PER_BLOCK - PROPERTIES_PER_BLOCK / 2) * 6.0
        return Property(
            index=index,
            address=self.address(index),
            usrn=block.usrn,
            easting=round(record.easting + 40 * block.angle[0] + along * block.angle[1], 1),
            northing=round(record.northing + 40 * block.angle[1] + along * block.angle[0], 1),
            classification=_CLASSIFICATION[block.layout],
            start_date=block.built,
            postcode=record,
        )
