"""Scoring record pairs with Splink on the project's engine: train or reuse the model, then predict.

``linked.pairs`` keeps, for every pair at or above the lowest threshold in use, the match weight and
probability and, per comparison, the level reached (``<comparison>__level``, Splink's gamma) and its
match weight (``<comparison>__weight``, log2 of its Bayes factor with any term-frequency adjustment).
That is all ``explain`` and the review queue need, without running the model again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import structlog

from observatory.engine import Engine
from observatory.errors import ObservatoryError
from observatory.linkage import model
from observatory.linkage.tables import LAYER, PERSON_RECORDS

log = structlog.get_logger()


@dataclass(frozen=True)
class Scored:
    """The pairs and how the model was obtained."""

    pairs: pa.Table
    trained: bool
    model_path: Path


@dataclass
class SplinkSession:
    """Where Splink works: its database API, the person records as it takes them, and a way to read results.

    On DuckDB that is a private in-memory database holding a copy of ``linked.person_records``: Splink's
    many intermediate tables then never touch the warehouse file, and in memory they are faster. On Spark it
    is the engine's own session (checkpointing to the project's scratch folder)."""

    api: Any
    records: Any
    run: Callable[[str], pa.Table]
    close: Callable[[], None]
    frame: Callable[[str, pa.Table], Any]
    """Typed Arrow data as Splink takes it (a relation or DataFrame): pandas would lose the type of an
    all-null column (a batch with no dates of birth), and Splink's SQL on it would fail."""

    @property
    def dialect(self) -> str:
        return str(self.api.sql_dialect.sql_dialect_str)

    def __enter__(self) -> SplinkSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def splink_session(engine: Engine) -> SplinkSession:
    """A ``SplinkSession`` over the engine's ``linked.person_records``."""
    if engine.name == "duckdb":
        from splink import DuckDBAPI

        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.register("person_records_arrow", engine.to_arrow(engine.table(LAYER, PERSON_RECORDS)))
        con.execute("CREATE TABLE person_records AS SELECT * FROM person_records_arrow")
        con.unregister("person_records_arrow")

        def duck_frame(name: str, data: pa.Table) -> Any:
            con.register(name, data)
            return con.table(name)

        return SplinkSession(
            DuckDBAPI(connection=con),
            con.table("person_records"),
            lambda sql: con.sql(sql).to_arrow_table(),
            con.close,
            duck_frame,
        )
    from splink import SparkAPI

    session = engine.session  # type: ignore[attr-defined]
    if session.sparkContext.getCheckpointDir() is None:  # Splink checkpoints to break long lineages
        session.sparkContext.setCheckpointDir(str(engine.scratch / "splink-checkpoints"))  # type: ignore[attr-defined]
    api = SparkAPI(spark_session=session, break_lineage_method="parquet")  # type: ignore[no-untyped-call]
    return SplinkSession(
        api,
        session.table(f"{LAYER}.{PERSON_RECORDS}"),
        lambda sql: session.sql(sql).toArrow(),
        lambda: None,
        lambda _name, data: session.createDataFrame(data),
    )


def load_model(path: Path) -> dict[str, Any]:
    """A saved model as a settings dictionary; a clear error when it is missing or unreadable."""
    try:
        settings: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ObservatoryError(f"no trained model at {path}: run `observatory link --retrain`") from exc
    except (OSError, ValueError) as exc:
        raise ObservatoryError(f"cannot read the model {path}: {exc}") from exc
    if "comparisons" not in settings:
        raise ObservatoryError(f"{path} is not a Splink model (no comparisons)")
    return settings


_PARAMETERS = ("m_probability", "u_probability", "tf_adjustment_weight", "tf_minimum_u_value")


def for_engine(saved: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The saved model's parameters on this version's comparisons, in SQL for ``dialect``.

    The JSON holds SQL in the dialect it was trained in; rebuilding the comparisons for the engine at hand
    and carrying the trained parameters over lets a model trained on DuckDB run on Spark and back."""
    fresh: dict[str, Any] = model.settings().get_settings(dialect).as_dict()  # type: ignore[no-untyped-call]
    names = [c["output_column_name"] for c in fresh["comparisons"]]
    if names != [c["output_column_name"] for c in saved["comparisons"]]:
        raise ObservatoryError(
            f"the saved model's comparisons ({', '.join(c['output_column_name'] for c in saved['comparisons'])}) "
            f"are not this version's ({', '.join(names)}): run `observatory link --retrain`"
        )
    fresh["probability_two_random_records_match"] = saved["probability_two_random_records_match"]
    for new, old in zip(fresh["comparisons"], saved["comparisons"], strict=True):
        labels = [level.get("label_for_charts") for level in new["comparison_levels"]]
        if labels != [level.get("label_for_charts") for level in old["comparison_levels"]]:
            raise ObservatoryError(
                f"the saved model's levels of {new['output_column_name']} are not this version's: "
                "run `observatory link --retrain`"
            )
        for new_level, old_level in zip(new["comparison_levels"], old["comparison_levels"], strict=True):
            new_level.update({key: old_level[key] for key in _PARAMETERS if key in old_level})
    return fresh


def linker_for(splink: SplinkSession, root: Path, *, retrain: bool) -> tuple[Any, bool]:
    """A Splink linker over the person records: the saved model, or a newly trained and saved one."""
    from splink import Linker

    path = root / model.MODEL_FILE
    if path.is_file() and not retrain:
        settings = scoring_settings(load_model(path), splink.dialect)
        return Linker(splink.records, settings, splink.api, set_up_basic_logging=False), False
    linker = Linker(splink.records, model.settings(), splink.api, set_up_basic_logging=False)
    model.train(linker)
    model.save_model(linker, root)
    log.info("linkage.model_trained", path=str(path))
    return linker, True


def scoring_settings(saved: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A saved model ready to score on ``dialect``, keeping each comparison's level and weight."""
    settings = for_engine(saved, dialect)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = True
    return settings


def score_pairs(engine: Engine, root: Path, *, threshold: float, retrain: bool) -> Scored:
    """Predict every blocked pair at or above ``threshold`` and return ``linked.pairs`` as Arrow."""
    with splink_session(engine) as splink:
        linker, trained = linker_for(splink, root, retrain=retrain)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        settings = linker.misc.save_model_to_json()
        pairs = splink.run(pairs_sql(predictions.physical_name, settings["comparisons"]))
        predictions.drop_table_from_database_and_remove_from_cache()
    return Scored(pairs, trained, root / model.MODEL_FILE)


def score_new_records(engine: Engine, root: Path, new_ids: list[str], *, threshold: float) -> pa.Table:
    """Score only pairs that involve a new record (against every record), with the saved model: no retraining."""
    from splink import Linker

    weight = math.log2(threshold / (1 - threshold))
    scored = []
    with splink_session(engine) as splink:
        settings = scoring_settings(load_model(root / model.MODEL_FILE), splink.dialect)
        linker = Linker(splink.records, settings, splink.api, set_up_basic_logging=False)
        for start in range(0, len(new_ids), 50_000):
            new = splink.frame(f"new_records_{start}", records_with_ids(engine, new_ids[start : start + 50_000]))
            found = linker.inference.find_matches_to_new_records(
                new, blocking_rules=settings["blocking_rules_to_generate_predictions"], match_weight_threshold=weight
            )
            scored.append(splink.run(pairs_sql(found.physical_name, settings["comparisons"])))
            found.drop_table_from_database_and_remove_from_cache()
    # Splink puts the new record on the right and may pair it with itself; keep each pair once, ordered
    return _ordered_pairs(pa.concat_tables(scored))


def records_with_ids(engine: Engine, ids: list[str]) -> pa.Table:
    """The person records with these ids, typed."""
    table = engine.table(LAYER, PERSON_RECORDS)
    return engine.to_arrow(table.filter(table.unique_id.isin(ids)).order_by("unique_id"))


def _ordered_pairs(pairs: pa.Table) -> pa.Table:
    with duckdb.connect() as con:
        con.register("found", pairs)
        columns = [c for c in pairs.column_names if c not in ("unique_id_l", "unique_id_r")]
        return con.execute(
            "SELECT least(unique_id_l, unique_id_r) AS unique_id_l, greatest(unique_id_l, unique_id_r) AS unique_id_r, "
            f"{', '.join(columns)} FROM found WHERE unique_id_l <> unique_id_r "
            "QUALIFY row_number() OVER (PARTITION BY least(unique_id_l, unique_id_r), "
            "greatest(unique_id_l, unique_id_r) ORDER BY match_weight DESC) = 1 ORDER BY unique_id_l, unique_id_r"
        ).to_arrow_table()


def pairs_sql(predictions: str, comparisons: list[dict[str, Any]]) -> str:
    """The columns of ``linked.pairs`` from Splink's predictions table (portable SQL)."""
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    for comparison in comparisons:
        name = comparison["output_column_name"]
        has_tf = any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"])
        factor = f" * coalesce(bf_tf_adj_{name}, 1.0)" if has_tf else ""
        columns.append(f"CAST(gamma_{name} AS INT) AS {name}__level")
        columns.append(f"CAST(log2(bf_{name}{factor}) AS DOUBLE) AS {name}__weight")
    return f"SELECT {', '.join(columns)} FROM {predictions} ORDER BY unique_id_l, unique_id_r"
