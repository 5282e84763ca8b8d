"""Helpers shared by the console's tests (tests/web and tests/e2e): users, clients, clocks.

Not in conftest.py: test modules import these by name, and several conftest.py files exist."""
from __future__ import annotations

import hashlib
import re
import warnings
from datetime import datetime, timedelta, timezone

from tidewatch.store.console_repo import ConsoleRepo
from tidewatch.store.repo import Store
from tidewatch.web.app import create_app
from tidewatch.web.security import SESSION_COOKIE
from tidewatch.web.settings import Settings

with warnings.catch_warnings():  # starlette asks for httpx2; httpx is what the project pins
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

FAST = {"argon2_time_cost": 1, "argon2_memory_kib": 8192}  # cheap hashes: tests log in hundreds of times
PASSWORD = "correct horse battery staple"
ROLE_USERS = {"analyst": "ana", "supervisor": "sam", "admin": "ada", "auditor": "aud"}


class Clock:
    """A clock the test moves by hand (claims expire, sessions time out)."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw) -> None:
        self.t += timedelta(**kw)


def make_repo(store: Store, clock: Clock | None = None, **kw) -> ConsoleRepo:
    return ConsoleRepo(store, clock=clock or Clock(datetime.now(timezone.utc)), **{**FAST, **kw})


def add_role_users(repo: ConsoleRepo) -> None:
    for role, name in ROLE_USERS.items():
        repo.add_user(name, PASSWORD, role, "test")


def make_app(repo: ConsoleRepo, **settings):
    return create_app(Settings(sync_on_start=False, **FAST, **settings), repo=repo)


def login(app, username: str, password: str = PASSWORD, base_url: str = "http://testserver") -> TestClient:
    c = TestClient(app, base_url=base_url, follow_redirects=False)
    r = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    r = c.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 303, r.text[:500]
    return c


def csrf(client: TestClient) -> str:
    sid = hashlib.sha256(client.cookies[SESSION_COOKIE].encode()).hexdigest()
    return client.app.state.tokens.csrf_for(sid)


def post(client: TestClient, url: str, data: dict | list | None = None, **kw):
    """A form POST with the session's CSRF token."""
    items = list(data.items()) if isinstance(data, dict) else list(data or [])
    form: dict[str, list[str]] = {}
    for k, v in items + [("csrf_token", csrf(client))]:
        form.setdefault(k, []).extend(v if isinstance(v, list) else [v])
    return client.post(url, data=form, **kw)
