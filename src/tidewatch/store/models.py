"""Database tables. Each change to them comes with an Alembic migration (store/migrations)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


UTCDateTime = DateTime(timezone=True)


class PostRow(Base):
    __tablename__ = "posts"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    native_id: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(40), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(String(200))
    author_handle: Mapped[str | None] = mapped_column(String(200), index=True)
    author_name: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    media: Mapped[list] = mapped_column(JSON, default=list)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    raw: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str | None] = mapped_column(Text)


class DetectionRow(Base):
    __tablename__ = "detections"

    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float, index=True)
    label: Mapped[int] = mapped_column(Integer, index=True)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    cues: Mapped[list] = mapped_column(JSON, default=list)
    lang: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(80))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EntityRow(Base):
    __tablename__ = "entities"
    __table_args__ = (Index("ix_entities_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(400))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    detail: Mapped[str | None] = mapped_column(String(80))


class CheckpointRow(Base):
    """Where a resumable import stopped: one row per source (file path, URL...)."""

    __tablename__ = "ingest_checkpoints"

    source_key: Mapped[str] = mapped_column(String(1000), primary_key=True)
    offset: Mapped[int] = mapped_column(Integer)
    record: Mapped[int] = mapped_column(Integer)
    complete: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IngestRunRow(Base):
    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_key: Mapped[str] = mapped_column(String(1000))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class PostTemplateRow(Base):
    """A post's MinHash signature and its template group: new posts join groups incrementally."""

    __tablename__ = "post_templates"

    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    template_id: Mapped[str] = mapped_column(String(200), index=True)


class NetworkRow(Base):
    __tablename__ = "networks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    n_posts: Mapped[int] = mapped_column(Integer)
    n_accounts: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NetworkPostRow(Base):
    __tablename__ = "network_posts"

    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True)


class NetworkTieRow(Base):
    __tablename__ = "network_ties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(400))
    n_posts: Mapped[int] = mapped_column(Integer)
