"""The emoji -> concept-token table."""
from __future__ import annotations

import re

import emoji
import pytest

from tidewatch.text.emoji_concepts import CONCEPTS, build_table, lookup_key
from tidewatch.text.normalise import normalise

TOKEN = re.compile(r"[a-z0-9_#*]+")


@pytest.mark.parametrize("concept, char", [(c, ch) for c, chars in CONCEPTS.items() for ch in chars])
def test_every_curated_emoji_reads_as_its_concept(concept: str, char: str) -> None:
    assert normalise(f"x {char} y").text == f"x {concept} y"
    assert normalise(f"x {char}\ufe0f y").text == f"x {concept} y"


def test_every_token_is_an_ascii_word() -> None:
    table = build_table()
    assert len(table) > 1500
    assert all(TOKEN.fullmatch(token) for token in table.values())


def test_every_flag_has_a_name() -> None:
    table = build_table()
    flags = [seq for seq in emoji.EMOJI_DATA if len(seq) == 2 and all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in seq)]
    assert len(flags) > 250
    for flag in flags:
        assert table[lookup_key(flag)], flag
    assert table["🇨🇮"] == "cote_d_ivoire"


def test_lookup_key_ignores_tones_and_selectors() -> None:
    assert lookup_key("👍🏽") == "👍"
    assert lookup_key("✈️") == "✈"
