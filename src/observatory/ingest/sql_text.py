"""Quoting for the few names that come from files (column captions, paths) and must appear in SQL."""

from __future__ import annotations


def identifier(name: str) -> str:
    """A double-quoted SQL identifier; embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A single-quoted SQL string literal; embedded quotes doubled, NUL refused."""
    if "\x00" in text:
        raise ValueError("NUL character in a SQL literal")
    return "'" + text.replace("'", "''") + "'"
