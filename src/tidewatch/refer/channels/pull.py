"""Partner pull: the platform fetches its referrals from us, acknowledges and answers them.

Why it exists: some platforms prefer to poll an API over receiving mail or webhooks; and every
platform, however notified, answers through the same functions. Delivering through this channel
means making the referral *available* to that platform (`PullChannel`). The partner HTTP routes
(`/api/v1/partner/...`, built in `tidewatch.web`) are thin wrappers over the functions below, which
hold the two rules that matter:

- Isolation: every function takes the caller's platform and only ever reads or writes rows of that
  platform that were made available to it. Another platform's reference is answered exactly like a
  reference that does not exist (`ReferralNotFound`), so nothing leaks, not even existence.
- Strict answers: an answer is checked completely (`parse_answer`) before anything is written; a
  malformed one raises `AnswerError` naming the field, and changes nothing.

Answers use the vocabulary of the DSA statement of reasons (`decision_visibility`, `decision_account`,
`decision_provision` values as the Transparency Database API takes them), plus two of ours:
`DECLINED` (with a reason code) and `NEEDS_INFORMATION`. A geo-restriction is
`DECISION_VISIBILITY_CONTENT_DISABLED` with a `territorial_scope` (ISO 3166-1 alpha-2 codes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ClassVar, Iterable, Mapping, Sequence

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.orm import Session

from tidewatch.refer.channels.base import Delivery, Receipt
from tidewatch.refer.repo import load_referrals, partner_view
from tidewatch.refer.status import add_event, connection, mark_sent, touch, transition, utc
from tidewatch.store.refer_models import ReferralAnswerRow, ReferralItemRow, ReferralRow

VISIBILITY = (
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
)
ACCOUNT = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
PROVISION = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECLINED = "DECLINED"
NEEDS_INFORMATION = "NEEDS_INFORMATION"
ACTIONS = VISIBILITY + ACCOUNT + PROVISION
ALL_ACTIONS = ACTIONS + (DECLINED, NEEDS_INFORMATION)
# Actions after which the content is no longer reachable by the public: these count as removal.
REMOVAL_ACTIONS = frozenset({
    "DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED",
    "DECISION_PROVISION_TOTAL_SUSPENSION", "DECISION_PROVISION_TOTAL_TERMINATION",
})
# Strongest first: an item's recorded outcome is the strongest action of its latest answer.
_STRENGTH = ("DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_ACCOUNT_TERMINATED", "DECISION_ACCOUNT_SUSPENDED",
             "DECISION_PROVISION_TOTAL_TERMINATION", "DECISION_PROVISION_TOTAL_SUSPENSION",
             "DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_PROVISION_PARTIAL_TERMINATION",
             "DECISION_PROVISION_PARTIAL_SUSPENSION", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
             "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_DEMOTED",
             "DECISION_VISIBILITY_CONTENT_LABELLED", "DECISION_VISIBILITY_OTHER")
GEO_RESTRICTED = "GEO_RESTRICTED"  # recorded outcome for DISABLED limited to some territories
DECLINE_REASONS = (
    "NOT_ILLEGAL",  # assessed: not illegal under the law invoked
    "NOT_INCOMPATIBLE_WITH_TERMS",  # assessed: within the platform's terms
    "CONTENT_NOT_FOUND",  # the URL points at nothing (already gone, wrong link)
    "ALREADY_ACTIONED",  # removed before this notice, e.g. on another report
    "NOT_HOSTED",  # not this platform's content
    "DUPLICATE",  # same content as an earlier referral
    "OTHER",  # reason_text says what
)
ANSWER_FIELDS = frozenset({"action", "reason", "reason_text", "urls", "territorial_scope", "visibility_other", "at"})
MAX_TEXT = 2000
CLOCK_SKEW = timedelta(minutes=5)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class ReferralNotFound(LookupError):
    """No referral with this reference is available to this platform (the same for another platform's)."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no referral {reference[:60]!r} for this platform")


class AnswerError(ValueError):
    """A malformed partner answer. `field` names the offending field; nothing was changed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Answer:
    actions: tuple[str, ...]
    reason: str | None = None
    reason_text: str | None = None
    urls: tuple[str, ...] = ()  # empty: the whole referral
    territorial_scope: tuple[str, ...] = ()
    visibility_other: str | None = None
    at: datetime | None = None

    @property
    def kind(self) -> str:
        if self.actions[0] in (DECLINED, NEEDS_INFORMATION):
            return self.actions[0]
        return "ACTIONED"

    def outcome(self) -> str:
        if self.kind != "ACTIONED":
            return self.kind
        best = min(self.actions, key=_STRENGTH.index)
        if best == "DECISION_VISIBILITY_CONTENT_DISABLED" and self.territorial_scope and \
                not any(a in REMOVAL_ACTIONS and a != best for a in self.actions):
            return GEO_RESTRICTED
        return best

    def removes(self) -> bool:
        return self.outcome() in REMOVAL_ACTIONS


@dataclass(frozen=True, slots=True)
class PartnerBatch:
    referrals: list[dict[str, Any]]
    cursor: str | None  # pass back as `since` to get what changed after this batch


# -- validation (pure) -------------------------------------------------------------------------------
def _text(field: str, v: Any, *, required: bool = False) -> str | None:
    if v is None:
        if required:
            raise AnswerError(field, "is required here")
        return None
    if not isinstance(v, str):
        raise AnswerError(field, f"must be a string, not {type(v).__name__}")
    v = v.strip()
    if required and not v:
        raise AnswerError(field, "must not be empty")
    if len(v) > MAX_TEXT:
        raise AnswerError(field, f"must be at most {MAX_TEXT} characters")
    if _BAD_CHARS.search(v):
        raise AnswerError(field, "contains control or bidirectional-override characters")
    return v or None


def _str_list(field: str, v: Any, limit: int) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str) or not isinstance(v, (list, tuple)):
        raise AnswerError(field, "must be a list of strings")
    if len(v) > limit:
        raise AnswerError(field, f"must have at most {limit} entries")
    if not all(isinstance(x, str) for x in v):
        raise AnswerError(field, "must be a list of strings")
    if len(set(v)) != len(v):
        raise AnswerError(field, "has duplicate entries")
    return tuple(v)


def parse_time(field: str, v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        dt = v
    elif isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            raise AnswerError(field, f"is not an ISO 8601 date-time: {v[:40]!r}") from None
    else:
        raise AnswerError(field, f"must be an ISO 8601 string, not {type(v).__name__}")
    if dt.tzinfo is None:
        raise AnswerError(field, "must carry a time zone (e.g. 2026-11-28T10:00:00Z)")
    return dt.astimezone(timezone.utc)


def parse_answer(payload: Mapping[str, Any]) -> Answer:
    """A partner's answer (as decoded JSON) checked completely; AnswerError on the first problem.

    Fields: `action` (one value or a list), `reason` (with DECLINED), `reason_text`, `urls` (items the
    answer covers; default all), `territorial_scope` (with ..._CONTENT_DISABLED), `visibility_other`
    (with DECISION_VISIBILITY_OTHER), `at` (when the platform decided; default: now).
    """
    if not isinstance(payload, Mapping):
        raise AnswerError("answer", "must be a JSON object")
    unknown = sorted(set(payload) - ANSWER_FIELDS)
    if unknown:
        raise AnswerError(unknown[0], f"unknown field; allowed: {', '.join(sorted(ANSWER_FIELDS))}")
    raw = payload.get("action")
    if raw is None:
        raise AnswerError("action", f"is required; one or more of: {', '.join(ALL_ACTIONS)}")
    actions = (raw,) if isinstance(raw, str) else _str_list("action", raw, len(ALL_ACTIONS))
    if not actions:
        raise AnswerError("action", "must name at least one action")
    bad = [a for a in actions if a not in ALL_ACTIONS]
    if bad:
        raise AnswerError("action", f"unknown value {bad[0][:60]!r}; allowed: {', '.join(ALL_ACTIONS)}")
    if len(set(actions)) != len(actions):
        raise AnswerError("action", "has duplicate values")
    terminal = [a for a in actions if a in (DECLINED, NEEDS_INFORMATION)]
    if terminal and len(actions) > 1:
        raise AnswerError("action", f"{terminal[0]} cannot be combined with other actions")
    if sum(a in ACCOUNT for a in actions) > 1:
        raise AnswerError("action", "an account is either suspended or terminated, not both")
    reason = payload.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise AnswerError("reason", f"must be a string, not {type(reason).__name__}")
    reason_text = _text("reason_text", payload.get("reason_text"))
    if actions[0] == DECLINED:
        if reason not in DECLINE_REASONS:
            raise AnswerError("reason", f"DECLINED needs a reason, one of: {', '.join(DECLINE_REASONS)}")
        if reason == "OTHER" and not reason_text:
            raise AnswerError("reason_text", "say why when the reason is OTHER")
    elif reason is not None:
        raise AnswerError("reason", "is only for DECLINED (use reason_text to explain an action)")
    if actions[0] == NEEDS_INFORMATION and not reason_text:
        raise AnswerError("reason_text", "say what information is needed")
    other = _text("visibility_other", payload.get("visibility_other"))
    if ("DECISION_VISIBILITY_OTHER" in actions) != bool(other):
        raise AnswerError("visibility_other", "is required with, and only with, DECISION_VISIBILITY_OTHER")
    scope = _str_list("territorial_scope", payload.get("territorial_scope"), 60)
    if scope:
        if "DECISION_VISIBILITY_CONTENT_DISABLED" not in actions:
            raise AnswerError("territorial_scope", "applies only to DECISION_VISIBILITY_CONTENT_DISABLED")
        badc = [c for c in scope if not _COUNTRY.match(c)]
        if badc:
            raise AnswerError("territorial_scope", f"{badc[0][:10]!r} is not an ISO 3166-1 alpha-2 code (e.g. FR)")
    urls = _str_list("urls", payload.get("urls"), 1000)
    return Answer(actions=actions, reason=reason, reason_text=reason_text, urls=urls, territorial_scope=scope,
                  visibility_other=other, at=parse_time("at", payload.get("at")))


# -- cursor -------------------------------------------------------------------------------------------
_MAX_ID = 2**31 - 1  # "every id at this instant": the largest INTEGER (PostgreSQL refuses a bigger bound)
def _encode_cursor(updated_at: str, rid: int) -> str:
    return f"{updated_at}~{rid}"


def _decode_cursor(since: str | datetime | None) -> tuple[datetime, int] | None:
    if since is None:
        return None
    if isinstance(since, datetime):
        dt = parse_time("since", since)
        return (dt, _MAX_ID)  # everything changed strictly after this instant
    if not isinstance(since, str):
        raise AnswerError("since", "must be a cursor string or a date-time")
    stamp, _, rid = since.partition("~")
    dt = parse_time("since", stamp)
    if rid and (not rid.isascii() or not rid.isdigit() or len(rid) > 10 or int(rid) > _MAX_ID):
        raise AnswerError("since", "is not a cursor returned by this API")
    return (dt, int(rid) if rid else _MAX_ID)


# -- store functions ------------------------------------------------------------------------------------
def list_for_platform(conn_or_session: Connection | Session, platform: str,
                      since: str | datetime | None = None, *, limit: int = 100) -> PartnerBatch:
    """The platform's referrals that changed after `since` (a cursor or a date-time), oldest change first."""
    if not 1 <= limit <= 1000:
        raise AnswerError("limit", "must be between 1 and 1000")
    after = _decode_cursor(since)
    refs = load_referrals(conn_or_session, platform=platform, available_only=True, after=after, limit=limit)
    cursor = _encode_cursor(refs[-1]["updated_at"], refs[-1]["id"]) if refs else (
        since if isinstance(since, str) else None)
    return PartnerBatch([partner_view(r) for r in refs], cursor)


def get_for_platform(conn_or_session: Connection | Session, platform: str, reference: str) -> dict[str, Any]:
    refs = load_referrals(conn_or_session, platform=platform, references=[_ref(reference)], available_only=True)
    if not refs:
        raise ReferralNotFound(reference)
    return partner_view(refs[0])


def _ref(reference: Any) -> str:
    if not isinstance(reference, str) or not reference or len(reference) > 40:
        raise ReferralNotFound(str(reference))
    return reference


def _own(conn: Connection, platform: str, reference: str, lock: bool = False):
    q = select(ReferralRow.__table__).where(ReferralRow.reference == _ref(reference),
                                            ReferralRow.platform == platform,
                                            ReferralRow.available_at.is_not(None))
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise ReferralNotFound(reference)
    return row


def _settle(conn: Connection, row: Any, platform: str) -> str:
    """The status to answer from: a referral made available whose delivery was not recorded yet
    (a dispatcher stopped in between) counts as sent at the time it became available."""
    if row.status == "drafted":
        mark_sent(conn, row.id, utc(row.available_at), f"partner:{platform}", "available to the partner API")
        return "sent"
    return row.status


def acknowledge(conn_or_session: Connection | Session, platform: str, reference: str, *,
                now: datetime, at: datetime | str | None = None, actor: str | None = None) -> dict[str, Any]:
    """The platform has the referral in hand. Idempotent: a second acknowledgement changes nothing."""
    conn = connection(conn_or_session)
    at = parse_time("at", at) or now
    row = _own(conn, platform, reference, lock=True)
    _check_time(at, row, now)
    status = _settle(conn, row, platform)
    if status in ("sent", "expired"):
        transition(conn, row.id, "acknowledged", at=at, now=now, actor=actor or f"partner:{platform}",
                   current=status)
    return get_for_platform(conn, platform, reference)


def _check_time(at: datetime, row: Any, now: datetime) -> None:
    if at > now + CLOCK_SKEW:
        raise AnswerError("at", "is in the future")
    created = utc(row.created_at)
    if created and at < created - CLOCK_SKEW:
        raise AnswerError("at", "is before the referral was made")


def answer(conn_or_session: Connection | Session, platform: str, reference: str,
           action: str | Sequence[str] | Mapping[str, Any], reason: str | None = None, *, now: datetime,
           reason_text: str | None = None, urls: Sequence[str] | None = None,
           territorial_scope: Sequence[str] | None = None, visibility_other: str | None = None,
           at: datetime | str | None = None, actor: str | None = None) -> dict[str, Any]:
    """Record the platform's decision on its referral (or on some of its items, via `urls`).

    `action` is one value, a list of values, or a whole answer object (as the partner API receives it).
    Everything is validated before anything is written: AnswerError / ReferralNotFound leave the
    database as it was. Returns the referral as the partner sees it afterwards.
    """
    if isinstance(action, Mapping):
        payload = dict(action)
    else:
        payload = {"action": action if isinstance(action, str) else list(action), "reason": reason,
                   "reason_text": reason_text, "urls": list(urls) if urls is not None else None,
                   "territorial_scope": list(territorial_scope) if territorial_scope is not None else None,
                   "visibility_other": visibility_other, "at": at}
        payload = {k: v for k, v in payload.items() if v is not None}
    ans = parse_answer(payload)
    conn = connection(conn_or_session)
    row = _own(conn, platform, reference, lock=True)
    at_ = ans.at or now
    _check_time(at_, row, now)
    items = conn.execute(select(ReferralItemRow.id, ReferralItemRow.url)
                         .where(ReferralItemRow.referral_id == row.id)).all()
    by_url = {u: i for i, u in items}
    unknown = [u for u in ans.urls if u not in by_url]
    if unknown:
        raise AnswerError("urls", f"{unknown[0][:120]!r} is not an item of referral {reference}")
    targets = [by_url[u] for u in ans.urls] if ans.urls else [i for i, _ in items]
    who = actor or f"partner:{platform}"
    # -- valid: write --
    conn.execute(ReferralAnswerRow.__table__.insert(), [{
        "referral_id": row.id, "actions": list(ans.actions), "decline_reason": ans.reason,
        "reason_text": ans.reason_text, "territorial_scope": list(ans.territorial_scope),
        "item_urls": list(ans.urls), "answered_at": at_, "received_at": now, "actor": who[:80]}])
    status = _settle(conn, row, platform)
    if status in ("sent", "expired"):
        if transition(conn, row.id, "acknowledged", at=at_, now=now, actor=who, current=status,
                      note="acknowledged by answering"):
            status = "acknowledged"
    if ans.kind == NEEDS_INFORMATION:
        touch(conn, row.id, now, answered_at=at_)
        add_event(conn, row.id, status, at_, who, f"needs information: {ans.reason_text}")
        return get_for_platform(conn, platform, reference)
    outcome = ans.outcome()
    conn.execute(update(ReferralItemRow).where(ReferralItemRow.id.in_(targets)).values(
        outcome=outcome, outcome_at=at_, removed_at=at_ if ans.removes() else None,
        decline_reason=ans.reason if ans.kind == DECLINED else None))
    open_items = conn.scalar(select(func.count()).select_from(ReferralItemRow)
                             .where(ReferralItemRow.referral_id == row.id, ReferralItemRow.outcome.is_(None)))
    note = f"{outcome}" + (f" ({ans.reason})" if ans.reason else "") + \
        (f" for {len(targets)} of {len(items)} item(s)" if ans.urls else "")
    if open_items:
        touch(conn, row.id, now, answered_at=at_)
        add_event(conn, row.id, status, at_, who, f"partial answer: {note}")
    else:
        any_action = conn.scalar(select(func.count()).select_from(ReferralItemRow)
                                 .where(ReferralItemRow.referral_id == row.id,
                                        ReferralItemRow.outcome.not_in([DECLINED, NEEDS_INFORMATION])))
        final = "actioned" if any_action else "declined"
        if not transition(conn, row.id, final, at=at_, now=now, actor=who, current=status, note=note,
                          answered_at=at_):
            touch(conn, row.id, now, answered_at=at_)
    return get_for_platform(conn, platform, reference)


# -- the channel ---------------------------------------------------------------------------------------
class PullChannel:
    """Delivering = making the referral visible to its platform's partner API (idempotent)."""

    name: ClassVar[str] = "pull"

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def send(self, delivery: Delivery) -> Receipt:
        now = self._clock()
        with self.engine.begin() as conn:
            res = conn.execute(update(ReferralRow)
                               .where(ReferralRow.id == delivery.referral_id, ReferralRow.available_at.is_(None))
                               .values(available_at=now, updated_at=now, version=ReferralRow.version + 1))
        return Receipt(None, "made available to the partner API" if res.rowcount else "already available")


def make_available(conn_or_session: Connection | Session, references: Iterable[str], *, now: datetime) -> int:
    """Make referrals visible to their platforms' partner API directly (e.g. a platform added to pull later)."""
    conn = connection(conn_or_session)
    res = conn.execute(update(ReferralRow).where(ReferralRow.reference.in_(list(references)),
                                                 ReferralRow.available_at.is_(None))
                       .values(available_at=now, updated_at=now, version=ReferralRow.version + 1))
    return res.rowcount


__all__ = ["ACTIONS", "ALL_ACTIONS", "Answer", "AnswerError", "DECLINE_REASONS", "PartnerBatch", "PullChannel",
           "REMOVAL_ACTIONS", "ReferralNotFound", "acknowledge", "answer", "get_for_platform",
           "list_for_platform", "make_available", "parse_answer"]
