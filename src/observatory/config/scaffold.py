"""``observatory init``: write a working, empty project folder."""

from __future__ import annotations

from pathlib import Path

from observatory.config.project import PROJECT_FILE, STATE_DIR
from observatory.errors import ObservatoryError

PROJECT_TEMPLATE = """\
# Observatory project. Reference: README.md, "Concepts".
name: {name}
description: ""
engine: duckdb                 # or spark (needs the [spark] extra)
warehouse: .observatory/warehouse.duckdb
# metadata_url: postgresql://observatory@dbhost/observatory   # default: SQLite in .observatory/
"""

SOURCE_EXAMPLE = """\
# One file per source system. Copy this file to sources/NAME.yml (NAME = the file name) and edit.
# name: asc
# title: Adult social care
# system: Mosaic
# owner: Head of Adult Social Care
# datasets:
#   clients:
#     path: data/asc/clients.csv      # relative to the project folder
#     # format: csv | xlsx | parquet | json | ndjson | sql     (default: from the extension)
#     # encoding: auto | utf-8 | utf-8-sig | windows-1252 | latin-1
#     # delimiter: auto
#     # header_row: auto | none | LINE NUMBER
#     # sheet: NAME or 0-based index (xlsx)
"""

GITIGNORE = f"{STATE_DIR}/\n"


def init_project(root: Path, name: str | None = None) -> Path:
    """Create ``root`` with ``observatory.yml``, ``sources/``, ``data/`` and a ``.gitignore``."""
    if (root / PROJECT_FILE).exists():
        raise ObservatoryError(f"{root / PROJECT_FILE} already exists; not overwriting a project")
    root.mkdir(parents=True, exist_ok=True)
    (root / PROJECT_FILE).write_text(PROJECT_TEMPLATE.format(name=name or root.resolve().name), encoding="utf-8")
    (root / "sources").mkdir(exist_ok=True)
    (root / "sources" / "README.example.txt").write_text(SOURCE_EXAMPLE, encoding="utf-8")
    (root / "data").mkdir(exist_ok=True)
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    return root
