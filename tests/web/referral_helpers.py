"""Helpers for the referral and partner tests of the console: referral settings, a platform's real
webhook endpoint and a real SMTP server on 127.0.0.1, and a small world (seeded console, users,
confirmed and referred items, partner keys and portal accounts). Fictional data only."""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

from console_helpers import PASSWORD
from tidewatch.refer.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tidewatch.refer.settings import parse_settings
from tidewatch.store.partner_repo import add_key, add_partner_user

SECRET = "fictional-webhook-secret-0042"


def refer_settings(channels: dict[str, list[str]] | None = None, *, webhook_url: str | None = None,
                   smtp_port: int | None = None, email_to=("abuse-desk@example.net",)):
    """Referral settings for tests: every platform on `pull` unless `channels` says otherwise."""
    plat, env = {}, {}
    for key, chans in (channels or {}).items():
        p: dict = {"channels": chans}
        if "webhook" in chans:
            p["webhook_url"] = webhook_url
            p["webhook_timeout"] = 2.0
            env[f"TIDEWATCH_WEBHOOK_SECRET_{key.upper()}"] = SECRET
        if "email" in chans:
            p["email_to"] = list(email_to)
        plat[key] = p
    data = {"notifier": {"name": "Fictional Coastal Safety Unit", "email": "referrals@example.org"},
            "platforms": plat, "dispatch": {"max_attempts": 5, "base_delay": 0, "max_delay": 0}}
    if smtp_port:
        data["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "sender": "referrals@example.org", "timeout": 5}
    return parse_settings(data, env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Webhook:
    """A platform's webhook endpoint on loopback: verifies the HMAC signature, keeps one body per
    idempotency key."""

    bodies: dict[str, dict] = field(default_factory=dict)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    server: ThreadingHTTPServer | None = None

    def start(self) -> "Webhook":
        hook = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = verify_signature(SECRET, body, self.headers.get(TIMESTAMP_HEADER), self.headers.get(SIGNATURE_HEADER))
                with hook.lock:
                    if ok:
                        hook.bodies.setdefault(self.headers.get("Idempotency-Key", ""), orjson.loads(body))
                    else:
                        hook.bad_signatures += 1
                self.send_response(201 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tidewatch/notices"
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class Mailbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


def start_smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    box.port = port
    return box, ctl


def confirm(repo, item_id: int, username: str = "ana", categories=("smuggling_service",)) -> int:
    """Confirm an item as an analyst would (evidence is captured); returns the evidence id."""
    return repo.decide(item_id, repo.get_user(username), "confirm", list(categories)).evidence_id


def make_available(repo, reference: str) -> None:
    """What the dispatcher does for the pull channel, without running it."""
    from tidewatch.refer.channels.pull import make_available as avail

    with repo.engine.begin() as conn:
        avail(conn, [reference], now=repo.now())


def partners(repo, settings, platforms=("telegram", "facebook")) -> dict[str, dict]:
    """An API key and a portal account for each platform: {platform: {"key", "username"}}."""
    out = {}
    for p in platforms:
        _k, key = add_key(repo, p, "test", platforms=settings.registry.platforms)
        add_partner_user(repo, f"staff-{p}", PASSWORD, p, "test", platforms=settings.registry.platforms)
        out[p] = {"key": key, "username": f"staff-{p}"}
    return out


def referral_world(repo, folder, settings=None):
    """A seeded console with role users, an app using `settings`, and the ids of the seeded items.
    Referable items: arabic_tonight (Telegram, t.me link) and sorani (Facebook, by the post's platform)."""
    from types import SimpleNamespace

    from console_factory import seed
    from console_helpers import add_role_users, make_app

    ids = seed(repo, folder)
    add_role_users(repo)
    settings = settings or refer_settings()
    app = make_app(repo)
    app.state.refer_settings = settings
    return SimpleNamespace(repo=repo, ids=ids, app=app, settings=settings)


def table_counts(engine) -> dict[str, int]:
    """Row counts of every table a referral or an answer touches (to show that nothing changed)."""
    from sqlalchemy import func, select

    from tidewatch.store.console_models import AuditEventRow, DecisionRow
    from tidewatch.store.refer_models import (OutboxRow, ReferralAnswerRow, ReferralEventRow, ReferralItemRow,
                                              ReferralRow)

    with engine.connect() as conn:
        out = {t.__tablename__: conn.scalar(select(func.count()).select_from(t))
               for t in (ReferralRow, ReferralItemRow, ReferralEventRow, ReferralAnswerRow, OutboxRow, DecisionRow,
                         AuditEventRow)}
        out["referral_versions"] = conn.scalar(select(func.coalesce(func.sum(ReferralRow.version), 0)))
    return out
