"""Fictional phone numbers: who gets which number, and how it is written.

Why a module of its own: the synthetic corpus must never print a number that could ring a real
person, and its truth must list every number exactly. Every number comes from one of the ranges
below (Ofcom's drama range for the UK, an unassigned French block, and obviously fake `000`
sequences elsewhere), and the suffix space of each range is split into three pools so that
operations, ordinary accounts and NGO hotlines never collide by accident.
"""
from __future__ import annotations

import random

from dataclasses import dataclass

from tidewatch.synth.rand import below

# Suffix pools, as fractions of each range: networks | everyone else | NGO hotlines.
POOLS = {"network": (0.0, 0.6), "other": (0.6, 0.9), "hotline": (0.9, 1.0)}
_MIX = 7919  # prime, coprime with every pool size (pool sizes are 2^a 3^b 5^c)


@dataclass(frozen=True, slots=True)
class Country:
    iso: str
    cc: str                  # country calling code
    stem: str                # fixed leading digits of the national significant number
    free: int                # number of free trailing digits
    national: tuple[tuple[int, ...], ...]  # digit groupings of "0" + NSN
    international: tuple[tuple[int, ...], ...]  # digit groupings of the NSN after +cc

    def nsn(self, suffix: int) -> str:
        return f"{self.stem}{suffix:0{self.free}d}"


COUNTRIES: dict[str, Country] = {c.iso: c for c in (
    Country("GB", "44", "7700900", 3, ((5, 6), (5, 3, 3), (11,)), ((4, 6), (4, 3, 3), (10,))),
    Country("FR", "33", "63998", 4, ((2, 2, 2, 2, 2), (10,)), ((1, 2, 2, 2, 2), (9,))),
    Country("IQ", "964", "750000", 4, ((4, 3, 4), (11,), (4, 7)), ((3, 3, 4), (10,))),
    Country("TR", "90", "555000", 4, ((4, 3, 2, 2), (4, 3, 4), (11,)), ((3, 3, 2, 2), (3, 3, 4), (10,))),
    Country("AL", "355", "69000", 4, ((3, 3, 4), (10,)), ((2, 3, 4), (9,))),
    Country("LY", "218", "91000", 4, ((3, 7), (3, 3, 4), (10,)), ((2, 3, 4), (9,))),
    Country("IR", "98", "912000", 4, ((4, 3, 4), (11,)), ((3, 3, 4), (10,))),
    Country("PK", "92", "300000", 4, ((4, 7), (4, 3, 4), (11,)), ((3, 7), (3, 3, 4), (10,))),
    Country("AF", "93", "70000", 4, ((3, 3, 4), (10,)), ((2, 3, 4), (9,))),
    Country("VN", "84", "90000", 4, ((3, 3, 4), (4, 3, 3), (10,)), ((2, 3, 4), (9,))),
    Country("ER", "291", "700", 4, ((2, 2, 4), (8,)), ((1, 2, 4), (7,))),
    Country("ET", "251", "91000", 4, ((3, 3, 4), (10,)), ((2, 3, 4), (9,))),
)}


def e164(iso: str, suffix: int) -> str:
    c = COUNTRIES[iso]
    return f"+{c.cc}{c.nsn(suffix)}"


def pool_bounds(iso: str, pool: str) -> tuple[int, int]:
    size = 10 ** COUNTRIES[iso].free
    lo, hi = POOLS[pool]
    return int(size * lo), int(size * hi)


class PhoneAllocator:
    """Hands out distinct numbers per country and pool, in a scrambled but reproducible order.

    State is one counter per (country, pool): constant memory however long the corpus. Numbers
    repeat only after a pool is exhausted (6,000 network numbers per country, 600 for the UK).
    """

    def __init__(self, rng: random.Random) -> None:
        self._offset = {iso: below(rng, 10 ** c.free) for iso, c in COUNTRIES.items()}
        self._next: dict[tuple[str, str], int] = {}

    def allocate(self, iso: str, pool: str = "other") -> str:
        lo, hi = pool_bounds(iso, pool)
        size = hi - lo
        k = self._next.get((iso, pool), 0)
        self._next[(iso, pool)] = k + 1
        suffix = lo + (k * _MIX + self._offset[iso]) % size
        return e164(iso, suffix)


def hotline(iso: str, index: int) -> str:
    """The fixed number of an NGO hotline: the same in every corpus, from the hotline pool."""
    lo, hi = pool_bounds(iso, "hotline")
    return e164(iso, lo + (index * 37 + 11) % (hi - lo))


def split(number: str) -> tuple[Country, str]:
    """E.164 -> (country, national significant number)."""
    for c in COUNTRIES.values():
        if number.startswith("+" + c.cc) and number[1 + len(c.cc):].startswith(c.stem):
            return c, number[1 + len(c.cc):]
    raise ValueError(f"not a synthetic number: {number}")


def _group(digits: str, groups: tuple[int, ...], sep: str) -> str:
    out, i = [], 0
    for g in groups:
        out.append(digits[i:i + g])
        i += g
    return sep.join(out)


# Format styles: "nat" (0 + NSN), "intl" (+cc NSN), "00" (00cc NSN), "compact" (+ccNSN, no spaces).
STYLES = ("nat", "nat", "nat", "intl", "intl", "compact", "00")


def format_number(number: str, style: str, grouping: int, sep: str) -> str:
    """Write an E.164 number the way people do. `grouping` picks one of the country's groupings."""
    c, nsn = split(number)
    if style == "compact":
        return number
    if style == "nat":
        groups = c.national[grouping % len(c.national)]
        return _group("0" + nsn, groups, sep)
    groups = c.international[grouping % len(c.international)]
    lead = "+" if style == "intl" else "00"
    body = _group(nsn, groups, sep)
    return f"{lead}{c.cc} {body}" if sep != "" else f"{lead}{c.cc}{body}"


def wa_digits(number: str) -> str:
    return number[1:]
