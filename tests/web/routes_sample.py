"""The route table as the cross-cutting tests see it, and real values for its parameters.

Tests of authorisation, security headers, injection and audit are generated from ``app.routes``, so a route
added tomorrow is covered tomorrow. To call a route they need a real value for each path parameter (an asset,
a dataset, a resident, a review item, a run, a user); ``read_samples`` reads those from the built demo
(metadata store and warehouse, read-only) and ``Samples.url`` fills them in. A route whose parameter has no
sample fails with ``MissingSampleError`` naming it: add the parameter's name to ``_sample_values``.
"""

from __future__ import annotations

import secrets
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from sqlalchemy import select
from starlette.routing import BaseRoute

from observatory import Observatory
from observatory.access.accounts import Actor, add_user
from observatory.access.roles import PROFILES
from observatory.ingest.loads import ingest_path
from observatory.linkage.explain import comparison_rows, level_labels
from observatory.linkage.model import MODEL_FILE
from observatory.linkage.review import ReviewCandidate, refresh_queue
from observatory.linkage.scoring import load_model
from observatory.meta.models import AuditEntry, CatalogueAsset, LinkReviewItem, Load, Run, User
from observatory.metrics.store import latest_results
from observatory.web.auth import PUBLIC, SIGNED_IN, Need
from observatory.web.render import API_PREFIX
from observatory.web.warehouse import fetch_dicts, read_warehouse

PUBLIC_ASSET = "dataset.llpg.properties"
"""An OFFICIAL dataset without personal data: every role may see it, so a refusal is about the action."""

PURPOSE_PARAM = "purpose"
UNMASK_PARAM = "unmask"


class MissingSampleError(LookupError):
    """A route has a parameter the tests have no real value for."""


@dataclass(frozen=True)
class View:
    """A view as the app serves it: its path and methods, and its dependencies as included."""

    path: str
    path_format: str
    methods: frozenset[str]
    dependant: Dependant

    @classmethod
    def of(cls, context: RouteContext) -> View:
        return cls(context.path or "", context.path_format or "", frozenset(context.methods or ()), context.dependant)


def api_routes(routes: Sequence[BaseRoute]) -> list[View]:
    """The app's views (not the OpenAPI document or static mounts), in table order, through included routers."""
    return [View.of(context) for context in iter_route_contexts(routes) if isinstance(context.original_route, APIRoute)]


def other_routes(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """Everything the app serves that is not a view (the OpenAPI document, static mounts)."""
    return [
        context.route for context in iter_route_contexts(routes) if not isinstance(context.original_route, APIRoute)
    ]


def route_id(route: View, method: str | None = None) -> str:
    """``GET /catalogue/{asset_id}``: how tests name a route."""
    return f"{method or min(route.methods, default='')} {route.path}"


def needs_of(route: View) -> list[Need]:
    """Every ``Need`` guarding ``route``, found anywhere in its dependency tree."""
    found: list[Need] = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, Need):
            found.append(dependant.call)
        pending.extend(dependant.dependencies)
    return found


def may(who: str | None, action: str) -> bool:
    """Whether ``who`` (a role, or None for nobody signed in) passes ``Need(action)``, from the role profiles."""
    if action == PUBLIC:
        return True
    if who is None:
        return False
    return action == SIGNED_IN or PROFILES[who].allows(action)  # type: ignore[index]


def allowed(who: str | None, route: View) -> bool:
    """Whether ``who`` passes every ``Need`` of ``route``."""
    return all(may(who, need.action) for need in needs_of(route))


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _annotation_allows_str(annotation: Any) -> bool:
    if annotation is str:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_annotation_allows_str(arg) for arg in typing.get_args(annotation))
    if typing.get_origin(annotation) is typing.Literal:
        return False
    if typing.get_origin(annotation) is typing.Annotated:
        return _annotation_allows_str(typing.get_args(annotation)[0])
    return False


def string_query_params(route: View) -> list[str]:
    """Names of the query parameters of ``route`` that take free text."""
    return [
        param.alias for param in route.dependant.query_params if _annotation_allows_str(param.field_info.annotation)
    ]


def string_path_params(route: View) -> list[str]:
    return [param.alias for param in route.dependant.path_params if _annotation_allows_str(param.field_info.annotation)]


def _annotation_is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        return any(_annotation_is_int(arg) for arg in typing.get_args(annotation))
    return False


def integer_params(route: View) -> tuple[list[str], list[str]]:
    """Names of the query parameters and of the path parameters of ``route`` that take a whole number."""
    query = [param.alias for param in route.dependant.query_params if _annotation_is_int(param.field_info.annotation)]
    path = [param.alias for param in route.dependant.path_params if _annotation_is_int(param.field_info.annotation)]
    return query, path


def query_param_names(route: View) -> set[str]:
    return {param.alias for param in route.dependant.query_params}


def form_fields(route: View) -> list[str]:
    """Names of the form fields a POST route reads."""
    return [param.alias for param in route.dependant.body_params]


@dataclass(frozen=True)
class Samples:
    """Real values from one built council, by parameter name."""

    values: dict[str, str]
    purpose: str
    usernames: frozenset[str] = field(default_factory=frozenset)

    def value(self, route: View, name: str) -> str:
        if name not in self.values:
            raise MissingSampleError(
                f"{route_id(route)}: no sample value for the parameter {name!r}; add it to tests/web/routes_sample.py"
            )
        return self.values[name]

    def path(self, route: View) -> str:
        """The route's path with every path parameter filled in (URL-quoted)."""
        filled = route.path_format
        for param in route.dependant.path_params:
            filled = filled.replace("{" + param.alias + "}", quote(self.value(route, param.alias), safe=""))
        return filled

    def query(self, route: View, *, purpose: bool = True) -> dict[str, str]:
        """Required query parameters, and a valid purpose wherever the route takes one."""
        query: dict[str, str] = {}
        for param in route.dependant.query_params:
            if param.alias == PURPOSE_PARAM and purpose:
                query[PURPOSE_PARAM] = self.purpose
            elif param.field_info.is_required():
                query[param.alias] = self.value(route, param.alias)
        return query

    def but(self, **values: str) -> Samples:
        """These samples with some values replaced."""
        return Samples({**self.values, **values}, self.purpose, self.usernames)

    def url(self, route: View, extra: Mapping[str, str] | None = None, *, purpose: bool = True) -> str:
        """The route's path and query: samples, a purpose (unless ``purpose`` is false), and ``extra``."""
        query = {**self.query(route, purpose=purpose), **(extra or {})}
        return self.path(route) + (f"?{urlencode(query)}" if query else "")


def _first(obs: Observatory, statement: Any) -> Any:
    with obs.meta.session() as session:
        return session.scalar(statement.limit(1))


def _resident(obs: Observatory) -> str:
    """A resident seen in more than one source (so their single view has something to show)."""
    with read_warehouse(obs) as connection:
        rows = fetch_dicts(
            connection,
            "SELECT resident_id FROM linked.residents ORDER BY datasets DESC, resident_id LIMIT 1",
            [],
        )
    if not rows:
        raise MissingSampleError("the demo has no residents")
    return str(rows[0]["resident_id"])


def _kpi(obs: Observatory) -> str | None:
    """A computed KPI with a forecast (so its chart downloads all answer), the first by id."""
    results = latest_results(obs.meta)
    return next((kpi for kpi in sorted(results) if results[kpi].summary.get("forecast")), None)


def _sample_values(obs: Observatory) -> dict[str, str]:
    field_id = _first(
        obs, select(CatalogueAsset.id).where(CatalogueAsset.parent_id == PUBLIC_ASSET).order_by(CatalogueAsset.id)
    )
    term = _first(obs, select(CatalogueAsset.id).where(CatalogueAsset.kind == "term").order_by(CatalogueAsset.id))
    source = _first(obs, select(CatalogueAsset.id).where(CatalogueAsset.kind == "source").order_by(CatalogueAsset.id))
    item = _first(obs, select(LinkReviewItem.id).order_by(LinkReviewItem.status.desc(), LinkReviewItem.id))
    run = _first(obs, select(Run.id).order_by(Run.id.desc()))
    load = _first(obs, select(Load.id).where(Load.is_current.is_(True)).order_by(Load.id))
    load_run = _first(
        obs, select(Load.run_id).where(Load.is_current.is_(True)).order_by(Load.rows_rejected.desc(), Load.id)
    )
    user = _first(obs, select(User.username).where(User.role == "viewer").order_by(User.username))
    seq = _first(obs, select(AuditEntry.seq).order_by(AuditEntry.seq))
    personal = _first(
        obs,
        select(CatalogueAsset.id)
        .where(CatalogueAsset.kind == "dataset", CatalogueAsset.personal.is_(True), CatalogueAsset.layer == "standard")
        .order_by(CatalogueAsset.id),
    )
    dataset = PUBLIC_ASSET.removeprefix("dataset.")
    resident = _resident(obs)
    kpi = _kpi(obs)
    values = {
        "personal_asset_id": personal,
        "asset_id": PUBLIC_ASSET,
        "asset": PUBLIC_ASSET,
        "node_id": PUBLIC_ASSET,
        "dataset_id": dataset,
        "dataset": dataset,
        "name": dataset,
        "field_id": field_id,
        "term_id": term,
        "term": term,
        "source_id": source,
        "source": source.removeprefix("source.") if source else None,
        "resident_id": resident,
        "identifier": resident,
        "item_id": item,
        "review_id": item,
        "run_id": load_run,
        "latest_run_id": run,
        "load_id": load,
        "username": user,
        "user": user,
        "seq": seq,
        "kpi_id": kpi,
    }
    return {name: str(value) for name, value in values.items() if value is not None}


def read_samples(obs: Observatory) -> Samples:
    """Sample values from the council of ``obs`` (read-only)."""
    purposes = obs.project.spec.access.purposes
    with obs.meta.session() as session:
        usernames = frozenset(session.scalars(select(User.username)))
    return Samples(_sample_values(obs), purposes[0].id, usernames)


REJECTED_LINE = "2,Ann Example,M1 1AE,an extra field"
TARGET_USER = "route-target"
"""The user that routes taking ``{username}`` act on (disabling a role's own user would lock the tests out)."""


def prepare(site_root: Path, obs: Observatory) -> Samples:
    """Give a private copy of the test council what it is too clean to have (an item waiting for review, a load
    with a rejected row, a user for user routes to act on) and return its samples."""
    seed_review_item(obs)
    seed_rejected_load(site_root)
    add_user(obs.meta, TARGET_USER, "viewer", secrets.token_urlsafe(16), by=Actor("test-setup", "cli"))
    return read_samples(obs).but(username=TARGET_USER, user=TARGET_USER)


def seed_rejected_load(site_root: Path) -> None:
    """Load one more extract, with a row that cannot be parsed, as ``raw.adhoc__people``."""
    extract = site_root.parent / "people.csv"
    extract.write_text(f"id,name,postcode\n1,Bob Example,M1 1AA\n{REJECTED_LINE}\n", encoding="utf-8")
    with Observatory.open(site_root) as obs:
        result = ingest_path(obs, extract, dataset="people")
    if result.rows_rejected != 1:
        raise AssertionError(f"the seeded extract should have one rejected row, not {result.rows_rejected}")


def seed_review_item(obs: Observatory) -> None:
    """Queue the least certain scored pair for review when the council's queue is empty, as a link run would
    (for a private copy only: the test council is too clean to leave anything for review)."""
    if _first(obs, select(LinkReviewItem.id)) is not None:
        return
    with read_warehouse(obs) as connection:
        rows = fetch_dicts(
            connection, "SELECT * FROM linked.pairs ORDER BY match_probability, unique_id_l, unique_id_r LIMIT 1", []
        )
    run = _first(obs, select(Run.id).where(Run.kind == "link").order_by(Run.id.desc()))
    settings = load_model(obs.root / MODEL_FILE)
    pair = rows[0]
    candidate = ReviewCandidate(
        pair["unique_id_l"],
        pair["unique_id_r"],
        float(pair["match_probability"]),
        float(pair["match_weight"]),
        comparison_rows(pair, settings, level_labels(settings)),
    )
    refresh_queue(obs.meta, int(run), [candidate])
