"""Browser tests: the console served by uvicorn on 127.0.0.1 (a free port, in a thread), driven by
Playwright through Debian's Chromium (/usr/bin/chromium; never `playwright install`).
Screenshots go to test-artifacts/e2e/ (gitignored)."""
from __future__ import annotations

import os

import pytest

from browser_helpers import ARGS, CHROMIUM


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required for the browser tests (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile; dialogs (alert, confirm) and script errors are recorded, not shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    p = context.new_page()
    p.dialogs, p.errors = [], []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    yield p
    context.close()
