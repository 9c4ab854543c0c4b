"""The app factory for uvicorn workers: each worker opens the project named by ``OBSERVATORY_PROJECT``."""

from __future__ import annotations

import os

from fastapi import FastAPI

from observatory.platform import Observatory
from observatory.web.app import create_app

PROJECT_VARIABLE = "OBSERVATORY_PROJECT"


def create() -> FastAPI:
    return create_app(Observatory.open(os.environ.get(PROJECT_VARIABLE, ".")))
