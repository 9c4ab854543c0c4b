"""Role profiles: which classifications a role sees, whether personal fields can be unmasked, which actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from observatory.errors import ObservatoryError

ACTIONS: dict[str, str] = {
    "home.view": "see the home page: holdings, overall quality, latest runs",
    "catalogue.view": "search the catalogue and read asset pages",
    "catalogue.export": "download the register, dictionary and other catalogue exports",
    "catalogue.preview": "preview rows of a dataset (personal fields masked)",
    "catalogue.edit": "edit register fields, descriptions and glossary terms",
    "catalogue.review": "record that an information asset was reviewed",
    "quality.view": "read data quality results, trends and alerts",
    "kpis.view": "read KPIs",
    "runs.view": "read builds, loads, rejects and their logs",
    "residents.view": "search residents and open a resident's single view (with a purpose)",
    "personal.unmask": "show personal fields unmasked (with a purpose)",
    "review.view": "read the clerical review queue",
    "review.decide": "decide whether an uncertain pair of records is one person",
    "audit.view": "read the audit trail",
    "users.manage": "add, disable and change the role of users",
}
"""Every action a route or command can require, with what it allows (shown on the roles page and in docs)."""

CLASSIFICATIONS = ("OFFICIAL", "OFFICIAL-SENSITIVE")

Role = Literal["viewer", "analyst", "steward", "ig_officer", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "steward", "ig_officer", "admin")

_READ = frozenset({"home.view", "catalogue.view", "quality.view", "kpis.view"})
_ANALYSE = _READ | {"catalogue.export", "catalogue.preview", "runs.view"}
_GOVERN = _ANALYSE | {"catalogue.edit", "catalogue.review", "residents.view", "personal.unmask", "review.view"}


@dataclass(frozen=True)
class RoleProfile:
    """What one role may see and do."""

    name: Role
    title: str
    description: str
    classifications: frozenset[str]
    actions: frozenset[str]

    def allows(self, action: str) -> bool:
        return action in self.actions

    def sees(self, classification: str) -> bool:
        return classification in self.classifications

    @property
    def may_unmask(self) -> bool:
        return "personal.unmask" in self.actions

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "classifications": sorted(self.classifications),
            "personal_fields": "shown with a purpose" if self.may_unmask else "masked",
            "actions": sorted(self.actions),
        }


PROFILES: dict[Role, RoleProfile] = {
    "viewer": RoleProfile(
        "viewer",
        "Viewer",
        "Managers and councillors: KPIs, quality and the catalogue of OFFICIAL data.",
        frozenset({"OFFICIAL"}),
        _READ,
    ),
    "analyst": RoleProfile(
        "analyst",
        "Analyst",
        "Analysts: every classification, previews and exports with personal fields masked, runs.",
        frozenset(CLASSIFICATIONS),
        _ANALYSE,
    ),
    "steward": RoleProfile(
        "steward",
        "Data steward",
        "Stewards and Information Asset Owners: describe and review assets, decide review pairs, "
        "open residents and unmask personal fields with a purpose.",
        frozenset(CLASSIFICATIONS),
        _GOVERN | {"review.decide"},
    ),
    "ig_officer": RoleProfile(
        "ig_officer",
        "Information governance officer",
        "IG officers and the DPO: the register, the audit trail, residents and unmasking with a purpose.",
        frozenset(CLASSIFICATIONS),
        _GOVERN | {"audit.view"},
    ),
    "admin": RoleProfile(
        "admin",
        "Administrator",
        "Administrators: everything, including users and roles.",
        frozenset(CLASSIFICATIONS),
        frozenset(ACTIONS),
    ),
}


def profile(role: str) -> RoleProfile:
    """The profile of ``role``; an unknown role is a user error naming the roles there are."""
    try:
        return PROFILES[role]  # type: ignore[index]
    except KeyError:
        raise ObservatoryError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}") from None


def check_profiles() -> None:
    """Every action a profile names exists (a typo would silently refuse it)."""
    for role in PROFILES.values():
        unknown = role.actions - set(ACTIONS)
        if unknown:
            raise AssertionError(f"role {role.name} names unknown actions {sorted(unknown)}")
