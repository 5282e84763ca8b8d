"""`tidewatch eval-extract`: extraction measured against labelled posts."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tidewatch.extract.evaluate import EntityLabelError, found_keys, post_from_dict, score


def _post(pid, text, lang="en", **ents):
    return post_from_dict({"id": pid, "text": text, "lang": lang, "entities": ents})


def test_counts_hits_misses_and_extras_per_kind_and_language():
    posts = [
        _post("a", "x", phones=["+447700900123"], prices=[{"amount": 1500, "currency": "eur"}], places=["Calais"]),
        _post("b", "y", lang="fr", phones=["+447700900124"], places=["Dunkirk", "UK"]),
        _post("c", "z", handles=["@Boat_UK"]),  # no phones, prices or places given: those are not scored
    ]
    found = [
        found_keys({"phones": ["+447700900123"], "prices": [{"amount": 1500.0, "currency": "EUR"}], "places": ["Calais", "Dover"]}),
        found_keys({"phones": [], "places": ["Dunkirk"]}),
        found_keys({"handles": ["@boat_uk"], "phones": ["+447700900999"]}),
    ]
    r = score(posts, found)
    phones = r["kinds"]["phones"]
    assert (phones["tp"], phones["fp"], phones["fn"]) == (1, 0, 1)  # post c gives no phones: its extra is not scored
    assert phones["recall"] == 0.5 and phones["precision"] == 1.0
    assert r["kinds"]["places"]["tp"] == 2 and r["kinds"]["places"]["fp"] == 1 and r["kinds"]["places"]["fn"] == 1
    assert r["kinds"]["prices"]["f1"] == 1.0
    assert r["kinds"]["handles"]["recall"] == 1.0  # handles compare in lower case
    assert r["per_language"]["fr"]["places"]["recall"] == 0.5
    assert {m["id"] for m in r["misses"]["places"]} == {"a", "b"}
    assert r["misses"]["places"][0]["extra"] == ["Dover"]


@pytest.mark.parametrize("record, message", [
    ({"id": "a", "text": "x"}, "entities"),
    ({"id": "a", "text": "", "entities": {}}, "text"),
    ({"id": "a", "text": "x", "entities": {"prices": [{"amount": "lots", "currency": "EUR"}]}}, "number"),
    ({"id": "a", "text": "x", "entities": {"phones": "+447700900123"}}, "list"),
    (["not", "an", "object"], "object"),
])
def test_bad_labels_are_refused_with_a_reason(record, message):
    with pytest.raises(EntityLabelError, match=message):
        post_from_dict(record)


def test_the_command_reads_a_file_reports_and_flags_unreadable_lines(tmp_path):
    rows = [
        {"id": "ok", "lang": "en", "text": "Boat to UK from Calais 1500€, WhatsApp +44 7700 900123",
         "entities": {"phones": ["+447700900123"], "prices": [{"amount": 1500, "currency": "EUR"}],
                      "places": ["UK", "Calais"], "handles": []}},
        {"id": "miss", "lang": "en", "text": "Meet at the usual place",
         "entities": {"places": ["Gravelines"]}},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", encoding="utf-8")
    out = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "tidewatch.cli", "eval-extract", str(path), "-o", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr  # one line could not be read
    assert "line 3" in run.stderr
    report = json.loads(out.read_text())
    assert report["posts"] == 2
    assert report["kinds"]["phones"]["recall"] == 1.0 and report["kinds"]["prices"]["f1"] == 1.0
    assert report["kinds"]["places"]["tp"] == 2 and report["kinds"]["places"]["fn"] == 1
    assert report["misses"]["places"][0]["id"] == "miss"


def test_large_amounts_are_shown_in_full():
    posts = [_post("a", "x", prices=[{"amount": 28000000, "currency": "IRR"}])]
    r = score(posts, [found_keys({"prices": [{"amount": 2500.5, "currency": "EUR"}]})])
    assert r["misses"]["prices"][0]["missed"] == ["28000000 IRR"]
    assert r["misses"]["prices"][0]["extra"] == ["2500.5 EUR"]
