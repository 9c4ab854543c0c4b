"""The annual review of the information asset register: which assets are due, and who reviewed what."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from observatory.catalogue.store import list_assets
from observatory.meta.store import MetaStore


@dataclass(frozen=True)
class ReviewDue:
    """An information asset whose review is overdue (or never done), or falls due within the window asked."""

    id: str
    title: str
    owner: str
    steward: str
    last_reviewed: date | None
    next_review_due: date | None
    days_overdue: int | None
    status: str
    """``never reviewed``, ``overdue`` or ``due soon``."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_reviewed", "next_review_due"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def reviews_due(meta: MetaStore, *, today: date, within_days: int = 0) -> list[ReviewDue]:
    """Information assets never reviewed, overdue, or due within ``within_days``: the longest overdue first."""
    due = []
    for asset in list_assets(meta, in_register=True):
        next_due = asset.next_review_due
        if next_due is None:
            status, days = "never reviewed", None
        elif next_due < today:
            status, days = "overdue", (today - next_due).days
        elif (next_due - today).days <= within_days:
            status, days = "due soon", -(next_due - today).days
        else:
            continue
        due.append(
            ReviewDue(asset.id, asset.title, asset.owner, asset.steward, asset.last_reviewed, next_due, days, status)
        )
    order = {"never reviewed": 0, "overdue": 1, "due soon": 2}
    return sorted(due, key=lambda d: (order[d.status], -(d.days_overdue or 0), d.id))
