"""CLI output: Rich tables for people, ``--json`` for scripts, one error shape for both."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from observatory.errors import ObservatoryError

console = Console(width=None if sys.stdout.isatty() else 120)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def print_lines(lines: list[str]) -> None:
    """Print plain text lines as they are (no markup, no highlighting)."""
    for line in lines:
        console.print(escape(line), highlight=False)


def emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    """Print ``data`` as JSON, or call ``render`` to print it for people."""
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        render()


def fail(exc: ObservatoryError, as_json: bool) -> NoReturn:
    """Report a user error and exit with status 2."""
    if as_json:
        sys.stdout.write(json.dumps(exc.to_dict(), indent=2) + "\n")
    else:
        errors.print(f"[bold red]Error:[/] {exc.message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def user_errors(as_json: bool = False) -> Iterator[None]:
    """Turn ``ObservatoryError`` into a message and exit code 2."""
    try:
        yield
    except ObservatoryError as exc:
        fail(exc, as_json)
