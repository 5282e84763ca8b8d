"""The review queue and the escalation queue: filters, keyset pages, counts, bulk actions."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from tidewatch.records import CATEGORIES, NEGATIVE_KINDS
from tidewatch.store.console_repo import STATUSES, ConsoleError, QueueFilter, User
from tidewatch.web.deps import RepoDep, SettingsDep, require
from tidewatch.web.pages import fragment, page, redirect
from tidewatch.web.security import safe_next

router = APIRouter()

STATUS_LABELS = {"new": "Waiting", "language_review": "Language review", "escalated": "Escalated",
                 "confirmed": "Confirmed", "not_smuggling": "Not smuggling", "all": "All"}
FILTER_KEYS = ("status", "platform", "lang", "category", "score_min", "score_max", "network", "date_from",
               "date_to", "hide_claimed")


def _score(value: str | None, errors: list[str], name: str) -> float | None:
    if not value:
        return None
    try:
        v = float(value)
    except ValueError:
        errors.append(f"{name} must be a number between 0 and 1")
        return None
    if not 0.0 <= v <= 1.0:
        errors.append(f"{name} must be between 0 and 1")
        return None
    return v


def _date(value: str | None, errors: list[str], name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{name} must be a date like 2026-05-01")
        return None


def parse_filter(raw: dict[str, str], fixed_status: str | None = None) -> tuple[QueueFilter, list[str], dict]:
    """The queue filter from query parameters; bad values are ignored and reported, never a 500."""
    params = {k: v.replace("\x00", "")[:200] for k, v in raw.items() if isinstance(v, str)}
    errors: list[str] = []
    status = fixed_status or params.get("status") or "new"
    if status not in STATUSES and status != "all":
        errors.append("unknown status")
        status = "new"
    category = params.get("category") or None
    if category and category not in CATEGORIES:
        errors.append("unknown category")
        category = None
    f = QueueFilter(status=status, platform=(params.get("platform") or None), lang=(params.get("lang") or None),
                    category=category, score_min=_score(params.get("score_min"), errors, "minimum score"),
                    score_max=_score(params.get("score_max"), errors, "maximum score"),
                    network=(params.get("network") or None), date_from=_date(params.get("date_from"), errors, "from"),
                    date_to=_date(params.get("date_to"), errors, "to"),
                    hide_claimed=params.get("hide_claimed") in ("1", "on", "true"))
    clean = {k: params[k] for k in FILTER_KEYS if params.get(k)}
    if fixed_status:
        clean.pop("status", None)
    return f, errors, clean


def _queue(request: Request, repo, settings, user: User, fixed_status: str | None, title: str, base: str):
    repo.maybe_sync()
    params = dict(request.query_params)
    f, errors, clean = parse_filter(params, fixed_status)
    cursor = params.get("after")
    partial = request.headers.get("hx-request") == "true" and params.get("partial") == "rows"
    result = repo.queue_page(f, cursor, settings.page_size, user.id, with_counts=not partial)
    ctx = dict(page_=result, filters=f, params=clean, errors=errors, base=base, title=title,
               statuses=STATUS_LABELS, categories=CATEGORIES, reasons=NEGATIVE_KINDS, fixed_status=fixed_status)
    if partial:
        return fragment(request, "_queue_rows.html", **ctx)
    return page(request, "queue.html", facets=repo.facets(), **ctx)


@router.get("/queue")
def queue(request: Request, repo: RepoDep, settings: SettingsDep,
          user: Annotated[User, Depends(require("queue.view"))]):
    return _queue(request, repo, settings, user, None, "Queue", "/queue")


@router.get("/escalations")
def escalations(request: Request, repo: RepoDep, settings: SettingsDep,
                user: Annotated[User, Depends(require("escalation.view"))]):
    return _queue(request, repo, settings, user, "escalated", "Escalations", "/escalations")


@router.post("/queue/bulk")
async def bulk(request: Request, repo: RepoDep, user: Annotated[User, Depends(require("queue.bulk"))],
               action: Annotated[str, Form(max_length=40)] = "", reason: Annotated[str, Form(max_length=40)] = "",
               note: Annotated[str, Form(max_length=10000)] = "", back: Annotated[str, Form(max_length=2000)] = ""):
    form = await request.form()
    ids = []
    for v in form.getlist("item")[:500]:
        if isinstance(v, str) and v.isdigit():
            ids.append(int(v))
    back_url = safe_next(back, "/queue") if back.startswith(("/queue", "/escalations")) else "/queue"
    if not ids:
        return redirect(request, back_url, "Select at least one item.", "error")
    try:
        result = repo.bulk(ids, user, action, reason=reason or None, note=note or None)
    except ConsoleError as e:
        return redirect(request, back_url, str(e), "error")
    message = f"{len(result.done):,} of {len(ids):,} items done."
    if result.skipped:
        message += f" {len(result.skipped):,} skipped: " + "; ".join(
            f"item {i}: {why}" for i, why in result.skipped[:5])
    return redirect(request, back_url, message, "ok" if not result.skipped else "error")
