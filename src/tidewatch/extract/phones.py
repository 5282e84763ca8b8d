"""Phone numbers in posts, as E.164, with spans into the original text.

Smugglers write numbers every way a person can: "+44 7700 900 123", "0770.123.4567",
"٠٧٧٠٥٣٩٢٨١٤" in Arabic-Indic or Persian digits, emoji keycaps "0️⃣7️⃣7️⃣...", inside
"wa.me/447700900123" links, with "00" instead of "+". Their numbers are not always valid
(new ranges, fictional ranges in our test data), so libphonenumber's default matcher, which
drops invalid numbers, misses them; and posts are full of prices, dates and counts that look
like numbers. So we find digit runs ourselves, throw out what is shaped like a price, date,
year, time or ID, and ask `phonenumbers` only about what is left:

- international numbers ("+", "00", WhatsApp/Telegram links) need only be *possible*
  (right length for their country code);
- national numbers ("0770 123 4567") are read in a few likely regions (see regions.py and
  `_resolve_national`): a valid mobile (or a number in a known fictional range) in the post's
  likeliest region wins, then a number that merely looks like a mobile there, then valid
  numbers elsewhere.

A post without digits costs one regex search.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata

from tidewatch.extract.regions import guess_regions, shape_regions
from tidewatch.records import Entity
from tidewatch.text.digits import to_ascii_digits

MAX_REGIONS_PER_NUMBER = 5
_MIN_DIGITS = 8  # "+355 4 12 345" is the shortest we want; 7-digit local numbers need an area code anyway
_MAX_NATIONAL_DIGITS = 13
_MAX_INTERNATIONAL_DIGITS = 15  # E.164 maximum, country code included
_MAX_GROUPS = 16  # "0 7 7 0 0 9 0 0 1 2 3" spaced digit by digit is 11 groups
_MAX_RUN_GROUPS = 64  # several numbers in one run are fine; thousands of groups are not a post

_ANY_DIGIT = re.compile(r"\d")  # any script: str patterns match Unicode Nd


@lru_cache(maxsize=1)
def _extra_fold() -> dict[int, int]:
    """Every decimal digit of any script to ASCII (to_ascii_digits covers the common scripts; this
    adds the rest, e.g. mathematical bold 𝟎𝟕𝟕𝟎 used to dodge filters).
    Built on first use: scanning Unicode takes a few hundred milliseconds."""
    return {cp: ord("0") + unicodedata.digit(chr(cp))
            for cp in range(0x80, 0x110000) if unicodedata.category(chr(cp)) == "Nd"}


_KEYCAP = re.compile("([0-9#*])\ufe0f?\u20e3")
_PLUS_CHARS = "+\uff0b\ufe62\u2795"  # "+", full-width and small plus, heavy plus emoji ➕

# A run of digits (any script) with at most three separator characters between digits. Newlines
# end a run: a list of numbers one per line must not glue into one.
_SEP_CHARS = " \t\u00a0\u2007\u2009\u202f.\\-\u2010\u2011\u2012\u2013\u2014/()"
_RUN = re.compile(r"\d(?:[" + _SEP_CHARS + r"]{0,3}\d)*")
_GROUP = re.compile(r"\d+")

# Link prefixes whose digits are an international number without "+".
_INTL_LINK = re.compile(
    r"(?:wa\.me/|whatsapp\.com/send/?\?(?:[^\s#]*&)?phone=|[?&]phone=|number=|signal\.me/#p/|tel:|callto:|sms:|"
    r"viber://(?:chat|add)\?number=)(?:%2[bB]|\+)?$",
    re.IGNORECASE,
)

# Prices and units right after a number ("2500€", "1.200.000 تومان", "480 people", "20%").
_AFTER_NOT_PHONE = re.compile(
    r"[ \u00a0]?(?:[€£$₺₹﷼₫₽¥%٪‰💶💷💵💴💰]|"
    r"(?:euros?|eur|usd|us\$|dollars?|pounds?|gbp|quid|tl|lira|liras|toman|tomans|rials?|riyals?|dinars?|dirhams?|"
    r"đ|đồng|dong|vnd|vnđ|triệu|nghìn|ngàn|lakh|lakhs|crore|rupees?|rs|birr|nakfa|lek|lekë|afghanis?|"
    r"km|kms|kg|kgs|mb|people|persons?|pax|passengers|migrants|views|followers|members|likes|subscribers|users|"
    r"hp|cc|m2|m²|sq)\b|"
    r"تومان|تومن|ریال|ريال|دلار|دالر|دولار|یورو|يورو|یۆرۆ|پوند|پاوەند|جنيه|دينار|دینار|لیره|ليرة|روپے|روپیہ|"
    r"ہزار|لاکھ|افغانی|هزار|ألف|الف|ملیون|مليون|میلیون|نفر|شخص|ብር|ዶላር|ናቕፋ|ዩሮ)",
    re.IGNORECASE,
)
_BEFORE_NOT_PHONE = re.compile(
    r"(?:[€£$₺₹﷼₫₽¥]|\b(?:eur|usd|gbp|rs|tl)\.?|"
    r"\b(?:iban|order|invoice|ref|reference|tracking|passport|account|acct|imei|serial|id|"
    r"bic|swift|sort code|booking|ticket|case|file|dossier|commande|facture|numéro de dossier)\b"
    r"[\s.:#-]*(?:no\.?|nr\.?|number|num)?[\s.:#-]*|#|№)[ \u00a0]?$",
    re.IGNORECASE,
)
# Words that make a bare national number likely to be a phone even when it is not valid.
_PHONE_CUE = re.compile(
    r"(?:tel|phone|call|whats ?app|wh?ats|wa|viber|imo|signal|zalo|telegram|contact|mob|mobile|cell|ring|"
    r"text|sms|appel|appelez|téléphone|portable|numéro|numero|num|nr|telefon|numara|arayın|ara|liên hệ|gọi|"
    r"sđt|sdt|"
    r"điện thoại|numri|telefononi|kontakt|kontaktoni|têkilî|hejmar|"
    r"واتساب|واتس|وتساب|واتسئاپ|واتساپ|واٹس ایپ|تماس|شماره|شمارہ|تلفن|موبایل|موبايل|اتصل|للتواصل|للحجز|"
    r"رقم|هاتف|"
    r"جوال|پەیوەندی|ژمارە|مۆبایل|رابطہ|نمبر|فون|شمیره|اړیکه|ደውሉ|ስልክ|ቁጽሪ|ቁጥር|☎|📞|📱|📲|☎️)"
    r"[^\d\n]{0,24}$",
    re.IGNORECASE,
)
_PHONE_WORD_GLUED = re.compile(r"(?:tel|phone|mob|mobile|whatsapp|wa|call|ph|gsm|cel|cell|num|no)$",
                               re.IGNORECASE)

# Whole-candidate shapes that are never phones.
_NOT_PHONE_SHAPES = re.compile(
    r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})"  # 12/05/2024, 12.05.24
    r"|\d{4}[./-]\d{1,2}[./-]\d{1,2}"  # 2024-05-12
    r"|(?:1[3-9]|20)\d\d ?[-\u2010-\u2014/] ?(?:(?:1[3-9]|20)\d\d|\d\d)"  # 2023-2024, 1402/1403
    r"|\d{1,2}[.h]\d\d ?[-\u2010-\u2014] ?\d{1,2}[.h]\d\d"  # 9.00-17.00
    r"|[0-2]\d[0-5]\d ?[-\u2010-\u2014] ?[0-2]\d[0-5]\d"  # 0900-1700
)

_REPEATED = re.compile(r"(\d)\1{5}")  # "0-00-000000-0": filler, not a number someone answers
_FOUR_FOURS = re.compile(r"(?<!\d)\d{4}(?:[ \-.]\d{4}(?!\d)){3}")

# Fictional ranges (Ofcom drama numbers, ARCEP's 06 39 98): invalid by design, reported all the same.
_FICTIONAL = re.compile(
    r"\+(?:447700900\d{3}|3363998\d{4}|44(?:113|114|115|116|117|118|121|131|141|151|161)4960\d{3}"
    r"|44204960\d{4}|4420794600\d{2}|4428964960\d{2}|4429201800\d{2}|441632960\d{3})"
)


def _fold_digits(raw: str) -> str:
    """`raw` with every decimal digit made ASCII, same length."""
    if raw.isascii():
        return raw
    folded = to_ascii_digits(raw)
    return folded if folded.isascii() else folded.translate(_extra_fold())


def _collapse_keycaps(text: str) -> tuple[str, list[int] | None]:
    """`text` with emoji keycaps ("7️⃣") reduced to their digit, and an index map back into `text`
    (position -> original position, one extra entry for the end); (text, None) if there are none."""
    if "\u20e3" not in text:
        return text, None
    parts: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _KEYCAP.finditer(text):
        parts.append(text[pos:m.start()])
        index.extend(range(pos, m.start()))
        parts.append(m.group(1))
        index.append(m.start())
        pos = m.end()
    parts.append(text[pos:])
    index.extend(range(pos, len(text) + 1))
    return "".join(parts), index


@lru_cache(maxsize=256)
def _region_shape(region: str) -> tuple[str | None, frozenset[int], frozenset[int]]:
    """(national prefix, possible national-number lengths, mobile lengths) of a region."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return None, frozenset(), frozenset()
    mobile = meta.mobile.possible_length if meta.mobile and meta.mobile.possible_length else ()
    return meta.national_prefix, frozenset(meta.general_desc.possible_length or ()), frozenset(mobile)


_MOBILE_LIKE = frozenset({
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.VOIP,
})


@lru_cache(maxsize=256)
def _mobile_first_digits(region: str) -> frozenset[str]:
    """First digits that the region's mobile numbers (national significant part) start with.

    Used to judge a number that is possible but not valid: "0542 922 35 98" has the length of an
    Iraqi mobile but Iraqi mobiles start with 7, so it is not one. Only the first digit is
    required, so new or withdrawn ranges of the right kind still pass (Albanian 066)."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None or not meta.mobile or not meta.mobile.national_number_pattern:
        return frozenset()
    pattern = re.compile(meta.mobile.national_number_pattern)
    firsts: set[str] = set()
    for length in meta.mobile.possible_length or ():
        for prefix in range(100):
            head = f"{prefix:02d}"
            if head[0] in firsts:
                continue
            # a few fillers: all one digit, and a fixed pseudo-random sequence
            tails = [d * (length - 2) for d in "0123456789"]
            tails.append(("3141592653589793238462643" * 2)[:length - 2])
            if any(pattern.fullmatch(head + tail) for tail in tails):
                firsts.add(head[0])
    return frozenset(firsts)


@lru_cache(maxsize=8192)
def _parse_national(digits: str, region: str) -> tuple[str, bool, bool, bool, tuple[int, ...]] | None:
    """(E.164, valid, possible, mobile, grouping) of national `digits` read in `region`, or None.

    "mobile" is true for valid mobile-like numbers and for the fictional ranges (which are
    mobiles); "grouping" is how the region writes the number ("0770 123 4567" -> (4, 3, 4))."""
    try:
        num = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    grouping = tuple(len(g) for g in _GROUP.findall(national))
    if _FICTIONAL.fullmatch(e164):
        return e164, True, True, True, grouping
    valid = phonenumbers.is_valid_number(num)
    mobile = valid and phonenumbers.number_type(num) in _MOBILE_LIKE
    return e164, valid, phonenumbers.is_possible_number(num), mobile, grouping


@lru_cache(maxsize=8192)
def _parse_international(digits: str) -> tuple[str, str, bool] | None:
    """(E.164, region, valid) of "+`digits`" if it is a possible number for a known country code."""
    try:
        num = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    region = (phonenumbers.region_code_for_number(num)
              or phonenumbers.region_code_for_country_code(num.country_code))
    reason = phonenumbers.is_possible_number_with_reason(num)
    if region == "ZZ" or reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None  # unknown country code, wrong length, or a local-only number ("+1 234 5678")
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return e164, region, phonenumbers.is_valid_number(num)


def _resolve_national(digits: str, groups: tuple[int, ...],
                      regions: tuple[str, ...]) -> tuple[str, str] | None:
    """(E.164, region) of a national number, or None.

    The same digits are often valid in several countries ("0542 922 35 98" is a Turkish mobile
    and an Iraqi landline; "066 207 4158" is an Albanian-looking mobile and a valid French one).
    Strong regions are what the grouping says (shape_regions, or a region that writes its
    numbers the way the poster spaced this one: Syrians "0944 123 456", Libyans "091 234 5678"),
    and the post's likeliest region. Smugglers give mobiles. In order of preference:
      1. a valid mobile (or fictional number) in a strong region;
      2. a possible number of mobile length and first digit in a strong region (new or
         unlisted ranges, made-up numbers);
      3. a valid mobile in another region;
      4. a valid landline in a strong region, then in another region.
    """
    first, also = shape_regions(digits, groups)
    strong = set(first) | set(regions[:1])
    near = regions[:3]  # a matching grouping promotes only the post's likelier regions
    order: list[str] = []
    for region in (*first, *regions, *also):
        if region not in order:
            order.append(region)
    tried = 0
    strong_possible = other_mobile = strong_landline = other_landline = None
    for region in order:
        prefix, lengths, mobile_lengths = _region_shape(region)
        if prefix:
            if not digits.startswith(prefix):
                continue
            nsn_len = len(digits) - len(prefix)
        else:
            nsn_len = len(digits)
        if nsn_len not in lengths:
            continue
        tried += 1
        if tried > MAX_REGIONS_PER_NUMBER:
            break
        parsed = _parse_national(digits, region)
        if parsed is None:
            continue
        e164, valid, possible, mobile, grouping = parsed
        found = (e164, region)
        if region in strong or (len(groups) >= 2 and grouping == groups and region in near):
            if mobile:
                return found
            if valid:
                strong_landline = strong_landline or found
            elif (possible and nsn_len in mobile_lengths and not _REPEATED.search(digits)
                  and digits[len(prefix or ""):][:1] in _mobile_first_digits(region)):
                strong_possible = strong_possible or found
        elif mobile:
            other_mobile = other_mobile or found
        elif valid:
            other_landline = other_landline or found
    return strong_possible or other_mobile or strong_landline or other_landline


def _sep_kind(sep: str) -> str:
    if "/" in sep:
        return "/"
    if "." in sep:
        return "."
    if any(ch in sep for ch in "-\u2010\u2011\u2012\u2013\u2014"):
        return "-"
    if sep.strip(" \t\u00a0\u2007\u2009\u202f") == "":
        return " " if sep else ""
    return "("  # parentheses, possibly with spaces


def _coherent(kinds: list[str]) -> bool:
    """Phone numbers keep one separator style; "05/2024 0770" or "1.200 300" are not one number,
    and "0123/2024" (two groups and a slash) is a reference, not "06/39/98/66/20"."""
    used = {k for k in kinds if k not in ("", "(")}
    if used == {"/"}:
        return len(kinds) >= 2
    return len(used) <= 1 or used == {" ", "-"}


def _thousands(groups: list[str], kinds: list[str]) -> bool:
    """1.200.000 / 15 000 000: a grouped amount, not a number to call."""
    return (len(groups) >= 2 and 1 <= len(groups[0]) <= 3 and groups[0][0] != "0"
            and all(len(g) == 3 for g in groups[1:]) and len(set(kinds)) == 1 and kinds[0] in (".", " "))


def extract_phones(text: str, *, lang: str | None = None, regions: tuple[str, ...] = ()) -> list[Entity]:
    """Phone numbers in `text` as Entity(kind="phone", value=E.164), spans into `text`.

    `regions` are the countries to read national numbers in, likeliest first (e.g. from
    `guess_regions`, or the platform's country); when empty they are guessed from the text and
    `lang`. Numbers written in international form need no region.
    """
    if not _ANY_DIGIT.search(text):
        return []
    work, index = _collapse_keycaps(text)
    out: list[Entity] = []
    region_order: list[tuple[str, ...]] = [tuple(regions)] if regions else []

    def get_regions() -> tuple[str, ...]:  # guessed once, and only if a national number needs it
        if not region_order:
            region_order.append(guess_regions(text, lang))
        return region_order[0]

    for run in _RUN.finditer(work):
        raw = run.group()
        if len(raw) < _MIN_DIGITS or sum(ch.isdigit() for ch in raw) < _MIN_DIGITS:
            continue
        found = _numbers_in_run(work, run.start(), _fold_digits(raw), get_regions)
        for start, end, e164, region in found:
            if index is not None:
                start, end = index[start], index[end - 1] + 1
                while end < len(text) and text[end] in "\ufe0f\u20e3":
                    end += 1
            out.append(Entity(kind="phone", value=e164, start=start, end=end, detail=region))
    return out


def _numbers_in_run(work: str, run_start: int, raw: str,
                    get_regions: Callable[[], tuple[str, ...]]) -> list[tuple[int, int, str, str]]:
    """Numbers inside one digit run, as (start, end, E.164, region): positions in `work`.

    `raw` is the run with ASCII digits. Runs can hold several numbers ("06 39 98 66 20 /
    07700 900 721") or a number glued to a date or count, so from each place a number can
    start (a "+", "00", trunk "0") we take the longest stretch of groups that reads as a
    number, then carry on after it."""
    before = work[max(0, run_start - 48):run_start]
    plus_at = -1
    if before[-1:] and before[-1] in _PLUS_CHARS:
        plus_at = run_start - 1
    elif before[-2:-1] and before[-2] in _PLUS_CHARS and before[-1] in " (":
        plus_at = run_start - 2
    plus = plus_at >= 0
    link_intl = not plus and bool(_INTL_LINK.search(before))
    if link_intl and before.lower().endswith(("tel:", "callto:", "sms:")):
        link_intl = False  # tel:07700900123 is national
    groups: list[str] = []
    spans: list[tuple[int, int]] = []
    for g in _GROUP.finditer(raw):
        groups.append(g.group())
        spans.append((run_start + g.start(), run_start + g.end()))
    kinds = [_sep_kind(raw[spans[i][1] - run_start:spans[i + 1][0] - run_start])
             for i in range(len(groups) - 1)]
    if len(groups) > _MAX_RUN_GROUPS:
        return []  # a wall of digits is a table or an attack, not an advert
    if len(groups) >= _MIN_DIGITS and all(len(g) == 1 for g in groups) and len(set(kinds)) == 1:
        # spaced digit by digit ("0 0 4 4 7 7 0 0 ..."): the spacing says nothing of the number's
        # parts, so read it as one group (else "0 0 44..." is a national number after a "0")
        groups, spans, kinds = ["".join(groups)], [(spans[0][0], spans[-1][1])], []
    if _FOUR_FOURS.search(raw):
        return []  # 4-4-4-4: a card number or an IBAN
    glued_at = plus_at if plus else run_start
    glued_letter = glued_at > 0 and work[glued_at - 1].isascii() and work[glued_at - 1].isalpha()
    # "FR76 3000...", "AB123456789": a first group glued to letters is part of an identifier
    # (unless "Tel07700..."); later groups may still start a number ("z4l0 0900 000 461").
    skip_first = glued_letter and not (plus or link_intl or _PHONE_WORD_GLUED.search(before))

    results: list[tuple[int, int, str, str]] = []
    n = len(groups)
    i = 1 if skip_first else 0
    regions: tuple[str, ...] | None = None
    while i < n:
        intl_here = i == 0 and (plus or link_intl)
        double_zero = groups[i].startswith("00") and not intl_here
        national_start = groups[i].startswith("0") and not double_zero
        no_prefix_start = i == 0 and not intl_here and not groups[i].startswith("0")
        if not (intl_here or double_zero or national_start or no_prefix_start):
            i += 1
            continue
        match = None
        for j in range(min(n, i + _MAX_GROUPS), i, -1):
            digits = "".join(groups[i:j])
            count = len(digits)
            if count < _MIN_DIGITS:
                break
            if intl_here or double_zero:
                if count - (2 if double_zero else 0) > _MAX_INTERNATIONAL_DIGITS:
                    continue
            elif count > _MAX_NATIONAL_DIGITS:
                continue
            sub_kinds = kinds[i:j - 1]
            check_kinds = sub_kinds[1:] if (intl_here or double_zero) else sub_kinds
            if not _coherent(check_kinds):
                continue
            start = plus_at if (intl_here and plus) else spans[i][0]
            end = spans[j - 1][1]
            if _NOT_PHONE_SHAPES.fullmatch(raw, spans[i][0] - run_start, end - run_start):
                continue
            if not (intl_here or double_zero) and _thousands(groups[i:j], sub_kinds):
                continue
            near_price = (_AFTER_NOT_PHONE.match(work, end)
                          or _BEFORE_NOT_PHONE.search(work, max(0, start - 40), start))
            if near_price and not (intl_here and plus):
                continue  # "+44 7700 900123 €" still is a number: a "+" is stronger than a unit
            if j == n and end < len(work) and work[end].isascii() and work[end].isalpha() \
                    and not (intl_here or double_zero):
                continue  # "0770123456789abc": an identifier
            found: tuple[str, str] | None = None
            if intl_here or double_zero:
                parsed = _parse_international(digits[2:] if double_zero else digits)
                found = parsed[:2] if parsed else None
            else:
                if regions is None:
                    regions = get_regions()
                if no_prefix_start and count >= 11 and _PHONE_CUE.search(work, max(0, start - 40), start):
                    # "WhatsApp 447700900123": an international number missing its "+"
                    parsed = _parse_international(digits)
                    if parsed and (parsed[2] or _FICTIONAL.fullmatch(parsed[0])):
                        found = parsed[:2]
                # numbers without a trunk "0" only where the post's region has none (GR, IT, ES)
                trunkless = any(not _region_shape(r)[0] for r in regions[:2])
                if found is None and (not no_prefix_start or trunkless):
                    found = _resolve_national(digits, tuple(len(g) for g in groups[i:j]), regions)
            if found:
                match = (start, end, found[0], found[1], j)
                break
        if match:
            results.append(match[:4])
            i = match[4]
        else:
            i += 1
    return results
