"""Reading the intelligence bank back for the console: the network list, one network in full,
the links from one post to the bank, and export snapshots narrowed to one network.

Why here and not in the bank's build: what the console shows about a network must be current
(a referral answered an hour ago changes which accounts count as removed), so one network's
profile is recomputed on read with the same pure functions (`link.profile`) the build stores.
The list reads the stored profiles plus live aggregates, never every post of every network.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from tidewatch.console.priority import reach
from tidewatch.link.bank import referral_items
from tidewatch.link.export import BankSnapshot, snapshot
from tidewatch.link.profile import (PostFacts, account_counts, classify_accounts, monthly_activity,
                                    post_referral, price_ranges, referral_counts, routes, utc,
                                    weekly_activity)
from tidewatch.link.templates import skeleton
from tidewatch.store.console_models import QueueItemRow
from tidewatch.store.models import (DetectionRow, EntityRow, NetworkPostRow, NetworkRow, PostRow,
                                    PostTemplateRow)
from tidewatch.store.refer_models import ReferralItemRow
from tidewatch.store.repo import Store

IDENTIFIER_KINDS = ("phone", "handle", "url")  # what the page lists (images come from the posts' media)
SORTS = ("activity", "reach", "size", "newest")
RECENT_DAYS = 30
POSTS_SHOWN = 200
TEMPLATE_TEXT = 2000  # characters of each member text the skeleton is built from
SNIPPET = 240


@dataclass(frozen=True, slots=True)
class NetworkFilter:
    lang: str | None = None
    category: str | None = None
    platform: str | None = None
    sort: str = "activity"


def account_key(platform: str | None, author_id: str | None, author_handle: str | None) -> str | None:
    """The same account key the bank uses ("platform:id or handle", lower case)."""
    key = author_id or author_handle
    return f"{platform}:{key.lower()}" if key else None


def _account_sql():
    """account_key in SQL (NULL without author), for COUNT(DISTINCT ...) on SQLite and PostgreSQL."""
    author = func.lower(func.coalesce(PostRow.author_id, PostRow.author_handle))
    return PostRow.platform.concat(":").concat(author)


# -- the list -------------------------------------------------------------------------------------
def _member_where(cond):
    return NetworkRow.id.in_(select(NetworkPostRow.network_id)
                             .join(QueueItemRow, QueueItemRow.post_id == NetworkPostRow.post_id).where(cond))


def list_networks(store: Store, now: datetime, f: NetworkFilter = NetworkFilter(), limit: int = 50,
                  offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of networks, most active first (posts in the last 30 days, then reach), and how
    many match. Reach and activity come from the review queue's copy of each post (its `reach`
    is views, else followers), which the console keeps in step with the detections."""
    q = QueueItemRow
    cutoff = now - timedelta(days=RECENT_DAYS)
    agg = (select(NetworkPostRow.network_id.label("nid"),
                  func.coalesce(func.sum(q.reach), 0).label("reach"),
                  func.coalesce(func.sum(case((q.posted_at >= cutoff, 1), else_=0)), 0).label("recent"))
           .select_from(NetworkPostRow).outerjoin(q, q.post_id == NetworkPostRow.post_id)
           .group_by(NetworkPostRow.network_id).subquery())
    where = []
    if f.lang:
        where.append(_member_where(q.lang == f.lang))
    if f.platform:
        where.append(_member_where(q.platform == f.platform))
    if f.category:
        where.append(_member_where(q.categories.contains(f",{f.category},", autoescape=True)))
    n = NetworkRow
    order = {
        "activity": (agg.c.recent.desc(), agg.c.reach.desc(), n.last_seen.desc().nulls_last(), n.id),
        "reach": (agg.c.reach.desc(), agg.c.recent.desc(), n.id),
        "size": (n.n_posts.desc(), n.n_accounts.desc(), n.id),
        "newest": (n.last_seen.desc().nulls_last(), n.id),
    }[f.sort if f.sort in SORTS else "activity"]
    stmt = (select(n.id, n.n_posts, n.n_accounts, n.first_seen, n.last_seen, n.profile, n.built_at,
                   agg.c.reach, agg.c.recent)
            .join(agg, agg.c.nid == n.id).where(*where).order_by(*order).limit(limit).offset(offset))
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        total = conn.scalar(select(func.count()).select_from(n).where(*where)) or 0
        ids = [r["id"] for r in rows]
        outcomes: dict[str, list[PostFacts]] = defaultdict(list)
        if ids:
            referred = (select(NetworkPostRow.post_id, NetworkPostRow.network_id)
                        .join(ReferralItemRow, ReferralItemRow.post_id == NetworkPostRow.post_id)
                        .where(NetworkPostRow.network_id.in_(ids)))
            members = dict(conn.execute(referred).all())
            for pid, items in referral_items(conn, sorted(members)).items():
                outcomes[members[pid]].append(PostFacts(pid, None, None, referral=post_referral(items)))
    for r in rows:
        prof = r["profile"] or {}
        r["reach"], r["recent"] = int(r["reach"] or 0), int(r["recent"] or 0)
        r["referrals"] = referral_counts(outcomes.get(r["id"], []))
        r["languages"] = list((prof.get("languages") or {}).items())[:4]
        r["categories"] = list((prof.get("categories") or {}).items())[:4]
        r["platforms"] = list((prof.get("platforms") or {}).items())[:4]
        r["accounts"] = prof.get("accounts") or {}
        r["top_route"] = (prof.get("routes") or [None])[0]
    return rows, total


def facets(store: Store) -> dict[str, list[str]]:
    """Languages and platforms present among network posts, for the list's filters."""
    members = select(NetworkPostRow.post_id)
    with store.engine.connect() as conn:
        langs = sorted(x for x in conn.scalars(select(QueueItemRow.lang).distinct()
                                               .where(QueueItemRow.post_id.in_(members))) if x)
        platforms = sorted(x for x in conn.scalars(select(QueueItemRow.platform).distinct()
                                                   .where(QueueItemRow.post_id.in_(members))) if x)
    return {"langs": langs, "platforms": platforms}


# -- one network ----------------------------------------------------------------------------------
def network_view(store: Store, network_id: str, now: datetime) -> dict[str, Any] | None:
    """Everything the network page shows, recomputed from the posts, entities and referrals."""
    members = select(NetworkPostRow.post_id).where(NetworkPostRow.network_id == network_id)
    with store.engine.connect() as conn:
        net = conn.execute(select(NetworkRow).where(NetworkRow.id == network_id)).mappings().first()
        if net is None:
            return None
        posts = [dict(r) for r in conn.execute(
            select(PostRow.id, PostRow.platform, PostRow.url, PostRow.author_id, PostRow.author_handle,
                   PostRow.author_name, PostRow.created_at, PostRow.lang.label("post_lang"), PostRow.metrics,
                   PostRow.media, DetectionRow.lang, DetectionRow.categories, DetectionRow.score,
                   QueueItemRow.id.label("item_id"), QueueItemRow.status, PostTemplateRow.template_id)
            .join(NetworkPostRow, NetworkPostRow.post_id == PostRow.id)
            .outerjoin(DetectionRow, DetectionRow.post_id == PostRow.id)
            .outerjoin(QueueItemRow, QueueItemRow.post_id == PostRow.id)
            .outerjoin(PostTemplateRow, PostTemplateRow.post_id == PostRow.id)
            .where(NetworkPostRow.network_id == network_id)
            .order_by(PostRow.created_at.desc().nulls_last(), PostRow.id)).mappings()]
        for p in posts:  # SQLite hands datetimes back naive
            p["created_at"] = utc(p["created_at"])
        ents: dict[str, list[dict]] = defaultdict(list)
        for r in conn.execute(select(EntityRow.post_id, EntityRow.kind, EntityRow.value, EntityRow.amount,
                                     EntityRow.currency, EntityRow.detail)
                              .where(EntityRow.post_id.in_(members),
                                     EntityRow.kind.in_(IDENTIFIER_KINDS + ("place", "price")))
                              .order_by(EntityRow.post_id, EntityRow.start, EntityRow.id)).mappings():
            ents[r["post_id"]].append(dict(r))
        refs = referral_items(conn, [p["id"] for p in posts])
        shown = [p["id"] for p in posts[:POSTS_SHOWN]]
        snippets: dict[str, str] = {}
        for i in range(0, len(shown), 500):
            snippets.update(conn.execute(select(PostRow.id, func.substr(PostRow.text, 1, SNIPPET))
                                         .where(PostRow.id.in_(shown[i:i + 500]))).all())
        groups: dict[str, list[dict]] = defaultdict(list)
        for p in sorted(posts, key=lambda p: (p["created_at"] is None, p["created_at"] or now, p["id"])):
            if p["template_id"]:
                groups[p["template_id"]].append(p)
        groups = {k: v for k, v in groups.items() if len(v) >= 2}
        top_groups = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]
        wanted = [p["id"] for _k, ps in top_groups for p in ps[:8]]
        texts: dict[str, str] = {}
        for i in range(0, len(wanted), 500):
            texts.update(conn.execute(select(PostRow.id, func.substr(PostRow.text, 1, TEMPLATE_TEXT))
                                      .where(PostRow.id.in_(wanted[i:i + 500]))).all())

    facts: list[PostFacts] = []
    identifiers: dict[tuple[str, str], dict[str, Any]] = {}
    for p in posts:
        p["account"] = account_key(p["platform"], p["author_id"], p["author_handle"])
        p["reach"] = reach(p["metrics"])
        p["referral"] = post_referral(refs.get(p["id"], ()))
        p["snippet"] = snippets.get(p["id"])
        own = [(e["kind"], e["value"]) for e in ents.get(p["id"], ()) if e["kind"] in IDENTIFIER_KINDS]
        own += [("image", m["sha256"]) for m in (p["media"] or []) if isinstance(m, dict) and m.get("sha256")]
        own = sorted(set(own))
        p["identifiers"] = own
        for key in own:
            d = identifiers.setdefault(key, {"kind": key[0], "value": key[1], "posts": set(),
                                             "accounts": set(), "first_seen": None, "last_seen": None})
            d["posts"].add(p["id"])
            if p["account"]:
                d["accounts"].add(p["account"])
            t = p["created_at"]
            if t is not None:
                d["first_seen"] = t if d["first_seen"] is None or t < d["first_seen"] else d["first_seen"]
                d["last_seen"] = t if d["last_seen"] is None or t > d["last_seen"] else d["last_seen"]
        places = tuple((e["value"], e["detail"]) for e in ents.get(p["id"], ()) if e["kind"] == "place")
        prices = tuple((e["amount"], e["currency"]) for e in ents.get(p["id"], ()) if e["kind"] == "price")
        facts.append(PostFacts(p["id"], p["account"], p["created_at"], tuple(own), places, prices, p["reach"],
                               p["author_handle"], p["referral"]))
    accounts = classify_accounts(facts, now)
    status_of = {a.account: a.status for a in accounts}
    ident_rows = sorted(({**d, "posts": len(d["posts"]), "accounts": len(d["accounts"]),
                          "post_ids": sorted(d["posts"])} for d in identifiers.values()),
                        key=lambda d: (-d["posts"], -d["accounts"], d["kind"], d["value"]))
    templates = [{"id": k, "posts": len(ps), "accounts": len({p["account"] for p in ps if p["account"]}),
                  "skeleton": skeleton([texts[p["id"]] for p in ps[:8] if p["id"] in texts]),
                  "post_ids": [p["id"] for p in ps]}
                 for k, ps in top_groups]
    times = [p["created_at"] for p in posts]
    return {
        "network": dict(net),
        "posts": posts,
        "posts_shown": min(len(posts), POSTS_SHOWN),
        "accounts": accounts,
        "account_counts": account_counts(accounts),
        "account_status": status_of,
        "identifiers": ident_rows,
        "templates": templates,
        "n_templates": len(groups),
        "routes": routes(facts),
        "prices": price_ranges(facts),
        "referrals": referral_counts(facts),
        "weekly": weekly_activity(times),
        "monthly": monthly_activity(times),
        "reach": sum(p["reach"] for p in posts),
        "languages": Counter(p["lang"] or p["post_lang"] or "und" for p in posts).most_common(),
        "platforms": Counter(p["platform"] for p in posts).most_common(),
        "categories": Counter(c for p in posts for c in (p["categories"] or [])).most_common(),
    }


# -- one post's links into the bank (the item page) ----------------------------------------------------
def post_links(store: Store, post_id: str, limit: int = 20) -> dict[str, Any]:
    """The networks a post belongs to, and for each of its identifiers how many other posts and
    accounts carry it ("this phone appears in 14 other posts from 6 accounts") and in which networks."""
    out: dict[str, Any] = {"networks": [], "identifiers": {}}
    acc = _account_sql()
    with store.engine.connect() as conn:
        out["networks"] = [dict(r) for r in conn.execute(
            select(NetworkRow.id, NetworkRow.n_posts, NetworkRow.n_accounts)
            .join(NetworkPostRow, NetworkPostRow.network_id == NetworkRow.id)
            .where(NetworkPostRow.post_id == post_id).order_by(NetworkRow.id)).mappings()]
        idents = sorted(set(conn.execute(select(EntityRow.kind, EntityRow.value)
                                         .where(EntityRow.post_id == post_id,
                                                EntityRow.kind.in_(IDENTIFIER_KINDS))).all()))[:limit]
        for kind, value in idents:
            others = (select(EntityRow.post_id).where(EntityRow.kind == kind, EntityRow.value == value,
                                                      EntityRow.post_id != post_id))
            posts, accounts = conn.execute(select(func.count(PostRow.id), func.count(func.distinct(acc)))
                                           .where(PostRow.id.in_(others))).one()
            if not posts:
                continue
            nets = list(conn.scalars(select(NetworkPostRow.network_id).distinct()
                                     .where(NetworkPostRow.post_id.in_(others))
                                     .order_by(NetworkPostRow.network_id).limit(10)))
            out["identifiers"][f"{kind}:{value}"] = {"kind": kind, "value": value, "posts": int(posts),
                                                     "accounts": int(accounts or 0), "networks": nets}
    return out


# -- exports ------------------------------------------------------------------------------------------
def export_snapshot(store: Store, network_id: str | None = None) -> BankSnapshot:
    return snapshot(store, network_id)


def exists(store: Store, network_id: str) -> bool:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(NetworkRow)
                           .where(NetworkRow.id == network_id)) == 1
