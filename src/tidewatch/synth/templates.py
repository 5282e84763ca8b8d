"""Language packs: the per-language data files under `templates/` and the tiny template language.

A template is text with two kinds of markup:
- `{slot}` or `{slot:arg}`: filled at render time (a place, a price, a phone, a number...);
- `[one|two|three]`: alternatives; a network fixes one choice per alternative (its "skeleton")
  and re-rolls a few per post, which is the light paraphrase near-duplicate detectors must see
  through.
Everything an extractor could score (places, prices, phones, handles) must be a slot, never
literal text: that is what keeps the truth exact. Packs are parsed once and cached.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

LANGS = ("en", "fr", "ar", "ckb", "kmr", "fa", "prs", "ps", "sq", "vi", "tr", "ur", "ti", "am")

LIT, SLOT, ALT = 0, 1, 2
Item = tuple  # (LIT, text) | (SLOT, name, arg) | (ALT, index, options)


class TemplateError(ValueError):
    """A data file that does not parse; the message names the file and template."""


def parse(text: str) -> tuple[tuple[Item, ...], int]:
    """Template text -> (items, number of alternatives)."""
    items: list[Item] = []
    n_alt = 0
    i, buf = 0, []
    while i < len(text):
        ch = text[i]
        if ch == "{":
            j = text.index("}", i)
            if buf:
                items.append((LIT, "".join(buf)))
                buf = []
            items.append(_slot(text[i + 1:j]))
            i = j + 1
        elif ch == "[":
            j = text.index("]", i)
            if buf:
                items.append((LIT, "".join(buf)))
                buf = []
            options = []
            for opt in text[i + 1:j].split("|"):
                sub, k = parse(opt)
                if k:
                    raise TemplateError(f"nested alternatives in {text!r}")
                options.append(sub)
            items.append((ALT, n_alt, tuple(options)))
            n_alt += 1
            i = j + 1
        elif ch in "]}":
            raise TemplateError(f"unbalanced {ch!r} in {text!r}")
        else:
            buf.append(ch)
            i += 1
    if buf:
        items.append((LIT, "".join(buf)))
    return tuple(items), n_alt


def _slot(body: str) -> Item:
    name, _, arg = body.partition(":")
    return (SLOT, name.strip(), arg.strip())


def iter_literals(items: tuple[Item, ...]):
    """Every literal string of a parsed template, inside alternatives too (for data checks)."""
    for it in items:
        if it[0] == LIT:
            yield it[1]
        elif it[0] == ALT:
            for opt in it[2]:
                yield from iter_literals(opt)


def iter_slots(items: tuple[Item, ...]):
    for it in items:
        if it[0] == SLOT:
            yield it
        elif it[0] == ALT:
            for opt in it[2]:
                yield from iter_slots(opt)


@dataclass(frozen=True, slots=True)
class Template:
    id: str               # "<lang>/<name>"
    lang: str
    items: tuple[Item, ...]
    n_alt: int
    text: str
    cats: tuple[str, ...] = ()   # adverts: taxonomy categories
    kind: str = "advert"         # negatives: their kind
    mode: str = "any"            # boat, lorry, car, plane, foot, yacht, train, any
    addons: tuple[str, ...] = ()  # add-on categories this advert may carry
    evasions: tuple[str, ...] = ()  # evasions built into the template (arabizi, romanized)
    corridor: str | None = None  # only for this corridor (a route named in the text)
    script: str | None = None    # "latn": written in Latin letters (Arabizi, Roman Urdu)
    weight: float = 1.0
    slots: frozenset[str] = frozenset()

    @property
    def has_contact(self) -> bool:
        return bool(self.slots & {"contact", "phone", "handle", "wa"})


@dataclass(frozen=True, slots=True)
class Pack:
    """One language's data, parsed."""

    lang: str
    script: str
    digits: str
    native_rate: float
    currencies: dict[str, dict[str, tuple[str, ...]]]
    thousands: tuple[str, ...]
    decimal: str
    units: tuple[dict[str, Any], ...]
    numwords: dict[int, str]
    word_prefix: bool
    symbol_prefix: dict[str, bool]
    places: dict[str, tuple[str, ...]]
    home: tuple[str, ...]
    diaspora: tuple[str, ...]
    names: tuple[str, ...]
    handle_words: tuple[str, ...]
    outlets: tuple[str, ...]
    orgs: tuple[tuple[str, str], ...]
    businesses: dict[str, tuple[str, ...]]
    when: tuple[str, ...]
    days: tuple[str, ...]
    contact: dict[str, tuple[tuple[tuple[Item, ...], int], ...]]
    emoji_words: dict[str, str]
    spaced_targets: tuple[str, ...]
    quotes: tuple[str, ...]
    addons: dict[str, tuple[Template, ...]]
    adverts: tuple[Template, ...]
    negatives: tuple[Template, ...]
    advert_currency: tuple[tuple[str, float, float], ...]  # (currency, rate from EUR, weight)
    local_currency: tuple[tuple[str, float, float], ...]
    corridors: dict[str, float]
    phone_countries: dict[str, float]
    local_phones: dict[str, float]  # countries of local businesses' numbers (shops, agencies)
    negatives_by_kind: dict[str, tuple[Template, ...]] = field(default_factory=dict)
    fixups: tuple[tuple[re.Pattern, str], ...] = ()  # spelling repairs on the final text (suffixes)
    latn: "Pack | None" = None  # the same language written in Latin letters, for `script: latn` templates


def _tpl(lang: str, raw: dict, *, kind: str = "advert") -> Template:
    name = raw["id"]
    try:
        items, n_alt = parse(raw["text"])
    except (TemplateError, ValueError) as e:
        raise TemplateError(f"{lang}/{name}: {e}") from None
    cats = tuple(raw.get("cats", ()))
    addons = raw.get("addons")
    if addons is None:
        addons = ("group_discount", "free_child_places", "safe_passage_claim", "crossing_logistics") \
            if "smuggling_service" in cats else ()
    return Template(
        id=f"{lang}/{name}", lang=lang, items=items, n_alt=n_alt, text=raw["text"], cats=cats,
        kind=raw.get("kind", kind), mode=raw.get("mode", "any"), addons=tuple(addons),
        evasions=tuple(raw.get("evasions", ())), weight=float(raw.get("w", 1.0)),
        corridor=raw.get("corridor"), script=raw.get("script"),
        slots=frozenset(s[1] for s in iter_slots(items)),
    )


def _addon(lang: str, cat: str, i: int, raw: str | dict) -> Template:
    """An add-on line: a string, or {text, mode} when it only suits one means of transport."""
    if isinstance(raw, str):
        raw = {"text": raw}
    return _tpl(lang, {"id": f"addon.{cat}.{i}", "text": raw["text"], "cats": [cat], "addons": [],
                       "mode": raw.get("mode", "any")})


def _load_yaml(name: str) -> dict:
    path = resources.files("tidewatch.synth") / "templates" / name
    with path.open("r", encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=None)
def common() -> dict:
    """Corridors, hotlines and other language-independent data (templates/common.yaml)."""
    return _load_yaml("common.yaml")


@lru_cache(maxsize=None)
def load_pack(lang: str) -> Pack:
    raw = _load_yaml(f"{lang}.yaml")
    base: dict = {}
    if raw.get("inherit"):  # a close language reuses another's lists (Dari from Persian)
        base = _load_yaml(f"{raw['inherit']}.yaml")
    latn = None
    if raw.get("latn"):
        # Latin-letter writing of the language: its own words, English spellings of places as fallback
        over = dict(raw)
        over.update(raw["latn"])
        places = dict(raw.get("places", {}))
        places.update(_load_yaml("en.yaml")["places"])
        places.update(raw["latn"].get("places", {}))
        over["places"] = places
        over.update({"script": "latn", "digits": "ascii", "native_rate": 0.0, "adverts": [], "negatives": []})
        latn = _build(lang, over, {})
    return _build(lang, raw, base, latn)


def _build(lang: str, raw: dict, base: dict, latn: Pack | None = None) -> Pack:
    def get(key: str, default: Any = None) -> Any:
        if key in raw:
            return raw[key]
        return base.get(key, default)
    places = dict(base.get("places", {}))
    places.update(raw.get("places", {}))
    contact = {}
    for k, phrases in get("contact", {}).items():
        contact[k] = tuple(parse(p) for p in phrases)
    adverts = tuple(_tpl(lang, t) for t in raw.get("adverts", ()))
    negatives = tuple(_tpl(lang, t, kind=t["kind"]) for t in raw.get("negatives", ()))
    addons = {cat: tuple(_addon(lang, cat, i, t) for i, t in enumerate(texts))
              for cat, texts in get("addons", {}).items()}
    by_kind: dict[str, list[Template]] = {}
    for t in negatives:
        by_kind.setdefault(t.kind, []).append(t)
    return Pack(
        lang=lang,
        script=get("script", "latn"),
        digits=get("digits", "ascii"),
        native_rate=float(get("native_rate", 0.0)),
        currencies={c: {k: tuple(v) for k, v in d.items()} for c, d in get("currencies", {}).items()},
        thousands=tuple(get("thousands", ["", ","])),
        decimal=get("decimal", "."),
        units=tuple(get("units", ())),
        numwords={int(k): v for k, v in get("numwords", {}).items()},
        word_prefix=bool(get("word_prefix", False)),
        symbol_prefix=dict(get("symbol_prefix", {})),
        places={k: tuple(v) for k, v in places.items()},
        home=tuple(get("home", ())),
        diaspora=tuple(get("diaspora", ())),
        names=tuple(get("names", ())),
        handle_words=tuple(get("handle_words", ())),
        outlets=tuple(get("outlets", ())),
        orgs=tuple((o["name"], o["hotline"]) for o in get("orgs", ())),
        businesses={k: tuple(v) for k, v in get("businesses", {}).items()},
        when=tuple(get("when", ())),
        days=tuple(get("days", ())),
        contact=contact,
        emoji_words=dict(get("emoji_words", {})),
        spaced_targets=tuple(get("spaced_targets", ())),
        quotes=tuple(get("quotes", ())),
        addons=addons,
        adverts=adverts,
        negatives=negatives,
        advert_currency=tuple(tuple(x) for x in get("advert_currency", [["EUR", 1.0, 1.0]])),
        local_currency=tuple(tuple(x) for x in get("local_currency", [["EUR", 1.0, 1.0]])),
        corridors=dict(get("corridors", {})),
        phone_countries=dict(get("phone_countries", {})),
        local_phones=dict(get("local_phones", {}) or get("phone_countries", {})),
        negatives_by_kind={k: tuple(v) for k, v in by_kind.items()},
        fixups=tuple((re.compile(p), r) for p, r in get("fixups", ())),
        latn=latn,
    )
