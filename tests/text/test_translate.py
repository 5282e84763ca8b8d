"""The cached word-by-word translator gives exactly what str.translate gives."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidewatch.extract.places import _TABLE
from tidewatch.text import translate
from tidewatch.text.translate import Translator

TABLE = {ord("A"): "a", ord("ي"): "ی", ord("\u0640"): None, ord("é"): "e", ord("\n"): " "}


@given(st.text(alphabet=st.sampled_from(list("Aaé ي\u0640\n  xyz🚤")), max_size=80))
@settings(max_examples=300)
def test_same_as_str_translate(text):
    tr = Translator(TABLE)
    assert tr(text) == text.translate(TABLE)
    assert tr(text) == text.translate(TABLE)  # the second time from the cache


@pytest.mark.parametrize("text", ["", " ", "  двойной  пробел ", "Ｃａｌａｉｓ 🚤 UK", "بەلەم بۆ بەریتانیا", "x" * 500])
def test_real_fold_table(text):
    assert Translator(_TABLE)(text) == text.translate(_TABLE)


def test_refuses_a_table_that_changes_the_space():
    with pytest.raises(ValueError):
        Translator({ord(" "): "_"})


def test_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(translate, "_MAX_WORDS", 50)
    tr = Translator(TABLE)
    for i in range(500):
        assert tr(f"word{i} A") == f"word{i} a"
    assert len(tr._words) <= 51
