"""The network pages in a real browser: the list, a network's graph drawn by the vendored
Cytoscape.js on a canvas (with nodes), the node finder and details panel, the way back and forth
to item pages; hostile handles and texts run no script and break no CSP rule."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from browser_helpers import FAST, PASSWORD, ServerThread, log_in, shot
from test_networks import HOSTILE_HANDLE, seed_networks  # tests/web is on sys.path (browser_helpers)

pytestmark = [pytest.mark.slow, pytest.mark.network]  # a browser and a server on loopback


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    from tidewatch.store.console_repo import ConsoleRepo
    from tidewatch.store.repo import Store
    from tidewatch.web.app import create_app
    from tidewatch.web.settings import Settings

    tmp = tmp_path_factory.mktemp("networks")
    store = Store.open(f"sqlite:///{tmp / 'tidewatch.db'}")
    repo = ConsoleRepo(store, clock=lambda: datetime.now(timezone.utc), **FAST)
    ids = seed_networks(repo)
    repo.add_user("ana", PASSWORD, "analyst", "test")
    app = create_app(Settings(sync_on_start=False, **FAST), repo=repo)
    with ServerThread(app) as server:
        yield server.url, ids
    store.close()


def _watch_console(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type in ("error", "warning") else None)
    return messages


def _wait_for_graph(page) -> int:
    graph = page.locator("#graph")
    expect(graph).to_have_attribute("data-rendered", re.compile(r"^\d+$"), timeout=15_000)
    return int(graph.get_attribute("data-rendered"))


def _painted_pixels(page) -> int:
    """Non-transparent pixels over Cytoscape's canvases: the nodes were drawn."""
    return page.evaluate("""() => {
        let n = 0;
        for (const c of document.querySelectorAll('#graph canvas')) {
            if (!c.width || !c.height) continue;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        }
        return n;
    }""")


def test_analyst_opens_a_network_and_sees_its_graph(page, console):
    base, ids = console
    messages = _watch_console(page)
    log_in(page, base, "ana")
    page.click("nav >> text=Networks")
    page.wait_for_url(f"{base}/networks")
    expect(page.locator(".total")).to_contain_text("2 networks match")
    shot(page, "networks-01-list")

    page.click(f"a[href='/networks/{ids['kurdish']}']")
    page.wait_for_url(f"{base}/networks/{ids['kurdish']}")
    nodes = _wait_for_graph(page)
    assert nodes >= 7 + 3 + 1  # posts, accounts, the shared phone (and the template)
    assert page.locator("#graph canvas").count() >= 1
    assert _painted_pixels(page) > 500
    expect(page.locator("#graph-status")).to_contain_text(f"{nodes} nodes")

    finder = page.locator("#graph-find")
    expect(finder).to_be_enabled()
    option = finder.locator("option", has_text="Account: @rega_uk").first
    finder.select_option(value=option.get_attribute("value"))
    details = page.locator("#graph-details")
    expect(details).to_contain_text("Account")
    expect(details).to_contain_text("removed")
    assert page.locator(".timeline rect").count() == 7
    shot(page, "networks-02-graph")

    post_option = finder.locator("option", has_text="Post: facebook 2026-02-14").first
    finder.select_option(value=post_option.get_attribute("value"))
    page.click("#graph-details a")  # "Open item ..."
    page.wait_for_url(re.compile(r"/items/\d+$"))
    link = page.locator(f".networks-of-post a[href='/networks/{ids['kurdish']}']")
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(f"{base}/networks/{ids['kurdish']}")
    _wait_for_graph(page)
    assert page.dialogs == [] and page.errors == []
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m], messages


def test_hostile_network_renders_inert(page, console):
    base, ids = console
    messages = _watch_console(page)
    log_in(page, base, "ana")
    page.goto(f"{base}/networks/{ids['hostile']}")
    assert _wait_for_graph(page) >= 4
    assert _painted_pixels(page) > 100
    finder = page.locator("#graph-find")
    option = finder.locator("option", has_text="onerror").first
    assert HOSTILE_HANDLE in option.inner_text()  # the handle as written, as text
    finder.select_option(value=option.get_attribute("value"))
    details = page.locator("#graph-details")
    expect(details).to_contain_text("onerror=alert(2)")
    assert details.locator("img, script").count() == 0
    page.locator("#graph-details").scroll_into_view_if_needed()
    shot(page, "networks-03-hostile")
    assert page.locator("text=[RLO]").count() >= 1
    assert page.dialogs == [] and page.errors == []
    assert page.evaluate("() => document.querySelectorAll('img[src=x], main script').length") == 0
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m], messages
