"""Features of an analysed post: cross-lingual concept and entity features (dense, named) and
character / word n-grams of the normalised text (sparse, hashed).

The dense part is what transfers across languages: a Sorani advert and an Albanian advert
share "transport + price + route + contact" even when they share no characters. The hashed
n-grams learn in-language patterns and evasions the lexicon does not list.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from tidewatch.detect.base import Doc
from tidewatch.detect.charhash import char_ngrams as hash_char_ngrams
from tidewatch.detect.wordhash import word_ngrams as hash_word_ngrams
from tidewatch.detect.lexicon import CONCEPTS, FRAMING_CONCEPTS, SIGNAL_CONCEPTS, Hit, Lexicon

ENTITY_KINDS = ("phone", "handle", "url", "price", "place", "payment", "document_type", "transport")
NORM_FLAGS = ("mixed_script", "homoglyph", "spaced_letters", "leet", "repeats", "arabizi")

DENSE_NAMES: tuple[str, ...] = (
    tuple(f"concept:{c}" for c in CONCEPTS)
    + tuple(f"entity:{k}" for k in ENTITY_KINDS)
    + tuple(f"flag:{f}" for f in NORM_FLAGS)
    + (
        "n_signal_concepts", "n_framing_concepts", "contact_any", "money_and_place", "money_and_contact",
        "place_and_transport", "offer_triad", "signal_without_framing", "framing_without_money",
        "many_places", "question", "short_text", "long_text", "log_length", "two_places", "money_and_transport",
    )
)
# Pairs of presences (a concept or an entity kind): the model can learn that "price + transport"
# means an offer while "price + legit_service" means a ferry ticket, in every language at once.
PAIR_BASE: tuple[str, ...] = tuple(f"concept:{c}" for c in CONCEPTS) + tuple(f"entity:{k}" for k in ENTITY_KINDS)
_PAIRS = [(i, j) for i in range(len(PAIR_BASE)) for j in range(i + 1, len(PAIR_BASE))]
DENSE_NAMES = DENSE_NAMES + tuple(f"pair:{PAIR_BASE[i]}&{PAIR_BASE[j]}" for i, j in _PAIRS)
DENSE_INDEX = {n: i for i, n in enumerate(DENSE_NAMES)}
_BASE_POS = np.array([DENSE_INDEX[n] for n in PAIR_BASE])
_PAIR_I = np.array([i for i, _ in _PAIRS])
_PAIR_J = np.array([j for _, j in _PAIRS])
_PAIR_START = DENSE_INDEX[f"pair:{PAIR_BASE[0]}&{PAIR_BASE[1]}"]

# Short terms (3 characters or fewer) only count in their own language: elsewhere they are
# too likely to be an ordinary word of another language written in the same script.
SHORT_TERM = 3

_LANG_FAMILY = {"prs": "fa", "ar-Latn": "ar", "fa-Latn": "fa", "ur-Latn": "ur", "ku": "kmr"}


def _family(lang: str | None) -> str | None:
    return _LANG_FAMILY.get(lang, lang) if lang else None


# Languages whose spelling patterns are worth running for a post in a given language
# (Dari and Persian share a script and most vocabulary; an undetermined post runs them all).
_NEIGHBOURS = {"fa": ("fa", "prs"), "prs": ("prs", "fa"), "ckb": ("ckb", "kmr"), "kmr": ("kmr", "ckb", "tr"),
               "ti": ("ti", "am"), "am": ("am", "ti"), "ur": ("ur", "ps"), "ps": ("ps", "ur")}


def _regex_langs(langs: set) -> list[str] | None:
    if not langs or langs <= {None, "und"}:
        return None
    out: list[str] = ["xx"]  # language-neutral patterns always run
    for lang in langs:
        if lang:
            out += _NEIGHBOURS.get(lang, (lang,))
    return out


@dataclass(frozen=True, slots=True)
class DocHits:
    hits: tuple[Hit, ...]  # the lexicon hits that count for this doc
    concept_counts: dict[str, int]


def _doc_langs(doc: Doc) -> set:
    return {_family(doc.lang.lang)} | {_family(o) for o in doc.lang.others}


def counted_hits(doc: Doc, lexicon: Lexicon) -> DocHits:
    langs = _doc_langs(doc)
    return _counted(lexicon.match(doc.norm.text, _regex_langs(langs)), langs)


def counted_hits_batch(docs: Sequence[Doc], lexicon: Lexicon) -> list[DocHits]:
    """`[counted_hits(d, lexicon) for d in docs]`, matching the regular expressions batch-wise."""
    langs = [_doc_langs(d) for d in docs]
    matched = lexicon.match_batch([d.norm.text for d in docs], [_regex_langs(lg) for lg in langs])
    return [_counted(hits, lg) for hits, lg in zip(matched, langs)]


_FRAMING = frozenset(FRAMING_CONCEPTS)


def _counted(hits: list[Hit], langs: set) -> DocHits:
    keep: list[Hit] = []
    for h in hits:
        e = h.entry
        if len(e.folded) <= SHORT_TERM and not e.term.startswith("re:") and e.lang not in langs and e.lang != "xx":
            continue
        keep.append(h)
    keep = _drop_overruled(keep)
    spans: dict[str, set[tuple[int, int]]] = {}
    for h in keep:
        spans.setdefault(h.entry.concept, set()).add((h.start, h.end))
    return DocHits(tuple(keep), {c: len(s) for c, s in spans.items()})


def _drop_overruled(hits: list[Hit]) -> list[Hit]:
    """A cue inside a longer cue of the other side (advert signal against framing) is the longer
    cue's word, read the longer cue's way: "police" inside "no police" is a guarantee, not a
    report; "pay" inside "never pay a smuggler" is a warning, not a payment term.

    `hits` are in text order, longest first at each start (as `Lexicon.match` gives them): one
    sweep keeps, per side, the furthest end of the cues that start before this one and of those
    that start here."""
    if len(hits) < 2:
        return hits
    before = {True: -1, False: -1}  # furthest end of the cues starting before the current start
    here = {True: -1, False: -1}  # ... and starting at it
    start = None
    out = []
    for h in hits:
        if h.start != start:
            before[True] = max(before[True], here[True])
            before[False] = max(before[False], here[False])
            here[True] = here[False] = -1
            start = h.start
        framing = h.entry.concept in _FRAMING
        if not (before[not framing] >= h.end or here[not framing] > h.end):
            out.append(h)
        here[framing] = max(here[framing], h.end)
    return out


_CONCEPT_COL = {c: DENSE_INDEX[f"concept:{c}"] for c in CONCEPTS}
_ENTITY_COL = {k: DENSE_INDEX[f"entity:{k}"] for k in ENTITY_KINDS}
_FLAG_COL = {f: DENSE_INDEX[f"flag:{f}"] for f in NORM_FLAGS}
_COL = DENSE_INDEX


def dense_matrix(docs: Sequence[Doc], dhs: Sequence[DocHits]) -> np.ndarray:
    """The named dense features of each doc, one row per doc (float32).

    Each row's values are gathered in Python as (column, value) pairs and written into the
    matrix at once; the presence pairs are one vectorised product over the whole batch."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    log1p = math.log1p
    for r, (doc, dh) in enumerate(zip(docs, dhs)):
        row: dict[int, float] = {}
        cc = dh.concept_counts
        for c, n in cc.items():
            row[_CONCEPT_COL[c]] = log1p(n)
        kinds: dict[str, int] = {}
        for e in doc.entities:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        for k, n in kinds.items():
            i = _ENTITY_COL.get(k)
            if i is not None:
                row[i] = log1p(n)
        for f in doc.norm.flags:
            i = _FLAG_COL.get(f)
            if i is not None:
                row[i] = 1.0
        n_sig = sum(1 for c in SIGNAL_CONCEPTS if cc.get(c))
        n_frame = sum(1 for c in FRAMING_CONCEPTS if cc.get(c))
        contact = bool(cc.get("contact") or kinds.get("phone") or kinds.get("handle"))
        money = bool(kinds.get("price") or cc.get("price"))
        place = bool(kinds.get("place") or cc.get("route"))
        transport = bool(kinds.get("transport") or cc.get("transport"))
        text = doc.text
        row[_COL["n_signal_concepts"]] = n_sig / 3.0
        row[_COL["n_framing_concepts"]] = n_frame / 2.0
        row[_COL["contact_any"]] = float(contact)
        row[_COL["money_and_place"]] = float(money and place)
        row[_COL["money_and_contact"]] = float(money and contact)
        row[_COL["place_and_transport"]] = float(place and transport)
        row[_COL["offer_triad"]] = float(money and place and contact)
        row[_COL["signal_without_framing"]] = float(n_sig >= 2 and n_frame == 0)
        row[_COL["framing_without_money"]] = float(n_frame >= 1 and not money)
        row[_COL["many_places"]] = float(kinds.get("place", 0) >= 3)
        row[_COL["question"]] = float("?" in text or "؟" in text or "፧" in text)
        row[_COL["short_text"]] = float(len(text) < 60)
        row[_COL["long_text"]] = float(len(text) > 600)
        row[_COL["log_length"]] = log1p(len(text)) / 8.0
        row[_COL["two_places"]] = float(kinds.get("place", 0) >= 2)
        row[_COL["money_and_transport"]] = float(money and transport)
        rows += [r] * len(row)
        cols += row.keys()
        vals += row.values()
    x = np.zeros((len(docs), len(DENSE_NAMES)), dtype=np.float32)
    x[rows, cols] = vals
    present = (x[:, _BASE_POS] > 0).astype(np.float32)
    x[:, _PAIR_START:] = present[:, _PAIR_I] * present[:, _PAIR_J]
    return x


def dense_row(doc: Doc, dh: DocHits) -> np.ndarray:
    """The named dense features of one doc."""
    return dense_matrix([doc], [dh])[0]


_DIGIT_MODES = ("zero", "keep")
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")  # normalised text has ASCII digits only


class Featuriser:
    """Docs -> one sparse matrix [dense | char n-grams | word n-grams]. Stateless (hashing), so
    it needs nothing saved but its parameters."""

    WORD_HASH = "numpy-1"  # the word hashing scheme (wordhash.py); a model records the one it was trained with

    def __init__(self, lexicon: Lexicon, char_features: int = 2 ** 18, word_features: int = 2 ** 18,
                 char_ngrams: tuple[int, int] = (2, 4), dense_scale: float = 0.5, word_hash: str = WORD_HASH,
                 digits: str = "zero"):
        if word_hash != self.WORD_HASH:
            raise ValueError(f"word features hashed with {word_hash!r}, this version hashes with "
                             f"{self.WORD_HASH!r}: rebuild the model with `tidewatch train`")
        self.lexicon = lexicon
        self.dense_scale = dense_scale
        self.char_features = char_features
        self.char_ngrams = tuple(char_ngrams)
        self.word_features = word_features
        self.n_dense = len(DENSE_NAMES)
        if digits not in _DIGIT_MODES:
            raise ValueError(f"unknown digits mode {digits!r}: rebuild the model with `tidewatch train`")
        # "zero": the n-grams see every digit as 0, so they learn the shape of a price or a phone
        # number, not the numbers of the training posts (which are fictional ranges, unlike the
        # numbers in real adverts); "keep": models trained before this setting existed
        self.digits = digits

    def params(self) -> dict:
        return {"char_features": self.char_features, "word_features": self.word_features,
                "char_ngrams": list(self.char_ngrams), "dense_scale": self.dense_scale, "word_hash": self.WORD_HASH,
                "digits": self.digits}

    def transform(self, docs: Sequence[Doc]) -> tuple[sp.csr_matrix, list[DocHits]]:
        dh = counted_hits_batch(docs, self.lexicon)
        dense = dense_matrix(docs, dh)
        texts = [d.norm.text for d in docs]
        if self.digits == "zero":
            texts = [t.translate(_DIGITS_TO_ZERO) for t in texts]
        X = sp.hstack([sp.csr_matrix(dense * self.dense_scale), hash_char_ngrams(texts, self.char_ngrams, self.char_features),
                       hash_word_ngrams(texts, self.word_features)], format="csr", dtype=np.float32)
        return X, dh
