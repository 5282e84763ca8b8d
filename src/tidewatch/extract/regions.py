"""Which countries a post's national-format phone numbers probably belong to.

A number written without "+" or "00" ("0770 123 4567") means nothing until we know the country:
the same eleven digits are a valid Iraqi mobile and a British one. Posts carry clues: an
explicit country code elsewhere in the text ("+44 ..."), the language (Sorani posters mostly
have Iraqi numbers), place names and currencies ("Calais", "تومان"). `guess_regions` weighs
them into an ordered list; the phone extractor tries the first few regions and keeps the first
where the number is valid. `shape_regions` adds what the number's own shape says (digit
grouping, leading digits), which the text-level guess cannot know.

The clue tables live in data/phone_regions.json so they can be reviewed without reading code.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

import ahocorasick
import phonenumbers

# Weights: an explicit "+44" outweighs everything; the language's first region outweighs a
# single place name; each distinct place/currency word adds a little.
_CODE_WEIGHT = 100
_LANG_WEIGHTS = (10, 8, 7, 6, 5, 4, 3, 3, 3, 3, 3, 3)
_CLUE_WEIGHT = 4
_CLUE_CAP = 12
_FALLBACK_WEIGHT = 1

# "+44", "0044", "wa.me/44...", "phone=%2B44": a country code followed by enough digits to be a number.
_CODE_RE = re.compile(r"(\+|[0٠۰]{2}|wa\.me/|phone=(?:%2[bB]|\+)?)\s?\(?(\d{1,3})(?=[\d \-.()]{6,})")
_CODE_HINTS = ("+", "00", "٠٠", "۰۰", "wa.me/", "phone=")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...], ahocorasick.Automaton]:
    """The clue tables, loaded once: language -> regions, fallback regions, clue-word automaton."""
    path = resources.files("tidewatch.extract").joinpath("data/phone_regions.json")
    raw = json.loads(path.read_text("utf-8"))
    languages = {k: tuple(v) for k, v in raw["languages"].items()}
    automaton = ahocorasick.Automaton()
    for region, words in raw["clues"].items():
        for word in words:
            key = word.lower()
            arabic = any("\u0600" <= ch <= "\u06ff" for ch in key)
            if automaton.exists(key):
                continue  # first region listed wins for a word shared by two (none today)
            automaton.add_word(key, (region, len(key), arabic))
    automaton.make_automaton()
    return languages, tuple(raw["fallback"]), automaton


def language_regions(lang: str | None) -> tuple[str, ...]:
    """Regions for a language code ("ckb", "fa", "en-GB" -> by its primary subtag)."""
    if not lang:
        return ()
    languages = _tables()[0]
    code = lang.lower().replace("_", "-")
    return languages.get(code) or languages.get(code.split("-")[0], ())


@lru_cache(maxsize=1024)
def _region_for_code_prefix(digits: str) -> str | None:
    """The region of the country code that `digits` (any script: int() reads them) start with.

    Country codes are prefix-free, so at most one of the 1-, 2- and 3-digit prefixes is a code."""
    for n in range(1, min(3, len(digits)) + 1):
        region = phonenumbers.region_code_for_country_code(int(digits[:n]))
        if region not in ("ZZ", "001"):
            return region
    return None


def _clue_regions(lowered: str) -> dict[str, int]:
    """Region -> number of distinct clue words (places, currencies) in the lower-cased text."""
    automaton = _tables()[2]
    hits: dict[str, set[str]] = {}
    n = len(lowered)
    for end, (region, length, arabic) in automaton.iter(lowered):
        start = end - length + 1
        if not arabic:
            if start > 0 and lowered[start - 1].isalnum():
                continue
            if end + 1 < n and lowered[end + 1].isalnum():
                continue
        hits.setdefault(region, set()).add(lowered[start:end + 1])
    return {region: len(words) for region, words in hits.items()}


def guess_regions(text: str, lang: str | None = None) -> tuple[str, ...]:
    """Regions (ISO 3166 alpha-2, phonenumbers' codes) to try for national numbers, likeliest first.

    Country codes written in the text come first, then the language's regions and places or
    currencies named in the post (weighed together, so "دمشق" moves Syria ahead of Libya in an
    Arabic post), then the usual destination countries (GB, FR) as a last resort.
    """
    fallback = _tables()[1]
    scores: dict[str, int] = {}
    if any(hint in text for hint in _CODE_HINTS):
        for m in _CODE_RE.finditer(text):
            before = text[max(0, m.start() - 3):m.start()]
            if before[-1:].isalnum() or before[-1:] in ("_", "+"):
                continue  # "1000 ...", "C++": not the start of a number
            if m.group(1)[0] in "0٠۰" and any(ch.isdigit() for ch in before):
                continue  # "067 001 5053": a "00" inside a number, not an international prefix
            region = _region_for_code_prefix(m.group(2))
            if region:
                scores[region] = scores.get(region, 0) + _CODE_WEIGHT
    for rank, region in enumerate(language_regions(lang)):
        scores[region] = scores.get(region, 0) + _LANG_WEIGHTS[min(rank, len(_LANG_WEIGHTS) - 1)]
    for region, count in _clue_regions(text.lower()).items():
        scores[region] = scores.get(region, 0) + min(count * _CLUE_WEIGHT, _CLUE_CAP)
    for region in fallback:
        scores[region] = scores.get(region, 0) + _FALLBACK_WEIGHT
    order = {region: i for i, region in enumerate(scores)}  # ties: first seen first
    return tuple(sorted(scores, key=lambda r: (-scores[r], order[r])))


# Leading-digit shapes of national mobile numbers in the countries we see most, for numbers
# whose post gave no usable clue. Each: (regex over the national digits, regions to try).
_SHAPES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(p), regions)
    for p, regions in (
        (r"07\d{9}", ("GB", "IQ")),
        (r"0[67]\d{8}", ("FR", "AF", "AL")),
        (r"05\d{9}", ("TR",)),
        (r"09\d{9}", ("IR",)),
        (r"03\d{9}", ("PK",)),
        (r"0[35789]\d{8}", ("VN",)),
        (r"09\d{8}", ("LY", "SY", "ET")),
        (r"04\d{8}", ("BE",)),
    )
)


def shape_regions(national: str, groups: tuple[int, ...] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a national number's own shape says: (regions to try first, regions worth trying too).

    `national` is the digits as written (with the trunk "0"); `groups` the lengths of the digit
    groups as the poster spaced them. British mobiles are written 5+6 or 5+3+3 ("07700 900 123"),
    Iraqi ones 4+3+4 ("0770 123 4567"), French numbers in pairs ("06 39 98 66 20"): the grouping
    settles the GB/IQ ambiguity better than the language does. The 07700 900xxx block is
    Ofcom's range reserved for fiction, so unspaced it is taken as British.
    """
    first: tuple[str, ...] = ()
    if len(national) == 11 and national.startswith("07"):
        if groups and groups[0] == 5:
            first = ("GB",)
        elif len(groups) >= 2 and groups[0] == 4:
            first = ("IQ",)
        elif national.startswith("07700900"):
            first = ("GB",)
    elif len(national) == 10 and national.startswith("0") and len(groups) == 5 and set(groups) == {2}:
        first = ("FR",)
    also: tuple[str, ...] = ()
    for pattern, regions in _SHAPES:
        if pattern.fullmatch(national):
            also += regions
    return first, also
