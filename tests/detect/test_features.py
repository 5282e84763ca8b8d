"""Cue counting: a cue inside a longer cue of the other side is read the longer cue's way."""
from __future__ import annotations

from tidewatch.detect.features import counted_hits
from tidewatch.detect.lexicon import Entry, Lexicon
from tidewatch.pipeline import prepare


def _lexicon() -> Lexicon:
    rows = [("police", "reporting"), ("no police", "guarantee"), ("pay", "payment"),
            ("never pay a smuggler", "warning"), ("boat", "transport"), ("big boat", "guarantee")]
    return Lexicon([Entry(term=t, folded=t, concept=c, gloss=t, source="test", lang="en") for t, c in rows])


def _concepts(text: str) -> dict[str, int]:
    return counted_hits(prepare("x", text, "en"), _lexicon()).concept_counts


def test_a_framing_word_inside_an_advert_phrase_counts_as_the_phrase():
    assert _concepts("Crossing tonight, no police on the beach") == {"guarantee": 1}


def test_an_advert_word_inside_a_warning_counts_as_the_warning():
    assert _concepts("Never pay a smuggler before you see the boat") == {"warning": 1, "transport": 1}


def test_cues_of_the_same_side_both_count():
    assert _concepts("big boat, safe") == {"guarantee": 1, "transport": 1}


def test_the_words_alone_keep_their_own_concept():
    assert _concepts("The police stopped a boat; we pay on arrival") == {"reporting": 1, "transport": 1, "payment": 1}
