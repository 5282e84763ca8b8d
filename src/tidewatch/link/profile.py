"""A network's profile: what an investigator asks first about a network, from facts about its posts.

- accounts: active, removed, or recreated after a removal. Smugglers open a new account when the
  old one is taken down and carry on with the same phone, handle or images, so an account that
  shares identifiers with a removed one and starts posting after it stopped is a recreation;
- routes: the places each advert names, in the order it names them (origin first, destination
  last: "from Zuwara to Lampedusa", "Erbil → Istanbul → Italy");
- prices per currency, activity per week and month, reach;
- referral outcomes: how many posts were referred, removed, declined, still open.

Pure functions over plain records: the bank (at build time) and the console (live, for one
network) feed them the same facts, so the two cannot disagree on what "removed" means.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from statistics import median
from typing import Any, Iterable, Mapping, Sequence

QUIET_DAYS = 30  # without referral data: an account silent this long, whose identifiers reappear, was removed
ACCOUNT_STATUSES = ("active", "removed", "recreated")
REFERRAL_OUTCOMES = ("removed", "restricted", "declined", "open")
# Identifiers whose reuse by a later account shows it is the same seller.
RECREATION_KINDS = frozenset({"phone", "handle", "url", "image", "payment_ref"})
_SENT = frozenset({"sent", "acknowledged", "actioned", "declined", "expired"})


@dataclass(frozen=True, slots=True)
class Referral:
    """What the referrals say about one post, all referrals of it combined."""

    # "removed" | "restricted" (acted on but still up: geo-blocked, labelled...) | "declined" | "open"
    outcome: str
    removed_at: datetime | None = None  # reported by the platform or first seen offline
    account_removed: bool = False  # the platform suspended or terminated the account
    basis: str | None = None  # for "removed": "platform" (its answer) or "offline" (our liveness checks)


@dataclass(frozen=True, slots=True)
class PostFacts:
    post_id: str
    account: str | None  # "platform:author id or handle", lower case
    created_at: datetime | None
    identifiers: tuple[tuple[str, str], ...] = ()  # (kind, value)
    places: tuple[str | tuple[str, str | None], ...] = ()  # name or (name, country), in the order named
    prices: tuple[tuple[float, str], ...] = ()  # (amount, ISO currency)
    reach: int = 0
    handle: str | None = None  # the author's own handle, as the account shows it
    referral: Referral | None = None


@dataclass(frozen=True, slots=True)
class AccountFacts:
    account: str
    status: str  # one of ACCOUNT_STATUSES
    n_posts: int
    first_seen: datetime | None
    last_seen: datetime | None
    removed_at: datetime | None = None
    basis: str | None = None  # why "removed": "platform" (answer), "offline" (liveness), "inferred"
    recreates: tuple[str, ...] = ()  # removed accounts this one shares identifiers with and followed
    handle: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"account": self.account, "status": self.status, "n_posts": self.n_posts,
                "first_seen": _iso(self.first_seen), "last_seen": _iso(self.last_seen),
                "removed_at": _iso(self.removed_at), "basis": self.basis, "recreates": list(self.recreates),
                "handle": self.handle}


def utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _iso(dt: datetime | None) -> str | None:
    dt = utc(dt)
    return dt.isoformat().replace("+00:00", "Z") if dt else None


# -- referral outcomes --------------------------------------------------------------------------
def post_referral(items: Iterable[Mapping[str, Any]]) -> Referral | None:
    """Combine the referral items of one post (each a mapping with the referral's `status` and the
    item's `outcome`, `outcome_at`, `removed_at`, `first_seen_offline_at`) into one outcome.

    Drafts were never sent and do not count. Removal wins over everything (a post re-referred
    after a decline and then removed was removed); an action that leaves the post up
    (geo-blocking, a label, demotion) is "restricted"; a decline is "declined"; no answer (or a
    request for information) and no observed removal is "open"."""
    sent = [i for i in items if i.get("status") in _SENT]
    if not sent:
        return None
    # the DSA vocabulary lives with the partner channel (imported here: it brings the HTTP channels along)
    from tidewatch.refer.channels.pull import ACCOUNT, DECLINED, NEEDS_INFORMATION, REMOVAL_ACTIONS

    removed_times: list[datetime] = []
    reported = observed = account_removed = declined = restricted = False
    for i in sent:
        outcome = i.get("outcome")
        said = outcome in REMOVAL_ACTIONS or i.get("removed_at") is not None
        offline = utc(i.get("first_seen_offline_at"))
        if said:
            reported = True
            t = utc(i.get("removed_at")) or utc(i.get("outcome_at"))
            removed_times += [x for x in (t, offline) if x]
            account_removed = account_removed or outcome in ACCOUNT
        elif offline:
            observed = True
            removed_times.append(offline)
        elif outcome == DECLINED:
            declined = True
        elif outcome and outcome != NEEDS_INFORMATION:
            restricted = True
    if reported or observed:
        return Referral("removed", min(removed_times) if removed_times else None, account_removed,
                        "platform" if reported else "offline")
    if restricted:
        return Referral("restricted")
    return Referral("declined" if declined else "open")


def referral_counts(posts: Sequence[PostFacts]) -> dict[str, int]:
    """Posts referred, and of those removed, restricted, declined, still open."""
    c = Counter(p.referral.outcome for p in posts if p.referral)
    return {"referred": sum(c.values()), **{k: c[k] for k in REFERRAL_OUTCOMES}}


# -- accounts -----------------------------------------------------------------------------------
def _account_identifiers(posts: Sequence[PostFacts]) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for p in posts:
        if not p.account:
            continue
        ids = out[p.account]
        ids.update((k, v) for k, v in p.identifiers if k in RECREATION_KINDS)
        if p.handle:  # the account's own name, written in a later account's adverts ("new page: @...")
            h = p.handle.strip().lower()
            ids.add(("handle", h if h.startswith("@") else "@" + h))
    return out


def classify_accounts(posts: Sequence[PostFacts], now: datetime,
                      quiet_days: int = QUIET_DAYS) -> list[AccountFacts]:
    """Each account of the network: active, removed or recreated after a removal.

    Removed: the platform suspended or terminated the account; or every referred post of it was
    removed (reported, or seen offline) and it posted nothing after the last removal. Without any
    referral outcome for an account: it counts as removed ("inferred") when its last post is older
    than `quiet_days` and its identifiers reappear under an account that started after it stopped.
    Recreated: not removed, and shares an identifier with a removed account whose last post came
    before this account's first. Accounts are returned busiest first.
    """
    now = utc(now)
    by_account: dict[str, list[PostFacts]] = defaultdict(list)
    for p in posts:
        if p.account:
            by_account[p.account].append(p)
    idents = _account_identifiers(posts)
    span: dict[str, tuple[datetime | None, datetime | None]] = {}
    for acc, ps in by_account.items():
        times = sorted(t for t in (utc(p.created_at) for p in ps) if t)
        span[acc] = (times[0], times[-1]) if times else (None, None)
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for acc, ids in idents.items():
        for i in ids:
            holders[i].add(acc)

    def sharing(acc: str) -> set[str]:
        return {other for i in idents.get(acc, ()) for other in holders[i] if other != acc}

    def follows(later: str, earlier: str) -> bool:
        """`later` began posting after `earlier` stopped."""
        first, last = span[later][0], span[earlier][1]
        return first is not None and last is not None and first > last

    removed: dict[str, tuple[datetime | None, str]] = {}
    no_outcomes = []
    for acc, ps in by_account.items():
        refs = [p.referral for p in ps if p.referral]
        gone = [r for r in refs if r.outcome == "removed"]
        if any(r.account_removed for r in gone):
            removed[acc] = (min((r.removed_at for r in gone if r.removed_at), default=None), "platform")
            continue
        if gone and len(gone) == len(refs):
            last_removal = max((r.removed_at for r in gone if r.removed_at), default=None)
            later = last_removal is not None and span[acc][1] is not None and span[acc][1] > last_removal
            if not later:  # posting again after the removal: the account itself is still up
                basis = "platform" if any(r.basis == "platform" for r in gone) else "offline"
                removed[acc] = (last_removal, basis)
            continue
        if not refs:
            no_outcomes.append(acc)
    for acc in no_outcomes:
        last = span[acc][1]
        if last is None or now is None or now - last < timedelta(days=quiet_days):
            continue
        if any(follows(other, acc) for other in sharing(acc)):
            removed[acc] = (None, "inferred")

    out = []
    for acc, ps in by_account.items():
        first, last = span[acc]
        handle = next((p.handle for p in ps if p.handle), None)
        recreates = tuple(sorted(o for o in sharing(acc) if o in removed and follows(acc, o)))
        if acc in removed:
            at, basis = removed[acc]
            out.append(AccountFacts(acc, "removed", len(ps), first, last, at, basis, recreates, handle))
        else:
            out.append(AccountFacts(acc, "recreated" if recreates else "active", len(ps), first, last,
                                    recreates=recreates, handle=handle))
    out.sort(key=lambda a: (-a.n_posts, a.account))
    return out


def account_counts(accounts: Sequence[AccountFacts]) -> dict[str, int]:
    c = Counter(a.status for a in accounts)
    return {s: c[s] for s in ACCOUNT_STATUSES}


# -- routes, prices, activity ---------------------------------------------------------------------
def route_of(places: Sequence[str | tuple[str, str | None]]) -> tuple[str, ...]:
    """The stops an advert names, in order; a route needs two.

    Places are names, or (name, ISO country) pairs. Consecutive places in one country are one
    stop ("Tobruk, Libya" is a departure point, not a route from Tobruk to Libya): the first names
    it, except for the last stop, which its last place names ("Van, then Istanbul")."""
    runs: list[list[str]] = []
    last_country = None
    seen: set[str] = set()
    for p in places:
        name, country = (p, None) if isinstance(p, str) else (p[0], p[1])
        if not name or name in seen:
            continue
        seen.add(name)
        if country and country == last_country and runs:
            runs[-1].append(name)
        else:
            runs.append([name])
        last_country = country
    if len(runs) < 2:
        return ()
    return tuple(r[0] for r in runs[:-1]) + (runs[-1][-1],)


def routes(posts: Sequence[PostFacts], limit: int = 10) -> list[dict[str, Any]]:
    """The routes the adverts name, most frequent first: origin, destination, the places between."""
    c = Counter(r for r in (route_of(p.places) for p in posts) if r)
    return [{"origin": r[0], "destination": r[-1], "via": list(r[1:-1]), "posts": n}
            for r, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def price_ranges(posts: Sequence[PostFacts]) -> list[dict[str, Any]]:
    """Per currency: lowest, median and highest price asked, and in how many posts."""
    amounts: dict[str, list[float]] = defaultdict(list)
    posts_with: Counter = Counter()
    for p in posts:
        cur_seen = set()
        for amount, currency in p.prices:
            if amount is None or not currency:
                continue
            amounts[currency].append(float(amount))
            cur_seen.add(currency)
        posts_with.update(cur_seen)
    return [{"currency": cur, "min": min(v), "median": median(v), "max": max(v), "posts": posts_with[cur]}
            for cur, v in sorted(amounts.items(), key=lambda kv: (-posts_with[kv[0]], kv[0]))]


def _monday(t: datetime) -> date:
    d = utc(t).date()
    return d - timedelta(days=d.weekday())


def weekly_activity(times: Iterable[datetime | None], max_weeks: int = 104) -> list[tuple[date, int]]:
    """Posts per week (weeks start on Monday, UTC), with the empty weeks in between, the last
    `max_weeks` weeks at most."""
    c = Counter(_monday(t) for t in times if t is not None)
    if not c:
        return []
    last = max(c)
    first = max(min(c), last - timedelta(weeks=max_weeks - 1))
    out, week = [], first
    while week <= last:
        out.append((week, c.get(week, 0)))
        week += timedelta(weeks=1)
    return out


def monthly_activity(times: Iterable[datetime | None]) -> dict[str, int]:
    c = Counter(utc(t).strftime("%Y-%m") for t in times if t is not None)
    return dict(sorted(c.items()))


@dataclass
class Summary:
    """Everything `summarise` computes, ready to store as JSON (see `as_json`)."""

    accounts: list[AccountFacts] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)
    referrals: dict[str, int] = field(default_factory=dict)
    reach: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"accounts": account_counts(self.accounts), "routes": self.routes, "price_ranges": self.prices,
                "referrals": self.referrals, "reach": self.reach}


def summarise(posts: Sequence[PostFacts], now: datetime, quiet_days: int = QUIET_DAYS) -> Summary:
    return Summary(classify_accounts(posts, now, quiet_days), routes(posts), price_ranges(posts),
                   referral_counts(posts), sum(p.reach for p in posts))
