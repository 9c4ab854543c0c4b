"""``observatory catalogue``: find data, see who owns it and how good it is, edit it, trace it, export the register."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from observatory.catalogue.edits import edit_asset, history, mark_reviewed
from observatory.catalogue.lineage import Direction, impact, lineage, mermaid, render_impact, render_tree
from observatory.catalogue.populate import populate
from observatory.catalogue.records import AssetRecord
from observatory.catalogue.register import REGISTER_FIELDS
from observatory.catalogue.review import reviews_due
from observatory.catalogue.search import SearchFilters, search
from observatory.catalogue.store import get_asset, list_assets
from observatory.cli.catalogue_export import export_command
from observatory.cli.options import ByOption, JsonOption, ProjectOption, who
from observatory.cli.output import console, emit, print_lines, user_errors
from observatory.errors import ObservatoryError
from observatory.platform import Observatory

catalogue_app = typer.Typer(
    help="The catalogue: what the council holds, who owns it, how good it is, where it comes from, what uses it.",
    no_args_is_help=True,
)
catalogue_app.command("export")(export_command)


class KindChoice(StrEnum):
    source = "source"
    file = "file"
    dataset = "dataset"
    field = "field"
    term = "term"
    report = "report"
    kpi = "kpi"
    output = "output"


class ClassificationChoice(StrEnum):
    official = "OFFICIAL"
    official_sensitive = "OFFICIAL-SENSITIVE"


def _yes(value: object) -> str:
    return "yes" if value else "no"


@catalogue_app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Words to find (each matches as a prefix); '' lists everything.")],
    kind: Annotated[KindChoice | None, typer.Option(help="Only assets of this kind.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only assets with this owner.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="Only assets of this business area.")] = None,
    classification: Annotated[ClassificationChoice | None, typer.Option(help="Only this classification.")] = None,
    layer: Annotated[
        str | None, typer.Option(help="Only assets of this warehouse layer (raw, standard, linked...).")
    ] = None,
    personal: Annotated[
        bool | None,
        typer.Option("--personal/--not-personal", help="Only assets that hold (or do not hold) personal data."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many results.", min=1, max=500)] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many results first (for paging).", min=0)] = 0,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Search titles, descriptions, field names and glossary terms, best match first."""
    filters = SearchFilters(
        kind=kind.value if kind else None,
        owner=owner,
        business_area=area,
        classification=classification.value if classification else None,
        layer=layer,
        personal=personal,
    )
    with user_errors(as_json), Observatory.open(project) as obs:
        results = search(obs.meta, query, filters, limit=limit, offset=offset)
    emit(results.to_dict(), as_json, lambda: _render_search(results.to_dict()))


def _render_search(results: dict[str, Any]) -> None:
    hits = results["hits"]
    if not hits:
        console.print("Nothing found. Try fewer or shorter words, or drop a filter.")
        return
    table = Table(title=f"{results['total']:,} found", title_justify="left")
    for column in ("id", "title", "owner", "classification", "personal", "matched"):
        table.add_column(column)
    for hit in hits:
        table.add_row(
            escape(hit["id"]),
            escape(hit["title"]),
            escape(hit["owner"]),
            hit["classification"],
            _yes(hit["personal"]),
            escape(hit["snippet"]),
        )
    console.print(table)


@catalogue_app.command("show")
def show_command(
    asset_id: Annotated[
        str, typer.Argument(help="The asset's id, e.g. dataset.asc.clients or field.asc.clients.nhs_number.")
    ],
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Show an asset: description, owner, register entries, data dictionary, quality, lineage and edit history."""
    with user_errors(as_json), Observatory.open(project) as obs:
        asset = get_asset(obs.meta, asset_id)
        fields = list_assets(obs.meta, kind="field", parent_id=asset_id) if asset.kind == "dataset" else []
        fields.sort(key=lambda f: (int(f.facts.get("position", 0)), f.id))
        terms = [t for t in list_assets(obs.meta, kind="term") if asset_id in t.register.get("links", [])]
        graph = lineage(obs.meta, asset_id, direction="both", depth=1)
        edits = history(obs.meta, asset_id, limit=20)
    data = {
        **asset.to_dict(),
        "fields": [f.to_dict() for f in fields],
        "terms": [{"id": t.id, "title": t.title, "definition": t.description} for t in terms],
        "lineage": graph.to_dict(),
        "history": [e.to_dict() for e in edits],
    }
    emit(data, as_json, lambda: _render_show(asset, fields, data))


def _render_show(asset: AssetRecord, fields: list[AssetRecord], data: dict[str, Any]) -> None:
    console.print(f"[bold]{escape(asset.title or asset.name)}[/]  ({escape(asset.id)}, {asset.kind})", highlight=False)
    if asset.description:
        console.print(escape(asset.description), highlight=False)
    if not asset.present:
        console.print("[yellow]No longer present in the project: kept for its history.[/]")
    facts = asset.facts
    if asset.kind == "dataset":
        quality = facts.get("quality") or {}
        score = f"{quality['score']:.1%}" if quality.get("score") is not None else "not measured"
        rows = f"{facts['rows']:,}" if facts.get("rows") is not None else "not built yet"
        console.print(
            f"Table {facts.get('table')}: {rows} rows, refreshed {facts.get('refreshed_at') or 'never'}; "
            f"quality {score}, confidence {quality.get('confidence', 'unknown')}",
            highlight=False,
        )
        if quality.get("statement"):
            console.print(escape(quality["statement"]), highlight=False)
        if facts.get("problem"):
            console.print(f"[yellow]Catalogued from its contract only:[/] {escape(facts['problem'])}", highlight=False)
    if asset.in_register:
        register = Table(title="Information asset register", title_justify="left", show_header=False)
        register.add_column("field")
        register.add_column("value")
        for spec in REGISTER_FIELDS:
            value = asset.register.get(spec.name)
            edited = spec.name in asset.declared and asset.declared.get(spec.name) != value
            shown = ", ".join(value) if isinstance(value, list) else _yes(value) if isinstance(value, bool) else value
            register.add_row(
                spec.label, escape(str(shown if shown not in (None, "") else "—")) + (" (edited)" if edited else "")
            )
        console.print(register)
    elif asset.kind == "field":
        example = asset.register.get("example")
        console.print(
            f"Type {facts.get('standard_type') or facts.get('type')}; personal: {_yes(asset.personal)}; "
            f"critical: {_yes(facts.get('critical'))}; example: {escape(str(example)) if example else '—'}",
            highlight=False,
        )
        for measure in facts.get("quality") or []:
            share = measure["passed"] / measure["total"] if measure["total"] else None
            console.print(
                f"  {measure['dimension']}: {share:.1%}" if share is not None else f"  {measure['dimension']}: —"
            )
    if fields:
        dictionary = Table(title="Data dictionary", title_justify="left")
        for column in ("field", "type", "description", "critical", "personal", "example"):
            dictionary.add_column(column)
        for f in fields:
            dictionary.add_row(
                escape(f.name),
                str(f.facts.get("standard_type") or f.facts.get("type") or ""),
                escape(f.description),
                _yes(f.facts.get("critical")),
                _yes(f.personal),
                escape(str(f.register.get("example") or "")),
            )
        console.print(dictionary)
    for term in data["terms"]:
        console.print(f"Glossary: [bold]{escape(term['title'])}[/]: {escape(term['definition'])}", highlight=False)
    lineage_data = data["lineage"]
    ups = [n["id"] for n in lineage_data["nodes"] if n["depth"] < 0]
    downs = [n["id"] for n in lineage_data["nodes"] if n["depth"] > 0]
    console.print(f"Made from: {escape(', '.join(ups)) or '—'}", highlight=False)
    console.print(f"Used by: {escape(', '.join(downs)) or '—'}", highlight=False)
    for edit in data["history"][:5]:
        console.print(
            f"  {edit['edited_at'][:16]} {escape(edit['edited_by'])} {edit['action']} {edit['field']}: "
            f"{escape(str(edit['before']))} → {escape(str(edit['after']))}",
            highlight=False,
        )


@catalogue_app.command("edit", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def edit_command(
    ctx: typer.Context,
    asset_id: Annotated[str, typer.Argument(help="The asset to change.")],
    by: ByOption = None,
    note: Annotated[str, typer.Option(help="Why, for whoever reads the history.")] = "",
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Change an asset's description or register entries: --FIELD VALUE for each; an empty VALUE resets it.

    Datasets: --title --description --business-area --information-asset-owner --steward --purpose --location
    --classification --access-rights --personal-data --special-category --data-subjects --lawful-basis
    --special-category-condition --retention-period --disposal --refresh-frequency --criticality --risk-rating
    --publication-status --keywords.

    Fields: --title --description --example. Terms: --title --description --owner --synonyms --links
    (editing a term.ID that does not exist adds it to the glossary).

    Every change is recorded (who, when, before, after), and a rebuild keeps it.
    """
    with user_errors(as_json), Observatory.open(project) as obs:
        changes = _changes(ctx.args)
        records = edit_asset(obs.meta, asset_id, changes, by=who(by), note=note)
    edits = [r.to_dict() for r in records]
    emit({"asset": asset_id, "edits": edits}, as_json, lambda: _render_edits(asset_id, edits))


def _changes(args: list[str]) -> dict[str, str]:
    """``--field value`` pairs from the command line."""
    changes: dict[str, str] = {}
    index = 0
    while index < len(args):
        flag = args[index]
        if not flag.startswith("--"):
            raise ObservatoryError(f"expected --FIELD VALUE, got {flag!r}")
        name, equals, value = flag[2:].partition("=")
        if not equals:
            if index + 1 >= len(args):
                raise ObservatoryError(f"{flag} needs a value (use '' to reset it)")
            index += 1
            value = args[index]
        changes[name.replace("-", "_")] = value
        index += 1
    return changes


def _render_edits(asset_id: str, edits: list[dict[str, Any]]) -> None:
    if not edits:
        console.print(f"{escape(asset_id)}: nothing changed (the values were already so).", highlight=False)
    for edit in edits:
        console.print(
            f"{escape(asset_id)}: {edit['field']} {escape(str(edit['before']))} → {escape(str(edit['after']))} "
            f"({edit['action']} by {escape(edit['edited_by'])})",
            highlight=False,
        )


@catalogue_app.command("lineage")
def lineage_command(
    asset_id: Annotated[str, typer.Argument(help="The asset to trace.")],
    upstream: Annotated[bool, typer.Option("--upstream", help="Only where it comes from.")] = False,
    downstream: Annotated[bool, typer.Option("--downstream", help="Only what is made from it.")] = False,
    depth: Annotated[int | None, typer.Option(help="At most this many steps.", min=1)] = None,
    show_impact: Annotated[bool, typer.Option("--impact", help="What a change to it could break, by kind.")] = False,
    as_mermaid: Annotated[bool, typer.Option("--mermaid", help="Print a Mermaid flowchart.")] = False,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Where an asset comes from and what depends on it (dataset level, and field level where derivable)."""
    if upstream and downstream:
        upstream = downstream = False
    direction: Direction = "upstream" if upstream else "downstream" if downstream else "both"
    with user_errors(as_json), Observatory.open(project) as obs:
        if show_impact:
            found = impact(obs.meta, asset_id)
            emit(found.to_dict(), as_json, lambda: print_lines(render_impact(found)))
            return
        graph = lineage(obs.meta, asset_id, direction=direction, depth=depth)
    if as_mermaid and not as_json:
        typer.echo(mermaid(graph))
        return
    emit(graph.to_dict(), as_json, lambda: print_lines(render_tree(graph)))


@catalogue_app.command("review")
def review_command(
    mark: Annotated[str | None, typer.Option("--mark", help="Record that you reviewed this asset today.")] = None,
    within: Annotated[int, typer.Option("--within", help="Also list reviews due within this many days.", min=0)] = 0,
    by: ByOption = None,
    note: Annotated[str, typer.Option(help="What the review found.")] = "",
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """List information assets whose annual review is overdue (or never done); --mark ID records a review."""
    with user_errors(as_json), Observatory.open(project) as obs:
        if mark is not None:
            record = mark_reviewed(
                obs.meta, mark, by=who(by), review_months=obs.project.spec.catalogue.review_months, note=note
            )
            emit(
                record.to_dict(),
                as_json,
                lambda: console.print(f"{escape(mark)} reviewed by {escape(record.edited_by)}.", highlight=False),
            )
            return
        due = reviews_due(obs.meta, today=datetime.now(UTC).date(), within_days=within)
    data = {"due": [d.to_dict() for d in due]}
    emit(data, as_json, lambda: _render_due(data["due"]))


def _render_due(due: list[dict[str, Any]]) -> None:
    if not due:
        console.print("Every information asset has been reviewed within its cycle.")
        return
    table = Table(title=f"{len(due)} review{'s' if len(due) != 1 else ''} due", title_justify="left")
    for column in ("asset", "title", "owner", "last review", "due", "status"):
        table.add_column(column)
    for item in due:
        status = item["status"] + (f" ({item['days_overdue']} days)" if item["status"] == "overdue" else "")
        table.add_row(
            escape(item["id"]),
            escape(item["title"]),
            escape(item["owner"]),
            item["last_reviewed"] or "never",
            item["next_review_due"] or "now",
            status,
        )
    console.print(table)


@catalogue_app.command("refresh")
def refresh_command(project: ProjectOption = Path(), as_json: JsonOption = False) -> None:
    """Repopulate the catalogue from the project and the warehouse now (every build does this last)."""
    with user_errors(as_json), Observatory.open(project) as obs:
        report = populate(obs)
    data = report.to_dict()
    emit(
        data,
        as_json,
        lambda: console.print(
            f"Catalogued {sum(report.assets.values()):,} assets and {report.edges:,} lineage edges "
            f"in {report.seconds:.1f} s.",
            highlight=False,
        ),
    )
