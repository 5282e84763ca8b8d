"""Prices and places hidden by spaced letters, look-alike letters or digits-for-letters are read
from the normalised text, with spans in the original; emoji words are not places."""
from __future__ import annotations

import pytest

from tidewatch.extract import extract_all
from tidewatch.text.normalise import normalise


def _found(text: str, lang: str | None):
    ents = extract_all(text, lang, normalise(text))
    return {(e.kind, e.value, text[e.start:e.end]) for e in ents if e.kind in ("price", "place")}


@pytest.mark.parametrize("text, lang, expected", [
    ("ق ا ی ق  ب ز ر گ  ب ه  ا ن گ ل ی س 🇬🇧  ن ف ر ی  ۲ ۹ ۰ ۰  پ و ن د", "fa",
     {("place", "UK", "ا ن گ ل ی س"), ("price", "2900 GBP", "۲ ۹ ۰ ۰  پ و ن د")}),
    ("ی و ن ا ن  ک ا  ر ا س ت ہ 🇬🇷  ف ی  ب ن د ہ  ۸  ل ا ک ھ ۔", "ur",
     {("place", "Greece", "ی و ن ا ن"), ("price", "800000 PKR", "۸  ل ا ک ھ")}),
    ("İ_t_a_l_y_a y_a_t_ı ⛵ 4 b_i_n € – ç_o_c_u_k_l_a_r b_e_d_a_v_a", "tr",
     {("place", "Italy", "İ_t_a_l_y_a"), ("price", "4000 EUR", "4 b_i_n €")}),
    ("Tаksi për Lоndër 🚕 nga Kalе, 2500 paund", "sq",  # Cyrillic а, о, е
     {("place", "London", "Lоndër"), ("place", "Calais", "Kalе"), ("price", "2500 GBP", "2500 paund")}),
])
def test_disguised_prices_and_places_are_read(text, lang, expected):
    assert _found(text, lang) == expected


def test_a_flag_emoji_alone_is_not_a_place():
    text = "b.o.a.t 🇬🇷 tonight, 2 5 0 0 €"
    assert ("place", "Greece", "🇬🇷") not in _found(text, "en")
    assert not any(kind == "place" for kind, _, _ in _found(text, "en"))


def test_without_the_normalised_text_only_the_plain_reading_is_used():
    text = "ا ن گ ل ی س  ۲ ۹ ۰ ۰  پ و ن د"
    assert not any(e.kind == "price" for e in extract_all(text, "fa"))
    assert [e.value for e in extract_all(text, "fa", normalise(text)) if e.kind == "price"] == ["2900 GBP"]


def test_nothing_is_found_twice():
    text = "Lоndër 2500 paund, L o n d ë r"
    ents = extract_all(text, "sq", normalise(text))
    assert [e.value for e in ents if e.kind == "place"] == ["London"]
