"""Claims, decisions and notes on one item. Each answers with a redirect back to the item and a
message; refusals (claimed by someone else, already decided, not your role) say why."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from tidewatch.store.console_repo import ConsoleError, User
from tidewatch.web.deps import RepoDep, require
from tidewatch.web.pages import redirect

router = APIRouter()


def _run(request: Request, item_id: int, fn):
    try:
        outcome = fn()
    except ConsoleError as e:
        return redirect(request, f"/items/{item_id}", str(e), "error")
    if outcome.evidence_id:
        return redirect(request, f"/items/{item_id}#evidence", outcome.message)
    return redirect(request, f"/items/{item_id}", outcome.message)


@router.post("/items/{item_id}/claim")
def claim(request: Request, item_id: int, repo: RepoDep, user: Annotated[User, Depends(require("item.claim"))]):
    return _run(request, item_id, lambda: repo.claim(item_id, user))


@router.post("/items/{item_id}/release")
def release(request: Request, item_id: int, repo: RepoDep, user: Annotated[User, Depends(require("item.claim"))]):
    return _run(request, item_id, lambda: repo.release(item_id, user))


@router.post("/items/{item_id}/decision")
async def decision(request: Request, item_id: int, repo: RepoDep,
                   user: Annotated[User, Depends(require("item.decide"))],
                   action: Annotated[str, Form(max_length=40)] = "", reason: Annotated[str, Form(max_length=40)] = "",
                   note: Annotated[str, Form(max_length=10000)] = ""):
    form = await request.form()
    categories = [c for c in form.getlist("category") if isinstance(c, str)][:20]
    return _run(request, item_id, lambda: repo.decide(item_id, user, action, categories, reason or None, note))


@router.post("/items/{item_id}/notes")
def notes(request: Request, item_id: int, repo: RepoDep, user: Annotated[User, Depends(require("item.note"))],
          note: Annotated[str, Form(max_length=10000)] = ""):
    return _run(request, item_id, lambda: repo.add_note(item_id, user, note))


@router.post("/items/{item_id}/reopen")
def reopen(request: Request, item_id: int, repo: RepoDep, user: Annotated[User, Depends(require("item.reopen"))],
           note: Annotated[str, Form(max_length=10000)] = ""):
    return _run(request, item_id, lambda: repo.reopen(item_id, user, note))
