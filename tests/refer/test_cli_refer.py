"""The referral commands, mounted the way tidewatch.cli mounts them, on real files and databases."""
from __future__ import annotations

import csv
import io
import json

import typer
from typer.testing import CliRunner

from tidewatch import cli_refer
from tidewatch.records import Cue, Detection
from tidewatch.refer.repo import load_referrals

from .conftest import posts

# exactly the lines to add to tidewatch/cli.py
app = typer.Typer()
app.add_typer(cli_refer.refer_app, name="refer")
app.add_typer(cli_refer.referrals_app, name="referrals")
app.command("dispatch")(cli_refer.dispatch)
app.command("recheck")(cli_refer.recheck)

SETTINGS_TOML = """
[notifier]
name = "Fictional Coastal Safety Unit"
email = "referrals@example.org"

[platforms.telegram]
channels = ["pull"]
[platforms.facebook]
channels = ["pull"]
[platforms.instagram]
channels = ["pull"]
[platforms.tiktok]
channels = ["pull"]
[platforms.x]
channels = ["pull"]
"""


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_build_dispatch_list_export_metrics(seeded, db_url, tmp_path):
    cfg = tmp_path / "refer.toml"
    cfg.write_text(SETTINGS_TOML, encoding="utf-8")
    items = tmp_path / "confirmed.jsonl"
    lines = [
        {"post_id": "telegram:501", "categories": ["crossing_logistics"], "decision_id": "dec-1",
         "cues": [{"term": "leaving tonight", "concept": "departure", "gloss": "leaving tonight", "weight": 2}]},
        {"post_id": "facebook:10002", "categories": ["false_documents"], "decision_id": "dec-2"},
        {"post_id": "telegram:does-not-exist", "categories": ["smuggling_service"]},
        {"post_id": "tiktok:7301", "categories": ["news"]},
    ]
    items.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{not json\n", encoding="utf-8")

    r = run("recheck", "--db", db_url, "--config", cfg)  # nothing sent yet: nothing to check
    assert r.exit_code == 0, r.output

    r = run("refer", "build", items, "--db", db_url, "--config", cfg)
    assert r.exit_code == 1, r.output  # some lines were rejected, the rest were queued
    assert "no such post" in r.output and "not JSON" in r.output and "no smuggling category" in r.output
    r = run("refer", "build", items, "--db", db_url, "--config", cfg)
    assert "already referred (skipped)" in r.output

    r = run("dispatch", "--once", "--db", db_url, "--config", cfg)
    assert r.exit_code == 0, r.output
    with seeded.engine.connect() as conn:
        refs = load_referrals(conn)
    assert sorted(r["platform"] for r in refs) == ["facebook", "telegram"]
    assert {r["status"] for r in refs} == {"sent"}

    r = run("referrals", "list", "--format", "jsonl", "--db", db_url)
    listed = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    assert {x["reference"] for x in listed} == {r["reference"] for r in refs}

    out = tmp_path / "bundle.csv"
    r = run("referrals", "export", "--format", "csv", "--output", out, "--db", db_url)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sorted(x["url"] for x in rows) == sorted([p.url for p in posts() if p.id in ("telegram:501", "facebook:10002")])

    r = run("referrals", "export", "--format", "json", "--partner", "--db", db_url)
    assert all("decision_id" not in x for x in json.loads(r.stdout)["referrals"])

    r = run("referrals", "metrics", "--by", "platform,lang", "--format", "json", "--db", db_url)
    groups = json.loads(r.stdout)
    assert {(g["key"]["platform"], g["key"]["lang"]) for g in groups} == {("facebook", "fa"), ("telegram", "en")}
    assert all(g["referred"] == 1 and g["removed"] == 0 for g in groups)
    assert run("referrals", "metrics", "--db", db_url).exit_code == 0
    assert run("referrals", "metrics", "--by", "country", "--db", db_url).exit_code == 2

    # from detections: every positive not referred yet
    seeded.save_results([Detection("instagram:C1a2B3", 0.97, 1, ("smuggling_service",),
                                   (Cue(0, 5, "garanci", "guarantee", "guarantee", 1.0),), "sq", "test"),
                         Detection("telegram:501", 0.99, 1, ("crossing_logistics",), (), "en", "test"),
                         Detection("tiktok:7301", 0.10, 0, (), (), "vi", "test")], {})
    r = run("refer", "build", "--from-detections", "--db", db_url, "--config", cfg)
    assert r.exit_code == 0, r.output
    with seeded.engine.connect() as conn:
        assert sorted(r["platform"] for r in load_referrals(conn)) == ["facebook", "instagram", "telegram"]

    assert run("referrals", "dead-letters", "--db", db_url).exit_code == 0
    assert run("referrals", "requeue", "999", "--db", db_url).exit_code == 2
    assert run("refer", "build", "--db", db_url).exit_code == 2  # neither INPUT nor --from-detections
    bad = tmp_path / "bad.toml"
    bad.write_text("[platforms.myspace]\nchannels = ['pull']\n", encoding="utf-8")
    r = run("dispatch", "--once", "--db", db_url, "--config", bad)
    assert r.exit_code == 2 and "myspace" in r.output
