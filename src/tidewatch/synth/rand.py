"""Fast draws from a `random.Random`: the generator makes tens of draws per post.

`random.Random.choice`/`choices`/`randrange` are exact but slow (rejection sampling, argument
checks); one float draw scaled to the range is plenty for synthetic text and three to five times
faster. Every draw still comes from the corpus's own seeded generator.
"""
from __future__ import annotations

import random
from bisect import bisect
from typing import Any, Sequence


def choose(rng: random.Random, seq: Sequence[Any]) -> Any:
    return seq[int(rng.random() * len(seq))]


def below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def between(rng: random.Random, lo: int, hi: int) -> int:
    """An integer in [lo, hi], both ends included."""
    return lo + int(rng.random() * (hi - lo + 1))


class Table:
    """Weighted choice over fixed items, with cumulative weights computed once."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, weights: dict[Any, float] | Sequence[tuple[Any, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        if not pairs:
            raise ValueError("a weighted table needs at least one item")
        self.items = [k for k, _ in pairs]
        total, cum = 0.0, []
        for _, w in pairs:
            total += w
            cum.append(total)
        self.cum, self.total = cum, total

    def pick(self, rng: random.Random) -> Any:
        i = bisect(self.cum, rng.random() * self.total)
        return self.items[min(i, len(self.items) - 1)]
