"""Referral metrics: how much of what we notify comes down, and how fast. Pure functions over rows.

Why it exists: the public figure is "over 90% of notified content is removed"; nobody publishes how
fast. These numbers answer both, per platform, category and language, from the same rows the console
shows, so the console page and the transparency report cannot disagree:

- removal rate: removed items / referred (sent) items. An item counts as removed when the platform
  reported a removing action (`REMOVAL_ACTIONS`) or a liveness check saw it offline;
- time from sent to removal, median and p90, twice: as *reported* by the platform's answer, and as
  *observed* by liveness checks (first seen offline). Observed times are bounded by the check interval;
- open past SLA: referred items with neither an answer nor an observed removal whose deadline passed;
- declines by reason.

Percentiles use linear interpolation between order statistics (numpy's default), in hours.
`load_outcomes` is the one function here that reads the database.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from tidewatch.refer.channels.pull import DECLINED, REMOVAL_ACTIONS
from tidewatch.refer.status import connection, utc
from tidewatch.store.refer_models import ReferralItemRow, ReferralRow

DIMENSIONS = ("platform", "category", "lang")


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    reference: str
    platform: str
    category: str
    lang: str | None
    status: str
    sent_at: datetime | None
    deadline: datetime
    outcome: str | None = None
    outcome_at: datetime | None = None
    removed_at: datetime | None = None  # reported by the platform
    first_seen_offline_at: datetime | None = None  # observed
    decline_reason: str | None = None

    @property
    def removed(self) -> bool:
        return self.removed_at is not None or self.first_seen_offline_at is not None

    @property
    def answered(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class GroupMetrics:
    key: dict[str, str | None]
    referred: int
    removed: int
    removal_rate: float | None
    reported_removed: int
    observed_removed: int
    median_hours_reported: float | None
    p90_hours_reported: float | None
    median_hours_observed: float | None
    p90_hours_observed: float | None
    open: int
    open_past_sla: int
    declined: int
    declines_by_reason: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("removal_rate", "median_hours_reported", "p90_hours_reported", "median_hours_observed",
                  "p90_hours_observed"):
            if d[k] is not None:
                d[k] = round(d[k], 4)
        return d


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation; None for no values."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 3600)  # removed before the notice arrived: 0


def summarise_group(key: dict[str, str | None], rows: Sequence[ItemOutcome], now: datetime) -> GroupMetrics:
    sent = [r for r in rows if r.sent_at is not None]
    reported = [h for r in sent if (h := _hours(r.sent_at, r.removed_at)) is not None]
    observed = [h for r in sent if (h := _hours(r.sent_at, r.first_seen_offline_at)) is not None]
    removed = sum(r.removed for r in sent)
    open_ = [r for r in sent if not r.answered and not r.removed]
    declines = Counter(r.decline_reason or "UNSPECIFIED" for r in sent if r.outcome == DECLINED)
    return GroupMetrics(
        key=key, referred=len(sent), removed=removed, removal_rate=(removed / len(sent)) if sent else None,
        reported_removed=len(reported), observed_removed=len(observed),
        median_hours_reported=percentile(reported, 50), p90_hours_reported=percentile(reported, 90),
        median_hours_observed=percentile(observed, 50), p90_hours_observed=percentile(observed, 90),
        open=len(open_), open_past_sla=sum(r.deadline < now for r in open_), declined=sum(declines.values()),
        declines_by_reason=dict(sorted(declines.items())),
    )


def summarise(rows: Iterable[ItemOutcome], *, now: datetime, by: Sequence[str] = ("platform",)) -> list[GroupMetrics]:
    """Metrics per group of `by` (any of platform, category, lang), groups in sorted order.

    `by=()` gives one overall group.
    """
    bad = [d for d in by if d not in DIMENSIONS]
    if bad:
        raise ValueError(f"unknown dimension(s) {bad}; use {', '.join(DIMENSIONS)}")
    groups: dict[tuple, list[ItemOutcome]] = {}
    for r in rows:
        groups.setdefault(tuple(getattr(r, d) for d in by), []).append(r)
    return [summarise_group(dict(zip(by, k)), g, now)
            for k, g in sorted(groups.items(), key=lambda kv: tuple("" if x is None else x for x in kv[0]))]


def removal_rate(rows: Iterable[ItemOutcome]) -> float | None:
    sent = [r for r in rows if r.sent_at is not None]
    return sum(r.removed for r in sent) / len(sent) if sent else None


def is_removal(outcome: str | None) -> bool:
    return outcome in REMOVAL_ACTIONS


def load_outcomes(conn_or_session: Connection | Session, *, platform: str | None = None,
                  since: datetime | None = None, until: datetime | None = None) -> list[ItemOutcome]:
    """One ItemOutcome per referred item (optionally: one platform, referrals created in [since, until))."""
    conn = connection(conn_or_session)
    i, r = ReferralItemRow, ReferralRow
    q = (select(r.reference, r.platform, i.category, i.lang, r.status, r.sent_at, r.deadline, i.outcome,
                i.outcome_at, i.removed_at, i.first_seen_offline_at, i.decline_reason)
         .join(r, r.id == i.referral_id).order_by(r.id, i.position))
    if platform:
        q = q.where(r.platform == platform)
    if since:
        q = q.where(r.created_at >= since)
    if until:
        q = q.where(r.created_at < until)
    return [ItemOutcome(ref, plat, cat, lang, status, utc(sent), utc(deadline), outcome, utc(oat), utc(rem),
                        utc(off), dec)
            for ref, plat, cat, lang, status, sent, deadline, outcome, oat, rem, off, dec in conn.execute(q)]
