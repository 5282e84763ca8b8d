"""Emoji -> concept tokens: the table that lets a lexicon in any language match a picture.

Smuggling adverts often say the important part with emoji only ("🇧🇪🚚➡️🇬🇧 💷 👶❌💰").
`normalise` replaces each emoji by an English ASCII token written as a word ("boat",
"lorry", "united_kingdom"), so one lexicon entry such as `boat` fires whether the post says
"boat", "bateau", "بەلەم" or "🚤". Tokens are English because they are identifiers, not
translations; they never contain spaces (multi-word names use underscores).

Resolution order for one emoji sequence (see `concept_for`):
1. CONCEPTS below (curated groups: several emoji share one concept);
2. keycaps 0️⃣..9️⃣ and 🔟 become digits so "0️⃣7️⃣7️⃣" reads "077" (phone extractors see it);
3. flags and all other emoji fall back to their CLDR short name from the `emoji` package,
   sanitised to [a-z0-9_] ("🇧🇪" -> "belgium", "🛂" -> "passport_control"), with NAME_OVERRIDES
   where the CLDR name is not what a lexicon would look for ("🇹🇷" is "Türkiye" -> "turkey").
Skin-tone modifiers and variation selectors are ignored for lookup.
"""
from __future__ import annotations

import unicodedata

# concept -> the emoji that mean it (variation selectors and skin tones are stripped before lookup)
CONCEPTS: dict[str, str] = {
    "boat": "🚤⛵🛥🚢⛴🛶🚣🛳",
    "lifejacket": "🦺🛟",
    "lorry": "🚚🚛",
    "van": "🚐",
    "car": "🚗🚙🚘🚖🚕",
    "bus": "🚌🚍🚎",
    "train": "🚆🚄🚅🚈🚂🚇🚉🚊🚞🚝",
    "plane": "✈🛫🛬🛩",
    "walk": "🚶🥾👣🏃",
    "sea": "🌊",
    "guarantee": "💯✅✔☑",
    "safe": "🛡🔒🔐",
    "contact": "📞📲☎📱📩📨📧💬📥📤",
    "child": "👶🧒👧👦🍼🚸",
    "family": "👪",
    "money": "💶💷💵💰💸💴💳🤑",
    "free": "🆓",
    "no": "❌🚫⛔✖❎🙅",
    "hot_offer": "🔥",
    "night": "🌙🌃🌌🌑🌛🌜",
    "weather": "☀🌤⛅🌞🌥🌦🌧⛈🌬🌫",
    "location": "📍🗺🧭",
    "passport": "🛂",
    "document": "🪪📄📃📑🗂",
    "police": "🚓👮🚔🚨",
    "secret": "🤫🙈🙊",
    "warning": "⚠",
    "celebration": "🎉🥳🎊",
}

# CLDR names that a lexicon would not look for
NAME_OVERRIDES: dict[str, str] = {
    "🇪🇺": "europe",
    "🇹🇷": "turkey",
    "🇬🇧": "united_kingdom",
    "🇺🇸": "united_states",
    "🇨🇿": "czechia",
    "🇲🇰": "north_macedonia",
    "🇺🇳": "united_nations",
}

KEYCAP_DIGITS: dict[str, str] = {**{f"{d}\u20e3": str(d) for d in range(10)}, "#\u20e3": "#", "*\u20e3": "*",
                                  "\U0001f51f": "10"}
KEYCAP_VALUES = frozenset(KEYCAP_DIGITS.values())

_IGNORED = {0xFE0E, 0xFE0F, 0x1F3FB, 0x1F3FC, 0x1F3FD, 0x1F3FE, 0x1F3FF}


def lookup_key(seq: str) -> str:
    """The sequence without variation selectors and skin tones: the key every table uses."""
    return "".join(ch for ch in seq if ord(ch) not in _IGNORED)


def _sanitise(name: str) -> str:
    """A CLDR name as a token: ASCII letters and digits, anything else an underscore."""
    out = []
    for ch in unicodedata.normalize("NFKD", name.lower()):
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif not unicodedata.combining(ch):
            out.append("_")
    return "_".join(part for part in "".join(out).split("_") if part)


def build_table() -> dict[str, str]:
    """Every known emoji sequence (as `lookup_key`) -> its token. Built once by `normalise`."""
    import emoji  # imported here: only the table builder needs it

    table: dict[str, str] = {}
    for seq, data in sorted(emoji.EMOJI_DATA.items(), key=lambda item: len(item[0])):  # plain before toned
        key = lookup_key(seq)
        if not key or key in table:
            continue
        name = _sanitise(data.get("en", "").strip(":"))
        if name.startswith("family"):
            name = "family"
        if name:
            table[key] = name
    for seq, token in NAME_OVERRIDES.items():
        table[lookup_key(seq)] = token
    for token, chars in CONCEPTS.items():
        for ch in chars:
            table[ch] = token
    for seq, token in KEYCAP_DIGITS.items():
        table[seq] = token
    return table
