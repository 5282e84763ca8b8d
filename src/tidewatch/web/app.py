"""The analyst console: `create_app(settings)` returns the FastAPI application.

Server-rendered pages (Jinja2) with HTMX for partial updates; every asset is served from
`web/static` (no CDN: the machines have no internet). The database schema is migrated on start
and the review queue brought in step with the detections.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tidewatch.store.console_repo import ConsoleRepo
from tidewatch.store.repo import Store
from tidewatch.web.deps import CsrfFailed, Forbidden, LoginRequired
from tidewatch.web.pages import page
from tidewatch.web.render import make_env
from tidewatch.web.routes import audit, auth, decisions, evidence, items, networks, queue, users
from tidewatch.web.routes import metrics, partner_api, platforms, portal, referrals
from tidewatch.web.background import lifespan
from tidewatch.web.security import SecurityHeaders, Tokens
from tidewatch.web.settings import Settings

STATIC = Path(__file__).parent / "static"


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every endpoint the app serves (routers are mounted without prefixes), for the route × role tests."""
    out: list[APIRoute] = []

    def walk(routes) -> None:
        for r in routes:
            if isinstance(r, APIRoute):
                out.append(r)
            elif hasattr(r, "original_router"):  # FastAPI keeps included routers as a branch
                walk(r.original_router.routes)

    walk(app.routes)
    return out


def make_repo(settings: Settings, store: Store | None = None) -> ConsoleRepo:
    store = store or Store.open(settings.database_url)
    return ConsoleRepo(store, claim_minutes=settings.claim_minutes, session_hours=settings.session_hours,
                       idle_minutes=settings.idle_minutes, argon2_time_cost=settings.argon2_time_cost,
                       argon2_memory_kib=settings.argon2_memory_kib, login_max_failures=settings.login_max_failures,
                       login_max_failures_ip=settings.login_max_failures_ip,
                       login_window_minutes=settings.login_window_minutes, media_roots=settings.media_roots)


def create_app(settings: Settings | None = None, *, repo: ConsoleRepo | None = None) -> FastAPI:
    """The console. `repo` may be passed in (tests share one with their fixtures, or move its clock)."""
    settings = settings or Settings.from_env()
    repo = repo or make_repo(settings)
    if settings.sync_on_start:
        repo.sync_queue()
    app = FastAPI(title="tidewatch console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.repo = repo
    app.state.tokens = Tokens(repo.secret_key(), max_age_s=settings.session_hours * 3600)
    app.state.env = make_env()
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, queue, items, decisions, evidence, audit, users, networks):
        app.include_router(module.router)
    for module in (metrics, referrals, platforms, portal):  # metrics first: /referrals/metrics is not a reference
        app.include_router(module.router)
    app.mount(partner_api.PREFIX, partner_api.build_partner_api(repo))  # its own OpenAPI and JSON errors

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return PlainTextResponse("ok")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request") == "true":
            return HTMLResponse("", status_code=401, headers={"HX-Redirect": "/login"})
        from urllib.parse import urlencode

        return RedirectResponse("/login?" + urlencode({"next": target if request.method == "GET" else ""}),
                                status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return page(request, "error.html", 403, title="No access", message=str(exc))

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed):
        return page(request, "error.html", 403, title="Form expired",
                    message="This form expired or did not come from this console. Go back, reload the page and try again.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return page(request, "error.html", 404, title="Not found", message="There is no such page.")
        if exc.status_code == 405:
            return page(request, "error.html", 405, title="Not allowed", message="This address does not accept that request.")
        return page(request, "error.html", exc.status_code, title="Error", message=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return page(request, "error.html", 422, title="Invalid request",
                    message="Some values in the request were not valid (too long, or not a number).")

    return app
