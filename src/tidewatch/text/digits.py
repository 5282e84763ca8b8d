"""Digits in any script to ASCII, one character for one character (offsets are preserved)."""
from __future__ import annotations

import unicodedata

# The zero of every decimal-digit block (Unicode category Nd, 14.0): ASCII, Arabic-Indic, Persian
# (Extended Arabic-Indic), NKo, Devanagari, Bengali, ..., fullwidth, mathematical digits, ...
# Each block holds 0..9 in order, so the digit value is the distance from its zero.
_ZEROS = (
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0,
    0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8,
    0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
)

DIGIT_TABLE: dict[int, int] = {}
for _base in _ZEROS:
    for _i in range(10):
        DIGIT_TABLE[_base + _i] = ord("0") + _i
# Ethiopic digits (፩..፱) have no zero and are not positional; they are left alone here.

_TABLE: dict[int, int] = dict(DIGIT_TABLE)
_TABLE[0x066B] = ord(".")  # Arabic decimal separator
_TABLE[0x066C] = ord(",")  # Arabic thousands separator
_TABLE[0x060C] = ord(",")  # Arabic comma


def to_ascii_digits(text: str) -> str:
    """Same length as `text`, with every decimal digit made ASCII."""
    return text.translate(_TABLE)


def is_digit_char(ch: str) -> bool:
    return ch.isdigit() or unicodedata.category(ch) == "Nd"
