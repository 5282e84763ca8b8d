"""The analyst console's tables: accounts, sessions, the review queue, decisions, evidence and
the audit trail. Same `Base` as `models.py`, so one Alembic history covers both
(migration 0003_console)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from tidewatch.store.models import Base, DetectionRow, NetworkTieRow, PostRow, UTCDateTime


class UserRow(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SessionRow(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginAttemptRow(Base):
    __tablename__ = "console_login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)


class ConsoleMetaRow(Base):
    """Small console settings kept with the data (CSRF signing key, queue sync watermark)."""

    __tablename__ = "console_meta"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class QueueItemRow(Base):
    """One post to review, with the fields the queue sorts and filters on copied next to it
    (so a page is one index walk, not a join over JSON)."""

    __tablename__ = "queue_items"
    __table_args__ = (
        Index("ix_queue_status_rank", "status", "tier", "priority", "id"),
        Index("ix_queue_rank", "tier", "priority", "id"),
        Index("ix_queue_status_queued", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # new, language_review, escalated, confirmed, not_smuggling
    tier: Mapped[int] = mapped_column(Integer)
    priority: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    label: Mapped[int] = mapped_column(Integer)
    reach: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(40))
    lang: Mapped[str | None] = mapped_column(String(16))
    categories: Mapped[str] = mapped_column(String(400))  # ",a,b," for LIKE filters
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # NULL with claimed_by: no expiry
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DecisionRow(Base):
    """Analysts' decisions are labelled data and part of the record: a post that has them cannot be
    deleted (RESTRICT), neither can one with evidence."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("queue_items.id", ondelete="RESTRICT"), index=True)
    post_id: Mapped[str] = mapped_column(String(200), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(30))  # confirm, not_smuggling, escalate, language_review, note, reopen
    categories: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EvidenceRow(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("queue_items.id", ondelete="RESTRICT"), index=True)
    post_id: Mapped[str] = mapped_column(String(200), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    captured_by: Mapped[str] = mapped_column(String(80))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)


class EvidenceFileRow(Base):
    __tablename__ = "evidence_files"
    __table_args__ = (UniqueConstraint("evidence_id", "name", name="uq_evidence_files_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str | None] = mapped_column(Text)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    captured_by: Mapped[str] = mapped_column(String(80))


class AuditEventRow(Base):
    """Append-only (database triggers refuse UPDATE and DELETE) and hash-chained
    (tidewatch.console.audit_chain)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[str] = mapped_column(Text)  # canonical JSON
    after: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """One row: the last sequence number and hash. Updating it first serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


# Indexes the console needs on the pipeline's tables (declared here so that autogenerate
# keeps them): the queue's "anything new?" check, the author's other posts, image matches.
Index("ix_detections_detected_at", DetectionRow.__table__.c.detected_at)
Index("ix_posts_platform_author_id", PostRow.__table__.c.platform, PostRow.__table__.c.author_id)
Index("ix_network_ties_kind_value", NetworkTieRow.__table__.c.kind, NetworkTieRow.__table__.c.value)
