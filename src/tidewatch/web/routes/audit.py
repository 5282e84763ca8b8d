"""The audit trail for auditors: events newest first, filtered; and a check of the hash chain."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from tidewatch.store.console_repo import User
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import page

router = APIRouter()
PAGE = 100


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/audit")
def audit(request: Request, repo: RepoDep, user: Annotated[User, Depends(require("audit.view"))]):
    p = request.query_params
    params = {k: p[k].replace("\x00", "")[:200] for k in ("actor", "action", "subject", "date_from", "date_to")
              if p.get(k)}
    before = p.get("before")
    events = repo.audit_events(actor=params.get("actor"), action=params.get("action"), subject=params.get("subject"),
                               date_from=_date(params.get("date_from")), date_to=_date(params.get("date_to")),
                               before_seq=int(before) if before and before.isdigit() else None, limit=PAGE + 1)
    more = len(events) > PAGE
    events = events[:PAGE]
    head = repo.audit_head()
    return page(request, "audit.html", events=events, params=params, head=head,
                next_before=events[-1]["seq"] if more and events else None)


@router.get("/audit/verify")
def verify(request: Request, repo: RepoDep, user: Annotated[User, Depends(require("audit.view"))]):
    report = repo.verify_audit()
    return page(request, "audit_verify.html", report=report)
