"""Request dependencies as named aliases, so handlers read like sentences:

    def claim(item_id: int, repo: RepoDep, user: Annotated[User, Depends(require("item.claim"))]): ...

`require(permission)` is the one gate: no session -> redirect to the login page; a role without
the permission -> 403; and for every request that is not GET/HEAD, a valid CSRF token and a
same-origin request. The route × role tests read `permission_of(route)` to know what to expect.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Callable

from fastapi import Depends, Request

from tidewatch.store.console_repo import ConsoleRepo, User
from tidewatch.store.repo import Store
from tidewatch.web.security import SESSION_COOKIE, Tokens, same_origin
from tidewatch.web.settings import Settings

SAFE_METHODS = ("GET", "HEAD")


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str = "You do not have access to this page.") -> None:
        super().__init__(message)


class CsrfFailed(Exception):
    pass


def get_repo(request: Request) -> ConsoleRepo:
    return request.app.state.repo


def get_store(request: Request) -> Store:
    return request.app.state.repo.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_tokens(request: Request) -> Tokens:
    return request.app.state.tokens


RepoDep = Annotated[ConsoleRepo, Depends(get_repo)]
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TokensDep = Annotated[Tokens, Depends(get_tokens)]


@dataclass(frozen=True, slots=True)
class SessionInfo:
    user: User
    session_id: str


def session_info(request: Request) -> SessionInfo | None:
    """The logged-in session of this request, looked up once per request."""
    if hasattr(request.state, "session_info"):
        return request.state.session_info
    found = request.app.state.repo.session_user(request.cookies.get(SESSION_COOKIE))
    info = SessionInfo(*found) if found else None
    request.state.session_info = info
    return info


async def _check_csrf(request: Request) -> None:
    if not same_origin(request):
        raise CsrfFailed()
    info = session_info(request)
    token = request.headers.get("x-csrf-token")
    if token is None:
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    if info is None or not request.app.state.tokens.csrf_ok(token, info.session_id):
        raise CsrfFailed()


def require(permission: str | None) -> Callable:
    """A dependency returning the current user if their role holds `permission` (None: any role)."""

    async def dependency(request: Request) -> User:
        info = session_info(request)
        if info is None:
            raise LoginRequired()
        if permission is not None and not info.user.can(permission):
            raise Forbidden()
        if request.method not in SAFE_METHODS:
            await _check_csrf(request)
        return info.user

    dependency.permission = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{permission or 'login'}".replace(".", "_")
    return dependency


CurrentAnalyst = Annotated[User, Depends(require(None))]


def permission_of(route) -> str | None | bool:
    """The permission a route requires (None: any logged-in user), or False for a public route."""
    for dep in getattr(route, "dependant", None).dependencies if getattr(route, "dependant", None) else ():
        found = _find(dep)
        if found is not False:
            return found
    return False


def _find(dep):
    call = getattr(dep, "call", None)
    if call is not None and hasattr(call, "permission"):
        return call.permission
    for sub in dep.dependencies:
        found = _find(sub)
        if found is not False:
            return found
    return False
