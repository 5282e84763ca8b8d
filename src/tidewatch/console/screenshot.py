"""Screenshots of public pages through headless Chromium, under the same address rules as the
web source (tidewatch.netguard).

Why a proxy: a browser follows redirects, loads images and frames from other hosts and resolves
names itself, so checking the first URL is not enough (a page can redirect to
http://169.254.169.254/ or load http://10.0.0.5/admin). Chromium is started with every request
sent to a small proxy in this process (`--proxy-server`, loopback included through
bypass list `<-loopback>`); the proxy vets each destination with `vet_url` and connects to
the vetted address itself (so DNS rebinding cannot swap it), refusing the rest with 403. Page
scripts are off. The Chromium binary is Debian's (`/usr/bin/chromium`); nothing is downloaded.
"""
from __future__ import annotations

import os
import select
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Sequence

from tidewatch.netguard import BlockedAddress, Resolver, vet_url

MAX_HEAD = 64 * 1024


@dataclass
class ProxyLog:
    allowed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, entry: str) -> None:
        with self.lock:
            (self.allowed if kind == "allowed" else self.blocked).append(entry)


def _read_head(sock: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(8192)
        if not chunk:
            return None
        data += chunk
        if len(data) > MAX_HEAD:
            return None
    return data


def _pump(a: socket.socket, b: socket.socket, deadline: float) -> None:
    socks = [a, b]
    while time.monotonic() < deadline:
        readable, _, _ = select.select(socks, [], [], 0.5)
        for s in readable:
            try:
                data = s.recv(65536)
            except OSError:
                return
            if not data:
                return
            (b if s is a else a).sendall(data)


class _Handler(socketserver.BaseRequestHandler):
    server: "_GuardServer"

    def _refuse(self, reason: str) -> None:
        body = reason.encode()
        self.request.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    def handle(self) -> None:
        srv = self.server
        self.request.settimeout(srv.timeout_s)
        try:
            head = _read_head(self.request)
            if not head:
                return
            header_bytes, _, rest = head.partition(b"\r\n\r\n")
            lines = header_bytes.decode("latin-1").split("\r\n")
            method, target, _version = (lines[0].split(" ") + ["", ""])[:3]
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                url = f"https://{host}:{port}/"
            else:
                url = target
            try:
                vetted = vet_url(url, srv.allow_private, resolver=srv.resolver)
            except BlockedAddress as e:
                srv.log.add("blocked", f"{target}: {e}")
                return self._refuse(str(e))
            upstream = socket.create_connection((vetted.addresses[0], vetted.port), timeout=srv.timeout_s)
            srv.log.add("allowed", target)
            with upstream:
                if method == "CONNECT":
                    self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    if rest:
                        upstream.sendall(rest)
                else:
                    path = vetted.url.raw_path.decode("ascii", "replace") or "/"
                    headers = [h for h in lines[1:] if h and not h.lower().startswith(("proxy-", "connection:",
                                                                                       "keep-alive:"))]
                    out = f"{method} {path} HTTP/1.1\r\n" + "".join(h + "\r\n" for h in headers) + \
                        "Connection: close\r\n\r\n"
                    upstream.sendall(out.encode("latin-1") + rest)
                _pump(self.request, upstream, time.monotonic() + srv.timeout_s)
        except (OSError, ValueError) as e:
            srv.log.add("blocked", f"connection error: {type(e).__name__}")


class _GuardServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, allow_private: bool, resolver: Resolver | None, timeout_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.allow_private = allow_private
        self.resolver = resolver
        self.timeout_s = timeout_s
        self.log = ProxyLog()


@dataclass(frozen=True, slots=True)
class Screenshot:
    png: bytes
    url: str
    final_url: str
    captured_at: str
    requests_allowed: tuple[str, ...]
    requests_blocked: tuple[str, ...]


class ScreenshotError(RuntimeError):
    pass


CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-extensions", "--mute-audio",
                 "--disable-features=DnsOverHttps,MediaRouter,OptimizationHints",
                 "--force-webrtc-ip-handling-policy=disable_non_proxied_udp")


def capture(url: str, *, allow_private: bool = False, chromium: str = "/usr/bin/chromium",
            resolver: Resolver | None = None, timeout_s: float = 30.0, width: int = 1280, height: int = 1600,
            extra_args: Sequence[str] = ()) -> Screenshot:
    """A PNG of `url` as a browser shows it, page scripts off. Raises BlockedAddress when the URL
    itself is refused, ScreenshotError when Chromium or Playwright is missing or the page fails.

    Playwright (the `screenshots` extra) drives the browser; it never downloads one: the
    executable is `chromium`."""
    vet_url(url, allow_private, resolver=resolver)  # refuse early, before starting a browser
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        raise ScreenshotError(f"Chromium not found at {chromium}")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ScreenshotError("screenshots need the Python package playwright (tidewatch[screenshots])") from None
    server = _GuardServer(allow_private, resolver, timeout_s)
    thread = threading.Thread(target=server.serve_forever, name="screenshot-proxy", daemon=True)
    thread.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, headless=True, args=[*CHROMIUM_ARGS, *extra_args],
                proxy={"server": f"http://127.0.0.1:{server.server_address[1]}", "bypass": "<-loopback>"})
            try:
                context = browser.new_context(java_script_enabled=False, service_workers="block",
                                              accept_downloads=False, viewport={"width": width, "height": height},
                                              ignore_https_errors=False)
                page = context.new_page()
                try:
                    page.goto(url, timeout=timeout_s * 1000, wait_until="load")
                except PlaywrightError as e:
                    raise ScreenshotError(f"the page did not load: {str(e).splitlines()[0][:300]}") from None
                png = page.screenshot(full_page=False, timeout=timeout_s * 1000)
                final_url = page.url
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return Screenshot(png, url, final_url, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                      tuple(server.log.allowed), tuple(server.log.blocked))
