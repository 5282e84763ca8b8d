"""The console's repository: accounts, sessions, the review queue, claims, decisions, evidence
and the audit trail, on SQLite or PostgreSQL.

Every state change happens in one transaction together with its audit event, so the trail
cannot miss a change that happened. Write transactions on SQLite start with BEGIN IMMEDIATE
(a reader that later writes could otherwise fail under concurrent use in WAL mode); on
PostgreSQL the rows being changed are locked (SELECT ... FOR UPDATE) and the audit head row
serialises appends to the chain.
"""
from __future__ import annotations

import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import orjson
from sqlalchemy import Connection, and_, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tidewatch.console import audit_chain
from tidewatch.console.evidence import EvidenceFile, build_manifest, evidence_label, sha256
from tidewatch.console.labels import LABEL_ACTIONS, label_record
from tidewatch.console.media import read_image, resolve_local
from tidewatch.console.passwords import check, make_hasher, password_problem
from tidewatch.console.permissions import ROLES, allowed
from tidewatch.console.priority import rank, reach
from tidewatch.records import CATEGORIES, NEGATIVE_KINDS
from tidewatch.store.console_models import (AuditEventRow, AuditHeadRow, ConsoleMetaRow, DecisionRow,
                                            EvidenceFileRow, EvidenceRow, LoginAttemptRow, QueueItemRow,
                                            SessionRow, UserRow)
from tidewatch.store.models import (DetectionRow, EntityRow, NetworkPostRow, NetworkRow, NetworkTieRow, PostRow,
                                    PostTemplateRow)
from tidewatch.store.repo import Store

STATUSES = ("new", "language_review", "escalated", "confirmed", "not_smuggling")
OPEN_STATUSES = ("new", "language_review", "escalated")
DECIDED_STATUSES = ("confirmed", "not_smuggling")
ACTIONS = ("confirm", "not_smuggling", "escalate", "language_review")
STATUS_AFTER = {"confirm": "confirmed", "not_smuggling": "not_smuggling", "escalate": "escalated",
                "language_review": "language_review"}
SYNC_OVERLAP = timedelta(seconds=2)  # detections committed a little after their timestamp are still picked up


# -- errors the web layer turns into answers ------------------------------------------------
class ConsoleError(Exception):
    """A refusal with a message fit to show the user."""

    status = 400


class NotFound(ConsoleError):
    status = 404


class Conflict(ConsoleError):
    status = 409


class Refused(ConsoleError):
    status = 403


class Invalid(ConsoleError):
    status = 422


class RateLimited(ConsoleError):
    status = 429


# -- plain records --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str
    active: bool = True

    def can(self, permission: str) -> bool:
        return self.active and allowed(self.role, permission)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str = "new"  # one of STATUSES, or "all"
    platform: str | None = None
    lang: str | None = None
    category: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    network: str | None = None  # "any" or a network id
    date_from: date | None = None
    date_to: date | None = None
    hide_claimed: bool = False


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    post_id: str
    status: str
    tier: int
    priority: float
    score: float
    label: int
    reach: int
    platform: str
    lang: str | None
    categories: tuple[str, ...]
    posted_at: datetime | None
    queued_at: datetime
    claimed_by: str | None
    claim_expires_at: datetime | None
    claim_active: bool
    snippet: str
    author_handle: str | None
    n_media: int


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    total: int
    counts: dict[str, int]
    oldest_waiting: datetime | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a state change did: shown to the user as a flash message."""

    message: str
    decision_id: int | None = None
    evidence_id: int | None = None


@dataclass(slots=True)
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _clean(s: str | None, n: int) -> str:
    """A hostile string made storable in both databases (no NUL) and cut to the column size."""
    return (s or "").replace("\x00", "")[:n]


def _cats_text(cats: Sequence[str]) -> str:
    return ("," + ",".join(c for c in cats if isinstance(c, str) and "," not in c) + ",")[:400]


def encode_cursor(tier: int, priority: float, item_id: int) -> str:
    return f"{tier}_{priority!r}_{item_id}"


def decode_cursor(cursor: str | None) -> tuple[int, float, int] | None:
    """The position after which the next page starts; None for the first page or a bad cursor."""
    if not cursor:
        return None
    try:
        t, p, i = cursor.split("_")
        pr = float(p)
        if pr != pr:
            return None
        return int(t), pr, int(i)
    except ValueError:
        return None


class ConsoleRepo:
    """The console's reads and writes. `clock` is injectable so tests can move time (claim expiry)."""

    def __init__(self, store: Store, *, claim_minutes: int = 30, session_hours: int = 12,
                 idle_minutes: int = 120, argon2_time_cost: int = 3, argon2_memory_kib: int = 65536,
                 login_max_failures: int = 5, login_max_failures_ip: int = 20, login_window_minutes: int = 15,
                 media_roots: Sequence[Path] = (), clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.engine = store.engine
        self.dialect = store.engine.dialect.name
        self.claim_ttl = timedelta(minutes=claim_minutes)
        self.session_ttl = timedelta(hours=session_hours)
        self.idle_ttl = timedelta(minutes=idle_minutes)
        self.hasher = make_hasher(argon2_time_cost, argon2_memory_kib)
        self.login_max_failures = login_max_failures
        self.login_max_failures_ip = login_max_failures_ip
        self.login_window = timedelta(minutes=login_window_minutes)
        self.media_roots = tuple(Path(r) for r in media_roots)
        self.clock = clock
        self._dummy_hash: str | None = None
        self._facets: tuple[datetime, dict[str, list[str]]] | None = None

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def _insert(self, table):
        return (sqlite_insert if self.dialect == "sqlite" else pg_insert)(table)

    def now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)

    # -- small settings kept in the database ------------------------------------------------
    def meta_get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.scalar(select(ConsoleMetaRow.value).where(ConsoleMetaRow.key == key))

    def _meta_set(self, conn: Connection, key: str, value: str) -> None:
        stmt = self._insert(ConsoleMetaRow.__table__).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def secret_key(self) -> str:
        """The key that signs CSRF tokens: made once, kept in the database (survives restarts)."""
        key = self.meta_get("secret_key")
        if key:
            return key
        with self._write() as conn:
            stmt = self._insert(ConsoleMetaRow.__table__).values(key="secret_key", value=secrets.token_hex(32))
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
        return self.meta_get("secret_key") or ""

    # -- audit trail -------------------------------------------------------------------------
    def _audit(self, conn: Connection, actor: str, action: str, subject_type: str, subject_id: Any,
               before: Any = None, after: Any = None) -> int:
        """Append one event to the chain inside the caller's transaction; returns its seq."""
        at = self.now()
        conn.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq + 1))
        seq, prev = conn.execute(select(AuditHeadRow.seq, AuditHeadRow.last_hash).where(AuditHeadRow.id == 1)).one()
        fields = {"actor": _clean(actor, 80), "action": _clean(action, 60), "subject_type": _clean(subject_type, 30),
                  "subject_id": _clean(str(subject_id), 200),
                  "before": audit_chain.canonical_json(before if before is not None else {}),
                  "after": audit_chain.canonical_json(after if after is not None else {})}
        h = audit_chain.event_hash(seq, at, fields["actor"], fields["action"], fields["subject_type"],
                                   fields["subject_id"], fields["before"], fields["after"], prev)
        conn.execute(insert(AuditEventRow).values(seq=seq, at=at, prev_hash=prev, hash=h, **fields))
        conn.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_hash=h))
        return seq

    def audit(self, actor: str, action: str, subject_type: str, subject_id: Any, before: Any = None,
              after: Any = None) -> int:
        with self._write() as conn:
            return self._audit(conn, actor, action, subject_type, subject_id, before, after)

    def audit_events(self, *, actor: str | None = None, action: str | None = None, subject: str | None = None,
                     date_from: date | None = None, date_to: date | None = None, before_seq: int | None = None,
                     limit: int = 100) -> list[dict]:
        """Newest first, filtered; `subject` matches 'item:12' or a bare id."""
        q = select(AuditEventRow).order_by(AuditEventRow.seq.desc()).limit(limit)
        if actor:
            q = q.where(AuditEventRow.actor == actor)
        if action:
            q = q.where(AuditEventRow.action.startswith(action, autoescape=True))
        if subject:
            st, _, sid = subject.partition(":")
            q = q.where(AuditEventRow.subject_type == st, AuditEventRow.subject_id == sid) if sid else \
                q.where(AuditEventRow.subject_id == subject)
        if date_from:
            q = q.where(AuditEventRow.at >= datetime.combine(date_from, time.min, timezone.utc))
        if date_to:
            q = q.where(AuditEventRow.at < datetime.combine(date_to + timedelta(days=1), time.min, timezone.utc))
        if before_seq:
            q = q.where(AuditEventRow.seq < before_seq)
        with self.engine.connect() as conn:
            return [self._event_dict(r) for r in conn.execute(q).mappings()]

    @staticmethod
    def _event_dict(r) -> dict:
        r = dict(r)
        r["at"] = _utc(r["at"])
        for k in ("before", "after"):
            try:
                r[k + "_value"] = orjson.loads(r[k])
            except orjson.JSONDecodeError:
                r[k + "_value"] = r[k]
        return r

    def audit_head(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            seq, h = conn.execute(select(AuditHeadRow.seq, AuditHeadRow.last_hash).where(AuditHeadRow.id == 1)).one()
        return int(seq), h

    def verify_audit(self, batch: int = 5000) -> audit_chain.ChainReport:
        """Recompute the whole chain (streamed in seq order) and compare with the head."""
        head = self.audit_head()

        def rows() -> Iterator[dict]:
            last = 0
            while True:
                with self.engine.connect() as conn:
                    chunk = conn.execute(select(AuditEventRow).where(AuditEventRow.seq > last)
                                         .order_by(AuditEventRow.seq).limit(batch)).mappings().all()
                if not chunk:
                    return
                for r in chunk:
                    yield dict(r)
                last = chunk[-1]["seq"]

        return audit_chain.verify_chain(rows(), head)

    # -- accounts ----------------------------------------------------------------------------
    @staticmethod
    def _user(row) -> User:
        return User(row.id, row.username, row.role, bool(row.active))

    def count_users(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(UserRow)) or 0

    def get_user(self, username: str) -> User | None:
        username = _clean(username, 80)
        with self.engine.connect() as conn:
            row = conn.execute(select(UserRow).where(UserRow.username == username)).first()
        return self._user(row) if row else None

    def list_users(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(UserRow.id, UserRow.username, UserRow.role, UserRow.active,
                                       UserRow.created_at, UserRow.last_login_at).order_by(UserRow.username)).mappings()
            return [{**r, "created_at": _utc(r["created_at"]), "last_login_at": _utc(r["last_login_at"]),
                     "active": bool(r["active"])} for r in rows]

    def add_user(self, username: str, password: str, role: str, actor: str) -> User:
        if role not in ROLES:
            raise Invalid(f"role must be one of: {', '.join(ROLES)}")
        return self.create_user(username, password, role, actor)

    def create_user(self, username: str, password: str, role: str, actor: str, *, extra=None,
                    audit_extra: dict | None = None) -> User:
        """The one place accounts are made: name and password rules, uniqueness, audit. `extra(conn, uid)`
        runs in the same transaction (a partner account's platform binding)."""
        username = username.strip()
        if not username or len(username) > 80 or not all(c.isalnum() or c in "._-@" for c in username):
            raise Invalid("a user name is 1 to 80 letters, digits, '.', '_', '-' or '@'")
        problem = password_problem(password)
        if problem:
            raise Invalid(f"password refused: {problem}")
        pw_hash = self.hasher.hash(password)
        with self._write() as conn:
            if conn.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
                raise Conflict(f"a user named {username!r} already exists")
            uid = conn.execute(insert(UserRow).values(username=username, password_hash=pw_hash, role=role,
                                                      active=True, created_at=self.now())
                               .returning(UserRow.id)).scalar_one()
            if extra is not None:
                extra(conn, uid)
            self._audit(conn, actor, "user.add", "user", username, {},
                        {"role": role, **(audit_extra or {}), "active": True})
        return User(uid, username, role, True)

    def set_active(self, username: str, active: bool, actor: str) -> User:
        username = _clean(username, 80)
        with self._write() as conn:
            row = conn.execute(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFound(f"no user named {username!r}")
            if actor == username and not active:
                raise Refused("you cannot disable your own account")
            conn.execute(update(UserRow).where(UserRow.id == row.id).values(active=active))
            if not active:
                conn.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
                conn.execute(update(QueueItemRow).where(QueueItemRow.claimed_by == row.id)
                             .values(claimed_by=None, claimed_at=None, claim_expires_at=None))
            self._audit(conn, actor, "user.enable" if active else "user.disable", "user", username,
                        {"active": bool(row.active)}, {"active": active})
        return User(row.id, row.username, row.role, active)

    def set_role(self, username: str, role: str, actor: str) -> User:
        username = _clean(username, 80)
        if role not in ROLES:
            raise Invalid(f"role must be one of: {', '.join(ROLES)}")
        with self._write() as conn:
            row = conn.execute(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFound(f"no user named {username!r}")
            if actor == username:
                raise Refused("you cannot change your own role")
            conn.execute(update(UserRow).where(UserRow.id == row.id).values(role=role))
            conn.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            self._audit(conn, actor, "user.role", "user", username, {"role": row.role}, {"role": role})
        return User(row.id, row.username, role, bool(row.active))

    def set_password(self, username: str, password: str, actor: str) -> None:
        username = _clean(username, 80)
        problem = password_problem(password)
        if problem:
            raise Invalid(f"password refused: {problem}")
        pw_hash = self.hasher.hash(password)
        with self._write() as conn:
            row = conn.execute(select(UserRow.id).where(UserRow.username == username)).first()
            if row is None:
                raise NotFound(f"no user named {username!r}")
            conn.execute(update(UserRow).where(UserRow.id == row.id).values(password_hash=pw_hash))
            conn.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            self._audit(conn, actor, "user.password", "user", username, {}, {"changed": True})

    # -- login, sessions -------------------------------------------------------------------
    def authenticate(self, username: str, password: str, ip: str) -> User | None:
        """The user when the password is right; None when wrong; RateLimited after too many failures."""
        username = _clean(username.strip(), 80)
        ip = _clean(ip, 64)
        now = self.now()
        since = now - self.login_window
        with self.engine.connect() as conn:
            by_name = conn.scalar(select(func.count()).select_from(LoginAttemptRow).where(
                LoginAttemptRow.username == username, LoginAttemptRow.at >= since, LoginAttemptRow.ok.is_(False)))
            by_ip = conn.scalar(select(func.count()).select_from(LoginAttemptRow).where(
                LoginAttemptRow.ip == ip, LoginAttemptRow.at >= since, LoginAttemptRow.ok.is_(False)))
            row = conn.execute(select(UserRow).where(UserRow.username == username)).first()
        if by_name >= self.login_max_failures or by_ip >= self.login_max_failures_ip:
            minutes = int(self.login_window.total_seconds() // 60)
            raise RateLimited(f"Too many failed attempts. Try again in {minutes} minutes.")
        if row is None:
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
            check(self.hasher, self._dummy_hash, password)  # same cost whether or not the name exists
            ok = False
        else:
            ok = bool(row.active) and check(self.hasher, row.password_hash, password)
        with self._write() as conn:
            conn.execute(insert(LoginAttemptRow).values(username=username, ip=ip, at=now, ok=ok))
            if ok:
                values: dict[str, Any] = {"last_login_at": now}
                if self.hasher.check_needs_rehash(row.password_hash):
                    values["password_hash"] = self.hasher.hash(password)
                conn.execute(update(UserRow).where(UserRow.id == row.id).values(**values))
            else:
                self._audit(conn, "anonymous", "auth.login_failed", "user", username, {}, {"ip": ip})
        return self._user(row) if ok else None

    def create_session(self, user: User, ip: str) -> str:
        """A new session for `user`; returns the token for the cookie (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self.now()
        with self._write() as conn:
            conn.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            conn.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < now - max(self.login_window, timedelta(days=1))))
            conn.execute(insert(SessionRow).values(id=hashlib.sha256(token.encode()).hexdigest(), user_id=user.id,
                                                   created_at=now, last_seen_at=now, expires_at=now + self.session_ttl))
            self._audit(conn, user.username, "auth.login", "user", user.username, {}, {"ip": _clean(ip, 64)})
        return token

    def session_user(self, token: str | None) -> tuple[User, str] | None:
        """(user, session id) for a live session of an active user, else None."""
        if not token or len(token) > 200:
            return None
        sid = hashlib.sha256(token.encode()).hexdigest()
        now = self.now()
        with self.engine.connect() as conn:
            row = conn.execute(select(SessionRow.expires_at, SessionRow.last_seen_at, UserRow)
                               .join(UserRow, UserRow.id == SessionRow.user_id).where(SessionRow.id == sid)).first()
        if row is None or not row.active:
            return None
        if _utc(row.expires_at) <= now or _utc(row.last_seen_at) + self.idle_ttl <= now:
            return None
        if now - _utc(row.last_seen_at) > timedelta(minutes=1):
            with self.engine.begin() as conn:
                conn.execute(update(SessionRow).where(SessionRow.id == sid).values(last_seen_at=now))
        return User(row.id, row.username, row.role, bool(row.active)), sid

    def end_session(self, token: str | None, actor: str) -> None:
        if not token:
            return
        sid = hashlib.sha256(token.encode()).hexdigest()
        with self._write() as conn:
            n = conn.execute(delete(SessionRow).where(SessionRow.id == sid)).rowcount
            if n:
                self._audit(conn, actor, "auth.logout", "user", actor, {}, {})

    # -- the queue: kept in step with posts + detections -------------------------------------
    def _sync_rows(self, conn: Connection, since: datetime | None) -> tuple[int, datetime | None]:
        q = (select(PostRow.id, PostRow.platform, PostRow.lang.label("post_lang"), PostRow.created_at,
                    PostRow.metrics, DetectionRow.score, DetectionRow.label, DetectionRow.categories,
                    DetectionRow.cues, DetectionRow.lang, DetectionRow.detected_at)
             .join(DetectionRow, DetectionRow.post_id == PostRow.id))
        if since is not None:
            q = q.where(DetectionRow.detected_at >= since)
        now = self.now()
        stmt = self._insert(QueueItemRow.__table__)
        stmt = stmt.on_conflict_do_update(index_elements=["post_id"], set_={
            k: getattr(stmt.excluded, k) for k in ("tier", "priority", "score", "label", "reach", "platform", "lang",
                                                    "categories", "posted_at", "detected_at", "updated_at")})
        n, newest, batch = 0, None, []
        for r in conn.execute(q.execution_options(yield_per=2000)):
            tier, prio = rank(r.score, r.label, r.metrics, r.cues)
            det_at = _utc(r.detected_at)
            newest = det_at if newest is None or det_at > newest else newest
            batch.append({"post_id": r.id, "status": "new", "tier": tier, "priority": prio,
                          "score": float(r.score), "label": int(r.label), "reach": reach(r.metrics),
                          "platform": (r.platform or "unknown")[:40], "lang": (r.lang or r.post_lang),
                          "categories": _cats_text(r.categories or []), "posted_at": r.created_at,
                          "queued_at": det_at, "detected_at": det_at, "updated_at": now})
            if len(batch) >= 2000:
                conn.execute(stmt, batch)
                n += len(batch)
                batch = []
        if batch:
            conn.execute(stmt, batch)
            n += len(batch)
        return n, newest

    def sync_queue(self, full: bool = False) -> int:
        """Add new detections to the queue and refresh changed ones (status and claims are kept)."""
        with self._write() as conn:
            mark = None if full else conn.scalar(select(ConsoleMetaRow.value)
                                                 .where(ConsoleMetaRow.key == "queue_watermark"))
            since = None if mark is None else datetime.fromisoformat(mark) - SYNC_OVERLAP
            n, newest = self._sync_rows(conn, since)
            if newest is not None and (mark is None or newest > datetime.fromisoformat(mark)):
                self._meta_set(conn, "queue_watermark", newest.isoformat())
        if n:
            self._facets = None
        if n >= 1000 and self.dialect == "postgresql":
            # fresh statistics, or the planner keeps guessing "53 rows" and sorts the whole queue
            with self.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE queue_items")
        return n

    def maybe_sync(self) -> int:
        """Sync only when detections newer than the last sync exist (two index lookups otherwise)."""
        with self.engine.connect() as conn:
            newest = _utc(conn.scalar(select(func.max(DetectionRow.detected_at))))
            mark = conn.scalar(select(ConsoleMetaRow.value).where(ConsoleMetaRow.key == "queue_watermark"))
        if newest is None or (mark is not None and newest <= datetime.fromisoformat(mark)):
            return 0
        return self.sync_queue()

    def facets(self) -> dict[str, list[str]]:
        """Platforms, languages and networks to offer in the filters (cached for a minute)."""
        now = self.now()
        if self._facets and now - self._facets[0] < timedelta(minutes=1):
            return self._facets[1]
        with self.engine.connect() as conn:
            platforms = sorted(p for p in conn.scalars(select(QueueItemRow.platform).distinct()) if p)
            langs = sorted(p for p in conn.scalars(select(QueueItemRow.lang).distinct()) if p)
            nets = list(conn.scalars(select(NetworkRow.id).order_by(NetworkRow.n_posts.desc(), NetworkRow.id)
                                     .limit(200)))
        out = {"platforms": platforms, "langs": langs, "networks": nets}
        self._facets = (now, out)
        return out

    def _filter_clauses(self, f: QueueFilter, viewer_id: int | None, now: datetime, for_count: bool = False) -> list:
        q = QueueItemRow
        where = []
        if f.status != "all":
            # Counting with other filters: on SQLite, walking the status index and fetching every row
            # is several times slower than scanning the table, so the index is kept out (`status || ''`).
            selective = any((f.platform, f.lang, f.category, f.score_min is not None, f.score_max is not None,
                             f.date_from, f.date_to, f.hide_claimed))
            if for_count and selective and self.dialect == "sqlite":
                where.append(q.status.concat("") == f.status)
            else:
                where.append(q.status == f.status)
        if f.platform:
            where.append(q.platform == f.platform)
        if f.lang:
            where.append(q.lang == f.lang)
        if f.category:
            where.append(q.categories.contains(f",{f.category},", autoescape=True))
        if f.score_min is not None:
            where.append(q.score >= f.score_min)
        if f.score_max is not None:
            where.append(q.score <= f.score_max)
        if f.network == "any":  # IN (subquery): the few network posts drive the lookup, not the whole queue
            where.append(q.post_id.in_(select(NetworkPostRow.post_id)))
        elif f.network:
            where.append(q.post_id.in_(select(NetworkPostRow.post_id).where(NetworkPostRow.network_id == f.network)))
        if f.date_from:
            where.append(q.posted_at >= datetime.combine(f.date_from, time.min, timezone.utc))
        if f.date_to:
            where.append(q.posted_at < datetime.combine(f.date_to + timedelta(days=1), time.min, timezone.utc))
        if f.hide_claimed:
            where.append(or_(q.claimed_by.is_(None), q.claimed_by == (viewer_id or -1),
                             and_(q.claim_expires_at.is_not(None), q.claim_expires_at <= now)))
        return where

    def queue_page(self, f: QueueFilter, cursor: str | None = None, limit: int = 50,
                   viewer_id: int | None = None, with_counts: bool = True) -> QueuePage:
        """One page of the queue in priority order, after `cursor` (keyset pagination)."""
        q = QueueItemRow
        now = self.now()
        where = self._filter_clauses(f, viewer_id, now)
        pos = decode_cursor(cursor)
        page_where = list(where)
        if pos is not None:
            page_where.append(tuple_(q.tier, q.priority, q.id) < tuple_(*pos))
        stmt = (select(q.id, q.post_id, q.status, q.tier, q.priority, q.score, q.label, q.reach, q.platform, q.lang,
                       q.categories, q.posted_at, q.queued_at, q.claim_expires_at, q.claimed_by,
                       UserRow.username.label("claimer"), func.substr(PostRow.text, 1, 240).label("snippet"),
                       PostRow.author_handle, PostRow.media)
                .join(PostRow, PostRow.id == q.post_id)
                .outerjoin(UserRow, UserRow.id == q.claimed_by)
                .where(*page_where)
                .order_by(q.tier.desc(), q.priority.desc(), q.id.desc())
                .limit(limit + 1))
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
            total = counts = oldest = None
            if with_counts:
                total = conn.scalar(select(func.count()).select_from(q)
                                    .where(*self._filter_clauses(f, viewer_id, now, for_count=True))) or 0
                counts = {s: 0 for s in STATUSES}
                counts.update({s: n for s, n in conn.execute(select(q.status, func.count()).group_by(q.status))})
                oldest = _utc(conn.scalar(select(func.min(q.queued_at)).where(q.status == "new")))
        out = []
        for r in rows[:limit]:
            exp = _utc(r.claim_expires_at)
            active = r.claimed_by is not None and (exp is None or exp > now)
            out.append(QueueRow(r.id, r.post_id, r.status, r.tier, r.priority, r.score, r.label, r.reach, r.platform,
                                r.lang, tuple(c for c in (r.categories or "").split(",") if c), _utc(r.posted_at),
                                _utc(r.queued_at), r.claimer if active else None, exp if active else None, active,
                                r.snippet or "", r.author_handle, len(r.media or [])))
        nxt = encode_cursor(rows[limit - 1].tier, rows[limit - 1].priority, rows[limit - 1].id) \
            if len(rows) > limit else None
        return QueuePage(out, nxt, total or 0, counts or {}, oldest)

    # -- one item -------------------------------------------------------------------------
    def item_row(self, conn: Connection, item_id: int, lock: bool = False):
        stmt = select(QueueItemRow).where(QueueItemRow.id == item_id)
        if lock and self.dialect != "sqlite":
            stmt = stmt.with_for_update()
        return conn.execute(stmt).first()

    def item_id_for_post(self, post_id: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.scalar(select(QueueItemRow.id).where(QueueItemRow.post_id == post_id))

    def item_view(self, item_id: int) -> dict | None:
        """Everything the item page shows, as plain values."""
        now = self.now()
        with self.engine.connect() as conn:
            it = self.item_row(conn, item_id)
            if it is None:
                return None
            post = conn.execute(select(PostRow).where(PostRow.id == it.post_id)).mappings().first()
            det = conn.execute(select(DetectionRow).where(DetectionRow.post_id == it.post_id)).mappings().first()
            ents = conn.execute(select(EntityRow.kind, EntityRow.value, EntityRow.start, EntityRow.end,
                                       EntityRow.detail).where(EntityRow.post_id == it.post_id)
                                .order_by(EntityRow.start)).mappings().all()
            claimer = conn.scalar(select(UserRow.username).where(UserRow.id == it.claimed_by)) \
                if it.claimed_by else None
            decisions = conn.execute(select(DecisionRow).where(DecisionRow.item_id == item_id)
                                     .order_by(DecisionRow.id.desc())).mappings().all()
            evidence = conn.execute(select(EvidenceRow.id, EvidenceRow.captured_at, EvidenceRow.captured_by)
                                    .where(EvidenceRow.item_id == item_id).order_by(EvidenceRow.id)).mappings().all()
            history = conn.execute(select(AuditEventRow).where(AuditEventRow.subject_type == "item",
                                                               AuditEventRow.subject_id == str(item_id))
                                   .order_by(AuditEventRow.seq.desc()).limit(200)).mappings().all()
            author = self._author_posts(conn, post)
            bank = self._bank_matches(conn, post, [dict(e) for e in ents])
        exp = _utc(it.claim_expires_at)
        claim_active = it.claimed_by is not None and (exp is None or exp > now)
        return {
            "item": {**it._mapping, "claim_active": claim_active, "claimer": claimer if claim_active else None,
                     "claim_expires_at": exp, "queued_at": _utc(it.queued_at), "posted_at": _utc(it.posted_at)},
            "post": {**post, "created_at": _utc(post["created_at"]), "collected_at": _utc(post["collected_at"])},
            "detection": dict(det) if det else None,
            "entities": [dict(e) for e in ents],
            "decisions": [{**d, "created_at": _utc(d["created_at"])} for d in decisions],
            "evidence": [{**e, "captured_at": _utc(e["captured_at"]), "label": evidence_label(e["id"])}
                         for e in evidence],
            "history": [self._event_dict(h) for h in history],
            "author_posts": author,
            "bank": bank,
        }

    def _author_posts(self, conn: Connection, post) -> list[dict]:
        if not (post["author_id"] or post["author_handle"]):
            return []
        cond = (PostRow.author_id == post["author_id"]) if post["author_id"] else \
            (PostRow.author_handle == post["author_handle"])
        rows = conn.execute(select(PostRow.id, func.substr(PostRow.text, 1, 160).label("snippet"), PostRow.created_at,
                                   QueueItemRow.id.label("item_id"), QueueItemRow.status, QueueItemRow.score)
                            .outerjoin(QueueItemRow, QueueItemRow.post_id == PostRow.id)
                            .where(PostRow.platform == post["platform"], cond, PostRow.id != post["id"])
                            .order_by(PostRow.created_at.desc(), PostRow.id).limit(20)).mappings().all()
        return [{**r, "created_at": _utc(r["created_at"])} for r in rows]

    def _bank_matches(self, conn: Connection, post, ents: list[dict]) -> dict[str, list]:
        """Other posts sharing a phone or handle, the same template; networks sharing this post or its images."""
        out: dict[str, list] = {"identifiers": [], "template": [], "networks": []}
        idents = sorted({(e["kind"], e["value"]) for e in ents if e["kind"] in ("phone", "handle")})
        for kind, value in idents[:20]:
            rows = conn.execute(select(EntityRow.post_id, QueueItemRow.id.label("item_id"), QueueItemRow.status,
                                       func.substr(PostRow.text, 1, 120).label("snippet"))
                                .join(PostRow, PostRow.id == EntityRow.post_id)
                                .outerjoin(QueueItemRow, QueueItemRow.post_id == EntityRow.post_id)
                                .where(EntityRow.kind == kind, EntityRow.value == value, EntityRow.post_id != post["id"])
                                .distinct().order_by(EntityRow.post_id).limit(10)).mappings().all()
            total = conn.scalar(select(func.count(func.distinct(EntityRow.post_id)))
                                .where(EntityRow.kind == kind, EntityRow.value == value,
                                       EntityRow.post_id != post["id"])) or 0
            if total:
                out["identifiers"].append({"kind": kind, "value": value, "total": total, "posts": [dict(r) for r in rows]})
        tpl = conn.scalar(select(PostTemplateRow.template_id).where(PostTemplateRow.post_id == post["id"]))
        if tpl:
            rows = conn.execute(select(PostTemplateRow.post_id, QueueItemRow.id.label("item_id"), QueueItemRow.status,
                                       func.substr(PostRow.text, 1, 120).label("snippet"))
                                .join(PostRow, PostRow.id == PostTemplateRow.post_id)
                                .outerjoin(QueueItemRow, QueueItemRow.post_id == PostTemplateRow.post_id)
                                .where(PostTemplateRow.template_id == tpl, PostTemplateRow.post_id != post["id"])
                                .order_by(PostTemplateRow.post_id).limit(10)).mappings().all()
            out["template"] = [dict(r) for r in rows]
        images = [m.get("sha256") for m in (post["media"] or []) if isinstance(m, dict) and m.get("sha256")]
        nets = {}
        for r in conn.execute(select(NetworkRow.id, NetworkRow.n_posts, NetworkRow.n_accounts)
                              .join(NetworkPostRow, NetworkPostRow.network_id == NetworkRow.id)
                              .where(NetworkPostRow.post_id == post["id"])).mappings():
            nets[r["id"]] = {**r, "via": "this post"}
        if images:
            for r in conn.execute(select(NetworkRow.id, NetworkRow.n_posts, NetworkRow.n_accounts)
                                  .join(NetworkTieRow, NetworkTieRow.network_id == NetworkRow.id)
                                  .where(NetworkTieRow.kind == "image", NetworkTieRow.value.in_(images[:20]))
                                  ).mappings():
                nets.setdefault(r["id"], {**r, "via": "same image"})
        out["networks"] = list(nets.values())
        return out

    def media_file(self, item_id: int, index: int) -> tuple[bytes, str] | None:
        """The bytes and type of a post's n-th local image, when it may be shown (see console.media)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(PostRow.media, PostRow.source).join(QueueItemRow, QueueItemRow.post_id == PostRow.id)
                               .where(QueueItemRow.id == item_id)).first()
        if row is None or not (0 <= index < len(row.media or [])):
            return None
        m = row.media[index]
        path = resolve_local(m.get("path") if isinstance(m, dict) else None, row.source, self.media_roots)
        img = read_image(path) if path else None
        return (img[0], img[1]) if img else None

    # -- claims ---------------------------------------------------------------------------
    def _claimer_name(self, conn: Connection, user_id: int | None) -> str | None:
        return conn.scalar(select(UserRow.username).where(UserRow.id == user_id)) if user_id else None

    def _check_claim(self, conn: Connection, it, user: User, now: datetime) -> None:
        exp = _utc(it.claim_expires_at)
        if it.claimed_by is not None and it.claimed_by != user.id and (exp is None or exp > now):
            name = self._claimer_name(conn, it.claimed_by)
            until = f" until {exp:%Y-%m-%d %H:%M} UTC" if exp else ""
            raise Conflict(f"Claimed by {name}{until}.")

    def claim(self, item_id: int, user: User) -> Outcome:
        now = self.now()
        with self._write() as conn:
            it = self.item_row(conn, item_id, lock=True)
            if it is None:
                raise NotFound("no such item")
            if it.status in DECIDED_STATUSES:
                raise Conflict("This item has been decided already.")
            if it.status == "escalated" and not user.can("escalation.decide"):
                raise Refused("Escalated items are claimed by supervisors.")
            self._check_claim(conn, it, user, now)
            expires = None if it.status == "escalated" else now + self.claim_ttl
            conn.execute(update(QueueItemRow).where(QueueItemRow.id == item_id)
                         .values(claimed_by=user.id, claimed_at=now, claim_expires_at=expires, updated_at=now))
            self._audit(conn, user.username, "item.claim", "item", item_id,
                        {"claimed_by": self._claimer_name(conn, it.claimed_by)},
                        {"claimed_by": user.username, "expires_at": expires})
        return Outcome("Claimed." if expires is None else f"Claimed until {expires:%H:%M} UTC.")

    def release(self, item_id: int, user: User) -> Outcome:
        now = self.now()
        with self._write() as conn:
            it = self.item_row(conn, item_id, lock=True)
            if it is None:
                raise NotFound("no such item")
            if it.claimed_by is None:
                return Outcome("The item was not claimed.")
            if it.claimed_by != user.id and not user.can("claim.release_any"):
                raise Refused("Only the analyst who claimed it or a supervisor can release this item.")
            conn.execute(update(QueueItemRow).where(QueueItemRow.id == item_id)
                         .values(claimed_by=None, claimed_at=None, claim_expires_at=None, updated_at=now))
            self._audit(conn, user.username, "item.release", "item", item_id,
                        {"claimed_by": self._claimer_name(conn, it.claimed_by)}, {"claimed_by": None})
        return Outcome("Claim released.")

    # -- decisions ------------------------------------------------------------------------
    def decide(self, item_id: int, user: User, action: str, categories: Sequence[str] = (),
               reason: str | None = None, note: str | None = None) -> Outcome:
        if action not in ACTIONS:
            raise Invalid(f"unknown decision {action!r}")
        note = _clean(note, 10_000).strip() or None
        cats = [c for c in CATEGORIES if c in set(categories or ())]
        if action == "confirm" and not cats:
            raise Invalid("Choose at least one category to confirm this item as smuggling.")
        if action == "not_smuggling":
            if reason not in NEGATIVE_KINDS:
                raise Invalid("Choose a reason to mark this item as not smuggling.")
            if reason == "other" and not note:
                raise Invalid("Add a note that explains the reason 'other'.")
        else:
            reason = None
        now = self.now()
        with self._write() as conn:
            it = self.item_row(conn, item_id, lock=True)
            if it is None:
                raise NotFound("no such item")
            if it.status in DECIDED_STATUSES:
                raise Conflict("This item has been decided already; a supervisor can reopen it.")
            if it.status == "escalated":
                if not user.can("escalation.decide"):
                    raise Refused("Escalated items are decided by supervisors.")
                if action == "escalate":
                    raise Conflict("This item is escalated already.")
            self._check_claim(conn, it, user, now)
            new_status = STATUS_AFTER[action]
            did = conn.execute(insert(DecisionRow).values(
                item_id=item_id, post_id=it.post_id, user_id=user.id, username=user.username, action=action,
                categories=cats if action == "confirm" else [], reason=reason, note=note, created_at=now)
            ).inserted_primary_key[0]
            conn.execute(update(QueueItemRow).where(QueueItemRow.id == item_id).values(
                status=new_status, claimed_by=None, claimed_at=None, claim_expires_at=None, updated_at=now,
                decided_at=now if new_status in DECIDED_STATUSES else None))
            self._audit(conn, user.username, f"decision.{action}", "item", item_id,
                        {"status": it.status, "claimed_by": self._claimer_name(conn, it.claimed_by)},
                        {"status": new_status, "decision": did, "categories": cats if action == "confirm" else [],
                         "reason": reason, "note": note})
            ev_id = self._capture_evidence(conn, it, did, user, now, cats, note) if action == "confirm" else None
        messages = {"confirm": "Confirmed as smuggling. Evidence captured.",
                    "not_smuggling": "Marked as not smuggling.", "escalate": "Escalated to a supervisor.",
                    "language_review": "Sent for language review."}
        return Outcome(messages[action], did, ev_id)

    def add_note(self, item_id: int, user: User, note: str) -> Outcome:
        note = _clean(note, 10_000).strip()
        if not note:
            raise Invalid("The note is empty.")
        now = self.now()
        with self._write() as conn:
            it = self.item_row(conn, item_id)
            if it is None:
                raise NotFound("no such item")
            did = conn.execute(insert(DecisionRow).values(
                item_id=item_id, post_id=it.post_id, user_id=user.id, username=user.username, action="note",
                categories=[], note=note, created_at=now)).inserted_primary_key[0]
            self._audit(conn, user.username, "item.note", "item", item_id, {}, {"decision": did, "note": note})
        return Outcome("Note added.", did)

    def reopen(self, item_id: int, user: User, note: str | None = None) -> Outcome:
        if not user.can("item.reopen"):
            raise Refused("Only supervisors can reopen items.")
        now = self.now()
        with self._write() as conn:
            it = self.item_row(conn, item_id, lock=True)
            if it is None:
                raise NotFound("no such item")
            if it.status == "new":
                raise Conflict("This item is open already.")
            did = conn.execute(insert(DecisionRow).values(
                item_id=item_id, post_id=it.post_id, user_id=user.id, username=user.username, action="reopen",
                categories=[], note=_clean(note, 10_000) or None, created_at=now)).inserted_primary_key[0]
            conn.execute(update(QueueItemRow).where(QueueItemRow.id == item_id).values(
                status="new", decided_at=None, claimed_by=None, claimed_at=None, claim_expires_at=None, updated_at=now))
            self._audit(conn, user.username, "decision.reopen", "item", item_id, {"status": it.status},
                        {"status": "new", "decision": did})
        return Outcome("Reopened.", did)

    def bulk(self, item_ids: Sequence[int], user: User, action: str, reason: str | None = None,
             note: str | None = None) -> BulkResult:
        """Apply one action to many items, each in its own transaction; refusals are reported, not fatal."""
        if action not in ("claim", "release", "escalate", "not_smuggling"):
            raise Invalid(f"unknown bulk action {action!r}")
        if action == "not_smuggling" and not user.can("queue.bulk_decide"):
            raise Refused("Only supervisors can mark several items as not smuggling at once.")
        result = BulkResult()
        for iid in dict.fromkeys(item_ids):
            try:
                if action == "claim":
                    self.claim(iid, user)
                elif action == "release":
                    self.release(iid, user)
                else:
                    self.decide(iid, user, action, reason=reason, note=note)
                result.done.append(iid)
            except ConsoleError as e:
                result.skipped.append((iid, str(e)))
        return result

    # -- evidence ------------------------------------------------------------------------
    def _capture_evidence(self, conn: Connection, it, decision_id: int, user: User, now: datetime,
                          cats: list[str], note: str | None) -> int:
        post = conn.execute(select(PostRow).where(PostRow.id == it.post_id)).mappings().one()
        det = conn.execute(select(DetectionRow).where(DetectionRow.post_id == it.post_id)).mappings().first()
        ents = conn.execute(select(EntityRow.kind, EntityRow.value, EntityRow.start, EntityRow.end)
                            .where(EntityRow.post_id == it.post_id).order_by(EntityRow.start)).mappings().all()
        at = audit_chain.iso_utc(now)
        dumps = lambda v: orjson.dumps(v, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)  # noqa: E731
        files = [
            EvidenceFile("record.json", dumps(post["raw"] or {}), "application/json", at,
                         "the source record as received"),
            EvidenceFile("post.json", dumps({
                "id": post["id"], "native_id": post["native_id"], "platform": post["platform"], "url": post["url"],
                "author": {"id": post["author_id"], "handle": post["author_handle"], "name": post["author_name"]},
                "lang": post["lang"], "created_at": _utc(post["created_at"]),
                "collected_at": _utc(post["collected_at"]), "media": post["media"], "metrics": post["metrics"],
                "source": post["source"],
                "detection": None if det is None else {
                    "score": det["score"], "label": det["label"], "categories": det["categories"],
                    "cues": det["cues"], "model_version": det["model_version"]},
                "entities": [dict(e) for e in ents]}), "application/json", at, "the post as stored"),
            EvidenceFile("text.txt", post["text"].encode("utf-8"), "text/plain; charset=utf-8", at,
                         "the post's text, UTF-8"),
        ]
        not_captured = []
        for i, m in enumerate(post["media"] or []):
            m = m if isinstance(m, dict) else {}
            path = resolve_local(m.get("path"), post["source"], self.media_roots)
            img = read_image(path) if path else None
            if img:
                files.append(EvidenceFile(f"media/{i + 1:02d}{img[2]}", img[0], img[1], at,
                                          f"media item {i + 1} of the post"))
            elif m.get("url") and not m.get("path"):
                not_captured.append({"index": i + 1, "url": m.get("url"),
                                     "reason": "remote media are not fetched; capture a screenshot instead"})
            else:
                not_captured.append({"index": i + 1, "path": m.get("path"),
                                     "reason": "not a readable image inside the allowed media folders"})
        files.append(EvidenceFile("decision.json", dumps({
            "decision_id": decision_id, "action": "confirm", "categories": cats, "note": note,
            "analyst": user.username, "decided_at": at}), "application/json", at, "the analyst's decision"))
        meta = {"post_id": post["id"], "native_id": post["native_id"], "platform": post["platform"],
                "url": post["url"], "captured_at": at, "captured_by": user.username, "decision_id": decision_id,
                "media_not_captured": not_captured}
        ev_id = conn.execute(insert(EvidenceRow).values(item_id=it.id, post_id=it.post_id, decision_id=decision_id,
                                                        captured_at=now, captured_by=user.username, meta=meta)
                             ).inserted_primary_key[0]
        conn.execute(insert(EvidenceFileRow), [{
            "evidence_id": ev_id, "name": f.name, "media_type": f.media_type, "sha256": f.sha256,
            "size": len(f.content), "content": f.content, "note": f.note, "captured_at": now,
            "captured_by": user.username} for f in files])
        self._audit(conn, user.username, "evidence.capture", "evidence", ev_id, {},
                    {"item": it.id, "post_id": it.post_id, "files": {f.name: f.sha256 for f in files},
                     "media_not_captured": len(not_captured)})
        return ev_id

    def evidence_view(self, evidence_id: int) -> dict | None:
        with self.engine.connect() as conn:
            ev = conn.execute(select(EvidenceRow).where(EvidenceRow.id == evidence_id)).mappings().first()
            if ev is None:
                return None
            files = conn.execute(select(EvidenceFileRow.id, EvidenceFileRow.name, EvidenceFileRow.media_type,
                                        EvidenceFileRow.sha256, EvidenceFileRow.size, EvidenceFileRow.note,
                                        EvidenceFileRow.captured_at, EvidenceFileRow.captured_by)
                                 .where(EvidenceFileRow.evidence_id == evidence_id).order_by(EvidenceFileRow.id)
                                 ).mappings().all()
            events = conn.execute(select(AuditEventRow).where(AuditEventRow.subject_type == "evidence",
                                                              AuditEventRow.subject_id == str(evidence_id))
                                  .order_by(AuditEventRow.seq)).mappings().all()
        return {"evidence": {**ev, "captured_at": _utc(ev["captured_at"]), "label": evidence_label(ev["id"])},
                "files": [{**f, "captured_at": _utc(f["captured_at"])} for f in files],
                "events": [self._event_dict(e) for e in events]}

    def evidence_file(self, evidence_id: int, file_id: int) -> dict | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(EvidenceFileRow).where(EvidenceFileRow.id == file_id,
                                                           EvidenceFileRow.evidence_id == evidence_id)).mappings().first()
        return dict(r) if r else None

    def add_evidence_file(self, evidence_id: int, name: str, content: bytes, media_type: str, note: str,
                          actor: str) -> None:
        now = self.now()
        with self._write() as conn:
            if conn.scalar(select(EvidenceRow.id).where(EvidenceRow.id == evidence_id)) is None:
                raise NotFound("no such evidence")
            taken = set(conn.scalars(select(EvidenceFileRow.name).where(EvidenceFileRow.evidence_id == evidence_id)))
            stem, dot, ext = name.rpartition(".")
            final, n = name, 2
            while final in taken:
                final = f"{stem}-{n}{dot}{ext}" if dot else f"{name}-{n}"
                n += 1
            digest = sha256(content)
            conn.execute(insert(EvidenceFileRow).values(
                evidence_id=evidence_id, name=final, media_type=media_type, sha256=digest, size=len(content),
                content=content, note=note, captured_at=now, captured_by=actor))
            self._audit(conn, actor, "evidence.add_file", "evidence", evidence_id, {},
                        {"file": final, "sha256": digest, "note": note})

    def evidence_bundle(self, evidence_id: int, actor: str) -> tuple[dict, list[EvidenceFile]]:
        """The manifest and files of a bundle, and an audit event saying who exported it."""
        now = self.now()
        with self._write() as conn:
            ev = conn.execute(select(EvidenceRow).where(EvidenceRow.id == evidence_id)).mappings().first()
            if ev is None:
                raise NotFound(f"no evidence {evidence_label(evidence_id)}")
            rows = conn.execute(select(EvidenceFileRow).where(EvidenceFileRow.evidence_id == evidence_id)
                                .order_by(EvidenceFileRow.id)).mappings().all()
            files = [EvidenceFile(r["name"], r["content"], r["media_type"], audit_chain.iso_utc(r["captured_at"]),
                                  r["note"] or "") for r in rows]
            for f, r in zip(files, rows):
                if f.sha256 != r["sha256"]:
                    raise Conflict(f"stored file {r['name']} no longer matches its digest: evidence damaged")
            capture = conn.execute(select(AuditEventRow.seq, AuditEventRow.hash)
                                   .where(AuditEventRow.subject_type == "evidence",
                                          AuditEventRow.subject_id == str(evidence_id),
                                          AuditEventRow.action == "evidence.capture")).first()
            seq = self._audit(conn, actor, "evidence.export", "evidence", evidence_id, {},
                              {"files": len(files)})
        meta = {"evidence_id": evidence_label(evidence_id), **(ev["meta"] or {}),
                "exported_at": audit_chain.iso_utc(now), "exported_by": actor,
                "audit": {"capture_event": capture.seq if capture else None,
                          "capture_event_hash": capture.hash if capture else None, "export_event": seq}}
        return build_manifest(meta, files), files

    def stored_digests(self, evidence_id: int) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {f"files/{n}": h for n, h in conn.execute(
                select(EvidenceFileRow.name, EvidenceFileRow.sha256).where(EvidenceFileRow.evidence_id == evidence_id))}

    # -- referrals: "Refer to platform" (the logic lives in tidewatch.store.referral_repo) ----
    def refer(self, item_ids: Sequence[int], user: User, settings: Any, *, explanation: str | None = None,
              strict: bool = True):
        """Refer confirmed items to their platforms: referral, outbox rows, a `refer` decision per item
        and the audit events, in one transaction (nothing is sent until it commits)."""
        from tidewatch.store.referral_repo import refer_items

        return refer_items(self, item_ids, user, settings, explanation=explanation, strict=strict)

    # -- labels ------------------------------------------------------------------------
    def iter_labels(self, batch: int = 1000) -> Iterator[dict]:
        """The final decision of every decided item, in the detector's training format (post id order)."""
        last = ""
        while True:
            with self.engine.connect() as conn:
                items = conn.execute(select(QueueItemRow.id, QueueItemRow.post_id, QueueItemRow.status)
                                     .where(QueueItemRow.status.in_(DECIDED_STATUSES), QueueItemRow.post_id > last)
                                     .order_by(QueueItemRow.post_id).limit(batch)).all()
                if not items:
                    return
                ids = [i.id for i in items]
                latest: dict[int, Any] = {}
                for d in conn.execute(select(DecisionRow).where(DecisionRow.item_id.in_(ids),
                                                                DecisionRow.action.in_(LABEL_ACTIONS))
                                      .order_by(DecisionRow.id)):
                    latest[d.item_id] = d
                pids = [i.post_id for i in items]
                posts = {p.id: p for p in conn.execute(select(PostRow.id, PostRow.native_id, PostRow.platform,
                                                              PostRow.lang, PostRow.text).where(PostRow.id.in_(pids)))}
                det_lang = dict(conn.execute(select(DetectionRow.post_id, DetectionRow.lang)
                                             .where(DetectionRow.post_id.in_(pids))).all())
                ents: dict[str, list] = {}
                for pid, kind, value in conn.execute(select(EntityRow.post_id, EntityRow.kind, EntityRow.value)
                                                     .where(EntityRow.post_id.in_(pids),
                                                            EntityRow.kind.in_(("phone", "handle")))
                                                     .order_by(EntityRow.id)):
                    ents.setdefault(pid, []).append((kind, value))
            for it in items:
                d, p = latest.get(it.id), posts.get(it.post_id)
                if d is None or p is None or STATUS_AFTER[d.action] != it.status:
                    continue
                yield label_record(p.id, p.native_id, p.platform, det_lang.get(p.id) or p.lang, p.text, d.action,
                                   d.categories or [], d.reason, ents.get(p.id, []),
                                   audit_chain.iso_utc(d.created_at))
            last = items[-1].post_id
