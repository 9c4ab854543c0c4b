"""``observatory link``: build the linked layer; ``evaluate``, ``explain`` and ``review`` it."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import altair as alt
import typer
from rich.table import Table

from observatory.cli.link_review import review_app
from observatory.cli.options import JsonOption, ProjectOption
from observatory.cli.output import console, emit, user_errors
from observatory.errors import ObservatoryError
from observatory.linkage.evaluate import evaluate_linked, format_evaluation
from observatory.linkage.explain import explain_pair, explain_resident, waterfall_chart
from observatory.linkage.records import unmatched_addresses
from observatory.linkage.run import LinkReport, link
from observatory.platform import Observatory

link_app = typer.Typer(invoke_without_command=True)
link_app.add_typer(review_app, name="review")


@link_app.callback()
def run(
    ctx: typer.Context,
    project: ProjectOption = Path(),
    retrain: Annotated[bool, typer.Option("--retrain", help="Train the model again instead of reusing it.")] = False,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental", help="Link only records new since the last run to the existing residents (no rescoring)."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Link records about the same resident and household across systems (the linked layer).

    Matches addresses to UPRNs, scores record pairs with the saved model (trained on first use), clusters
    them into residents with stable ids, builds golden records and households, and queues uncertain pairs
    for review. Subcommands evaluate, explain and review it."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors(as_json), Observatory.open(project) as obs, console.status("Linking") as status:
        report = link(
            obs, retrain=retrain or None, incremental=incremental, step=lambda name: status.update(f"Linking: {name}")
        )
    emit(report.to_dict(), as_json, lambda: render_link(report))


def render_link(report: LinkReport) -> None:
    console.print(f"Model: {report.model} ({report.model_path})")
    records = sum(report.records.values())
    console.print(f"Records: {records:,} from {len(report.records)} datasets")
    for dataset, count in report.records_without_key.items():
        console.print(f"  [yellow]{dataset}: {count:,} rows have no key and are left out[/]", highlight=False)
    addresses = ", ".join(f"{count:,} {status}" for status, count in report.addresses.items())
    console.print(f"Addresses: {addresses}")
    console.print(f"Pairs scored: {report.pairs:,}")
    console.print(f"Residents: {report.residents:,}; households: {report.households:,}")
    changes = ", ".join(f"{count:,} {kind}" for kind, count in report.id_changes.items()) or "none"
    console.print(f"Resident id changes: {changes}")
    review = report.review
    console.print(
        f"Review queue: {review.get('queued', 0):,} queued, {review.get('kept', 0):,} still open, "
        f"{review.get('withdrawn', 0):,} withdrawn"
    )
    console.print(f"Linked in {sum(report.seconds.values()):.1f} s.")


@link_app.command()
def evaluate(project: ProjectOption = Path(), as_json: JsonOption = False) -> None:
    """Compare the linked layer with the demo council's ground truth.

    Prints pairwise and B-cubed precision and recall, household accuracy and UPRN match rate."""
    with user_errors(as_json), Observatory.open(project) as obs:
        evaluation = evaluate_linked(obs.engine, obs.root / "ground_truth")
    emit(evaluation.to_dict(), as_json, lambda: _render_rows("Linkage against the ground truth", evaluation))


def _render_rows(title: str, evaluation: Any) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in format_evaluation(evaluation):
        table.add_row(label, value)
    console.print(table)


class AddressStatus(StrEnum):
    ambiguous = "ambiguous"
    unmatched = "unmatched"
    both = "both"


@link_app.command()
def addresses(
    status: Annotated[
        AddressStatus, typer.Option("--status", help="Which addresses to list.", case_sensitive=False)
    ] = AddressStatus.both,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most addresses to list.")] = 50,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """List the addresses that matched no gazetteer property, or more than one, for stewards to fix.

    The most common first: one fix in the source (or the gazetteer) mends every record written that way."""
    statuses = ["ambiguous", "unmatched"] if status is AddressStatus.both else [status.value]
    with user_errors(as_json), Observatory.open(project) as obs:
        data = unmatched_addresses(obs.engine, statuses, limit)
    emit(data, as_json, lambda: _render_addresses(data))


def _render_addresses(data: dict[str, Any]) -> None:
    console.print(", ".join(f"{count:,} {name}" for name, count in data["counts"].items()) or "Every address matched.")
    table = Table()
    for column in ("status", "address", "postcode", "records", "datasets", "best score"):
        table.add_column(column, justify="right" if column in ("records", "best score") else "left")
    for row in data["addresses"]:
        score = "" if row["score"] is None else f"{row['score']:.1f}"
        table.add_row(
            row["status"], row["address"] or "", row["postcode"] or "", f"{row['records']:,}", row["datasets"], score
        )
    if data["addresses"]:
        console.print(table)


@link_app.command()
def explain(
    records: Annotated[
        list[str] | None, typer.Argument(help="Two record ids (source.dataset:key) to explain as a pair.")
    ] = None,
    resident: Annotated[
        str | None, typer.Option("--resident", help="Explain every scored pair of this resident_id.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the waterfall chart (.html, or .json: Vega-Lite).")
    ] = None,
    project: ProjectOption = Path(),
    as_json: JsonOption = False,
) -> None:
    """Show how each comparison moved a pair's match weight (a pair of records, or every pair of a resident)."""
    with user_errors(as_json), Observatory.open(project) as obs:
        if resident is not None and not records:
            data = explain_resident(obs.engine, obs.root, resident)
            pairs = data["pairs"]
        elif resident is None and records is not None and len(records) == 2:
            data = explain_pair(obs.engine, obs.root, records[0], records[1])
            pairs = [data]
        else:
            raise ObservatoryError("give two record ids, or --resident RESIDENT_ID")
        if chart is not None:
            _write_chart(pairs, chart)
    emit(data, as_json, lambda: _render_explanation(data, pairs))


def _write_chart(pairs: list[dict[str, Any]], path: Path) -> None:
    if not pairs:
        raise ObservatoryError("no scored pair to chart: the resident has one record")
    charts = [waterfall_chart(pair) for pair in pairs]
    combined = charts[0] if len(charts) == 1 else alt.vconcat(*charts)
    try:
        if path.suffix == ".json":
            path.write_text(json.dumps(combined.to_dict(), indent=2), encoding="utf-8")
        else:
            combined.save(str(path))
    except OSError as exc:
        raise ObservatoryError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _render_explanation(data: dict[str, Any], pairs: list[dict[str, Any]]) -> None:
    if "resident_id" in data:
        console.print(f"Resident {data['resident_id']}: {len(data['records'])} records, {len(pairs)} scored pairs")
    for pair in pairs:
        table = Table(
            title=f"{pair['unique_id_l']} vs {pair['unique_id_r']}: "
            f"probability {pair['match_probability']:.4f}, weight {pair['match_weight']:.2f}"
        )
        table.add_column("comparison")
        table.add_column("level")
        table.add_column("match weight", justify="right")
        table.add_row("prior", "two random records", f"{pair['prior_weight']:+.2f}")
        for row in pair["comparisons"]:
            table.add_row(row["comparison"], row["level"], f"{row['match_weight']:+.2f}")
        console.print(table)
