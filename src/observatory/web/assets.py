"""Front-end assets: GOV.UK Frontend and Swagger UI from npm (installed by ``make setup``), our own CSS and JS.

Nothing is fetched from a CDN. The stylesheet is compiled from ``styles/observatory.scss`` with GOV.UK
Frontend's Sass and Arial in place of the GDS Transport font (which only services on gov.uk may use).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from observatory.errors import ObservatoryError

HERE = Path(__file__).parent
STATIC = HERE / "static"
BUILD = STATIC / "build"
STYLESHEET = BUILD / "observatory.css"


@dataclass(frozen=True)
class AssetDirs:
    """Folders served under ``/assets``."""

    govuk: Path
    swagger: Path
    static: Path


def node_modules() -> Path:
    """``OBSERVATORY_NODE_MODULES``, else the ``node_modules`` of the checkout this package lives in."""
    configured = os.environ.get("OBSERVATORY_NODE_MODULES")
    if configured:
        return Path(configured)
    for parent in HERE.parents:
        candidate = parent / "node_modules"
        if (candidate / "govuk-frontend").is_dir():
            return candidate
    return HERE.parents[2] / "node_modules"


def asset_dirs() -> AssetDirs:
    """The asset folders, or a clear error saying how to install them."""
    modules = node_modules()
    govuk = modules / "govuk-frontend" / "dist" / "govuk"
    swagger = modules / "swagger-ui-dist"
    missing = [str(path) for path in (govuk, swagger, STYLESHEET) if not path.exists()]
    if missing:
        raise ObservatoryError(
            "the web assets are not installed (missing " + ", ".join(missing) + "); run `make setup`, which runs "
            "`npm ci` and compiles the stylesheet"
        )
    return AssetDirs(govuk=govuk, swagger=swagger, static=STATIC)
