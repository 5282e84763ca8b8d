"""Which writing systems a text uses, counted in letters.

Language identification and homoglyph folding both start from the same question: how many
letters of each script does this text (or word) hold? Counting is done with one
`str.translate` into one marker character per script plus `str.count`, which keeps it at a
few microseconds for a typical post instead of a Python loop over characters.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from tidewatch.text.translate import Translator

LATIN, ARABIC, ETHIOPIC, CYRILLIC, GREEK, OTHER = "latin", "arabic", "ethiopic", "cyrillic", "greek", "other"
SCRIPTS = (LATIN, ARABIC, ETHIOPIC, CYRILLIC, GREEK, OTHER)

# (first, last) code point blocks per script; only letters inside them are counted
_BLOCKS: dict[str, tuple[tuple[int, int], ...]] = {
    LATIN: ((0x0041, 0x024F), (0x1D00, 0x1D7F), (0x1E00, 0x1EFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF),
            (0xAB30, 0xAB6F), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0x0250, 0x02AF)),
    ARABIC: ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    ETHIOPIC: ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F), (0x1E7E0, 0x1E7FF)),
    CYRILLIC: ((0x0400, 0x052F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F)),
    GREEK: ((0x0370, 0x03FF), (0x1F00, 0x1FFF)),
}
_MARK = {name: chr(1 + i) for i, name in enumerate(SCRIPTS)}
_BY_MARK = {v: k for k, v in _MARK.items()}


class ScriptCounts(NamedTuple):
    latin: int = 0
    arabic: int = 0
    ethiopic: int = 0
    cyrillic: int = 0
    greek: int = 0
    other: int = 0

    @property
    def letters(self) -> int:
        return sum(self)

    def main(self) -> str | None:
        """The script with most letters (None when there are no letters)."""
        best = max(range(len(self)), key=self.__getitem__)
        return SCRIPTS[best] if self[best] else None

    def share(self, script: str) -> float:
        total = self.letters
        return self[SCRIPTS.index(script)] / total if total else 0.0


_TABLE: dict[int, str] | None = None


def _table() -> dict[int, str]:
    """Letter -> script marker, built once (about 50 ms) on first use."""
    global _TABLE
    if _TABLE is None:
        table: dict[int, str] = {cp: "" for cp in range(1, 1 + len(SCRIPTS))}  # the markers themselves
        ranges = [(lo, hi, _MARK[name]) for name, blocks in _BLOCKS.items() for lo, hi in blocks]
        for cp in range(0x41, 0x30000):
            ch = chr(cp)
            if not ch.isalpha():
                continue
            mark = _MARK[OTHER]
            for lo, hi, m in ranges:
                if lo <= cp <= hi:
                    mark = m
                    break
            table[cp] = mark
        _TABLE = table
    return _TABLE


_MARKER: Translator | None = None


def count_scripts(text: str) -> ScriptCounts:
    """Letters per script in `text`."""
    global _MARKER
    if _MARKER is None:
        _MARKER = Translator(_table())
    marked = _MARKER(text)
    return ScriptCounts(*(marked.count(_MARK[name]) for name in SCRIPTS))


def script_of(ch: str) -> str | None:
    """The script of one letter, None for anything that is not a letter."""
    mark = _table().get(ord(ch))
    return _BY_MARK.get(mark) if mark else None


_WORD = re.compile(r"[^\W\d_]+")


def split_by_script(text: str) -> dict[str, str]:
    """The words of `text` grouped by their script (each word goes to its majority script).

    Used for mixed posts (an English advert with a Sorani sentence): each group can then be
    identified on its own.
    """
    groups: dict[str, list[str]] = {}
    table = _table()
    for word in _WORD.findall(text):
        marked = word.translate(table)
        best = max(SCRIPTS, key=lambda s: marked.count(_MARK[s]))
        if marked.count(_MARK[best]):
            groups.setdefault(best, []).append(word)
    return {script: " ".join(words) for script, words in groups.items()}
