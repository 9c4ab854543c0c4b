"""Purpose and masking: personal data is shown only for a stated purpose, and every access is audited.

Opening a resident's single view, or unmasking personal fields anywhere, needs a purpose from the project's
list (``access.purposes`` in ``observatory.yml``); without one the request is refused (and that refusal is
audited too). ``mask`` shows a value's shape only (``Ann Smith`` → ``Xxx Xxxxx``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from observatory.config.models import PurposeSpec
from observatory.errors import AccessError
from observatory.meta.audit import AuditEvent, record
from observatory.quality.samples import mask
from observatory.web.auth import Principal

__all__ = ["audit_access", "mask", "mask_row", "require_purpose", "unmasking"]


def _purposes(request: Request) -> dict[str, PurposeSpec]:
    return {purpose.id: purpose for purpose in request.app.state.obs.project.spec.access.purposes}


def audit_access(
    request: Request,
    who: Principal,
    action: str,
    target: str,
    *,
    purpose: str | None = None,
    resident_id: str | None = None,
    outcome: str = "allowed",
    detail: dict[str, Any] | None = None,
) -> None:
    """Write one access to personal data (or a refusal) to the audit trail."""
    event = AuditEvent(
        who.username,
        who.role,
        action,
        target,
        outcome,
        purpose=purpose,
        resident_id=resident_id,
        detail=detail or {},
    )
    record(request.app.state.obs.meta, event)


def require_purpose(
    request: Request,
    who: Principal,
    purpose: str | None,
    *,
    action: str,
    target: str,
    resident_id: str | None = None,
) -> PurposeSpec:
    """The chosen purpose, or a refusal (audited) when none, or an unknown one, was given."""
    known = _purposes(request)
    chosen = known.get(purpose or "")
    if chosen is None:
        audit_access(
            request,
            who,
            action,
            target,
            purpose=purpose or None,
            resident_id=resident_id,
            outcome="refused",
            detail={"reason": "no purpose" if not purpose else "unknown purpose"},
        )
        listed = ", ".join(known)
        raise AccessError(f"Choose why you need to see this personal data (one of: {listed}).", code="purpose_required")
    return chosen


def unmasking(
    request: Request, who: Principal, unmask: bool, purpose: str | None, *, target: str, fields: list[str]
) -> bool:
    """Whether personal ``fields`` of ``target`` are shown unmasked: only when asked for, allowed for the role,
    and with a purpose; the unmasking is audited. Asking without the right or a purpose is refused."""
    if not unmask:
        return False
    if not who.allows("personal.unmask"):
        audit_access(request, who, "personal.unmask", target, outcome="refused", detail={"reason": "role"})
        raise AccessError(f"Your role ({who.role}) cannot unmask personal fields.")
    chosen = require_purpose(request, who, purpose, action="personal.unmask", target=target)
    audit_access(request, who, "personal.unmask", target, purpose=chosen.id, detail={"fields": fields})
    return True


def mask_row(row: dict[str, Any], personal: set[str], unmasked: bool) -> dict[str, Any]:
    """``row`` with its personal fields masked (as text) unless ``unmasked``."""
    if unmasked:
        return row
    return {
        key: (mask(None if value is None else str(value)) if key in personal else value) for key, value in row.items()
    }
