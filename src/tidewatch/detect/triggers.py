"""Literal triggers for regular-expression cues: strings one of which every match must contain.

A lexicon pattern such as `\\d[\\d,.]*\\s*(?:ዶላር|pound)` costs a scan of the whole post even when
the post has no "ዶላር" and no "pound" in it, and most posts have neither. `required_literals`
reads the pattern's syntax tree and returns a set of strings such that any match contains at
least one of them; a post containing none of them is skipped with a substring test. The answer
is None when no such set can be read off (the pattern then always runs), so skipping never
loses a match.
"""
from __future__ import annotations

import re
from typing import Iterable

try:  # Python 3.11+
    from re import _constants as C
    from re import _parser as parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

_MIN_LEN = 2  # a single ASCII letter is in nearly every post: not worth testing
_RARE_SIGNS = frozenset("$#%&")  # single characters rare enough in posts to be worth testing
_PROPERTY = re.compile(r"\\[pP]\{[^}]*\}")  # \p{L} and the like: a class, not a literal, for this purpose


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, or None when that cannot be said."""
    try:
        tree = parser.parse(_PROPERTY.sub(r"\\w", pattern))
    except Exception:  # syntax of the `regex` module that `re` does not read (\\p{L}, ...)
        return None
    if tree.state.flags & (C.SRE_FLAG_IGNORECASE | C.SRE_FLAG_VERBOSE):
        return None
    found = _sequence(list(tree))
    if not found or any(len(t) < _MIN_LEN and t.isascii() and t not in _RARE_SIGNS for t in found):
        return None
    return frozenset(found)


def _sequence(items: Iterable) -> set[str] | None:
    """The best literal set required by a sequence of nodes (None when there is none)."""
    candidates: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append({"".join(run)})
            run = []
        sub: set[str] | None = None
        if op is C.SUBPATTERN:
            sub = _sequence(av[-1])
        elif op is C.BRANCH:
            alternatives = [_sequence(branch) for branch in av[1]]
            if alternatives and all(alternatives):
                sub = set().union(*alternatives)  # type: ignore[arg-type]
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            low, _high, body = av
            if low >= 1:
                sub = _sequence(body)
        elif op is C.ATOMIC_GROUP if hasattr(C, "ATOMIC_GROUP") else False:
            sub = _sequence(av)
        if sub:
            candidates.append(sub)
    if run:
        candidates.append({"".join(run)})
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


def may_match(triggers: frozenset[str] | None, text: str) -> bool:
    """False only when the pattern with these triggers cannot match `text`."""
    if triggers is None:
        return True
    for t in triggers:
        if t in text:
            return True
    return False
