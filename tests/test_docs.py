"""The README's CLI reference is the CLI's own --help output, command by command."""

from __future__ import annotations

from pathlib import Path

from observatory.cli.reference import BEGIN, END, cli_reference

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_cli_reference_matches_help() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == cli_reference(), "run: .venv/bin/python -m observatory.cli.reference README.md"


def test_readme_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
