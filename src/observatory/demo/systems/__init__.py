"""The demo council's source systems, each with its own formats and habits."""

from __future__ import annotations

from datetime import date

from observatory.demo.systems.asc import AdultSocialCare
from observatory.demo.systems.base import SourceSystem, System
from observatory.demo.systems.csc import ChildrensSocialCare
from observatory.demo.systems.ctax import CouncilTax
from observatory.demo.systems.housing import Housing
from observatory.demo.systems.llpg import Gazetteer
from observatory.demo.systems.population_estimates import PopulationEstimates
from observatory.demo.systems.schools import SchoolCensus

__all__ = ["PopulationEstimates", "SourceSystem", "System", "all_sources", "people_systems"]


def people_systems(reference_date: date) -> list[System]:
    """The systems holding records about people, in the order they are generated."""
    return [
        AdultSocialCare(reference_date),
        ChildrensSocialCare(reference_date),
        CouncilTax(reference_date),
        Housing(reference_date),
        SchoolCensus(reference_date),
    ]


def all_sources(reference_date: date) -> list[SourceSystem]:
    """Every source system, the gazetteer and the population estimates included."""
    return [*people_systems(reference_date), Gazetteer(reference_date), PopulationEstimates(reference_date)]
