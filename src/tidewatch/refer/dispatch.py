"""The dispatcher: sends what the outbox holds, with retries, and records every attempt.

Why it is built this way:
- **Claim with a lease.** A row is claimed by one atomic UPDATE that sets `claimed_until` (now + lease)
  on the most urgent due row nobody holds; on PostgreSQL the inner SELECT takes `FOR UPDATE SKIP LOCKED`,
  on SQLite the single UPDATE statement runs under the database write lock. Two dispatchers therefore
  never hold the same row at the same time, and a dispatcher that dies simply lets its lease run out.
- **Record the attempt before sending.** The claim transaction also writes the attempt row
  (`in_flight`). If the process dies after sending and before recording the outcome, the next claim
  marks that attempt `abandoned` and sends again *with the same idempotency key*: the platform gets a
  duplicate it can recognise, never a lost notice. (Exactly-once delivery is impossible over a
  network; at-least-once plus an idempotency key is exactly-once in effect.)
- **Retry with exponential backoff and jitter.** Retryable failures wait base * 2^(attempt-1), capped,
  half of it randomised so that many failed deliveries don't retry in lockstep; a `Retry-After` from
  the platform is honoured. After `max_attempts`, or at once for a permanent failure, the row goes to
  the dead-letter list (`tidewatch.refer.outbox.dead_letters`).

Time comes from an injectable clock, randomness from an injectable `random.Random`, and channels from
an injectable resolver, so tests drive every path deterministically against real servers.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import Engine, and_, or_, select, update

from tidewatch.refer.channels.base import Channel, Delivery, DeliveryError, Receipt
from tidewatch.refer.status import mark_sent
from tidewatch.store.refer_models import DeliveryAttemptRow, OutboxRow, ReferralRow

log = logging.getLogger(__name__)

ChannelResolver = Callable[[str, str], Channel]


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): "equal jitter" backoff."""
    exp = min(cap, base * (2 ** max(0, attempt - 1)))
    return exp / 2 + rng.random() * exp / 2


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 100000}"


@dataclass
class DispatchStats:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


class Dispatcher:
    def __init__(self, engine: Engine, channels: ChannelResolver, *, max_attempts: int = 8,
                 base_delay: float = 30.0, max_delay: float = 3600.0, lease: float = 300.0,
                 worker: str | None = None, clock: Callable[[], datetime] | None = None,
                 rng: random.Random | None = None) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.engine = engine
        self.channels = channels
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease = timedelta(seconds=lease)
        self.worker = (worker or default_worker_id())[:80]
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.rng = rng or random.Random()

    # -- claim ------------------------------------------------------------------------------------------
    def claim(self) -> Delivery | None:
        """Reserve the most urgent due delivery for this worker, or None when nothing is due."""
        now = self.clock()
        o = OutboxRow
        free = and_(o.state == "pending", o.next_attempt_at <= now,
                    or_(o.claimed_until.is_(None), o.claimed_until < now))
        pick = select(o.id).where(free).order_by(o.priority, o.next_attempt_at, o.id).limit(1)
        if self.engine.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (update(o).where(o.id == pick.scalar_subquery()).where(free)
                .values(claimed_until=now + self.lease, claimed_by=self.worker, attempts=o.attempts + 1)
                .returning(o.id, o.referral_id, o.channel, o.idempotency_key, o.attempts))
        with self.engine.begin() as conn:
            row = conn.execute(stmt).first()
            if row is None:
                return None
            oid, rid, channel, key, attempt = row
            conn.execute(update(DeliveryAttemptRow)
                         .where(DeliveryAttemptRow.outbox_id == oid, DeliveryAttemptRow.outcome == "in_flight")
                         .values(outcome="abandoned", finished_at=now,
                                 detail="the dispatcher stopped before recording the outcome; resent"))
            conn.execute(DeliveryAttemptRow.__table__.insert(), [{
                "outbox_id": oid, "attempt": attempt, "worker": self.worker, "started_at": now,
                "outcome": "in_flight"}])
            ref, platform, notice = conn.execute(
                select(ReferralRow.reference, ReferralRow.platform, ReferralRow.notice)
                .where(ReferralRow.id == rid)).one()
        return Delivery(outbox_id=oid, referral_id=rid, reference=ref, platform=platform, channel=channel,
                        idempotency_key=key, attempt=attempt, notice=notice)

    # -- send and record ----------------------------------------------------------------------------------
    def deliver(self, d: Delivery) -> str:
        """Send one claimed delivery and record the outcome: 'delivered', 'retry' or 'dead'."""
        try:
            receipt = self.channels(d.platform, d.channel).send(d)
        except DeliveryError as e:
            return self._failed(d, e)
        except Exception as e:  # noqa: BLE001 - a bug in a channel must not stop the other deliveries
            log.exception("channel %s raised", d.channel)
            return self._failed(d, DeliveryError(f"{type(e).__name__}: {e}"))
        self._delivered(d, receipt)
        return "delivered"

    def _delivered(self, d: Delivery, receipt: Receipt) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            self._finish_attempt(conn, d, now, "delivered", receipt.status_code, receipt.detail)
            res = conn.execute(update(OutboxRow).where(OutboxRow.id == d.outbox_id, OutboxRow.state == "pending")
                               .values(state="delivered", delivered_at=now, claimed_until=None, last_error=None))
            if res.rowcount:
                mark_sent(conn, d.referral_id, now, f"dispatcher:{self.worker}"[:80], f"delivered by {d.channel}")

    def _failed(self, d: Delivery, e: DeliveryError) -> str:
        now = self.clock()
        dead = (not e.retryable) or d.attempt >= self.max_attempts
        detail = str(e)[:1000]
        with self.engine.begin() as conn:
            self._finish_attempt(conn, d, now, "failed" if dead else "retry", e.status_code, detail)
            if dead:
                why = detail if not e.retryable else f"gave up after {d.attempt} attempt(s): {detail}"
                conn.execute(update(OutboxRow).where(OutboxRow.id == d.outbox_id, OutboxRow.state == "pending")
                             .values(state="dead", dead_at=now, claimed_until=None, last_error=why[:1000]))
                return "dead"
            delay = backoff_delay(d.attempt, self.base_delay, self.max_delay, self.rng)
            if e.retry_after is not None:
                delay = min(self.max_delay, max(delay, e.retry_after))
            conn.execute(update(OutboxRow).where(OutboxRow.id == d.outbox_id, OutboxRow.state == "pending")
                         .values(next_attempt_at=now + timedelta(seconds=delay), claimed_until=None,
                                 last_error=detail))
        return "retry"

    def _finish_attempt(self, conn, d: Delivery, now: datetime, outcome: str, code: int | None, detail: str) -> None:
        conn.execute(update(DeliveryAttemptRow)
                     .where(DeliveryAttemptRow.outbox_id == d.outbox_id, DeliveryAttemptRow.attempt == d.attempt,
                            DeliveryAttemptRow.worker == self.worker, DeliveryAttemptRow.outcome == "in_flight")
                     .values(outcome=outcome, finished_at=now, status_code=code, detail=detail[:1000]))

    # -- loops ----------------------------------------------------------------------------------------
    def run_once(self, limit: int | None = None) -> DispatchStats:
        """Deliver until nothing is due right now (or `limit` claims were made)."""
        stats = DispatchStats()
        while limit is None or stats.claimed < limit:
            d = self.claim()
            if d is None:
                break
            stats.claimed += 1
            outcome = self.deliver(d)
            if outcome == "delivered":
                stats.delivered += 1
            elif outcome == "retry":
                stats.retried += 1
            else:
                stats.dead += 1
        return stats

    def run(self, stop: threading.Event, poll: float = 5.0) -> DispatchStats:
        """Deliver until `stop` is set, sleeping `poll` seconds whenever nothing is due."""
        total = DispatchStats()
        while not stop.is_set():
            s = self.run_once(limit=100)
            total.claimed += s.claimed
            total.delivered += s.delivered
            total.retried += s.retried
            total.dead += s.dead
            if s.claimed == 0:
                stop.wait(poll)
        return total


def outbox_counts(engine: Engine) -> dict[str, int]:
    from sqlalchemy import func

    with engine.connect() as conn:
        rows = conn.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state)).all()
    return {s: n for s, n in rows}
