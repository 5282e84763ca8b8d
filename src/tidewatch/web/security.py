"""Cookies, CSRF tokens and response headers.

- The session cookie holds a random token (the database keeps only its SHA-256); HttpOnly,
  SameSite=Lax, Secure when the request came over https (or when settings say so), path /.
- Every form carries a CSRF token: the session id signed with the console's key (itsdangerous),
  checked on every non-GET request together with the Origin header when the browser sends one.
  The login form's token is bound to a random pre-login cookie instead.
- Every response carries a strict Content-Security-Policy (scripts only from /static, no inline
  script or style), no framing, no referrer, no MIME sniffing.
"""
from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "tw_session"
LOGIN_COOKIE = "tw_login"
FLASH_COOKIE = "tw_flash"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # no-referrer would make browsers send "Origin: null" on our own forms
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response; no-store on everything but /static."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in names]
                if not static and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


class Tokens:
    """CSRF and flash signing with the console's secret key."""

    def __init__(self, secret: str, max_age_s: int) -> None:
        self._csrf = URLSafeTimedSerializer(secret, salt="tidewatch.csrf")
        self._flash = URLSafeTimedSerializer(secret, salt="tidewatch.flash")
        self.max_age_s = max_age_s

    def csrf_for(self, binding: str) -> str:
        return self._csrf.dumps(binding)

    def csrf_ok(self, token: str | None, binding: str | None) -> bool:
        if not token or not binding or len(token) > 500:
            return False
        try:
            value = self._csrf.loads(token, max_age=self.max_age_s)
        except BadSignature:
            return False
        return isinstance(value, str) and hmac.compare_digest(value, binding)

    def flash(self, message: str, kind: str = "ok") -> str:
        return self._flash.dumps([kind, message[:500]])

    def read_flash(self, value: str | None) -> tuple[str, str] | None:
        if not value:
            return None
        try:
            kind, message = self._flash.loads(value, max_age=300)
            return str(kind), str(message)
        except (BadSignature, ValueError, TypeError):
            return None


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None,
               secure: bool | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=is_https(request) if secure is None else secure)


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (Origin / Sec-Fetch-Site)."""
    site = request.headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        return origin.split("://", 1)[-1] == host
    return origin != "null"


def safe_next(target: str | None, default: str) -> str:
    """Only local paths may be redirected to after login (no //evil.example, no schemes)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target
