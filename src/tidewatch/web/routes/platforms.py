"""The platform registry as this console uses it: which domains map to which platform, how each is
notified (channels and whether their endpoints are configured), languages accepted, SLA targets,
and who may use the partner API and portal for it. Read-only: the registry is a data file
(refer/data/platforms.toml) and the endpoints live in the referral settings; keys are made with
`tidewatch partners add-key` and portal accounts with `tidewatch users add --role partner`.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from tidewatch.store.console_repo import User
from tidewatch.store.partner_repo import list_keys, partner_accounts
from tidewatch.web.background import refer_settings
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import page

router = APIRouter()


@router.get("/platforms")
def platforms(request: Request, repo: RepoDep, user: Annotated[User, Depends(require("platforms.view"))]):
    s = refer_settings(request.app.state)
    keys: dict[str, list] = {}
    for k in list_keys(repo):
        keys.setdefault(k.platform, []).append(k)
    rows = []
    for key, p in sorted(s.registry.platforms.items()):
        ep = s.endpoints_for(key)
        configured = {"pull": True, "email": bool(ep.email_to), "webhook": bool(ep.webhook_url and ep.webhook_secret)}
        rows.append({"p": p, "endpoints": ep, "configured": configured, "keys": keys.get(key, []),
                     "patterns": sorted({u.kind for u in p.url_patterns})})
    return page(request, "platforms.html", rows=rows, accounts=partner_accounts(repo), notifier=s.notifier,
                legal_ground=s.legal_ground)
