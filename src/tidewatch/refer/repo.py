"""Reading referrals back as plain dicts: for the console, exports, the partner functions and metrics.

Why one reader: the CSV bundle, the partner pull, the console and the metrics must show the same
facts for a referral. Every view is built here from the same rows; callers narrow it (a partner
sees `partner_view`, never the internal fields).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import Session

from tidewatch.refer.status import connection, utc
from tidewatch.store.refer_models import (OutboxRow, ReferralAnswerRow, ReferralEventRow, ReferralItemRow,
                                          ReferralRow)

_ITEM_FIELDS = ("post_id", "position", "url", "url_kind", "category", "categories", "lang", "evidence_digest",
                "outcome", "outcome_at", "removed_at", "decline_reason", "liveness", "last_checked_at",
                "first_seen_offline_at")
_TIMES = ("created_at", "deadline", "sent_at", "available_at", "acknowledged_at", "answered_at", "closed_at",
          "updated_at")


def iso(dt: datetime | None) -> str | None:
    dt = utc(dt)
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _plain(v: Any) -> Any:
    return iso(v) if isinstance(v, datetime) else v


def load_referrals(conn_or_session: Connection | Session, *, platform: str | None = None,
                   status: str | Sequence[str] | None = None, references: Sequence[str] | None = None,
                   available_only: bool = False, after: tuple[datetime, int] | None = None,
                   limit: int | None = None, with_history: bool = True) -> list[dict[str, Any]]:
    """Referrals with items, history, answers and deliveries, ordered by (updated_at, id).

    `after` is a (updated_at, id) cursor: only referrals changed after it are returned.
    """
    conn = connection(conn_or_session)
    q = select(ReferralRow.__table__)
    if platform is not None:
        q = q.where(ReferralRow.platform == platform)
    if status:
        q = q.where(ReferralRow.status.in_([status] if isinstance(status, str) else list(status)))
    if references is not None:
        q = q.where(ReferralRow.reference.in_(list(references)))
    if available_only:
        q = q.where(ReferralRow.available_at.is_not(None))
    if after is not None:
        ts, rid = after
        q = q.where(or_(ReferralRow.updated_at > ts, and_(ReferralRow.updated_at == ts, ReferralRow.id > rid)))
    q = q.order_by(ReferralRow.updated_at, ReferralRow.id)
    if limit is not None:
        q = q.limit(limit)
    rows = conn.execute(q).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    items: dict[int, list[dict]] = {i: [] for i in ids}
    history: dict[int, list[dict]] = {i: [] for i in ids}
    answers: dict[int, list[dict]] = {i: [] for i in ids}
    deliveries: dict[int, list[dict]] = {i: [] for i in ids}
    for chunk in _chunks(ids, 500):
        for it in conn.execute(select(ReferralItemRow.__table__).where(ReferralItemRow.referral_id.in_(chunk))
                               .order_by(ReferralItemRow.referral_id, ReferralItemRow.position)):
            items[it.referral_id].append({"id": it.id, **{f: _plain(getattr(it, f)) for f in _ITEM_FIELDS}})
        if not with_history:
            continue
        for ev in conn.execute(select(ReferralEventRow.__table__).where(ReferralEventRow.referral_id.in_(chunk))
                               .order_by(ReferralEventRow.id)):
            history[ev.referral_id].append({"status": ev.status, "at": iso(ev.at), "actor": ev.actor,
                                            "note": ev.note})
        for a in conn.execute(select(ReferralAnswerRow.__table__).where(ReferralAnswerRow.referral_id.in_(chunk))
                              .order_by(ReferralAnswerRow.id)):
            answers[a.referral_id].append({
                "actions": a.actions, "decline_reason": a.decline_reason, "reason_text": a.reason_text,
                "territorial_scope": a.territorial_scope, "urls": a.item_urls, "answered_at": iso(a.answered_at),
                "received_at": iso(a.received_at), "actor": a.actor})
        for o in conn.execute(select(OutboxRow.__table__).where(OutboxRow.referral_id.in_(chunk))
                              .order_by(OutboxRow.id)):
            deliveries[o.referral_id].append({
                "id": o.id, "channel": o.channel, "state": o.state, "attempts": o.attempts,
                "idempotency_key": o.idempotency_key, "delivered_at": iso(o.delivered_at),
                "last_error": o.last_error})
    out = []
    for r in rows:
        notice = r.notice or {}
        out.append({
            "id": r.id, "reference": r.reference, "platform": r.platform, "status": r.status,
            "priority": notice.get("priority"), "language": r.language, "category": r.category,
            **{t: iso(getattr(r, t)) for t in _TIMES},
            "version": r.version, "decision_id": r.decision_id,
            "legal_ground": r.legal_ground, "explanation": r.explanation,
            "notifier": notice.get("notifier", {}), "dsa": notice.get("dsa", {}),
            "good_faith_statement": notice.get("good_faith_statement"),
            "notice": notice,
            "items": items[r.id], "history": history[r.id], "answers": answers[r.id],
            "deliveries": deliveries[r.id],
        })
    return out


def _chunks(xs: Sequence[int], n: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(xs), n):
        yield xs[i:i + n]


_PARTNER_ITEM = ("url", "url_kind", "category", "categories", "lang", "evidence_digest", "outcome",
                 "outcome_at", "decline_reason")


def partner_view(ref: dict[str, Any]) -> dict[str, Any]:
    """What a platform may see of its own referral: the notice, its items and its answers; no internal
    ids, analyst decisions, delivery bookkeeping or our liveness observations."""
    return {
        "reference": ref["reference"], "status": ref["status"], "priority": ref["priority"],
        "language": ref["language"], "created_at": ref["created_at"], "deadline": ref["deadline"],
        "sent_at": ref["sent_at"], "acknowledged_at": ref["acknowledged_at"], "answered_at": ref["answered_at"],
        "closed_at": ref["closed_at"], "updated_at": ref["updated_at"],
        "legal_ground": ref["legal_ground"], "explanation": ref["explanation"], "notifier": ref["notifier"],
        "good_faith_statement": ref["good_faith_statement"], "dsa": ref["dsa"],
        "items": [{k: it[k] for k in _PARTNER_ITEM} for it in ref["items"]],
        "answers": [{k: a[k] for k in ("actions", "decline_reason", "reason_text", "territorial_scope", "urls",
                                       "answered_at")} for a in ref["answers"]],
    }


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
