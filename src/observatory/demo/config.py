"""Options of the demo generator: the fault rates, the generator settings and the summary it returns."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

XLSX_MAX_ROWS = 1_048_576
"""Rows in one Excel worksheet, header included."""


@dataclass(frozen=True)
class FaultRates:
    """How often each kind of mistake is written into the source extracts (shares from 0 to 1).

    Each rate is what a measurement over the files and the ground truth finds, with its denominator:

    ``name_typo``             forename and surname fields: share holding a typing error
    ``alternative_forename``  records: share whose forename is a nickname (Robert -> Bob) or a middle name
    ``surname_change``        records: share showing the person's former surname (marriage, divorce)
    ``dob_wrong``             records with a date of birth: share with a wrong one (transposed digits,
                              day and month swapped, wrong year)
    ``dob_missing``           records of systems that allow it (adult social care, council tax, housing):
                              share with no date of birth
    ``stale_address``         people with a record in a system that holds their own address (adult and
                              children's social care, housing applications, school census): share seen
                              at an earlier address in at least one of them
    ``duplicate``             person records: share that are a second record of a person already in the
                              same dataset (a new record key, faults drawn afresh)
    ``address_variant``       records with an address: share written differently from the gazetteer
                              ("Rd" for Road, "Str" for Street, lower case, flat number left out,
                              misspelt street, postcode without its space)
    ``missing_field``         person records: share with one optional field left blank (phone,
                              postcode, ethnicity, NHS or NI number)
    ``invalid_nhs_number``    records showing an NHS number: share with one digit changed, so the
                              modulus 11 check fails
    ``invalid_postcode``      person records showing a postcode: share with the town (half of them) or
                              only the outward code ("AB10", the other half) in the postcode column
    ``orphan_reference``      services, reviews, referrals and plans: share naming a client or child
                              ID that is not in the clients or children file (a deleted record)
    ``end_before_start``      services and plans with an end date: share ending before they start
    ``duplicate_row``         adult social care client rows: share exported twice (the identical row)
    ``duplicate_event``       event rows (adult social care requests, referrals, homelessness cases, school
                              attendance): share exported twice (the identical row)
    """

    name_typo: float = 0.05
    alternative_forename: float = 0.05
    surname_change: float = 0.03
    dob_wrong: float = 0.03
    dob_missing: float = 0.05
    stale_address: float = 0.10
    duplicate: float = 0.02
    address_variant: float = 0.15
    missing_field: float = 0.03
    invalid_nhs_number: float = 0.005
    invalid_postcode: float = 0.005
    orphan_reference: float = 0.003
    end_before_start: float = 0.005
    duplicate_row: float = 0.002
    duplicate_event: float = 0.005

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not 0.0 <= value <= 0.5:
                raise ValueError(f"fault rate {item.name} must be between 0 and 0.5, not {value}")

    @classmethod
    def none(cls) -> FaultRates:
        """Clean extracts: every source record agrees with the ground truth."""
        return cls(**{item.name: 0.0 for item in fields(cls)})


@dataclass(frozen=True)
class GeneratorConfig:
    """Settings of one generation. Output depends on these, the seed and the number of residents only.

    ``reference_date`` is the day the extracts were taken; ages and dates are relative to it.
    ``chunk_residents`` is how many residents are generated together with one seeded random stream;
    changing it changes the output. ``workers`` is the number of worker processes that build chunks while
    the calling process writes (0: one per CPU, at most 4; fewer than 4 chunks are built in the calling
    process); the output is byte-identical whatever it is. ``xlsx_max_rows`` is the row limit of one worksheet,
    header included; longer tables continue on further sheets, each declared as its own dataset.
    """

    faults: FaultRates = field(default_factory=FaultRates)
    reference_date: date = date(2026, 3, 31)
    chunk_residents: int = 2000
    workers: int = 0
    xlsx_max_rows: int = XLSX_MAX_ROWS

    def __post_init__(self) -> None:
        if not 100 <= self.chunk_residents <= 9999:
            raise ValueError("chunk_residents must be between 100 and 9,999")
        if not 0 <= self.workers <= 64:
            raise ValueError("workers must be between 0 (automatic) and 64")
        if not 3 <= self.xlsx_max_rows <= XLSX_MAX_ROWS:
            raise ValueError(f"xlsx_max_rows must be between 3 and {XLSX_MAX_ROWS:,}")


@dataclass(frozen=True)
class GenerateSummary:
    """What ``generate`` wrote: counts, rows per file (relative path -> data rows) and time taken."""

    residents: int
    households: int
    properties: int
    files: dict[str, int]
    seconds: float

    @property
    def residents_per_second(self) -> float:
        return self.residents / self.seconds if self.seconds > 0 else 0.0
