"""Digits in any script to ASCII, one character for one character (offsets are preserved)."""
from __future__ import annotations

import unicodedata

_TABLE: dict[int, int] = {}
for _base in (0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0E50, 0xFF10):  # Arabic-Indic, Persian, NKo, Devanagari, Bengali, Thai, fullwidth
    for _i in range(10):
        _TABLE[_base + _i] = ord("0") + _i
# Ethiopic digits (፩..፱) have no zero and are not positional; they are left alone here.
_TABLE[0x066B] = ord(".")  # Arabic decimal separator
_TABLE[0x066C] = ord(",")  # Arabic thousands separator
_TABLE[0x060C] = ord(",")  # Arabic comma


def to_ascii_digits(text: str) -> str:
    """Same length as `text`, with every decimal digit made ASCII."""
    return text.translate(_TABLE)


def is_digit_char(ch: str) -> bool:
    return ch.isdigit() or unicodedata.category(ch) == "Nd"
