"""``observatory audit``: verify the hash-chained audit trail and read it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from observatory.cli.options import JsonOption, ProjectOption
from observatory.cli.output import console, emit, user_errors
from observatory.errors import ObservatoryError
from observatory.meta.audit import AuditQuery, Verification, entries, verify
from observatory.platform import Observatory

audit_app = typer.Typer(
    help="The audit trail: every access to personal data and every governance change, hash-chained.",
    no_args_is_help=True,
)


class OutcomeChoice(StrEnum):
    allowed = "allowed"
    refused = "refused"
    failed = "failed"


def _render_verification(result: Verification) -> None:
    if result.ok:
        console.print(f"The audit trail is intact: {result.entries:,} entries.", highlight=False)
        console.print(f"Head hash (keep it elsewhere to detect entries removed later): {result.head}", highlight=False)
        return
    console.print(f"[bold red]The audit trail has been tampered with[/] at entry {result.first_bad}: {result.problem}.")
    console.print(
        f"The {result.entries:,} entries before it are intact; their last hash is {result.head}.", highlight=False
    )


@audit_app.command("verify")
def verify_command(
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            help="A head hash printed by an earlier verify: fail if no entry has it any more "
            "(entries removed from the end).",
        ),
    ] = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Recompute every hash of the trail. Exit 0 when intact; exit 1 naming the first entry that was changed,
    removed, inserted or reordered."""
    with user_errors(as_json), Observatory.open(project) as obs:
        result = verify(obs.meta, anchor=head.strip().lower() if head else None)
    emit(result.to_dict(), as_json, lambda: _render_verification(result))
    if not result.ok:
        raise typer.Exit(1)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ObservatoryError(f"--since {value!r}: give a date as YYYY-MM-DD") from None
    return datetime.combine(day, time(), tzinfo=UTC)


def _detail(entry: dict[str, Any]) -> str:
    detail = entry["detail"]
    return json.dumps(detail, ensure_ascii=False, separators=(", ", ": ")) if detail else ""


def _render_entries(found: list[dict[str, Any]], total: int) -> None:
    if not found:
        console.print("No audit entries match.")
        return
    table = Table("#", "when (UTC)", "who", "action", "target", "resident", "purpose", "outcome", "detail")
    for entry in found:
        table.add_row(
            str(entry["seq"]),
            entry["at"][:19].replace("T", " "),
            f"{escape(entry['actor'])} ({escape(entry['role'])})",
            escape(entry["action"]),
            escape(entry["target"]),
            escape(entry["resident_id"] or ""),
            escape(entry["purpose"] or ""),
            entry["outcome"],
            escape(_detail(entry)),
        )
    console.print(table)
    console.print(f"{len(found):,} of {total:,} matching entries, newest first.", highlight=False)


@audit_app.command("show")
def show_command(
    user: Annotated[str | None, typer.Option("--user", help="Only entries by this user name.")] = None,
    resident: Annotated[str | None, typer.Option("--resident", help="Only entries about this resident_id.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action (e.g. resident.view, user.role).")
    ] = None,
    outcome: Annotated[OutcomeChoice | None, typer.Option("--outcome", help="Only this outcome.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only entries on or after this date (YYYY-MM-DD, UTC).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries.", min=1, max=1000)] = 50,
    offset: Annotated[
        int, typer.Option("--offset", help="Skip this many of the newest first (for paging).", min=0)
    ] = 0,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Show audit entries, newest first: who did what, to what or whom, for which purpose, allowed or refused."""
    with user_errors(as_json), Observatory.open(project) as obs:
        query = AuditQuery(
            actor=user,
            resident_id=resident,
            action=action,
            outcome=outcome.value if outcome else None,
            since=_since(since),
            limit=limit,
            offset=offset,
        )
        found, total = entries(obs.meta, query)
    emit({"total": total, "entries": found}, as_json, lambda: _render_entries(found, total))
