"""Grouping for honest splits: posts that share a phone number or are near-duplicates of each
other (same template) get one group id, so they never straddle train and test."""
from __future__ import annotations

from typing import Sequence

from datasketch import MinHash, MinHashLSH

from tidewatch.text.normalise import normalise_term


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _shingles(text: str, k: int = 5) -> set[str]:
    t = normalise_term(text)
    return {t[i:i + k] for i in range(max(1, len(t) - k + 1))}


def near_duplicate_groups(texts: Sequence[str], phones: Sequence[Sequence[str]] = (), threshold: float = 0.6,
                          num_perm: int = 64) -> list[int]:
    """A group id per text: connected components of 'shares a phone' and 'near-duplicate'."""
    n = len(texts)
    uf = _UnionFind(n)
    owner: dict[str, int] = {}
    for i, ps in enumerate(phones):
        for p in ps:
            if p in owner:
                uf.union(owner[p], i)
            else:
                owner[p] = i
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for i, t in enumerate(texts):
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch([s.encode("utf-8") for s in _shingles(t)])
        for j in lsh.query(m):
            uf.union(i, j)
        lsh.insert(i, m)
    return [uf.find(i) for i in range(n)]
