"""Evasions: the tricks adverts use to slip past keyword filters, applied to rendered segments.

Each evasion rewrites a rendered post in place and says whether it changed anything, so the truth
records only evasions that really happened. Letter tricks touch literal words and place names
only; digit tricks touch phone numbers and prices only; handles are never altered (the truth lists
them verbatim). A place rewritten letter by letter ("4ngleterre", "Аngli") is still that place; a
place replaced by its flag is not (a flag is not a place name), so it leaves the truth.
"""
from __future__ import annotations

import random
from typing import Any, Callable

from tidewatch.synth.rand import between, choose
from tidewatch.synth.render import T_EMOJI, T_LIT, T_PHONE, T_PLACE, T_PRICE
from tidewatch.synth.templates import Pack, common

Segs = list[list[Any]]

EVASIONS = ("emoji_substitution", "spaced_letters", "leetspeak", "homoglyphs", "zero_width",
            "digit_script", "keycap_digits", "arabizi", "romanized")

BY_SCRIPT = {
    "latn": ("emoji_substitution", "spaced_letters", "leetspeak", "homoglyphs", "zero_width",
             "digit_script", "keycap_digits"),
    "arab": ("emoji_substitution", "spaced_letters", "zero_width", "digit_script", "keycap_digits"),
    "ethi": ("emoji_substitution", "spaced_letters", "zero_width", "digit_script", "keycap_digits"),
}

ZERO_WIDTH = ("\u200b", "\u200d", "\u2060", "\ufeff")
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
              "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "H": "Н", "K": "К", "M": "М", "T": "Т"}
LEET = {"a": "4", "e": "3", "o": "0", "i": "1", "A": "4", "E": "3", "O": "0", "I": "1"}
OTHER_DIGITS = {
    "arabic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
    "persian": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    "fullwidth": str.maketrans("0123456789", "０１２３４５６７８９"),
    "devanagari": str.maketrans("0123456789", "०१२३४५६७८९"),
}
TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
KEYCAP = "\ufe0f\u20e3"


def _words(segs: Segs, kinds=(T_LIT, T_PLACE)) -> list[tuple[int, int, int]]:
    """(segment index, start, end) of every letter run of at least 3 characters."""
    out = []
    for si, seg in enumerate(segs):
        if seg[0] not in kinds:
            continue
        text = seg[1]
        i, n = 0, len(text)
        while i < n:
            if text[i].isalpha():
                j = i
                while j < n and (text[j].isalpha() or text[j] in "\u200c\u0651\u064b\u064e\u064f\u0650"):
                    j += 1
                if j - i >= 3:
                    out.append((si, i, j))
                i = j
            else:
                i += 1
    return out


def _replace(segs: Segs, si: int, start: int, end: int, new: str) -> None:
    t = segs[si][1]
    segs[si][1] = t[:start] + new + t[end:]


def _rewrite_words(segs: Segs, rng: random.Random, share: float, fn: Callable[[str], str]) -> bool:
    words = _words(segs)
    if not words:
        return False
    chosen = [w for w in words if rng.random() < share] or [choose(rng, words)]
    changed = False
    # right to left inside a segment keeps earlier offsets valid
    for si, a, b in sorted(chosen, key=lambda w: (w[0], -w[1])):
        old = segs[si][1][a:b]
        new = fn(old)
        if new != old:
            _replace(segs, si, a, b, new)
            changed = True
    return changed


def emoji_substitution(segs: Segs, pack: Pack, rng: random.Random) -> bool:
    changed = False
    flags = common()["flags"]
    places = [s for s in segs if s[0] == T_PLACE and s[2] in flags]
    if places and rng.random() < 0.6:
        seg = choose(rng, places)
        seg[0], seg[1], seg[2] = T_EMOJI, flags[seg[2]], None
        changed = True
    items = list(pack.emoji_words.items())
    rng.shuffle(items)
    for word, emo in items:
        for seg in segs:
            if seg[0] == T_LIT and word in seg[1]:
                seg[1] = seg[1].replace(word, emo, 1)
                changed = True
                break
        if changed and rng.random() < 0.5:
            break
    return changed


def spaced_letters(segs: Segs, pack: Pack, rng: random.Random) -> bool:
    sep = choose(rng, (" ", " ", ".", " . ", "-"))
    targets = [(si, seg[1].find(w), len(w)) for w in pack.spaced_targets
               for si, seg in enumerate(segs) if seg[0] == T_LIT and w in seg[1]]
    places = [(si, 0, len(seg[1])) for si, seg in enumerate(segs) if seg[0] == T_PLACE]
    pool = targets if targets and (not places or rng.random() < 0.6) else places
    if not pool:
        return False
    si, start, length = choose(rng, pool)
    word = segs[si][1][start:start + length]
    _replace(segs, si, start, start + length, sep.join(word.replace(" ", "")))
    return True


def leetspeak(segs: Segs, pack: Pack, rng: random.Random) -> bool:
    def fn(w: str) -> str:
        if len(w) < 3:
            return w
        # never the first or last letter: a digit there could glue onto a nearby number
        inner = "".join(LEET.get(ch, ch) if rng.random() < 0.8 else ch for ch in w[1:-1])
        return w[0] + inner + w[-1]
    return _rewrite_words(segs, rng, 0.45, fn)


def homoglyphs(segs: Segs, pack: Pack, rng: random.Random) -> bool:
    def fn(w: str) -> str:
        idx = [i for i, ch in enumerate(w) if ch in HOMOGLYPHS]
        if not idx:
            return w
        chars = list(w)
        for i in rng.sample(idx, min(len(idx), between(rng, 1, 2))):
            chars[i] = HOMOGLYPHS[chars[i]]
        return "".join(chars)
    return _rewrite_words(segs, rng, 0.3, fn)


def zero_width(segs: Segs, pack: Pack, rng: random.Random) -> bool:
    def fn(w: str) -> str:
        k = between(rng, 1, len(w) - 1)
        return w[:k] + choose(rng, ZERO_WIDTH) + w[k:]
    changed = _rewrite_words(segs, rng, 0.2, fn)
    for seg in segs:
        if seg[0] == T_PHONE and rng.random() < 0.4:
            t = seg[1]
            k = between(rng, 1, len(t) - 1)
            seg[1] = t[:k] + choose(rng, ZERO_WIDTH) + t[k:]
            changed = True
    return changed


def digit_script(segs: Segs, pack: Pack, rng: random.Random) -> bool:
    targets = [s for s in segs if s[0] in (T_PHONE, T_PRICE)]
    if not targets:
        return False
    if pack.script == "arab":
        # native digits are normal here; the trick is mixing scripts inside one number
        other = "persian" if pack.digits == "arabic" else "arabic"
        table = OTHER_DIGITS[choose(rng, (other, "fullwidth"))]
    else:
        table = OTHER_DIGITS[choose(rng, ("arabic", "persian", "fullwidth", "devanagari"))]
    changed = False
    for seg in targets:
        t = seg[1].translate(TO_ASCII)
        if rng.random() < 0.5:
            half = len(t) // 2
            new = t[:half] + t[half:].translate(table) if rng.random() < 0.5 else t[:half].translate(table) + t[half:]
        else:
            new = t.translate(table)
        if new != seg[1]:
            seg[1] = new
            changed = True
    return changed


def keycap_digits(segs: Segs, pack: Pack, rng: random.Random) -> bool:
    targets = [s for s in segs if s[0] == T_PHONE]
    if not targets:
        return False
    for seg in targets:
        seg[1] = "".join(ch + KEYCAP if ch.isdigit() else ch for ch in seg[1].translate(TO_ASCII))
    return True


APPLY: dict[str, Callable[[Segs, Pack, random.Random], bool]] = {
    "emoji_substitution": emoji_substitution, "spaced_letters": spaced_letters, "leetspeak": leetspeak,
    "homoglyphs": homoglyphs, "zero_width": zero_width, "digit_script": digit_script,
    "keycap_digits": keycap_digits,
}


def apply(names: tuple[str, ...], segs: Segs, pack: Pack, rng: random.Random) -> list[str]:
    """Apply the evasions in order; return those that changed the post."""
    done = []
    for name in names:
        if APPLY[name](segs, pack, rng):
            done.append(name)
    return done


def pick(pack: Pack, rng: random.Random, script: str | None = None) -> tuple[str, ...]:
    """One or two evasions suited to the script of a post."""
    options = BY_SCRIPT[script or pack.script]
    k = 1 if rng.random() < 0.7 else 2
    return tuple(sorted(rng.sample(options, k), key=options.index))
