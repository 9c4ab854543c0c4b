"""Generated blocks in documentation files: the text between two marker comments, rewritten in place."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path


def replace_block(text: str, begin: str, end: str, block: Callable[[], str], what: str) -> str:
    """``text`` with everything from ``begin`` to ``end`` replaced by ``block()`` (which includes both markers)."""
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"the file has no {what} markers")
    return pattern.sub(lambda _: block(), text)


def rewrite_file(path: Path, replace: Callable[[str], str]) -> None:
    """Apply ``replace`` to the file at ``path``."""
    path.write_text(replace(path.read_text(encoding="utf-8")), encoding="utf-8")
