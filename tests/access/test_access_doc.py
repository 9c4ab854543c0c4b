"""docs/access.md keeps the roles table generated from the role profiles."""

from __future__ import annotations

from pathlib import Path

from observatory.access.docs import BEGIN, END, roles_reference
from observatory.access.roles import ACTIONS, ROLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def test_the_roles_table_matches_the_profiles() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == roles_reference(), "run: .venv/bin/python -m observatory.access.docs docs/access.md"


def test_the_table_names_every_role_and_action() -> None:
    table = roles_reference()
    for name in (*ROLES, *ACTIONS):
        assert f"`{name}`" in table
