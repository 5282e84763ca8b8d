"""Partner access in the store: API keys per platform and portal accounts bound to a platform.

Why here and not in ConsoleRepo: these are the only rows that say *which platform* a caller is,
and every partner route starts from them. Keeping them in one small module makes that rule easy
to read: a key or an account maps to exactly one platform, or to nothing (unknown, revoked,
disabled), and nothing else in the request can change it. Changes are audited in the same
transaction, through the console repository's audit chain.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from tidewatch.console.permissions import PARTNER_ROLE
from tidewatch.store.console_models import UserRow
from tidewatch.store.console_repo import Conflict, ConsoleRepo, Invalid, NotFound, User
from tidewatch.store.partner_models import PartnerAccountRow, PartnerKeyRow

KEY_PREFIX = "twp_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is refreshed at most this often (not a write per call)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    """A fresh API key: 'twp_' and 43 URL-safe characters (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class PartnerKey:
    id: int
    platform: str
    prefix: str
    label: str | None
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _utc(dt):
    from tidewatch.store.console_repo import _utc as u

    return u(dt)


def _check_platform(platform: str, platforms) -> str:
    p = (platform or "").strip().lower()
    if p not in platforms:
        raise Invalid(f"unknown platform {platform!r}; known: {', '.join(sorted(platforms))}")
    return p


def add_key(repo: ConsoleRepo, platform: str, actor: str, *, platforms, label: str | None = None) -> tuple[PartnerKey, str]:
    """Make a key for `platform`; returns it with the key itself, which is never shown again."""
    platform = _check_platform(platform, platforms)
    label = (label or "").replace("\x00", "").strip()[:200] or None
    key = new_key()
    now = repo.now()
    with repo._write() as conn:
        kid = conn.execute(insert(PartnerKeyRow).values(
            platform=platform, key_hash=hash_key(key), prefix=key[:12], label=label, created_at=now,
            created_by=actor[:80]).returning(PartnerKeyRow.id)).scalar_one()
        repo._audit(conn, actor, "partner.key_add", "partner_key", kid, {},
                    {"platform": platform, "prefix": key[:12], "label": label})
    return PartnerKey(kid, platform, key[:12], label, now, actor[:80], None, None), key


def list_keys(repo: ConsoleRepo, platform: str | None = None) -> list[PartnerKey]:
    q = select(PartnerKeyRow.__table__).order_by(PartnerKeyRow.platform, PartnerKeyRow.id)
    if platform:
        q = q.where(PartnerKeyRow.platform == platform)
    with repo.engine.connect() as conn:
        return [PartnerKey(r.id, r.platform, r.prefix, r.label, _utc(r.created_at), r.created_by,
                           _utc(r.last_used_at), _utc(r.revoked_at)) for r in conn.execute(q)]


def revoke_key(repo: ConsoleRepo, key_id: int, actor: str) -> PartnerKey:
    now = repo.now()
    with repo._write() as conn:
        row = conn.execute(select(PartnerKeyRow.__table__).where(PartnerKeyRow.id == key_id)).first()
        if row is None:
            raise NotFound(f"no partner key with id {key_id}")
        if row.revoked_at is not None:
            raise Conflict(f"key {key_id} ({row.prefix}…) was revoked already")
        conn.execute(update(PartnerKeyRow).where(PartnerKeyRow.id == key_id)
                     .values(revoked_at=now, revoked_by=actor[:80]))
        repo._audit(conn, actor, "partner.key_revoke", "partner_key", key_id, {"active": True},
                    {"active": False, "platform": row.platform, "prefix": row.prefix})
    return PartnerKey(row.id, row.platform, row.prefix, row.label, _utc(row.created_at), row.created_by,
                      _utc(row.last_used_at), now)


def platform_for_key(repo: ConsoleRepo, key: str | None) -> str | None:
    """The platform an API key belongs to, or None (unknown, malformed or revoked)."""
    if not key or len(key) > 200 or not key.startswith(KEY_PREFIX):
        return None
    h = hash_key(key)
    with repo.engine.connect() as conn:
        row = conn.execute(select(PartnerKeyRow.id, PartnerKeyRow.platform, PartnerKeyRow.last_used_at)
                           .where(PartnerKeyRow.key_hash == h, PartnerKeyRow.revoked_at.is_(None))).first()
    if row is None:
        return None
    now = repo.now()
    last = _utc(row.last_used_at)
    if last is None or now - last > TOUCH_EVERY:
        with repo.engine.begin() as conn:
            conn.execute(update(PartnerKeyRow).where(PartnerKeyRow.id == row.id).values(last_used_at=now))
    return row.platform


# -- portal accounts ---------------------------------------------------------------------------------
def add_partner_user(repo: ConsoleRepo, username: str, password: str, platform: str, actor: str, *,
                     platforms) -> User:
    """A portal account for one platform's staff (role `partner`): they see only that platform's referrals."""
    platform = _check_platform(platform, platforms)
    return repo.create_user(username, password, PARTNER_ROLE, actor, audit_extra={"platform": platform},
                            extra=lambda conn, uid: conn.execute(
                                insert(PartnerAccountRow).values(user_id=uid, platform=platform)))


def platform_of(repo: ConsoleRepo, user: User) -> str | None:
    """The platform a partner account works for (None for anyone else, or an unbound account)."""
    if user.role != PARTNER_ROLE:
        return None
    with repo.engine.connect() as conn:
        return conn.scalar(select(PartnerAccountRow.platform).where(PartnerAccountRow.user_id == user.id))


def partner_accounts(repo: ConsoleRepo) -> dict[str, list[dict[str, Any]]]:
    """Portal accounts per platform (for the platforms page)."""
    with repo.engine.connect() as conn:
        rows = conn.execute(select(PartnerAccountRow.platform, UserRow.username, UserRow.active, UserRow.last_login_at)
                            .join(UserRow, UserRow.id == PartnerAccountRow.user_id)
                            .order_by(PartnerAccountRow.platform, UserRow.username)).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for platform, name, active, last in rows:
        out.setdefault(platform, []).append({"username": name, "active": bool(active), "last_login_at": _utc(last)})
    return out
