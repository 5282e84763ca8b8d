"""The cue lexicons: well-formed, covering every concept in every language, matching on
normalised text with spans back in the original."""
from pathlib import Path

import pytest

from tidewatch.detect.lexicon import CONCEPTS, FRAMING_CONCEPTS, LEXICON_DIR, SIGNAL_CONCEPTS, Lexicon, read_lexicon_file
from tidewatch.text.normalise import normalise

LANGS = ["en", "fr", "ar", "ckb", "kmr", "fa", "prs", "ps", "sq", "vi", "tr", "ur", "ti", "am"]


def test_every_language_has_a_lexicon():
    have = {p.stem for p in LEXICON_DIR.glob("*.tsv")}
    assert set(LANGS) <= have, f"missing: {sorted(set(LANGS) - have)}"


@pytest.mark.parametrize("lang", LANGS)
def test_lexicon_is_well_formed_and_covers_the_concepts(lang):
    entries = read_lexicon_file(LEXICON_DIR / f"{lang}.tsv")
    assert len(entries) >= 60
    concepts = {e.concept for e in entries}
    missing_signal = set(SIGNAL_CONCEPTS) - concepts
    assert len(missing_signal) <= 2, f"{lang}: advert concepts missing {missing_signal}"
    assert len(set(FRAMING_CONCEPTS) & concepts) >= 4, f"{lang}: too few framing concepts"
    assert all(e.gloss for e in entries)


def test_bad_lexicon_rows_are_reported_with_their_line(tmp_path):
    p = tmp_path / "zz.tsv"
    p.write_text("term\tconcept\tgloss\tsource\nboat\ttransport\tboat\tusage\nship\tnot_a_concept\tship\tusage\n")
    with pytest.raises(ValueError, match=r"zz.tsv:3: unknown concept"):
        read_lexicon_file(p)
    p.write_text("wrong header\n")
    with pytest.raises(ValueError, match="first line"):
        read_lexicon_file(p)


def _lex(tmp_path, rows):
    d = tmp_path / "lex"
    d.mkdir()
    (d / "en.tsv").write_text("term\tconcept\tgloss\tsource\n" + "".join("\t".join(r) + "\n" for r in rows))
    return Lexicon.load(d)


def test_matching_uses_normalised_text_and_maps_spans_back(tmp_path):
    lex = _lex(tmp_path, [("boat", "transport", "boat", "usage"), ("whatsapp", "contact", "WhatsApp", "usage"),
                          ("re:kids?\\s+free", "child_offer", "children free", "usage")])
    original = "Bоat 🚤 to UK, KIDS   free, WhatsApp me"  # Cyrillic о in Bоat
    norm = normalise(original)
    cues = lex.cues(norm, lex.match(norm.text))
    found = {(c.concept, original[c.start:c.end]) for c in cues}
    assert ("transport", "Bоat") in found
    assert ("transport", "🚤") in found
    assert ("contact", "WhatsApp") in found
    assert any(c == "child_offer" and "KIDS" in s for c, s in found)


def test_word_boundaries(tmp_path):
    lex = _lex(tmp_path, [("van", "transport", "van", "usage"), ("game", "transport", "game", "usage"),
                          ("taxi", "transport", "taxi", "usage")])
    assert lex.match(normalise("caravan park and endgame").text) == []
    assert {h.entry.term for h in lex.match(normalise("the game is tonight, taxis ready").text)} == {"game", "taxi"}


def test_arabic_script_clitics_are_allowed(tmp_path):
    d = tmp_path / "lex"
    d.mkdir()
    (d / "ar.tsv").write_text("term\tconcept\tgloss\tsource\nقارب\ttransport\tboat\tusage\n", encoding="utf-8")
    lex = Lexicon.load(d)
    assert lex.match(normalise("بقارب كبير").text)  # b- (by) + boat
    assert lex.match(normalise("والقارب").text)  # and + the + boat
    assert lex.match(normalise("مقارب").text) == []  # not a prefix: another word


def test_geez_prefixes_and_endings_are_allowed(tmp_path):
    d = tmp_path / "lex"
    d.mkdir()
    (d / "ti.tsv").write_text("term\tconcept\tgloss\tsource\nጀልባ\ttransport\tboat\tusage\n", encoding="utf-8")
    lex = Lexicon.load(d)
    assert lex.match(normalise("ብጀልባ ናብ ኢጣልያ").text)  # by boat
    assert lex.match(normalise("ጀልባው ተበጊሱ").text)  # the boat
    assert lex.match(normalise("ሰጀልባ").text) == []  # not a prefix
