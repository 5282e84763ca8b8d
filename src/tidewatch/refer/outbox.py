"""The outbox: referrals and their pending deliveries, written in the caller's transaction.

Why it exists: "the analyst confirmed it" and "a notice will go out" must be one fact. If the decision
were committed and the process died before the notice was queued, the item would never be referred;
if the notice were sent before the decision committed, a rolled-back decision would still reach the
platform. So `create_referrals` only *writes rows* (the referral, its items, its `drafted` event and
one outbox row per channel) using the caller's connection or session, inside the caller's transaction.
Nothing is sent here; `tidewatch.refer.dispatch` sends what the outbox holds, after commit.

Each outbox row carries an idempotency key derived from the reference and channel: every resend of
that delivery, by any dispatcher, after any crash, carries the same key, so the platform can drop
duplicates.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import Session

from tidewatch.refer.notice import Notice
from tidewatch.refer.registry import Registry
from tidewatch.refer.status import add_event, connection
from tidewatch.store.refer_models import OutboxRow, ReferralItemRow, ReferralRow


@dataclass(frozen=True, slots=True)
class Created:
    reference: str
    referral_id: int
    outbox_ids: tuple[int, ...]
    new: bool  # False: the same notice (same reference) was already stored; nothing was written


def idempotency_key(reference: str, channel: str) -> str:
    """The key every delivery of `reference` through `channel` carries (stable across resends)."""
    return "tw-" + hashlib.sha256(f"{reference}\x1f{channel}".encode("utf-8")).hexdigest()[:40]


def create_referrals(conn_or_session: Connection | Session | Engine, notices: Iterable[Notice],
                     registry: Registry, *, now: datetime, actor: str = "system",
                     channels: Sequence[str] | None = None) -> list[Created]:
    """Store `notices` as drafted referrals with one outbox row per channel of their platform.

    Use the connection/session of the transaction that records the decision; with an Engine a
    transaction of its own is opened. `channels` overrides the platform's configured channels.
    Idempotent on the reference: storing the same notice twice writes nothing the second time.
    """
    if isinstance(conn_or_session, Engine):
        with conn_or_session.begin() as conn:
            return create_referrals(conn, notices, registry, now=now, actor=actor, channels=channels)
    conn = connection(conn_or_session)
    out: list[Created] = []
    for n in notices:
        existing = conn.scalar(select(ReferralRow.id).where(ReferralRow.reference == n.reference))
        if existing is not None:
            ids = tuple(conn.scalars(select(OutboxRow.id).where(OutboxRow.referral_id == existing)))
            out.append(Created(n.reference, existing, ids, False))
            continue
        doc = n.to_json()
        decision_ids = sorted({i.decision_id for i in n.items if i.decision_id})
        res = conn.execute(ReferralRow.__table__.insert().values(
            reference=n.reference, platform=n.platform, status="drafted", priority=n.priority,
            language=n.language, category=n.dsa["category"], legal_ground=n.legal_ground,
            explanation=n.explanation, notice=doc, decision_id=",".join(decision_ids)[:200] or None,
            created_at=n.created_at, deadline=n.deadline, updated_at=now, version=0))
        rid = res.inserted_primary_key[0]
        conn.execute(ReferralItemRow.__table__.insert(), [{
            "referral_id": rid, "post_id": it.post_id, "position": k, "url": it.url, "url_kind": it.url_kind,
            "category": it.category, "categories": list(it.categories), "lang": it.lang,
            "evidence_digest": it.evidence_digest,
        } for k, it in enumerate(n.items, 1)])
        add_event(conn, rid, "drafted", now, actor, f"{len(n.items)} item(s), priority {doc['priority']}")
        outbox_ids = []
        for ch in (channels or registry.get(n.platform).channels):
            r = conn.execute(OutboxRow.__table__.insert().values(
                referral_id=rid, channel=ch, idempotency_key=idempotency_key(n.reference, ch),
                priority=n.priority, state="pending", attempts=0, next_attempt_at=now, created_at=now))
            outbox_ids.append(r.inserted_primary_key[0])
        out.append(Created(n.reference, rid, tuple(outbox_ids), True))
    return out


def referred_post_ids(conn_or_session: Connection | Session, post_ids: Iterable[str], *,
                      include_declined: bool = False) -> set[str]:
    """Which of `post_ids` already sit in a referral (declined ones only if `include_declined`).

    Builders call this to avoid notifying the same item twice; a declined item may be referred again
    with new evidence.
    """
    conn = connection(conn_or_session)
    ids = list(dict.fromkeys(post_ids))
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        q = (select(ReferralItemRow.post_id).join(ReferralRow, ReferralRow.id == ReferralItemRow.referral_id)
             .where(ReferralItemRow.post_id.in_(ids[i:i + 500])))
        if not include_declined:
            q = q.where(ReferralRow.status != "declined")
        found.update(conn.scalars(q))
    return found


def dead_letters(conn_or_session: Connection | Session, platform: str | None = None) -> list[dict]:
    """Deliveries that gave up: what supervisors must look at (reference, channel, attempts, last error)."""
    conn = connection(conn_or_session)
    q = (select(OutboxRow.id, ReferralRow.reference, ReferralRow.platform, OutboxRow.channel,
                OutboxRow.attempts, OutboxRow.last_error, OutboxRow.dead_at)
         .join(ReferralRow, ReferralRow.id == OutboxRow.referral_id)
         .where(OutboxRow.state == "dead").order_by(OutboxRow.dead_at, OutboxRow.id))
    if platform:
        q = q.where(ReferralRow.platform == platform)
    return [dict(r._mapping) for r in conn.execute(q)]


def requeue(conn_or_session: Connection | Session, outbox_id: int, *, now: datetime, actor: str) -> bool:
    """Give a dead delivery a fresh set of attempts (after fixing an endpoint). Same idempotency key."""
    conn = connection(conn_or_session)
    res = conn.execute(update(OutboxRow).where(OutboxRow.id == outbox_id, OutboxRow.state == "dead")
                       .values(state="pending", attempts=0, next_attempt_at=now, claimed_until=None,
                               claimed_by=None, dead_at=None))
    if res.rowcount:
        rid = conn.scalar(select(OutboxRow.referral_id).where(OutboxRow.id == outbox_id))
        status = conn.scalar(select(ReferralRow.status).where(ReferralRow.id == rid))
        add_event(conn, rid, status, now, actor, f"delivery {outbox_id} requeued")
    return bool(res.rowcount)
