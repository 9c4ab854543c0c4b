"""Options shared by the ``observatory`` command and its sub-apps (kept apart so sub-apps need not import main)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ProjectOption = Annotated[
    Path, typer.Option("--project", "-p", envvar="OBSERVATORY_PROJECT", help="Project folder.", show_default=True)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
