"""Warehouse engines behind one small interface: DuckDB (default) and Spark (extra ``[spark]``)."""

from __future__ import annotations

from observatory.config import Project
from observatory.engine.base import LAYERS, Engine, Published, Staging, qualified
from observatory.errors import EngineError


def open_engine(project: Project) -> Engine:
    """The engine the project asks for in ``observatory.yml``."""
    if project.spec.engine == "duckdb":
        from observatory.engine.duckdb_engine import DuckDBEngine

        return DuckDBEngine(project.warehouse_path)
    try:
        from observatory.engine.spark_engine import SparkEngine
    except ImportError as exc:
        raise EngineError(
            f"engine: spark needs the optional extra: pip install 'observatory[spark]' (import failed: {exc})"
        ) from exc
    engine: Engine = SparkEngine.for_project(project)
    return engine


__all__ = ["LAYERS", "Engine", "Published", "Staging", "open_engine", "qualified"]
