"""The ``observatory`` command. Commands are thin: they call the packages and print the result."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from observatory import __version__
from observatory.access.accounts import Actor
from observatory.access.demo_users import DemoLogin, reset_demo_users
from observatory.build import build as run_build
from observatory.cli.audit import audit_app
from observatory.cli.catalogue import catalogue_app
from observatory.cli.link import link_app
from observatory.cli.metrics import metrics_app
from observatory.cli.options import JsonOption, ProjectOption
from observatory.cli.output import console, emit, user_errors
from observatory.cli.quality_render import render_quality
from observatory.cli.render import render_inspect, render_load, render_status
from observatory.cli.users import user_app
from observatory.config import DatasetSpec
from observatory.config.scaffold import init_project
from observatory.errors import ObservatoryError
from observatory.ingest.inspect import inspect_file
from observatory.ingest.loads import LoadResult, ingest_dataset, ingest_path
from observatory.ingest.status import project_status
from observatory.logs import configure_logging
from observatory.meta.audit import CLI_ROLE
from observatory.platform import Observatory
from observatory.quality.html import write_html
from observatory.quality.report import quality_report
from observatory.quality.snapshots import measured_datasets

app = typer.Typer(
    name="observatory",
    help="Observatory: one governed place for a council's data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(link_app, name="link")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(metrics_app, name="metrics")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")

SheetOption = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet: a name or a 0-based index.")]


def _sheet(value: str | None) -> str | int | None:
    return int(value) if value is not None and value.isdigit() else value


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    configure_logging(verbose)


@app.command()
def version() -> None:
    """Print the Observatory version."""
    console.print(__version__)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder name).")] = None,
) -> None:
    """Create a working, empty project: observatory.yml, sources/, data/."""
    with user_errors():
        root = init_project(directory, name)
        Observatory.open(root).close()
    console.print(f"Created an empty project in {root}. Add sources/NAME.yml, then run: observatory -p {root} build")


@app.command()
def generate(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo council project into.")],
    residents: Annotated[int, typer.Option(help="Number of residents.", min=100)] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 42,
    as_json: JsonOption = False,
) -> None:
    """Write Demo County Council's source extracts, project files and ground truth."""
    from observatory.demo import generate as generate_council

    with user_errors(as_json), _progress() as progress:
        task = progress.add_task("Generating residents", total=residents)
        summary = generate_council(
            directory,
            residents=residents,
            seed=seed,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    data = {**dataclasses.asdict(summary), "residents_per_second": round(summary.residents_per_second)}
    emit(
        data,
        as_json,
        lambda: console.print(
            f"Wrote {data['residents']:,} residents in {data['households']:,} households to {directory} "
            f"in {data['seconds']:.1f} s ({len(data['files'])} files)."
        ),
    )


@app.command()
def ingest(
    target: Annotated[
        str | None, typer.Argument(help="SOURCE, SOURCE.DATASET or a file PATH (ad hoc). Default: all.")
    ] = None,
    project: ProjectOption = Path(),
    force: Annotated[bool, typer.Option("--force", help="Load even if the file is unchanged.")] = False,
    sheet: SheetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load sources into the raw layer as new versions (a file already loaded is skipped)."""
    results: list[LoadResult] = []
    with user_errors(as_json), Observatory.open(project) as obs:
        path = Path(target) if target else None
        if path is not None and path.is_file():
            spec = DatasetSpec(path=str(path), sheet=_sheet(sheet))
            results.append(ingest_path(obs, path, force=force, spec=spec))
        else:
            if target and "." not in target and target in obs.project.sources:
                datasets = list(obs.project.sources[target].datasets.values())
            elif target:
                datasets = [obs.project.dataset(target)]
            else:
                datasets = obs.project.all_datasets()
            for dataset in datasets:
                results.append(ingest_dataset(obs, dataset, force=force))
    emit([r.to_dict() for r in results], as_json, lambda: _render_loads(results))


def _render_loads(results: list[LoadResult]) -> None:
    for result in results:
        render_load(result)


@app.command()
def inspect(
    path: Annotated[Path, typer.Argument(help="A file to examine.", exists=True, dir_okay=False)],
    sheet: SheetOption = None,
    header_row: Annotated[str, typer.Option(help="'auto', 'none' or the 1-based header line.")] = "auto",
    encoding: Annotated[str, typer.Option(help="auto, utf-8, utf-8-sig, windows-1252 or latin-1.")] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Detect a file's encoding, delimiter, header row, columns, row counts and problems; load nothing."""
    with user_errors(as_json):
        from pydantic import ValidationError

        try:
            spec = DatasetSpec.model_validate(
                {
                    "path": str(path),
                    "sheet": _sheet(sheet),
                    "encoding": encoding,
                    "header_row": int(header_row) if header_row.isdigit() else header_row,
                }
            )
        except ValidationError as exc:
            raise typer.BadParameter(str(exc.errors()[0]["msg"])) from exc
        report = inspect_file(path, spec)
    emit(report, as_json, lambda: render_inspect(report))


@app.command()
def build(
    project: ProjectOption = Path(),
    force: Annotated[bool, typer.Option("--force", help="Reload files even if unchanged.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Load every dataset into raw, build the standard layer and measure its quality (a snapshot per dataset)."""
    with user_errors(as_json), Observatory.open(project) as obs, _progress() as progress:
        task = progress.add_task("Building", total=None)

        def step(name: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=name)

        report = run_build(obs, force=force, progress=step)
    emit(report.to_dict(), as_json, lambda: _render_build(report))
    if not report.ok:
        raise typer.Exit(1)


def _render_build(report: object) -> None:
    from observatory.build import BuildReport
    from observatory.quality.confidence import percent

    assert isinstance(report, BuildReport)
    for load in report.loads:
        state = (
            "unchanged" if load.status == "unchanged" else f"{load.rows_loaded:,} rows, {load.rows_rejected:,} rejected"
        )
        console.print(f"  {load.source}.{load.dataset}: {state}")
    for summary in report.quality:
        snapshot = summary.snapshot
        score = "not measured" if snapshot.score is None else percent(snapshot.score)
        alerts = f", {len(summary.raised)} new alert{'s' if len(summary.raised) != 1 else ''}" if summary.raised else ""
        console.print(f"  {snapshot.dataset}: quality {score}, confidence {snapshot.confidence}{alerts}")
    if report.linkage is not None:
        linked = report.linkage
        console.print(
            f"  linked: {linked.residents:,} residents and {linked.households:,} households "
            f"from {sum(linked.records.values()):,} records; {linked.review.get('queued', 0):,} pairs to review"
        )
    if report.metrics is not None:
        computed = report.metrics
        attention = len(computed.needing_attention)
        console.print(f"  KPIs: {len(computed.computed):,} computed, {attention:,} needing attention")
    if report.catalogue is not None:
        catalogued = report.catalogue
        console.print(
            f"  catalogue: {sum(catalogued.assets.values()):,} assets, {catalogued.edges:,} lineage edges"
            + (f", {catalogued.edited:,} with people's edits kept" if catalogued.edited else "")
        )
    for failure in report.failures:
        stage = failure.get("stage", "ingest")
        console.print(f"  [red]{failure['dataset']}: {stage} failed[/]: {failure['error']}", highlight=False)
    console.print(f"Build {'finished' if report.ok else 'had failures'} in {report.seconds:.1f} s.")


@app.command()
def status(project: ProjectOption = Path(), as_json: JsonOption = False) -> None:
    """Show sources, current loads, row counts, rejects and failed attempts."""
    with user_errors(as_json), Observatory.open(project) as obs:
        data = project_status(obs)
    emit(data, as_json, lambda: render_status(data))


@app.command()
def quality(
    dataset: Annotated[
        str | None, typer.Argument(help="SOURCE.DATASET to show in detail. Default: a summary of every dataset.")
    ] = None,
    project: ProjectOption = Path(),
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the report as one self-contained HTML file.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show data quality from the latest snapshots: scores, confidence, changes, alerts, failing rows, trends."""
    with user_errors(as_json), Observatory.open(project) as obs:
        report = quality_report(obs.meta, _quality_datasets(obs, dataset), title=obs.project.spec.name)
        if html is not None:
            try:
                write_html(report, html)
            except OSError as exc:
                raise ObservatoryError(f"cannot write {html}: {exc.strerror or exc}") from exc
    emit(report, as_json, lambda: _render_quality(report, dataset is not None, html))


def _quality_datasets(obs: Observatory, name: str | None) -> list[str]:
    if name is not None:
        found = obs.project.dataset(name)
        return [f"{found.source}.{found.name}"]
    configured = [f"{d.source}.{d.name}" for d in obs.project.all_datasets()]
    return configured + [d for d in measured_datasets(obs.meta) if d not in configured]


def _render_quality(report: dict[str, object], detailed: bool, html: Path | None) -> None:
    render_quality(report, detailed)
    if html is not None:
        console.print(f"Wrote the report to {html}", highlight=False)


WORKER_STARTUP_SECONDS = 120
"""How long a new worker may take to answer uvicorn's health check (importing Observatory on a busy 2-core
machine takes over 10 s; uvicorn's default of 5 s would kill and restart workers forever)."""

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port.", min=1, max=65535)]
WorkersOption = Annotated[
    int,
    typer.Option(
        help="Server processes. Each handles requests on its own; 2 suit a 2-core machine. "
        "Sign-in throttling, sessions and the audit trail are shared through the metadata store.",
        min=1,
        max=64,
    ),
]


@app.command()
def serve(
    project: ProjectOption = Path(),
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: WorkersOption = 1,
) -> None:
    """Serve the web pages and the JSON API. Add users first: observatory user add NAME --role admin."""
    with user_errors():
        _check_assets()
        with Observatory.open(project) as obs:
            if workers == 1:
                _serve(obs, host, port)
                return
            root, name = obs.project.root, obs.project.spec.name
        _serve_workers(root, name, host, port, workers)


def _check_assets() -> None:
    from observatory.web.assets import asset_dirs

    asset_dirs()


def _serve(obs: Observatory, host: str, port: int) -> None:
    import uvicorn

    from observatory.web.app import create_app

    obs.close()  # the pages read the warehouse read-only, per request: a build's read-write connection would block them
    console.print(f"Serving {obs.project.spec.name} on http://{host}:{port}/ (Ctrl+C to stop)", highlight=False)
    uvicorn.run(create_app(obs), host=host, port=port, log_level="warning")


def _serve_workers(root: Path, name: str, host: str, port: int, workers: int) -> None:
    """Run ``workers`` uvicorn processes, each opening the project itself through ``web.server.create``."""
    import contextlib
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from observatory.web.server import PROJECT_VARIABLE

    os.environ[PROJECT_VARIABLE] = str(root.resolve())
    console.print(f"Serving {name} on http://{host}:{port}/ with {workers} workers (Ctrl+C to stop)", highlight=False)
    config = uvicorn.Config(
        "observatory.web.server:create",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[_tcp_socket(config.bind_socket())]).run()


def _tcp_socket(bound: socket.socket) -> socket.socket:
    """The listening socket with its protocol named. uvicorn binds it with protocol 0, and asyncio sets
    TCP_NODELAY only on connections of sockets whose protocol is TCP: without it every keep-alive response
    waits about 40 ms for a delayed ACK (Nagle's algorithm), with two workers as with eight."""
    if bound.family not in (socket.AF_INET, socket.AF_INET6):
        return bound
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())


def _print_demo_logins(logins: list[DemoLogin]) -> None:
    from rich.table import Table

    table = Table("user name", "role", "password", title="Demo sign-ins")
    for login in logins:
        table.add_row(login.username, login.role, login.password)
    console.print(table)
    console.print("These passwords are new each time the demo starts and are kept nowhere else.")


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo council project.")] = Path("demo-council"),
    residents: Annotated[int, typer.Option(help="Number of residents.", min=100)] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build only; do not start the web server.")] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Generate Demo County Council (if not there yet), build it and serve it.

    Each start gives the demo users (viewer, analyst, steward, ig-officer, admin: one per role) new random
    passwords and prints them.
    """
    from observatory.config import PROJECT_FILE

    if not no_serve:
        with user_errors():
            _check_assets()
    if not (directory / PROJECT_FILE).exists():
        generate(directory, residents=residents, seed=seed, as_json=False)
    with user_errors(), Observatory.open(directory) as obs:
        with _progress() as progress:
            task = progress.add_task("Building", total=None)
            report = run_build(
                obs,
                progress=lambda name, done, total: progress.update(task, completed=done, total=total, description=name),
            )
        _render_build(report)
        render_status(project_status(obs))
        if not report.ok:
            raise typer.Exit(1)
        _print_demo_logins(reset_demo_users(obs.meta, by=Actor("demo", CLI_ROLE)))
        if not no_serve:
            _serve(obs, host, port)
