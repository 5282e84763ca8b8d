"""Fold a post into the form lexicons match against, keeping an exact map back to the original.

Posts are written to defeat keyword filters: Cyrillic letters inside Latin words, zero-width
characters, "b o a t", "b0at", emoji instead of words, Arabic-script spelling variants. Every
step here undoes one such trick, and every step keeps `offsets` exact so that a cue found in
the folded text can be shown (and captured as evidence) in the original text.

Steps, in order:
1. Characters (one pass): emoji sequences -> concept words (" boat ", keycaps -> digits);
   NFKC; case folding; digits of any script -> ASCII; invisible characters removed
   (zero-width, bidi controls, variation selectors, soft hyphen, tatweel, Arabic harakat);
   whitespace -> " "; Arabic-script letter variants folded (see ARABIC FOLDING below);
   Ge'ez letters that are pure spelling variants folded (ሠ->ሰ, ፀ->ጸ, ኀ->ሀ rows).
2. Spaced letters joined ("b o a t", "b.o.a.t", "w-h-a-t-s-a-p-p"; "w*hatsapp").
3. Homoglyphs: Cyrillic/Greek look-alikes inside Latin words -> Latin, Latin inside Cyrillic
   words -> Cyrillic, small capitals -> letters.
4. Leetspeak folded (b0at -> boat) unless the text is Arabizi (7arga, 3ala stay as written).
5. Long repeats: letters kept at most twice (sooooo -> soo), punctuation once (!!!!! -> !).
6. Whitespace runs -> one space, no space at either end.

ARABIC FOLDING (for matching only; the original is never changed):
  ي ى ی -> ی (U+06CC)      ك ڪ -> ک (U+06A9)      أ إ آ ٱ ٲ ٳ -> ا      ؤ -> و      ئ kept
  ة ە ھ ہ ۀ ۃ -> ه (U+0647).  Sorani ە (U+06D5) is folded into ه on purpose: Sorani written on
  Arabic or Persian keyboards spells the vowel ە as ه (+ZWNJ), so only the folded form matches
  both spellings, and Sorani has no common minimal pair told apart only by ه/ە. The Sorani
  letters that do separate words stay distinct: ڵ ڕ ێ ۆ ڤ; so do Pashto ې ۍ ټ ډ ړ ښ ږ ځ څ ګ ڼ
  and Urdu ٹ ڈ ڑ ں ے.
  ZWNJ is removed (Persian می‌خوانم matches میخوانم).

LEET AND ARABIZI (step 4). A "mixed word" is a run of Latin letters and digits (or @, $) with
at least 2 letters and no fewer letters than digits; measurements ("18h", "3rd", "9.9hp",
"2500e"), product names ("mp3", "h24"), handles' leading @, e-mails and URLs are left out.
Its digits decide its kind: any of 0 1 4 @ $ -> leet word; else any of 2 6 7 8 9 -> Arabizi
word (those digits stand for Arabic sounds: 2 ء, 3 ع, 5 خ, 6 ط, 7 ح, 8 ق/غ, 9 ق/ص); only 3 and 5
-> ambiguous (3 is e in leet, ع in Arabizi). The text is Arabizi when Arabizi and ambiguous
words outnumber leet words and there is real evidence: a known Arabizi word (3ala, ma3a,
ta7rib, ...), two Arabizi words, one Arabizi and one ambiguous word, or three ambiguous words.
Then nothing is leet-folded ("7arga" stays "7arga" for the lexicon) and the text is flagged
`arabizi`. Otherwise leet words are folded (0->o 1->i 3->e 4->a 5->s 7->t @->a $->s),
ambiguous words too unless some Arabizi evidence exists, Arabizi-kind words only when at
least two clear leet words surround them. Digits only at a word's edge ("4ngleterre", "t0")
are folded only in a text already shown to be obfuscated (a leet word with inner digits, or
spaced letters), because "3days" or "5persons" are ordinary typing.

Flags (FLAGS): emoji, invisible, mixed_script, homoglyph, spaced_letters, leet, arabizi, repeats.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import chain

from tidewatch.text import emoji_concepts
from tidewatch.text.digits import DIGIT_TABLE
from tidewatch.text.scripts import count_scripts
from tidewatch.text.translate import Translator

FLAGS = frozenset({"emoji", "invisible", "mixed_script", "homoglyph", "spaced_letters", "leet", "arabizi",
                   "repeats"})


@dataclass(frozen=True, slots=True)
class Normalised:
    """A post folded for matching, with the map back to the original.

    `offsets[i]` is the index in `original` of the character that produced `text[i]`;
    `offsets[len(text)] == len(original)`. Several folded characters may share one source
    (an emoji became " boat "), and source characters may have no folded character (a
    zero-width space was dropped), so offsets are non-decreasing, not strictly increasing.
    """

    original: str
    text: str
    offsets: tuple[int, ...]
    flags: frozenset[str]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of `original` that produced `text[start:end]`, covering whole source characters.

        A folded character may come from a cluster (an emoji sequence, a letter with its
        accents), so the end is the start of the next source character that produced
        something, minus trailing whitespace or invisible characters dropped in between.
        """
        offsets = self.offsets
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise IndexError(f"span {start}:{end} outside 0:{n}")
        if start == end:
            return offsets[start], offsets[start]
        first, last = offsets[start], offsets[end - 1]
        k = end
        while offsets[k] <= last:
            k += 1
        stop = offsets[k]
        original = self.original
        while stop > last + 1 and _is_trailing_drop(original[stop - 1]):
            stop -= 1
        return first, stop


def normalise(text: str) -> Normalised:
    """Fold `text` for matching; see the module docstring for the steps."""
    folded, offsets, flags = _normalise(text, term=False)
    return Normalised(text, folded, tuple(offsets), frozenset(flags))


def normalise_term(term: str) -> str:
    """Fold a lexicon entry exactly as texts are folded (characters, homoglyphs, repeats, spaces).

    Spaced-letter joining and leet folding are not applied: lexicon entries are written
    plainly, and a digit in an entry ("7arga", "3ala") is meant literally.
    """
    return _normalise(term, term=True)[0]


# ---------------------------------------------------------------------------------------------
# Step 1: characters

_LETTER_FOLD = {
    0x064A: "ی", 0x0649: "ی", 0x063D: "ی", 0x063E: "ی", 0x063F: "ی",
    0x0643: "ک", 0x06AA: "ک",
    0x0629: "ه", 0x06D5: "ه", 0x06BE: "ه", 0x06C1: "ه", 0x06C0: "ه", 0x06C2: "ه", 0x06C3: "ه",
    0x0623: "ا", 0x0625: "ا", 0x0622: "ا", 0x0671: "ا", 0x0672: "ا", 0x0673: "ا",
    0x0624: "و",
    0x060C: ",", 0x061B: ";", 0x061F: "?", 0x06D4: ".", 0x066B: ".", 0x066C: ",", 0x066A: "%",
    # Ethiopic punctuation: sentence/comma/semicolon marks, and the old word separator
    0x1362: ".", 0x1363: ",", 0x1364: ";", 0x1361: " ",
}
for _i in range(8):  # Ge'ez rows that are spelling variants of one sound in Amharic and Tigrinya
    _LETTER_FOLD[0x1220 + _i] = chr(0x1230 + _i)  # ሠ -> ሰ
    _LETTER_FOLD[0x1340 + _i] = chr(0x1338 + _i)  # ፀ -> ጸ
    _LETTER_FOLD[0x1280 + _i] = chr(0x1200 + _i)  # ኀ -> ሀ

_ARABIC_MARKS = tuple(chain(range(0x0610, 0x061B), range(0x064B, 0x0660), (0x0670,), range(0x06D6, 0x06DD),
                            range(0x06DF, 0x06E5), (0x06E7, 0x06E8), range(0x06EA, 0x06EE), range(0x08D3, 0x0900)))
# dropped characters whose presence is itself a sign of evasion (ZWNJ/ZWJ/LRM/RLM are ordinary)
_INVISIBLE_SIGNAL = frozenset(chain((0x00AD, 0x115F, 0x1160, 0x180E, 0x200B, 0x202D, 0x202E, 0x3164, 0xFFA0),
                                    range(0x2060, 0x2065), range(0xE0000, 0xE0080), (0xFEFF,)))
_DROP = frozenset(chain(_ARABIC_MARKS, _INVISIBLE_SIGNAL, (0x034F, 0x061C, 0x0640, 0x17B4, 0x17B5, 0x3164, 0x20E3),
                        range(0x1F3FB, 0x1F400),
                        range(0x180B, 0x1810), range(0x200B, 0x2010), range(0x202A, 0x202F), range(0x2066, 0x2070),
                        range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0), range(0x1BCA0, 0x1BCA4)))
_REGIONAL = range(0x1F1E6, 0x1F200)
# marks that compose with the character before them under NFKC: a letter and its marks fold as one
_CLUSTER_MARKS = tuple(chain(range(0x0300, 0x0370), range(0x0483, 0x048A), range(0x1AB0, 0x1B00),
                             range(0x1DC0, 0x1E00), range(0x20D0, 0x20F1), range(0xFE20, 0xFE30),
                             range(0x0653, 0x0656), range(0x3099, 0x309B)))
_CLUSTER_SET = frozenset(_CLUSTER_MARKS)
# characters that belong to the character before them (a special run starting with one reaches back)
_JOINERS = frozenset(chain(_CLUSTER_MARKS, (0xFE0E, 0xFE0F, 0x20E3, 0x200D), range(0x1F3FB, 0x1F400)))
_TEXT_SYMBOLS = frozenset(chain((0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139, 0x21A9, 0x21AA, 0x24C2, 0x25AA,
                                 0x25AB, 0x25B6, 0x25C0, 0x3030, 0x303D, 0x3297, 0x3299, 0x2640, 0x2642, 0x2695),
                                range(0x2194, 0x219A), range(0x25FB, 0x25FF)))


def _fold_slow(s: str) -> str:
    """The folded form of one character or cluster: NFKC, case fold, local folds, drops."""
    if s[0] == "\u0130":  # Turkish İ: casefold gives i + combining dot, which would never match "i"
        s = "i" + s[1:]
    s = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    out = []
    for ch in s:
        cp = ord(ch)
        if cp in _DROP:
            continue
        if ch.isspace() or cp in _REGIONAL:
            out.append(" ")
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf"):
            continue
        if cat == "Zs":
            out.append(" ")
        elif cp in _LETTER_FOLD:
            out.append(_LETTER_FOLD[cp])
        elif cp in DIGIT_TABLE:
            out.append(chr(DIGIT_TABLE[cp]))
        else:
            out.append(ch)
    return "".join(out)


def _is_trailing_drop(ch: str) -> bool:
    """Dropped characters that do not belong to the character before them: spaces and
    invisible format characters (marks, selectors and keycap signs do belong to it)."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")


class _Tables:
    """Everything step 1 needs, built once on first use (about 0.2 s)."""

    def __init__(self) -> None:
        unit: dict[int, str] = {}  # code point -> its one-character fold (only where it changes)
        special: set[int] = set()  # code points whose fold is not exactly one character
        for cp in chain(range(0x30000), range(0xE0000, 0xE01F0)):
            ch = chr(cp)
            if 0xD800 <= cp <= 0xDFFF:
                continue
            folded = _fold_slow(ch)
            if len(folded) != 1:
                special.add(cp)
            elif folded != ch:
                unit[cp] = folded
        self.emoji = emoji_concepts.build_table()
        pict: set[int] = set()
        for seq in self.emoji:
            for ch in seq:
                cp = ord(ch)
                if cp >= 0x80 and cp not in _REGIONAL and cp not in _JOINERS and cp not in _TEXT_SYMBOLS \
                        and not 0xE0000 <= cp <= 0xE007F:
                    pict.add(cp)
        special |= pict | set(_JOINERS) | set(_REGIONAL) | {0x1F3F4}
        # one translate table: a plain character -> its fold, a special one -> NUL (handled one by one)
        self.mark: dict[int, str] = {**unit, **{cp: "\x00" for cp in special}}
        self.mark.pop(ord(" "), None)  # the space folds to itself
        self.translate_mark = Translator(self.mark)
        p = f"[{_char_class(pict)}]"
        t = f"[{_char_class(_TEXT_SYMBOLS)}]"
        m = "[\ufe0e\ufe0f]?[\U0001F3FB-\U0001F3FF]?"
        self.emoji_seq = re.compile(
            "[\U0001F1E6-\U0001F1FF]{2}"
            "|\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F"
            "|[0-9#*]\ufe0f?\u20e3"
            f"|{t}\ufe0f"
            f"|{p}{m}(?:\u200d(?:{p}|{t}){m})*"
        )
        self.cache: dict[str, str] = {}


def _char_class(cps: set[int] | frozenset[int]) -> str:
    """A regex character class body for a set of code points, as ranges."""
    parts = []
    run_start = prev = None
    for cp in sorted(cps):
        if prev is not None and cp == prev + 1:
            prev = cp
            continue
        if run_start is not None:
            parts.append(_range(run_start, prev))
        run_start = prev = cp
    if run_start is not None:
        parts.append(_range(run_start, prev))
    return "".join(parts)


def _range(lo: int, hi: int) -> str:
    return re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"


_TABLES: _Tables | None = None


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        _TABLES = _Tables()
    return _TABLES


_ASCII_TABLE = {cp: chr(cp).lower() for cp in range(ord("A"), ord("Z") + 1)}
_ASCII_TABLE.update({cp: " " for cp in (9, 10, 11, 12, 13)})
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _fold_chars(text: str, flags: set[str]) -> tuple[str, list[int]]:
    """Step 1 over the whole text. One `str.translate` folds every plain character (one for
    one) and marks the special ones (emoji, marks, invisibles, expansions) with NUL; only those
    are then handled one by one."""
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return text.translate(_ASCII_TABLE), list(range(len(text) + 1))
    tables = _tables()
    marked = tables.translate_mark(text)
    if "\x00" not in marked:
        return marked, list(range(len(text) + 1))
    cache, emoji_table, emoji_seq = tables.cache, tables.emoji, tables.emoji_seq
    parts: list[str] = []
    offsets: list[int] = []
    last = 0
    for match in _NUL_RUNS.finditer(marked):
        a, b = match.span()
        if a > last and ord(text[a]) in _JOINERS:
            a -= 1  # the letter, digit or emoji this mark, keycap or selector belongs to
        if a > last:
            parts.append(marked[last:a])
            offsets.extend(range(last, a))
        i = a
        while i < b:
            seq = emoji_seq.match(text, i, b)
            if seq:
                key = emoji_concepts.lookup_key(seq.group())
                token = emoji_table.get(key) or emoji_table.get(key[:1])
                if token is None:
                    parts.append(" ")
                    offsets.append(i)
                elif token in emoji_concepts.KEYCAP_VALUES:
                    parts.append(token)
                    offsets.extend([i] * len(token))
                else:
                    parts.append(f" {token} ")
                    offsets.extend([i] * (len(token) + 2))
                flags.add("emoji")
                i = seq.end()
                continue
            j = i + 1
            while j < b and ord(text[j]) in _CLUSTER_SET:
                j += 1
            cluster = text[i:j]
            out = cache.get(cluster)
            if out is None:
                out = _fold_slow(cluster)
                if len(cache) < 100_000:
                    cache[cluster] = out
            if out:
                parts.append(out)
                if len(out) == j - i:
                    offsets.extend(range(i, j))
                else:
                    offsets.extend([i] * len(out))
            elif ord(text[i]) in _INVISIBLE_SIGNAL:
                flags.add("invisible")
            i = j
        last = b
    if last < len(text):
        parts.append(marked[last:])
        offsets.extend(range(last, len(text)))
    offsets.append(len(text))
    return "".join(parts), offsets


_NUL_RUNS = re.compile("\x00+")

# ---------------------------------------------------------------------------------------------
# Edits: every later step describes its changes as (start, end, replacement, replacement offsets)

Edit = tuple[int, int, str, list[int]]


def _apply(text: str, offsets: list[int], edits: list[Edit]) -> tuple[str, list[int]]:
    """Apply sorted, non-overlapping edits to the text and its offsets together."""
    parts: list[str] = []
    new_offsets: list[int] = []
    last = 0
    for start, end, replacement, rep_offsets in edits:
        parts.append(text[last:start])
        new_offsets.extend(offsets[last:start])
        parts.append(replacement)
        new_offsets.extend(rep_offsets)
        last = end
    parts.append(text[last:])
    new_offsets.extend(offsets[last:])  # includes the final len(original)
    return "".join(parts), new_offsets


# ---------------------------------------------------------------------------------------------
# Step 2: spaced letters

_SEPARATORS = r" .*\-_·•/|~+"
_SPACED = re.compile(rf"(?<![^\W_])[^\W_]([{_SEPARATORS}])[^\W_](?:\1[^\W_])+(?![^\W_])")
_SPACED_GUARD = re.compile(rf"[{_SEPARATORS}][^\W_][{_SEPARATORS}][^\W_](?![^\W_])")
_PAIR = re.compile(r"(?<![^\W_])[^\W_] [^\W_](?![^\W_])")
_INNER_STAR = re.compile(r"(?<=[^\W\d_])[*·•]+(?=[^\W\d_])")


def _overlaps(edits: list[Edit], start: int, end: int) -> bool:
    """Does [start, end) overlap one of the sorted, non-overlapping edits? (binary search)"""
    i = bisect_right(edits, (start, float("inf"))) - 1
    return (i >= 0 and edits[i][1] > start) or (i + 1 < len(edits) and edits[i + 1][0] < end)


def _spaced_letters(text: str, offsets: list[int], flags: set[str]) -> tuple[str, list[int]]:
    """Join runs of at least three single letters set apart by one repeated separator
    ("b o a t", "b.o.a.t"); runs with more digits than letters (phone numbers) stay apart."""
    edits: list[Edit] = []
    if _SPACED_GUARD.search(text):
        spaced_with_blank = False
        for m in _SPACED.finditer(text):
            s, e = m.span()
            items = text[s:e:2]
            letters = sum(ch.isalpha() for ch in items)
            if letters >= 3 and letters >= len(items) - letters:
                edits.append((s, e, items, offsets[s:e:2]))
                spaced_with_blank |= m.group(1) == " "
        if spaced_with_blank:
            # "C r 0 s s i n g  t 0  U K": once letters are spaced and words set apart by wider
            # gaps, two-letter words ("t 0", "U K") are spaced too
            runs = list(edits)
            for m in _PAIR.finditer(text):
                s, e = m.span()
                if not any(ch.isalpha() for ch in text[s:e:2]) or _overlaps(runs, s, e):
                    continue
                before_ok = s == 0 or text[s - 1] != " " or (s >= 2 and text[s - 2] == " ")
                after_ok = e == len(text) or text[e] != " " or (e + 1 < len(text) and text[e + 1] == " ")
                if before_ok and after_ok:
                    edits.append((s, e, text[s:e:2], offsets[s:e:2]))
            edits.sort()
    if "*" in text or "·" in text or "•" in text:
        runs = list(edits)
        stars = [(m.start(), m.end(), "", []) for m in _INNER_STAR.finditer(text)
                 if not _overlaps(runs, m.start(), m.end())]
        if stars:
            edits = sorted(edits + stars)
    if not edits:
        return text, offsets
    flags.add("spaced_letters")
    return _apply(text, offsets, edits)


# ---------------------------------------------------------------------------------------------
# Step 3: homoglyphs

_CYR_TO_LAT = dict(zip("авекмнорстухѕіїјԁһԛԝӏүҫ", "abekmhopctyxsiijdhqwlyc"))
_GRK_TO_LAT = dict(zip("αβεηικμνορτυχζϲϳγω", "abenikmvoptuxzcjyw"))
# letters that look the same as Latin ones even in lower case: only words made of these alone are folded
_LOOK_ALIKE = dict(zip("аеорсухіјѕԁһԛԝӏοινρυακ", "aeopcyxijsdhqwloivpuak"))
_LAT_TO_CYR = dict(zip("abcehkmoptxyijs", "авсенкмортхуіјѕ"))
_ALWAYS = dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢɑɡ", "abcdefghijklmnoprstuvwyzag"))
_SUSPECT = "\u0370-\u03ff\u0400-\u052f\u1d00-\u1d2b\u0250-\u02af\ua730-\ua7ff"
_HOMOGLYPH_GUARD = re.compile(f"[{_SUSPECT}]")
_SUSPECT_WORD = re.compile(rf"[^\W\d_]*[{_SUSPECT}][^\W\d_]*")


def _script(ch: str) -> str:
    if "a" <= ch <= "z" or "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff" or ch in _ALWAYS:
        return "latin"
    if "\u0400" <= ch <= "\u052f":
        return "cyrillic"
    if "\u0370" <= ch <= "\u03ff":
        return "greek"
    return "other"


def _homoglyphs(text: str, offsets: list[int], flags: set[str]) -> tuple[str, list[int]]:
    """Within each word holding Cyrillic or Greek letters, fold the minority script's look-alikes
    into the majority script; small capitals always become plain letters."""
    if not _HOMOGLYPH_GUARD.search(text):
        return text, offsets
    counts = count_scripts(text)
    latin_dominant = counts.latin > 2 * (counts.cyrillic + counts.greek)
    edits: list[Edit] = []
    for m in _SUSPECT_WORD.finditer(text):
        start, word = m.start(), m.group()
        scripts = [_script(ch) for ch in word]
        lat = scripts.count("latin")
        cyr = scripts.count("cyrillic")
        foreign = cyr + scripts.count("greek")
        new = word
        if any(ch in _ALWAYS for ch in word):
            new = "".join(_ALWAYS.get(ch, ch) for ch in new)
        if foreign and lat:
            flags.add("mixed_script")
            if lat >= foreign:
                new = "".join(_CYR_TO_LAT.get(ch, _GRK_TO_LAT.get(ch, ch)) if sc != "latin" else ch
                              for ch, sc in zip(new, scripts))
            elif cyr == foreign:
                new = "".join(_LAT_TO_CYR.get(ch, ch) if sc == "latin" else ch for ch, sc in zip(new, scripts))
        elif foreign and latin_dominant and all(ch in _LOOK_ALIKE for ch in word):
            new = "".join(_LOOK_ALIKE[ch] for ch in word)  # "оn" typed all in Cyrillic among Latin words
        if new != word:
            flags.add("homoglyph")
            edits.append((start, start + len(word), new, offsets[start:start + len(word)]))
    return _apply(text, offsets, edits) if edits else (text, offsets)


# ---------------------------------------------------------------------------------------------
# Step 4: leetspeak and Arabizi

_LATIN_LETTER = "a-z\u00df-\u024f\u1e00-\u1eff"
_LEET_GUARD = re.compile(rf"[0-9@$](?:(?<=[{_LATIN_LETTER}][0-9@$])|(?=[{_LATIN_LETTER}]))")
_TOKEN_CHARS = frozenset("0123456789@$abcdefghijklmnopqrstuvwxyz" + "".join(map(chr, chain(range(0xDF, 0x250),
                                                                                       range(0x1E00, 0x1F00)))))
_URL = re.compile(r"(?:https?://|www\.)|[\w-]\.(?:com|net|org|me|ly|io|co|uk|fr|de|info|biz|app|"
                  r"link|gl|gd|to|tk|ru|tr|al|iq|ir|af|pk|vn|eu)\b")
_UNIT = re.compile(r"\d+(?:[.,]\d+)?(?:st|nd|rd|th|er|ere|re|e|eme|ème|ieme|ième|h|hr|hrs|am|pm|k|kg|km|m|cm|mm|"
                   r"g|gb|mb|tb|l|ml|x|eur|euro|euros|tl|usd|gbp|min|mins|yo|yrs|ans|j|p|s|d|w|mp|hp|cv|ps|ft|"
                   r"nci|inci|ıncı|uncu|üncü|ncı|ncü)?(?:\d+)?")
_ALNUM_NAMES = frozenset({
    "mp3", "mp4", "ps3", "ps4", "ps5", "a3", "a4", "a5", "g7", "g20", "f1", "b2b", "b2c", "p2p", "3d", "2d",
    "3g", "4g", "5g", "4k", "8k", "h24", "covid19", "win10", "win11", "x5", "s7", "s8", "s9", "i5", "i7", "i9",
    "4x4", "e5", "m4", "a1", "b1", "b2", "c1", "c2",
})
ARABIZI_WORDS = frozenset({
    "3ala", "3la", "ma3a", "m3a", "ma3", "ba3d", "b3d", "3and", "3nd", "3ndi", "3andi", "3arab", "sa3a", "sa3at",
    "7aga", "7aja", "7abibi", "7abibti", "ra7", "ro7", "rou7", "roo7", "7arga", "7rag", "7ar9a", "7erga", "7arraga",
    "l7arga", "ta7rib", "t7rib", "5ali", "5ouya", "5oya", "5alas", "5las", "mar7ba", "s7ab", "ya3ni", "ba2a",
    "2al", "2alli", "9arib", "9bal", "t9dr", "wa7ed", "wa7d", "7na", "7ata", "7atta", "l7dod", "b7ar", "lb7ar",
    "bel7", "3adi", "s3ib", "ya3tik", "2ana", "3lach", "3lah", "na3ref", "ya3rfo", "sa7bi", "5oya",
    "bla7", "7rga", "7ragua", "7raga", "l7rga", "3ayel", "3a2ila", "mo7tarif", "mata7", "2amen", "2aman",
    "ma7ad", "ta3", "n3awnek", "ne3ref", "5dem", "5edma", "9ouwa", "ya7", "7ala",
})
_INNER = re.compile(rf"[{_LATIN_LETTER}][0-9@$]+[{_LATIN_LETTER}]")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_ONLY = frozenset("014@$")
_ARABIZI_ONLY = frozenset("26789")


def _in_url(text: str, start: int, end: int) -> bool:
    """Is text[start:end] part of a URL or domain (t.me/..., www..., x.com)?"""
    left = text.rfind(" ", max(0, start - 300), start) + 1  # bounded: hostile texts may have no spaces
    right = text.find(" ", end, end + 300)
    chunk = text[left:right if right >= 0 else min(len(text), end + 300)]
    return "." in chunk and _URL.search(chunk) is not None


def _classify(text: str) -> tuple[list[tuple[int, str, str, bool]], int, int, int, int]:
    """The mixed words of `text` as (start, word, kind, inner) and the counts per kind.

    Only words around a digit-next-to-letter hit are looked at, so a post with none costs
    one regex search.
    """
    words = []
    leet = arabizi = ambiguous = known = 0
    n = len(text)
    seen = -1
    for hit in _LEET_GUARD.finditer(text):
        if hit.start() < seen:
            continue
        s = hit.start()
        while s > 0 and text[s - 1] in _TOKEN_CHARS:
            s -= 1
        e = hit.end()
        while e < n and text[e] in _TOKEN_CHARS:
            e += 1
        seen = e
        word = text[s:e]
        while word and word[0] in "@$":
            word, s = word[1:], s + 1
        while word and word[-1] in "@$":
            word, e = word[:-1], e - 1
        if len(word) < 2 or word in _ALNUM_NAMES or _in_url(text, s, e):
            continue
        if word in ARABIZI_WORDS:
            known += 1
            words.append((s, word, "arabizi", True))
            continue
        digits = sum(1 for ch in word if not ch.isalpha())
        letters = len(word) - digits
        if not digits or letters < 1 or letters < digits:
            continue
        if "@" in word and text[e:e + 1] == ".":
            continue  # an e-mail address
        if _UNIT.fullmatch(word):
            continue
        found = {ch for ch in word if not ch.isalpha()}
        if found & _LEET_ONLY and found & {"2", "6", "8", "9"}:
            continue
        inner = _INNER.search(word) is not None
        if letters < 2:  # "t0": folded only where letters are already spaced out
            words.append((s, word, "short", inner))
            continue
        if found & _LEET_ONLY:
            kind = "leet"
            leet += 1
        elif found & _ARABIZI_ONLY:
            kind = "arabizi"
            arabizi += 1
        else:
            kind = "ambiguous"
            ambiguous += 1
        words.append((s, word, kind, inner))
    return words, leet, arabizi, ambiguous, known


def _is_arabizi(leet: int, arabizi: int, ambiguous: int, known: int) -> bool:
    if arabizi + ambiguous + known <= leet:
        return False
    return known >= 1 or arabizi >= 2 or (arabizi >= 1 and ambiguous >= 1) or ambiguous >= 3


def looks_arabizi(text: str) -> bool:
    """Is this Latin-letter text Arabic written with digits for Arabic sounds (Arabizi)?"""
    if not _LEET_GUARD.search(text.lower()):
        return False
    _, leet, arabizi, ambiguous, known = _classify(text.lower())
    return _is_arabizi(leet, arabizi, ambiguous, known)


def _leet(text: str, offsets: list[int], flags: set[str]) -> tuple[str, list[int]]:
    """Fold leetspeak unless the text is Arabizi (the rules are in the module docstring)."""
    if not _LEET_GUARD.search(text):
        return text, offsets
    words, leet, arabizi, ambiguous, known = _classify(text)
    if _is_arabizi(leet, arabizi, ambiguous, known):
        flags.add("arabizi")
        return text, offsets
    inner_leet = sum(1 for _, _, kind, inner in words if kind == "leet" and inner)
    obfuscated = inner_leet > 0 or "spaced_letters" in flags
    edits: list[Edit] = []
    for start, word, kind, inner in words:
        if kind == "short" and "spaced_letters" not in flags:
            continue
        if kind == "ambiguous" and (arabizi or known) and not inner_leet:
            continue
        if kind == "arabizi" and leet < 2:
            continue
        if not inner and not obfuscated:
            continue
        new = "".join(_LEET.get(ch, ch) for ch in word)
        if new != word:
            edits.append((start, start + len(word), new, offsets[start:start + len(word)]))
    if not edits:
        return text, offsets
    flags.add("leet")
    return _apply(text, offsets, edits)


# ---------------------------------------------------------------------------------------------
# Steps 5 and 6: repeats and whitespace

_REPEAT = re.compile(r"(.)\1{2,}")
_BLANKS = re.compile(r"  +")


def _repeats(text: str, offsets: list[int], flags: set[str]) -> tuple[str, list[int]]:
    edits: list[Edit] = []
    for m in _REPEAT.finditer(text):
        ch = m.group(1)
        if ch.isdigit() or ch.isspace() or ch == "_":
            continue
        s, e = m.span()
        if ch.isalpha():
            if ch == "w" and text[e:e + 1] == "." and e - s == 3:
                continue  # www.
            flags.add("repeats")
            edits.append((s, e, ch * 2, offsets[s:s + 2]))
        else:
            edits.append((s, e, ch, offsets[s:s + 1]))
    return _apply(text, offsets, edits) if edits else (text, offsets)


def _whitespace(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    if "  " in text:
        text, offsets = _apply(text, offsets, [(m.start(), m.end(), " ", offsets[m.start():m.start() + 1])
                                               for m in _BLANKS.finditer(text)])
    if text.startswith(" "):
        text, offsets = text[1:], offsets[1:]
    if text.endswith(" "):
        text, offsets = text[:-1], offsets[:-2] + offsets[-1:]
    return text, offsets


def _normalise(text: str, term: bool) -> tuple[str, list[int], set[str]]:
    flags: set[str] = set()
    folded, offsets = _fold_chars(text, flags)
    if not term:
        folded, offsets = _spaced_letters(folded, offsets, flags)
    folded, offsets = _homoglyphs(folded, offsets, flags)
    if not term:
        folded, offsets = _leet(folded, offsets, flags)
    folded, offsets = _repeats(folded, offsets, flags)
    folded, offsets = _whitespace(folded, offsets)
    return folded, offsets, flags
