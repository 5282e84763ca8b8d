"""Referral tables: notices, their items, status history, platform answers, the outbox, delivery
attempts and liveness checks. Migration: store/migrations/versions/0004_referrals.py.

Why this shape: every question the issue asks ("when was it sent, acknowledged, actioned, first seen
offline?") is answered from rows written when the thing happened, never recomputed: status changes
go to `referral_events`, answers to `referral_answers`, each delivery try to `referral_attempts`,
each re-fetch to `referral_checks`. The current state on `referrals` / `referral_items` is a
convenience copy kept in the same transaction.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tidewatch.store.models import Base, UTCDateTime


class ReferralRow(Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    platform: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(80))  # DSA statement category
    legal_ground: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    notice: Mapped[dict] = mapped_column(JSON)  # the notice exactly as sent (schema tidewatch.notice/1)
    decision_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # visible to the partner API
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every change (partner sync cursor)

    __table_args__ = (Index("ix_referrals_platform_updated", "platform", "updated_at", "id"),)


class ReferralItemRow(Base):
    __tablename__ = "referral_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    url_kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))  # primary tidewatch category
    categories: Mapped[list] = mapped_column(JSON)
    lang: Mapped[str | None] = mapped_column(String(16))
    evidence_digest: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str | None] = mapped_column(String(60))  # last answer for this item (DSA vocabulary)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # reported by the platform
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    liveness: Mapped[str | None] = mapped_column(String(10))  # online | offline | unknown
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_offline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # observed removal

    __table_args__ = (UniqueConstraint("referral_id", "post_id", name="uq_referral_items_referral_post"),
                      Index("ix_referral_items_checked", "last_checked_at"))


class ReferralEventRow(Base):
    """The status history: drafted -> sent -> acknowledged -> actioned | declined | expired."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)


class ReferralAnswerRow(Base):
    """A platform's answer, as received (validated), in the DSA statement-of-reasons vocabulary."""

    __tablename__ = "referral_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    actions: Mapped[list] = mapped_column(JSON)
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(Text)
    territorial_scope: Mapped[list] = mapped_column(JSON, default=list)
    item_urls: Mapped[list] = mapped_column(JSON, default=list)  # empty: the whole referral
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the platform's time of decision
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))


class OutboxRow(Base):
    """One delivery of one referral through one channel. Written with the referral, in its transaction."""

    __tablename__ = "referral_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    priority: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_referral_outbox_due", "state", "priority", "next_attempt_at"),)


class DeliveryAttemptRow(Base):
    __tablename__ = "referral_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("referral_outbox.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(12))  # in_flight | delivered | retry | failed | abandoned
    status_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class LivenessCheckRow(Base):
    __tablename__ = "referral_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("referral_items.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10))
    http_status: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(Text)
