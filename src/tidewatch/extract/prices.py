"""Prices in posts: an amount with its currency (ISO 4217), and who it is for when the post says so.

Smuggling adverts quote prices every way people write money: "2,500€", "€2.500", "2500e",
"2.5k", "۲۵۰۰ یورو", "١٬٢٠٠ دولار", "2 mijë euro", "iki bin euro", "ألفين يورو",
"۳۰ میلیون تومن", "۱۲ لاکھ روپے", "30 triệu", "4️⃣5️⃣0️⃣0️⃣💷". A price here is a number (digits
in any script, or number words from data/numbers.tsv) next to a currency cue from
data/currency.tsv, or a number with a magnitude word that implies its currency (lakh → PKR,
triệu → VND). Bare numbers are counts, dates, phone numbers or sizes, not prices, except one
case: in a post that already quotes prices in one currency, a round number that follows a
price word ("500 deposit", "children 3000") takes that currency.

Ambiguous currency words (dinar, rial, dirham, lira, rupee, Arabic "جنيه") are resolved from
the places in the post, then from the language: "٦ آلاف دينار" with Zuwara is LYD, with Baghdad
IQD. Tomans are rials times ten (IRR).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


from tidewatch.extract.places import (
    boundary_ok,
    register_lexicon,
    scan,
    countries_in,
    fold_term,
    fold_text,
    guess_lang,
    is_letter,
    read_table,
    script_of,
)
from tidewatch.records import Entity

# --------------------------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cur:
    code: str  # ISO 4217, or a class to resolve (DINAR, RIAL, DIRHAM, LIRA, RUPEE, POUND_AR)
    raw: str
    flags: frozenset[str]
    symbol: bool  # no letters: "€", "$", "💷"
    script: str
    short: bool  # a Latin code of three letters or fewer: must stand next to digits


@dataclass(frozen=True, slots=True)
class _Num:
    value: float
    kind: str  # unit, unita, hundred, scale*, half, halfafter, join


def _currency_entries() -> list[tuple[str, _Cur]]:
    """(folded key, currency) pairs from data/currency.tsv, for the shared scan."""
    out = []
    for row in read_table("currency.tsv"):
        term, code = row[0], row[1]
        flags = frozenset(f for f in (row[2].split(",") if len(row) > 2 else []) if f and f != "-")
        key = fold_term(term)
        if not key or (len(key) == 1 and key.isalpha()):
            continue  # "e" (2500e) and "đ" are found by _LETTER_AFTER_DIGITS: one letter would hit everywhere
        symbol = not any(is_letter(c) for c in key)
        cur = _Cur(code, term, flags, symbol, script_of(key), not symbol and len(key) <= 3 and key.isascii())
        out.append((key, cur))
    return out


register_lexicon("currency", _currency_entries)


@lru_cache(maxsize=1)
def _numbers() -> dict[str, _Num]:
    table: dict[str, _Num] = {}
    for row in read_table("numbers.tsv"):
        table.setdefault(fold_term(row[0]), _Num(float(row[1]), row[2]))
    return table


@lru_cache(maxsize=1)
def _details() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Per-person / per-child / per-group cue phrases, (after-cues, before-cues), longest first."""
    after, before = [], []
    for row in read_table("currency_detail.tsv"):
        phrase, detail, where = fold_term(row[0]), row[1], row[2]
        if where in ("after", "any"):
            after.append((phrase, detail))
        if where in ("before", "any"):
            before.append((phrase, detail))
    after.sort(key=lambda p: -len(p[0]))
    before.sort(key=lambda p: -len(p[0]))
    return after, before


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

# Digits with thousands separators ("1,200,000", "2.500", "1 900", "١٬٢٠٠" once folded), or plain
# digits with an optional decimal part; emoji keycaps ("4️⃣5️⃣0️⃣0️⃣") are handled separately.
_NUMBER = re.compile(  # no leading look-behind: the regex engine can then skip straight to digits
    r"\d(?:\d{0,2}(?:(?P<sep>[.,' ])\d{3}(?!\d))(?:(?P=sep)\d{3}(?!\d))*(?:[.,]\d{1,2}(?!\d))?|\d*(?:[.,]\d+)?)"
)
_KEYCAPS = re.compile(r"(?:\d\u20e3)+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SCALE_WORD = re.compile(r"[^\W\d_][^\W_]*")  # "l4kh" too
_NEXT_SCALE_WORD = re.compile(r"[ \t\u00a0]*([^\W\d_][^\W_]*)")
_COMPOUND = re.compile(r"\s*(\d+)\s*")

_SPACES = re.compile(r"[ \t\u00a0]*")
_GAP = re.compile(r"[ \t\u00a0]{0,3}")
_UNIT_AFTER = frozenset(
    """people persons person pers personnes personne passengers pax men women kids children adults
    nights night days day hours hour h hrs minutes min mins km m cm kg hp cv ch knots weeks week
    months month years year ans jours heures places seats spots places veta vjet vjeç ditë orë
    kişi kişilik gün saat yıl yaş dakika kez nefer kes roj şev saet sal salî
    người ngày đêm tuổi giờ năm
    نفر نفره شب روز ساعت سال کیلومتر متر اسب نفری
    شخص أشخاص اشخاص مهاجر ليلة ليالي يوم ايام أيام ساعات ساعة سنة سنوات متر كم
    کەس شەو ڕۆژ کاتژمێر ساڵ
    بندے بندہ دن رات گھنٹے سال افراد
    ሰው ሰዎች ቀን ሰዓት ዓመት
    followers members views likes subscribers abonnés vues membres takipçi üye izlenme ndjekës
    người theo dõi مشترك متابع عضو مشاهدة عضو دنبال‌کننده""".split()
)
_UNIT_AFTER = _UNIT_AFTER | frozenset(fold_term(w) for w in _UNIT_AFTER)  # the text is folded: "kişi" reads "kisi"


def _parse_digits(token: str) -> float | None:
    """"1,200" → 1200, "2.500" → 2500, "17.50" → 17.5, "1 900" → 1900, "2,5" → 2.5."""
    token = token.replace("'", ",").replace(" ", ",")
    seps = [c for c in token if c in ".,"]
    if not seps:
        return float(token)
    if len(seps) == 1:
        head, tail = re.split(r"[.,]", token)
        if len(tail) == 3 and head != "0":
            return float(head + tail)
        return float(head + "." + tail)
    last = seps[-1]
    if all(s == last for s in seps):
        return float(token.replace(last, ""))
    whole, _, frac = token.rpartition(last)
    return float(re.sub(r"[.,]", "", whole) + "." + frac)


@dataclass(slots=True)
class _Amount:
    start: int  # folded offsets
    end: int
    value: float
    implied: str | None = None  # currency implied by the magnitude word (lakh → PKR)
    scale: str = ""  # the last magnitude word applied
    base: float = 0.0  # the number before magnitude words ("30" of "30 triệu")
    words: bool = False
    used: bool = False


def _lookup_number(word: str) -> _Num | None:
    table = _numbers()
    num = table.get(word)
    if num is None and len(word) > 3 and word[0] in "وبلف":
        num = table.get(word[1:])
    return num


_IMPLIED = {"scalepk": "PKR", "scalevn": "VND", "scalevnm": "VND", "scaledz": "DZD"}


def _extend_scale(folded: str, amount: _Amount, lang: str | None, original: str) -> None:
    """Apply magnitude words after a digit amount: "2 mijë", "۳۰ میلیون", "3 lakh 50 hazar", "2.5k"."""
    pos = amount.end
    value = amount.value
    while True:
        w = _NEXT_SCALE_WORD.match(folded, pos)
        if not w:
            break
        p = w.start(1)
        word = w.group(1)
        attached = p == pos
        num = _lookup_number(word)
        if num is None or not num.kind.startswith(("scale", "halfafter")):
            break
        if num.kind in ("scalem", "scalevnm") or word in ("k", "m", "l"):
            if not attached and word != "k":
                break
            if word == "l" and lang != "ur":
                break  # "8L" is eight lakh in an Urdu post, eight litres elsewhere
        if num.kind == "halfafter":
            # "iki buçuk bin": 2.5 of the scale that follows
            value += 0.5
            pos = w.end()
            continue
        if num.kind == "scalefixed":
            break
        value *= num.value
        pos = w.end()
        amount.scale = word
        if num.kind in _IMPLIED:
            amount.implied = _IMPLIED[num.kind]
        elif word in ("هزار",) and ("ہ" in original[max(0, p - 2):pos + 2] or (lang or guess_lang(original)) == "ur"):
            amount.implied = "PKR"
        elif word == "grand":
            amount.implied = "GBP"
        elif word == "k" and attached and lang == "vi":
            amount.implied = "VND"  # "350k/vé": thousands of đồng in a Vietnamese post
        # "3 lakh 50 hazar": a smaller number and scale may follow.
        m2 = _COMPOUND.match(folded, pos)
        if m2:
            w2 = _WORD.match(folded, m2.end())
            n2 = _lookup_number(w2.group(0)) if w2 else None
            if n2 is not None and n2.kind.startswith("scale") and n2.value < num.value:
                value += float(m2.group(1)) * n2.value
                pos = w2.end()
        break
    amount.value = value
    amount.end = pos


_TOKEN_END = re.compile(r"\s")
_TOKEN_START = re.compile(r"\s(?=\S*$)")
_LINK_MARKS = ("@", "_", "://", ".me/", "www.")


def _masked(folded: str) -> list[tuple[int, int]]:
    """Spans of handles and links: digits and letters in them are not prices."""
    spans: list[tuple[int, int]] = []
    for mark in _LINK_MARKS:
        i = folded.find(mark)
        while i != -1:
            m = _TOKEN_END.search(folded, i)
            end = m.start() if m else len(folded)
            start = _TOKEN_START.search(folded, 0, i)
            spans.append((start.end() if start else 0, end))
            i = folded.find(mark, end)
    return spans


def _inside(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a <= s and e <= b for a, b in spans)


def _spaced_runs(matches: list[tuple[int, int, str]], folded: str) -> list[tuple[int, int, str]]:
    """Merge runs of 3-6 single digits spaced one apart ("1 8 0 0 €") into one token."""
    out = []
    i, n = 0, len(matches)
    while i < n:
        s, e, tok = matches[i]
        if len(tok) == 1 and tok != "0":
            j = i
            while (j + 1 < n and j - i < 5 and len(matches[j + 1][2]) == 1
                   and matches[j + 1][0] == matches[j][1] + 1 and folded[matches[j][1]] == " "):
                j += 1
            if j - i >= 2:
                out.append((s, matches[j][1], "".join(x[2] for x in matches[i:j + 1])))
                i = j + 1
                continue
        out.append((s, e, tok))
        i += 1
    return out


def _digit_amounts(folded: str, original: str, lang: str | None, ends: set[int],
                   masked: list[tuple[int, int]]) -> list[_Amount]:
    out: list[_Amount] = []
    n = len(folded)
    matches = [(m.start(), m.end(), m.group(0)) for m in _NUMBER.finditer(folded)]
    if len(matches) > 2:
        matches = _spaced_runs(matches, folded)
    for s, e, token in matches:
        if out and s < out[-1].end:
            continue  # "20" inside "۱ لاکھ ۲۰ ہزار"
        if s > 0:
            prev = folded[s - 1]
            if prev in "+#/:%٪.,":
                continue
            if prev.isalpha() and s not in ends and not _glued_prefix(folded, s):
                continue  # "w33k", "A16", "enf4nts": part of a word
        if masked and _inside(masked, s, e):
            continue
        if len(token) > 16:
            continue
        nxt = folded[e] if e < n else " "
        if nxt == "%" or nxt == "٪":
            continue
        if " " in token and token.replace(" ", "").isdigit() and len(token) % 2 == 1 and token[1] == " ":
            value = float(token.replace(" ", ""))  # a merged spaced run
        else:
            try:
                value = float(token) if token.isdigit() else _parse_digits(token)
            except ValueError:
                continue
        amount = _Amount(s, e, value, base=value)
        if nxt == " " or nxt.isalpha():
            _extend_scale(folded, amount, lang, original)
        out.append(amount)
    if "\u20e3" in folded:
        for m in _KEYCAPS.finditer(folded):
            digits = "".join(c for c in m.group(0) if c.isdigit())
            amount = _Amount(m.start(), m.end(), float(digits), base=float(digits))
            _extend_scale(folded, amount, lang, original)  # "5️⃣k"
            out.append(amount)
        out.sort(key=lambda a: a.start)
    return out


def _glued_prefix(folded: str, s: int) -> bool:
    """An Arabic or Ethiopic one-letter prefix glued to a number ("و٥٠٠", "ብ15") is fine."""
    ch = folded[s - 1]
    if not ("\u0600" <= ch <= "\u06ff" or "\u1200" <= ch <= "\u137f"):
        return False
    return s < 2 or not is_letter(folded[s - 2])


def _words_before(folded: str, end: int) -> _Amount | None:
    """Number words ending at `end`: "three and a half thousand", "dy mijë", "ألفين", "هزار"."""
    tokens: list[tuple[int, int, _Num]] = []
    pos = end
    while True:
        m = re.search(r"([^\W\d_]+)[ \t\u00a0-]*$", folded[max(0, pos - 40):pos])
        if not m:
            break
        ws = pos - len(m.group(0))
        we = ws + len(m.group(1))
        num = _lookup_number(m.group(1))
        if num is None:
            break
        tokens.append((ws, we, num))
        pos = ws
        if len(tokens) > 8:
            break
    tokens.reverse()
    while tokens and tokens[0][2].kind in ("join", "halfafter", "half"):
        tokens.pop(0)
    if not tokens or all(t[2].kind in ("join", "unita") for t in tokens):
        return None
    total, current = 0.0, 0.0
    seen_real = False
    for i, (_, _, num) in enumerate(tokens):
        k = num.kind
        if k == "unita":  # "a" counts only in "a thousand", "a hundred"
            nxt = tokens[i + 1][2].kind if i + 1 < len(tokens) else ""
            if nxt == "hundred" or nxt.startswith("scale"):
                current += 1
            continue
        if k == "unit":
            current += num.value
            seen_real = seen_real or k == "unit"
        elif k in ("half", "halfafter"):
            current += 0.5
        elif k == "hundred":
            current = (current or 1) * 100
            seen_real = True
        elif k == "scalefixed":
            total += num.value
            seen_real = True
        elif k.startswith("scale"):
            if k in ("scalem", "scalevnm"):
                return None
            total += (current or 1) * num.value
            current = 0
            seen_real = True
    total += current
    if not seen_real or total <= 0:
        return None
    amount = _Amount(tokens[0][0], tokens[-1][1], total, words=True)
    last = tokens[-1][2]
    if last.kind in _IMPLIED:
        amount.implied = _IMPLIED[last.kind]
    return amount


# --------------------------------------------------------------------------------------------
# Currencies
# --------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    cur: _Cur
    used: bool = False


_CUR_SUFFIXES = frozenset(
    "a s e ات ا ی ه و هوه وه یه ya ye yi an ja lik luk dan den ta da ve ve ان یان ها".split()
)


_LETTER_AFTER_DIGITS = re.compile(r"(?<=\d)(?:(e)|[ \u00a0]?(d))(?![^\W\d_])")
_EURO_E = _Cur("EUR", "e", frozenset(["after", "attached"]), False, "latin", False)
_DONG = _Cur("VND", "đ", frozenset(["after"]), False, "latin", False)
_DIGIT_NEAR = re.compile(r"\d")


def _mentions(folded: str, original: str, f) -> list[_Mention]:
    found: list[_Mention] = []
    if "e" in folded or "d" in folded:
        for m in _LETTER_AFTER_DIGITS.finditer(folded):
            i = m.start(1) if m.group(1) else m.start(2)
            os_, oe = f.span(i, i + 1)
            ch = original[os_:oe]
            if m.group(1) and ch in "eE":
                found.append(_Mention(i, i + 1, _EURO_E))
            elif m.group(2) and ch in "đĐ":
                found.append(_Mention(i, i + 1, _DONG))
    for s, e, cur in scan(original).get("currency", ()):
        if cur.short and not _DIGIT_NEAR.search(folded, max(0, s - 4), min(len(folded), e + 4)) \
                and not _SCALED_BEFORE.search(folded, max(0, s - 24), s):
            continue  # "da", "tl", "all", "try": only next to a number ("45 hezar TL" counts)
        if not cur.symbol:
            if s > 0 and is_letter(folded[s - 1]):
                if not (cur.script == "arabic" and boundary_ok(folded, s, e, "arabic", short=True)):
                    continue
            if e < len(folded) and is_letter(folded[e]):
                k = e
                while k < len(folded) and is_letter(folded[k]):
                    k += 1
                if cur.short and cur.script == "latin":
                    continue  # "dh" in Albanian "dhe", "tl" in "tla": a short code takes no ending
                if folded[e:k] not in _CUR_SUFFIXES and not (cur.script == "ethiopic" and k - e <= 2):
                    continue
            if "cs" in cur.flags or "exact" in cur.flags:
                os_, oe = f.span(s, e)
                surface = original[os_:oe]
                if "cs" in cur.flags and surface != cur.raw.upper():
                    continue
                if "exact" in cur.flags and (surface.lower() != cur.raw.lower()
                                             or e < len(folded) and is_letter(folded[e])):
                    continue
        if "attached" in cur.flags and (s == 0 or not folded[s - 1].isdigit()):
            continue
        found.append(_Mention(s, e, cur))
    # Longest mention wins where they overlap ("جنيه استرليني" over "جنيه", "us dollars" over "dollars").
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    out: list[_Mention] = []
    last = -1
    for m in found:
        if m.start >= last:
            out.append(m)
            last = m.end
        elif out and m.end > out[-1].end and m.start < out[-1].end:
            continue
    return out


_MILLION_WORDS = frozenset(["ملیون", "million", "millions", "milion", "ملایین"])
_CLASSES = frozenset(["DINAR", "RIAL", "DIRHAM", "LIRA", "RUPEE", "POUND_AR", "CENTIME"])
_IRAQI = re.compile("[گچپ]|ماكو|اكو|هواية|شلون")
_LIBYAN = re.compile("الحق|نبّوا|نبوا|زوارة|طرابلس|بنغازي|ليبيا|توا |هلبة|الزاوية|بالزاوية|حيشان|مصراتة|صبراتة")
_TUNISIAN = re.compile("دنانير|برشا|فما |ياسر|قرقنة|صفاقس|تونس|جربة|المهدية")
_MAGHREB = re.compile("ديال|بزاف|الحريك|حراقة|الحرقة|حرقة|واش|مزيان|كيعرف|نوصلوك|سبتة|مليلية|الناظور|طنجة|فالفلوكة")


def _resolve(code: str, text: str, lang: str | None, countries: set[str]) -> str:
    if code not in _CLASSES:
        return code
    lang = lang or guess_lang(text)
    if code == "DINAR":
        for c, iso in (("LY", "LYD"), ("TN", "TND"), ("DZ", "DZD"), ("JO", "JOD"), ("IQ", "IQD"),
                       ("KW", "KWD"), ("RS", "RSD")):
            if c in countries:
                return iso
        if lang in ("ckb", "kmr", "ku", "fa", "prs"):
            return "IQD"
        if lang == "fr":
            return "TND"
        if lang == "ar":
            if _LIBYAN.search(text):
                return "LYD"
            return "TND" if _TUNISIAN.search(text) else "IQD"
        return "IQD"
    if code == "RIAL":
        for c, iso in (("QA", "QAR"), ("OM", "OMR"), ("YE", "YER"), ("SA", "SAR"), ("IR", "IRR")):
            if c in countries:
                return iso
        return "SAR" if lang in ("ar", "ur") else "IRR"
    if code == "DIRHAM":
        if "MA" in countries:
            return "MAD"
        if "AE" in countries:
            return "AED"
        if lang == "ar" and _MAGHREB.search(text) or lang == "fr":
            return "MAD"
        return "AED" if lang in ("fa", "prs", "ur", "ps", "en", "ckb") else "MAD"
    if code == "LIRA":
        if "SY" in countries or (lang == "ar" and "TR" not in countries and "سوري" in text):
            return "SYP"
        if "LB" in countries and "TR" not in countries:
            return "LBP"
        return "TRY"
    if code == "RUPEE":
        return "INR" if "IN" in countries else "PKR"
    if code == "CENTIME":  # Maghreb: prices in centimes (a "million" is 10,000 dirhams or dinars)
        if "MA" in countries or (lang == "ar" and _MAGHREB.search(text)):
            return "MAD"
        return "TND" if "TN" in countries else "DZD"
    if code == "POUND_AR":
        if "SD" in countries:
            return "SDG"
        return "EGP"
    return code


# --------------------------------------------------------------------------------------------
# Pairing
# --------------------------------------------------------------------------------------------

# Words that make a bare number a price when the post prices in one currency: before it
# ("deposit 500", "children 3000", "instead of 6000", "بـ ٧٥٠٠") or after it ("500 deposit").
_BEFORE_WORDS = """price prix tarif çmimi cmimi fiyat fiyatı ücret biha nirx نرخ قیمت السعر سعر الحق ዋጋ giá
deposit advance acompte avance عربون بیعانه ایڈوانس پێشەکی kapora kapar paradhënie pêşpere pesh peshpere
children kids child enfants enfant fëmijët fëmijë çocuk çocuklar zarok zarokên الولد الأطفال الاطفال الصغار
کودکان کودک بچوں بچے بچه منداڵ منداڵان ماشومان family families famille familles العائلة عائلة خانواده
فیملی کورنۍ malbat ailesi aile persons people أشخاص اشخاص ب بـ په ንበይኑ ለብቻ ጠቕላላ total alone seul vetëm tek یوازې lẻ chỉ""".split()
_BEFORE_PHRASES_RAW = ["كل واحد", "instead of", "au lieu de", "yerine", "në vend të", "به جای", "بدل", "پر ځای", "thay vì",
                       "kişi başı", "هەر کەسە", "هەر کەسێک", "لكل واحد", "فی نفر", "فی بندہ", "per person"]
_AFTER_WORDS = """deposit advance upfront ایڈوانس عربون مخکې پیش پیشکی پێشەکی acompte avance kapora kaparo
paradhënie pêşpere peşin لكل للواحد each""".split()
_CONNECTORS = """to à a - – — → إلى الى ila ile ve et and و ናብ ወደ đến tới څخه تا ta deri kadar til bis jusqu'à heta
instead yerine بو بۆ سے تک û u dhe në or ou ya یا أو veya an""".split() + ["ber bi", "deri në", "heta bi"]


def _folded_set(words) -> frozenset[str]:
    return frozenset(fold_term(w) for w in words if fold_term(w))


_BEFORE_SET = _folded_set(_BEFORE_WORDS)
_BEFORE_PHRASES = tuple(sorted(_folded_set(_BEFORE_PHRASES_RAW), key=len, reverse=True))
_AFTER_SET = _folded_set(_AFTER_WORDS)
_CONNECT_SET = _folded_set(_CONNECTORS)
_PREV_WORD = re.compile(r"([^\W\d_]+)[\s:=(,،\-]*$")


def _price_word_before(folded: str, start: int) -> bool:
    if folded[max(0, start - 3):start].rstrip(" ").endswith("➖"):
        return True  # "💵٣٥٠٠ 👨‍👩‍👧‍👦➖٥٠٠": a discount
    window = folded[max(0, start - 30):start].rstrip(" :=(,،-\u00a0")
    for phrase in _BEFORE_PHRASES:
        if window.endswith(phrase):
            return True
    m = _PREV_WORD.search(folded[max(0, start - 30):start])
    if not m:
        return False
    word = m.group(1)
    if word in _BEFORE_SET:
        return True
    for prefix in ("و", "ب", "ال", "وال", "بال", "ل"):
        if word.startswith(prefix) and word[len(prefix):] in _BEFORE_SET:
            return True
    return False


def _price_word_after(folded: str, end: int) -> bool:
    if folded.startswith(("/nguoi", "/pers", "/person", "/pp", "/kisi"), end):
        return True
    w = _WORD.match(folded, _SPACES.match(folded, end).end())
    return bool(w) and w.group(0) in _AFTER_SET


# After the first number: an ending glued to it (Sorani "١٥٠٠ەوە", "from 1500"), then the connector.
_RANGE_GAP = re.compile(r"(?:[^\W\d_]{1,3}(?=\s))?\s*([^\W\d_]+(?:'[^\W\d_]+)?|[-–—→])?(?:\s+(?:of|de))?\s*")
_RANGE_GAP_2 = re.compile(r"(?:[^\W\d_]{1,3}(?=\s))?\s*([^\W\d_]+\s+[^\W\d_]+)\s*")


def _range_partner(folded: str, a: "_Amount", priced: dict[int, str]) -> str | None:
    """"from 1 000 to 2 500 euros", "من ٢٠٠٠ إلى ٤٠٠٠ دولار": the first number takes the second's currency."""
    gap = folded[a.end:a.end + 24]
    for pattern in (_RANGE_GAP, _RANGE_GAP_2):  # one connecting word ("to", "û"), then two ("ber bi")
        m = pattern.match(gap)
        if m and m.group(1) and fold_term(m.group(1)) in _CONNECT_SET:
            break
    else:
        return None
    partner = priced.get(a.end + m.end())
    if partner is None:
        return None
    code, value, other = partner
    if not a.scale and other.scale and other.base:
        a.value *= value / other.base  # "25-30 triệu", "5 ila 7 bin euro": the magnitude is shared
    if a.value * 10 < value:
        return None  # "groups of 10 → 3000 USD" is a count, not a range
    return code


@lru_cache(maxsize=1)
def _detail_patterns() -> tuple[re.Pattern, dict[str, str], re.Pattern, dict[str, str]]:
    after, before = _details()
    a_map = dict(after)
    b_map = dict(before)
    a_re = re.compile(r"[\s,.\-:;()]*(" + "|".join(re.escape(p) for p, _ in after) + r")(?![^\W\d_])")
    b_re = re.compile(r"(?<![^\W\d_])(" + "|".join(re.escape(p) for p, _ in before) + r")")
    return a_re, a_map, b_re, b_map


def _detail(folded: str, start: int, end: int) -> str | None:
    """per_person / per_child / per_group from the words around a price, if any."""
    a_re, a_map, b_re, b_map = _detail_patterns()
    m = a_re.match(folded, end, min(len(folded), end + 28))
    if m:
        return a_map[m.group(1)]
    best = None
    for m in b_re.finditer(folded, max(0, start - 30), start):
        phrase = m.group(1)
        j = m.end()
        if j < start and folded[j].isalpha() and not phrase.endswith("-"):
            continue
        best = b_map[phrase]
    return best


def _number_str(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 2))


def _make(text: str, f, amount: _Amount, mention: _Mention | None, code: str) -> Entity | None:
    value = amount.value
    if mention is not None and "x10" in mention.cur.flags:
        value *= 10
    if mention is not None and "x001" in mention.cur.flags:
        value /= 100
    if value <= 0 or value > 5e12:
        return None
    start = min(amount.start, mention.start) if mention else amount.start
    end = max(amount.end, mention.end) if mention else amount.end
    s, e = f.span(start, end)
    num = int(value) if float(value).is_integer() else round(value, 2)
    return Entity(kind="price", value=f"{_number_str(num)} {code}", start=s, end=e, amount=num,
                  currency=code, detail=_detail(f.text, start, end))


_IMPLYING = re.compile(
    r"\d\s*(?:l|lakh|lac|l4kh|crore|trieu|ty|ti|nghin|ngan|tr|grand|melyoun|malyoun|mlyon|million|milion|"
    r"لاکه|لکه|کروڑ|کرور|هزار|ملیون)(?![^\W\d_])"
)
_IMPLYING_WORD = re.compile(r"(?<![^\W\d_])(?:lakh|lakhs|crore|crores|لاکه|لکه|کروڑ|کرور|trieu)(?![^\W\d_])")
# A number and a magnitude word right before a short currency code: "45 hezar TL", "40 bin tl".
_SCALED_BEFORE = re.compile(r"\d[\d.,]*\s*(?:bin|hezar|hazar|mije|mijë|thousand|k|milyon|millions?|mille|alf|shi|lakh|مليون|ألف|الف|هزار|هەزار|ሺ)\s*$")
_OF = ("d'", "de ", "of ")


def _scaled_before_of(folded: str, k: int, by_end: dict) -> "_Amount | None":
    """An amount with a magnitude word joined to its currency by "de"/"d'"/"of", ending at `k`."""
    for conn in _OF:
        if folded.endswith(conn, 0, k):
            j = k - len(conn)
            while j > 0 and folded[j - 1] in " \t\u00a0":
                j -= 1
            a = by_end.get(j)
            if a is not None and a.scale:
                return a
    return None
_VI_THOUSANDS = re.compile(r"\dk(?![^\W\d_])")
_QUICK = re.compile(r"\d|[€£$₺₹💶💷💵]")


def extract_prices(text: str, *, lang: str | None = None) -> list[Entity]:
    """Every price in `text` with its ISO currency; spans index the original text."""
    if not text:
        return []
    f = fold_text(text)
    folded = f.text
    mentions = _mentions(folded, text, f)
    has_digits = _QUICK.search(folded) is not None
    if not mentions and not has_digits:
        return []
    implying_words = _IMPLYING_WORD.search(folded) is not None
    if not mentions and not implying_words and not _IMPLYING.search(folded) \
            and not (lang == "vi" and _VI_THOUSANDS.search(folded)):
        return []  # no currency and no word like "lakh" or "triệu" that carries one
    masked = _masked(folded)
    if masked:
        mentions = [m for m in mentions if not _inside(masked, m.start, m.end)]
    amounts = _digit_amounts(folded, text, lang, {m.end for m in mentions}, masked) if has_digits else []
    if implying_words:  # "ڈیڑھ لاکھ": number words before a magnitude that carries its currency
        for m in _IMPLYING_WORD.finditer(folded):
            if any(a.start <= m.start() < a.end for a in amounts):
                continue
            a = _words_before(folded, m.end())
            # a number word must come first: alone, "lakh" is no amount, and Pashto "لکه" is "like"
            if a is not None and a.implied and a.start < m.start():
                amounts.append(a)
        amounts.sort(key=lambda a: a.start)
    if not mentions and not any(a.implied or a.scale in _MILLION_WORDS for a in amounts):
        return []

    countries: set[str] | None = None

    def _countries() -> set[str]:
        nonlocal countries
        if countries is None:
            countries = countries_in(text, lang)
        return countries

    def resolve(code: str) -> str:
        nonlocal countries
        if code not in _CLASSES:
            return code
        if countries is None:
            countries = countries_in(text, lang)
        return _resolve(code, text, lang, countries)

    pairs: list[tuple[_Amount, _Mention | None, str]] = []
    by_end = {a.end: a for a in amounts}
    by_start = {a.start: a for a in amounts}
    # 1. Currency right after the amount ("2500 €", "۷۰۰ دلار", "1200€").
    for m in mentions:
        if "before" in m.cur.flags:
            continue
        k = m.start
        while k > 0 and folded[k - 1] in " \t\u00a0" and m.start - k < 3:
            k -= 1
        a = by_end.get(k)
        if a is None:
            a = _scaled_before_of(folded, k, by_end)  # "2 millions d'euros", "3 millions de francs CFA"
        if a is not None and not a.used:
            if "attached" in m.cur.flags and (k != m.start or a.value < 100):
                continue
            if m.cur.symbol and k != m.start and by_start.get(m.end) is not None:
                continue  # "under 12 £20": the symbol belongs to the number it touches
            a.used = m.used = True
            pairs.append((a, m, resolve(m.cur.code)))
    # 2. Currency right before the amount ("€2.500", "$3,000", "USD 2000").
    for m in mentions:
        if m.used or "after" in m.cur.flags:
            continue
        k = _GAP.match(folded, m.end).end()
        a = by_start.get(k)
        if a is not None and not a.used:
            a.used = m.used = True
            pairs.append((a, m, resolve(m.cur.code)))
    # 3. Number words before a currency ("dy mijë euro", "ألفين يورو", "three and a half thousand pounds").
    for m in mentions:
        if m.used or m.cur.symbol and m.start > 0 and folded[m.start - 1].isdigit():
            continue
        a = _words_before(folded, m.start)
        if a is not None and a.value != 1:  # "one rupee", "یک افغانی": an idiom ("not a penny"), not a price
            m.used = True
            pairs.append((a, m, resolve(m.cur.code)))
    # 4. Magnitude words that carry their currency ("۱۲ لاکھ", "30 triệu"); in Algeria "100 مليون"
    #    counts centimes: a million of them is 10,000 dinars.
    for a in amounts:
        if not a.used and not a.implied and a.scale in _MILLION_WORDS:
            maghreb = _countries() & {"DZ", "MA"}
            if maghreb:
                a.value /= 100
                a.implied = "DZD" if "DZ" in maghreb else "MAD"
    for a in amounts:
        if not a.used and a.implied:
            w = _WORD.match(folded, _SPACES.match(folded, a.end).end())
            if w and w.group(0) in _UNIT_AFTER:
                continue
            a.used = True
            pairs.append((a, None, a.implied))
    if not pairs:
        return []
    # 5. Ranges ("de 1 000 à 2 500 euros") and, in a post priced in one currency, round bare
    #    numbers next to a price word ("و٥٠٠ عربون", "children 3000", "500 deposit").
    priced = {p[0].start: (p[2], p[0].value, p[0]) for p in pairs}
    codes = {c for _, _, c in pairs}
    ref = max(p[0].value for p in pairs)
    for a in amounts:
        if a.used:
            continue
        code = _range_partner(folded, a, priced)
        if code is None and len(codes) == 1:
            if a.value < 100 or a.value % 50 or a.value > ref * 4:
                continue
            if 1900 <= a.value <= 2100 and a.value % 100:
                continue
            w = _WORD.match(folded, _SPACES.match(folded, a.end).end())
            if w and w.group(0) in _UNIT_AFTER:
                continue
            if a.scale or _price_word_before(folded, a.start) or _price_word_after(folded, a.end):
                code = next(iter(codes))  # "12 هزار", "6k": a magnitude word says money here
        if code is not None:
            a.used = True
            pairs.append((a, None, code))
    out = []
    for amount, mention, code in pairs:
        ent = _make(text, f, amount, mention, code)
        if ent is not None:
            out.append(ent)
    out.sort(key=lambda e: e.start)
    return out
