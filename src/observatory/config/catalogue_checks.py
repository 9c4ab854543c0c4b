"""Cross-checks of the catalogue's configuration: register entries, reports, the glossary and examples.

Checked, each problem reported with its file and line together with every other problem:

- no source takes the name of a warehouse layer (``raw``, ``standard`` ...), so asset ids stay unambiguous;
- a field's ``example`` is never given on a personal field (the data dictionary shows examples to everyone);
- ids in ``catalogue.reports[].depends_on``, ``catalogue.assets`` and ``glossary.yml`` links name assets
  that exist: a source's dataset or field, a report, a term, or a derived dataset of a warehouse layer
  (``dataset.linked.residents``). KPI ids (``kpi.*``) are checked when KPIs are defined.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from observatory.config.models import LAYERS, GlossarySpec, ProjectSpec
from observatory.config.yaml_lines import Location

if TYPE_CHECKING:
    from observatory.config.project import Source

Report = Callable[[Location, str], None]


def check_source_catalogue(source: Source, report: Report) -> None:
    """Problems of one source file: a reserved name, examples on personal fields."""
    if source.name in LAYERS:
        report(("name",), f"{source.name!r} is the name of a warehouse layer; give the source another name")
    for dataset in source.datasets.values():
        for name, spec in dataset.fields.items():
            if spec.example is not None and spec.is_personal:
                report(
                    ("datasets", dataset.name, "fields", name, "example"),
                    "a personal field must not carry an example value (the data dictionary is shown to everyone)",
                )


def check_project_catalogue(
    project: ProjectSpec, sources: Mapping[str, Source], skip: set[str], report: Report
) -> None:
    """Problems of ``catalogue:`` in ``observatory.yml``: unknown asset ids."""
    catalogue = project.catalogue
    for name, spec in catalogue.reports.items():
        for index, asset in enumerate(spec.depends_on):
            problem = unknown_asset(asset, sources, skip, set(catalogue.reports), None)
            if problem:
                report(("catalogue", "reports", name, "depends_on", index), problem)
    for asset in catalogue.assets:
        if not asset.startswith("dataset."):
            report(("catalogue", "assets", asset), "register entries are kept for datasets (dataset.<...>)")
            continue
        problem = unknown_asset(asset, sources, skip, set(catalogue.reports), None)
        if problem:
            report(("catalogue", "assets", asset), problem)


def check_glossary(
    glossary: GlossarySpec, project: ProjectSpec | None, sources: Mapping[str, Source], skip: set[str], report: Report
) -> None:
    """Problems of ``glossary.yml``: links to unknown assets."""
    reports = set(project.catalogue.reports) if project is not None else set()
    for name, term in glossary.terms.items():
        for index, asset in enumerate(term.links):
            problem = unknown_asset(asset, sources, skip, reports, set(glossary.terms))
            if problem:
                report(("terms", name, "links", index), problem)


def unknown_asset(
    asset: str, sources: Mapping[str, Source], skip: set[str], reports: set[str], terms: set[str] | None
) -> str | None:
    """Why ``asset`` names nothing in this project, or ``None`` when it does (or cannot be checked yet)."""
    kind, _, rest = asset.partition(".")
    parts = rest.split(".")
    if kind == "kpi":
        return None
    if kind == "report":
        return None if rest in reports else f"no report {rest!r} in catalogue.reports"
    if kind == "term":
        return None if terms is None or rest in terms else f"no term {rest!r} in glossary.yml"
    if kind not in ("dataset", "field"):
        return f"{asset!r} cannot be linked here; name a dataset, field, KPI, report or term"
    if parts[0] in LAYERS:
        wanted = 2 if kind == "dataset" else 3
        return None if len(parts) == wanted else f"{asset!r} is not a {kind} id ({kind}.<layer>.<table>...)"
    if len(parts) != (2 if kind == "dataset" else 3):
        shape = "dataset.<source>.<dataset>" if kind == "dataset" else "field.<source>.<dataset>.<field>"
        return f"{asset!r} is not a {kind} id ({shape})"
    if parts[0] in skip:
        return None
    source = sources.get(parts[0])
    dataset = source.datasets.get(parts[1]) if source is not None else None
    if dataset is None:
        return f"no dataset {parts[0]}.{parts[1]} in this project"
    if kind == "field" and parts[2] not in dataset.fields:
        return f"{parts[0]}.{parts[1]} has no field {parts[2]!r}"
    return None
