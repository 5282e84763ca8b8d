"""The partner portal: platform staff log in (role `partner`, bound to one platform) to read their
referrals with the evidence, acknowledge them and answer, with forms instead of API calls.

The same functions as the partner API do the work (tidewatch.refer.channels.pull through
tidewatch.store.referral_repo), starting from the platform the account is bound to, so the
portal cannot show or change what the API would not: another platform's reference is "not
found", like an unknown one. A malformed answer is shown back with the field at fault and
nothing is changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tidewatch.refer.channels.pull import (ACCOUNT, DECLINE_REASONS, PROVISION, VISIBILITY, AnswerError,
                                          ReferralNotFound, list_for_platform)
from tidewatch.store.console_repo import User
from tidewatch.store.partner_repo import platform_of
from tidewatch.store.referral_repo import decorate, partner_acknowledge, partner_answer, partner_bundle, partner_referral
from tidewatch.web.background import refer_settings
from tidewatch.web.deps import Forbidden, RepoDep, require
from tidewatch.web.pages import page, redirect
from tidewatch.web.refer_labels import template_globals
from tidewatch.web.routes.partner_api import bundle_zip, download_headers

router = APIRouter()
PAGE = 100


@dataclass(frozen=True, slots=True)
class PortalUser:
    user: User
    platform: str

    @property
    def actor(self) -> str:
        return f"partner:{self.platform}:{self.user.username}"[:80]


def portal_user(request: Request, user: Annotated[User, Depends(require("portal.use"))]) -> PortalUser:
    platform = platform_of(request.app.state.repo, user)
    if platform is None:
        raise Forbidden("This account is not linked to a platform. Ask the tidewatch administrator.")
    return PortalUser(user, platform)


Partner = Annotated[PortalUser, Depends(portal_user)]


def _name(request: Request, platform: str) -> str:
    reg = refer_settings(request.app.state).registry
    return reg.get(platform).name if platform in reg else platform


def _not_found(request: Request):
    return page(request, "error.html", 404, title="Not found", message="There is no such referral for your platform.")


@router.get("/portal")
def portal(request: Request, repo: RepoDep, who: Partner, status: str = ""):
    with repo.engine.connect() as conn:
        refs = []
        cursor = None
        while True:  # newest changes last in the API's order; the page shows newest first
            batch = list_for_platform(conn, who.platform, cursor, limit=1000)
            refs += batch.referrals
            if len(batch.referrals) < 1000:
                break
            cursor = batch.cursor
    now = repo.now()
    counts: dict[str, int] = {}
    for r in refs:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    if status:
        refs = [r for r in refs if r["status"] == status]
    refs.sort(key=lambda r: (r["status"] not in ("sent", "expired"), r["deadline"] or "", r["reference"]))
    for r in refs:
        decorate(r, now)
    return page(request, "portal.html", rows=refs[:PAGE], total=len(refs), counts=counts, status_filter=status,
                platform_name=_name(request, who.platform), **template_globals())


def _detail(request: Request, repo, who: PortalUser, reference: str, status: int = 200, error=None, form=None):
    try:
        with repo.engine.connect() as conn:
            ref = partner_referral(conn, who.platform, reference)
    except ReferralNotFound:
        return _not_found(request)
    decorate(ref, repo.now())
    return page(request, "portal_referral.html", status, r=ref, platform_name=_name(request, who.platform),
                visibility=VISIBILITY, account=ACCOUNT, provision=PROVISION, decline_reasons=DECLINE_REASONS,
                error=error, form=form or {}, **template_globals())


@router.get("/portal/referrals/{reference}")
def portal_referral(request: Request, reference: str, repo: RepoDep, who: Partner):
    return _detail(request, repo, who, reference)


@router.get("/portal/referrals/{reference}/bundle.zip")
def portal_bundle(request: Request, reference: str, repo: RepoDep, who: Partner):
    try:
        with repo.engine.connect() as conn:
            notice, files = partner_bundle(conn, who.platform, reference)
    except ReferralNotFound:
        return _not_found(request)
    repo.audit(who.actor, "partner.evidence_export", "referral", reference, {}, {"files": len(files)})
    return Response(bundle_zip(reference, notice, files), media_type="application/zip",
                    headers=download_headers(f"{reference}.zip"))


@router.post("/portal/referrals/{reference}/acknowledge")
def portal_acknowledge(request: Request, reference: str, repo: RepoDep, who: Partner):
    try:
        partner_acknowledge(repo, who.platform, reference, who.actor)
    except ReferralNotFound:
        return _not_found(request)
    return redirect(request, f"/portal/referrals/{reference}", "Acknowledged.")


def answer_payload(form) -> dict:
    """The portal's form as the answer object the API takes (empty fields left out)."""
    def text(name: str) -> str | None:
        v = form.get(name)
        return v.strip() if isinstance(v, str) and v.strip() else None

    actions = [a for a in form.getlist("action") if isinstance(a, str) and a]
    payload: dict = {"action": actions[0] if len(actions) == 1 else actions}
    if text("reason"):
        payload["reason"] = text("reason")
    if text("reason_text"):
        payload["reason_text"] = text("reason_text")
    urls = [u for u in form.getlist("url") if isinstance(u, str) and u]
    if urls:
        payload["urls"] = urls
    scope = text("territorial_scope")
    if scope:
        payload["territorial_scope"] = [c.strip().upper() for c in scope.replace(";", ",").split(",") if c.strip()]
    if text("visibility_other"):
        payload["visibility_other"] = text("visibility_other")
    return payload


@router.post("/portal/referrals/{reference}/answer")
async def portal_answer(request: Request, reference: str, repo: RepoDep, who: Partner):
    form = await request.form()
    payload = answer_payload(form) if form.getlist("action") else {}
    try:
        if not payload:
            raise AnswerError("action", "choose what you did (one or more actions), or Decline, or Ask for information")
        await run_in_threadpool(partner_answer, repo, who.platform, reference, payload, who.actor)
    except ReferralNotFound:
        return _not_found(request)
    except AnswerError as e:
        return await run_in_threadpool(_detail, request, repo, who, reference, 422, e, payload)
    return redirect(request, f"/portal/referrals/{reference}", "Answer recorded. Thank you.")
