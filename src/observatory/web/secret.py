"""The server's secret key (for CSRF tokens): ``OBSERVATORY_SECRET_KEY``, else a random key kept in the
project's state folder with owner-only permissions. Never in the repository, never logged."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "web-secret.key"


def secret_key(state_dir: Path) -> bytes:
    configured = os.environ.get("OBSERVATORY_SECRET_KEY")
    if configured:
        return configured.encode("utf-8")
    path = state_dir / KEY_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32).encode("ascii")
    staged = state_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        # the key file appears whole or not at all (workers starting together never read it half made), and
        # only the first worker's key is kept: a link, unlike a rename, never replaces a file already there
        os.link(staged, path)
    except FileExistsError:  # another worker made it first
        return path.read_bytes().strip()
    finally:
        staged.unlink()
    return key
