"""The console's commands: users, export-labels, evidence export/verify, audit verify, serve."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from console_helpers import PASSWORD, make_repo
from console_factory import seed
from tidewatch.cli_console import register
from tidewatch.store.repo import Store

cli = typer.Typer()
register(cli)
runner = CliRunner()


@pytest.fixture
def db(tmp_path, monkeypatch):
    """A seeded SQLite database with one confirmed item; the CLI finds it through --db."""
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    store = Store.open(url)
    repo = make_repo(store)
    ids = seed(repo, tmp_path / "data")
    ana = repo.add_user("ana", PASSWORD, "analyst", "test")
    ev = repo.decide(ids["sorani"], ana, "confirm", ["smuggling_service"]).evidence_id
    repo.decide(ids["french_news"], ana, "not_smuggling", reason="news")
    store.close()
    return {"url": url, "evidence": ev, "tmp": tmp_path}


def run(*args, input=None):
    return runner.invoke(cli, [str(a) for a in args], input=input)


def test_users_add_list_disable(db):
    r = run("users", "add", "bea", "--role", "supervisor", "--db", db["url"])
    assert r.exit_code == 0, r.output
    password = r.stdout.strip().splitlines()[-1]
    assert len(password) == 20
    r = run("users", "add", "cem", "--role", "auditor", "--password-stdin", "--db", db["url"], input=PASSWORD + "\n")
    assert r.exit_code == 0
    assert run("users", "add", "bea", "--db", db["url"]).exit_code == 1
    assert run("users", "add", "dan", "--role", "root", "--db", db["url"]).exit_code == 1
    r = run("users", "list", "--db", db["url"])
    assert "bea" in r.stdout and "supervisor" in r.stdout and "cem" in r.stdout
    assert run("users", "disable", "bea", "--db", db["url"]).exit_code == 0
    assert "disabled" in run("users", "list", "--db", db["url"]).stdout
    assert run("users", "disable", "nobody", "--db", db["url"]).exit_code == 1
    repo = make_repo(Store.open(db["url"]))
    assert [e["actor"] for e in repo.audit_events(action="user.disable")][0].startswith("cli")


def test_export_labels(db):
    out = db["tmp"] / "labels.jsonl"
    r = run("export-labels", "--output", out, "--db", db["url"])
    assert r.exit_code == 0 and "2 labelled posts written (1 smuggling, 1 not smuggling)" in r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["id"], x["label"], x["kind"]) for x in rows] == [("s1", 1, "advert"), ("f4", 0, "news")]


def test_evidence_export_and_verify(db):
    out = db["tmp"] / "bundles"
    out.mkdir()
    r = run("evidence", "export", f"EV-{db['evidence']:06d}", "--output", out, "--db", db["url"])
    assert r.exit_code == 0, r.output
    folder = Path(r.stdout.strip().splitlines()[-1])
    assert (folder / "manifest.json").exists() and (folder / "files" / "media" / "01.png").exists()
    r = run("evidence", "verify", folder, "--db", db["url"])
    assert r.exit_code == 0 and "intact" in r.output and "match the database" in r.output
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    (folder / "files" / "text.txt").write_text("edited", encoding="utf-8")
    r = run("evidence", "verify", folder)
    assert r.exit_code == 1 and "altered file: files/text.txt" in r.output
    assert run("evidence", "export", "EV-999999", "--output", out, "--db", db["url"]).exit_code == 1
    assert run("evidence", "export", "nonsense", "--output", out, "--db", db["url"]).exit_code == 2
    again = run("evidence", "export", str(db["evidence"]), "--output", out, "--db", db["url"])
    assert again.exit_code == 1  # never overwrites a bundle


def test_audit_verify_detects_an_edited_row(db):
    r = run("audit", "verify", "--db", db["url"])
    assert r.exit_code == 0 and "audit trail intact" in r.output and "last event" in r.stdout
    store = Store.open(db["url"])
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 3"))
    store.close()
    r = run("audit", "verify", "--db", db["url"])
    assert r.exit_code == 1 and "event 3: edited" in r.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.network
def test_serve_prints_an_admin_login_and_answers(db):
    port = _free_port()
    code = "import typer; from tidewatch.cli_console import register; app = typer.Typer(); register(app); app()"
    env = {**os.environ, "TIDEWATCH_DATABASE_URL": db["url"]}
    # the seeded database has a user already: serve a fresh one to see the admin login printed
    fresh = f"sqlite:///{db['tmp'] / 'fresh.db'}"
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port), "--db", fresh],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).text == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        r = httpx.get(f"http://127.0.0.1:{port}/queue", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert "server" not in r.headers
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
    assert "Admin login (shown once): user admin  password " in err
