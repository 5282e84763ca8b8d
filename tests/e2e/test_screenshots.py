"""Screenshots of public pages through headless Chromium obey the address rules (tidewatch.netguard):
the first URL is vetted before a browser starts, and every request the page makes (images,
redirects) goes through a guard that refuses internal addresses such as cloud metadata."""
from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from browser_helpers import ServerThread, log_in, seeded_console, shot
from console_factory import png
from tidewatch.console.screenshot import capture
from tidewatch.netguard import BlockedAddress

pytestmark = [pytest.mark.slow, pytest.mark.network]  # a browser and servers on loopback


PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>advert</title></head>"
        "<body style='background:#fde68a'><h1>Boat to Italy tonight · رحلة الليلة</h1>"
        "<img src='/ok.png' width='40' height='30'>"
        "<img src='http://169.254.169.254/latest/meta-data/iam'></body></html>")


class _Site(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).seen.append(self.path)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        body, ctype = ((png(), "image/png") if self.path == "/ok.png" else (PAGE.encode(), "text/html; charset=utf-8"))
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(chromium_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_internal_addresses_are_refused_before_any_browser_starts(site):
    for url in (f"{site}/page.html", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd",
                "http://2130706433/", "javascript:alert(1)"):
        with pytest.raises(BlockedAddress):
            capture(url)


def test_every_request_of_the_page_goes_through_the_guard(site, chromium_path):
    _Site.seen.clear()
    shot_ = capture(f"{site}/page.html", allow_private=True, chromium=chromium_path)
    assert shot_.png.startswith(b"\x89PNG") and len(shot_.png) > 1000
    assert {"/page.html", "/ok.png"} <= set(_Site.seen)
    assert any("169.254.169.254" in b and "metadata" in b for b in shot_.requests_blocked)
    assert not any("169.254.169.254" in a for a in shot_.requests_allowed)


def test_a_redirect_to_an_internal_address_is_refused(site, chromium_path):
    result = capture(f"{site}/redirect", allow_private=True, chromium=chromium_path)
    # the browser follows the redirect, the guard answers 403 instead of connecting
    assert any(b.startswith("http://169.254.169.254/latest/meta-data/: refused") for b in result.requests_blocked)
    assert not any("169.254.169.254" in a for a in result.requests_allowed)


def test_screenshot_button_adds_a_file_to_the_evidence(page, site, tmp_path):
    from tidewatch.ingest.schema import post_from_dict
    from tidewatch.records import Detection

    app, repo, _ids = seeded_console(tmp_path, screenshots=True, screenshot_allow_private=True)
    p = post_from_dict({"id": "w1", "platform": "web", "url": f"{site}/page.html", "text": "Boat to Italy tonight"})
    repo.store.add_posts([p])
    repo.store.save_results([Detection(p.id, 0.9, 1, ("smuggling_service",))], {})
    repo.sync_queue()
    ev = repo.decide(repo.item_id_for_post(p.id), repo.get_user("ana"), "confirm", ["smuggling_service"]).evidence_id
    with ServerThread(app) as server:
        log_in(page, server.url, "ana")
        page.goto(f"{server.url}/evidence/{ev}")
        page.click("text=Capture screenshot of the public page")
        page.wait_for_url(f"{server.url}/evidence/{ev}")
        assert "Screenshot captured." in page.locator(".flash").inner_text()
        files = page.locator("table.files").inner_text()
        assert "screenshot.png" in files and re.search(r"refused by the address rules", files)
        shot(page, "20-evidence-screenshot")
    assert [e["action"] for e in repo.audit_events(subject=f"evidence:{ev}")][0] == "evidence.add_file"
