"""Rendering a page: the template plus what every page needs (user, CSRF token, flash message)."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tidewatch.web.deps import session_info
from tidewatch.web.security import FLASH_COOKIE, set_cookie


def page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    state = request.app.state
    info = session_info(request)
    flash = state.tokens.read_flash(request.cookies.get(FLASH_COOKIE))
    html = state.env.get_template(template).render(
        request_path=request.url.path, user=info.user if info else None,
        csrf=state.tokens.csrf_for(info.session_id) if info else ctx.pop("csrf", ""),
        flash=flash, now=state.repo.now(), settings=state.settings, **ctx)
    response = HTMLResponse(html, status_code=status)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def fragment(request: Request, template: str, **ctx: Any) -> HTMLResponse:
    """A piece of a page for HTMX swaps (no layout)."""
    state = request.app.state
    info = session_info(request)
    html = state.env.get_template(template).render(
        user=info.user if info else None, csrf=state.tokens.csrf_for(info.session_id) if info else "",
        now=state.repo.now(), settings=state.settings, **ctx)
    return HTMLResponse(html)


def redirect(request: Request, url: str, message: str | None = None, kind: str = "ok") -> RedirectResponse:
    """Post/redirect/get, with a one-time message shown on the next page."""
    response = RedirectResponse(url, status_code=303)
    if message:
        set_cookie(response, request, FLASH_COOKIE, request.app.state.tokens.flash(message, kind), max_age=300,
                   secure=request.app.state.settings.secure_cookies)
    return response
