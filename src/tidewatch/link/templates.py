"""Near-duplicate text templates: posts written from one skeleton with varying slots
(prices, dates, phones, handles) fall into one group.

Texts are normalised, digit runs, phones and handles masked, then MinHash-LSH finds candidate
pairs band by band (a sort per band, no Python dict of millions of keys) and each candidate is
verified against its band-mate's signature before two posts are joined.
"""
from __future__ import annotations

import difflib
from typing import Sequence

import numpy as np
import regex

from tidewatch.link.minhash import band_keys, permutations, shingle_hashes, signature

NUM_PERM = 64
BANDS = 16
THRESHOLD = 0.8  # near-identical once slots are masked: generic phrasing shared by unrelated sellers stays below
_PERMS = permutations(NUM_PERM, seed=7)

_MASKS = [
    (regex.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|wa\.me|telegram\.me)/\S+"), "<link>"),
    (regex.compile(r"@[\p{L}\p{N}_.]{2,}"), "<handle>"),
    (regex.compile(r"\p{Nd}[\p{Nd}\s.,\-/]*\p{Nd}|\p{Nd}"), "#"),
]


def template_text(text: str) -> str:
    """The text with its slots masked, as compared for templates."""
    from tidewatch.text.normalise import normalise_term

    t = normalise_term(text)
    for pattern, repl in _MASKS:
        t = pattern.sub(repl, t)
    return t


def signatures(texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, NUM_PERM), dtype=np.uint32)
    return np.vstack([signature(shingle_hashes(template_text(t)), _PERMS) for t in texts])


class UnionFind:
    def __init__(self, n: int = 0):
        self.parent = np.arange(n, dtype=np.int64)

    def grow(self, n: int) -> None:
        old = len(self.parent)
        if n > old:
            self.parent = np.concatenate([self.parent, np.arange(old, n, dtype=np.int64)])

    def find(self, i: int) -> int:
        p = self.parent
        root = i
        while p[root] != root:
            root = p[root]
        while p[i] != root:
            p[i], i = root, p[i]
        return int(root)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def roots(self) -> np.ndarray:
        return np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)


def group_signatures(sigs: np.ndarray, threshold: float = THRESHOLD, uf: UnionFind | None = None,
                     new_from: int = 0) -> UnionFind:
    """Join near-duplicates among `sigs`. With `new_from`, only pairs that involve a row at or
    after it are examined (older rows were grouped before): the incremental case."""
    n = sigs.shape[0]
    uf = uf or UnionFind(n)
    uf.grow(n)
    if n < 2:
        return uf
    keys = band_keys(sigs, BANDS)
    for b in range(BANDS):
        order = np.argsort(keys[:, b], kind="stable")
        k = keys[order, b]
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        sizes = np.diff(np.r_[starts, n])
        for s, size in zip(starts[sizes > 1], sizes[sizes > 1]):
            members = order[s:s + size]
            if new_from and members.max() < new_from:
                continue
            _join_run(uf, sigs, members, threshold, new_from)
    return uf


_WINDOW = 32


def _join_run(uf: UnionFind, sigs: np.ndarray, members: np.ndarray, threshold: float, new_from: int) -> None:
    """Within one band bucket, join each member to the first of its (up to 32) earlier
    bucket-mates whose signature really agrees on `threshold` of its positions."""
    if len(members) == 2:
        a, b = int(members[0]), int(members[1])
        if uf.find(a) != uf.find(b) and np.count_nonzero(sigs[a] == sigs[b]) >= threshold * sigs.shape[1]:
            uf.union(a, b)
        return
    for lo in range(0, len(members), 4 * _WINDOW):
        block = members[max(0, lo - _WINDOW):lo + 4 * _WINDOW]
        sub = sigs[block]
        sim = (sub[:, None, :] == sub[None, :, :]).mean(axis=2)
        first = max(0, lo - _WINDOW)
        for k in range(lo - first if lo else 1, len(block)):
            m = int(block[k])
            if new_from and m < new_from and block[:k].max() < new_from:
                continue
            window = sim[k, max(0, k - _WINDOW):k]
            hit = np.flatnonzero(window >= threshold)
            if hit.size:
                uf.union(int(block[max(0, k - _WINDOW) + hit[0]]), m)


def group_texts(texts: Sequence[str], threshold: float = THRESHOLD) -> list[int]:
    """A template group id per text (the smallest index in its group)."""
    return [int(r) for r in group_signatures(signatures(texts), threshold).roots()]


def skeleton(texts: Sequence[str], max_texts: int = 8) -> str:
    """The shared text of a template group with its varying parts shown as «…»."""
    if not texts:
        return ""
    base = texts[0].split()
    keep = [True] * len(base)
    for other in texts[1:max_texts]:
        sm = difflib.SequenceMatcher(a=base, b=other.split(), autojunk=False)
        same = [False] * len(base)
        for block in sm.get_matching_blocks():
            for i in range(block.a, block.a + block.size):
                same[i] = True
        keep = [k and s for k, s in zip(keep, same)]
    out, gap = [], False
    for word, k in zip(base, keep):
        if k:
            out.append(word)
            gap = False
        elif not gap:
            out.append("«…»")
            gap = True
    return " ".join(out)
