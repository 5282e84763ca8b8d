"""normalise(): folding for matching, with an exact map back to the original text."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidewatch.text.normalise import FLAGS, Normalised, looks_arabizi, normalise, normalise_term


def fold(text: str) -> str:
    return normalise(text).text


# --- characters: Unicode, case, invisibles, whitespace -------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Boat to ENGLAND", "boat to england"),
    ("  many\t\tspaces\n\nand\r\nlines  ", "many spaces and lines"),
    ("no\u00a0break\u2003em\u3000ideographic", "no break em ideographic"),
    ("𝐛𝐨𝐚𝐭 ｂｏａｔ 𝘣𝘰𝘢𝘵", "boat boat boat"),  # mathematical and fullwidth letters
    ("ﬁnal ﬂight", "final flight"),  # ligatures expand
    ("Straße", "strasse"),
    ("İSTANBUL İzmir", "istanbul izmir"),  # Turkish dotted capital I
    ("Işık ılık", "işık ılık"),  # dotless ı is a letter of its own
    ("cafe\u0301 e\u0301te\u0301", "café été"),  # decomposed accents compose
    ("Tiranë – Athinë", "tiranë – athinë"),
    ("Đi Đức qua đường Hungary", "đi đức qua đường hungary"),  # Vietnamese tones kept
    ("wh\u200bats\u200dapp", "whatsapp"),
    ("\u202eppastahw\u202c", "ppastahw"),  # bidi override removed (not reversed)
    ("pass\u00adport", "passport"),  # soft hyphen
    ("bo\x00at", "boat"),  # control character
])
def test_characters(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("١٢٣٤٥٦٧٨٩٠", "1234567890"),  # Arabic-Indic
    ("۰۷۷۰۵۳۹۲۸۱۴", "07705392814"),  # Persian
    ("०१२ ১২৩ ０１２", "012 123 012"),  # Devanagari, Bengali, fullwidth
    ("٣٬٥٠٠ يورو", "3,500 یورو"),  # Arabic thousands separator
    ("𝟎𝟕𝟕𝟎", "0770"),
])
def test_digits_of_any_script(text: str, expected: str) -> None:
    assert fold(text) == expected


# --- Arabic script ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("يسافر", "یسافر"), ("على", "علی"), ("ی", "ی"),  # ي ى ی -> ی
    ("كتاب", "کتاب"), ("کتاب", "کتاب"),  # ك -> ک
    ("رحلة", "رحله"),  # ة -> ه
    ("أحمد إلى آخر ٱلله", "احمد الی اخر الله"),  # hamza/madda/wasla forms of alef
    ("مؤمن", "مومن"),  # ؤ -> و
    ("سائق", "سائق"),  # ئ kept
    ("بـــحـــر", "بحر"),  # tatweel
    ("مَرْكَبٌ", "مرکب"),  # harakat
    ("می‌خوانم", "میخوانم"),  # ZWNJ
    ("هەر شەوێک", "ههر شهوێک"),  # Sorani ە folds with ه ...
    ("هه‌ر", "ههر"),  # ... so the old keyboard spelling matches
    ("خەڵک ڕێگا ڤیزا", "خهڵک ڕێگا ڤیزا"),  # Sorani letters kept
    ("ټول ډېر ړوند ښار", "ټول ډېر ړوند ښار"),  # Pashto letters kept
    ("ٹرک ڈاکٹر بڑا میں ہے", "ٹرک ڈاکٹر بڑا میں هے"),  # Urdu letters kept, ہ -> ه
    ("ﷺ", "صلی الله علیه وسلم"),  # one character expands into four words
    ("ﻻ", "لا"),  # presentation form
    ("؟ ، ؛ ۔", "? , ; ."),
])
def test_arabic_script_folding(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_sorani_letters_stay_distinct_from_arabic_ones() -> None:
    assert fold("ڵ") != fold("ل")
    assert fold("ڕ") != fold("ر")
    assert fold("ێ") != fold("ی")
    assert fold("ۆ") != fold("و")


@pytest.mark.parametrize("text, expected", [
    ("ሠላም", "ሰላም"), ("ፀሐይ", "ጸሐይ"), ("ኀይል", "ሀይል"),
    ("ሐኪም", "ሐኪም"), ("ዐይን", "ዐይን"),  # ሐ and ዐ separate words in Tigrinya: kept
    ("ኣሎ። ኢና፣", "ኣሎ. ኢና,"),
])
def test_geez(text: str, expected: str) -> None:
    assert fold(text) == expected


# --- emoji --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("🚤⛵🛥🚢⛴", "boat boat boat boat boat"),
    ("🚚🚛", "lorry lorry"),
    ("🇬🇧🇮🇹🇫🇷🇬🇷🇩🇪🇪🇺🇹🇷🇱🇾🇧🇾🇭🇷", "united_kingdom italy france greece germany europe turkey libya belarus croatia"),
    ("🇧🇪 🇧🇬", "belgium bulgaria"),
    ("💯✅✔️", "guarantee guarantee guarantee"),
    ("📞📲☎️📱", "contact contact contact contact"),
    ("👶🧒👧👦", "child child child child"),
    ("👨‍👩‍👧 👨‍👩‍👧‍👦 👪", "family family family"),
    ("💶💷💵💰💸", "money money money money money"),
    ("🌊 ✈️ ✈ 🆓 ❌🚫 🔥", "sea plane plane free no no hot_offer"),
    ("0️⃣7️⃣7️⃣0️⃣", "0770"),
    ("call 0️⃣7️⃣7️⃣ now", "call 077 now"),
    ("4️⃣5️⃣0️⃣0️⃣💷", "4500 money"),
    ("🔟 #️⃣", "10 #"),
    ("👍🏽👍", "thumbs_up thumbs_up"),  # skin tone ignored
    ("🏴󠁧󠁢󠁥󠁮󠁧󠁿", "england"),  # tag sequence
    ("boat🚤boat", "boat boat boat"),  # an emoji is a word of its own
    ("🛂", "passport"),
    ("🙈 🤫", "secret secret"),
    ("© 2026 ™", "© 2026 tm"),  # text symbols are not emoji
])
def test_emoji_become_concept_words(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_emoji_flag() -> None:
    assert "emoji" in normalise("ok 🚤").flags
    assert "emoji" not in normalise("ok boat").flags


# --- homoglyphs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Аngli", "angli"),  # Cyrillic А
    ("bоat", "boat"),  # Cyrillic о
    ("Cheap crоssing tо UK frоm Оstend, children frее", "cheap crossing to uk from ostend, children free"),
    ("Аngli përmеs Irlаndës pа kоntrоll", "angli përmes irlandës pa kontroll"),
    ("ΒOAT", "boat"),  # Greek capital beta
    ("ᴄʀᴏssɪɴɢ", "crossing"),  # small capitals
    ("Mосквa", "москва"),  # Latin a inside a Cyrillic word goes the other way
    ("book in the раrk", "book in the park"),  # a whole word typed with look-alikes, among Latin words
])
def test_homoglyphs(text: str, expected: str) -> None:
    n = normalise(text)
    assert n.text == expected
    assert "homoglyph" in n.flags


@pytest.mark.parametrize("text", [
    "Привет, как дела?",  # a Cyrillic sentence
    "Καλημέρα σας",  # a Greek one
    "Meeting in Москва on Friday",  # a Cyrillic word among Latin words, not mixed inside
    "Ελλάδα and Αθήνα trips",
])
def test_real_cyrillic_and_greek_words_are_left_alone(text: str) -> None:
    n = normalise(text)
    assert n.text == text.casefold()
    assert "homoglyph" not in n.flags


def test_mixed_script_flag_without_fold() -> None:
    n = normalise("книга book кнuга")
    assert "mixed_script" in n.flags


# --- spaced letters, leetspeak, Arabizi, repeats ---------------------------------------------------

@pytest.mark.parametrize("text, expected, flag", [
    ("b o a t", "boat", "spaced_letters"),
    ("b.o.a.t", "boat", "spaced_letters"),
    ("w-h-a-t-s-a-p-p me", "whatsapp me", "spaced_letters"),
    ("w*hatsapp", "whatsapp", "spaced_letters"),
    ("B O A T to U K", "boat to u k", "spaced_letters"),  # single-spaced words stay apart
    ("C r 0 s s i n g  t 0  U K 🇬🇧 this w33k | 1800 € | k i d s  0 €",
     "crossing to uk united_kingdom this week | 1800 € | kids 0 €", "spaced_letters"),
    ("Y U N A N İ S T A N  🇬🇷  g e ç i ş", "yunanistan greece geçiş", "spaced_letters"),
    ("b0at s4fe", "boat safe", "leet"),
    ("Tr4versée 4ngleterre b4teau 2 m0teurs", "traversée angleterre bateau 2 moteurs", "leet"),
    ("wh@tsapp", "whatsapp", "leet"),
    ("sooooo goooood", "soo good", "repeats"),
    ("بحرررر", "بحرر", "repeats"),
])
def test_obfuscation(text: str, expected: str, flag: str) -> None:
    n = normalise(text)
    assert n.text == expected
    assert flag in n.flags


@pytest.mark.parametrize("text", [
    "0 7 7 0 0 9 0 0 1 2 3",  # spaced phone digits: the phone extractor's business
    "+44 7700 900 612",
    "price 2500e, 1800eur, 18h, 20h30, 3rd floor, 9.9hp engine, 3.2 m",
    "2+1 flat, 4x4 car, covid19 rules, mp3 player, 5g network, 4am departure",
    "I am a good man",  # single-letter words are not spaced letters
    "U.K. and e.g. and t.me/crossing_2026",
    "see you 3days later",  # a digit glued to a word is not leet on its own
    "mail ali4@example.com or www.example.com",
    "...!!!",
])
def test_left_alone(text: str) -> None:
    n = normalise(text)
    assert not n.flags & {"spaced_letters", "leet", "arabizi", "repeats"}, n


def test_punctuation_runs_collapse_to_one() -> None:
    assert fold("now!!!!! really????") == "now! really?"
    assert "repeats" not in normalise("now!!!!!").flags


@pytest.mark.parametrize("text", [
    "7arga l Sbanya men Wahran 🚤 boti jdid, 5 swaye3 w rak f Almería",
    "3ala ma3a ta7rib bdi ro7",
    "ya 5ouya ana bdi ro7 3ala almania",
    "wallah el bo7ar sa3b hal ayam, ma fi 7ada yeta7arak",
])
def test_arabizi_digits_stay(text: str) -> None:
    n = normalise(text)
    assert "arabizi" in n.flags
    assert "leet" not in n.flags
    for word in ("7arga", "3ala", "ma3a", "ta7rib", "ro7", "bo7ar", "7ada"):
        if word in text.lower():
            assert word in n.text
    assert looks_arabizi(text)


@pytest.mark.parametrize("text", ["b0at s4fe tonight", "Cheap crossing 1800€ 18h", "hello world"])
def test_not_arabizi(text: str) -> None:
    assert "arabizi" not in normalise(text).flags
    assert not looks_arabizi(text)


def test_invisible_flag_only_for_evasive_characters() -> None:
    assert "invisible" in normalise("what\u200bsapp").flags
    assert "invisible" not in normalise("می‌خوانم").flags  # ZWNJ is ordinary Persian spelling


def test_flags_vocabulary() -> None:
    n = normalise("Аngli b o a t b0at s4fe soooo 🚤 wh\u200bat")
    assert n.flags <= FLAGS


# --- offsets ------------------------------------------------------------------------------------

def original_of(n: Normalised, term: str) -> str:
    i = n.text.index(term)
    a, b = n.span_to_original(i, i + len(term))
    return n.original[a:b]


@pytest.mark.parametrize("text, term, source", [
    ("Cheap 🚤 today", "boat", "🚤"),
    ("Offer 👨‍👩‍👧 now", "family", "👨‍👩‍👧"),
    ("call 0️⃣7️⃣7️⃣ now", "077", "0️⃣7️⃣7️⃣"),
    ("a b o a t here", "boat", "b o a t"),
    ("the b0at leaves", "boat", "b0at"),
    ("Cheap crоssing tо UK", "crossing", "crоssing"),
    ("sooooo cheap", "soo", "sooooo"),
    ("wh\u200bats\u200bapp me", "whatsapp", "wh\u200bats\u200bapp"),
    ("ﷺ قال", "علیه", "ﷺ"),
    ("رحلة بـــحـــر", "بحر", "بـــحـــر"),
    ("مَرْكَبٌ جديد", "مرکب", "مَرْكَبٌ"),
    ("İstanbul", "istanbul", "İstanbul"),
    ("Straße", "ss", "ß"),
    ("boat\u200b  next", "boat", "boat"),  # dropped invisible and spaces after the word are not included
])
def test_span_to_original(text: str, term: str, source: str) -> None:
    assert original_of(normalise(text), term) == source


def test_offsets_shape() -> None:
    n = normalise("  Boat 🚤 to UK  ")
    assert n.text == "boat boat to uk"
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(n.original)
    assert n.span_to_original(0, 0) == (2, 2)
    with pytest.raises(IndexError):
        n.span_to_original(3, 99)


def test_empty() -> None:
    n = normalise("")
    assert (n.text, n.offsets, n.flags) == ("", (0,), frozenset())
    assert normalise("\u200b\u200b").text == ""


# --- lexicon terms fold like texts ----------------------------------------------------------------

@pytest.mark.parametrize("term, text", [
    ("Boat", "Cheap BOAT to the UK"),
    ("crossing", "Cheap crоssing tо UK"),
    ("قارب", "قاربٌ جديد"),
    ("الطريقة", "ما هي الطريقه"),
    ("کەشتی", "کهشتی نوێ"),
    ("كيف", "کیف حالک"),
    ("یورو", "٣٠٠ يورو"),
    ("geçiş", "GEÇİŞ garantili"),
    ("İngiltere", "ingiltere yolu"),
    ("ሰው", "ሠው አለ"),
    ("7arga", "7arga l Sbanya 5 swaye3"),
    ("ma3a", "ana ma3a l 7arga"),
    ("whatsapp", "w h a t s a p p"),
])
def test_normalise_term_matches_text(term: str, text: str) -> None:
    assert normalise_term(term) in normalise(text).text


def test_normalise_term_keeps_digits_and_spacing() -> None:
    assert normalise_term("3ala") == "3ala"
    assert normalise_term("b o a t") == "b o a t"  # entries are written plainly; no joining
    assert normalise_term("  Free  Place ") == "free place"


# --- properties -----------------------------------------------------------------------------------

def assert_valid(n: Normalised) -> None:
    offsets = n.offsets
    assert len(offsets) == len(n.text) + 1
    assert offsets[-1] == len(n.original)
    assert all(0 <= a <= b for a, b in zip(offsets, offsets[1:]))
    assert all(o < len(n.original) for o in offsets[:-1])
    for i in range(len(n.text)):
        a, b = n.span_to_original(i, i + 1)
        assert 0 <= a < b <= len(n.original)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_offsets_valid_for_any_text(text: str) -> None:
    assert_valid(normalise(text))


TRICKY = st.sampled_from(list("abot 0134@.*-_ \n!\u200b\u200c\u200e\u0301\u064b\u0640АаоеОсρßİاأيكة٣۵ـ")
                         + ["🚤", "🇬🇧", "🇬", "0️⃣", "\ufe0f", "\u20e3", "👨‍👩‍👧", "👍🏽", "ﷺ", "ﬁ", "7", "3"])


@settings(max_examples=400, deadline=None)
@given(st.lists(TRICKY, max_size=40).map("".join))
def test_offsets_valid_for_tricky_text(text: str) -> None:
    assert_valid(normalise(text))


# words whose folding does not depend on their neighbours, each with its folded form
WORDS = [
    ("boat", "boat"), ("BOAT", "boat"), ("crоssing", "crossing"), ("ＵＫ", "uk"), ("ﬁne", "fine"),
    ("cafe\u0301", "café"), ("wh\u200bat", "what"), ("قاربٌ", "قارب"), ("رحلة", "رحله"), ("بـــحر", "بحر"),
    ("🚤", "boat"), ("👨‍👩‍👧", "family"), ("🇬🇧", "united_kingdom"), ("٣٠٠", "300"), ("İzmir", "izmir"),
    ("ሠላም", "ሰላም"), ("ﷺ", "صلی الله علیه وسلم"), ("Straße", "strasse"), ("sooooo", "soo"),
]
SEPARATORS = st.sampled_from([" ", "  ", "\n", " \u200b ", ", ", " - ", "\t"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), SEPARATORS), min_size=1, max_size=12))
def test_terms_map_back_to_their_source(pieces: list[tuple[tuple[str, str], str]]) -> None:
    text = "".join(word + sep for (word, _), sep in pieces)
    n = normalise(text)
    assert_valid(n)
    search_from = 0
    for (word, folded), _ in pieces:
        i = n.text.index(folded, search_from)
        a, b = n.span_to_original(i, i + len(folded))
        source = n.original[a:b]
        assert word in source or source in word, (word, source)
        assert folded in normalise_term(source)
        search_from = i + len(folded)


LETTERS_ONLY = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Zs")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(LETTERS_ONLY)
def test_idempotent_on_letters(text: str) -> None:
    once = normalise(text).text
    assert normalise(once).text == once
