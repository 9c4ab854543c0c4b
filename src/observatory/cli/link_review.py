"""``observatory link review``: list the pairs waiting for a person, show one side by side, decide it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from observatory.cli.options import JsonOption, ProjectOption, who
from observatory.cli.output import console, emit, user_errors
from observatory.errors import ObservatoryError
from observatory.linkage.review import count_queue, decide, get_item, list_queue
from observatory.linkage.tables import LAYER, PERSON_RECORDS
from observatory.platform import Observatory

review_app = typer.Typer(
    help="Review the record pairs the linkage model was unsure about: list them, compare the records, decide.",
    no_args_is_help=True,
)


class StatusChoice(StrEnum):
    open = "open"
    decided = "decided"
    withdrawn = "withdrawn"
    all = "all"


class DecisionChoice(StrEnum):
    match = "match"
    not_match = "not-match"
    skip = "skip"


def _probability(value: object) -> str:
    return f"{float(value):.3f}" if isinstance(value, int | float) else ""


def _weight(value: object) -> str:
    return f"{float(value):+.2f}" if isinstance(value, int | float) else ""


@review_app.command("list")
def list_items(
    status: Annotated[StatusChoice, typer.Option(help="Which items to list.")] = StatusChoice.open,
    limit: Annotated[int, typer.Option(help="At most this many items.", min=1)] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many items first (for paging).", min=0)] = 0,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """List review items, the most probable match first."""
    with user_errors(as_json), Observatory.open(project) as obs:
        items = list_queue(obs.meta, status.value, limit=limit, offset=offset)
        counts = count_queue(obs.meta)
    data = {"counts": counts, "items": items}
    emit(data, as_json, lambda: _render_list(items, counts, status.value))


def _render_list(items: list[dict[str, Any]], counts: dict[str, int], status: str) -> None:
    console.print(", ".join(f"{count:,} {name}" for name, count in counts.items()), highlight=False)
    if not items:
        console.print("No open items in the review queue." if status == "open" else f"No {status} items.")
        return
    table = Table()
    for column in ("id", "left record", "right record", "probability", "weight"):
        table.add_column(column, justify="right" if column in ("id", "probability", "weight") else "left")
    if status == "all":
        table.add_column("status")
    for item in items:
        cells = [
            str(item["id"]),
            escape(str(item["unique_id_l"])),
            escape(str(item["unique_id_r"])),
            _probability(item["match_probability"]),
            _weight(item["match_weight"]),
        ]
        table.add_row(*cells, *([str(item["status"])] if status == "all" else []))
    console.print(table)


def _records(obs: Observatory, unique_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The person records with these ids from ``linked.person_records``, by id."""
    if not obs.engine.exists(LAYER, PERSON_RECORDS):
        raise ObservatoryError(f"{LAYER}.{PERSON_RECORDS} does not exist: run `observatory link` first")
    table = obs.engine.table(LAYER, PERSON_RECORDS)
    rows = obs.engine.to_arrow(table.filter(table.unique_id.isin(unique_ids))).to_pylist()
    return {str(row["unique_id"]): row for row in rows}


def _explanation(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The explanation rows, largest effect first."""
    return sorted(item["explanation"], key=lambda row: abs(float(row["match_weight"])), reverse=True)


@review_app.command()
def show(
    item_id: Annotated[int, typer.Argument(help="The review item's id (from `list`).")],
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Show a pair side by side: both records' values and how each comparison weighed in."""
    with user_errors(as_json), Observatory.open(project) as obs:
        item: dict[str, Any] = get_item(obs.meta, item_id)
        found = _records(obs, [item["unique_id_l"], item["unique_id_r"]])
    data = {
        "item": item,
        "records": {"left": found.get(item["unique_id_l"]), "right": found.get(item["unique_id_r"])},
        "explanation": _explanation(item),
        "total_match_weight": item["match_weight"],
    }
    emit(data, as_json, lambda: _render_show(data))


def _render_show(data: dict[str, Any]) -> None:
    item, left, right = data["item"], data["records"]["left"], data["records"]["right"]
    console.print(
        f"Item {item['id']} ({item['status']}): probability {_probability(item['match_probability'])}, "
        f"match weight {_weight(item['match_weight'])}",
        highlight=False,
    )
    records = Table(title="Records", caption="Values that differ are in yellow.")
    records.add_column("field")
    records.add_column(escape(item["unique_id_l"]))
    records.add_column(escape(item["unique_id_r"]))
    fields = [name for name in dict.fromkeys([*(left or {}), *(right or {})]) if name != "unique_id"]
    for name in fields:
        values = [None if record is None else record.get(name) for record in (left, right)]
        shown = ["" if value is None else escape(str(value)) for value in values]
        differs = None not in values and values[0] != values[1]
        records.add_row(name, *shown, style="yellow" if differs else None)
    if left is None or right is None:
        missing = [uid for uid, record in ((item["unique_id_l"], left), (item["unique_id_r"], right)) if record is None]
        console.print(f"[yellow]Not in {LAYER}.{PERSON_RECORDS}:[/] {escape(', '.join(missing))}")
    if left is not None or right is not None:
        console.print(records)
    weights = Table(title="How each comparison weighed in")
    for column in ("comparison", "level", "match weight"):
        weights.add_column(column, justify="right" if column == "match weight" else "left")
    listed = 0.0
    for row in data["explanation"]:
        listed += float(row["match_weight"])
        weights.add_row(escape(str(row["comparison"])), escape(str(row["level"])), _weight(row["match_weight"]))
    total = float(data["total_match_weight"])
    if abs(total - listed) > 0.005:
        weights.add_row("prior and unlisted", "", _weight(total - listed))
    weights.add_row("[bold]total[/]", "", f"[bold]{_weight(total)}[/]")
    console.print(weights)
    for decision in item["decisions"]:
        note = f": {escape(decision['note'])}" if decision["note"] else ""
        console.print(
            f"{decision['decided_at'][:19].replace('T', ' ')} {decision['decision']} "
            f"by {escape(decision['decided_by'])}{note}",
            highlight=False,
        )


@review_app.command("decide")
def decide_item(
    item_id: Annotated[int, typer.Argument(help="The review item's id (from `list`).")],
    decision: Annotated[DecisionChoice, typer.Argument(help="Same person, different people, or not sure.")],
    by: Annotated[str | None, typer.Option("--by", help="Who decided (default: your login name).")] = None,
    note: Annotated[str, typer.Option("--note", help="Why, for whoever reads the decision later.")] = "",
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Decide a pair: match and not-match bind the next `observatory link` run; skip leaves it open."""
    with user_errors(as_json), Observatory.open(project) as obs:
        person = who(by)
        item = decide(obs.meta, item_id, decision.value.replace("-", "_"), person, note)
    emit(
        item,
        as_json,
        lambda: console.print(
            f"Item {item_id}: {decision.value} by {escape(person)} (now {item['status']}).", highlight=False
        ),
    )
