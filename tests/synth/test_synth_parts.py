"""Phones, prices and evasions: the pieces whose output the truth must describe exactly."""
from __future__ import annotations

import random
import re

import pytest

from synth_checks import digits_of
from tidewatch.synth import evasions as ev
from tidewatch.synth import phones as ph
from tidewatch.synth.generator import routes
from tidewatch.synth.prices import format_price
from tidewatch.synth.render import T_PLACE, Contact, Ctx
from tidewatch.synth.templates import LANGS, Template, load_pack, parse

# --- phones -----------------------------------------------------------------------------------

@pytest.mark.parametrize("number, style, grouping, sep, written", [
    ("+447700900123", "nat", 0, " ", "07700 900123"),
    ("+447700900123", "intl", 1, " ", "+44 7700 900 123"),
    ("+33639981234", "nat", 0, ".", "06.39.98.12.34"),
    ("+33639981234", "intl", 0, " ", "+33 6 39 98 12 34"),
    ("+9647500001234", "nat", 0, " ", "0750 000 1234"),
    ("+9647500001234", "00", 0, "-", "00964 750-000-1234"),
    ("+905550001234", "nat", 0, " ", "0555 000 12 34"),
    ("+355690001234", "intl", 0, " ", "+355 69 000 1234"),
    ("+218910001234", "nat", 0, "-", "091-0001234"),
    ("+989120001234", "compact", 0, " ", "+989120001234"),
    ("+923000001234", "nat", 0, "-", "0300-0001234"),
    ("+93700001234", "nat", 0, " ", "070 000 1234"),
    ("+84900001234", "intl", 0, " ", "+84 90 000 1234"),
    ("+2917001234", "nat", 0, " ", "07 00 1234"),
    ("+251910001234", "intl", 0, " ", "+251 91 000 1234"),
])
def test_numbers_are_written_like_people_write_them(number, style, grouping, sep, written):
    assert ph.format_number(number, style, grouping, sep) == written


def test_allocator_gives_distinct_numbers_from_disjoint_pools():
    alloc = ph.PhoneAllocator(random.Random(3))
    for iso, country in ph.COUNTRIES.items():
        lo, hi = ph.pool_bounds(iso, "network")
        got = [alloc.allocate(iso, "network") for _ in range(hi - lo)]
        assert len(set(got)) == hi - lo  # a full cycle without repeats
        others = {alloc.allocate(iso, "other") for _ in range(50)}
        assert not others & set(got)
        assert ph.hotline(iso, 0) not in set(got) | others
        assert all(ph.split(n)[0] is country for n in got)


@pytest.mark.parametrize("number", ["+447700800123", "+33612345678", "+9647701234567", "+15551234567"])
def test_numbers_outside_the_fictional_ranges_are_refused(number):
    with pytest.raises(ValueError):
        ph.split(number)


# --- prices -----------------------------------------------------------------------------------

_UNITS = {"k": 1000, "thousand": 1000, "mille": 1000, "mijë": 1000, "bin": 1000, "hezar": 1000,
          "هەزار": 1000, "هزار": 1000, "الف": 1000, "ألف": 1000, "ہزار": 1000, "زره": 1000, "ሺህ": 1000,
          "ሽሕ": 1000, "nghìn": 1000, "triệu": 10**6, "tỷ": 10**9, "لاکھ": 10**5, "ملیۆن": 10**6}
# number words of every pack ("سه هزار", "deux mille", "iki bin")
_WORDS = {w: n for lang in LANGS for n, w in load_pack(lang).numwords.items()}


def _read_amount(text: str) -> float:
    """A small reader for the generator's own price forms (not a general extractor)."""
    t = digits_of_keep_marks(text)
    m = re.search(r"(\d[\d.,\s\u066c]*\d|\d)", t)
    unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if u in text), None)
    word = next((w for w in sorted(_WORDS, key=len, reverse=True) if re.search(rf"(?<!\w){w}(?!\w)", text)), None)
    if word and unit:
        return _WORDS[word] * _UNITS[unit]
    raw = m.group(1)
    if unit:
        return float(raw.replace(",", ".").replace(" ", "")) * _UNITS[unit]
    if re.fullmatch(r"\d{1,3}([.,]\d\d)", raw):       # 17.50 / 17,50
        return float(raw.replace(",", "."))
    return float(re.sub(r"[^\d]", "", raw))


def digits_of_keep_marks(text: str) -> str:
    return text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٬", "01234567890123456789,"))


@pytest.mark.parametrize("lang, amount, currency", [
    ("en", 2300, "GBP"), ("en", 2500, "EUR"), ("en", 17.5, "GBP"), ("fr", 1700, "EUR"), ("fr", 3000, "EUR"),
    ("ar", 5000, "USD"), ("ar", 25000, "IQD"), ("ckb", 2300, "EUR"), ("ckb", 1500000, "IQD"),
    ("fa", 3000, "EUR"), ("ur", 1500000, "PKR"), ("ur", 1200000, "PKR"), ("vi", 540000000, "VND"),
    ("vi", 2900000, "VND"), ("tr", 15000, "TRY"), ("am", 80000, "ETB"), ("sq", 9000, "GBP"), ("ti", 4000, "USD"),
])
def test_every_written_price_denotes_its_amount(lang, amount, currency):
    pack = load_pack(lang)
    rng = random.Random(5)
    for _ in range(60):
        text = format_price(amount, currency, pack, rng)
        assert _read_amount(text) == pytest.approx(amount), text
        assert len(digits_of(text)) <= 8, text  # never long enough to pass for a phone number


# --- evasions ---------------------------------------------------------------------------------

def _render(lang: str, text: str, seed: int = 1) -> Ctx:
    pack = load_pack(lang)
    route = next(r for r in routes(lang).values() if "UK" in r.dests or "Italy" in r.dests)
    items, n_alt = parse(text)
    tpl = Template(id=f"{lang}/t", lang=lang, items=items, n_alt=n_alt, text=text)
    ctx = Ctx(random.Random(seed), pack, 1780000000.0, route=route,
              contact=Contact(phones=("+447700900123",), kinds=("phone",)))
    ctx.picked["dest"] = "UK" if "UK" in route.dests else "Italy"
    ctx.render(tpl)
    return ctx


def test_emoji_substitution_replaces_a_country_by_its_flag_and_drops_it_from_the_truth():
    for seed in range(20):
        ctx = _render("en", "Crossing to {dest} by boat, kids free. {phone}", seed)
        place = ctx.entities()["places"]
        if ev.emoji_substitution(ctx.segs, ctx.pack, random.Random(seed)):
            text = ctx.text()
            assert "🚤" in text or "👶" in text or "🇬🇧" in text or "🇮🇹" in text
            if "🇬🇧" in text or "🇮🇹" in text:
                assert ctx.entities()["places"] == []
            else:
                assert ctx.entities()["places"] == place


@pytest.mark.parametrize("name, check", [
    ("leetspeak", lambda t: re.search(r"[a-z][0-9][a-z]", t, re.I)),
    ("homoglyphs", lambda t: re.search(r"[\u0400-\u04ff]", t)),
    ("zero_width", lambda t: re.search("[\u200b\u200d\u2060\ufeff]", t)),
    ("spaced_letters", lambda t: re.search(r"(\w[ .\-]){3,}\w", t)),
    ("keycap_digits", lambda t: "\u20e3" in t),
    ("digit_script", lambda t: re.search(r"[٠-٩۰-۹０-９०-९]", t)),
])
def test_evasions_change_the_text_but_not_the_phones_and_places(name, check):
    ctx = _render("en", "Crossing to {dest} by boat, guaranteed safe. WhatsApp {phone} {price}")
    before = ctx.entities()
    assert ev.apply((name,), ctx.segs, ctx.pack, random.Random(2)) == [name]
    after = ctx.entities()
    text = ctx.text()
    assert check(text), text
    assert after == before
    assert "7700900123" in digits_of(text)


def test_letter_evasions_never_touch_handles():
    pack = load_pack("fr")
    route = routes("fr")["channel_boat"]
    items, n = parse("Passage garanti, bateau neuf. {handle}")
    tpl = Template(id="fr/t", lang="fr", items=items, n_alt=n, text="")
    for seed in range(10):
        ctx = Ctx(random.Random(seed), pack, 1780000000.0, route=route, contact=Contact(tg=("passage_vip_123",)))
        ctx.render(tpl)
        ev.apply(("leetspeak", "homoglyphs", "zero_width", "spaced_letters"), ctx.segs, pack, random.Random(seed))
        assert "passage_vip_123" in ctx.text()


@pytest.mark.parametrize("lang", ["ar", "ckb", "fa", "am"])
def test_non_latin_scripts_get_only_script_appropriate_evasions(lang):
    pack = load_pack(lang)
    for seed in range(30):
        names = ev.pick(pack, random.Random(seed))
        assert not set(names) & {"leetspeak", "homoglyphs"}


def test_places_survive_letter_evasions_in_the_truth():
    ctx = _render("en", "Crossing to {dest} from {origin}. {phone}")
    places = [s[2] for s in ctx.segs if s[0] == T_PLACE]
    ev.apply(("leetspeak", "homoglyphs"), ctx.segs, ctx.pack, random.Random(4))
    assert ctx.entities()["places"] == places
