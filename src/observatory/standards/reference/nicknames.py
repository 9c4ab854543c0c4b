"""Forename nicknames and other spellings: ``Bob`` and ``Rob`` are ``Robert``, ``Peggy`` is ``Margaret``.

``nicknames.csv`` (written for Observatory) has one row per ``nickname,forename`` pair: short
forms (``Liz``), pet forms (``Bobby``), other spellings (``Steven`` for ``Stephen``) and forms in
other languages common in the UK (``Hamish`` for ``James``, ``Tomasz`` for ``Thomas``). A nickname
shared by several forenames has a row for each, the most usual meaning first (``Chris`` is
``Christopher`` before ``Christine``). No forename is also a nickname, so looking a name up
twice gives the same answer as once.

Names are compared in upper case ASCII, as the name types write them.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

__all__ = ["NICKNAMES_FILE", "canonical_forename", "canonical_forenames", "forename_aliases"]

NICKNAMES_FILE = "nicknames.csv"


@cache
def forename_aliases() -> dict[str, tuple[str, ...]]:
    """Nickname -> the forenames it can stand for, most usual first (``"BOB": ("ROBERT",)``)."""
    text = resources.files("observatory.standards.reference").joinpath(NICKNAMES_FILE).read_text(encoding="utf-8")
    found: dict[str, tuple[str, ...]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        nickname, forename = row["nickname"].strip().upper(), row["forename"].strip().upper()
        if forename not in found.get(nickname, ()):
            found[nickname] = (*found.get(nickname, ()), forename)
    return found


@cache
def canonical_forenames() -> dict[str, str]:
    """Nickname -> its most usual forename (``"BETH": "ELIZABETH"``); names not listed are their own."""
    return {nickname: forenames[0] for nickname, forenames in forename_aliases().items()}


def canonical_forename(name: str) -> str:
    """The forename ``name`` (upper case) most usually stands for; ``name`` itself when it is not a nickname."""
    return canonical_forenames().get(name, name)
