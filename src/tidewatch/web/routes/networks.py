"""The intelligence bank in the console: the network list, one network's page (graph, timeline,
accounts, identifiers, templates, posts), its graph as JSON for the page's script, and exports
for Gephi (GraphML, GEXF), i2 Analyst's Notebook (entity and link CSVs) and STIX 2.1.

Hostile text: every value the page shows goes through Jinja's escaping; the graph's labels are
drawn on a canvas (never parsed as HTML) and are sent with control characters replaced by named
markers ([RLO]) and `<`, `>`, `&` escaped inside the JSON, so no string can leave its context.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from tidewatch.link import export as ex
from tidewatch.link import repo as bank
from tidewatch.records import CATEGORIES
from tidewatch.store.console_repo import User
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import page
from tidewatch.web.render import visible

router = APIRouter()

PAGE_SIZE = 50
GRAPH_POSTS = 300  # the graph shows the most recent posts of a bigger network
LABEL_CHARS = 36
FORMATS = {  # format -> (file suffix, media type)
    "graphml": ("graphml", "application/graphml+xml"),
    "gexf": ("gexf", "application/gexf+xml"),
    "i2": ("i2.zip", "application/zip"),
    "stix": ("stix.json", "application/stix+json;version=2.1"),
}
SORT_LABELS = {"activity": "Most active (last 30 days), then reach", "reach": "Reach", "size": "Posts",
               "newest": "Last seen"}
STATUS_LABELS = {"active": "Active", "removed": "Removed", "recreated": "Recreated after removal"}
BASIS_LABELS = {"platform": "platform's answer", "offline": "seen offline",
                "inferred": "inferred: went quiet"}
OUTCOME_LABELS = {"removed": "Removed", "restricted": "Restricted", "declined": "Declined", "open": "Open"}
NetworkId = Annotated[str, Path(max_length=40)]


def _param(request: Request, name: str, limit: int = 100) -> str:
    v = request.query_params.get(name) or ""
    return v.replace("\x00", "")[:limit]


@router.get("/networks")
def networks(request: Request, repo: RepoDep, user: Annotated[User, Depends(require("network.view"))]):
    repo.maybe_sync()  # reach and activity come from the queue's copy of each post
    errors = []
    category = _param(request, "category") or None
    if category and category not in CATEGORIES:
        errors.append("unknown category")
        category = None
    sort = _param(request, "sort") or "activity"
    if sort not in bank.SORTS:
        errors.append("unknown order")
        sort = "activity"
    raw_page = _param(request, "page", 9)
    page_no = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1
    f = bank.NetworkFilter(lang=_param(request, "lang") or None, category=category,
                           platform=_param(request, "platform") or None, sort=sort)
    rows, total = bank.list_networks(repo.store, repo.now(), f, limit=PAGE_SIZE,
                                     offset=(page_no - 1) * PAGE_SIZE)
    params = {k: v for k, v in (("lang", f.lang), ("category", f.category), ("platform", f.platform),
                                ("sort", None if sort == "activity" else sort)) if v}
    return page(request, "networks.html", rows=rows, total=total, filters=f, params=params, errors=errors,
                facets=bank.facets(repo.store), categories=CATEGORIES, sorts=SORT_LABELS, page_no=page_no,
                pages=max(1, -(-total // PAGE_SIZE)), formats=FORMATS)


def timeline_bars(weekly: list, span: int = 900, height: int = 80) -> dict[str, Any]:
    """The weekly counts as SVG bars (the page's CSP allows no inline style; SVG attributes are fine):
    bars 4 to 40 units wide, so a few weeks and two years both read well."""
    width = max(4, min(40, span // max(len(weekly), 1)))
    gap = max(1, width // 6)
    width -= gap
    top = max((n for _w, n in weekly), default=0) or 1
    bars = []
    for i, (week, n) in enumerate(weekly):
        h = 0 if n == 0 else max(2, round(n / top * (height - 4)))
        bars.append({"x": i * (width + gap), "y": height - h, "w": width, "h": h, "week": week, "n": n})
    return {"bars": bars, "width": max(len(weekly) * (width + gap), width), "height": height, "top": top}


@router.get("/networks/export/{fmt}")
def export_all(fmt: Annotated[str, Path(max_length=20)], repo: RepoDep,
               user: Annotated[User, Depends(require("network_export.view"))]):
    return _export(repo, user, fmt, None)


@router.get("/networks/{network_id}")
def network(request: Request, network_id: NetworkId, repo: RepoDep,
            user: Annotated[User, Depends(require("network.view"))]):
    view = bank.network_view(repo.store, network_id, repo.now())
    if view is None:
        return page(request, "error.html", 404, title="Not found", message="There is no such network.")
    return page(request, "network.html", v=view, net=view["network"], timeline=timeline_bars(view["weekly"]),
                status_labels=STATUS_LABELS, basis_labels=BASIS_LABELS, outcome_labels=OUTCOME_LABELS,
                formats=FORMATS, graph_posts=GRAPH_POSTS, slot_parts=slot_parts)


def slot_parts(text: str) -> list[tuple[str, bool]]:
    """A template skeleton as (text, is_slot) pieces, so the page marks the varying slots."""
    out: list[tuple[str, bool]] = []
    for i, piece in enumerate(text.split("«…»")):
        if i:
            out.append(("«…»", True))
        if piece:
            out.append((piece, False))
    return out


def _label(value: Any, limit: int = LABEL_CHARS) -> str:
    s = " ".join(visible(value).split())
    return s if len(s) <= limit else s[:limit - 1] + "…"


def graph_elements(view: dict[str, Any], max_posts: int = GRAPH_POSTS) -> dict[str, Any]:
    """Cytoscape elements for one network: posts, their accounts, the identifiers and templates
    they share. Node ids are opaque ("n12"); every label and title is display-safe text."""
    nodes: list[dict] = []
    edges: list[dict] = []
    ids: dict[tuple[str, str], str] = {}

    def node(kind: str, key: str, **data: Any) -> str:
        k = (kind, key)
        if k not in ids:
            ids[k] = f"n{len(ids)}"
            nodes.append({"data": {"id": ids[k], "kind": kind, **data}})
        return ids[k]

    def edge(a: str, b: str, kind: str) -> None:
        edges.append({"data": {"id": f"e{len(edges)}", "source": a, "target": b, "kind": kind}})

    posts = view["posts"][:max_posts]
    status_of = view["account_status"]
    handles = {a.account: a.handle for a in view["accounts"]}
    for p in posts:
        when = p["created_at"].strftime("%Y-%m-%d") if p["created_at"] else "undated"
        outcome = p["referral"].outcome if p["referral"] else None
        pid = node("post", p["id"], label=_label(f"{p['platform']} {when}"),
                   title=_label(p.get("snippet") or "", 240), item=p["item_id"], status=outcome or "")
        if p["account"]:
            a = node("account", p["account"], label=_label(handles.get(p["account"]) or p["account"]),
                     title=_label(p["account"], 200), status=status_of.get(p["account"], "active"))
            edge(a, pid, "posted")
    shown = {p["id"] for p in posts}
    for d in view["identifiers"]:
        if d["posts"] < 2:
            continue
        mine = [pid for pid in d["post_ids"] if pid in shown]
        if not mine:
            continue
        label = f"image {d['value'][:10]}" if d["kind"] == "image" else d["value"]
        i = node(d["kind"], d["value"], label=_label(label), title=_label(f"{d['kind']} {d['value']}", 200),
                 posts=d["posts"], accounts=d["accounts"])
        for pid in mine:
            edge(ids[("post", pid)], i, d["kind"])
    for n, t in enumerate(view["templates"], 1):
        mine = [pid for pid in t["post_ids"] if pid in shown]
        if len(mine) < 2:
            continue
        tid = node("template", t["id"], label=f"template {n} ({t['posts']} posts)",
                   title=_label(t["skeleton"], 240), posts=t["posts"])
        for pid in mine:
            edge(ids[("post", pid)], tid, "template")
    return {"nodes": nodes, "edges": edges, "n_posts": len(view["posts"]), "shown_posts": len(posts),
            "truncated": len(view["posts"]) > len(posts)}


def safe_json(value: Any) -> bytes:
    """JSON with <, >, & and the line separators escaped: inert even if a browser sniffed it as HTML."""
    s = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        s = s.replace(ch, esc)
    return s.encode()


@router.get("/networks/{network_id}/graph.json")
def graph(network_id: NetworkId, repo: RepoDep, user: Annotated[User, Depends(require("network.view"))]):
    view = bank.network_view(repo.store, network_id, repo.now())
    if view is None:
        return Response(b'{"error":"no such network"}', status_code=404, media_type="application/json")
    return Response(safe_json(graph_elements(view)), media_type="application/json",
                    headers={"cache-control": "private, no-store"})


@router.get("/networks/{network_id}/export/{fmt}")
def export_one(network_id: NetworkId, fmt: Annotated[str, Path(max_length=20)], repo: RepoDep,
               user: Annotated[User, Depends(require("network_export.view"))]):
    if not bank.exists(repo.store, network_id):
        return Response("no such network", status_code=404, media_type="text/plain")
    return _export(repo, user, fmt, network_id)


def _export(repo, user: User, fmt: str, network_id: str | None) -> Response:
    if fmt not in FORMATS:
        return Response("unknown format: use graphml, gexf, i2 or stix", status_code=404,
                        media_type="text/plain")
    snap = bank.export_snapshot(repo.store, network_id)
    if fmt == "graphml":
        body = ex.to_graphml(snap).encode()
    elif fmt == "gexf":
        body = ex.to_gexf(snap).encode()
    elif fmt == "stix":
        body = json.dumps(ex.to_stix(snap, now=repo.now()), ensure_ascii=False, indent=2).encode()
    else:
        entities, links = ex.to_i2(snap)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("entities.csv", entities.encode("utf-8-sig"))  # the BOM: Excel and i2 read UTF-8
            z.writestr("links.csv", links.encode("utf-8-sig"))
        body = buf.getvalue()
    repo.audit(user.username, "network.export", "network", network_id or "*", None,
               {"format": fmt, "networks": len(snap.networks), "posts": len(snap.posts)})
    suffix, media_type = FORMATS[fmt]
    scope = re.sub(r"[^A-Za-z0-9_-]", "_", network_id) if network_id else "networks"
    return Response(body, media_type=media_type, headers={
        "content-disposition": f'attachment; filename="tidewatch-{scope}.{suffix}"',
        "content-security-policy": "default-src 'none'; sandbox", "cache-control": "private, no-store"})
