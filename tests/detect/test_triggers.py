"""Literal triggers skip a regular-expression cue only when it cannot match."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex

from tidewatch.detect.lexicon import default_lexicon
from tidewatch.detect.triggers import may_match, required_literals
from tidewatch.text.normalise import normalise

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("pattern, expected", [
    (r"(?<!\w)[በለየከ]?ጀልባ\w*", {"ጀልባ"}),
    (r"\d[\d,.]*\s*(?:ዶላር|pound|paund)", {"ዶላር", "pound", "paund"}),
    (r"(?:boat|ship)\s+to\s+uk", {"boat", "ship"}),
    (r"(?<![\p{L}])یۆرۆ(?:یه|ی)?(?![\p{L}])", {"یۆرۆ"}),
    (r"\d+\$", {"$"}),
])
def test_reads_the_strings_every_match_contains(pattern, expected):
    assert required_literals(pattern) == expected


@pytest.mark.parametrize("pattern", [
    r"b[e3]l[e3]m",  # no literal of two letters or more is required
    r"(?:boat|\d+)",  # one alternative has no literal
    r"(?i)boat",  # case-insensitive: a substring test would be wrong
    r"(?:boat)?\s*x{0,3}",  # nothing is required
    r"(?P<x",  # unreadable
])
def test_says_nothing_when_nothing_can_be_said(pattern):
    assert required_literals(pattern) is None


def test_may_match():
    assert may_match(None, "anything")
    assert may_match(frozenset({"boat", "ship"}), "a big ship")
    assert not may_match(frozenset({"boat", "ship"}), "a big lorry")


def _texts(limit: int = 2500) -> list[str]:
    out = []
    for path in sorted((ROOT / "data" / "labelled").glob("train*/*.jsonl")):
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()[:40]]
    return out[:limit]


def test_no_lexicon_cue_is_lost_to_its_triggers():
    """Every regular-expression entry of the lexicon, on real posts of every language: the hits
    with triggers are exactly the hits without them."""
    lexicon = default_lexicon()
    texts = [normalise(t).text for t in _texts()]
    checked = 0
    for pattern, entry, triggers in lexicon._patterns:
        if triggers is None:
            continue
        compiled = regex.compile(entry.folded, regex.V1)
        for text in texts:
            if not may_match(triggers, text):
                assert compiled.search(text) is None, (entry.term, text)
                checked += 1
    assert checked > 10_000  # the test really exercised skipped pairs


def test_lexicon_match_is_the_same_with_and_without_triggers():
    lexicon = default_lexicon()
    texts = [normalise(t).text for t in _texts(1200)]
    with_triggers = [[(h.start, h.end, h.entry.term) for h in lexicon.match(t, None)] for t in texts]
    saved = lexicon._untriggered
    try:
        lexicon._untriggered = frozenset(id(p) for p, _, _ in lexicon._patterns)  # run every pattern
        without = [[(h.start, h.end, h.entry.term) for h in lexicon.match(t, None)] for t in texts]
    finally:
        lexicon._untriggered = saved
    assert with_triggers == without
    assert sum(map(len, with_triggers)) > 1000
