"""Helpers of the browser tests (imported by name: several conftest.py files exist)."""
from __future__ import annotations

import socket
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from console_factory import seed  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "correct horse battery staple"
FAST = {"argon2_time_cost": 1, "argon2_memory_kib": 8192}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn serving an ASGI app on 127.0.0.1 in a background thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def seeded_console(tmp: Path, **settings):
    """A SQLite console with the factory's posts and one user per role."""
    from tidewatch.store.console_repo import ConsoleRepo
    from tidewatch.store.repo import Store
    from tidewatch.web.app import create_app
    from tidewatch.web.settings import Settings

    store = Store.open(f"sqlite:///{tmp / 'tidewatch.db'}")
    repo = ConsoleRepo(store, clock=lambda: datetime.now(timezone.utc), **FAST)
    ids = seed(repo, tmp / "data", extra=60)
    for role, name in {"analyst": "ana", "supervisor": "sam", "admin": "ada", "auditor": "aud"}.items():
        repo.add_user(name, PASSWORD, role, "test")
    app = create_app(Settings(sync_on_start=False, **FAST, **settings), repo=repo)
    return app, repo, ids


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
