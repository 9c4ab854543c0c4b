"""Population estimates: residents by ward, sex and age band on 30 June of each year (ONS mid-year style).

The council's performance team loads ONS small-area mid-year estimates as the governed denominators of rates
(per 10,000 children, per 100,000 people aged 65 and over). In the demo they are the true counts of the
synthetic residents: everyone born by 30 June of the year, aged on that day, in the ward of the home they
lived in then (their previous home if they moved in later). Nobody in the demo dies or leaves, so these
counts rise a little each year as children are born and older people age into the 65+ bands. ONS publishes
small-area estimates unrounded, and so does this file. Counts are made chunk by chunk and written at the end.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from observatory.demo.events import history
from observatory.demo.geography import council_postcodes
from observatory.demo.localities import ward_of
from observatory.demo.months import POPULATION_AGE_BANDS, population_age_band
from observatory.demo.population import Household, age_at
from observatory.demo.systems.base import ChunkContext, SourceSystem
from observatory.demo.tables import Cell, SourceInfo, Table

SEXES = {"F": "Female", "M": "Male"}
PopulationCount = tuple[int, str, str, str]
"""(mid-year, ward code, age band, sex)."""


def mid_years(reference_date: date) -> list[int]:
    """The mid-years of the estimates written: the year before the KPI history starts to the year before the
    extract's year (2021 to 2025 by default)."""
    first = history(reference_date).first_estimate
    return list(range(first, max(first, reference_date.year - 1) + 1))


class PopulationEstimates(SourceSystem):
    """Population estimates by ward, as the performance team keeps them."""

    info = SourceInfo(
        name="population",
        title="Population estimates",
        system="ONS small area population estimates, loaded by the Performance and Intelligence team",
        owner="Head of Performance and Intelligence",
        description="Mid-year population estimates by ward, sex and age band: the denominators of the council's "
        "rates per 10,000 children and per 100,000 older people.",
    )

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            Table(
                "population",
                "estimates",
                "Mid-year population estimates by ward",
                "Residents on 30 June of each year by ward, sex and age band.",
                "data/population/mid_year_estimates.csv",
                ("Year", "Ward Code", "Local Authority Code", "Sex", "Age Band", "Population"),
            ),
        )

    def count(self, households: list[Household], ctx: ChunkContext) -> None:
        """Add the chunk's residents to ``ctx.population``."""
        years = [(year, date(year, 6, 30)) for year in mid_years(self.on)]
        for household in households:
            for year, mid in years:
                ward = ward_of(ctx.gazetteer, ctx.home_on(household, mid))
                for person in household.members:
                    if person.dob <= mid:
                        band = population_age_band(age_at(person.dob, mid))
                        ctx.population[(year, ward, band, person.sex)] += 1

    def rows(self, counts: Counter[PopulationCount]) -> list[list[Cell]]:
        """The file's rows: every year, ward with residents, sex and age band (zeros included)."""
        authorities = {record.ward: record.local_authority for record in council_postcodes()}
        wards = sorted({ward for _, ward, _, _ in counts})
        return [
            [str(year), ward, authorities.get(ward, ""), label, band, str(counts[(year, ward, band, sex)])]
            for year in mid_years(self.on)
            for ward in wards
            for sex, label in SEXES.items()
            for band in POPULATION_AGE_BANDS
        ]
