"""Cue counting: a cue inside a longer cue of the other side is read the longer cue's way."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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


def _naive(hits):
    from tidewatch.detect.features import _FRAMING

    return [h for h in hits if not any(
        o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
        and (o.entry.concept in _FRAMING) != (h.entry.concept in _FRAMING) for o in hits)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 6), st.sampled_from(["transport", "warning", "price", "personal"])),
                max_size=12))
def test_the_sweep_drops_exactly_the_cues_inside_a_longer_cue_of_the_other_side(spans):
    from tidewatch.detect.features import _drop_overruled
    from tidewatch.detect.lexicon import Hit

    hits = sorted((Hit(s, s + n, Entry(term=f"t{s}{n}{c}", folded="x", concept=c, gloss="", source="", lang="en"))
                   for s, n, c in spans), key=lambda h: (h.start, -h.end))
    assert _drop_overruled(hits) == _naive(hits)
