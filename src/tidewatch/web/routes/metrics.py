"""Referral metrics page: how much of what we notify comes down, and how fast, per platform,
category and language. The numbers come from tidewatch.refer.metrics (the same functions the CLI
and the transparency report use), so the page cannot disagree with them.

Mounted before the referrals router: its path would otherwise be read as a reference.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from tidewatch.refer.metrics import load_outcomes, summarise
from tidewatch.store.console_repo import User
from tidewatch.web.background import refer_settings
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import page
from tidewatch.web.refer_labels import template_globals

router = APIRouter()

DIMENSIONS = (("platform", "Per platform"), ("category", "Per category"), ("lang", "Per language"))


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/referrals/metrics")
def metrics(request: Request, repo: RepoDep, user: Annotated[User, Depends(require("referral_metrics.view"))],
            platform: str = "", date_from: str = "", date_to: str = ""):
    registry = refer_settings(request.app.state).registry
    platform = platform if platform in registry else ""
    d0, d1 = _day(date_from), _day(date_to)
    since = datetime.combine(d0, time.min, timezone.utc) if d0 else None
    until = datetime.combine(d1 + timedelta(days=1), time.min, timezone.utc) if d1 else None
    now = repo.now()
    with repo.engine.connect() as conn:
        rows = load_outcomes(conn, platform=platform or None, since=since, until=until)
    overall = summarise(rows, now=now, by=())
    tables = [(key, title, summarise(rows, now=now, by=(key,))) for key, title in DIMENSIONS]
    names = {k: p.name for k, p in registry.platforms.items()}
    return page(request, "referral_metrics.html", overall=overall[0] if overall else None, tables=tables,
                names=names, platforms=registry.platforms,
                params={"platform": platform, "date_from": d0.isoformat() if d0 else "",
                        "date_to": d1.isoformat() if d1 else ""}, **template_globals())
