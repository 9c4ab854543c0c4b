"""Seeded random streams. Reproducible synthetic data, not security: ``random.Random`` is the right tool."""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import TypeVar

T = TypeVar("T")


def stream(seed: int, *names: object) -> random.Random:
    """The random stream named ``names`` of generation ``seed``: the same names always give the same numbers.

    Seeding with text hashes it with SHA-512, so nearby names give unrelated streams.
    """
    return random.Random("/".join(map(str, (seed, *names))))  # noqa: S311


def below(rng: random.Random, n: int) -> int:
    """A whole number from 0 to ``n - 1``; cheaper than ``rng.randrange(n)`` in hot loops."""
    return int(rng.random() * n)


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """One of ``items``, uniformly; cheaper than ``rng.choice``."""
    return items[int(rng.random() * len(items))]


def weighted(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """One of ``items`` with the given cumulative weights; cheaper than ``rng.choices(...)[0]``."""
    return items[bisect(cum_weights, rng.random() * cum_weights[-1])]


def cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    """Running totals of ``weights``, as ``weighted`` takes them."""
    return tuple(accumulate(weights))


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count with ``mean``: Knuth's product of uniforms, in steps of at most 30 so it never underflows."""
    count = 0
    while mean > 0:
        step = min(mean, 30.0)
        mean -= step
        limit = math.exp(-step)
        product = rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


def binomial(rng: random.Random, trials: int, chance: float) -> int:
    """Successes in ``trials`` independent tries of ``chance`` each, by inversion (one uniform, about n·p steps)."""
    if trials <= 0 or chance <= 0.0:
        return 0
    if chance >= 1.0:
        return trials
    odds = chance / (1.0 - chance)
    term = (1.0 - chance) ** trials
    total = term
    roll = rng.random()
    count = 0
    while roll > total and count < trials:
        term *= odds * (trials - count) / (count + 1)
        count += 1
        total += term
    return count
