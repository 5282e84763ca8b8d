"""Places on smuggling routes and destinations, by canonical English name with an ISO country code.

Adverts name their departure beaches, border towns and destinations in every script the
passengers read: "Dunkerque", "دنکرک", "Dunkirk"; "İtalya'ya", "Italisë", "Îtalyayê",
"لە کالێوە". A gazetteer (data/gazetteer*.tsv: canonical name, country, kind, flags, aliases)
is folded the same way as the text (case, diacritics, Arabic-script letter variants,
homoglyphs) and matched with one Aho-Corasick automaton; each hit is then checked for word
boundaries, allowing the short prefixes and suffixes that the languages glue onto names
(Arabic و/ب/ل, Sorani ...ەوە, Turkish 'ya, Albanian -në/-së, Kurmanji -ê).

Names that are also ordinary words carry flags in the gazetteer:
- `cap`: the text must not write it all in lower case ("Van" the city, not "van" the vehicle);
- `mid`: not at the start of a sentence ("Nice ...");
- `ctx:TR+IR`: another place in one of those countries, a Turkish-style "'da" suffix, or a post
  language from `lang:` must vouch for it;
- `novehicle`: not followed by a word that makes it a vehicle ("Van driver");
- `prep`: only right after a from/to word (Persian "سرو" is also "cypress");
- `accent`: the text must carry the alias's accents or marks exactly (Vietnamese "sang Anh", not
  "sang anh"; Arabic "عمّان" with its shadda is Amman, "عمان" may be Oman);
- `exact`: no glued prefix or suffix at all.
A canonical name starting with "!" is a blocker: it claims its span and emits nothing
("European Union" is not the place Europe, a "Dublin appeal" is not Dublin).

The folding helpers here (`fold_text`) are shared by the price, payment and document extractors.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Iterable

import ahocorasick

from tidewatch.records import Entity
from tidewatch.text.dropping import drop_runs
from tidewatch.text.translate import Translator

# --------------------------------------------------------------------------------------------
# Folding: one character for one character, except a few invisible marks that are dropped
# (tatweel, Arabic harakat, combining accents, joiners); `fold_text` returns an offset map when
# it drops any, so spans can always be mapped back to the original text.
# --------------------------------------------------------------------------------------------

_DROP = frozenset(
    [0x0640, 0x0670, 0x200D, 0x200B, 0x2060, 0xFEFF, 0x00AD, 0x200E, 0x200F]
    + list(range(0x064B, 0x0660))
    + list(range(0x06D6, 0x06DD))
    + list(range(0x06DF, 0x06E5))
    + list(range(0x06E7, 0x06E9))
    + list(range(0x06EA, 0x06EE))
    + list(range(0x0300, 0x0370))
    + [0xFE0F, 0xFE0E]
)
_DROP_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_DROP)) + "]")
_DROP_RUN = re.compile(_DROP_RE.pattern + "+")


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Latin (incl. Vietnamese): lower case without accents.
    for cp in list(range(0x41, 0x5B)) + list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        low = ch.lower()
        base = unicodedata.normalize("NFD", low)[0] if low else ch
        if len(base) == 1 and base != ch:
            table[cp] = base
    # Mathematical bold/italic/sans letters ("𝗨𝗞 𝗡𝗢𝗪") and full-width forms.
    for cp in list(range(0x1D400, 0x1D6A4)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B)):
        base = unicodedata.normalize("NFKC", chr(cp))
        if len(base) == 1 and base.isascii():
            table[cp] = base.lower()
    table[0x130] = "i"  # İ
    table[0x131] = "i"  # ı
    for ch in "đĐ":
        table[ord(ch)] = "d"
    for ch, to in {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ħ": "h"}.items():
        table[ord(ch)] = to
    # Cyrillic and Greek letters that look Latin ("Аngli", "crоssing").
    homo = {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j",
        "к": "k", "м": "m", "т": "t", "н": "h", "в": "b", "ѕ": "s", "ԁ": "d", "ո": "n", "ս": "u",
        "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
        "Т": "t", "Х": "x", "У": "y", "І": "i", "Ј": "j", "Ѕ": "s", "ё": "e", "Ё": "e", "ӏ": "l",
        "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
        "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "ο": "o", "ν": "v", "α": "a",
    }
    for ch, to in homo.items():
        table[ord(ch)] = to
    # Arabic script: one letter for each family of variants.
    arabic = {
        "ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ێ": "ی", "ئ": "ی", "ۓ": "ی", "ے": "ی",
        "ك": "ک", "ڪ": "ک", "ګ": "گ",
        "ة": "ه", "ە": "ه", "ۀ": "ه", "ہ": "ه", "ھ": "ه", "ۂ": "ه",
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
        "ؤ": "و", "ۆ": "و", "ۇ": "و", "ۉ": "و", "ۋ": "و",
        "ڵ": "ل", "ڕ": "ر", "ړ": "ر", "ڤ": "ف", "ټ": "ت", "ٹ": "ت", "ډ": "د", "ڈ": "د", "ڑ": "ر",
        "ڼ": "ن", "ں": "ن", "ښ": "ش", "ږ": "ژ", "څ": "چ", "ځ": "ج",
    }
    for ch, to in arabic.items():
        table[ord(ch)] = to
    # Digits of every script to ASCII; Arabic separators; apostrophes; spaces.
    for cp in range(0x80, 0x110000):
        if unicodedata.category(chr(cp)) == "Nd":
            table[cp] = str(unicodedata.digit(chr(cp)))
    table[0x066B] = "."
    table[0x066C] = ","
    for ch in "’‘ʼ`´′":
        table[ord(ch)] = "'"
    for ch in "\u00a0\u2007\u2009\u202f\u200c\u2002\u2003\u2004\u2005\u2006\u2008\u200a\u3000":
        table[ord(ch)] = " "
    for ch in "‐‑‒–—―−":
        table[ord(ch)] = "-"
    return table


_TABLE = _build_table()
_FOLD = Translator(_TABLE)
# Homoglyphs only (Cyrillic/Greek look-alikes), for accent-exact comparisons ("Sаng Аnh").
_HOMO = {cp: to for cp, to in _TABLE.items() if 0x370 <= cp < 0x530}


@dataclass(frozen=True, slots=True)
class Folded:
    """The folded text and, when characters were dropped, the original index of each position."""

    text: str
    offsets: tuple[int, ...] | None  # None: position i in `text` is position i in the original

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded [start, end)."""
        if self.offsets is None:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1


@lru_cache(maxsize=64)
def fold_text(text: str) -> Folded:
    """Fold `text` for matching (cached: the price, place, payment and document extractors share it)."""
    if text.isascii():  # the common fast path: case only
        return Folded(text.lower().replace("`", "'"), None)
    folded = _FOLD(text)
    if not _DROP_RE.search(folded):
        return Folded(folded, None)
    clean, keep = drop_runs(folded, _DROP_RUN)
    return Folded(clean, tuple(keep))


def fold_term(term: str) -> str:
    """Fold a lexicon term exactly as texts are folded."""
    return _DROP_RE.sub("", term.translate(_TABLE)).strip()


def is_letter(ch: str) -> bool:
    """A letter of any script (folded text has no combining marks left to worry about)."""
    return ch.isalpha()


def script_of(term: str) -> str:
    """'arabic', 'ethiopic' or 'latin' (everything else), by the first letter of `term`."""
    for ch in term:
        cp = ord(ch)
        if 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0xFB50 <= cp <= 0xFEFF:
            return "arabic"
        if 0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF:
            return "ethiopic"
        if ch.isalpha():
            return "latin"
    return "latin"


# Letters a language glues before or after a name (folded forms).
PREFIXES = {
    "arabic": frozenset(
        "و ب ل ف ک لل وب ول ولل فلل به له بو وله وبه ژ".split()
    ),
    "ethiopic": frozenset("በ ከ ለ የ ብ ን ካብ ናብ ኣብ ና እ ወደ ስለ".split()),
    "latin": frozenset(),
}
SUFFIXES = {
    "arabic": frozenset(
        "ه هوه وه دا ها ش مان کان هکان دای یدا ته ی ن یی یه م".split()
    ),
    "ethiopic": frozenset("ን ም ና ው ስ ኝ ውን ንም ናም ን፣".split()),
    "latin": frozenset(
        "a e i y s ya ye yi yu da de ta te dan den tan ten nin in un ni na ne se si es it ise ine "
        "yla yle ye yeye ya ns ut we ewe".split()
    ),
}
# Short names take no suffix except these (Kurmanji -ê, Sorani ...ەوە / دا).
SHORT_SUFFIXES = {
    "arabic": frozenset("هوه وه دا".split()),
    "ethiopic": frozenset(),
    "latin": frozenset(),
}
SHORT_NAME = 4


_ALBANIAN_CASES = frozenset("ne se ns ni si".split())
_NOT_A_WORD_EDGE = frozenset("_@/.\\=&%")


def boundary_ok(folded: str, start: int, end: int, script: str, *, short: bool = False,
                prefixes: bool = True, suffixes: bool = True) -> bool:
    """Whether folded[start:end] stands as a word, allowing the glued affixes of its script.

    A name glued to "_", "@", "/" or "." is part of a handle or link ("@nightwave_uk"), not a mention.
    """
    n = len(folded)
    if start > 0 and folded[start - 1] in _NOT_A_WORD_EDGE:
        if folded[start - 1] != "." or (start > 1 and not folded[start - 2].isspace()):
            return False
    if end < n and folded[end] in _NOT_A_WORD_EDGE and folded[end] != "." and folded[end] != "/":
        return False
    if end + 1 < n and folded[end] in "._" and is_letter(folded[end + 1]):
        return False
    if start > 0 and is_letter(folded[start - 1]):
        if not prefixes:
            return False
        k = start - 1
        while k > 0 and is_letter(folded[k - 1]) and start - k < 4:
            k -= 1
        if k > 0 and is_letter(folded[k - 1]):
            return False
        if folded[k:start] not in PREFIXES[script]:
            return False
    if end < n and is_letter(folded[end]):
        if not suffixes:
            return False
        k = end
        while k < n and is_letter(folded[k]) and k - end < 6:
            k += 1
        if k < n and is_letter(folded[k]):
            return False
        suffix = folded[end:k]
        if script == "latin" and suffix in _ALBANIAN_CASES and folded[end - 1] not in "ie":
            return False  # "italiane" is an adjective; "Anglinë", "Greqisë" are the country
        allowed = (SHORT_SUFFIXES if short else SUFFIXES)[script]
        if allowed is None:
            return len(suffix) <= 2
        if suffix not in allowed:
            return False
    elif end < n and folded[end].isdigit() and script == "latin":
        return False
    if start > 0 and folded[start - 1].isdigit() and script == "latin":
        return False
    return True


def _resource_text(name: str) -> str:
    return resources.files("tidewatch.extract").joinpath("data", name).read_text("utf-8")


def data_files(prefix: str) -> list[str]:
    """Names of the data files that start with `prefix`, sorted."""
    folder = resources.files("tidewatch.extract").joinpath("data")
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix))


def read_table(prefix: str) -> list[list[str]]:
    """Rows of every tab-separated data file starting with `prefix` (comments and blanks skipped)."""
    rows = []
    for name in data_files(prefix):
        for line in _resource_text(name).splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            rows.append([c.strip() for c in line.split("\t")])
    return rows


# --------------------------------------------------------------------------------------------
# One Aho-Corasick pass for every lexicon
# --------------------------------------------------------------------------------------------
# The place, currency, payment, document and transport lexicons register a loader here; their
# keys go into one automaton, so a post is scanned once however many extractors read it.

_LOADERS: dict[str, Callable[[], Iterable[tuple[str, Any]]]] = {}


def register_lexicon(name: str, loader: Callable[[], Iterable[tuple[str, Any]]]) -> None:
    """Add a lexicon to the shared scan: `loader()` yields (folded key, payload) pairs."""
    if name not in _LOADERS:
        _LOADERS[name] = loader
        _scanner.cache_clear()
        scan.cache_clear()


@lru_cache(maxsize=1)
def _scanner() -> ahocorasick.Automaton | None:
    table: dict[str, list[tuple[str, Any]]] = {}
    for name, loader in _LOADERS.items():
        for key, payload in loader():
            if key:
                table.setdefault(key, []).append((name, payload))
    if not table:
        return None
    automaton = ahocorasick.Automaton()
    for key, entries in table.items():
        automaton.add_word(key, (len(key), tuple(entries)))
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=64)
def scan(text: str) -> dict[str, list[tuple[int, int, Any]]]:
    """Hits of every registered lexicon in folded `text`: name → [(folded start, folded end, payload)]."""
    automaton = _scanner()
    out: dict[str, list[tuple[int, int, Any]]] = {}
    if automaton is None or not text:
        return out
    for end_idx, (length, entries) in automaton.iter(fold_text(text).text):
        fe = end_idx + 1
        for name, payload in entries:
            hits = out.get(name)
            if hits is None:
                hits = out[name] = []
            hits.append((fe - length, fe, payload))
    return out


# --------------------------------------------------------------------------------------------
# Gazetteer
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Place:
    name: str
    country: str
    kind: str
    flags: frozenset[str]
    ctx_countries: frozenset[str]
    ctx_langs: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Alias:
    place: Place
    script: str
    short: bool
    raw: str


_VEHICLE_NEXT = frozenset(
    "driver drivers driving for hire rental rent seat seats sale load loads full back door parked "
    "man men".split()
)
_PREP_BEFORE = frozenset("از تا به در من الی الى الي to from via in at for towards de à a vers pour sur ve ji bo".split())
_SENTENCE_END = re.compile(r"[.!?\n•|:]\s*$|^\s*$")
_TR_SUFFIX = re.compile(r"'[^\W\d_]{1,5}")


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[ahocorasick.Automaton, dict[str, tuple[_Alias, ...]]]:
    """The place automaton (used for leetspeak and spaced-out variants) and key → aliases."""
    automaton = ahocorasick.Automaton()
    by_name: dict[str, Place] = {}
    aliases: dict[str, list[_Alias]] = {}
    for row in read_table("gazetteer"):
        name, country, kind = row[0], (row[1] if row[1] != "-" else ""), row[2]
        flags_raw = row[3].split(",") if len(row) > 3 and row[3] not in ("", "-") else []
        flags, ctx_c, ctx_l = set(), set(), set()
        for f in flags_raw:
            f = f.strip()
            if f.startswith("ctx:"):
                ctx_c.update(f[4:].split("+"))
                flags.add("ctx")
            elif f.startswith("lang:"):
                ctx_l.update(f[5:].split("+"))
            elif f.startswith("notlang:"):
                flags.update("not_" + x for x in f[8:].split("+"))
            elif f:
                flags.add(f)
        place = Place(name, country, kind, frozenset(flags), frozenset(ctx_c), frozenset(ctx_l))
        first = name not in by_name  # the canonical name is an alias of its first row only
        by_name.setdefault(name, place)
        terms = ([name] if first and not name.startswith("!") else []) + (row[4].split("|") if len(row) > 4 else [])
        for term in terms:
            term = term.strip()
            key = fold_term(term)
            if len(key) < 2:
                continue
            script = script_of(key)
            alias = _Alias(place, script, len(key) <= SHORT_NAME, term)
            aliases.setdefault(key, [])
            if all(a.place != place for a in aliases[key]):  # same name, other flags: both kept
                aliases[key].append(alias)
    for key, found in aliases.items():
        automaton.add_word(key, (key, tuple(found)))
    automaton.make_automaton()
    return automaton, {key: tuple(found) for key, found in aliases.items()}


register_lexicon("place", lambda: _gazetteer()[1].items())


def _word_after(original: str, end: int) -> str:
    m = re.match(r"\s*([^\W\d_]+)", original[end:end + 30])
    return m.group(1).lower() if m else ""


def _word_before(folded: str, start: int) -> str:
    m = re.search(r"([^\W\d_]+)\s*$", folded[max(0, start - 20):start])
    return m.group(1) if m else ""


def _candidates(text: str) -> list[tuple[int, int, int, int, _Alias]]:
    """Every boundary-checked gazetteer hit: (orig start, orig end, folded start, folded end, alias)."""
    found_hits = scan(text).get("place")
    if not found_hits:
        return []
    f = fold_text(text)
    folded = f.text
    hits = []
    for fs, fe, found in found_hits:
        for alias in found:
            if "exact" in alias.place.flags:
                ok = boundary_ok(folded, fs, fe, alias.script, prefixes=False, suffixes=False)
            else:
                ok = boundary_ok(folded, fs, fe, alias.script, short=alias.short)
            if ok:
                s, e = f.span(fs, fe)
                hits.append((s, e, fs, fe, alias))
    return hits


_UNIT_NAMES = frozenset({"gb", "mb", "kb", "tb"})
_NISBA_LANGS = frozenset({"ar", "ur", "ps"})
_DIGIT_BEFORE = re.compile(r"\d\s?$")


def _flags_ok(text: str, folded: str, hit, lang: str | None, countries: set[str]) -> bool:
    s, e, fs, fe, alias = hit
    flags = alias.place.flags
    latin = alias.script == "latin"
    if alias.script == "arabic" and fe < len(folded) and folded[fe] == "ی" and (lang or guess_lang(text)) in _NISBA_LANGS:
        return False  # nisba: Arabic "يوناني", Urdu "پاکستانی", Pashto "پاکستاني" are adjectives (in Persian or Sorani, -ی is also the ezafe)
    if latin and alias.raw.lower() in _UNIT_NAMES and _DIGIT_BEFORE.search(text, max(0, s - 3), s):
        return False  # "128 GB", "5 MB": a size, not Great Britain or "Mbretëria e Bashkuar"
    if not flags:
        return True
    surface = text[s:e]
    if any(f.startswith("not_") for f in flags) and "not_" + (lang or guess_lang(text) or "") in flags:
        return False
    if "cap" in flags and latin and not any(ch.isupper() for ch in surface):
        return False
    if "accent" in flags:
        if latin and unicodedata.normalize("NFC", surface).translate(_HOMO).lower() != alias.raw.lower():
            return False
        if not latin and unicodedata.normalize("NFC", surface.replace("\u0640", "")) != unicodedata.normalize("NFC", alias.raw):
            return False  # "عمّان" (Amman, with shadda) is not "عمان" (Oman)
    if "mid" in flags and latin and _SENTENCE_END.search(text[max(0, s - 3):s]):
        return False
    if "novehicle" in flags and _word_after(text, e) in _VEHICLE_NEXT:
        return False
    if "prep" in flags and _word_before(folded, fs) not in _PREP_BEFORE:
        return False
    if "ctx" in flags:
        place = alias.place
        vouched = (
            (lang or guess_lang(text)) in place.ctx_langs
            or bool(countries & place.ctx_countries)
            or (latin and _TR_SUFFIX.match(text, e) is not None)
        )
        if not vouched:
            return False
    return True


_LEET = str.maketrans({"4": "a", "0": "o", "3": "e", "1": "i", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_TOKEN = re.compile(r"[^\W_]*(?:[a-zA-Z][0-9@$]|[0-9@$][a-zA-Z])[^\W_]*")
_SPACED = re.compile(
    r"(?<![^\W\d_])(?:[^\W\d_]([ .])(?:[^\W\d_]\1)+[^\W\d_]|[A-Za-z] [A-Za-z])(?![^\W\d_])"
)


# Cheap pre-checks for _variant_hits (patterns that start with a digit or a space let the regex
# engine skip ahead): a digit glued to Latin letters ("b4teau", "4ngleterre"), or single letters
# separated by one space or dot ("U K", "A.n.g.l.i").
_DIGIT_LETTER = re.compile(r"[0-9][A-Za-z]")
_MAYBE_SPACED = re.compile(r" \w[ .]\w[ .]\w[ .]|^\w[ .]\w[ .]\w[ .]| [A-Za-z] [A-Za-z] |^[A-Za-z] [A-Za-z] | [A-Za-z] [A-Za-z]$")


def _maybe_variant(text: str) -> bool:
    for m in _DIGIT_LETTER.finditer(text):
        s = m.start()
        if (s > 0 and text[s - 1].isalpha()) or text[s + 1:s + 4].isalpha():
            return True
    # Letter-spaced text puts two spaces between its words ("Y U N A N İ S T A N  g e ç i ş");
    # dotted text has many dots ("A.n.g.l.i"). Both checks are plain substring tests first.
    if "  " in text or text.count(".") >= 3 or text.count(" ") * 3 > len(text):
        return _MAYBE_SPACED.search(text) is not None
    return False


def _variant_hits(text: str) -> list[tuple[int, int, _Alias]]:
    """Hits hidden by leetspeak ("4ngleterre") or letter spacing ("Y U N A N İ S T A N")."""
    out = []
    automaton, _ = _gazetteer()
    for m in _LEET_TOKEN.finditer(text):
        token = m.group(0)
        if token.isdigit():
            continue
        plain = fold_term(token.translate(_LEET))
        if len(plain) != len(token):
            continue
        for end_idx, (key, found) in automaton.iter(plain):
            fe = end_idx + 1
            fs = fe - len(key)
            for alias in found:
                if alias.script == "latin" and not alias.place.flags and boundary_ok(
                        plain, fs, fe, "latin", short=alias.short):
                    out.append((m.start() + fs, m.start() + fe, alias))
    for m in _SPACED.finditer(text):
        run = m.group(0)
        letters = run[0::2]
        plain = fold_term(letters)
        if len(plain) != len(letters):
            continue
        for end_idx, (key, found) in automaton.iter(plain):
            fe = end_idx + 1
            fs = fe - len(key)
            for alias in found:
                if "ctx" not in alias.place.flags and boundary_ok(plain, fs, fe, alias.script, short=alias.short):
                    out.append((m.start() + 2 * fs, m.start() + 2 * (fe - 1) + 1, alias))
    return out


_SORANI = re.compile("[ەێۆڵڕڤ]")
_PERSIAN = re.compile("[پچژگک]|ی")
_ARABIC = re.compile("[\u0600-\u06ff]")
_TURKISH = re.compile("[şğıİŞĞ]")
_KURMANJI = re.compile("[êîûÊÎÛ]")
_ETHIOPIC = re.compile("[\u1200-\u137f]")
_VIET = re.compile("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơưĐ]")


@lru_cache(maxsize=64)
def guess_lang(text: str) -> str | None:
    """A rough language guess from letters alone, for when the caller gives none (context checks only)."""
    if _ARABIC.search(text):
        if _SORANI.search(text):
            return "ckb"
        if "ے" in text or "ں" in text or "ٹ" in text:
            return "ur"
        if "ټ" in text or "ښ" in text or "ځ" in text or "ړ" in text:
            return "ps"
        return "fa" if _PERSIAN.search(text) else "ar"
    if _ETHIOPIC.search(text):
        return "am"
    if _VIET.search(text):
        return "vi"
    if _KURMANJI.search(text):
        return "kmr"
    if _TURKISH.search(text):
        return "tr"
    return None


def extract_places(text: str, *, lang: str | None = None) -> list[Entity]:
    """Every place the gazetteer knows in `text`, one entity per mention, longest name first."""
    if not text:
        return []
    return list(_places(text, lang))


@lru_cache(maxsize=32)
def _places(text: str, lang: str | None) -> tuple[Entity, ...]:
    """Cached: the price extractor asks again for the same post (currency context)."""
    hits = _candidates(text)
    extra = _variant_hits(text) if _maybe_variant(text) else []
    if not hits and not extra:
        return ()
    folded = fold_text(text).text
    # Names that need context are vouched for only by places that stand on their own.
    chosen: list[tuple[int, int, Place]] = []
    plain_countries = {h[2].place.country for h in extra}
    for hit in hits:
        if "ctx" not in hit[4].place.flags and _flags_ok(text, folded, hit, lang, plain_countries):
            chosen.append((hit[0], hit[1], hit[4].place))
    plain_countries |= {p.country for _, _, p in chosen}
    for hit in hits:
        if "ctx" in hit[4].place.flags and _flags_ok(text, folded, hit, lang, plain_countries):
            chosen.append((hit[0], hit[1], hit[4].place))
    chosen += [(s, e, a.place) for s, e, a in extra]
    chosen.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[Entity] = []
    last_end = -1
    for s, e, place in chosen:
        if s < last_end:
            continue
        last_end = e
        if place.name.startswith("!"):  # a blocker: "European Union" is not the place Europe
            continue
        out.append(Entity(kind="place", value=place.name, start=s, end=e, detail=place.country or None))
        last_end = e
    return tuple(out)


def countries_in(text: str, lang: str | None = None) -> set[str]:
    """ISO codes of the countries the places in `text` belong to (context for currencies)."""
    return {e.detail for e in extract_places(text, lang=lang) if e.detail}
