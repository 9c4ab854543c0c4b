"""Options shared by the ``observatory`` command and its sub-apps (kept apart so sub-apps need not import main)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from observatory.errors import ObservatoryError

ProjectOption = Annotated[
    Path, typer.Option("--project", "-p", envvar="OBSERVATORY_PROJECT", help="Project folder.", show_default=True)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Who is making the change (default: your login name).")]


def who(by: str | None) -> str:
    """``--by``, else the login name: every recorded change names a person."""
    if by:
        return by
    name = os.environ.get("USER", "")
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = ""
    if not name:
        raise ObservatoryError("cannot tell who is making the change: pass --by NAME")
    return name
