"""Evidence captured on confirmation: its page, its files (always downloaded, never rendered), the
bundle as a zip, and an optional screenshot of the public URL (headless Chromium through netguard)."""
from __future__ import annotations

import io
import zipfile
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tidewatch.console.evidence import bundle_entries, evidence_label
from tidewatch.netguard import BlockedAddress
from tidewatch.store.console_repo import ConsoleError, User
from tidewatch.web.deps import RepoDep, SettingsDep, require
from tidewatch.web.pages import page, redirect

router = APIRouter()


def _download_headers(filename: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{filename}"',
            "content-security-policy": "default-src 'none'; sandbox", "cache-control": "private, no-store"}


@router.get("/evidence/{evidence_id}")
def evidence(request: Request, evidence_id: int, repo: RepoDep,
             user: Annotated[User, Depends(require("evidence.view"))]):
    view = repo.evidence_view(evidence_id)
    if view is None:
        return page(request, "error.html", 404, title="Not found", message="There is no such evidence.")
    item_id = view["evidence"]["item_id"]
    return page(request, "evidence.html", ev=view["evidence"], files=view["files"], events=view["events"],
                item_id=item_id)


@router.get("/evidence/{evidence_id}/files/{file_id}")
def evidence_file(evidence_id: int, file_id: int, repo: RepoDep,
                  user: Annotated[User, Depends(require("evidence.view"))]):
    f = repo.evidence_file(evidence_id, file_id)
    if f is None:
        return Response("no such file", status_code=404, media_type="text/plain")
    name = f"{evidence_label(evidence_id)}-" + f["name"].replace("/", "-")
    return Response(f["content"], media_type="application/octet-stream", headers=_download_headers(name))


@router.get("/evidence/{evidence_id}/bundle.zip")
def bundle(evidence_id: int, repo: RepoDep, user: Annotated[User, Depends(require("evidence.view"))]):
    try:
        manifest, files = repo.evidence_bundle(evidence_id, user.username)
    except ConsoleError as e:
        return Response(str(e), status_code=e.status, media_type="text/plain")
    label = evidence_label(evidence_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in bundle_entries(manifest, files):
            z.writestr(f"{label}/{rel}", data)
    return Response(buf.getvalue(), media_type="application/zip", headers=_download_headers(f"{label}.zip"))


@router.post("/evidence/{evidence_id}/screenshot")
async def screenshot(request: Request, evidence_id: int, repo: RepoDep, settings: SettingsDep,
                     user: Annotated[User, Depends(require("evidence.capture"))]):
    view = repo.evidence_view(evidence_id)
    back = f"/evidence/{evidence_id}"
    if view is None:
        return page(request, "error.html", 404, title="Not found", message="There is no such evidence.")
    if not settings.screenshots:
        return redirect(request, back, "Screenshots are turned off on this console.", "error")
    url = (view["evidence"]["meta"] or {}).get("url")
    if not url:
        return redirect(request, back, "The post has no public URL to capture.", "error")
    from tidewatch.console.screenshot import ScreenshotError, capture

    try:
        shot = await run_in_threadpool(capture, url, allow_private=settings.screenshot_allow_private,
                                       chromium=settings.chromium_path)
    except BlockedAddress as e:
        repo.audit(user.username, "evidence.screenshot_refused", "evidence", evidence_id, {}, {"reason": str(e)})
        return redirect(request, back, f"Screenshot not taken: {e}", "error")
    except ScreenshotError as e:
        return redirect(request, back, f"Screenshot failed: {e}", "error")
    note = (f"screenshot of {shot.url} (final address {shot.final_url}); "
            f"{len(shot.requests_allowed):,} requests allowed, {len(shot.requests_blocked):,} refused by the address rules")
    repo.add_evidence_file(evidence_id, "screenshot.png", shot.png, "image/png", note, user.username)
    return redirect(request, back, "Screenshot captured.")
