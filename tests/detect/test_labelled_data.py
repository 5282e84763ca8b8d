"""The labelled data in the repository: well-formed, no possibly-real phone numbers, and the
held-out sets share no post with the training sets."""
from __future__ import annotations

import json
import re
from pathlib import Path

import phonenumbers
import pytest

from tidewatch.records import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "data" / "labelled"
KINDS = {"advert", "news", "ngo_humanitarian", "legit_travel", "legit_documents", "legit_jobs", "personal",
         "research", "other"}
FICTION = ("+447700900", "+3363998")  # Ofcom's drama mobiles; ARCEP's numbers for fiction (06 39 98)
FILES = sorted(LABELLED.glob("*/*.jsonl"))


def _rows(path: Path):
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            yield lineno, json.loads(line)


def test_there_is_labelled_data_to_check():
    assert len(FILES) > 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rows_are_well_formed(path):
    for lineno, d in _rows(path):
        where = f"{path.name}:{lineno}"
        assert isinstance(d["text"], str) and d["text"].strip(), where
        assert d["label"] in (0, 1), where
        assert set(d["categories"]) <= set(CATEGORIES), where
        assert bool(d["categories"]) == (d["label"] == 1), f"{where}: categories exactly on positives"
        assert d["kind"] in KINDS and (d["kind"] == "advert") == (d["label"] == 1), where


def test_ids_are_unique_across_every_set():
    seen: dict[str, str] = {}
    for path in FILES:
        for lineno, d in _rows(path):
            assert d["id"] not in seen, f"{d['id']} in {seen.get(d['id'])} and {path.name}:{lineno}"
            seen[d["id"]] = f"{path.parent.name}/{path.name}"


def test_no_phone_number_could_ring_a_real_person():
    """Fictional ranges only: a number that the numbering plan allocates could belong to someone,
    and these posts are labelled as smuggling adverts."""
    from tidewatch.extract.phones import extract_phones

    for path in FILES:
        for lineno, d in _rows(path):
            numbers = set(d["entities"].get("phones", []))
            numbers |= {e.value for e in extract_phones(d["text"], lang=d.get("lang"))}
            for number in numbers:
                if number.startswith(FICTION):
                    continue
                assert not phonenumbers.is_valid_number(phonenumbers.parse(number)), \
                    f"{path.parent.name}/{path.name}:{lineno} {number}"


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def test_held_out_sets_share_no_post_with_training():
    train = {_key(d["text"]) for p in FILES if p.parent.name.startswith("train") for _, d in _rows(p)}
    for path in FILES:
        if path.parent.name.startswith("eval"):
            for lineno, d in _rows(path):
                assert _key(d["text"]) not in train, f"{path.parent.name}/{path.name}:{lineno}"
