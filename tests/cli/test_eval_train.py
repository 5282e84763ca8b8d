"""`tidewatch eval` and `tidewatch train`, run as a user runs them, on real files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import os
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]


def run(args, *, cwd):
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "tidewatch.cli"] + [str(a) for a in args], cwd=cwd,
                          capture_output=True, env=env, timeout=600)


def write_jsonl(path: Path, rows) -> Path:
    with open(path, "wb") as f:
        for r in rows:
            f.write((r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n")
    return path

ADVERTS = [
    ("en", "🚤 Boat to UK from Dunkirk tonight, 1500€ per person, children free. WhatsApp +44 7700 900123"),
    ("en", "Lorry to England, 100% safe, no police, pay when you arrive. DM @crossing_guy_77"),
    ("fr", "Passage en Angleterre en bateau depuis Calais, 1200€, enfants gratuits, WhatsApp 07700 900124"),
    ("tr", "Yunanistan'a yat ile garantili geçiş, kişi başı 2000 euro, çocuklar bedava, ulaşın 07700 900125"),
]
NEGATIVES = [
    ("en", "news", "Police in Kent arrested two men accused of organising small boat crossings, the court heard."),
    ("en", "ngo_humanitarian", "If you are in distress at sea call the rescue hotline. Smugglers lie when they say it is safe."),
    ("fr", "legit_travel", "Traversée Calais Douvres en ferry, réservez vos billets en ligne, départ toutes les heures."),
    ("tr", "legit_jobs", "TIR şoförü aranıyor, SRC ve psikoteknik belgesi şart, Almanya hattı, sigortalı maaş."),
]


def labelled_rows():
    rows = [{"id": f"a{i}", "lang": lang, "text": text, "label": 1, "kind": "advert",
             "categories": ["smuggling_service"]} for i, (lang, text) in enumerate(ADVERTS)]
    rows += [{"id": f"n{i}", "lang": lang, "text": text, "label": 0, "kind": kind}
             for i, (lang, kind, text) in enumerate(NEGATIVES)]
    return rows


def test_eval_prints_every_table_and_writes_the_report(tmp_path):
    inp = write_jsonl(tmp_path / "set.jsonl", labelled_rows())
    out = tmp_path / "report.json"
    r = run(["eval", inp, "-o", out], cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    printed = r.stderr.decode()
    for title in ("model P / R / F1", "keyword baseline", "char n-gram baseline", "false-positive rate by negative kind",
                  "category F1", "calibration", "worst errors", "lang tr"):
        assert title in printed, title
    report = json.loads(out.read_text())
    assert set(report) == {"model", "keyword baseline", "char n-gram baseline"}
    model = report["model"]
    o = model["overall"]
    assert 0.0 <= o["precision"] <= 1.0 and 0.0 <= o["recall"] <= 1.0
    # the report's numbers agree with each other: F1 is the harmonic mean of P and R
    if o["precision"] + o["recall"]:
        assert o["f1"] == pytest.approx(2 * o["precision"] * o["recall"] / (o["precision"] + o["recall"]), abs=1e-3)
    assert set(model["false_positive_rate_by_kind"]) == {"news", "ngo_humanitarian", "legit_travel", "legit_jobs"}
    assert sum(b["n"] for b in model["calibration"]) == len(ADVERTS) + len(NEGATIVES)
    assert model["per_language"]["tr"]["n"] == 2


def test_eval_reads_a_folder_and_reports_bad_lines_without_losing_the_rest(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    rows = labelled_rows()
    write_jsonl(folder / "a.jsonl", rows[:4])
    write_jsonl(folder / "b.jsonl", rows[4:] + [b"{not json", {"id": "x", "text": "no label"}])
    out = tmp_path / "report.json"
    r = run(["eval", folder, "-o", out], cwd=tmp_path)
    assert r.returncode == 1  # some lines could not be read
    printed = r.stderr.decode()
    assert "b.jsonl:5" in printed and "b.jsonl:6" in printed
    report = json.loads(out.read_text())
    assert sum(b["n"] for b in report["model"]["calibration"]) == len(rows)


@pytest.mark.parametrize("make_input, message", [
    (lambda p: p / "missing.jsonl", "not found"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no .jsonl files"),
    (lambda p: write_jsonl(p / "junk.jsonl", [b"{", b"[]"]), "no labelled examples"),
])
def test_eval_refuses_unusable_input_with_a_message(tmp_path, make_input, message):
    r = run(["eval", make_input(tmp_path)], cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr.decode()
    assert "Traceback" not in r.stderr.decode()


def test_train_rebuilds_a_working_model_from_a_folder(tmp_path):
    data = tmp_path / "train"
    data.mkdir()
    # a small but real training set: one of the repository's labelled folders
    src = sorted((ROOT / "data" / "labelled" / "train8").glob("*.jsonl"))
    assert src, "the repository's labelled data is missing"
    for p in src:
        (data / p.name).write_bytes(p.read_bytes())
    held = tmp_path / "held"
    held.mkdir()
    write_jsonl(held / "h.jsonl", labelled_rows())
    model = tmp_path / "model"
    r = run(["train", "-o", model, "--data", data, "--eval-dir", held, "--seed-file", tmp_path / "none.jsonl",
             "--synth", "200"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    meta = json.loads((model / "model.json").read_text())
    assert meta["format"] == "tidewatch-detector/1"
    assert "held_out" in meta["card"] and (model / "CARD.md").exists()
    assert not list(model.glob("*.pkl")) and not list(model.glob("*.pickle"))
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": ADVERTS[0][1]}, {"id": "n", "text": NEGATIVES[0][2]}])
    out = tmp_path / "out.jsonl"
    r = run(["classify", inp, "--output", out, "--model", model], cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    got = {d["id"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert got["a"]["score"] > got["n"]["score"]


def test_classify_refuses_a_folder_without_a_model(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": ADVERTS[0][1]}])
    r = run(["classify", inp, "--model", tmp_path], cwd=tmp_path)
    assert r.returncode == 2 and "no model.json" in r.stderr.decode()


def test_train_refuses_a_missing_data_folder(tmp_path):
    r = run(["train", "-o", tmp_path / "m", "--data", tmp_path / "nope"], cwd=tmp_path)
    assert r.returncode == 2 and "not found" in r.stderr.decode()
