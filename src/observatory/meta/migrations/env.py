"""Alembic environment: runs on the connection handed over by ``MetaStore.migrate``."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import create_engine
from sqlalchemy.types import TypeDecorator

from observatory.meta.models import Base, is_search_index

config = context.config
connection = config.attributes.get("connection")


def _render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes a TypeDecorator (e.g. ``UTCDateTime``) as its plain SQL type, ``sa.DateTime(...)``."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    """The full-text index is made by hand in the migration (FTS5 / tsvector), not from the models."""
    return not (type_ == "table" and is_search_index(name))


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    with create_engine(url).connect() as conn:
        _run(conn)
