"""Letters per script."""
from __future__ import annotations

import pytest

from tidewatch.text.digits import to_ascii_digits
from tidewatch.text.scripts import ScriptCounts, count_scripts, script_of, split_by_script


@pytest.mark.parametrize("text, main", [
    ("Boat to the UK", "latin"),
    ("Tối nay xuất phát", "latin"),
    ("ئەمشەو لە کەنارەوە", "arabic"),
    ("ﻻ ﷺ", "arabic"),  # presentation forms
    ("ኣብ ሊብያ", "ethiopic"),
    ("Привет", "cyrillic"),
    ("Καλημέρα", "greek"),
    ("שלום", "other"),
    ("123 🚤 !!", None),
])
def test_main_script(text: str, main: str | None) -> None:
    assert count_scripts(text).main() == main


def test_counts_letters_only() -> None:
    counts = count_scripts("boat 🚤 قارب 3 ጀልባ!")
    assert counts == ScriptCounts(latin=4, arabic=4, ethiopic=3)
    assert counts.letters == 11
    assert counts.share("arabic") == pytest.approx(4 / 11)
    assert count_scripts("\x01\x02 abc") == ScriptCounts(latin=3)  # control characters are not letters


def test_script_of() -> None:
    assert [script_of(ch) for ch in "aб۵ێ ጀ"] == ["latin", "cyrillic", None, "arabic", None, "ethiopic"]


def test_split_by_script() -> None:
    groups = split_by_script("Boat tonight بۆ زانیاری Calais ጀልባ")
    assert groups == {"latin": "Boat tonight Calais", "arabic": "بۆ زانیاری", "ethiopic": "ጀልባ"}


@pytest.mark.parametrize("text, expected", [
    ("٠٧٧٠ ۰۷۷۰ ०७७० ০৭৭০ ０７７０ 𝟘𝟟𝟟𝟘", "0770 0770 0770 0770 0770 0770"),
    ("٣٬٥٠٠٫٥", "3,500.5"),
    ("፩፪", "፩፪"),  # Ethiopic numerals are not positional digits
])
def test_to_ascii_digits(text: str, expected: str) -> None:
    out = to_ascii_digits(text)
    assert out == expected
    assert len(out) == len(text)
