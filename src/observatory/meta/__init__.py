"""The metadata store: runs, loads and (in later issues) catalogue, quality and governance."""

from observatory.meta.models import Base, Load, Run
from observatory.meta.store import MetaStore

__all__ = ["Base", "Load", "MetaStore", "Run"]
