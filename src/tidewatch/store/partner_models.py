"""Partner access: per-platform API keys and the portal accounts of platform staff.
Migration: store/migrations/versions/0005_partner.py.

Why a table of key *hashes*: a key is shown once when it is made and never stored; the database
keeps its SHA-256 (a random 256-bit key needs no slow hash), so a leaked backup does not leak
access. Each key and each portal account names exactly one platform: that binding is what the
partner routes read to decide whose referrals the caller sees.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tidewatch.store.models import Base, UTCDateTime


class PartnerKeyRow(Base):
    __tablename__ = "partner_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(40), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole key
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(80))


class PartnerAccountRow(Base):
    """A console account with the `partner` role, bound to the one platform it works for."""

    __tablename__ = "partner_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(40), index=True)
