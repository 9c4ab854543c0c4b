"""``observatory link``: the linked layer from the standard layer, as one recorded run.

Steps: person records → addresses to UPRN → pairs scored by the model (trained once, then reused)
→ clusters honouring review decisions → stable resident ids and their change log → households →
golden records → the review queue. Heavy steps run in the engine (Splink's SQL, Ibis); the graph
steps (clustering, ids) run on Arrow in this process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import structlog
from ibis import _

from observatory.engine import Engine
from observatory.errors import ObservatoryError
from observatory.linkage.addresses import AddressMatchSettings, match_addresses
from observatory.linkage.clustering import cluster_records
from observatory.linkage.explain import comparison_rows, level_labels
from observatory.linkage.golden import golden_records, residents_from_provenance, resolve_rules
from observatory.linkage.identifiers import assign_resident_ids
from observatory.linkage.model import MODEL_FILE
from observatory.linkage.records import gazetteer_addresses, person_records, person_sources, records_without_key
from observatory.linkage.review import Pair, ReviewCandidate, constraints, refresh_queue
from observatory.linkage.scoring import Scored, load_model, score_new_records, score_pairs
from observatory.linkage.tables import (
    ADDRESS_MATCHES,
    GOLDEN_PROVENANCE,
    HOUSEHOLDS,
    ID_CHANGES,
    LAYER,
    PAIRS,
    PERSON_RECORDS,
    RESIDENT_RECORDS,
    RESIDENTS,
    TITLES,
)
from observatory.meta.runs import recorded_run
from observatory.platform import Observatory

Step = Callable[[str], None]
log = structlog.get_logger()


@dataclass
class LinkReport:
    """What a link run did, for the CLI and ``--json``."""

    run_id: int = 0
    model: str = ""
    model_path: str = ""
    records: dict[str, int] = field(default_factory=dict)
    records_without_key: dict[str, int] = field(default_factory=dict)
    addresses: dict[str, int] = field(default_factory=dict)
    pairs: int = 0
    residents: int = 0
    households: int = 0
    id_changes: dict[str, int] = field(default_factory=dict)
    review: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def link(
    obs: Observatory, *, retrain: bool | None = None, incremental: bool = False, step: Step | None = None
) -> LinkReport:
    """Build the linked layer; the model is trained when missing, when asked, or when ``linkage.retrain``.

    ``incremental``: score only pairs that involve records new since the last run, with the saved model, and
    add them to the existing residents (whose clusters are kept as they are) — no retraining, no rescoring."""
    project, engine = obs.project, obs.engine
    spec = project.spec.linkage
    if incremental and retrain:
        raise ObservatoryError("--incremental links new records with the saved model; it cannot retrain it")
    sources = person_sources(project)
    resolve_rules(spec.survivorship)  # a wrong survivorship rule stops the run before anything is written
    report = LinkReport()
    timer = _Timer(report, step)
    outputs = [f"{LAYER}.{name}" for name in TITLES] + [f"{LAYER}.clusters__{use}" for use in spec.thresholds.uses]
    gazetteer = project.spec.reference.gazetteer
    inputs = [s.dataset.node_id for s in sources] + ([project.dataset(gazetteer).node_id] if gazetteer else [])
    with recorded_run(
        obs.meta,
        kind="link",
        node_id=f"{LAYER}.{RESIDENTS}",
        inputs=inputs,
        outputs=outputs,
        engine=engine.name,
    ) as run:
        report.run_id = run.id
        with timer("records"):
            records = person_records(engine, sources, spec.trust)
            engine.materialise(LAYER, PERSON_RECORDS, records)
            report.records_without_key = records_without_key(engine, sources)
        with timer("addresses"):
            matches = _match_addresses(obs, engine)
            report.addresses = _counts(matches, "status")
            engine.write_arrow(LAYER, ADDRESS_MATCHES, matches)
            _attach_uprn(engine)
        people = engine.to_arrow(
            engine.table(LAYER, PERSON_RECORDS).select(
                "unique_id", "dataset", "record_key", "uprn", "address", "postcode"
            )
        )
        report.records = _counts(people, "dataset")
        previous, changes_so_far = _previous(engine)
        with timer("pairs"):
            lowest = min(spec.thresholds.review, spec.thresholds.match, *spec.thresholds.uses.values())
            if incremental and previous is not None:
                scored, edges = _incremental_pairs(engine, project.root, people, previous, lowest)
            else:
                retraining = spec.retrain if retrain is None else retrain
                scored = score_pairs(engine, project.root, threshold=lowest, retrain=retraining)
                edges = scored.pairs
            report.model, report.model_path = ("trained" if scored.trained else "reused"), str(scored.model_path)
        with timer("clusters"):
            must, cannot = _present_constraints(obs, people)
            clusters = cluster_records(people["unique_id"], edges, spec.thresholds.match, must, cannot)
            assignment, _ = assign_resident_ids(clusters, previous, _next_number(previous, changes_so_far))
            resident_records = _resident_records(people, clusters, assignment.assignments, matches)
            # written only now: a run that fails above (contradictory decisions) leaves the last layer whole
            report.pairs = engine.write_arrow(LAYER, PAIRS, scored.pairs)
            engine.write_arrow(LAYER, RESIDENT_RECORDS, resident_records)
            changes = assignment.changes.append_column(
                "run_id", pa.array([run.id] * assignment.changes.num_rows, pa.int64())
            )
            all_changes = pa.concat_tables([changes_so_far, changes]) if changes_so_far is not None else changes
            engine.write_arrow(LAYER, ID_CHANGES, all_changes)
            report.id_changes = _counts(assignment.changes, "change")
            for use, threshold in spec.thresholds.uses.items():
                used = cluster_records(people["unique_id"], scored.pairs, threshold, must, cannot)
                engine.write_arrow(LAYER, f"clusters__{use}", used)
        with timer("households"):
            report.households = engine.materialise(LAYER, HOUSEHOLDS, _households(engine))
        with timer("golden records"):
            linked = engine.table(LAYER, PERSON_RECORDS).join(
                engine.table(LAYER, RESIDENT_RECORDS).select("unique_id", "resident_id"), "unique_id"
            )
            provenance = golden_records(linked, spec.survivorship)[1]
            engine.materialise(LAYER, GOLDEN_PROVENANCE, provenance)
            report.residents = engine.materialise(
                LAYER, RESIDENTS, residents_from_provenance(linked, engine.table(LAYER, GOLDEN_PROVENANCE))
            )
            run.rows_out = report.residents
        with timer("review queue"):
            candidates = review_candidates(
                scored.pairs, clusters, spec.thresholds.review, spec.thresholds.match, load_model(scored.model_path)
            )
            report.review = refresh_queue(obs.meta, run.id, candidates).to_dict()
    return report


class _Timer:
    def __init__(self, report: LinkReport, step: Step | None) -> None:
        self.report, self.step = report, step

    def __call__(self, name: str) -> _Timed:
        if self.step is not None:
            self.step(name)
        return _Timed(self.report, name)


class _Timed:
    def __init__(self, report: LinkReport, name: str) -> None:
        self.report, self.name = report, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.report.seconds[self.name] = round(time.perf_counter() - self.started, 2)


def _counts(table: pa.Table, column: str) -> dict[str, int]:
    counted = table.group_by(column).aggregate([([], "count_all")]).to_pylist()
    return {str(row[column]): int(row["count_all"]) for row in sorted(counted, key=lambda r: str(r[column]))}


def _match_addresses(obs: Observatory, engine: Engine) -> pa.Table:
    """Every person record's address matched to the gazetteer (DuckDB in this process on either engine)."""
    spec = obs.project.spec.linkage.address
    addresses = engine.to_arrow(engine.table(LAYER, PERSON_RECORDS).select("unique_id", "address", "postcode"))
    gazetteer_expr = gazetteer_addresses(engine, obs.project)
    if gazetteer_expr is None:
        status = pc.if_else(
            pc.and_(addresses["address"].is_null(), addresses["postcode"].is_null()), "no_address", "unmatched"
        )
        nulls = pa.nulls(addresses.num_rows, pa.float64())
        return pa.table(
            {
                "unique_id": addresses["unique_id"],
                "uprn": pa.nulls(addresses.num_rows, pa.int64()),
                "score": nulls,
                "runner_up": nulls,
                "status": status,
            }
        )
    gazetteer = engine.to_arrow(gazetteer_expr)
    settings = AddressMatchSettings(score=spec.score, margin=spec.margin)
    if engine.name == "duckdb":
        return match_addresses(engine.connection, addresses, gazetteer, settings)  # type: ignore[attr-defined]
    with duckdb.connect() as con:
        return match_addresses(con, addresses, gazetteer, settings)


def _attach_uprn(engine: Engine) -> None:
    """Rewrite ``person_records`` with the matched ``uprn`` (the model compares it), from the table just written:
    the union over the standard layer runs once."""
    records = engine.table(LAYER, PERSON_RECORDS)
    matches = engine.table(LAYER, ADDRESS_MATCHES).select("unique_id", "uprn")
    engine.materialise(LAYER, PERSON_RECORDS, records.left_join(matches, "unique_id").drop("unique_id_right"))


def _present_constraints(obs: Observatory, people: pa.Table) -> tuple[list[Pair], list[Pair]]:
    """Review decisions about records that still exist (a decision about a deleted record is kept, not applied)."""
    present = set(people["unique_id"].to_pylist())
    must, cannot = constraints(obs.meta)
    kept_must = [pair for pair in must if pair[0] in present and pair[1] in present]
    kept_cannot = [pair for pair in cannot if pair[0] in present and pair[1] in present]
    if len(kept_must) + len(kept_cannot) < len(must) + len(cannot):
        log.info(
            "linkage.decisions_not_applied",
            about_missing_records=len(must) + len(cannot) - len(kept_must) - len(kept_cannot),
        )
    return kept_must, kept_cannot


def _incremental_pairs(
    engine: Engine, root: Path, people: pa.Table, previous: pa.Table, threshold: float
) -> tuple[Scored, pa.Table]:
    """Pairs of new records scored now, kept pairs from before, and the previous residents as certain edges."""
    present = set(people["unique_id"].to_pylist())
    known = set(previous["unique_id"].to_pylist())
    new_ids = sorted(present - known)
    old = engine.to_arrow(engine.table(LAYER, PAIRS))
    here, new = pa.array(sorted(present), pa.string()), pa.array(new_ids, pa.string())
    left, right = old["unique_id_l"], old["unique_id_r"]
    # pairs with a record not linked yet (left by a run that failed) are scored again below, not kept twice
    old = old.filter(
        pc.and_(
            pc.and_(pc.is_in(left, here), pc.is_in(right, here)),
            pc.invert(pc.or_(pc.is_in(left, new), pc.is_in(right, new))),
        )
    )
    fresh = score_new_records(engine, root, new_ids, threshold=threshold) if new_ids else old.schema.empty_table()
    pairs = pa.concat_tables([old, fresh.select(old.column_names).cast(old.schema)])
    kept = previous.filter(pc.is_in(previous["unique_id"], here))
    with duckdb.connect() as con:
        con.register("kept", kept)
        same = con.execute(
            "SELECT min(unique_id) OVER (PARTITION BY resident_id) AS unique_id_l, unique_id AS unique_id_r, "
            "1.0::DOUBLE AS match_probability FROM kept QUALIFY unique_id_l <> unique_id_r"
        ).to_arrow_table()
    edges = pa.concat_tables([same, fresh.select(["unique_id_l", "unique_id_r", "match_probability"])])
    log.info("linkage.incremental", new_records=len(new_ids), new_pairs=fresh.num_rows)
    return Scored(pairs, False, root / MODEL_FILE), edges


def _previous(engine: Engine) -> tuple[pa.Table | None, pa.Table | None]:
    previous = (
        engine.to_arrow(engine.table(LAYER, RESIDENT_RECORDS).select("unique_id", "resident_id"))
        if engine.exists(LAYER, RESIDENT_RECORDS)
        else None
    )
    changes = engine.to_arrow(engine.table(LAYER, ID_CHANGES)) if engine.exists(LAYER, ID_CHANGES) else None
    return previous, changes


def _next_number(previous: pa.Table | None, changes: pa.Table | None) -> int:
    """One more than the highest resident number ever issued (numbers are never reused)."""
    highest = 0
    for table in (previous, changes):
        if table is not None and table.num_rows:
            numbers = pc.cast(pc.utf8_slice_codeunits(table["resident_id"], 1), pa.int64())
            highest = max(highest, int(pc.max(numbers).as_py() or 0))
    return highest + 1


RESIDENT_RECORDS_SQL = """
SELECT p.unique_id, p.dataset, p.record_key, i.resident_id, c.cluster_size, c.edge_probability AS probability,
       CASE WHEN p.uprn IS NOT NULL THEN 'U' || CAST(p.uprn AS VARCHAR)
            WHEN p.address IS NOT NULL
            THEN 'A' || substr(md5(upper(p.address) || '|' || coalesce(p.postcode, '')), 1, 12)
       END AS household_id,
       p.uprn, m.score AS address_score, m.status AS address_status
FROM people p
JOIN clusters c USING (unique_id)
JOIN ids i USING (unique_id)
JOIN matches m USING (unique_id)
ORDER BY p.unique_id
"""
"""Record → resident and household. A household is the UPRN (``U`` + UPRN) or, for an address the gazetteer
does not hold, the address itself (``A`` + a hash of address and postcode), so people written at one
unmatched address still share a household."""


def _resident_records(people: pa.Table, clusters: pa.Table, ids: pa.Table, matches: pa.Table) -> pa.Table:
    with duckdb.connect() as con:
        for name, table in (("people", people), ("clusters", clusters), ("ids", ids), ("matches", matches)):
            con.register(name, table)
        return con.execute(RESIDENT_RECORDS_SQL).to_arrow_table()


def _households(engine: Engine) -> Any:
    records = engine.table(LAYER, RESIDENT_RECORDS)
    return (
        records.filter(records.household_id.notnull())
        .group_by("household_id")
        .aggregate(uprn=_.uprn.max(), residents=_.resident_id.nunique(), records=_.count())
        .order_by("household_id")
    )


def review_candidates(
    pairs: pa.Table, clusters: pa.Table, review: float, match: float, settings: dict[str, Any]
) -> list[ReviewCandidate]:
    """Pairs in the uncertain band whose records ended in different residents: a person should decide.

    A pair in the band whose records were joined anyway (through stronger pairs) is not queued: no decision
    on it alone would change the residents."""
    probability = pairs["match_probability"]
    band = pairs.filter(pc.and_(pc.greater_equal(probability, review), pc.less(probability, match)))
    keys = clusters.select(["unique_id", "cluster_key"])
    band = band.join(keys.rename_columns(["unique_id_l", "key_l"]), "unique_id_l").join(
        keys.rename_columns(["unique_id_r", "key_r"]), "unique_id_r"
    )
    band = band.filter(pc.not_equal(band["key_l"], band["key_r"])).sort_by(
        [("unique_id_l", "ascending"), ("unique_id_r", "ascending")]
    )
    labels = level_labels(settings)
    return [
        ReviewCandidate(
            row["unique_id_l"],
            row["unique_id_r"],
            row["match_probability"],
            row["match_weight"],
            comparison_rows(row, settings, labels),
        )
        for row in band.to_pylist()
    ]
