"""Referral status changes: one place that knows the allowed transitions and writes the history.

Why it exists: the dispatcher (sent), the partner functions (acknowledged, actioned, declined) and the
expiry job all change a referral's status; each change must append to `referral_events`, set the
matching timestamp on `referrals` and bump its sync cursor, in the caller's transaction. Keeping that
here means no path can move a referral without leaving a trace.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.orm import Session

from tidewatch.store.refer_models import ReferralEventRow, ReferralRow

ALLOWED: dict[str, frozenset[str]] = {
    "drafted": frozenset({"sent"}),
    "sent": frozenset({"acknowledged", "actioned", "declined", "expired"}),
    "acknowledged": frozenset({"actioned", "declined", "expired"}),
    "expired": frozenset({"acknowledged", "actioned", "declined"}),  # a late answer still counts
    "actioned": frozenset({"actioned", "declined"}),  # an amended answer (e.g. reinstated on appeal)
    "declined": frozenset({"actioned", "declined"}),
}
OPEN = ("sent", "acknowledged")
CLOSED = ("actioned", "declined", "expired")
_STAMP = {"sent": "sent_at", "acknowledged": "acknowledged_at", "actioned": "closed_at",
          "declined": "closed_at", "expired": "closed_at"}


class TransitionError(ValueError):
    pass


def utc(dt: datetime | None) -> datetime | None:
    """Stored datetimes as aware UTC (SQLite hands them back naive)."""
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def connection(conn_or_session: Connection | Session) -> Connection:
    """The Connection of a Session's transaction, or the Connection itself."""
    return conn_or_session.connection() if isinstance(conn_or_session, Session) else conn_or_session


def add_event(conn: Connection, referral_id: int, status: str, at: datetime, actor: str,
              note: str | None = None) -> None:
    conn.execute(ReferralEventRow.__table__.insert(), [{
        "referral_id": referral_id, "status": status, "at": at, "actor": actor[:80], "note": note}])


def touch(conn: Connection, referral_id: int, now: datetime, **values: Any) -> None:
    """Update `values` on a referral and move its sync cursor (updated_at, version)."""
    conn.execute(update(ReferralRow).where(ReferralRow.id == referral_id)
                 .values(updated_at=now, version=ReferralRow.version + 1, **values))


def transition(conn: Connection, referral_id: int, new: str, *, at: datetime, now: datetime, actor: str,
               note: str | None = None, current: str | None = None, **values: Any) -> bool:
    """Move a referral to `new` (if allowed from its current status): event + timestamp + cursor.

    Returns False, changing nothing, when the move is not allowed (e.g. `sent` twice).
    """
    if current is None:
        current = conn.scalar(select(ReferralRow.status).where(ReferralRow.id == referral_id))
    if current is None:
        raise TransitionError(f"no referral with id {referral_id}")
    if new not in ALLOWED.get(current, frozenset()):
        return False
    stamp = _STAMP[new]
    stamps = {stamp: at} if stamp != "closed_at" or new != current else {}
    touch(conn, referral_id, now, status=new, **stamps, **values)
    add_event(conn, referral_id, new, at, actor, note)
    return True


def mark_sent(conn: Connection, referral_id: int, at: datetime, actor: str, note: str) -> bool:
    """First successful delivery (any channel): drafted -> sent. Later deliveries add no event.

    A sent referral is also visible to its platform in the partner API (`available_at`), however it
    was notified, so that every platform can acknowledge and answer the same way.
    """
    res = conn.execute(update(ReferralRow)
                       .where(and_(ReferralRow.id == referral_id, ReferralRow.status == "drafted"))
                       .values(status="sent", sent_at=at, available_at=func.coalesce(ReferralRow.available_at, at),
                               updated_at=at, version=ReferralRow.version + 1))
    if res.rowcount:
        add_event(conn, referral_id, "sent", at, actor, note)
        return True
    return False


def expire_overdue(conn: Connection, now: datetime, after: timedelta, actor: str = "system") -> int:
    """Open referrals with no answer `after` past their deadline become `expired`. Returns how many."""
    rows = conn.execute(select(ReferralRow.id, ReferralRow.status)
                        .where(ReferralRow.status.in_(OPEN), ReferralRow.deadline < now - after)).all()
    n = 0
    for rid, status in rows:
        n += transition(conn, rid, "expired", at=now, now=now, actor=actor, current=status,
                        note=f"no answer {after.days} day(s) after the deadline")
    return n
