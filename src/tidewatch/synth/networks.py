"""Planted operations: a few accounts across platforms selling the same crossings.

A network shares some of: phone numbers, Telegram/Instagram handles, a text skeleton (one
template with its alternatives fixed, lightly paraphrased per post) and pictures (same sha256,
same file-name stem). Some accounts are removed and come back under a new handle ("name2",
"name_official") with the old account's phone: the tie a network detector must follow.

State per network is small and bounded (a handful of accounts and identifiers); finished
networks are dropped, so a corpus of millions of posts holds only the active few in memory.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from tidewatch.synth import evasions as ev
from tidewatch.synth.accounts import Account
from tidewatch.synth.rand import below
from tidewatch.synth.render import Contact, Route
from tidewatch.synth.templates import Pack, Template

WINDOW_START = 1767225600  # 2026-01-01T00:00:00Z
WINDOW_END = 1793491199    # 2026-10-31T23:59:59Z
MAX_SIZE = 600


def planned_size(rng: random.Random) -> int:
    """Heavy-tailed: most operations post 2-20 times, a few post hundreds."""
    u = 1.0 - rng.random()
    return max(2, min(MAX_SIZE, int(2.0 / u ** 0.8)))


@dataclass(slots=True, eq=False)
class Variant:
    """A template as one network writes it: the template and its fixed alternatives."""

    tpl: Template
    pack: Pack
    choices: dict[str, list[int]]
    route: Route | None = None  # the network's route as this language can spell it


@dataclass(slots=True, eq=False)
class Network:
    """One planted operation: what it sells, how it writes, who posts for it, and what it has shown."""

    id: str
    lang: str
    route: Route
    main: Variant
    secondary: list[Variant]
    addons: list[Template]
    contact: Contact
    crossing: tuple[float, str, float]
    accounts: list[Account]
    images: list[tuple[str, str]]
    media_rate: float
    evasions: tuple[str, ...]
    planned: int
    t0: float
    t1: float
    emitted: int = 0
    seen_phones: list[str] = field(default_factory=list)
    seen_tg: list[str] = field(default_factory=list)
    seen_ig: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.emitted >= self.planned

    def has_seen(self) -> bool:
        return bool(self.seen_phones or self.seen_tg or self.seen_ig)

    def note_seen(self, entities: dict) -> None:
        for p in entities["phones"]:
            if p in self.contact.phones and p not in self.seen_phones:
                self.seen_phones.append(p)
        handles = entities["handles"]
        for name in self.contact.tg:
            if name not in self.seen_tg and (f"t.me/{name}" in handles or f"@{name}" in handles):
                self.seen_tg.append(name)
        for name in self.contact.ig:
            if name not in self.seen_ig and f"@{name}" in handles:
                self.seen_ig.append(name)


def skeleton(tpl: Template, rng: random.Random, into: dict[str, list[int]]) -> None:
    """Fix one choice per alternative of `tpl` (recursing is not needed: no nesting)."""
    sizes = []
    for it in tpl.items:
        if it[0] == 2:
            sizes.append(len(it[2]))
    into[tpl.id] = [below(rng, s) for s in sizes]


def contact_plan(rng: random.Random, pack: Pack, has_phone: bool, has_handle: bool) -> Contact:
    kinds: list[str] = []
    x = rng.random()
    if has_phone and x < 0.55:
        kinds = ["phone", "wa", "handle", "dm"] if rng.random() < 0.8 else ["wa", "phone", "handle", "dm"]
    elif has_handle and x < 0.85:
        kinds = ["handle", "phone", "dm"]
    else:
        kinds = ["dm", "phone", "handle"]
    kinds = [k for k in kinds if (k not in ("phone", "wa") or has_phone) and (k != "handle" or has_handle)]
    phrase = {k: below(rng, 64) for k in ("phone", "handle", "dm", "wa")}
    return Contact(kinds=tuple(kinds), phrase=phrase)


def pick_evasions(rng: random.Random, pack: Pack, rate: float) -> tuple[str, ...]:
    if rng.random() >= rate:
        return ()
    names = ev.pick(pack, rng)
    if "digit_script" in names and "keycap_digits" in names:
        names = tuple(n for n in names if n != "keycap_digits")
    return names
