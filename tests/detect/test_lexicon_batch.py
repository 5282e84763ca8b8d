"""Matching a batch of posts at once gives exactly what matching each post alone gives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tidewatch.detect.lexicon import Entry, Lexicon, default_lexicon
from tidewatch.text.normalise import normalise

ROOT = Path(__file__).resolve().parents[2]
LANG_SETS = [None, ["xx", "en"], ["xx", "fa", "prs"], ["xx", "ar"], ["xx", "kmr", "ckb", "tr"], ["xx", "ti", "am"]]


def _key(hits):
    return [(h.start, h.end, h.entry.term, h.entry.lang) for h in hits]


def _posts(limit: int = 1500) -> list[str]:
    out = []
    for path in sorted((ROOT / "data" / "labelled").glob("train*/*.jsonl")):
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()[:30]]
    return out[:limit]


def test_batch_matches_equal_single_matches_on_posts_of_every_language():
    lexicon = default_lexicon()
    texts = [normalise(t).text for t in _posts()]
    langs = [LANG_SETS[i % len(LANG_SETS)] for i in range(len(texts))]
    batch = lexicon.match_batch(texts, langs)
    single = [lexicon.match(t, lg) for t, lg in zip(texts, langs)]
    assert [_key(h) for h in batch] == [_key(h) for h in single]
    assert sum(map(len, batch)) > 5000


def _entry(term: str, lang: str = "en") -> Entry:
    return Entry(term=term, folded=term[3:] if term.startswith("re:") else term, concept="transport",
                 gloss="test", source="test", lang=lang)


@pytest.fixture()
def tiny() -> Lexicon:
    return Lexicon([
        _entry("re:^boat"),                 # anchored: means the start of the post
        _entry(r"re:bao\W{0,2}\s*den"),     # can run over the separator between posts
        _entry(r"re:\btaxi\b"),
        _entry("lorry"),
    ])


def test_anchors_mean_the_ends_of_each_post(tiny):
    texts = ["boat tonight", "a boat tonight", "boat again"]
    batch = tiny.match_batch(texts, [["en"]] * 3)
    assert [_key(h) for h in batch] == [_key(tiny.match(t, ["en"])) for t in texts]
    assert [len(h) for h in batch] == [1, 0, 1]


def test_a_match_never_runs_from_one_post_into_the_next(tiny):
    texts = ["call bao", "den now", "bao den", "taxi", "lorry taxi"]
    batch = tiny.match_batch(texts, [["en"]] * len(texts))
    assert [_key(h) for h in batch] == [_key(tiny.match(t, ["en"])) for t in texts]
    assert batch[0] == [] and batch[1] == []
    assert [h.entry.term for h in batch[2]] == [r"re:bao\W{0,2}\s*den"]


def test_a_post_holding_the_separator_is_matched_on_its_own(tiny):
    texts = ["taxi\n\x00\nlorry", "taxi"]
    batch = tiny.match_batch(texts, [["en"], ["en"]])
    assert [_key(h) for h in batch] == [_key(tiny.match(t, ["en"])) for t in texts]


def test_one_language_set_per_text(tiny):
    with pytest.raises(ValueError):
        tiny.match_batch(["a", "b"], [["en"]])
