"""Document types and means of transport named in posts.

False-document offers name what they sell (passports, visas, residence permits, driving
licences, diplomas...), and crossing offers name how people travel (boat, dinghy, lorry, car,
on foot...), often in code: "taxi" for a lorry ride, "game" (گیم) or "dunki" for a walk across a
border, emoji such as 🚤 🚛 ✈️. Terms per language are in data/document_types.tsv and
data/transport_modes.tsv (with language limits in *_flags.tsv).

Transport mentions under a negation ("no walking", "pa gomone", "بدون پیاده‌روی", "not a rubber
boat") are dropped: they say how people will *not* travel. A "taxi" is a lorry when the post
also has lorry cues (data/transport_context.tsv), otherwise a car.
"""
from __future__ import annotations

import re

from tidewatch.extract.payments import PhraseLexicon, load_lexicon
from tidewatch.extract.places import fold_term, fold_text, read_table
from tidewatch.records import Entity


_DOCUMENTS = load_lexicon("document", "document_types", "document_flags")
_TRANSPORT = load_lexicon("transport", "transport_modes", "transport_flags")


def _lorry_cue_entries():
    """The cues that make a "taxi" a lorry ride."""
    cues = []
    for row in read_table("transport_context"):
        cues += [(row[0], t.strip(), frozenset()) for t in row[1].split("|") if t.strip()]
    return cues, {}


_LORRY_CUES = PhraseLexicon("transport_context", _lorry_cue_entries)


_NEGATIONS = frozenset(fold_term(w) for w in """no not without sans pas pa bê be bila bla بدون بلا بێ بی
bê yok değil không ne nuk nahi nahin نہ بغیر non jo ma مش مو پرته""".split())
_PREV_WORDS = re.compile(r"([^\W\d_]+)\W+(?:([^\W\d_]+)\W+)?$")


def _negated(folded: str, start: int) -> bool:
    m = _PREV_WORDS.search(folded[max(0, start - 24):start])
    if not m:
        return False
    last, before = m.group(2) or m.group(1), m.group(1) if m.group(2) else None
    if last in _NEGATIONS:
        return True
    # "not a rubber boat", "pas un zodiac", "NOT a big boat"
    return before in _NEGATIONS and last in ("a", "an", "un", "une", "një", "bir", "de", "any", "the")


def extract_documents(text: str, *, lang: str | None = None) -> list[Entity]:
    """Every document type named in `text` (kind "document_type")."""
    return [Entity(kind="document_type", value=h.phrase.value, start=h.start, end=h.end)
            for h in _DOCUMENTS.hits(text, lang)]


def extract_transport(text: str, *, lang: str | None = None) -> list[Entity]:
    """Every means of transport named in `text` (kind "transport"), negated mentions left out."""
    if not text:
        return []
    folded = fold_text(text).text
    out = []
    taxi_value = None
    for h in _TRANSPORT.hits(text, lang):
        if _negated(folded, h.fstart):
            continue
        value, detail = h.phrase.value, None
        if value == "taxi":  # the code word: a lorry when the post has lorry cues, else a car
            if taxi_value is None:
                taxi_value = "lorry" if _LORRY_CUES.hits(text, lang) else "car"
            value, detail = taxi_value, "taxi"
        out.append(Entity(kind="transport", value=value, start=h.start, end=h.end, detail=detail))
    return out
