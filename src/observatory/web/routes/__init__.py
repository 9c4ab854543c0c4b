"""The route table: one router per part of the site. Every route declares its rule with ``auth.Need``."""

from __future__ import annotations

from fastapi import APIRouter

from observatory.web.routes import (
    audit,
    catalogue,
    catalogue_edit,
    catalogue_export,
    catalogue_preview,
    docs,
    home,
    kpis,
    quality,
    residents,
    review,
    runs,
    session,
    users,
)

ROUTERS: tuple[APIRouter, ...] = (
    session.router,
    docs.router,
    home.router,
    catalogue_edit.router,  # before catalogue: its /catalogue/assets/{id}/... routes must match first
    catalogue_preview.router,
    catalogue_export.router,
    catalogue.router,
    quality.router,
    kpis.router,
    residents.router,
    review.router,
    runs.router,
    audit.router,
    users.router,
)
