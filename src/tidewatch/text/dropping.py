"""Removing characters from a text while keeping the way back to it."""
from __future__ import annotations

import re


def drop_runs(text: str, runs: re.Pattern) -> tuple[str, list[int]]:
    """`text` without the matches of `runs`, and, for each character kept, its index in `text`.

    The stretches between matches are copied whole (slices and `range`s), so the cost is per
    match, not per character."""
    parts: list[str] = []
    keep: list[int] = []
    pos = 0
    for m in runs.finditer(text):
        parts.append(text[pos:m.start()])
        keep.extend(range(pos, m.start()))
        pos = m.end()
    parts.append(text[pos:])
    keep.extend(range(pos, len(text)))
    return "".join(parts), keep
