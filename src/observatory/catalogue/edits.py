"""People's edits to the catalogue: validated, applied at once, logged (who, when, before, after) and kept.

A rebuild recomputes what YAML and the warehouse say, then applies the latest edit of every
(asset, field) on top (``apply_edits``), so nothing a person wrote is ever overwritten. ``reset``
drops a person's value so that the YAML (or derived) value shows again. Marking an asset reviewed
is an edit too (``action = "review"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import EDITABLE, parse_value
from observatory.catalogue.store import get_asset, save_asset
from observatory.errors import NotFoundError, ObservatoryError
from observatory.meta.audit import CLI_ROLE, AuditEvent
from observatory.meta.models import CatalogueEdit
from observatory.meta.store import MetaStore


@dataclass(frozen=True)
class EditRecord:
    """One logged change."""

    id: int
    asset_id: str
    field: str
    action: str
    before: Any
    after: Any
    edited_by: str
    edited_at: datetime
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "edited_at": self.edited_at.isoformat()}

    @classmethod
    def from_row(cls, row: CatalogueEdit) -> EditRecord:
        return cls(
            row.id, row.asset_id, row.field, row.action, row.before, row.after, row.edited_by, row.edited_at, row.note
        )


def editable_fields(kind: str) -> tuple[str, ...]:
    """What a person may edit on an asset of ``kind``."""
    return EDITABLE.get(kind, ("title", "description"))


def edit_asset(
    meta: MetaStore, asset_id: str, changes: dict[str, str], *, by: str, note: str = "", role: str = CLI_ROLE
) -> list[EditRecord]:
    """Apply ``changes`` (field → text as typed) to an asset; all are checked before any is applied, and the
    change and its log are written together. An empty text resets the field to its YAML or derived value.
    Editing a ``term.<id>`` that does not exist adds it to the glossary (it needs a title and a description).
    The change is written to the audit trail with ``by`` and ``role`` in the same transaction."""
    if not by.strip():
        raise ObservatoryError("an edit needs the name of who made it")
    if not changes:
        raise ObservatoryError(f"nothing to change on {asset_id}; name a field, e.g. --description 'text'")
    asset, new = _asset_or_new_term(meta, asset_id, changes)
    allowed = editable_fields(asset.kind)
    problems = [
        f"{name} cannot be edited on a {asset.kind} (editable: {', '.join(allowed)})"
        for name in changes
        if name not in allowed
    ]
    if problems:
        raise ObservatoryError("; ".join(problems))
    if "example" in changes and (asset.personal or asset.special_category) and changes["example"].strip():
        raise ObservatoryError(
            f"{asset_id} holds personal data: its example would be shown to everyone, so it has none"
        )
    values = {name: (parse_value(name, text) if text.strip() else None) for name, text in changes.items()}
    for link in values.get("links") or []:
        if not link.startswith("kpi."):
            get_asset(meta, link)  # a link must name an asset of the catalogue
    now = datetime.now(UTC)
    logged = []
    for name, value in values.items():
        before = None if new else current_value(asset, name)
        after = asset.declared.get(name) if value is None else value
        if after == before:
            continue
        asset.set(name, after)
        logged.append(
            CatalogueEdit(
                asset_id=asset_id,
                field=name,
                action="reset" if value is None else "edit",
                before=before,
                after=after,
                edited_by=by,
                edited_at=now,
                note=note,
            )
        )
    if logged:
        changed = {row.field: {"before": row.before, "after": row.after} for row in logged}
        event = AuditEvent(by, role, "catalogue.edit", asset_id, detail={"fields": changed, "note": note})
        save_asset(meta, asset, logged, new=new, audit=event)
    return [EditRecord.from_row(row) for row in logged]


def _asset_or_new_term(meta: MetaStore, asset_id: str, changes: dict[str, str]) -> tuple[AssetRecord, bool]:
    try:
        return get_asset(meta, asset_id), False
    except NotFoundError:
        if not asset_id.startswith("term.") or not asset_id[5:]:
            raise
    if not (changes.get("title", "").strip() and changes.get("description", "").strip()):
        raise ObservatoryError(f"{asset_id} is a new glossary term: give it a --title and a --description")
    name = asset_id[5:]
    return AssetRecord(asset_id, "term", name, register={"synonyms": [], "links": []}), True


def mark_reviewed(
    meta: MetaStore,
    asset_id: str,
    *,
    by: str,
    review_months: int,
    on: date | None = None,
    note: str = "",
    role: str = CLI_ROLE,
) -> EditRecord:
    """Record that a steward reviewed an information asset; the next review falls ``review_months`` later."""
    if not by.strip():
        raise ObservatoryError("a review needs the name of who made it")
    asset = get_asset(meta, asset_id)
    if not asset.in_register or not asset.present:
        raise ObservatoryError(f"{asset_id} is not an information asset of the register; only those are reviewed")
    when = on or datetime.now(UTC).date()
    before = asset.last_reviewed.isoformat() if asset.last_reviewed else None
    asset.last_reviewed = when
    asset.next_review_due = when + relativedelta(months=review_months)
    asset.register["last_reviewed"] = when.isoformat()
    asset.register["next_review_due"] = asset.next_review_due.isoformat()
    row = CatalogueEdit(
        asset_id=asset_id,
        field="last_reviewed",
        action="review",
        before=before,
        after=when.isoformat(),
        edited_by=by,
        edited_at=datetime.now(UTC),
        note=note,
    )
    event = AuditEvent(by, role, "catalogue.review", asset_id, detail={"reviewed_on": when.isoformat(), "note": note})
    save_asset(meta, asset, [row], audit=event)
    return EditRecord.from_row(row)


def current_value(asset: AssetRecord, name: str) -> Any:
    """The value a field shows now."""
    if name in asset.register:
        return asset.register[name]
    return getattr(asset, name, None)


def history(meta: MetaStore, asset_id: str | None = None, *, limit: int | None = None) -> list[EditRecord]:
    """Logged edits and reviews, newest first, of one asset or of all."""
    query = select(CatalogueEdit).order_by(CatalogueEdit.id.desc())
    if asset_id is not None:
        query = query.where(CatalogueEdit.asset_id == asset_id)
    if limit is not None:
        query = query.limit(limit)
    with meta.session() as session:
        return [EditRecord.from_row(row) for row in session.scalars(query)]


def latest_edits(meta: MetaStore) -> dict[str, dict[str, Any]]:
    """Asset id → field → the value a person set last (fields whose latest edit is a reset are left out)."""
    found: dict[str, dict[str, Any]] = {}
    reset: set[tuple[str, str]] = set()
    for edit in history(meta):
        key = (edit.asset_id, edit.field)
        if key in reset or edit.field in found.get(edit.asset_id, {}):
            continue
        if edit.action == "reset":
            reset.add(key)
        elif edit.action == "edit":
            found.setdefault(edit.asset_id, {})[edit.field] = edit.after
    return found


def latest_reviews(meta: MetaStore) -> dict[str, date]:
    """Asset id → the date of its latest recorded review."""
    found: dict[str, date] = {}
    for edit in history(meta):
        if edit.action == "review" and edit.asset_id not in found and edit.after:
            found[edit.asset_id] = date.fromisoformat(edit.after)
    return found


def apply_edits(asset: AssetRecord, edits: dict[str, Any]) -> None:
    """Put a person's values over what population derived."""
    for name, value in edits.items():
        asset.set(name, value)
