"""Fixtures for referral tests: fictional posts, settings, and real servers on 127.0.0.1
(an HTTP webhook receiver that verifies signatures and deduplicates by idempotency key, an SMTP
server, a page server for liveness checks). No mocks: the channels talk to these over sockets."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import orjson
import pytest

from tidewatch.ingest.schema import post_from_dict
from tidewatch.refer.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tidewatch.refer.notice import ConfirmedItem, CueNote, evidence_digest
from tidewatch.refer.settings import parse_settings

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
SECRET = "fictional-shared-secret-0001"

# Fictional posts: handles, numbers and links are invented (UK +44 7700 900xxx, FR +33 6 39 98 xx xx).
POSTS = [
    {"id": "501", "platform": "telegram", "url": "https://t.me/fictional_crossings/501", "lang": "en",
     "text": "Leaving tonight from the beach near Gravelines, last seats, calm sea. WhatsApp +44 7700 900123"},
    {"id": "502", "platform": "telegram", "url": "https://t.me/s/fictional_crossings/502", "lang": "ckb",
     "text": "بەلەم بۆ بەریتانیا، ئەمشەو دەڕۆین، منداڵ بێ پارە ☎ +44 7700 900456"},
    {"id": "10001", "platform": "facebook", "url": "https://www.facebook.com/groups/fict.travel.group/posts/10001",
     "lang": "ar", "text": "تهريب إلى إيطاليا، ضمان 100٪، خصم للمجموعات. واتساب +33 6 39 98 12 34"},
    {"id": "10002", "platform": "facebook", "url": "https://m.facebook.com/fict.page.routes/posts/10002", "lang": "fa",
     "text": "پاسپورت و اقامت آماده، بدون نوبت. تماس +964 750 000 0123"},
    {"id": "C1a2B3", "platform": "instagram", "url": "https://www.instagram.com/p/C1a2B3/", "lang": "sq",
     "text": "Kalim i sigurt për në Angli me kamion, garanci 100%. +44 7700 900789"},
    {"id": "7301", "platform": "tiktok", "url": "https://www.tiktok.com/@fict_travel_uk/video/7301", "lang": "vi",
     "text": "Đi Anh bằng xe tải, bao đậu, liên hệ +44 7700 900321"},
    {"id": "8801", "platform": "twitter", "url": "https://x.com/fict_routes/status/8801", "lang": "tr",
     "text": "Yunanistan'a bot ile geçiş, bu hafta sonu hareket, son yerler. +44 7700 900654"},
]

ITEMS = {
    "telegram:501": (("crossing_logistics", "smuggling_service"), (CueNote("leaving tonight", "departure", "leaving tonight", 2.0),
                                                                   CueNote("last seats", "departure", "last seats", 1.5))),
    "telegram:502": (("free_child_places", "smuggling_service"), (CueNote("منداڵ بێ پارە", "child_offer", "children free", 2.0),)),
    "facebook:10001": (("smuggling_service", "safe_passage_claim", "group_discount"), (CueNote("ضمان 100٪", "guarantee", "100% guarantee", 1.0),)),
    "facebook:10002": (("false_documents",), ()),
    "instagram:C1a2B3": (("smuggling_service", "safe_passage_claim"), (CueNote("garanci 100%", "guarantee", "100% guarantee", 1.0),)),
    "tiktok:7301": (("smuggling_service",), (CueNote("bao đậu", "guarantee", "guaranteed arrival", 1.0),)),
    "twitter:8801": (("smuggling_service", "crossing_logistics"), (CueNote("son yerler", "departure", "last places", 1.0),)),
}


def posts():
    return [post_from_dict(p) for p in POSTS]


def confirmed(post_list=None, **overrides) -> list[ConfirmedItem]:
    out = []
    for p in post_list or posts():
        cats, cues = ITEMS[p.id]
        out.append(ConfirmedItem(post_id=p.id, categories=cats, url=p.url, platform=p.platform, cues=cues,
                                 lang=p.lang, evidence_digest=evidence_digest(p.text), **overrides))
    return out


def make_settings(channels: dict[str, list[str]] | None = None, *, webhook_url: str | None = None,
                  smtp_port: int | None = None, email_to: tuple[str, ...] = ("abuse-desk@example.net",),
                  webhook_timeout: float = 2.0):
    plat: dict = {}
    env = {}
    for key, chans in (channels or {}).items():
        p: dict = {"channels": chans}
        if "webhook" in chans:
            p["webhook_url"] = webhook_url
            p["webhook_timeout"] = webhook_timeout
            env[f"TIDEWATCH_WEBHOOK_SECRET_{key.upper()}"] = SECRET
        if "email" in chans:
            p["email_to"] = list(email_to)
        plat[key] = p
    data = {"notifier": {"name": "Fictional Coastal Safety Unit", "email": "referrals@example.org",
                         "organisation": "Example NGO"},
            "platforms": plat}
    if smtp_port:
        data["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "sender": "referrals@example.org", "timeout": 5}
    return parse_settings(data, env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- webhook receiver -----------------------------------------------------------------------------------
@dataclass
class Receiver:
    """A platform's webhook endpoint: checks the signature, processes each idempotency key once.

    `plan(n)` decides the fate of the n-th request (1-based): "ok", "fail" (503, not processed),
    "slow" (processed, then the answer comes too late for the client), "reject" (400), "hold"
    (processed, then waits for `release` before answering).
    """

    secret: str = SECRET
    plan: Callable[[int], str] = lambda n: "ok"
    slow_seconds: float = 1.0
    requests: list[dict] = field(default_factory=list)
    processed: dict[str, int] = field(default_factory=dict)  # key -> times its effect was applied (must be 1)
    bodies: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: set = field(default_factory=set)
    overlaps: list[str] = field(default_factory=list)  # keys received while the same key was in flight
    release: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length", 0)))
        key = h.headers.get("Idempotency-Key", "")
        with self.lock:
            n = len(self.requests) + 1
            self.requests.append({"key": key, "attempt": h.headers.get("X-Tidewatch-Attempt"), "path": h.path})
            if key in self.in_flight:
                self.overlaps.append(key)
            self.in_flight.add(key)
        try:
            if not verify_signature(self.secret, body, h.headers.get(TIMESTAMP_HEADER), h.headers.get(SIGNATURE_HEADER)):
                return self._reply(h, 401, {"error": "bad signature"})
            fate = self.plan(n)
            if fate == "fail":
                return self._reply(h, 503, {"error": "try later"})
            if fate == "reject":
                return self._reply(h, 400, {"error": "unknown schema"})
            with self.lock:
                first = key not in self.processed
                if first:
                    self.processed[key] = 1
                    self.bodies[key] = orjson.loads(body)
            if fate == "slow":
                time.sleep(self.slow_seconds)
            if fate == "hold":
                self.held.set()
                self.release.wait(10)
            return self._reply(h, 201 if first else 200, {"duplicate": not first})
        finally:
            with self.lock:
                self.in_flight.discard(key)

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, code: int, obj: dict) -> None:
        data = orjson.dumps(obj)
        try:
            h.send_response(code)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def serve(handler_fn: Callable[[BaseHTTPRequestHandler], None]):
    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            handler_fn(self)

        do_GET = do_POST  # noqa: N815

        def log_message(self, *a):  # quiet
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    srv.block_on_close = False
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    return srv


@pytest.fixture
def receiver():
    r = Receiver()
    srv = serve(r.handle)
    r.url = f"http://127.0.0.1:{srv.server_address[1]}/hooks/tidewatch"
    yield r
    r.release.set()
    srv.shutdown()
    srv.server_close()


# -- SMTP ---------------------------------------------------------------------------------------------
class Mailbox:
    """aiosmtpd handler: keeps every message; `refuse` maps recipient -> SMTP reply; `data_replies`
    are replies to DATA, used in order (then 250)."""

    def __init__(self) -> None:
        self.messages = []
        self.refuse: dict[str, str] = {}
        self.data_replies: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    box.port = port
    yield box
    ctl.stop()


@pytest.fixture
def seeded(store):
    """The store with the fictional posts in it."""
    store.add_posts(posts())
    return store
