"""Authoring specs: the shape of ``observatory.yml`` and ``sources/*.yml`` as pydantic models.

These are what a person writes. Runtime objects (``Project``, ``Source``, ``Dataset``) are
compiled from them in ``config.project``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
"""Source and dataset names: lower case, digits and underscores; they become table names."""

FileFormat = Literal["csv", "xlsx", "parquet", "json", "ndjson", "sql"]
Encoding = Literal["auto", "utf-8", "utf-8-sig", "windows-1252", "latin-1"]


class Spec(BaseModel):
    """Base for authoring specs: unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SparkSpec(Spec):
    """Settings for the Spark engine (``engine: spark``)."""

    master: str = "local[2]"
    conf: dict[str, str] = Field(default_factory=dict)


class ProjectSpec(Spec):
    """``observatory.yml``: one per project."""

    name: str = Field(min_length=1)
    description: str = ""
    engine: Literal["duckdb", "spark"] = "duckdb"
    warehouse: str = ".observatory/warehouse.duckdb"
    metadata_url: str | None = None
    spark: SparkSpec = Field(default_factory=SparkSpec)
    settings: dict[str, str | int | float | bool] = Field(default_factory=dict)


class DatasetSpec(Spec):
    """One dataset of a source: a file (CSV, XLSX, Parquet, JSON) or a database table or query."""

    title: str = ""
    description: str = ""
    path: str | None = None
    format: FileFormat | None = None
    encoding: Encoding = "auto"
    delimiter: str = "auto"
    header_row: int | Literal["auto", "none"] = "auto"
    header_rows: int = Field(default=1, ge=1, le=10)
    columns: list[str] | None = None
    sheet: str | int | None = None
    url: str | None = None
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _one_location(self) -> DatasetSpec:
        if self.format == "sql" or self.url is not None:
            if self.url is None:
                raise ValueError("a database dataset needs 'url' (a SQLAlchemy URL)")
            if (self.table is None) == (self.query is None):
                raise ValueError("a database dataset needs exactly one of 'table' or 'query'")
            if self.path is not None:
                raise ValueError("give either 'path' (a file) or 'url' (a database), not both")
        elif self.path is None:
            raise ValueError("a dataset needs 'path' (a file in the project) or 'url' (a database)")
        if isinstance(self.header_row, int) and self.header_row < 1:
            raise ValueError("header_row is a 1-based line number, 'auto' or 'none'")
        if self.delimiter != "auto" and len(self.delimiter) != 1:
            raise ValueError("delimiter must be one character or 'auto'")
        return self


class SourceSpec(Spec):
    """``sources/NAME.yml``: one line-of-business system and the datasets it exports."""

    name: Name
    title: str = ""
    system: str = ""
    owner: str = ""
    description: str = ""
    datasets: dict[Name, DatasetSpec] = Field(min_length=1)
