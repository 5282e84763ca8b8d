"""The intelligence bank's I/O edge: reads flagged posts and their identifiers from the store,
groups templates incrementally, rebuilds networks and writes them back."""
from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import delete, func, select

from tidewatch.console.priority import reach
from tidewatch.link.graph import LinkInput, Network, build_networks
from tidewatch.link.profile import PostFacts, post_referral, summarise
from tidewatch.link.templates import NUM_PERM, UnionFind, group_signatures, signatures
from tidewatch.store.models import (DetectionRow, EntityRow, NetworkPostRow, NetworkRow, NetworkTieRow, PostRow,
                                    PostTemplateRow)
from tidewatch.store.refer_models import ReferralItemRow, ReferralRow
from tidewatch.store.repo import Store

IDENTIFIER_KINDS = ("phone", "handle")


def _flagged_ids(conn) -> list[str]:
    return list(conn.scalars(select(DetectionRow.post_id).where(DetectionRow.label == 1).order_by(DetectionRow.post_id)))


def update_templates(store: Store) -> int:
    """Give every flagged post without one a signature and a template group; returns how many.

    Existing posts keep their groups; new posts join them (or each other) by MinHash-LSH."""
    with store.engine.begin() as conn:
        flagged = _flagged_ids(conn)
        known = conn.execute(select(PostTemplateRow.post_id, PostTemplateRow.signature,
                                    PostTemplateRow.template_id).order_by(PostTemplateRow.post_id)).all()
        known_ids = {r[0] for r in known}
        new_ids = [pid for pid in flagged if pid not in known_ids]
        if not new_ids:
            return 0
        texts = {}
        for i in range(0, len(new_ids), 500):
            chunk = new_ids[i:i + 500]
            texts.update(conn.execute(select(PostRow.id, PostRow.text).where(PostRow.id.in_(chunk))).all())
        old_sigs = (np.vstack([np.frombuffer(r[1], dtype=np.uint32) for r in known])
                    if known else np.zeros((0, NUM_PERM), dtype=np.uint32))
        new_sigs = signatures([texts[pid] for pid in new_ids])
        ids = [r[0] for r in known] + new_ids
        uf = UnionFind(len(ids))
        first_of: dict[str, int] = {}
        for i, r in enumerate(known):  # restore the stored groups
            j = first_of.setdefault(r[2], i)
            uf.union(j, i)
        uf = group_signatures(np.vstack([old_sigs, new_sigs]), uf=uf, new_from=len(known))
        roots = uf.roots()
        label = {}
        for i, root in enumerate(roots):  # a group is named by the smallest post id in it
            label.setdefault(int(root), ids[i])
            label[int(root)] = min(label[int(root)], ids[i])
        changed = [{"post_id": ids[i], "signature": (new_sigs[i - len(known)] if i >= len(known) else old_sigs[i]).tobytes(),
                    "template_id": label[int(roots[i])]} for i in range(len(ids))
                   if i >= len(known) or known[i][2] != label[int(roots[i])]]
        changed_ids = [c["post_id"] for c in changed]
        for i in range(0, len(changed_ids), 500):
            conn.execute(delete(PostTemplateRow).where(PostTemplateRow.post_id.in_(changed_ids[i:i + 500])))
        conn.execute(PostTemplateRow.__table__.insert(), changed)
    return len(new_ids)


def link_inputs(store: Store) -> tuple[list[LinkInput], dict[str, dict]]:
    """One LinkInput per flagged post, plus facts for network profiles."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(PostRow.id, PostRow.platform, PostRow.author_id, PostRow.author_handle, PostRow.media,
                   PostRow.created_at, func.coalesce(DetectionRow.lang, PostRow.lang).label("lang"),
                   PostRow.metrics, DetectionRow.categories,
                   PostTemplateRow.template_id)
            .join(DetectionRow, DetectionRow.post_id == PostRow.id)
            .join(PostTemplateRow, PostTemplateRow.post_id == PostRow.id, isouter=True)
            .where(DetectionRow.label == 1).order_by(PostRow.id)).all()
        ents: dict[str, list[tuple[str, str]]] = {}
        urls: dict[str, list[tuple[str, str]]] = {}
        placed: dict[str, list[tuple[int, str, str | None]]] = {}  # (start, name, country)
        prices: dict[str, list[tuple[float, str]]] = {}
        for pid, kind, value, amount, currency, detail, start in conn.execute(
                select(EntityRow.post_id, EntityRow.kind, EntityRow.value, EntityRow.amount,
                       EntityRow.currency, EntityRow.detail, EntityRow.start)
                .join(DetectionRow, DetectionRow.post_id == EntityRow.post_id)
                .where(DetectionRow.label == 1,
                       EntityRow.kind.in_(IDENTIFIER_KINDS + ("url", "place", "price")))):
            if kind in IDENTIFIER_KINDS:
                ents.setdefault(pid, []).append((kind, value))
            elif kind == "url":
                urls.setdefault(pid, []).append((kind, value))
            elif kind == "place":
                placed.setdefault(pid, []).append((start, value, detail))
            else:
                prices.setdefault(pid, []).append((amount, currency))
        places = {pid: [(v, c) for _s, v, c in sorted(ps)] for pid, ps in placed.items()}  # in the order named
        referrals = referral_items(conn)
    template_sizes = Counter(r.template_id for r in rows if r.template_id)
    items, facts = [], {}
    for r in rows:
        account = None
        if r.author_id or r.author_handle:
            account = f"{r.platform}:{(r.author_id or r.author_handle).lower()}"
        idents = list(ents.get(r.id, []))
        for m in r.media or []:
            if m.get("sha256"):
                idents.append(("image", m["sha256"]))
        template = r.template_id if r.template_id and template_sizes[r.template_id] > 1 else None
        items.append(LinkInput(r.id, account, tuple(sorted(set(idents))),
                               None if template is None else hash_int(template)))
        facts[r.id] = {"created_at": r.created_at, "lang": r.lang, "categories": r.categories or [],
                       "platform": r.platform, "places": [v for v, _c in places.get(r.id, ())],
                       "prices": prices.get(r.id, []),
                       "post": PostFacts(r.id, account, r.created_at,
                                         tuple(idents) + tuple(urls.get(r.id, ())),
                                         tuple(places.get(r.id, ())), tuple(prices.get(r.id, ())),
                                         reach(r.metrics), r.author_handle,
                                         post_referral(referrals.get(r.id, ())))}
    return items, facts


def referral_items(conn, post_ids: list[str] | None = None) -> dict[str, list[dict]]:
    """Every referral item (with its referral's status) per post: what `profile.post_referral` reads."""
    q = (select(ReferralItemRow.post_id, ReferralRow.status, ReferralItemRow.outcome,
                ReferralItemRow.outcome_at, ReferralItemRow.removed_at, ReferralItemRow.first_seen_offline_at)
         .join(ReferralRow, ReferralRow.id == ReferralItemRow.referral_id))
    out: dict[str, list[dict]] = {}
    chunks = [None] if post_ids is None else [post_ids[i:i + 500] for i in range(0, len(post_ids), 500)]
    for chunk in chunks:
        stmt = q if chunk is None else q.where(ReferralItemRow.post_id.in_(chunk))
        for r in conn.execute(stmt).mappings():
            out.setdefault(r["post_id"], []).append(dict(r))
    return out


def hash_int(s: str) -> int:
    return int.from_bytes(hashlib.sha1(s.encode()).digest()[:6], "big")


def network_id(post_ids: list[str]) -> str:
    """Stable across rebuilds while a network keeps its earliest post."""
    return "N-" + hashlib.sha256(min(post_ids).encode()).hexdigest()[:10]


def profile(net: Network, facts: dict[str, dict], now: datetime | None = None) -> dict:
    fs = [facts[p] for p in net.post_ids]
    times = sorted(f["created_at"] for f in fs if f["created_at"])
    months = Counter(t.strftime("%Y-%m") for t in times)
    summary = summarise([f["post"] for f in fs if "post" in f], now or datetime.now(timezone.utc)).as_json()
    return {
        "categories": dict(Counter(c for f in fs for c in f["categories"]).most_common()),
        "languages": dict(Counter(f["lang"] or "und" for f in fs).most_common()),
        "platforms": dict(Counter(f["platform"] for f in fs).most_common()),
        "places": dict(Counter(p for f in fs for p in f["places"]).most_common(15)),
        "prices": [{"amount": a, "currency": c, "posts": n}
                   for (a, c), n in Counter(pr for f in fs for pr in f["prices"]).most_common(10)],
        "activity": dict(sorted(months.items())),
        "ties": Counter(k for k, _v, _n in net.ties),
        **summary,  # accounts (active/removed/recreated), routes, price_ranges, referrals, reach
    }


def rebuild(store: Store) -> list[Network]:
    """Update templates, rebuild every network from the store and write them back."""
    update_templates(store)
    items, facts = link_inputs(store)
    networks = build_networks(items)
    now = datetime.now(timezone.utc)
    with store.engine.begin() as conn:
        conn.execute(delete(NetworkTieRow))
        conn.execute(delete(NetworkPostRow))
        conn.execute(delete(NetworkRow))
        net_rows, member_rows, tie_rows = [], [], []
        for net in networks:
            nid = network_id(net.post_ids)
            times = [facts[p]["created_at"] for p in net.post_ids if facts[p]["created_at"]]
            net_rows.append({"id": nid, "n_posts": len(net.post_ids), "n_accounts": len(net.accounts),
                             "first_seen": min(times) if times else None, "last_seen": max(times) if times else None,
                             "profile": profile(net, facts, now), "built_at": now})
            member_rows += [{"network_id": nid, "post_id": p} for p in net.post_ids]
            tie_rows += [{"network_id": nid, "kind": k, "value": v[:400], "n_posts": c} for k, v, c in net.ties
                         if k != "template"]
            net.id = nid  # type: ignore[assignment]
        if net_rows:
            conn.execute(NetworkRow.__table__.insert(), net_rows)
            conn.execute(NetworkPostRow.__table__.insert(), member_rows)
        if tie_rows:
            conn.execute(NetworkTieRow.__table__.insert(), tie_rows)
    return networks


def memberships(store: Store) -> list[tuple[str, str]]:
    """(post id as given in the input, network id) for every post in a network."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(PostRow.native_id, PostRow.id, NetworkPostRow.network_id)
                            .join(NetworkPostRow, NetworkPostRow.post_id == PostRow.id)
                            .order_by(NetworkPostRow.network_id, PostRow.id)).all()
    return [(native if native is not None else pid, nid) for native, pid, nid in rows]
