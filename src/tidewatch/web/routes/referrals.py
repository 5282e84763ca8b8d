"""Referrals in the console: "Refer to platform" on a confirmed item, the list of referrals with
their deadlines and the platforms' answers, one referral in full, the items ready to refer, and
the dead letters supervisors requeue.

Referring is an explicit action, not a side effect of confirming: the notice leaves the
organisation and cannot be recalled, so the analyst sees it first (platform, exact address,
category, priority, deadline, evidence digest) and may edit the explanation, as Article 16 DSA
expects a substantiated one. The referral, the outbox rows, a `refer` decision and the audit
events are written in one transaction (ConsoleRepo.refer); the dispatcher sends after commit.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from tidewatch.refer.notice import PRIORITY_LABELS
from tidewatch.refer.outbox import dead_letters, requeue
from tidewatch.store.console_models import QueueItemRow
from tidewatch.store.console_repo import ConsoleError, User
from tidewatch.store.referral_repo import (MAX_BATCH, STATUSES, outbox_reference, preview, ready_to_refer,
                                           referral_detail, referral_page)
from tidewatch.web.background import refer_settings
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import fragment, page, redirect
from tidewatch.web.refer_labels import template_globals

router = APIRouter()
Viewer = Annotated[User, Depends(require("referral.view"))]
Referrer = Annotated[User, Depends(require("referral.create"))]


def refer_page(request: Request, template: str, status: int = 200, **ctx):
    return page(request, template, status, **template_globals(), priority_labels=PRIORITY_LABELS, **ctx)


def _item(repo, item_id: int):
    with repo.engine.connect() as conn:
        return conn.execute(select(QueueItemRow.id, QueueItemRow.status, QueueItemRow.post_id)
                            .where(QueueItemRow.id == item_id)).first()


@router.get("/items/{item_id}/referral")
def item_referral(request: Request, item_id: int, repo: RepoDep, user: Viewer):
    """The referral panel of an item: its referrals, or the notice "Refer to platform" would send.
    A full page, or the panel alone when the item page loads it (HTMX)."""
    it = _item(repo, item_id)
    if it is None:
        return page(request, "error.html", 404, title="Not found", message="There is no such item.")
    pv = preview(repo, item_id, refer_settings(request.app.state))
    notice = pv["notice"].to_json() if pv["notice"] is not None else None
    ctx = dict(item_id=item_id, item_status=it.status, pv=pv, notice=notice, **template_globals(),
               priority_labels=PRIORITY_LABELS)
    if request.headers.get("hx-request") == "true":
        return fragment(request, "_refer_panel.html", **ctx)
    return page(request, "refer_item.html", **ctx)


@router.post("/items/{item_id}/refer")
def refer_item(request: Request, item_id: int, repo: RepoDep, user: Referrer,
               explanation: Annotated[str, Form(max_length=25_000)] = ""):
    try:
        done = repo.refer([item_id], user, refer_settings(request.app.state), explanation=explanation or None)
    except ConsoleError as e:
        return redirect(request, f"/items/{item_id}/referral", str(e), "error")
    return redirect(request, f"/referrals/{done.references[0]}", done.message)


@router.get("/referrals")
def referrals(request: Request, repo: RepoDep, user: Viewer, status: str = "", platform: str = "",
              past_sla: str = "", before: int | None = None):
    status = status if status in (*STATUSES, "open") else ""
    registry = refer_settings(request.app.state).registry
    platform = platform if platform in registry else ""
    rows, nxt, counts = referral_page(repo, status=status or None, platform=platform or None,
                                      past_sla=past_sla == "1", before=before, limit=request.app.state.settings.page_size)
    ready, n_ready = ready_to_refer(repo, refer_settings(request.app.state), limit=1)
    params = {"status": status, "platform": platform, "past_sla": past_sla}
    return refer_page(request, "referrals.html", rows=rows, next_before=nxt, counts=counts, params=params,
                      statuses=STATUSES, platforms=registry.platforms, n_ready=n_ready)


@router.get("/referrals/ready")
def ready(request: Request, repo: RepoDep, user: Viewer):
    rows, total = ready_to_refer(repo, refer_settings(request.app.state), limit=MAX_BATCH)
    return refer_page(request, "referrals_ready.html", rows=rows, total=total, max_batch=MAX_BATCH)


@router.post("/referrals/ready")
async def refer_ready(request: Request, repo: RepoDep, user: Referrer):
    """Refer the chosen confirmed items, grouped per platform into notices (one transaction)."""
    form = await request.form()
    ids = []
    for v in form.getlist("item")[:MAX_BATCH]:
        if isinstance(v, str) and v.isdigit():
            ids.append(int(v))
    try:
        done = repo.refer(ids, user, refer_settings(request.app.state), strict=False)
    except ConsoleError as e:
        return redirect(request, "/referrals/ready", str(e), "error")
    return redirect(request, "/referrals", done.message)


@router.get("/referrals/dead-letters")
def dead(request: Request, repo: RepoDep, user: Annotated[User, Depends(require("dead_letters.view"))]):
    with repo.engine.connect() as conn:
        rows = dead_letters(conn)
    worker = getattr(request.app.state, "dispatcher", None)
    return refer_page(request, "dead_letters.html", rows=rows,
                      dispatcher=worker.worker if worker is not None and worker.alive() else None)


@router.post("/referrals/dead-letters/{outbox_id}/requeue")
def requeue_dead(request: Request, outbox_id: int, repo: RepoDep,
                 user: Annotated[User, Depends(require("referral.requeue"))]):
    """A fresh set of attempts for a delivery that gave up (after its endpoint was fixed); same
    idempotency key, so the platform can still drop a duplicate. Audited with the change."""
    with repo._write() as conn:
        ok = requeue(conn, outbox_id, now=repo.now(), actor=f"console:{user.username}")
        if ok:
            repo._audit(conn, user.username, "referral.requeue", "referral", outbox_reference(conn, outbox_id) or "",
                        {"delivery": outbox_id, "state": "dead"}, {"delivery": outbox_id, "state": "pending"})
    if not ok:
        return redirect(request, "/referrals/dead-letters", f"Delivery {outbox_id} is not in the dead-letter list.", "error")
    return redirect(request, "/referrals/dead-letters", f"Delivery {outbox_id} requeued; it will be sent again.")


@router.get("/referrals/{reference}")
def referral(request: Request, reference: str, repo: RepoDep, user: Viewer):
    ref = referral_detail(repo, reference)
    if ref is None:
        return page(request, "error.html", 404, title="Not found", message="There is no such referral.")
    return refer_page(request, "referral.html", r=ref)
