"""The cue lexicon: per-language data files of terms, each with the concept it signals.

Files live in `tidewatch/detect/lexicon/<lang>.tsv` (columns: term, concept, gloss, source);
a term starting with `re:` is a regular expression over the normalised text. Terms are folded
with the same normaliser as posts, then matched all at once with Aho-Corasick, so the cost
per post does not grow with the size of the lexicon.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from bisect import bisect_right
from typing import Iterable, Sequence

import ahocorasick
import regex

from tidewatch.detect.triggers import required_literals
from tidewatch.records import Cue
from tidewatch.text.normalise import Normalised, normalise_term

LEXICON_DIR = Path(__file__).parent / "lexicon"

SIGNAL_CONCEPTS = (
    "transport", "route", "departure", "price", "discount", "group_offer", "child_offer", "guarantee",
    "documents", "contact", "payment", "success_proof", "recruitment",
)
FRAMING_CONCEPTS = ("reporting", "warning", "rescue", "legit_service", "employment", "personal", "research")
CONCEPTS = SIGNAL_CONCEPTS + FRAMING_CONCEPTS

_WORD = regex.compile(r"[\p{L}\p{M}\p{N}_]")
# Prefixes that attach to the next word in Arabic script: and, with, to, for, as, the
# article and their combinations (folded spellings: ک for ك).
_PREFIXES = frozenset({"و", "ب", "ل", "ف", "ک", "ال", "وال", "بال", "فال", "کال", "لل", "ول", "وب", "ول"})
_MAX_PREFIX = 3
# Ge'ez script (Tigrinya, Amharic): prepositions and the relative marker attach to the front
# of a word, endings to the back, and words are short in syllables.
_GEEZ_PREFIXES = frozenset({"በ", "ለ", "የ", "ብ", "ን", "ከ", "ካብ", "ናብ", "ኣብ", "ስለ", "እንደ", "ዝ", "ም"})


def _is_geez(ch: str) -> bool:
    return "\u1200" <= ch <= "\u139f" or "\u2d80" <= ch <= "\u2ddf"


@dataclass(frozen=True, slots=True)
class Entry:
    term: str  # as written in the file
    folded: str  # normalised form (or the pattern for regex entries)
    concept: str
    gloss: str
    source: str
    lang: str


@dataclass(frozen=True, slots=True)
class Hit:
    start: int  # in the normalised text
    end: int
    entry: Entry


def _hit_order(h: Hit) -> tuple[int, int]:
    return h.start, -h.end


# Joins the texts of a batch for one regex pass: a control character that normalised text
# never holds (normalise drops them), with line breaks so that [^\n] classes stop at it.
_SEP = "\n\x00\n"
# An anchor outside a character class: ^ or $ (or \A, \Z) not escaped.
_ANCHOR = regex.compile(r"(?<!\\)(?:\^|\$)(?![^\[]*\])|\\[AZ]")


def read_lexicon_file(path: Path) -> list[Entry]:
    lang = path.stem
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:4]] != ["term", "concept", "gloss", "source"]:
            raise ValueError(f"{path}: first line must be 'term<TAB>concept<TAB>gloss<TAB>source'")
        for n, row in enumerate(reader, start=2):
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            if len(row) < 4:
                raise ValueError(f"{path}:{n}: expected 4 columns, got {len(row)}")
            term, concept, gloss, source = (c.strip() for c in row[:4])
            if concept not in CONCEPTS:
                raise ValueError(f"{path}:{n}: unknown concept {concept!r}")
            folded = term[3:] if term.startswith("re:") else normalise_term(term)
            if not folded.strip():
                continue
            out.append(Entry(term, folded, concept, gloss, source, lang))
    return out


class Lexicon:
    def __init__(self, entries: Iterable[Entry]):
        self.entries = list(entries)
        self._automaton = ahocorasick.Automaton()
        by_key: dict[str, list[Entry]] = {}
        self._patterns: list[tuple[regex.Pattern, Entry, frozenset[str] | None]] = []
        self._patterns_by_lang: dict[str, list[tuple[regex.Pattern, Entry, frozenset[str] | None]]] = {}
        for e in self.entries:
            if e.term.startswith("re:"):
                compiled = (regex.compile(e.folded, regex.V1), e, required_literals(e.folded))
                self._patterns.append(compiled)
                self._patterns_by_lang.setdefault(e.lang, []).append(compiled)
            else:
                by_key.setdefault(e.folded, []).append(e)
        for key, entries in by_key.items():
            # what the boundary check needs to know of the key, worked out once
            first_word = _is_word(key[0])
            needs_end = _is_word(key[-1]) and len(key) < (2 if _is_geez(key[-1]) else 4)
            self._automaton.add_word(key, (len(key), tuple(entries), first_word, needs_end))
        if by_key:
            self._automaton.make_automaton()
        self._empty = not by_key
        # One pass finds which regular-expression entries can match at all: the literal triggers
        # of every entry (see triggers.py) in one automaton, each naming the entries it unlocks.
        self._untriggered = frozenset(id(p) for p, _, t in self._patterns if t is None)
        # ^ and $ mean the ends of the text: these patterns cannot run over joined texts
        self._anchored = frozenset(id(p) for p, e, _ in self._patterns if _ANCHOR.search(e.folded))
        by_trigger: dict[str, list[int]] = {}
        for p, _, triggers in self._patterns:
            for t in triggers or ():
                by_trigger.setdefault(t, []).append(id(p))
        self._triggers = ahocorasick.Automaton()
        for t, ids in by_trigger.items():
            self._triggers.add_word(t, tuple(ids))
        if by_trigger:
            self._triggers.make_automaton()
        self._regex_sets: dict[tuple[str, ...] | None, list] = {}

    def fingerprint(self) -> str:
        """Changes whenever a term, its concept or its language changes: a model trained with
        one lexicon records this, so a stale model is noticed."""
        import hashlib

        h = hashlib.sha256()
        for e in sorted(self.entries, key=lambda e: (e.lang, e.term, e.concept)):
            h.update(f"{e.lang}\t{e.term}\t{e.concept}\n".encode("utf-8"))
        return h.hexdigest()[:16]

    @classmethod
    def load(cls, directory: Path = LEXICON_DIR) -> "Lexicon":
        entries: list[Entry] = []
        for path in sorted(directory.glob("*.tsv")):
            entries += read_lexicon_file(path)
        return cls(entries)

    def match_batch(self, texts: Sequence[str], langs: Sequence[Iterable[str] | None]) -> list[list[Hit]]:
        """`[self.match(t, l) for t, l in zip(texts, langs)]`, with each regular expression run once
        per group of posts that share their languages instead of once per post.

        The group's texts are joined with a separator that no text contains; a match is mapped
        back to its post by position. Posts and texts where that could differ from matching alone
        (a pattern anchored with ^ or $, a match running over a separator, a text holding the
        separator) are matched alone."""
        if len(texts) != len(langs):
            raise ValueError("one language set per text")
        out: list[list[Hit]] = [self._term_hits(t) for t in texts]
        alone: set[int] = set()
        groups: dict[tuple[str, ...] | None, list[int]] = {}
        for i, (text, lg) in enumerate(zip(texts, langs)):
            if _SEP in text:
                alone.add(i)
                continue
            groups.setdefault(None if lg is None else tuple(dict.fromkeys(lg)), []).append(i)
        for key, idx in groups.items():
            patterns = self._regex_set(key)
            if not patterns:
                continue
            starts, pos = [], 0
            for i in idx:
                starts.append(pos)
                pos += len(texts[i]) + len(_SEP)
            joined = _SEP.join(texts[i] for i in idx)
            for pattern, e, _ in patterns:
                if id(pattern) in self._anchored:  # ^ and $ need each text on its own
                    for i in idx:
                        out[i].extend(Hit(m.start(), m.end(), e) for m in pattern.finditer(texts[i]) if m.end() > m.start())
                    continue
                for m in pattern.finditer(joined):
                    s, t = m.span()
                    if t <= s:
                        continue
                    k = bisect_right(starts, s) - 1
                    base = starts[k]
                    if t > base + len(texts[idx[k]]):  # ran over the separator into the next post
                        alone.update(idx[k:bisect_right(starts, t) + 1])
                        continue
                    out[idx[k]].append(Hit(s - base, t - base, e))
        for i in alone:
            out[i] = self.match(texts[i], langs[i])
        for hits in out:
            hits.sort(key=_hit_order)
        return out

    def _term_hits(self, text: str) -> list[Hit]:
        """Plain-term hits that stand as words, in the automaton's order.

        A term must start a word (an Arabic-script clitic may precede it) and, when short, end
        one; longer terms may take suffixes (Turkish, Albanian, Kurdish and Ge'ez words inflect
        at the end)."""
        hits: list[Hit] = []
        if self._empty:
            return hits
        n = len(text)
        is_word = _WORD_CHARS
        for end_idx, (length, entries, first_word, needs_end) in self._automaton.iter(text):
            end = end_idx + 1
            start = end - length
            if first_word and start and is_word[text[start - 1]] and not _prefix_ok(text, start, text[start]):
                continue
            if needs_end and end < n and is_word[text[end]]:
                continue
            for e in entries:
                hits.append(Hit(start, end, e))
        return hits

    def match(self, text: str, langs: Iterable[str] | None = None) -> list[Hit]:
        """All lexicon hits in a normalised text (one per entry-span; entries of several languages
        sharing a term each hit, the caller decides which count).

        Plain terms of every language are matched at once. Regular-expression entries cost one
        pass each, so with `langs` only those of the post's languages run (they cover
        in-language spelling variation; other languages' terms still match as plain terms)."""
        hits = self._term_hits(text)
        patterns = self._regex_set(None if langs is None else tuple(dict.fromkeys(langs)))
        if not patterns:
            return sorted(hits, key=_hit_order)
        runnable = set(self._untriggered)
        if len(self._triggers):
            for _, ids in self._triggers.iter(text):
                runnable.update(ids)
        for pattern, e, _ in patterns:
            if id(pattern) not in runnable:
                continue  # none of the strings every match contains is in the text
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    hits.append(Hit(m.start(), m.end(), e))
        hits.sort(key=_hit_order)
        return hits

    def _regex_set(self, langs: tuple[str, ...] | None) -> list:
        """The regular-expression entries for these languages."""
        cached = self._regex_sets.get(langs)
        if cached is None:
            if langs is None:
                cached = self._patterns
            else:
                cached = [pe for lang in langs for pe in self._patterns_by_lang.get(lang, ())]
            self._regex_sets[langs] = cached
        return cached

    def cues(self, norm: Normalised, hits: Iterable[Hit], weights: dict[str, float] | None = None) -> list[Cue]:
        """Hits as Cues with spans in the original text (one cue per span and concept)."""
        seen, out = set(), []
        for h in hits:
            key = (h.start, h.end, h.entry.concept)
            if key in seen:
                continue
            seen.add(key)
            s, e = norm.span_to_original(h.start, h.end)
            out.append(Cue(s, e, h.entry.term, h.entry.concept, h.entry.gloss,
                           (weights or {}).get(h.entry.concept, 0.0)))
        return out


class _WordChars(dict):
    """char -> whether it is a word character (letter, mark, digit, _), filled as chars are met."""

    def __missing__(self, ch: str) -> bool:
        known = self[ch] = bool(_WORD.match(ch))
        return known


_WORD_CHARS = _WordChars()


def _is_word(ch: str) -> bool:
    return _WORD_CHARS[ch]


def _prefix_ok(text: str, start: int, first: str) -> bool:
    """A term glued to the end of a word starts there only after an Arabic-script clitic
    (و, ب, ال...) or a Ge'ez prefix that is the whole of that word so far."""
    k = start - 1
    while k > 0 and start - k < _MAX_PREFIX and _WORD_CHARS[text[k - 1]]:
        k -= 1
    prefixes = _GEEZ_PREFIXES if _is_geez(first) else _PREFIXES
    return text[k:start] in prefixes and (k == 0 or not _WORD_CHARS[text[k - 1]])


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load()
