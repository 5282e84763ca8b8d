"""The item page and its media (blurred by the page's CSS until the analyst reveals them)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tidewatch.console.highlight import cue_table
from tidewatch.link.repo import post_links
from tidewatch.records import CATEGORIES, NEGATIVE_KINDS
from tidewatch.store.console_repo import User
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import page

router = APIRouter()

REASON_LABELS = {"news": "News", "ngo_humanitarian": "NGO or humanitarian", "legit_travel": "Legitimate travel",
                 "legit_documents": "Legitimate documents", "legit_jobs": "Legitimate jobs",
                 "personal": "Personal post", "research": "Research", "other": "Other (explain in the note)"}
CATEGORY_LABELS = {"smuggling_service": "Smuggling service", "group_discount": "Group discount",
                   "free_child_places": "Free places for children", "false_documents": "False documents",
                   "safe_passage_claim": "Safe passage claim", "crossing_logistics": "Crossing logistics",
                   "recruitment": "Recruitment"}
assert set(REASON_LABELS) == set(NEGATIVE_KINDS) and set(CATEGORY_LABELS) == set(CATEGORIES)


@router.get("/items/{item_id}")
def item(request: Request, item_id: int, repo: RepoDep, user: Annotated[User, Depends(require("item.view"))]):
    view = repo.item_view(item_id)
    if view is None:
        return page(request, "error.html", 404, title="Not found", message="There is no such item.")
    det = view["detection"] or {}
    media = []
    for i, m in enumerate(view["post"]["media"] or []):
        m = m if isinstance(m, dict) else {}
        media.append({"index": i, "local": bool(m.get("path")), "url": m.get("url"), "path": m.get("path"),
                      "sha256": m.get("sha256")})
    return page(request, "item.html", v=view, item=view["item"], post=view["post"], det=det, media=media,
                cues=cue_table(det.get("cues") or [], view["post"]["text"]), categories=CATEGORY_LABELS,
                reasons=REASON_LABELS, links=post_links(repo.store, view["post"]["id"]))


@router.get("/items/{item_id}/media/{index}")
def media(item_id: int, index: int, repo: RepoDep, user: Annotated[User, Depends(require("item.view"))]):
    found = repo.media_file(item_id, index)
    if found is None:
        return Response("This image is not available: only local image files inside the allowed folders are shown.",
                        status_code=404, media_type="text/plain")
    content, media_type = found
    return Response(content, media_type=media_type, headers={
        "content-security-policy": "default-src 'none'; sandbox", "cache-control": "private, no-store",
        "content-disposition": "inline"})
