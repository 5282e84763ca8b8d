"""Prices: plausible amounts per purpose, written the many ways people write them.

Amounts are drawn in euros and converted with a language's rate table, then rounded to two
significant figures (people advertise "2300", not "2287"). The written form varies: "2,300 €",
"€2300", "2.3k", "2300e", "٢٣٠٠ یۆرۆ", "سێ هەزار دۆلار", "15 لاکھ", "540 triệu". The amount in
the truth is always the exact value the text denotes.
"""
from __future__ import annotations

import math
import random

from typing import Any

from tidewatch.synth.rand import choose

# Euro ranges per purpose (lo, hi). Crossing prices come from the corridor instead.
RANGES: dict[str, tuple[float, float]] = {
    "pay": (300, 2500),      # a driver's / captain's pay per trip
    "doc": (300, 9000),      # a forged document
    "ticket": (10, 150),     # a legitimate ticket
    "fee": (10, 90),         # a translation / legal fee
    "rent": (250, 1200),     # monthly rent
    "item": (20, 2500),      # something for sale
    "salary": (1200, 3500),  # monthly wage
    "hourly": (11, 24),      # hourly wage
    "loss": (800, 9000),     # what people were charged, in news and personal posts
}

# Euro exchange rates (rounded; enough for plausible amounts).
RATES: dict[str, float] = {
    "EUR": 1.0, "USD": 1.1, "GBP": 0.85, "TRY": 45, "IQD": 1450, "LYD": 5.3, "JOD": 0.78, "AFN": 80,
    "PKR": 300, "VND": 27000, "ETB": 130, "ERN": 16, "ALL": 100, "QAR": 4.0,
}

MAX_DIGITS = 8  # never print a bare number longer than this: it could look like a phone number


def nice(value: float, hourly: bool = False) -> float | int:
    """Round to what a person would write: two significant figures, or halves for wages."""
    if hourly:
        return round(value * 2) / 2 if value % 1 else int(value)
    if value < 20:
        return int(round(value))
    mag = 10 ** (int(math.floor(math.log10(value))) - 1)
    out = int(round(value / mag) * mag)
    return out


def convert(eur: float, rate: float, hourly: bool = False) -> float | int:
    v = nice(eur * rate, hourly)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def plain_amount(amount: float | int) -> float | int:
    if isinstance(amount, float) and amount.is_integer():
        return int(amount)
    return amount


def _num(amount: float | int, sep: str, dec: str) -> str:
    """Digits of an amount with a thousands separator and decimal mark ("17.50", "2,300")."""
    if isinstance(amount, float) and not amount.is_integer():
        whole, frac = f"{amount:.2f}".split(".")
        return _group(int(whole), sep) + dec + frac
    return _group(int(amount), sep)


def _group(n: int, sep: str) -> str:
    s = str(n)
    if not sep or len(s) <= 3:
        return s
    parts = []
    while s:
        parts.append(s[-3:])
        s = s[:-3]
    return sep.join(reversed(parts))


def _fraction_text(count: float, dec: str) -> str | None:
    """'2.5' for 2.5 (one decimal at most); None when the count needs more."""
    if count.is_integer():
        return str(int(count))
    if round(count, 1) == count:
        return f"{count:.1f}".replace(".", dec)
    return None


def format_price(amount: float | int, currency: str, pack: Any, rng: random.Random) -> str:
    """One written form of `amount` in `currency` for a language pack (ASCII digits; the caller
    converts to native digits where the post uses them)."""
    cur = pack.currencies[currency]
    words = cur.get("words", ())
    symbols = cur.get("symbols", ())
    glued = cur.get("glued", ())
    sep = choose(rng, pack.thousands)
    dec = pack.decimal
    forms: list[str] = []
    big = len(str(int(amount))) > MAX_DIGITS
    # unit forms: "2.5k", "3 هەزار", "15 لاکھ", "540 triệu"
    for unit in pack.units:
        if unit.get("currencies") and currency not in unit["currencies"]:
            continue
        mult = unit["mult"]
        if amount < mult:
            continue
        count = amount / mult
        if count >= 1000:  # nobody writes "2500 thousand": a larger unit or digits read better
            continue
        text = _fraction_text(float(count), dec)
        if text is None or (not text.isdigit() and not (unit.get("glue") or unit.get("decimals"))):
            continue  # "2.5k" and "2,5 triệu" are written, "1.6 thousand" is not
        if unit.get("glue"):
            number = f"{text}{unit['word']}"
        else:
            if text.isdigit() and int(text) in pack.numwords and rng.random() < 0.4:
                text = pack.numwords[int(text)]
            number = f"{text} {unit['word']}"
        cw = (choose(rng, symbols) if symbols and (unit.get("glue") or not words) else
              choose(rng, words) if words else "")
        if not cw:
            continue
        forms.append(f"{number}{cw}" if cw in symbols and unit.get("glue") else f"{number} {cw}")
    if not big:
        n = _num(amount, sep, dec)
        if words:
            w = choose(rng, words)
            forms.append(f"{w} {n}" if pack.word_prefix else f"{n} {w}")
            forms.append(f"{w} {n}" if pack.word_prefix else f"{n} {w}")
        if symbols:
            s = choose(rng, symbols)
            forms.append(f"{s}{n}" if pack.symbol_prefix.get(s, False) else f"{n}{s}")
            forms.append(f"{n} {s}")
        if glued and not isinstance(amount, float):
            forms.append(f"{int(amount)}{choose(rng, glued)}")
    if not forms:  # too long for digits and no unit word fits (a pack without a big unit)
        raise ValueError(f"cannot write {amount} {currency} in {pack.lang}")
    return choose(rng, forms)
