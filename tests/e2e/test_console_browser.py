"""The analyst's day in a real browser: log in, filter the queue, open an item, reveal an image,
confirm it, see the evidence and the audit event; hostile posts run no script."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_helpers import ServerThread, log_in, seeded_console, shot

pytestmark = [pytest.mark.slow, pytest.mark.network]  # a browser and servers on loopback



@pytest.fixture(scope="module")
def console(tmp_path_factory):
    app, repo, ids = seeded_console(tmp_path_factory.mktemp("console"))
    with ServerThread(app) as server:
        yield server.url, repo, ids


def test_analyst_confirms_an_item_and_the_auditor_sees_it(page, console):
    base, repo, ids = console
    log_in(page, base, "ana")
    assert page.url == f"{base}/queue"
    assert page.locator("text=items match").count() == 1
    shot(page, "01-queue")

    page.select_option("select[name=platform]", "facebook")  # HTMX swaps the results in place
    page.wait_for_url(re.compile(r"platform=facebook"))
    expect(page.locator("#results .total")).to_contain_text("22 items match")  # 2 adverts + 20 generated
    platforms = page.locator("#results tbody tr td:nth-child(5)").all_inner_texts()
    assert platforms and set(platforms) == {"facebook"}
    shot(page, "02-queue-filtered")

    page.click(f"a[href='/items/{ids['sorani']}']")
    page.wait_for_url(f"{base}/items/{ids['sorani']}")
    img = page.locator("figure.media img")
    img.wait_for()
    expect(img).to_have_js_property("complete", True)
    assert "blur" in img.evaluate("e => getComputedStyle(e).filter") and "grayscale" in img.evaluate(
        "e => getComputedStyle(e).filter")
    assert img.evaluate("e => e.naturalWidth") == 4  # the real image loaded, blurred
    mark = page.locator("mark.cue").first
    assert mark.get_attribute("title") == "transport: boat"
    shot(page, "03-item-blurred")

    page.click("text=Reveal image")
    expect(img).to_have_css("filter", "none")  # after the short transition
    assert page.locator("[data-reveal]").inner_text() == "Hide image"
    shot(page, "04-item-revealed")

    assert page.locator("#confirm-form input[value=smuggling_service]").is_checked()
    page.check("#confirm-form input[value=crossing_logistics]")
    page.fill("#confirm-form textarea[name=note]", "Same phone as the network's other advert.")
    page.click("text=Confirm as smuggling")
    page.wait_for_url(re.compile(r"#evidence$"))
    assert "Confirmed as smuggling. Evidence captured." in page.locator(".flash").inner_text()
    shot(page, "05-confirmed")

    page.click("#evidence a")
    page.wait_for_url(re.compile(r"/evidence/\d+$"))
    files = page.locator("table.files").inner_text()
    for name in ("record.json", "post.json", "text.txt", "media/01.png", "decision.json"):
        assert name in files
    assert re.search(r"[0-9a-f]{64}", files)
    shot(page, "06-evidence")

    page.click("text=Log out")
    page.wait_for_url(f"{base}/login")
    log_in(page, base, "aud")
    assert page.url == f"{base}/audit"
    page.fill("input[name=subject]", f"item:{ids['sorani']}")
    page.click("text=Filter events")
    events = page.locator("table.events").inner_text()
    assert "decision.confirm" in events and "crossing_logistics" in events and "ana" in events
    shot(page, "07-audit")
    page.click("text=Verify the chain")
    assert "The chain is intact" in page.locator(".flash").inner_text()
    assert page.dialogs == [] and page.errors == []


@pytest.mark.parametrize("name", ["script", "rtl", "huge"])
def test_hostile_posts_are_inert_in_the_browser(page, console, name):
    base, repo, ids = console
    log_in(page, base, "sam")
    page.goto(f"{base}/items/{ids[name]}")
    page.wait_for_load_state("load")
    text = page.locator("#post-text")
    assert text.evaluate("e => e.querySelectorAll('script, img, a, svg, iframe').length") == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    if name == "script":
        assert "<script>alert('xss')</script>" in text.inner_text()  # readable as written
        assert page.locator("dd.url a").count() == 0  # javascript: is not a link
    if name == "rtl":
        assert "[RLO]" in text.inner_text() and "\u202e" not in text.inner_text()
    if name == "huge":
        assert "END-OF-HUGE-TEXT" in text.inner_text()
        assert text.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # wraps, no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, f"10-hostile-{name}")
    page.goto(f"{base}/queue?status=all")
    assert page.dialogs == [] and page.errors == []
