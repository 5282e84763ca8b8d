"""Outbox and dispatcher: same-transaction writes, retries with backoff, dead letters, leases, crashes.

The platform is a real HTTP server on 127.0.0.1 that verifies signatures and applies each
idempotency key once; "delivered exactly once" is checked where it matters, at the receiver.
"""
from __future__ import annotations

import random
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tidewatch.refer.channels import ChannelSet
from tidewatch.refer.channels.pull import ReferralNotFound, acknowledge, list_for_platform
from tidewatch.refer.dispatch import Dispatcher, backoff_delay
from tidewatch.refer.notice import build_notices
from tidewatch.refer.outbox import create_referrals, dead_letters, idempotency_key, referred_post_ids, requeue
from tidewatch.refer.repo import load_referrals
from tidewatch.store.refer_models import DeliveryAttemptRow, OutboxRow, ReferralRow

from .conftest import NOW, SECRET, confirmed, make_settings

ALL = ("telegram", "facebook", "instagram", "tiktok", "x")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def queue(store, settings, now=NOW):
    res = build_notices(confirmed(), settings, now=now)
    with store.engine.begin() as conn:
        created = create_referrals(conn, res.notices, settings.registry, now=now)
    return res.notices, created


def outbox(engine):
    with engine.connect() as conn:
        return conn.execute(select(OutboxRow.__table__).order_by(OutboxRow.id)).all()


def attempts(engine):
    with engine.connect() as conn:
        return conn.execute(select(DeliveryAttemptRow.__table__).order_by(DeliveryAttemptRow.id)).all()


# -- outbox ---------------------------------------------------------------------------------------------
def test_referrals_are_written_in_the_callers_transaction(seeded):
    s = make_settings({k: ["webhook", "email"] for k in ALL}, webhook_url="https://fict-partner.example/hook")
    notices = build_notices(confirmed(), s, now=NOW).notices
    # the decision's transaction fails after the referral was written: nothing remains
    with pytest.raises(RuntimeError):
        with Session(seeded.engine) as session, session.begin():
            create_referrals(session, notices, s.registry, now=NOW)
            session.execute(text("SELECT 1"))  # ...the decision's own writes would be here
            raise RuntimeError("the decision failed to commit")
    with seeded.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ReferralRow)) == 0
    # committed: referral, items, drafted event and one outbox row per channel, together
    with Session(seeded.engine) as session, session.begin():
        created = create_referrals(session, notices, s.registry, now=NOW)
    assert all(c.new for c in created) and all(len(c.outbox_ids) == 2 for c in created)
    rows = outbox(seeded.engine)
    assert len(rows) == 2 * len(notices) and {r.state for r in rows} == {"pending"}
    assert {r.idempotency_key for r in rows} == {idempotency_key(n.reference, ch) for n in notices
                                                 for ch in ("webhook", "email")}
    # idempotent: the same notices again write nothing
    again = create_referrals(seeded.engine, notices, s.registry, now=NOW)
    assert not any(c.new for c in again) and len(outbox(seeded.engine)) == len(rows)
    with seeded.engine.connect() as conn:
        assert referred_post_ids(conn, ["telegram:501", "telegram:999"]) == {"telegram:501"}
        refs = load_referrals(conn)
    assert {r["status"] for r in refs} == {"drafted"}
    assert all([h["status"] for h in r["history"]] == ["drafted"] for r in refs)
    # not sent yet: invisible to the platforms
    with seeded.engine.begin() as conn:
        assert list_for_platform(conn, "telegram").referrals == []
        with pytest.raises(ReferralNotFound):
            acknowledge(conn, "telegram", notices[0].reference, now=NOW)


@pytest.mark.parametrize("attempt,expected_range", [(1, (5, 10)), (2, (10, 20)), (3, (20, 40)), (12, (1800, 3600))])
def test_backoff_is_exponential_with_jitter_and_capped(attempt, expected_range):
    rng = random.Random(7)
    values = [backoff_delay(attempt, 10, 3600, rng) for _ in range(200)]
    lo, hi = expected_range
    assert all(lo <= v <= hi for v in values)
    assert len({round(v, 6) for v in values}) > 150  # jittered, not in lockstep


# -- retries, dead letters -------------------------------------------------------------------------------
def test_retries_with_backoff_then_dead_letter_and_requeue(seeded, receiver):
    s = make_settings({k: ["webhook"] for k in ALL}, webhook_url=receiver.url)
    notices, _ = queue(seeded, s)
    receiver.plan = lambda n: "fail"  # the platform is down
    clock = Clock(NOW)
    d = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine), max_attempts=3, base_delay=60, max_delay=600,
                   clock=clock, rng=random.Random(1))
    first = d.run_once()
    assert (first.claimed, first.retried, first.delivered) == (len(notices), len(notices), 0)
    assert d.run_once().claimed == 0  # nothing is due before the backoff elapses
    for row in outbox(seeded.engine):
        wait = (row.next_attempt_at.replace(tzinfo=timezone.utc) - NOW).total_seconds()
        assert 30 <= wait <= 60 and row.attempts == 1 and row.claimed_until is None
    clock.advance(61)
    assert d.run_once().retried == len(notices)
    clock.advance(121)
    third = d.run_once()
    assert third.dead == len(notices)
    assert {r.state for r in outbox(seeded.engine)} == {"dead"}
    assert len(attempts(seeded.engine)) == 3 * len(notices)
    assert {a.outcome for a in attempts(seeded.engine)} == {"retry", "failed"}
    with seeded.engine.connect() as conn:
        dead = dead_letters(conn)
    assert len(dead) == len(notices) and "gave up after 3 attempt(s): HTTP 503" in dead[0]["last_error"]
    # a supervisor requeues one after the platform recovers: it goes out with the same key
    receiver.plan = lambda n: "ok"
    with seeded.engine.begin() as conn:
        assert requeue(conn, dead[0]["id"], now=clock(), actor="supervisor:fict")
        assert not requeue(conn, dead[0]["id"], now=clock(), actor="supervisor:fict")
    assert d.run_once().delivered == 1
    key = next(r.idempotency_key for r in outbox(seeded.engine) if r.id == dead[0]["id"])
    assert receiver.processed == {key: 1}


def test_permanent_failure_is_dead_lettered_at_once(seeded, receiver):
    s = make_settings({k: ["webhook"] for k in ALL}, webhook_url=receiver.url)
    notices, _ = queue(seeded, s)
    receiver.plan = lambda n: "reject"
    stats = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine), max_attempts=8, base_delay=0).run_once()
    assert stats.dead == stats.claimed == len(notices) and stats.retried == 0
    with seeded.engine.connect() as conn:
        assert all(d["last_error"].startswith("HTTP 400") for d in dead_letters(conn))


def test_missing_endpoint_is_retried_then_dead_lettered(seeded):
    from tidewatch.refer.settings import parse_settings

    s = parse_settings({"platforms": {k: {"channels": ["webhook"]} for k in ALL}})  # no URL, no secret
    notices, _ = queue(seeded, s)
    stats = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine), max_attempts=2, base_delay=0, max_delay=0).run_once()
    assert stats.dead == len(notices) and stats.claimed == 2 * len(notices)
    with seeded.engine.connect() as conn:
        tg = dead_letters(conn, "telegram")
    assert len(tg) == 2 and "no webhook URL and secret configured for telegram" in tg[0]["last_error"]


# -- crashes and leases ----------------------------------------------------------------------------------
class Crash(BaseException):
    """The process dies: not an error the dispatcher could handle."""


def test_crash_between_send_and_record_resends_with_the_same_key(seeded, receiver):
    s = make_settings({k: ["webhook"] for k in ALL}, webhook_url=receiver.url)
    notices, _ = queue(seeded, s)
    channels = ChannelSet(s, seeded.engine)

    def crash_after_send(platform, name):
        inner = channels(platform, name)

        class CrashingChannel:
            name = "webhook"

            def send(self, d):
                inner.send(d)  # the platform has it...
                raise Crash()  # ...and the process dies before recording that

        return CrashingChannel()

    clock = Clock(NOW)
    doomed = Dispatcher(seeded.engine, crash_after_send, lease=120, clock=clock, worker="doomed")
    with pytest.raises(Crash):
        doomed.run_once()
    (lost,) = [r for r in outbox(seeded.engine) if r.claimed_by == "doomed"]
    assert lost.state == "pending" and lost.attempts == 1
    survivor = Dispatcher(seeded.engine, channels, lease=120, base_delay=0, clock=clock, worker="survivor")
    # while the lease holds, the survivor leaves the row alone
    stats = survivor.run_once()
    assert stats.delivered == len(notices) - 1
    assert receiver.processed[lost.idempotency_key] == 1
    clock.advance(121)
    assert survivor.run_once().delivered == 1
    assert {r.state for r in outbox(seeded.engine)} == {"delivered"}
    keys = [q["key"] for q in receiver.requests]
    assert keys.count(lost.idempotency_key) == 2 and len(receiver.processed) == len(notices)
    assert all(n == 1 for n in receiver.processed.values())
    outcomes = [(a.worker, a.outcome) for a in attempts(seeded.engine) if a.outbox_id == lost.id]
    assert outcomes == [("doomed", "abandoned"), ("survivor", "delivered")]


def test_two_dispatchers_never_send_the_same_row(seeded, receiver):
    s = make_settings({k: ["webhook"] for k in ALL}, webhook_url=receiver.url)
    more = []
    for i in range(3):  # more rows than dispatchers, so they compete
        notices, _ = queue(seeded, s, now=NOW + timedelta(minutes=i))
        more += notices
    start = threading.Barrier(3)
    results = []

    def run(name):
        d = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine), worker=name, base_delay=0)
        start.wait()
        results.append(d.run_once())

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(r.delivered for r in results) == len(more)
    keys = [q["key"] for q in receiver.requests]
    assert len(keys) == len(set(keys)) == len(more)  # each row sent once: no two dispatchers held one row
    assert receiver.overlaps == []


def test_dispatcher_killed_mid_run_loses_nothing(seeded, receiver, db_url):
    s = make_settings({k: ["webhook"] for k in ALL}, webhook_url=receiver.url)
    notices, _ = queue(seeded, s)
    receiver.plan = lambda n: "hold" if n == 3 else "ok"  # the 3rd request hangs after being applied
    worker = Path(__file__).with_name("dispatch_worker.py")
    proc = subprocess.Popen([sys.executable, str(worker), db_url, receiver.url, SECRET, "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert receiver.held.wait(30), proc.stderr.read().decode() if proc.poll() is not None else "no request held"
        proc.kill()  # SIGKILL: sent, not recorded
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        receiver.release.set()
    rows = outbox(seeded.engine)
    assert sum(r.state == "delivered" for r in rows) == 2
    (stuck,) = [r for r in rows if r.state == "pending" and r.claimed_by == "doomed-worker"]
    receiver.plan = lambda n: "ok"
    later = Clock(datetime.now(timezone.utc) + timedelta(seconds=61))  # the dead worker's lease has run out
    stats = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine), clock=later, base_delay=0).run_once()
    assert stats.delivered == len(notices) - 2
    assert {r.state for r in outbox(seeded.engine)} == {"delivered"}
    assert sorted(receiver.processed) == sorted(r.idempotency_key for r in rows)
    assert all(n == 1 for n in receiver.processed.values())
    assert [q["key"] for q in receiver.requests].count(stuck.idempotency_key) == 2
    assert any(a.outcome == "abandoned" and a.worker == "doomed-worker" for a in attempts(seeded.engine))
    with seeded.engine.connect() as conn:
        assert {r["status"] for r in load_referrals(conn)} == {"sent"}


def test_background_loop_delivers_until_stopped(seeded):
    """What `tidewatch dispatch` (and a worker inside `serve`) runs: poll, deliver, stop on request."""
    s = make_settings({k: ["pull"] for k in ALL})
    notices, _ = queue(seeded, s)
    stop = threading.Event()
    d = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine))
    result = []
    t = threading.Thread(target=lambda: result.append(d.run(stop, poll=0.02)))
    t.start()
    more, _ = queue(seeded, s, now=NOW + timedelta(minutes=5))  # queued while the loop runs
    deadline = datetime.now() + timedelta(seconds=10)
    while {r.state for r in outbox(seeded.engine)} != {"delivered"} and datetime.now() < deadline:
        stop.wait(0.02)
    stop.set()
    t.join(5)
    assert not t.is_alive() and result[0].delivered == len(notices) + len(more)
