"""Hashed word unigrams and bigrams for a whole batch at once, in NumPy.

scikit-learn's HashingVectorizer builds each token and bigram as a Python string; here a batch is
one array of code points and every word's hash comes from prefix sums: with an odd base B,
hash(word[s:e]) = sum cp[k] * B^(e-1-k) (mod 2^64) = (Q[e] - Q[s]) * B^(e-1), where
Q[i] = sum_{k<i} cp[k] * B^-k, and B^-1 exists modulo 2^64 because B is odd. NumPy's unsigned
arithmetic wraps modulo 2^64, so cumsum and cumprod give Q and the powers directly.

A word is a run of letters, digits, marks or "_" (marks stay inside their word, unlike `\\w`)
in the Basic Multilingual Plane.
Rows are term frequencies scaled to unit length, like the character n-grams beside them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from tidewatch.detect.charhash import unit_rows

BASE = np.uint64(0x100000001B3)  # odd
BASE_INV = np.uint64(pow(int(BASE), -1, 2 ** 64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_BIGRAM = np.uint64(0xC2B2AE3D27D4EB4F)


@lru_cache(maxsize=1)
def word_chars() -> np.ndarray:
    """is_word[code point] for the Basic Multilingual Plane (built once, about 50 ms). Code points
    above it are emoji and rare scripts here (normalising has already folded styled letters)."""
    import unicodedata

    table = np.zeros(0x10000, dtype=bool)
    for cp in range(0x10000):
        ch = chr(cp)
        if ch.isalnum() or ch == "_" or (cp >= 0x300 and unicodedata.category(ch).startswith("M")):
            table[cp] = True
    return table


def _is_word(cp: np.ndarray) -> np.ndarray:
    table = word_chars()
    return table[np.minimum(cp, 0xFFFF)] & (cp < 0x10000)


def _mix(h: np.ndarray, salt: int) -> np.ndarray:
    return (h ^ (h >> np.uint64(29))) * _MIX + np.uint64(salt)


def word_ngrams(texts: Sequence[str], n_features: int = 2 ** 18, bigrams: bool = True) -> sp.csr_matrix:
    n_docs = len(texts)
    if n_docs == 0:
        return sp.csr_matrix((0, n_features), dtype=np.float32)
    padded = [f" {t} " for t in texts]  # no word runs across documents
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=n_docs)
    cp = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32)
    total = cp.size
    is_word = _is_word(cp)
    edges = np.diff(is_word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if starts.size == 0:
        return sp.csr_matrix((n_docs, n_features), dtype=np.float32)
    doc_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    doc_of_token = np.searchsorted(doc_start, starts, side="right") - 1
    with np.errstate(over="ignore"):
        inv_pow = np.empty(total + 1, dtype=np.uint64)
        inv_pow[0] = 1
        inv_pow[1:] = BASE_INV
        inv_pow = np.cumprod(inv_pow, dtype=np.uint64)  # B^-k
        pow_ = np.empty(total + 1, dtype=np.uint64)
        pow_[0] = 1
        pow_[1:] = BASE
        pow_ = np.cumprod(pow_, dtype=np.uint64)  # B^k
        q = np.zeros(total + 1, dtype=np.uint64)
        np.cumsum(cp.astype(np.uint64) * inv_pow[:total], dtype=np.uint64, out=q[1:])
        h = (q[ends] - q[starts]) * pow_[ends - 1]
        h = h + (ends - starts).astype(np.uint64) * _BIGRAM  # the length, so "ab" and "\x00ab" differ
        rows = [doc_of_token]
        cols = [_mix(h, 1)]
        if bigrams and starts.size > 1:
            same = doc_of_token[1:] == doc_of_token[:-1]
            hb = h[:-1] * _BIGRAM + h[1:]
            rows.append(doc_of_token[1:][same])
            cols.append(_mix(hb[same], 2))
    c = (np.concatenate(cols) >> np.uint64(20)) % np.uint64(n_features)
    return unit_rows(np.concatenate(rows), c.astype(np.int64), n_docs, n_features)


def reference_hashes(text: str, bigrams: bool = True) -> list[int]:
    """The same hashes computed one word at a time in plain Python (for tests)."""
    table = word_chars()
    words, cur = [], []
    for ch in text:
        if ord(ch) < 0x10000 and table[ord(ch)]:
            cur.append(ch)
        elif cur:
            words.append("".join(cur))
            cur = []
    if cur:
        words.append("".join(cur))
    m = 2 ** 64
    hs = []
    for w in words:
        v = 0
        for ch in w:
            v = (v * int(BASE) + ord(ch)) % m
        hs.append((v + len(w) * int(_BIGRAM)) % m)

    def mix(x: int, salt: int) -> int:
        return (((x ^ (x >> 29)) * int(_MIX)) + salt) % m

    out = [mix(x, 1) for x in hs]
    if bigrams:
        out += [mix((a * int(_BIGRAM) + b) % m, 2) for a, b in zip(hs, hs[1:])]
    return out
