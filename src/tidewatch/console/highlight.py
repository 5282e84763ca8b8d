"""Cues and entities laid over the ORIGINAL text as segments, for the item page.

The post text is hostile. This module never produces HTML: it cuts the text at the span
boundaries of cues and entities into segments, each with the marks that cover it, and splits
each segment into pieces so that invisible control characters (bidi overrides such as U+202E,
C0 controls) become visible, named markers instead of silently reordering or hiding text.
The web layer escapes every piece when it renders them (`tidewatch.web.render`).
Spans are Python string indices (code points) into the original text; invalid ones are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

# Characters that change how the rest of the line is displayed, or that cannot be seen.
# ZWJ/ZWNJ (U+200C/U+200D) are left alone: Persian and Kurdish spelling and emoji need them.
CONTROL_NAMES: dict[str, str] = {
    "\u061c": "ALM", "\u200e": "LRM", "\u200f": "RLM",
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
    "\u200b": "ZWSP", "\u2060": "WJ", "\ufeff": "BOM",
}
for _c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)]:
    CONTROL_NAMES.setdefault(chr(_c), f"U+{_c:04X}")
_CONTROL_TABLE = {ord(c): None for c in CONTROL_NAMES}


@dataclass(frozen=True, slots=True)
class Mark:
    """One annotation over a span: a cue (concept, gloss) or an entity (kind, value)."""

    kind: str  # "cue" or "entity"
    name: str  # concept of a cue, kind of an entity
    detail: str  # gloss of a cue, normalised value of an entity
    term: str = ""
    weight: float = 0.0

    @property
    def title(self) -> str:
        if self.kind == "cue":
            return f"{self.name}: {self.detail}" if self.detail else self.name
        return f"{self.name}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    control: str | None = None  # name of the control character this piece stands for

    @property
    def code(self) -> str:
        return f"U+{ord(self.text):04X}" if self.control else ""


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    pieces: tuple[Piece, ...]
    marks: tuple[Mark, ...] = ()

    @property
    def title(self) -> str:
        return " · ".join(dict.fromkeys(m.title for m in self.marks))

    @property
    def classes(self) -> str:
        names = []
        if any(m.kind == "cue" for m in self.marks):
            names.append("cue")
        names += sorted({f"ent-{_css(m.name)}" for m in self.marks if m.kind == "entity"})
        return " ".join(names)


def _css(name: str) -> str:
    return "".join(c for c in name.lower() if c.isascii() and (c.isalnum() or c in "-_"))[:30] or "x"


def strip_controls(text: str) -> str:
    """The text without invisible controls (for one-line displays such as titles)."""
    return text.translate(_CONTROL_TABLE)


def pieces(text: str) -> tuple[Piece, ...]:
    """Split text into plain runs and one piece per control character."""
    out: list[Piece] = []
    run_start = 0
    for i, ch in enumerate(text):
        if ch in CONTROL_NAMES:
            if i > run_start:
                out.append(Piece(text[run_start:i]))
            out.append(Piece(ch, CONTROL_NAMES[ch]))
            run_start = i + 1
    if run_start < len(text) or not out:
        out.append(Piece(text[run_start:]))
    return tuple(p for p in out if p.text)


def _valid_span(start: Any, end: Any, n: int) -> tuple[int, int] | None:
    if isinstance(start, bool) or isinstance(end, bool):
        return None
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    if start < 0 or end > n or start >= end:
        return None
    return start, end


def marks_from(cues: Iterable[Any], entities: Iterable[Any], n: int) -> list[tuple[int, int, Mark]]:
    """(start, end, mark) for every cue and entity with a usable span in a text of length n."""
    out: list[tuple[int, int, Mark]] = []
    for c in cues or ():
        if not isinstance(c, dict):
            continue
        span = c.get("span") or [None, None]
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            continue
        ok = _valid_span(span[0], span[1], n)
        if ok:
            w = c.get("weight")
            out.append((*ok, Mark("cue", str(c.get("concept") or ""), str(c.get("gloss") or ""),
                                  str(c.get("term") or ""), float(w) if isinstance(w, (int, float)) else 0.0)))
    for e in entities or ():
        start, end = (e.get("start"), e.get("end")) if isinstance(e, dict) else (e.start, e.end)
        kind, value = (e.get("kind"), e.get("value")) if isinstance(e, dict) else (e.kind, e.value)
        ok = _valid_span(start, end, n)
        if ok:
            out.append((*ok, Mark("entity", str(kind or ""), str(value or ""))))
    return out


def highlight(text: str, cues: Iterable[Any] = (), entities: Iterable[Any] = ()) -> list[Segment]:
    """The whole text as consecutive segments; marked segments carry the cues/entities over them.

    Joining the segments' pieces gives back `text` exactly (nothing is lost or added).
    """
    n = len(text)
    spans = marks_from(cues, entities, n)
    if not spans:
        return [Segment(0, n, pieces(text))] if text else []
    cuts = sorted({0, n, *(s for s, _e, _m in spans), *(e for _s, e, _m in spans)})
    # sweep: marks starting at each cut, active set between cuts
    starts: dict[int, list[int]] = {}
    for idx, (s, _e, _m) in enumerate(spans):
        starts.setdefault(s, []).append(idx)
    active: set[int] = set()
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        active.update(starts.get(a, ()))
        active = {i for i in active if spans[i][1] > a}
        marks = tuple(spans[i][2] for i in sorted(active, key=lambda i: (spans[i][0], -spans[i][1], i)))
        out.append(Segment(a, b, pieces(text[a:b]), marks))
    return out


def cue_table(cues: Sequence[Any], text: str) -> list[dict]:
    """The explanation: each cue with the words it matched in the original text, strongest first."""
    rows = []
    for c in cues or ():
        if not isinstance(c, dict):
            continue
        span = c.get("span") or [None, None]
        ok = _valid_span(*(span if isinstance(span, (list, tuple)) and len(span) == 2 else (None, None)), len(text))
        w = c.get("weight")
        rows.append({"matched": text[ok[0]:ok[1]] if ok else "", "term": str(c.get("term") or ""),
                     "concept": str(c.get("concept") or ""), "gloss": str(c.get("gloss") or ""),
                     "weight": float(w) if isinstance(w, (int, float)) else 0.0})
    rows.sort(key=lambda r: -r["weight"])
    return rows
