"""Rendering a template into post text plus the exact truth of what the text contains.

The text is built as a list of segments `[kind, text, value]` rather than one string, so that
evasions can later rewrite literal words without touching a phone number, and so that the truth
(phones, handles, prices, places) is read off the segments that survive, never re-parsed.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tidewatch.synth import phones as ph
from tidewatch.synth.prices import RANGES, RATES, convert, format_price, plain_amount
from tidewatch.synth.rand import below, between, choose
from tidewatch.synth.templates import LIT, SLOT, Item, Pack, Template, common

# Segment kinds. Only LIT and PLACE text may be rewritten by letter-level evasions.
T_LIT, T_PLACE, T_PHONE, T_HANDLE = "lit", "place", "phone", "handle"
T_PRICE, T_NUM, T_EMOJI = "price", "num", "emoji"

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
NATIVE = {"arabic": ARABIC_DIGITS, "persian": PERSIAN_DIGITS}
_SPACES = re.compile(" {2,}")


@dataclass(slots=True)
class Route:
    """The places one post (or one network) talks about, already filtered to the language."""

    corridor: str
    modes: tuple[str, ...]
    origins: tuple[str, ...]
    dests: tuple[str, ...]
    via: tuple[str, ...]
    price: tuple[float, float]
    currencies: tuple[str, ...] = ()  # what crossings on this route are priced in


@dataclass(slots=True)
class Contact:
    """What a post may use to be reached: phone numbers, handles, and how it writes them."""

    phones: tuple[str, ...] = ()
    tg: tuple[str, ...] = ()      # telegram channel names
    ig: tuple[str, ...] = ()      # instagram/tiktok handles (without @)
    kinds: tuple[str, ...] = ("dm",)  # contact phrase kinds in order of preference
    phrase: dict[str, int] = field(default_factory=dict)  # fixed phrase index per kind (networks)
    style: tuple[str, int, str] | None = None  # fixed phone format (style, grouping, separator)


@dataclass(slots=True)
class Ctx:
    """One post being written: its draws, its route and contacts, and the segments so far."""

    rng: random.Random
    pack: Pack
    ts: float                       # post time (epoch seconds): {date} is a few days later
    route: Route | None = None
    contact: Contact = field(default_factory=Contact)
    native: bool = False            # write numbers in the pack's native digits
    choices: dict[str, list[int]] | None = None  # skeleton: fixed alternative per template id
    reroll: float = 0.0             # chance to re-pick one fixed alternative (light paraphrase)
    crossing: tuple[float, str, float] | None = None  # (euro base, currency, rate)
    hotline: str | None = None
    org: str | None = None
    addons: tuple[Template, ...] = ()
    segs: list[list[Any]] = field(default_factory=list)
    picked: dict[str, str] = field(default_factory=dict)  # role -> canonical place, stable in a post
    extra_cats: list[str] = field(default_factory=list)

    # ---- driving -------------------------------------------------------------------------
    def render(self, tpl: Template) -> None:
        fixed = self.choices.get(tpl.id) if self.choices is not None else None
        self._items(tpl.items, fixed)
        if self.addons and "addons" not in tpl.slots:
            self._addons()

    def _items(self, items: tuple[Item, ...], fixed: list[int] | None) -> None:
        rng = self.rng
        for it in items:
            tag = it[0]
            if tag == LIT:
                self.segs.append([T_LIT, it[1], None])
            elif tag == SLOT:
                self._slot(it[1], it[2])
            else:
                opts = it[2]
                if fixed is not None and it[1] < len(fixed) and rng.random() >= self.reroll:
                    k = fixed[it[1]] % len(opts)
                else:
                    k = below(rng, len(opts))
                self._items(opts[k], None)

    # ---- slots ---------------------------------------------------------------------------
    def _slot(self, name: str, arg: str) -> None:
        fn = _SLOTS.get(name)
        if fn is None:
            raise KeyError(f"unknown slot {{{name}}} in a {self.pack.lang} template")
        fn(self, arg)

    def lit(self, text: str) -> None:
        self.segs.append([T_LIT, text, None])

    def num_text(self, s: str) -> str:
        if self.native:
            return s.translate(NATIVE[self.pack.digits])
        return s

    def place(self, canonical: str) -> None:
        forms = self.pack.places.get(canonical)
        if not forms:
            raise KeyError(f"{self.pack.lang} has no spelling for place {canonical!r}")
        self.segs.append([T_PLACE, choose(self.rng, forms), canonical])

    def _role(self, role: str, pool: tuple[str, ...]) -> None:
        c = self.picked.get(role)
        if c is None:
            c = choose(self.rng, pool)
            self.picked[role] = c
        self.place(c)

    def price(self, kind: str) -> None:
        rng, pack = self.rng, self.pack
        kind, _, forced = kind.partition("/")
        if forced:  # "{price:ticket/JOD}": a template that names its own currency
            lo, hi = RANGES[kind]
            amount = plain_amount(convert(rng.uniform(lo, hi), RATES[forced], hourly=(kind == "hourly")))
            text = format_price(amount, forced, pack, rng)
            self.segs.append([T_PRICE, self.num_text(text), (amount, forced)])
            return
        if kind in ("crossing", "discount"):
            eur, cur, rate = self.crossing_base()
            if cur not in pack.currencies:  # an operation's post in its second language
                cur, rate = crossing_currency(pack, self.route, rng)
            if kind == "discount":
                eur *= rng.uniform(0.72, 0.92)
            amount = convert(eur, rate)
        else:
            table = pack.local_currency if kind in ("ticket", "fee", "rent", "item", "salary", "hourly") \
                else pack.advert_currency
            cur, rate, _w = _weighted(rng, table)
            lo, hi = RANGES[kind]
            amount = convert(rng.uniform(lo, hi), rate, hourly=(kind == "hourly"))
        amount = plain_amount(amount)
        text = format_price(amount, cur, pack, rng)
        self.segs.append([T_PRICE, self.num_text(text), (amount, cur)])

    def crossing_base(self) -> tuple[float, str, float]:
        if self.crossing is None:
            lo, hi = self.route.price if self.route else (1500, 4000)
            cur, rate = crossing_currency(self.pack, self.route, self.rng)
            self.crossing = (self.rng.uniform(lo, hi), cur, rate)
        return self.crossing

    def phone(self, number: str) -> None:
        rng = self.rng
        style = self.contact.style
        if style is None or rng.random() < 0.15:
            style = (choose(rng, ph.STYLES), below(rng, 3), choose(rng, (" ", " ", " ", ".", "-", "")))
        text = ph.format_number(number, *style)
        self.segs.append([T_PHONE, self.num_text(text), number])

    def _addons(self) -> None:
        for tpl in self.addons:
            self.lit(self.separator())
            fixed = self.choices.get(tpl.id) if self.choices is not None else None
            self._items(tpl.items, fixed)
            self.extra_cats.extend(tpl.cats)

    def separator(self) -> str:
        """A space or a line break before appended text; never a bare space after a number,
        which would glue the next figure onto a phone number or a price."""
        last = self.segs[-1] if self.segs else None
        if last is not None and (last[0] in (T_PHONE, T_HANDLE, T_NUM, T_PRICE) or last[1][-1:].isdigit()):
            return "\n"
        return choose(self.rng, (" ", "\n", " "))

    # ---- results -------------------------------------------------------------------------
    def text(self) -> str:
        t = "".join(s[1] for s in self.segs)
        # an empty {addons} or an unused optional part leaves doubled or trailing spaces
        if "  " in t or " \n" in t:
            t = _SPACES.sub(" ", t).replace(" \n", "\n")
        for pattern, repl in self.pack.fixups:
            t = pattern.sub(repl, t)
        return t.strip()

    def entities(self) -> dict[str, list]:
        phones: list[str] = []
        handles: list[str] = []
        prices: list[dict] = []
        places: list[str] = []
        for kind, _text, value in self.segs:
            if kind == T_PHONE:
                if value not in phones:
                    phones.append(value)
            elif kind == T_HANDLE:
                h, number = value
                if h not in handles:
                    handles.append(h)
                if number and number not in phones:
                    phones.append(number)
            elif kind == T_PRICE:
                p = {"amount": value[0], "currency": value[1]}
                if p not in prices:
                    prices.append(p)
            elif kind == T_PLACE and value:
                if value not in places:
                    places.append(value)
        return {"phones": phones, "handles": handles, "prices": prices, "places": places}


def crossing_currency(pack: Pack, route: Route | None, rng: random.Random) -> tuple[str, float]:
    """The currency of a crossing price: the pack's advert currencies that the route uses."""
    table = pack.advert_currency
    if route is not None and route.currencies:
        table = tuple(r for r in table if r[0] in route.currencies) or table
    cur, rate, _w = _weighted(rng, table)
    return cur, rate


def _weighted(rng: random.Random, table):
    total = sum(row[-1] for row in table)
    x = rng.random() * total
    for row in table:
        x -= row[-1]
        if x < 0:
            return row
    return table[-1]


# ---- slot handlers ------------------------------------------------------------------------

def _s_origin(c: Ctx, arg: str) -> None:
    c._role("origin", c.route.origins)


def _s_dest(c: Ctx, arg: str) -> None:
    if arg == "country":  # "permits for Greece", never "permits for Lesbos"
        c.place(_country(c))
        return
    c._role("dest", c.route.dests)


def _country(c: Ctx) -> str:
    """The country of the post's destination, spelled in the pack (Lesbos -> Greece, Dover -> UK)."""
    data = common()
    countries, places = data["countries"], c.pack.places
    dest = c.picked.get("dest")
    if dest is None:
        pool = tuple(p for p in c.route.dests if p in countries) or c.route.dests
        dest = c.picked["dest"] = choose(c.rng, pool)
    if dest in countries:
        return dest
    country = data["country_of"].get(dest)
    if country in places:
        return country
    pool = tuple(p for p in data["corridors"][c.route.corridor]["dests"] if p in countries and p in places)
    return choose(c.rng, pool) if pool else dest


def _s_meet(c: Ctx, arg: str) -> None:
    c._role("meet", c.route.origins)


def _s_via(c: Ctx, arg: str) -> None:
    c._role("via", c.route.via or c.route.origins)


def _s_home(c: Ctx, arg: str) -> None:
    c._role("home" + arg, c.pack.home)


def _s_diaspora(c: Ctx, arg: str) -> None:
    c._role("diaspora" + arg, c.pack.diaspora)


def _s_place(c: Ctx, arg: str) -> None:
    c.place(arg)


def _s_flag(c: Ctx, arg: str) -> None:
    dest = c.picked.get("dest")
    if dest is None and c.route:
        c._role("dest", c.route.dests)
        c.segs.pop()  # only fix the destination; the flag alone is written
        dest = c.picked["dest"]
    flag = common()["flags"].get(dest or "", "")
    if flag:
        c.segs.append([T_EMOJI, flag, None])


def _s_price(c: Ctx, arg: str) -> None:
    c.price(arg or "crossing")


def _s_phone(c: Ctx, arg: str) -> None:
    if c.contact.phones:
        c.phone(choose(c.rng, c.contact.phones))
    elif c.contact.tg or c.contact.ig:
        _s_handle(c, "")
    else:
        _dm(c)


def _dm(c: Ctx) -> None:
    """No identifier to give: write a 'message me' phrase instead."""
    phrases = c.pack.contact.get("dm")
    if phrases:
        c._items(choose(c.rng, phrases)[0], None)


def _s_hotline(c: Ctx, arg: str) -> None:
    c.phone(c.hotline)


def _s_handle(c: Ctx, arg: str) -> None:
    rng = c.rng
    tg, ig = c.contact.tg, c.contact.ig
    if not tg and not ig:
        if c.contact.phones:
            c.phone(choose(rng, c.contact.phones))
        else:
            _dm(c)
        return
    if arg == "ig" or (arg != "tg" and ig and (not tg or rng.random() < 0.4)):
        name = choose(rng, ig) if ig else choose(rng, tg)
        c.segs.append([T_HANDLE, "@" + name, ("@" + name.lower(), None)])
        return
    name = choose(rng, tg) if tg else choose(rng, ig)
    form = rng.random()
    if form < 0.45:
        c.segs.append([T_HANDLE, "t.me/" + name, ("t.me/" + name.lower(), None)])
    elif form < 0.7:
        c.segs.append([T_HANDLE, "https://t.me/" + name, ("t.me/" + name.lower(), None)])
    else:
        c.segs.append([T_HANDLE, "@" + name, ("@" + name.lower(), None)])


def _s_wa(c: Ctx, arg: str) -> None:
    if not c.contact.phones:
        _s_handle(c, "")
        return
    number = choose(c.rng, c.contact.phones)
    digits = ph.wa_digits(number)
    scheme = "https://" if c.rng.random() < 0.4 else ""
    c.segs.append([T_HANDLE, f"{scheme}wa.me/{digits}", ("wa.me/" + digits, number)])


def _s_contact(c: Ctx, arg: str) -> None:
    rng = c.rng
    kinds = [k for k in c.contact.kinds if k in c.pack.contact and _can(c, k)]
    if not kinds:
        kind = "dm"
    elif len(kinds) == 1 or rng.random() < 0.8:  # mostly the preferred way, sometimes another
        kind = kinds[0]
    else:
        kind = choose(rng, kinds)
    phrases = c.pack.contact[kind]
    k = c.contact.phrase.get(kind)
    if k is None or rng.random() < c.reroll:
        k = below(rng, len(phrases))
    items, _n = phrases[k % len(phrases)]
    c._items(items, None)


def _can(c: Ctx, kind: str) -> bool:
    if kind == "phone":
        return bool(c.contact.phones)
    if kind == "handle":
        return bool(c.contact.tg or c.contact.ig)
    if kind == "wa":
        return bool(c.contact.phones)
    return True


def _range(arg: str, default: tuple[int, int]) -> tuple[int, int]:
    if arg:
        lo, _, hi = arg.partition("-")
        return int(lo), int(hi or lo)
    return default


def _s_n(c: Ctx, arg: str) -> None:
    lo, hi = _range(arg, (2, 30))
    c.segs.append([T_NUM, c.num_text(str(between(c.rng, lo, hi))), None])


def _s_pct(c: Ctx, arg: str) -> None:
    c.segs.append([T_NUM, c.num_text(str(choose(c.rng, (5, 10, 10, 15, 20, 25)))), None])


def _s_time(c: Ctx, arg: str) -> None:
    rng = c.rng
    h = choose(rng, (18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5)) if arg != "day" else between(rng, 8, 17)
    m = choose(rng, (0, 0, 0, 30, 15, 45))
    s = f"{h}:{m:02d}" if rng.random() < 0.7 else f"{h:02d}:{m:02d}"
    c.segs.append([T_NUM, c.num_text(s), None])


def _s_date(c: Ctx, arg: str) -> None:
    d = datetime.fromtimestamp(c.ts, tz=timezone.utc) + timedelta(days=between(c.rng, 1, 12))
    s = f"{d.day}/{d.month}" if c.rng.random() < 0.6 else f"{d.day:02d}.{d.month:02d}"
    c.segs.append([T_NUM, c.num_text(s), None])


def _s_year(c: Ctx, arg: str) -> None:
    c.segs.append([T_NUM, c.num_text(str(choose(c.rng, (2024, 2025, 2025, 2026)))), None])


def _s_when(c: Ctx, arg: str) -> None:
    c.lit(choose(c.rng, c.pack.when))


def _s_day(c: Ctx, arg: str) -> None:
    c.lit(choose(c.rng, c.pack.days))


def _s_name(c: Ctx, arg: str) -> None:
    c.lit(choose(c.rng, c.pack.names))


def _s_org(c: Ctx, arg: str) -> None:
    c.lit(c.org or choose(c.rng, c.pack.orgs)[0])


def _s_quote(c: Ctx, arg: str) -> None:
    c.lit(choose(c.rng, c.pack.quotes))


def _s_emoji(c: Ctx, arg: str) -> None:
    c.segs.append([T_EMOJI, choose(c.rng, common()["emoji"][arg]), None])


def _s_addons(c: Ctx, arg: str) -> None:
    c._addons()


_SLOTS = {
    "origin": _s_origin, "dest": _s_dest, "meet": _s_meet, "via": _s_via, "home": _s_home,
    "diaspora": _s_diaspora, "place": _s_place, "flag": _s_flag, "price": _s_price, "phone": _s_phone,
    "hotline": _s_hotline, "handle": _s_handle, "wa": _s_wa, "contact": _s_contact, "n": _s_n,
    "age": _s_n, "pct": _s_pct, "time": _s_time, "date": _s_date, "year": _s_year, "when": _s_when,
    "day": _s_day, "name": _s_name, "org": _s_org, "quote": _s_quote, "e": _s_emoji, "addons": _s_addons,
}
SLOT_NAMES = frozenset(_SLOTS)
