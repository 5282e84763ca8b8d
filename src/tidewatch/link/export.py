"""Exports of the intelligence bank for the tools investigators already use: GraphML and GEXF
(Gephi), entity and link CSVs laid out for i2 Analyst's Notebook import, and a STIX 2.1 bundle.

Everything is built from one `BankSnapshot` read from the store; every format escapes what it
must (XML escaping by ElementTree, CSV cells neutralised against formula injection).
"""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select

from tidewatch.csvsafe import write_csv
from tidewatch.store.models import EntityRow, NetworkPostRow, NetworkRow, PostRow
from tidewatch.store.repo import Store

IDENTIFIER_KINDS = ("phone", "handle")
_NS = uuid.UUID("6f1b7c1e-2a8e-4c55-9a3b-2f0d5d7f9c11")  # tidewatch's namespace for stable STIX ids


@dataclass
class BankSnapshot:
    networks: dict[str, dict] = field(default_factory=dict)  # id -> {n_posts, n_accounts, first_seen, last_seen, profile}
    posts: dict[str, dict] = field(default_factory=dict)  # post id -> {network, platform, url, account, created_at}
    identifiers: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (kind, value) -> post ids
    accounts: dict[str, set[str]] = field(default_factory=dict)  # account key -> post ids


def snapshot(store: Store, network_id: str | None = None) -> BankSnapshot:
    """The whole bank, or one network of it."""
    snap = BankSnapshot()
    with store.engine.connect() as conn:
        only = () if network_id is None else (NetworkRow.id == network_id,)
        for r in conn.execute(select(NetworkRow).where(*only)).all():
            snap.networks[r.id] = {"n_posts": r.n_posts, "n_accounts": r.n_accounts, "first_seen": r.first_seen,
                                   "last_seen": r.last_seen, "profile": r.profile or {}}
        rows = conn.execute(select(NetworkPostRow.network_id, PostRow.id, PostRow.native_id, PostRow.platform,
                                   PostRow.url, PostRow.author_id, PostRow.author_handle, PostRow.created_at)
                            .join(PostRow, PostRow.id == NetworkPostRow.post_id)
                            .where(*(() if network_id is None else (NetworkPostRow.network_id == network_id,)))
                            ).all()
        for nid, pid, native, platform, url, aid, handle, created in rows:
            key = aid or handle
            account = f"{platform}:{key.lower()}" if key else None
            snap.posts[pid] = {"network": nid, "native_id": native, "platform": platform, "url": url,
                               "account": account, "handle": handle, "created_at": created}
            if account:
                snap.accounts.setdefault(account, set()).add(pid)
        ids = list(snap.posts)
        for i in range(0, len(ids), 500):
            for pid, kind, value in conn.execute(select(EntityRow.post_id, EntityRow.kind, EntityRow.value)
                                                 .where(EntityRow.post_id.in_(ids[i:i + 500]),
                                                        EntityRow.kind.in_(IDENTIFIER_KINDS))):
                snap.identifiers.setdefault((kind, value), set()).add(pid)
    return snap


def _iso(dt: datetime | None) -> str:
    if dt is None:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _nodes_edges(snap: BankSnapshot):
    """(node id, kind, label, network) and (source, target, kind) for the whole bank."""
    nodes, edges = [], []
    for nid, n in sorted(snap.networks.items()):
        nodes.append((f"network:{nid}", "network", f"{nid} ({n['n_posts']} posts)", nid))
    for pid, p in sorted(snap.posts.items()):
        nodes.append((f"post:{pid}", "post", p["url"] or pid, p["network"]))
        edges.append((f"post:{pid}", f"network:{p['network']}", "member_of"))
        if p["account"]:
            edges.append((f"account:{p['account']}", f"post:{pid}", "posted"))
    for acc in sorted(snap.accounts):
        nets = {snap.posts[p]["network"] for p in snap.accounts[acc]}
        nodes.append((f"account:{acc}", "account", acc, ";".join(sorted(nets))))
    for (kind, value), pids in sorted(snap.identifiers.items()):
        nets = {snap.posts[p]["network"] for p in pids}
        nodes.append((f"{kind}:{value}", kind, value, ";".join(sorted(nets))))
        for pid in sorted(pids):
            edges.append((f"post:{pid}", f"{kind}:{value}", f"shares_{kind}"))
    return nodes, edges


def to_graphml(snap: BankSnapshot) -> str:
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for key, target in (("kind", "node"), ("label", "node"), ("network", "node"), ("tie", "edge")):
        ET.SubElement(root, "key", {"id": key, "for": target, "attr.name": key, "attr.type": "string"})
    g = ET.SubElement(root, "graph", id="tidewatch", edgedefault="undirected")
    nodes, edges = _nodes_edges(snap)
    for nid, kind, label, net in nodes:
        n = ET.SubElement(g, "node", id=nid)
        for k, v in (("kind", kind), ("label", label), ("network", net)):
            ET.SubElement(n, "data", key=k).text = v
    for i, (a, b, kind) in enumerate(edges):
        e = ET.SubElement(g, "edge", id=f"e{i}", source=a, target=b)
        ET.SubElement(e, "data", key="tie").text = kind
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def to_gexf(snap: BankSnapshot) -> str:
    root = ET.Element("gexf", {"xmlns": "http://gexf.net/1.3", "version": "1.3"})
    g = ET.SubElement(root, "graph", defaultedgetype="undirected", mode="static")
    attrs = ET.SubElement(g, "attributes", {"class": "node"})
    ET.SubElement(attrs, "attribute", id="0", title="kind", type="string")
    ET.SubElement(attrs, "attribute", id="1", title="network", type="string")
    xnodes = ET.SubElement(g, "nodes")
    nodes, edges = _nodes_edges(snap)
    for nid, kind, label, net in nodes:
        n = ET.SubElement(xnodes, "node", id=nid, label=label)
        vals = ET.SubElement(n, "attvalues")
        ET.SubElement(vals, "attvalue", {"for": "0", "value": kind})
        ET.SubElement(vals, "attvalue", {"for": "1", "value": net})
    xedges = ET.SubElement(g, "edges")
    for i, (a, b, kind) in enumerate(edges):
        ET.SubElement(xedges, "edge", id=str(i), source=a, target=b, label=kind)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def to_i2(snap: BankSnapshot) -> tuple[str, str]:
    """(entities.csv, links.csv) in the column layout i2 Analyst's Notebook's importer maps:
    one row per entity with a stable identity, type and label; one row per link between two
    identities with its type and a description."""
    nodes, edges = _nodes_edges(snap)
    ent_rows = []
    for nid, kind, label, net in nodes:
        extra = ""
        if kind == "post":
            pid = nid.split(":", 1)[1]
            p = snap.posts[pid]
            extra = _iso(p["created_at"])
        ent_rows.append((nid, kind.replace("_", " ").title(), label, net, extra))
    entities = write_csv(("Identity", "Entity Type", "Label", "Network", "Date"), ent_rows)
    links = write_csv(("From Identity", "To Identity", "Link Type"), edges)
    return entities, links


def _sid(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(_NS, kind + ':' + key)}"


def to_stix(snap: BankSnapshot, now: datetime | None = None) -> dict:
    """A STIX 2.1 bundle: each network an `intrusion-set` (a grouping of adversarial behaviour),
    accounts and handles `user-account` objects, links `url` objects, phones a custom
    `x-tidewatch-phone-number` object, with `relationship` objects tying them together."""
    ts = _iso(now or datetime.now(timezone.utc)).replace("Z", ".000Z")
    objs: list[dict] = []
    ident = {"type": "identity", "spec_version": "2.1", "id": _sid("identity", "tidewatch"), "created": ts,
             "modified": ts, "name": "tidewatch", "identity_class": "system"}
    objs.append(ident)
    net_ids = {}
    for nid, n in sorted(snap.networks.items()):
        sid = _sid("intrusion-set", nid)
        net_ids[nid] = sid
        o = {"type": "intrusion-set", "spec_version": "2.1", "id": sid, "created": ts, "modified": ts,
             "name": f"tidewatch network {nid}", "created_by_ref": ident["id"],
             "description": f"{n['n_posts']} posts from {n['n_accounts']} accounts linked by shared identifiers",
             "goals": ["facilitating irregular migration for profit"]}
        if n["first_seen"]:
            o["first_seen"] = _iso(n["first_seen"]).replace("Z", ".000Z")
        if n["last_seen"]:
            o["last_seen"] = _iso(n["last_seen"]).replace("Z", ".000Z")
        objs.append(o)

    def rel(src: str, dst: str, kind: str) -> None:
        objs.append({"type": "relationship", "spec_version": "2.1", "id": _sid("relationship", f"{src}|{kind}|{dst}"),
                     "created": ts, "modified": ts, "relationship_type": kind, "source_ref": src, "target_ref": dst})

    for acc, pids in sorted(snap.accounts.items()):
        platform, _, key = acc.partition(":")
        sid = _sid("user-account", acc)
        objs.append({"type": "user-account", "spec_version": "2.1", "id": sid, "account_type": platform,
                     "account_login": key, "display_name": key})
        for nid in sorted({snap.posts[p]["network"] for p in pids}):
            rel(net_ids[nid], sid, "uses")
    for (kind, value), pids in sorted(snap.identifiers.items()):
        if kind == "phone":
            sid = _sid("x-tidewatch-phone-number", value)
            objs.append({"type": "x-tidewatch-phone-number", "spec_version": "2.1", "id": sid, "value": value})
        elif "/" in value:
            sid = _sid("url", value)
            objs.append({"type": "url", "spec_version": "2.1", "id": sid, "value": "https://" + value})
        else:
            sid = _sid("user-account", f"handle:{value}")
            objs.append({"type": "user-account", "spec_version": "2.1", "id": sid, "account_login": value.lstrip("@"),
                         "display_name": value})
        for nid in sorted({snap.posts[p]["network"] for p in pids}):
            rel(net_ids[nid], sid, "uses")
    return {"type": "bundle", "id": _sid("bundle", ts), "objects": objs}
