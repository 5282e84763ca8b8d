"""Logging in and out. Failed logins are counted per user name and per address and refused for a
while after too many (RateLimited); the login form has its own CSRF token bound to a pre-login cookie."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from tidewatch.console.permissions import home_for
from tidewatch.store.console_repo import RateLimited
from tidewatch.web.deps import CurrentAnalyst, RepoDep, SettingsDep, TokensDep, session_info
from tidewatch.web.pages import page, redirect
from tidewatch.web.security import LOGIN_COOKIE, SESSION_COOKIE, new_nonce, safe_next, same_origin, set_cookie

router = APIRouter()


def _login_page(request: Request, tokens, settings, status: int = 200, error: str | None = None,
                next_url: str = "", username: str = ""):
    nonce = new_nonce()
    response = page(request, "login.html", status, csrf=tokens.csrf_for("login:" + nonce), error=error,
                    next_url=safe_next(next_url, ""), username=username)
    set_cookie(response, request, LOGIN_COOKIE, nonce, max_age=3600, secure=settings.secure_cookies)
    return response


@router.get("/login")
def login_form(request: Request, tokens: TokensDep, settings: SettingsDep, next: str = ""):
    info = session_info(request)
    if info is not None:
        return RedirectResponse(safe_next(next, home_for(info.user.role)), status_code=303)
    return _login_page(request, tokens, settings, next_url=next)


@router.post("/login")
def login(request: Request, repo: RepoDep, tokens: TokensDep, settings: SettingsDep,
          username: Annotated[str, Form(max_length=200)] = "", password: Annotated[str, Form(max_length=1024)] = "",
          csrf_token: Annotated[str, Form(max_length=500)] = "", next: Annotated[str, Form(max_length=2000)] = ""):
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not same_origin(request) or not nonce or not tokens.csrf_ok(csrf_token, "login:" + nonce):
        return _login_page(request, tokens, settings, 403, "The form expired. Log in again.", next, username)
    ip = request.client.host if request.client else "unknown"
    try:
        user = repo.authenticate(username, password, ip)
    except RateLimited as e:
        return _login_page(request, tokens, settings, 429, str(e), next, username)
    if user is None:
        return _login_page(request, tokens, settings, 401, "The user name or password is wrong.", next, username)
    token = repo.create_session(user, ip)
    response = redirect(request, safe_next(next, home_for(user.role)))
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(repo.session_ttl.total_seconds()),
               secure=settings.secure_cookies)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, repo: RepoDep, user: CurrentAnalyst):
    repo.end_session(request.cookies.get(SESSION_COOKIE), user.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(user: CurrentAnalyst):
    return RedirectResponse(home_for(user.role), status_code=303)
