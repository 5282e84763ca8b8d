"""The command contracts of DESIGN.md, pinned: classify, extract, ingest, scan, synth.

Each runs the real `tidewatch` entry point in a subprocess, on real files.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIDEWATCH = [sys.executable, "-m", "tidewatch.cli"]


def run(args, *, cwd, stdin: bytes | None = None, env_extra=None):
    env = {**os.environ, "COLUMNS": "200", **(env_extra or {})}
    return subprocess.run(TIDEWATCH + [str(a) for a in args], cwd=cwd, input=stdin, capture_output=True,
                          env=env, timeout=120)


def write_jsonl(path: Path, rows) -> Path:
    with open(path, "wb") as f:
        for r in rows:
            f.write((r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n")
    return path


ADVERT = "🇬🇧🚤 Boat to UK from Dunkirk, 1500€ per person, children free. WhatsApp +44 7700 900123"
NEWS = "Police in Kent arrested two men accused of organising small boat crossings, the court heard."


def test_classify_keeps_order_and_shape(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "a", "text": ADVERT, "platform": "facebook"},
        {"id": 7, "text": NEWS},
        {"id": "c", "text": "بەلەم بۆ بەریتانیا ١٥٠٠ یۆرۆ، منداڵ بێ پارە. واتسئاپ ٠٧٧٠٠٩٠٠١٢٣"},
    ])
    res = run(["classify", inp, "--output", tmp_path / "out.jsonl"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [o["id"] for o in out] == ["a", 7, "c"]
    for o in out:
        assert set(o) == {"id", "score", "label", "categories", "lang", "cues"}
        assert 0.0 <= o["score"] <= 1.0 and o["label"] in (0, 1)
        for cue in o["cues"]:
            assert set(cue) >= {"span", "term", "concept", "gloss", "weight"}
    assert out[0]["score"] > out[1]["score"]
    assert out[0]["label"] == 1
    # cue spans point into the original text
    cue = out[0]["cues"][0]
    s, e = cue["span"]
    assert 0 <= s < e <= len(ADVERT)


def test_classify_bad_lines_become_error_objects_and_the_run_goes_on(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "ok1", "text": NEWS},
        b'{"id": "broken", "text": ',
        {"id": "notext"},
        {"text": "no id here"},
        b"\xff\xfe garbage \x00\x01",
        b"[1, 2, 3]",
        {"id": "ok2", "text": ADVERT},
    ])
    res = run(["classify", inp, "-o", "-"], cwd=tmp_path)
    assert res.returncode == 1
    out = [json.loads(line) for line in res.stdout.decode().splitlines()]
    assert len(out) == 7
    assert out[0]["id"] == "ok1" and "score" in out[0]
    assert out[1] == {"id": None, "line": 2, "error": out[1]["error"]} and "JSON" in out[1]["error"]
    assert out[2]["id"] == "notext" and "text" in out[2]["error"]
    assert out[3]["line"] == 4 and "id" in out[3]["error"]
    assert out[4]["line"] == 5 and "UTF-8" in out[4]["error"]
    assert out[5]["line"] == 6 and "object" in out[5]["error"]
    assert out[6]["id"] == "ok2" and out[6]["label"] == 1


def test_classify_reads_stdin_and_writes_stdout(tmp_path):
    data = (json.dumps({"id": "s1", "text": ADVERT}) + "\n").encode()
    res = run(["classify", "-"], cwd=tmp_path, stdin=data)
    assert res.returncode == 0
    assert json.loads(res.stdout)["id"] == "s1"


def test_classify_missing_input_is_a_clear_error(tmp_path):
    res = run(["classify", tmp_path / "nope.jsonl", "-o", tmp_path / "out.jsonl"], cwd=tmp_path)
    assert res.returncode == 2
    assert "not found" in res.stderr.decode()


def test_extract_contract(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "e1", "text": ADVERT},
        {"id": "e2", "text": "Contact t.me/boza_express or @Boza_UK — 2.5k £ each, leaving Calais"},
        {"id": "e3", "text": NEWS},
        b"not json",
    ])
    res = run(["extract", inp, "--output", tmp_path / "ents.jsonl"], cwd=tmp_path)
    assert res.returncode == 1  # one bad line
    out = [json.loads(line) for line in (tmp_path / "ents.jsonl").read_text().splitlines()]
    assert [o.get("id") for o in out] == ["e1", "e2", "e3", None]
    e1 = out[0]["entities"]
    assert set(e1) >= {"phones", "handles", "urls", "prices", "places"}
    assert e1["phones"] == ["+447700900123"]
    assert {"amount": 1500, "currency": "EUR"} in e1["prices"]
    assert {"UK", "Dunkirk"} <= set(e1["places"])
    e2 = out[1]["entities"]
    assert "t.me/boza_express" in e2["handles"] and "@boza_uk" in e2["handles"]
    assert {"amount": 2500, "currency": "GBP"} in e2["prices"]
    assert "Calais" in e2["places"]
    assert out[2]["entities"]["phones"] == [] and out[2]["entities"]["prices"] == []
    assert "error" in out[3]


def test_ingest_is_idempotent_and_counts_rejects(tmp_path):
    inp = write_jsonl(tmp_path / "posts.jsonl", [
        {"id": "1", "platform": "facebook", "text": ADVERT},
        {"id": "2", "platform": "x", "text": NEWS},
        b"{truncated",
        {"platform": "web", "url": "https://example.org/a", "text": "no id, url gives the id"},
    ])
    db = f"sqlite:///{tmp_path / 't.db'}"
    first = run(["ingest", inp, "--db", db], cwd=tmp_path)
    assert first.returncode == 1, first.stderr.decode()
    rejects = [json.loads(line) for line in (tmp_path / "posts.jsonl.rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 1 and rejects[0]["line"] == 3 and rejects[0]["reason"]
    again = run(["ingest", inp, "--db", db, "--rejects", tmp_path / "r2.jsonl"], cwd=tmp_path)
    err = again.stderr.decode()
    assert "already stored" in err
    from tidewatch.store.repo import Store

    assert Store.open(db).count_posts() == 3


def test_scan_writes_detections_and_prints_a_summary(tmp_path):
    inp = write_jsonl(tmp_path / "posts.jsonl", [
        {"id": "1", "platform": "facebook", "text": ADVERT},
        {"id": "2", "platform": "x", "text": NEWS},
    ])
    db = f"sqlite:///{tmp_path / 't.db'}"
    res = run(["scan", inp, "--db", db], cwd=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    err = res.stderr.decode()
    assert "posts analysed" in err and "flagged" in err
    from tidewatch.store.repo import Store

    store = Store.open(db)
    assert store.detection_counts()["detections"] == 2
    assert store.entity_counts().get("phone") == 1


def test_scan_shows_hostile_text_inert_in_the_terminal(tmp_path):
    hostile = "[bold red]x[/] \u202eevil\u202c \x1b[31mred\x1b[0m boat to UK 1500€ whatsapp +44 7700 900124"
    inp = write_jsonl(tmp_path / "posts.jsonl", [{"id": "h", "text": hostile}])
    res = run(["scan", inp, "--db", f"sqlite:///{tmp_path / 't.db'}"], cwd=tmp_path)
    out = res.stderr.decode()
    assert "\x1b[31m" not in out and "\u202e" not in out


def test_unknown_source_is_a_clear_error(tmp_path):
    (tmp_path / "posts.xml").write_text("<x/>")
    res = run(["ingest", tmp_path / "posts.xml", "--db", f"sqlite:///{tmp_path / 't.db'}"], cwd=tmp_path)
    assert res.returncode == 2
    assert "error" in res.stderr.decode()


def test_synth_writes_posts_and_truth(tmp_path):
    res = run(["synth", "--n", "50", "--seed", "3", "--output", tmp_path / "c"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    posts = (tmp_path / "c" / "posts.jsonl").read_text().splitlines()
    truth = (tmp_path / "c" / "truth.jsonl").read_text().splitlines()
    assert len(posts) == len(truth) == 50


@pytest.mark.parametrize("cmd", ["ingest", "scan", "classify", "extract", "synth"])
def test_every_command_has_help(cmd, tmp_path):
    res = run([cmd, "--help"], cwd=tmp_path)
    assert res.returncode == 0 and "Usage" in res.stdout.decode()


def test_a_record_the_code_cannot_handle_fails_alone_and_the_batch_goes_on(tmp_path):
    """Fault injection: whatever breaks on one record, the others of its batch are answered in
    order and that record gets an error object with its id."""
    from tidewatch.cli import _contract_run

    def process(good):
        if any(d["text"] == "boom" for _, d in good):
            if len(good) > 1:
                raise RuntimeError("batch failed")
            raise ValueError("cannot read this post")
        return [{"id": rid, "n": len(d["text"])} for rid, d in good]

    inp = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "one"}, {"id": "b", "text": "boom"},
                                               {"id": "c", "text": "three"}])
    out = tmp_path / "out.jsonl"
    import typer

    with pytest.raises(typer.Exit) as exc:
        _contract_run(str(inp), str(out), 256, process)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["n"] == 3 and rows[2]["n"] == 5
    assert "ValueError: cannot read this post" in rows[1]["error"]
    assert exc.value.exit_code == 1  # the exit code says a line failed
