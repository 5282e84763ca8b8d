"""Fixtures for the ingest tests: a real threaded HTTP server on 127.0.0.1, sample texts, helpers."""
from __future__ import annotations

import json
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable

import pytest

# Real-looking posts in several scripts (fictional numbers and handles only).
TEXTS = [
    "Boat to UK this week, 2000€ per person, kids free. WhatsApp +44 7700 900123",
    "بەلەم بۆ بەریتانیا، ٢٠٠٠ یۆرۆ، پەیوەندی بکە +964 750 000 0123",
    "Rêwîtiya ewle ber bi Almanyayê, telefon +33 6 39 98 00 11",
    "قاچاق نیست، سفر امن به اروپا با پاسپورت، تماس @safe_road_fake",
    "Chuyến đi an toàn sang Anh, giá 15.000 USD, liên hệ +44 7700 900456",
    "Yunanistan'a güvenli geçiş, çocuklar ücretsiz, +44 7700 900789",
    "Le bateau part jeudi de Calais, 1500 € par personne, appelez +33 6 39 98 12 34",
    "Rescue hotline for boats in distress in the Mediterranean: call the coastguard.",
]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True
    delay: float = 0.0  # before the response
    trickle: float = 0.0  # between chunks of the body
    chunk: int = 1 << 16


class LocalServer:
    """A threaded http.server on 127.0.0.1 serving fixed routes and recording every request."""

    def __init__(self, tls=None) -> None:
        """`tls`: an ssl.SSLContext (server side) to serve HTTPS; the SNI names seen go to `sni`."""
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.sni: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path, Route(404, b"<html><body>not found</body></html>"))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    if route.content_type:
                        self.send_header("Content-Type", route.content_type)
                    if route.send_length:
                        self.send_header("Content-Length", str(len(route.body)))
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    for i in range(0, len(route.body), route.chunk):
                        self.wfile.write(route.body[i:i + route.chunk])
                        if route.trickle:
                            self.wfile.flush()
                            time.sleep(route.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.sni.append(name)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def __enter__(self) -> "LocalServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def article(title: str, paragraphs: Iterable[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>" + title + "</title></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/about'>About</a></nav>"
        "<article><h1>" + title + "</h1>" + body + "</article>"
        "<footer>© 2024 Example</footer></body></html>"
    ).encode("utf-8")


def write_jsonl(path: Path, rows: Iterable[dict], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(encoding))
    return path


def telegram_export(folder: Path, messages: list, *, channel_id: int = 1234567890,
                    name: str = "Safe Road Travel", extra: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"name": name, "type": "public_channel", "id": channel_id, **(extra or {}), "messages": messages}
    path = folder / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def tg_message(mid: int, text, **more) -> dict:
    msg = {"id": mid, "type": "message", "date": "2024-03-01T12:00:00",
           "date_unixtime": str(1709294400 + mid), "from": "Safe Road Travel",
           "from_id": "channel1234567890", "text": text}
    msg.update(more)
    return msg


# Peak memory does not grow with the file (measured: ~70 KB for CSV, ~360 KB for Telegram at 2k, 10k
# and 20k records), so 10k records (files of 3-7 MB) show it while tracemalloc keeps the tests quick.
MEMORY_ROWS = 10_000


def peak_memory(consume: Callable[[], int]) -> tuple[int, int]:
    """(tracemalloc peak in bytes, consume's result) while running `consume`.

    `consume` runs once untraced first, so one-off lazy imports and caches are not counted."""
    consume()
    tracemalloc.start()
    try:
        result = consume()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def drain(items) -> int:
    n = 0
    for _ in items:
        n += 1
    return n


@pytest.fixture(scope="session")
def helpers():
    """The helper functions above, as a fixture (test modules here do not import each other)."""
    from types import SimpleNamespace

    return SimpleNamespace(TEXTS=TEXTS, Route=Route, LocalServer=LocalServer, article=article,
                           write_jsonl=write_jsonl, telegram_export=telegram_export, tg_message=tg_message,
                           peak_memory=peak_memory, drain=drain, MEMORY_ROWS=MEMORY_ROWS)
