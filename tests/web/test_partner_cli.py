"""`tidewatch partners add-key|list|revoke` and `tidewatch users add --role partner --platform`: the key
is printed once and works on the partner API; a revoked key stops working; a partner account logs
in to the portal of its platform only."""
from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from console_helpers import TestClient, login, make_app, make_repo
from tidewatch.cli_console import register
from tidewatch.store.repo import Store

cli = typer.Typer()
register(cli)
runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'tw.db'}"
    Store.open(url).close()
    return url


def run(*args, input=None):
    return runner.invoke(cli, [str(a) for a in args], input=input)


def test_add_list_revoke_keys(db):
    r = run("partners", "add-key", "telegram", "--label", "trust & safety tooling", "--db", db)
    assert r.exit_code == 0, r.output
    key = r.stdout.strip().splitlines()[-1]
    assert key.startswith("twp_") and len(key) == 47
    listing = run("partners", "list", "--db", db)
    assert listing.exit_code == 0 and key[:12] in listing.stdout and "active" in listing.stdout
    assert key not in listing.stdout  # only the prefix is ever shown again
    store = Store.open(db)
    app = make_app(make_repo(store))
    c = TestClient(app)
    assert c.get("/api/v1/partner/referrals", headers={"X-API-Key": key}).status_code == 200
    assert run("partners", "revoke", "1", "--db", db).exit_code == 0
    assert c.get("/api/v1/partner/referrals", headers={"X-API-Key": key}).status_code == 401
    assert "revoked" in run("partners", "list", "--db", db).stdout
    again = run("partners", "revoke", "1", "--db", db)
    assert again.exit_code == 1 and "revoked already" in again.output
    store.close()


@pytest.mark.parametrize("args, message", [
    (("partners", "add-key", "myspace"), "unknown platform"),
    (("partners", "revoke", "99"), "no partner key"),
    (("users", "add", "pat", "--role", "partner"), "--platform"),
    (("users", "add", "pat", "--platform", "telegram"), "--platform"),
    (("users", "add", "pat", "--role", "partner", "--platform", "myspace"), "unknown platform"),
])
def test_refusals(db, args, message):
    r = run(*args, "--db", db)
    assert r.exit_code != 0 and message in r.output, r.output


def test_partner_account_for_one_platform(db):
    r = run("users", "add", "pat.tg", "--role", "partner", "--platform", "telegram", "--db", db)
    assert r.exit_code == 0, r.output
    password = r.stdout.strip().splitlines()[-1]
    assert "pat.tg (partner for telegram)" in r.output
    store = Store.open(db)
    app = make_app(make_repo(store))
    c = login(app, "pat.tg", password)
    page = c.get("/portal")
    assert page.status_code == 200 and "Referrals for Telegram" in page.text
    assert c.get("/queue").status_code == 403
    store.close()
