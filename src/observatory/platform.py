"""``Observatory``: the one object built from a project folder. It owns config, engine and metadata store."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from observatory.config import Project, load_project
from observatory.engine import Engine, open_engine
from observatory.meta import MetaStore


class Observatory:
    """A project opened for work. CLI commands, web handlers and tests receive one of these.

    >>> with Observatory.open("my-council") as obs:   # doctest: +SKIP
    ...     obs.engine.list_tables("raw")
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.project.state_dir.mkdir(parents=True, exist_ok=True)
        self.meta = MetaStore(project.metadata_url)
        self.meta.migrate()
        self._engine: Engine | None = None

    @classmethod
    def open(cls, root: str | Path = ".") -> Observatory:
        """Validate the project at ``root`` and open it."""
        return cls(load_project(Path(root)))

    @property
    def root(self) -> Path:
        return self.project.root

    @property
    def engine(self) -> Engine:
        """The warehouse engine, opened on first use."""
        if self._engine is None:
            self._engine = open_engine(self.project)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        self.meta.close()

    def __enter__(self) -> Observatory:
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.close()
