"""The docs that are generated stay equal to their source: the CLI reference, the standard field types."""

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


def test_standards_doc_matches_the_field_types() -> None:
    from observatory.standards.docs import BEGIN as TYPES_BEGIN
    from observatory.standards.docs import END as TYPES_END
    from observatory.standards.docs import types_reference

    text = (README.parent / "docs" / "standards.md").read_text(encoding="utf-8")
    start, end = text.index(TYPES_BEGIN), text.index(TYPES_END) + len(TYPES_END)
    assert text[start:end] == types_reference(), "run: .venv/bin/python -m observatory.standards.docs docs/standards.md"


def test_catalogue_doc_matches_the_register_fields() -> None:
    from observatory.catalogue.docs import BEGIN as REGISTER_BEGIN
    from observatory.catalogue.docs import END as REGISTER_END
    from observatory.catalogue.docs import register_reference

    text = (README.parent / "docs" / "catalogue.md").read_text(encoding="utf-8")
    start, end = text.index(REGISTER_BEGIN), text.index(REGISTER_END) + len(REGISTER_END)
    assert text[start:end] == register_reference(), (
        "run: .venv/bin/python -m observatory.catalogue.docs docs/catalogue.md"
    )


def test_catalogue_edit_help_names_every_editable_field() -> None:
    from observatory.catalogue.register import EDITABLE
    from observatory.cli.catalogue import edit_command

    help_text = edit_command.__doc__ or ""
    for kind in ("dataset", "field", "term"):
        for name in EDITABLE[kind]:
            assert f"--{name.replace('_', '-')}" in help_text, name
