"""Payment terms in posts: how the money moves (hawala, a guarantee office, pay on arrival, crypto...).

How a smuggler wants to be paid is evidence in itself: "the money stays at the office until you
arrive" (a hawala guarantee) is the signature of a crossing sold as a service. The phrases for
each term, in every language the adverts use, are in data/payment_terms.tsv; a few that are
also ordinary words elsewhere ("کاش" is "I wish" in Persian) carry language limits in
data/payment_flags.tsv.

`PhraseLexicon` (used by the document and transport extractors too) folds its phrases like the
text, joins the shared one-pass Aho-Corasick scan and keeps the hits that stand as words.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tidewatch.extract.places import (
    boundary_ok,
    fold_term,
    fold_text,
    guess_lang,
    read_table,
    register_lexicon,
    scan,
    script_of,
)
from tidewatch.records import Entity


@dataclass(frozen=True, slots=True)
class Phrase:
    value: str
    raw: str
    script: str
    cs: bool = False
    langs: frozenset[str] = frozenset()
    not_langs: frozenset[str] = frozenset()
    symbol: bool = False  # emoji or sign: no word boundaries to check


@dataclass(frozen=True, slots=True)
class Hit:
    start: int  # original offsets
    end: int
    fstart: int  # folded offsets
    fend: int
    phrase: Phrase


class PhraseLexicon:
    """Multilingual phrases → values, matched on folded text with word boundaries (Arabic-script
    prefixes such as و/ب/ل and short suffixes allowed, as for place names).

    The phrases join the shared one-pass scan (`places.scan`) under `name`; `entries()` loads them
    lazily, on the first scan of any post.
    """

    def __init__(self, name: str, loader: Callable[[], tuple[list[tuple[str, str, frozenset[str]]],
                                                           dict[str, list[str]]]]) -> None:
        self.name = name
        self._loader = loader
        self._table: dict[str, tuple[Phrase, ...]] | None = None
        register_lexicon(name, lambda: self.table().items())

    def table(self) -> dict[str, tuple[Phrase, ...]]:
        if self._table is None:
            entries, flags_by_phrase = self._loader()
            table: dict[str, list[Phrase]] = {}
            for value, raw, flags in entries:
                key = fold_term(raw)
                if not key:
                    continue
                extra = flags_by_phrase.get(raw, [])
                langs = frozenset(x for f in extra if f.startswith("lang:") for x in f[5:].split("+"))
                not_langs = frozenset(x for f in extra if f.startswith("notlang:") for x in f[8:].split("+"))
                symbol = not any(ch.isalpha() for ch in key)
                table.setdefault(key, []).append(
                    Phrase(value, raw, script_of(key), "cs" in flags, langs, not_langs, symbol))
            self._table = {key: tuple(phrases) for key, phrases in table.items()}
        return self._table

    def hits(self, text: str, lang: str | None = None) -> list[Hit]:
        """Non-overlapping hits, longest first where they overlap, in text order."""
        if not text:
            return []
        raw_hits = scan(text).get(self.name)
        if not raw_hits:
            return []
        f = fold_text(text)
        folded = f.text
        found: list[Hit] = []
        guessed: str | None = None
        for fs, fe, phrases in raw_hits:
            for p in phrases:
                if not p.symbol and not boundary_ok(folded, fs, fe, p.script, short=fe - fs <= 4):
                    continue
                s, e = f.span(fs, fe)
                if p.cs and text[s:e] != p.raw:
                    continue
                if p.langs or p.not_langs:
                    if lang is None and guessed is None:
                        guessed = guess_lang(text) or ""
                    code = lang or guessed
                    if p.langs and code not in p.langs:
                        continue
                    if code in p.not_langs:
                        continue
                found.append(Hit(s, e, fs, fe, p))
                break
        if len(found) > 1:
            found.sort(key=lambda h: (h.start, -(h.end - h.start)))
        out: list[Hit] = []
        last = -1
        for h in found:
            if h.start >= last:
                out.append(h)
                last = h.end
        return out


def load_lexicon(name: str, prefix: str, flags_prefix: str | None = None) -> PhraseLexicon:
    """A lexicon from data files: rows of `value <TAB> flags <TAB> phrase|phrase|...`."""
    def loader():
        entries = []
        for row in read_table(prefix):
            value = row[0]
            flags = frozenset(f for f in row[1].split(",") if f and f != "-") if len(row) > 1 else frozenset()
            for raw in (row[2].split("|") if len(row) > 2 else []):
                if raw.strip():
                    entries.append((value, raw.strip(), flags))
        flags_by_phrase: dict[str, list[str]] = {}
        if flags_prefix:
            for row in read_table(flags_prefix):
                flags_by_phrase[row[0]] = [f.strip() for f in row[1].split(",")]
        return entries, flags_by_phrase
    return PhraseLexicon(name, loader)


_PAYMENTS = load_lexicon("payment", "payment_terms", "payment_flags")


def extract_payments(text: str, *, lang: str | None = None) -> list[Entity]:
    """Every payment-term phrase in `text` as a `payment` entity (value: the term's name)."""
    return [Entity(kind="payment", value=h.phrase.value, start=h.start, end=h.end)
            for h in _PAYMENTS.hits(text, lang)]
