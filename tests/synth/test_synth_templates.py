"""The language packs: every template parses, names only slots that exist, and keeps all scored
entities (places, prices, phones, handles) in slots so that the truth stays exact."""
from __future__ import annotations

import random
import re

import pytest
import regex

from tidewatch.records import CATEGORIES, NEGATIVE_KINDS
from tidewatch.synth.generator import _fits, routes
from tidewatch.synth.render import SLOT_NAMES, Contact, Ctx
from tidewatch.synth.templates import (ALT, LIT, SLOT, LANGS, TemplateError, common, iter_literals, iter_slots,
                                       load_pack, parse)


def _templates(pack):
    return list(pack.adverts) + list(pack.negatives) + [t for v in pack.addons.values() for t in v]


@pytest.mark.parametrize("text, items", [
    ("plain", ((LIT, "plain"),)),
    ("{price} per person", ((SLOT, "price", ""), (LIT, " per person"))),
    ("{price:ticket/JOD}", ((SLOT, "price", "ticket/JOD"),)),
    ("[a|b {dest}|]!", ((ALT, 0, (((LIT, "a"),), ((LIT, "b "), (SLOT, "dest", "")), ())), (LIT, "!"))),
    ("لە {origin}ەوە", ((LIT, "لە "), (SLOT, "origin", ""), (LIT, "ەوە"))),
])
def test_parse(text, items):
    assert parse(text)[0] == items


@pytest.mark.parametrize("text", ["[a|[b]]", "a ] b", "{open", "x } y"])
def test_parse_rejects_broken_markup(text):
    with pytest.raises((TemplateError, ValueError)):
        parse(text)


@pytest.mark.parametrize("lang", LANGS)
def test_pack_covers_every_category_and_negative_kind(lang):
    pack = load_pack(lang)
    assert len(pack.adverts) >= 8 and len(pack.negatives) >= 8
    cats = {c for t in pack.adverts for c in t.cats} | set(pack.addons)
    assert cats >= set(CATEGORIES)
    assert {t.kind for t in pack.negatives} == set(NEGATIVE_KINDS)
    assert all(t.cats for t in pack.adverts)


@pytest.mark.parametrize("lang", LANGS)
def test_slots_exist_and_fixed_places_are_spelled(lang):
    pack = load_pack(lang)
    for t in _templates(pack):
        for _tag, name, arg in iter_slots(t.items):
            assert name in SLOT_NAMES, (t.id, name)
            if name == "place":
                assert arg in pack.places, (t.id, arg)
            if name == "e":
                assert arg in common()["emoji"], (t.id, arg)
    for canonical in pack.home + pack.diaspora:
        assert canonical in pack.places
    for _name, hotline in pack.orgs:
        assert hotline in common()["hotlines"]


@pytest.mark.parametrize("lang", LANGS)
def test_literal_text_never_names_a_place_a_price_or_a_handle(lang):
    """A place written outside a slot would be missing from the truth."""
    pack = load_pack(lang)
    forms = sorted({f for fs in pack.places.values() for f in fs}, key=len, reverse=True)
    names = regex.compile(r"(?<![\p{L}\p{M}])(" + "|".join(map(regex.escape, forms)) + r")(?![\p{L}\p{M}])")
    for t in _templates(pack):
        for lit in iter_literals(t.items):
            assert not names.search(lit), (t.id, names.search(lit).group(0))
            for mark in ("@", "t.me", "wa.me", "€", "£", "$", "₺"):
                assert mark not in lit, (t.id, mark)
    # word lists that slots copy into the text verbatim
    for word in (*pack.when, *pack.days, *pack.quotes, *(n for n, _h in pack.orgs)):
        assert not names.search(word), (lang, word)
        assert not re.search(r"\d{5}", word), (lang, word)


@pytest.mark.parametrize("lang", LANGS)
def test_every_corridor_and_advert_can_be_used(lang):
    pack = load_pack(lang)
    rts = routes(lang)
    assert set(pack.corridors) <= set(rts)
    for t in pack.adverts:
        assert any(_fits(t, r) for r in rts.values()), t.id
    for row in pack.advert_currency + pack.local_currency:
        assert row[0] in pack.currencies
    if pack.latn:
        assert all(row[0] in pack.latn.currencies for row in pack.latn.advert_currency)


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_renders_on_every_route_it_fits(lang):
    pack = load_pack(lang)
    rng = random.Random(1)
    contact = Contact(phones=("+447700900123",), tg=("chan_name",), ig=("ig_name",), kinds=("phone", "handle", "dm"))
    for route in routes(lang).values():
        for t in list(pack.adverts) + list(pack.negatives):
            if not _fits(t, route):
                continue
            writer = pack.latn if t.script == "latn" else pack
            ctx = Ctx(rng, writer, 1780000000.0, route=route, contact=contact, hotline="+447700900948", org="Org")
            ctx.render(t)
            text = ctx.text()
            assert text and "{" not in text and "[" not in text, (t.id, text)
            for place in ctx.entities()["places"]:
                assert place in pack.places or (pack.latn and place in pack.latn.places)


@pytest.mark.parametrize("lang", LANGS)
def test_word_lists_hold_only_text(lang):
    """YAML reads a bare `on`, `no` or `yes` as a boolean: every word must still be a string."""
    pack = load_pack(lang)
    words = [*pack.names, *pack.handle_words, *pack.when, *pack.days, *pack.quotes, *pack.outlets,
             *pack.numwords.values(), *pack.emoji_words, *pack.emoji_words.values(), *pack.spaced_targets,
             *(f for fs in pack.places.values() for f in fs), *(n for n, _h in pack.orgs),
             *(w for c in pack.currencies.values() for ws in c.values() for w in ws),
             *(u["word"] for u in pack.units), *(b for bs in pack.businesses.values() for b in bs)]
    assert all(isinstance(w, str) and w for w in words)
    assert all(w.isascii() and w == w.lower() for w in pack.handle_words)
