"""The partner API, `/api/v1/partner/...`: a platform fetches its referrals with their evidence,
acknowledges them and answers with what it did, in the DSA statement-of-reasons vocabulary.

Why a separate application mounted under the console: its callers are machines with API keys,
not browsers with sessions, so it has its own rules: no cookies are read (a key in a header is
the only credential, so there is nothing to forge across sites), every error is JSON naming the
offending field, and it publishes its own OpenAPI document (`/api/v1/partner/openapi.json`)
while the console publishes none.

Isolation is decided once per request: the key maps to one platform (tidewatch.store.partner_repo)
and every read and write below is made through functions that take that platform
(tidewatch.refer.channels.pull, tidewatch.store.referral_repo). Another platform's reference is
answered exactly like an unknown one. Answers are checked completely before anything is written
(`parse_answer`); the pydantic models here only document the shapes.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tidewatch.console.evidence import sha256
from tidewatch.refer.channels.pull import (ALL_ACTIONS, DECLINE_REASONS, MAX_TEXT, AnswerError, ReferralNotFound,
                                          list_for_platform)
from tidewatch.store.console_repo import ConsoleRepo
from tidewatch.store.partner_repo import platform_for_key
from tidewatch.store.referral_repo import partner_acknowledge, partner_answer, partner_bundle, partner_referral

PREFIX = "/api/v1/partner"
MAX_BODY = 64 * 1024


# -- shapes (documentation of the edge; validation is parse_answer's) --------------------------------
class ErrorBody(BaseModel):
    status: int
    field: str | None = Field(None, description="The request field at fault, when one is.")
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class EvidenceFileOut(BaseModel):
    name: str = Field(description="text.txt (the post's text, UTF-8), media/NN.ext, screenshot.png")
    sha256: str
    size: int
    media_type: str
    captured_at: str


class ItemOut(BaseModel):
    position: int | None = Field(None, description="1-based position in the notice (in the full view).")
    url: str = Field(description="The exact location of the item.")
    url_kind: str | None = None
    category: str | None = None
    categories: list[str] = []
    lang: str | None = None
    evidence_digest: str | None = Field(None, description="sha256: of the captured text (evidence text.txt).")
    outcome: str | None = None
    outcome_at: str | None = None
    decline_reason: str | None = None
    evidence: list[EvidenceFileOut] | None = Field(None, description="Evidence files (only in the full view).")


class AnswerOut(BaseModel):
    actions: list[str]
    decline_reason: str | None = None
    reason_text: str | None = None
    territorial_scope: list[str] = []
    urls: list[str] = []
    answered_at: str | None = None


class ReferralOut(BaseModel):
    reference: str
    status: Literal["sent", "acknowledged", "actioned", "declined", "expired", "drafted"]
    priority: str | None = None
    language: str | None = None
    created_at: str | None = None
    deadline: str | None = None
    sent_at: str | None = None
    acknowledged_at: str | None = None
    answered_at: str | None = None
    closed_at: str | None = None
    updated_at: str | None = None
    legal_ground: str | None = None
    explanation: str | None = None
    notifier: dict[str, Any] = {}
    good_faith_statement: str | None = None
    dsa: dict[str, Any] = {}
    items: list[ItemOut]
    answers: list[AnswerOut] = []


class ReferralPage(BaseModel):
    referrals: list[ReferralOut]
    cursor: str | None = Field(None, description="Pass back as `since` to get what changed after this page.")
    has_more: bool


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime | None = Field(None, description="When you took the referral in hand (ISO 8601 with zone); default now.")


Action = Literal[ALL_ACTIONS]  # type: ignore[valid-type]


class AnswerIn(BaseModel):
    """An answer about the whole referral, or about some of its items (`urls`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"action": "DECISION_VISIBILITY_CONTENT_REMOVED", "at": "2026-11-28T10:00:00Z"},
        {"action": ["DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_ACCOUNT_SUSPENDED"]},
        {"action": "DECISION_VISIBILITY_CONTENT_DISABLED", "territorial_scope": ["FR", "GB"]},
        {"action": "DECLINED", "reason": "NOT_ILLEGAL", "reason_text": "Satire account."},
        {"action": "NEEDS_INFORMATION", "reason_text": "Please send the original post id."}]})
    action: Action | list[Action] = Field(description="DSA statement-of-reasons decision values, or DECLINED / "
                                                      "NEEDS_INFORMATION alone.")
    reason: Literal[DECLINE_REASONS] | None = Field(None, description="Required with DECLINED.")  # type: ignore[valid-type]
    reason_text: str | None = Field(None, max_length=MAX_TEXT,
                                    description="Required with NEEDS_INFORMATION and with reason OTHER.")
    urls: list[str] | None = Field(None, description="Items the answer covers (their exact URLs); default all.")
    territorial_scope: list[str] | None = Field(None, description="ISO 3166-1 alpha-2 codes, with "
                                                                  "DECISION_VISIBILITY_CONTENT_DISABLED only.")
    visibility_other: str | None = Field(None, description="Required with DECISION_VISIBILITY_OTHER.")
    at: datetime | None = Field(None, description="When you decided (ISO 8601 with zone); default now.")


# -- errors -----------------------------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def problem(status: int, message: str, field: str | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "field": field, "message": message}}, status_code=status,
                        headers=headers)


ERRORS = {401: {"model": ErrorOut, "description": "No valid API key"},
          404: {"model": ErrorOut, "description": "No such referral for this platform"}}


# -- who is calling -----------------------------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <your platform's API key>")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Or the key in X-API-Key")


def _repo(request: Request) -> ConsoleRepo:
    return request.app.state.repo


def current_platform(request: Request,
                     bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
                     api_key: Annotated[str | None, Depends(_header)] = None) -> str:
    """The platform the API key belongs to; 401 (the same answer) for a missing, unknown or revoked key."""
    key = bearer.credentials if bearer is not None else api_key
    platform = platform_for_key(_repo(request), key)
    if platform is None:
        raise ApiError(401, "a valid API key is required (Authorization: Bearer <key>, or X-API-Key)")
    return platform


Platform = Annotated[str, Depends(current_platform)]
Repo = Annotated[ConsoleRepo, Depends(_repo)]


async def _json_body(request: Request, required: bool) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, f"the request body is larger than {MAX_BODY:,} bytes", "body")
    if not body.strip():
        if required:
            raise ApiError(400, "a JSON object is required", "body")
        return {}
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise ApiError(400, f"the body is not valid JSON: {e}", "body") from None


def _doc_body(model: type[BaseModel], required: bool = True) -> dict:
    return {"requestBody": {"required": required, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


def bundle_zip(reference: str, notice: dict, files: list[tuple[str, bytes]]) -> bytes:
    """notice.json, the evidence files and SHA256SUMS (`sha256sum -c SHA256SUMS` checks them all)."""
    entries = [("notice.json", orjson.dumps(notice, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)), *files]
    sums = "".join(f"{sha256(data)}  {name}\n" for name, data in entries).encode("ascii")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(f"{reference}/{name}", data)
        z.writestr(f"{reference}/SHA256SUMS", sums)
    return buf.getvalue()


def download_headers(filename: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{filename}"',
            "content-security-policy": "default-src 'none'; sandbox", "cache-control": "private, no-store"}


# -- the application ------------------------------------------------------------------------------------
def build_partner_api(repo: ConsoleRepo) -> FastAPI:
    api = FastAPI(title="tidewatch partner API", version="1",
                  description="Referrals of smuggling adverts to the platform that hosts them: list, fetch with "
                              "evidence, acknowledge, answer (DSA statement-of-reasons vocabulary). Each API key "
                              "belongs to one platform and sees only that platform's referrals. Times are UTC "
                              "ISO 8601.", docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  servers=[{"url": PREFIX}])
    api.state.repo = repo

    @api.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(exc.status, exc.message, exc.field, headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        err = exc.errors()[0] if exc.errors() else {}
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header")]
        return problem(422, f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}", loc[0] if loc else None)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = {404: "no such endpoint", 405: "method not allowed"}.get(exc.status_code, str(exc.detail))
        return problem(exc.status_code, message)

    @api.get("/referrals", response_model=ReferralPage, responses=ERRORS,
             summary="Your referrals changed since a cursor, oldest change first")
    def list_referrals(platform: Platform, repo: Repo,
                       since: Annotated[str | None, Query(max_length=80, description="A cursor from the previous page, or an ISO 8601 time.")] = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100):
        try:
            with repo.engine.connect() as conn:
                batch = list_for_platform(conn, platform, since, limit=limit)
        except AnswerError as e:
            raise ApiError(422, str(e), e.field) from None
        return {"referrals": batch.referrals, "cursor": batch.cursor, "has_more": len(batch.referrals) == limit}

    @api.get("/referrals/{reference}", response_model=ReferralOut, responses=ERRORS,
             summary="One referral with its items' evidence digests and files")
    def get_referral(reference: str, platform: Platform, repo: Repo):
        try:
            with repo.engine.connect() as conn:
                return partner_referral(conn, platform, reference)
        except ReferralNotFound as e:
            raise ApiError(404, str(e)) from None

    @api.get("/referrals/{reference}/bundle.zip", responses={**ERRORS, 200: {"content": {"application/zip": {}}}},
             response_class=Response, summary="The notice and the evidence files, with SHA256SUMS")
    def bundle(reference: str, platform: Platform, repo: Repo):
        try:
            with repo.engine.connect() as conn:
                notice, files = partner_bundle(conn, platform, reference)
        except ReferralNotFound as e:
            raise ApiError(404, str(e)) from None
        repo.audit(f"partner:{platform}", "partner.evidence_export", "referral", reference, {}, {"files": len(files)})
        return Response(bundle_zip(reference, notice, files), media_type="application/zip",
                        headers=download_headers(f"{reference}.zip"))

    @api.post("/referrals/{reference}/acknowledge", response_model=ReferralOut,
              responses={**ERRORS, 422: {"model": ErrorOut}}, openapi_extra=_doc_body(AcknowledgeIn, False),
              summary="You have the referral in hand (idempotent)")
    async def acknowledge(reference: str, request: Request, platform: Platform, repo: Repo):
        body = await _json_body(request, required=False)
        if not isinstance(body, dict) or set(body) - {"at"}:
            raise ApiError(422, "the body may only hold `at`", "at" if isinstance(body, dict) else "body")
        try:
            return await run_in_threadpool(partner_acknowledge, repo, platform, reference, f"partner:{platform}",
                                           body.get("at"))
        except ReferralNotFound as e:
            raise ApiError(404, str(e)) from None
        except AnswerError as e:
            raise ApiError(422, str(e), e.field) from None

    @api.post("/referrals/{reference}/answer", response_model=ReferralOut,
              responses={**ERRORS, 400: {"model": ErrorOut}, 422: {"model": ErrorOut, "description":
                         "A malformed answer: `field` names the problem; nothing was changed"}},
              openapi_extra=_doc_body(AnswerIn), summary="What you did about the referral (or some of its items)")
    async def answer(reference: str, request: Request, platform: Platform, repo: Repo):
        body = await _json_body(request, required=True)
        try:
            return await run_in_threadpool(partner_answer, repo, platform, reference, body, f"partner:{platform}")
        except ReferralNotFound as e:
            raise ApiError(404, str(e)) from None
        except AnswerError as e:
            raise ApiError(422, str(e), e.field) from None

    def openapi() -> dict:
        if api.openapi_schema is None:
            schema = get_openapi(title=api.title, version=api.version, description=api.description,
                                 routes=api.routes, servers=api.servers)
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (AnswerIn, AcknowledgeIn):
                doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
                comps.update(doc.pop("$defs", {}))
                comps[model.__name__] = doc
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api
