"""A small in-process cache for page data that is costly to build and read often (``/api/home``, ``/api/quality``).

Entries are keyed by (name, role, data version). The data version is read from the metadata store with one
cheap query (``data_version``): the newest run, how many runs are still running and when one last finished,
the newest catalogue edit or review, the newest quality snapshot and the newest KPI result. A load, a build
step, a catalogue edit or review, a new quality snapshot or new KPI results therefore change the version, and a
payload built for an older version is never served. The version is re-read at most every ``check_every`` seconds
(2 by default): that bounds how often the store is asked and how long a change can take to show (2 seconds).

Each server worker keeps its own cache; the version, read from the shared store, keeps them consistent.
Cached payloads are shared between requests: treat them as read-only.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import func, select

from observatory.meta import MetaStore
from observatory.meta.models import CatalogueEdit, KpiResult, QualitySnapshot, Run
from observatory.web.auth import Principal

CHECK_EVERY = 2.0
"""Seconds between two reads of the data version."""

MAX_ENTRIES = 512
"""Payloads kept at most (the least recently used go first)."""

Payload = TypeVar("Payload")


def data_version(meta: MetaStore) -> tuple[Any, ...]:
    """What changes whenever the data behind the pages does, read with one query of a few aggregates."""
    query = select(
        select(func.max(Run.id)).scalar_subquery(),
        select(func.count()).select_from(Run).where(Run.status == "running").scalar_subquery(),
        select(func.max(Run.finished_at)).scalar_subquery(),
        select(func.max(CatalogueEdit.id)).scalar_subquery(),
        select(func.max(QualitySnapshot.id)).scalar_subquery(),
        select(func.max(KpiResult.id)).scalar_subquery(),
    )
    with meta.session() as session:
        row = session.execute(query).one()
    return tuple(row)


class PayloadCache:
    """Payloads by (name, role), each kept with the data version it was built for."""

    def __init__(
        self,
        version: Callable[[], Hashable],
        *,
        check_every: float = CHECK_EVERY,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._read_version = version
        self.check_every = check_every
        self.clock = clock
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], tuple[Hashable, Any]] = OrderedDict()
        self._version: Hashable | None = None
        self._checked_at: float | None = None

    def version(self) -> Hashable:
        """The data version: re-read when the last reading is ``check_every`` seconds old (payloads of an older
        version are dropped then)."""
        now = self.clock()
        with self._lock:
            if self._checked_at is not None and now - self._checked_at < self.check_every:
                return self._version
        current = self._read_version()
        with self._lock:
            if current != self._version:
                self._entries.clear()
                self._version = current
            self._checked_at = now
        return current

    def get(self, name: str, role: str, build: Callable[[], Payload]) -> Payload:
        """The payload ``name`` for ``role`` at the current data version, built (and kept) when missing."""
        version = self.version()
        key = (name, role)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == version:
                self._entries.move_to_end(key)
                self.hits += 1
                payload: Payload = found[1]
                return payload
            self.misses += 1
        payload = build()
        with self._lock:
            if self._version == version:  # not superseded while it was being built
                self._entries[key] = (version, payload)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return payload

    def forget(self) -> None:
        """Drop every payload and read the version again next time (after a change made by this worker)."""
        with self._lock:
            self._entries.clear()
            self._checked_at = None

    def __len__(self) -> int:
        return len(self._entries)


_CREATE = threading.Lock()
STATE_KEY = "payloads"


def payload_cache(request: Request) -> PayloadCache:
    """The app's payload cache (made on first use, reading the version from the app's metadata store)."""
    store: dict[str, Any] = request.app.state.cache
    with _CREATE:
        cache = store.get(STATE_KEY)
        if cache is None:
            meta = request.app.state.obs.meta
            cache = store[STATE_KEY] = PayloadCache(lambda: data_version(meta))
    assert isinstance(cache, PayloadCache)
    return cache


def cached(request: Request, who: Principal, name: str, build: Callable[[], Payload]) -> Payload:
    """``build()`` for ``who``'s role, from the cache while the data has not changed."""
    return payload_cache(request).get(name, who.role, build)
