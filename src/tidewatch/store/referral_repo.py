"""Referrals as the console and the partners see them: "Refer to platform" and the reads around it.

Why it exists: referring is a decision, and the issue's first rule is that the referral and the
decision are one fact. `refer_items` therefore does everything in ONE transaction of the console
repository: it checks each item is confirmed and has its evidence captured, builds the notices
(`tidewatch.refer.notice.build_notices`), writes referral + outbox rows (`create_referrals`, the
caller's transaction), a `refer` decision per item and the audit events. If anything fails, nothing
is written; nothing is sent here (the dispatcher sends after commit).

Evidence comes first: an item is referable only when the evidence captured at its confirmation is
there, and the notice's digest for the item is the SHA-256 of the text captured in that evidence
(`text.txt`), so a platform (or a court) can match the notice to the bundle byte for byte.

The partner reads (`partner_evidence`, `partner_bundle`) start from the caller's platform and a
reference, and answer `ReferralNotFound` for another platform's reference exactly as for an unknown
one. Partners see the content as captured (text, images, screenshots), not our internal files (the
raw source record, the analyst's decision).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import Connection, and_, func, insert, or_, select

from tidewatch.refer.channels.pull import ReferralNotFound, acknowledge, answer, get_for_platform, parse_answer
from tidewatch.refer.notice import (ConfirmedItem, NoticeError, build_notices, check_url, cue_notes,
                                    edit_explanation)
from tidewatch.refer.outbox import create_referrals, referred_post_ids
from tidewatch.refer.repo import load_referrals
from tidewatch.refer.settings import ReferSettings
from tidewatch.refer.status import utc
from tidewatch.store.console_models import DecisionRow, EvidenceFileRow, EvidenceRow, QueueItemRow
from tidewatch.store.console_repo import Conflict, ConsoleRepo, Invalid, NotFound, Refused, User
from tidewatch.store.models import DetectionRow, PostRow
from tidewatch.store.refer_models import (DeliveryAttemptRow, LivenessCheckRow, OutboxRow, ReferralItemRow,
                                          ReferralRow)

TEXT_FILE = "text.txt"
OPEN_STATUSES = ("drafted", "sent", "acknowledged")
STATUSES = ("drafted", "sent", "acknowledged", "actioned", "declined", "expired")
MAX_BATCH = 200


def partner_may_see(name: str) -> bool:
    """Evidence files a platform receives: the content as captured, not our internal records."""
    return name == TEXT_FILE or name.startswith("media/") or name.startswith("screenshot")


@dataclass(frozen=True, slots=True)
class Referred:
    """What "Refer to platform" did: shown to the analyst as a message."""

    message: str
    references: tuple[str, ...] = ()
    skipped: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A confirmed item as it would be referred, or why it cannot be."""

    item_id: int
    post_id: str
    item: ConfirmedItem | None
    evidence_id: int | None
    problem: str | None


# -- building referable items from the console's rows -------------------------------------------------
def _candidate(conn: Connection, it) -> Candidate:
    if it.status != "confirmed":
        return Candidate(it.id, it.post_id, None, None, "Only items confirmed as smuggling can be referred.")
    dec = conn.execute(select(DecisionRow.id, DecisionRow.action, DecisionRow.categories)
                       .where(DecisionRow.item_id == it.id, DecisionRow.action.in_(("confirm", "not_smuggling")))
                       .order_by(DecisionRow.id.desc()).limit(1)).first()
    if dec is None or dec.action != "confirm":
        return Candidate(it.id, it.post_id, None, None, "No confirmation is recorded for this item.")
    ev = conn.execute(select(EvidenceRow.id, EvidenceFileRow.sha256)
                      .join(EvidenceFileRow, and_(EvidenceFileRow.evidence_id == EvidenceRow.id,
                                                  EvidenceFileRow.name == TEXT_FILE))
                      .where(EvidenceRow.item_id == it.id, EvidenceRow.decision_id == dec.id)
                      .order_by(EvidenceRow.id.desc()).limit(1)).first()
    if ev is None:
        return Candidate(it.id, it.post_id, None, None,
                         "No evidence was captured with the confirmation: nothing can be referred without it.")
    post = conn.execute(select(PostRow.id, PostRow.url, PostRow.platform, PostRow.lang)
                        .where(PostRow.id == it.post_id)).one()
    det = conn.execute(select(DetectionRow.cues, DetectionRow.lang).where(DetectionRow.post_id == it.post_id)).first()
    item = ConfirmedItem(
        post_id=post.id, categories=tuple(dec.categories or ()), url=post.url, platform=post.platform,
        cues=cue_notes((det.cues if det else None) or []), lang=(det.lang if det else None) or post.lang,
        evidence_digest="sha256:" + ev.sha256, decision_id=str(dec.id))
    return Candidate(it.id, it.post_id, item, ev.id, None)


def _candidates(repo: ConsoleRepo, conn: Connection, item_ids: Sequence[int], lock: bool) -> list[Candidate]:
    out = []
    for iid in dict.fromkeys(item_ids):
        it = repo.item_row(conn, iid, lock=lock)
        if it is None:
            out.append(Candidate(iid, "", None, None, "There is no such item."))
            continue
        out.append(_candidate(conn, it))
    done = referred_post_ids(conn, [c.post_id for c in out if c.item is not None])
    return [Candidate(c.item_id, c.post_id, None, c.evidence_id, "This item has been referred already.")
            if c.item is not None and c.post_id in done else c for c in out]


def _routed(cands: list[Candidate], settings: ReferSettings, now: datetime):
    ok = [c for c in cands if c.item is not None]
    result = build_notices([c.item for c in ok], settings, now=now)
    bad = {u.post_id: u.reason for u in result.unroutable}
    return result.notices, bad


def preview(repo: ConsoleRepo, item_id: int, settings: ReferSettings) -> dict[str, Any]:
    """What "Refer to platform" would send for one item (nothing is written): the notice, or why not."""
    with repo.engine.connect() as conn:
        (cand,) = _candidates(repo, conn, [item_id], lock=False)
        existing = item_referrals(conn, cand.post_id) if cand.post_id else []
    if cand.item is None:
        return {"notice": None, "problem": cand.problem, "evidence_id": cand.evidence_id, "referrals": existing}
    notices, bad = _routed([cand], settings, repo.now())
    if bad:
        return {"notice": None, "problem": f"Cannot be referred: {bad[cand.post_id]}.", "evidence_id": cand.evidence_id,
                "referrals": existing}
    return {"notice": notices[0], "problem": None, "evidence_id": cand.evidence_id, "referrals": existing}


def refer_items(repo: ConsoleRepo, item_ids: Sequence[int], user: User, settings: ReferSettings, *,
                explanation: str | None = None, strict: bool = True) -> Referred:
    """Refer confirmed items to their platforms: referral + outbox + decisions + audit, one transaction.

    `strict` (one item from its page): any problem refuses the whole action. Otherwise (a batch from
    the "ready to refer" list) items that cannot be referred are skipped and reported. `explanation`
    replaces the generated one (only when the items make a single notice).
    """
    if not user.can("referral.create"):
        raise Refused("Your role cannot refer items to platforms.")
    ids = list(dict.fromkeys(int(i) for i in item_ids))[:MAX_BATCH]
    if not ids:
        raise Invalid("Choose at least one item to refer.")
    now = repo.now()
    with repo._write() as conn:
        cands = _candidates(repo, conn, ids, lock=True)
        skipped = [(c.item_id, c.problem or "") for c in cands if c.item is None]
        if strict and skipped:
            raise (NotFound if skipped[0][1] == "There is no such item." else Conflict)(skipped[0][1])
        notices, bad = _routed(cands, settings, now)
        skipped += [(c.item_id, f"cannot be referred: {bad[c.post_id]}") for c in cands if c.post_id in bad]
        if strict and bad:
            raise Invalid(f"Cannot be referred: {next(iter(bad.values()))}.")
        if not notices:
            raise Invalid("Nothing to refer: " + "; ".join(f"item {i}: {why}" for i, why in skipped[:5]))
        notices = list(notices)
        edited = False
        if explanation is not None and explanation.strip():
            if len(notices) != 1:
                raise Invalid("An edited explanation applies to one notice; refer these items one by one.")
            if _norm(explanation) != _norm(notices[0].explanation):
                try:
                    notices[0] = edit_explanation(notices[0], explanation)
                    edited = True
                except NoticeError as e:
                    raise Invalid(str(e)) from None
        created = create_referrals(conn, notices, settings.registry, now=now, actor=f"console:{user.username}")
        by_post = {c.post_id: c for c in cands if c.item is not None}
        for n, c in zip(notices, created):
            channels = list(settings.registry.get(n.platform).channels)
            for ni in n.items:
                cand = by_post[ni.post_id]
                did = conn.execute(insert(DecisionRow).values(
                    item_id=cand.item_id, post_id=ni.post_id, user_id=user.id, username=user.username, action="refer",
                    categories=list(ni.categories), note=f"Referred to {n.platform_name} in {n.reference}",
                    created_at=now)).inserted_primary_key[0]
                repo._audit(conn, user.username, "item.refer", "item", cand.item_id, {},
                            {"reference": n.reference, "decision": did, "evidence": cand.evidence_id})
            repo._audit(conn, user.username, "referral.create", "referral", n.reference, {}, {
                "platform": n.platform, "priority": n.to_json()["priority"], "deadline": n.to_json()["deadline"],
                "channels": channels, "edited_explanation": edited,
                "items": [{"item": by_post[i.post_id].item_id, "url": i.url, "evidence_digest": i.evidence_digest}
                          for i in n.items]})
    refs = [n.reference for n in notices]
    names = sorted({n.platform_name for n in notices})
    msg = (f"Referred to {', '.join(names)}: {', '.join(refs)}. The notice is queued for sending."
           if len(refs) <= 3 else f"{len(refs):,} referrals to {', '.join(names)} queued for sending.")
    if skipped:
        msg += f" {len(skipped):,} item(s) skipped."
    return Referred(msg, tuple(refs), tuple(skipped))


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def ready_to_refer(repo: ConsoleRepo, settings: ReferSettings, limit: int = 100) -> tuple[list[dict], int]:
    """Confirmed items not referred yet (or whose referral was declined), oldest decision first, with
    the platform each would go to or why it cannot go anywhere; and how many there are in all."""
    referred = (select(ReferralItemRow.post_id).join(ReferralRow, ReferralRow.id == ReferralItemRow.referral_id)
                .where(ReferralRow.status != "declined"))
    where = and_(QueueItemRow.status == "confirmed", QueueItemRow.post_id.not_in(referred))
    with repo.engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(QueueItemRow).where(where)) or 0
        rows = conn.execute(select(QueueItemRow.id, QueueItemRow.post_id, QueueItemRow.decided_at, QueueItemRow.categories,
                                   PostRow.url, PostRow.platform)
                            .join(PostRow, PostRow.id == QueueItemRow.post_id).where(where)
                            .order_by(QueueItemRow.decided_at, QueueItemRow.id).limit(limit)).all()
    out = []
    for r in rows:
        why = check_url(r.url)
        match = None if why else settings.registry.resolve(r.url, r.platform)
        if match is None and not why:
            why = "no known platform hosts this address"
        out.append({"item_id": r.id, "post_id": r.post_id, "decided_at": utc(r.decided_at), "url": r.url,
                    "categories": [c for c in (r.categories or "").split(",") if c],
                    "platform": match.platform.key if match else None,
                    "platform_name": match.platform.name if match else None, "problem": why})
    return out, total


# -- reads for the console ------------------------------------------------------------------------------
def item_referrals(conn: Connection, post_id: str) -> list[dict]:
    rows = conn.execute(select(ReferralRow.reference, ReferralRow.platform, ReferralRow.status, ReferralRow.created_at,
                               ReferralRow.deadline)
                        .join(ReferralItemRow, ReferralItemRow.referral_id == ReferralRow.id)
                        .where(ReferralItemRow.post_id == post_id).order_by(ReferralRow.id)).all()
    return [{"reference": r.reference, "platform": r.platform, "status": r.status, "created_at": utc(r.created_at),
             "deadline": utc(r.deadline)} for r in rows]


def referral_page(repo: ConsoleRepo, *, status: str | None = None, platform: str | None = None,
                  past_sla: bool = False, before: int | None = None, limit: int = 50) -> tuple[list[dict], int | None, dict]:
    """Referrals newest first (keyset on id), with their items, answers and deliveries; the next
    page's `before` id; and counts per status."""
    now = repo.now()
    r = ReferralRow
    where = []
    if status == "open":
        where.append(r.status.in_(OPEN_STATUSES))
    elif status:
        where.append(r.status == status)
    if platform:
        where.append(r.platform == platform)
    if past_sla:
        where.append(or_(r.status == "expired", and_(r.status.in_(OPEN_STATUSES), r.deadline < now)))
    with repo.engine.connect() as conn:
        q = select(r.id, r.reference).where(*where).order_by(r.id.desc()).limit(limit + 1)
        if before:
            q = q.where(r.id < before)
        ids = conn.execute(q).all()
        refs = {x.reference: i for i, x in enumerate(ids[:limit])}
        loaded = load_referrals(conn, references=list(refs)) if refs else []
        counts = dict(conn.execute(select(r.status, func.count()).group_by(r.status)).all())
        overdue = conn.scalar(select(func.count()).select_from(r).where(
            or_(r.status == "expired", and_(r.status.in_(OPEN_STATUSES), r.deadline < now)))) or 0
    loaded.sort(key=lambda x: refs[x["reference"]])
    for x in loaded:
        decorate(x, now)
    nxt = ids[limit - 1].id if len(ids) > limit else None
    return loaded, nxt, {**counts, "past_sla": overdue}


def decorate(ref: dict, now: datetime) -> dict:
    """Add what the pages show: SLA state, removed count, the latest answer."""
    deadline = _dt(ref.get("deadline"))
    answered = _dt(ref.get("answered_at"))
    ref["past_sla"] = ref["status"] == "expired" or (ref["status"] in OPEN_STATUSES and deadline is not None
                                                      and deadline < now)
    ref["answered_late"] = answered is not None and deadline is not None and answered > deadline
    ref["removed"] = sum(1 for i in ref["items"] if i.get("removed_at") or i.get("first_seen_offline_at"))
    ref["latest_answer"] = ref["answers"][-1] if ref["answers"] else None
    for k in ("created_at", "deadline", "sent_at", "acknowledged_at", "answered_at", "closed_at", "updated_at"):
        ref[k + "_dt"] = _dt(ref.get(k))
    for it in ref["items"]:
        for k in ("outcome_at", "removed_at", "last_checked_at", "first_seen_offline_at"):
            it[k + "_dt"] = _dt(it.get(k))
    for a in ref["answers"]:
        a["answered_at_dt"] = _dt(a["answered_at"])
        a["received_at_dt"] = _dt(a.get("received_at"))
    for h in ref.get("history", ()):
        h["at_dt"] = _dt(h["at"])
    return ref


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def referral_detail(repo: ConsoleRepo, reference: str) -> dict | None:
    """One referral with everything the console shows: items (with their queue item and evidence),
    history, answers, deliveries with every attempt, liveness checks."""
    if not reference or len(reference) > 40:
        return None
    with repo.engine.connect() as conn:
        refs = load_referrals(conn, references=[reference])
        if not refs:
            return None
        ref = decorate(refs[0], repo.now())
        post_ids = [i["post_id"] for i in ref["items"]]
        item_ids = dict(conn.execute(select(QueueItemRow.post_id, QueueItemRow.id)
                                     .where(QueueItemRow.post_id.in_(post_ids))).all())
        evidence = _evidence_for(conn, [(i["post_id"], i["evidence_digest"]) for i in ref["items"]])
        outbox_ids = [d["id"] for d in ref["deliveries"]]
        attempts: dict[int, list[dict]] = {i: [] for i in outbox_ids}
        for a in conn.execute(select(DeliveryAttemptRow.__table__).where(DeliveryAttemptRow.outbox_id.in_(outbox_ids))
                              .order_by(DeliveryAttemptRow.id)).mappings():
            attempts[a["outbox_id"]].append({**a, "started_at": utc(a["started_at"]), "finished_at": utc(a["finished_at"])})
        checks: dict[int, list[dict]] = {i["id"]: [] for i in ref["items"]}
        for c in conn.execute(select(LivenessCheckRow.__table__).where(LivenessCheckRow.item_id.in_(list(checks)))
                              .order_by(LivenessCheckRow.id.desc()).limit(500)).mappings():
            checks[c["item_id"]].append({**c, "checked_at": utc(c["checked_at"])})
    for it in ref["items"]:
        it["queue_item_id"] = item_ids.get(it["post_id"])
        it["evidence_id"] = evidence.get((it["post_id"], it["evidence_digest"]))
        it["checks"] = checks.get(it["id"], [])[:10]
    for d in ref["deliveries"]:
        d["attempt_rows"] = attempts.get(d["id"], [])
        d["delivered_at_dt"] = _dt(d["delivered_at"])
    return ref


def _evidence_for(conn: Connection, pairs: Sequence[tuple[str, str | None]]) -> dict[tuple[str, str | None], int]:
    """(post id, notice digest) -> the evidence whose captured text has that digest (latest capture)."""
    post_ids = list({p for p, _ in pairs})
    if not post_ids:
        return {}
    rows = conn.execute(select(EvidenceRow.id, EvidenceRow.post_id, EvidenceFileRow.sha256)
                        .join(EvidenceFileRow, and_(EvidenceFileRow.evidence_id == EvidenceRow.id,
                                                    EvidenceFileRow.name == TEXT_FILE))
                        .where(EvidenceRow.post_id.in_(post_ids)).order_by(EvidenceRow.id)).all()
    out: dict[tuple[str, str | None], int] = {}
    for eid, pid, sha in rows:
        out[(pid, "sha256:" + sha)] = eid
    return {k: out[k] for k in pairs if k in out}


# -- reads for the partners (isolation: platform first) ---------------------------------------------------
def _partner_items(conn: Connection, platform: str, reference: str) -> tuple[Any, list[Any]]:
    if not isinstance(reference, str) or not reference or len(reference) > 40:
        raise ReferralNotFound(str(reference))
    row = conn.execute(select(ReferralRow.id, ReferralRow.notice)
                       .where(ReferralRow.reference == reference, ReferralRow.platform == platform,
                              ReferralRow.available_at.is_not(None))).first()
    if row is None:
        raise ReferralNotFound(reference)
    items = conn.execute(select(ReferralItemRow.position, ReferralItemRow.url, ReferralItemRow.post_id,
                                ReferralItemRow.evidence_digest)
                         .where(ReferralItemRow.referral_id == row.id).order_by(ReferralItemRow.position)).all()
    return row, items


def partner_evidence(conn: Connection, platform: str, reference: str) -> list[dict[str, Any]]:
    """Per item of the platform's own referral: its evidence digest and the evidence files it may fetch."""
    _row, items = _partner_items(conn, platform, reference)
    ev = _evidence_for(conn, [(i.post_id, i.evidence_digest) for i in items])
    files: dict[int, list[dict]] = {}
    if ev:
        for f in conn.execute(select(EvidenceFileRow.evidence_id, EvidenceFileRow.name, EvidenceFileRow.sha256,
                                     EvidenceFileRow.size, EvidenceFileRow.media_type, EvidenceFileRow.captured_at)
                              .where(EvidenceFileRow.evidence_id.in_(list(ev.values())))
                              .order_by(EvidenceFileRow.id)):
            if partner_may_see(f.name):
                files.setdefault(f.evidence_id, []).append({
                    "name": f.name, "sha256": f.sha256, "size": f.size, "media_type": f.media_type,
                    "captured_at": utc(f.captured_at).isoformat().replace("+00:00", "Z")})
    out = []
    for i in items:
        eid = ev.get((i.post_id, i.evidence_digest))
        out.append({"position": i.position, "url": i.url, "evidence_digest": i.evidence_digest,
                    "files": files.get(eid, []) if eid else []})
    return out


def partner_bundle(conn: Connection, platform: str, reference: str) -> tuple[dict, list[tuple[str, bytes]]]:
    """The notice as sent and the partner-visible evidence files of every item: (notice, [(path, bytes)])."""
    row, items = _partner_items(conn, platform, reference)
    ev = _evidence_for(conn, [(i.post_id, i.evidence_digest) for i in items])
    out: list[tuple[str, bytes]] = []
    for i in items:
        eid = ev.get((i.post_id, i.evidence_digest))
        if eid is None:
            continue
        for name, content in conn.execute(select(EvidenceFileRow.name, EvidenceFileRow.content)
                                          .where(EvidenceFileRow.evidence_id == eid).order_by(EvidenceFileRow.id)):
            if partner_may_see(name):
                out.append((f"items/{i.position:02d}/{name}", bytes(content)))
    return dict(row.notice or {}), out


def partner_referral(conn: Connection, platform: str, reference: str) -> dict[str, Any]:
    """The platform's own referral as it may see it, each item with its evidence files' digests."""
    view = get_for_platform(conn, platform, reference)
    evidence = partner_evidence(conn, platform, reference)
    for item, ev in zip(view["items"], evidence):
        item["position"] = ev["position"]
        item["evidence"] = ev["files"]
    return view


def partner_acknowledge(repo: ConsoleRepo, platform: str, reference: str, actor: str,
                        at: Any = None) -> dict[str, Any]:
    """The platform has the referral in hand: status change and audit event in one transaction."""
    with repo._write() as conn:
        before = _status(conn, platform, reference)
        view = acknowledge(conn, platform, reference, now=repo.now(), at=at, actor=actor)
        if view["status"] != before:
            repo._audit(conn, actor, "partner.acknowledge", "referral", reference, {"status": before},
                        {"status": view["status"], "acknowledged_at": view["acknowledged_at"]})
    return view


def partner_answer(repo: ConsoleRepo, platform: str, reference: str, payload: Any, actor: str) -> dict[str, Any]:
    """Record the platform's answer (checked completely first: AnswerError changes nothing) and its
    audit event in one transaction."""
    ans = parse_answer(payload)  # before any read or write: a malformed answer touches nothing
    with repo._write() as conn:
        before = _status(conn, platform, reference)
        view = answer(conn, platform, reference, dict(payload), now=repo.now(), actor=actor)
        repo._audit(conn, actor, "partner.answer", "referral", reference, {"status": before}, {
            "status": view["status"], "actions": list(ans.actions), "reason": ans.reason,
            "urls": list(ans.urls), "territorial_scope": list(ans.territorial_scope)})
    return view


def _status(conn: Connection, platform: str, reference: str) -> str:
    if not isinstance(reference, str) or not reference or len(reference) > 40:
        raise ReferralNotFound(str(reference))
    status = conn.scalar(select(ReferralRow.status).where(ReferralRow.reference == reference,
                                                          ReferralRow.platform == platform,
                                                          ReferralRow.available_at.is_not(None)))
    if status is None:
        raise ReferralNotFound(reference)
    return status


def outbox_reference(conn: Connection, outbox_id: int) -> str | None:
    return conn.scalar(select(ReferralRow.reference).join(OutboxRow, OutboxRow.referral_id == ReferralRow.id)
                       .where(OutboxRow.id == outbox_id))


__all__ = ["Candidate", "Referred", "decorate", "item_referrals", "partner_acknowledge", "partner_answer",
           "partner_bundle", "partner_evidence", "partner_may_see", "partner_referral", "preview", "ready_to_refer", "refer_items", "referral_detail", "referral_page"]
