"""``/audit``: the audit trail for IG officers and administrators: entries newest first, filters, pages, whether
the hash chain is intact, and a CSV export.

Checking the chain reads every entry, so each server worker checks the whole trail at most every
``FULL_CHECK_EVERY`` seconds (or when asked with ``?check=full``) and, in between, only the entries appended
since its last check. The page says when the whole trail was last checked. Looking up one resident's
entries, and exporting, are personal-data accesses and are audited themselves.
"""

from __future__ import annotations

import csv
import io
import json
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from datetime import time as day_start
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from observatory.cells import safe_row
from observatory.errors import ObservatoryError
from observatory.meta.audit import OUTCOMES, AuditQuery, Verification, entries, iter_entries, recorded_actions, verify
from observatory.web.auth import Need, Principal
from observatory.web.purpose import audit_access
from observatory.web.render import is_api, page, respond

router = APIRouter()

VIEW = "audit.view"
Auditor = Annotated[Principal, Depends(Need(VIEW))]
PAGE_SIZE = 50
FULL_CHECK_EVERY = 600.0
"""Seconds between two checks of the whole chain by one worker (entries appended since are checked every time)."""

CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "role",
    "action",
    "target",
    "resident_id",
    "purpose",
    "outcome",
    "detail",
    "prev_hash",
    "hash",
)

Text = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True)
class Filters:
    """The filters of the audit page, as typed in the form (empty means any)."""

    user: str = ""
    resident: str = ""
    action: str = ""
    outcome: str = ""
    since: str = ""

    def problems(self) -> dict[str, str]:
        found = {key: "Remove the control characters" for key, value in vars(self).items() if not value.isprintable()}
        if self.since and _since(self.since) is None:
            found["since"] = "Enter the date as YYYY-MM-DD, for example 2026-11-01"
        if self.outcome and self.outcome not in OUTCOMES:
            found["outcome"] = f"Choose an outcome: {', '.join(OUTCOMES)}"
        return found

    def query(self, *, limit: int = PAGE_SIZE, offset: int = 0) -> AuditQuery:
        return AuditQuery(
            actor=self.user.strip() or None,
            resident_id=self.resident.strip() or None,
            action=self.action.strip() or None,
            outcome=self.outcome if self.outcome in OUTCOMES else None,
            since=_since(self.since),
            limit=limit,
            offset=offset,
        )

    def params(self) -> dict[str, str]:
        """The filters that are set, for links that keep them."""
        return {key: value for key, value in vars(self).items() if value}


def _since(value: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(value.strip()), day_start(), tzinfo=UTC) if value else None
    except ValueError:
        return None


def _filters(user: Text = "", resident: Text = "", action: Text = "", outcome: Text = "", since: Text = "") -> Filters:
    return Filters(user, resident, action, outcome, since)


FiltersQuery = Annotated[Filters, Depends(_filters)]

_CHECK_LOCK = threading.Lock()
_CHECK_KEY = "audit.verification"


@dataclass(frozen=True)
class _Check:
    result: Verification
    whole_at: datetime
    whole_clock: float
    actions: tuple[str, ...]
    """The actions in the trail when the whole of it was last read (for the filter; refreshed with the check)."""


def chain_state(request: Request, *, whole: bool = False) -> _Check:
    """Whether the chain is intact: the whole trail if asked or due, else only the entries appended since."""
    meta = request.app.state.obs.meta
    cache: dict[str, Any] = request.app.state.cache
    with _CHECK_LOCK:
        last: _Check | None = cache.get(_CHECK_KEY)
    clock = time.monotonic()
    if whole or last is None or not last.result.ok or clock - last.whole_clock > FULL_CHECK_EVERY:
        check = _Check(verify(meta), datetime.now(UTC), clock, tuple(recorded_actions(meta)))
    else:
        check = replace(last, result=verify(meta, resume=last.result))
    with _CHECK_LOCK:
        cache[_CHECK_KEY] = check
    return check


def _pagination(path: str, filters: Filters, current: int, pages: int) -> dict[str, Any]:
    def href(number: int) -> str:
        return f"{path}?{urlencode({**filters.params(), 'page': number})}"

    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number - items[-1].get("number", number) > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == current})
    return {
        "items": items if pages > 1 else [],
        "previous": {"href": href(current - 1)} if current > 1 else None,
        "next": {"href": href(current + 1)} if current < pages else None,
    }


@page(
    router,
    "/audit",
    "audit/log.html",
    name="audit",
    summary="The audit trail, newest first, filtered; and whether its hash chain is intact",
)
def audit_log(
    request: Request,
    who: Auditor,
    filters: FiltersQuery,
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    check: Annotated[str, Query(max_length=10, description="`full` checks the whole chain now")] = "",
) -> Any:
    meta = request.app.state.obs.meta
    problems = filters.problems()
    if problems and is_api(request):
        raise ObservatoryError("; ".join(f"{field}: {problem}" for field, problem in problems.items()))
    found, total = entries(meta, filters.query(offset=(page_number - 1) * PAGE_SIZE)) if not problems else ([], 0)
    if filters.resident and not problems:
        audit_access(request, who, "audit.view", "audit", resident_id=filters.resident.strip())
    pages = max(1, math.ceil(total / PAGE_SIZE))
    state = chain_state(request, whole=check == "full")
    data = {
        "title": "Audit trail",
        "filters": vars(filters),
        "errors": problems,
        "entries": found,
        "total": total,
        "page": page_number,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "pagination": _pagination(request.url.path, filters, page_number, pages),
        "actions": sorted({*state.actions, *([filters.action] if filters.action else [])}),
        "outcomes": list(OUTCOMES),
        "verification": {
            **state.result.to_dict(),
            "checked_at": datetime.now(UTC),
            "whole_trail_checked_at": state.whole_at,
        },
        "export": "/audit/export.csv" + (f"?{urlencode(filters.params())}" if filters.params() else ""),
        "check_whole": f"/audit?{urlencode({**filters.params(), 'check': 'full'})}",
    }
    return respond(request, "audit/log.html", data, status=400) if problems else data


def _csv_lines(request: Request, filters: Filters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
    writer.writerow(CSV_COLUMNS)
    for count, entry in enumerate(iter_entries(request.app.state.obs.meta, filters.query()), start=1):
        entry["detail"] = json.dumps(entry["detail"], ensure_ascii=False, sort_keys=True) if entry["detail"] else ""
        writer.writerow(safe_row(entry[column] for column in CSV_COLUMNS))
        if count % 1_000 == 0:
            yield flush()
    yield flush()


@router.get("/audit/export.csv", name="audit.export", include_in_schema=False)
def export_csv(request: Request, who: Auditor, filters: FiltersQuery) -> StreamingResponse:
    """The entries matching the filters, oldest first, as CSV (UTF-8 with a byte order mark, formula-safe)."""
    problems = filters.problems()
    if problems:
        raise ObservatoryError("; ".join(f"{field}: {problem}" for field, problem in problems.items()))
    audit_access(
        request,
        who,
        "audit.export",
        "audit",
        resident_id=filters.resident.strip() or None,
        detail={"filters": filters.params()},
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        _csv_lines(request, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
