"""Referring from the console: "Refer to platform" writes the referral and its outbox rows in the same
transaction as the `refer` decision and its audit events, only for confirmed items whose evidence
was captured, with the evidence digest in the notice; and the pages supervisors and analysts read
(referrals with deadlines and answers, dead letters, metrics, platforms)."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from console_helpers import login, post
from referral_helpers import confirm, make_available, referral_world, refer_settings, table_counts
from tidewatch.refer.channels.pull import answer
from tidewatch.refer.outbox import idempotency_key
from tidewatch.refer.repo import load_referrals
from tidewatch.store.console_models import AuditEventRow, DecisionRow, EvidenceFileRow
from tidewatch.store.console_repo import Conflict, Invalid
from tidewatch.store.refer_models import OutboxRow


@pytest.fixture
def w(repo, tmp_path):
    return referral_world(repo, tmp_path / "data", refer_settings({"telegram": ["webhook", "pull"]},
                                                                  webhook_url="http://127.0.0.1:9/unused"))


def _flash(client, response) -> str:
    page = client.get(response.headers["location"])
    m = re.search(r'class="flash flash-(?:ok|error)" role="status">(.*?)</div>', page.text, re.S)
    return m.group(1) if m else ""


def test_refer_writes_referral_outbox_decision_and_audit_together_with_the_evidence_digest(w):
    item = w.ids["arabic_tonight"]
    ev = confirm(w.repo, item)
    ana = login(w.app, "ana")
    r = post(ana, f"/items/{item}/refer", {"explanation": ""})
    assert r.status_code == 303 and r.headers["location"].startswith("/referrals/TW-TG-")
    reference = r.headers["location"].rsplit("/", 1)[1]
    assert "Referred to Telegram" in _flash(ana, r)
    with w.repo.engine.connect() as conn:
        (ref,) = load_referrals(conn)
        text_sha = conn.scalar(select(EvidenceFileRow.sha256).where(EvidenceFileRow.evidence_id == ev,
                                                                     EvidenceFileRow.name == "text.txt"))
        outbox = conn.execute(select(OutboxRow.channel, OutboxRow.idempotency_key, OutboxRow.state)).all()
        decisions = conn.execute(select(DecisionRow.action, DecisionRow.note).where(DecisionRow.item_id == item)
                                 .order_by(DecisionRow.id)).all()
        audit = [a for (a,) in conn.execute(select(AuditEventRow.action).order_by(AuditEventRow.seq))]
    post_text = w.repo.item_view(item)["post"]["text"]
    assert text_sha == hashlib.sha256(post_text.encode("utf-8")).hexdigest()
    assert ref["reference"] == reference and ref["status"] == "drafted" and ref["platform"] == "telegram"
    assert ref["items"][0]["evidence_digest"] == "sha256:" + text_sha
    assert ref["notice"]["items"][0]["evidence_digest"] == "sha256:" + text_sha
    assert sorted(outbox) == sorted((ch, idempotency_key(reference, ch), "pending") for ch in ("webhook", "pull"))
    assert [d.action for d in decisions] == ["confirm", "refer"] and reference in decisions[1].note
    assert audit[-2:] == ["item.refer", "referral.create"]
    # evidence first: the capture is audited before anything is referred
    assert audit.index("evidence.capture") < audit.index("item.refer")
    page = ana.get(f"/referrals/{reference}").text
    assert reference in page and "sha256:" + text_sha in page and f'href="/evidence/{ev}"' in page


def test_a_failure_inside_the_transaction_leaves_nothing_behind(w):
    """The audit append fails after the referral rows were written: all of it rolls back."""
    item = w.ids["arabic_tonight"]
    confirm(w.repo, item)
    before = table_counts(w.repo.engine)
    with w.repo.engine.begin() as conn:
        head = conn.execute(text("SELECT seq, last_hash FROM audit_head WHERE id = 1")).one()
        conn.execute(text("DELETE FROM audit_head WHERE id = 1"))
    with pytest.raises(Exception):
        w.repo.refer([item], w.repo.get_user("ana"), w.settings)
    with w.repo.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, :s, :h)"),
                     {"s": head.seq, "h": head.last_hash})
    assert table_counts(w.repo.engine) == before
    assert w.repo.refer([item], w.repo.get_user("ana"), w.settings).references  # and it works once fixed


@pytest.mark.parametrize("name, confirm_first, message", [
    ("arabic_tonight", False, "Only items confirmed as smuggling can be referred."),
    ("rtl", True, "Cannot be referred: no URL"),  # a Telegram post without an address
    ("script", True, "Cannot be referred: URL is not http(s)"),  # javascript: is never a location
])
def test_refusals_change_nothing(w, name, confirm_first, message):
    item = w.ids[name]
    if confirm_first:
        confirm(w.repo, item, categories=("false_documents",) if name == "rtl" else ("smuggling_service",))
    ana = login(w.app, "ana")
    before = table_counts(w.repo.engine)
    r = post(ana, f"/items/{item}/refer")
    assert r.status_code == 303 and r.headers["location"] == f"/items/{item}/referral"
    assert message in _flash(ana, r)
    assert table_counts(w.repo.engine) == before


def test_an_item_is_referred_once_and_a_declined_one_can_be_referred_again(w):
    item = w.ids["arabic_tonight"]
    confirm(w.repo, item)
    ana = w.repo.get_user("ana")
    (ref,) = w.repo.refer([item], ana, w.settings).references
    with pytest.raises(Conflict, match="referred already"):
        w.repo.refer([item], ana, w.settings)
    make_available(w.repo, ref)
    with w.repo.engine.begin() as conn:
        answer(conn, "telegram", ref, {"action": "DECLINED", "reason": "NOT_ILLEGAL"}, now=w.repo.now())
    w.repo.clock.advance(minutes=1)
    (again,) = w.repo.refer([item], ana, w.settings).references
    assert again != ref


def test_the_analyst_can_edit_the_explanation_before_referring(w):
    item = w.ids["arabic_tonight"]
    confirm(w.repo, item)
    ana = login(w.app, "ana")
    panel = ana.get(f"/items/{item}/referral")
    assert panel.status_code == 200 and "Refer to platform" in panel.text and "Telegram" in panel.text
    fragment = ana.get(f"/items/{item}/referral", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'action="/items/%d/refer"' % item in fragment.text
    r = post(ana, f"/items/{item}/refer", {"explanation": "Too short"})
    assert "at least 20 characters" in _flash(ana, r)
    mine = ("Item 1: https://t.me/example_channel/2 offers a boat crossing from Libya to Italy tonight "
            "(\u201cرحلة الليلة\u201d), with a WhatsApp number to book.")
    r = post(ana, f"/items/{item}/refer", {"explanation": mine})
    assert r.headers["location"].startswith("/referrals/")
    with w.repo.engine.connect() as conn:
        (ref,) = load_referrals(conn)
        (after,) = conn.execute(select(AuditEventRow.after).where(AuditEventRow.action == "referral.create")).one()
    assert ref["explanation"] == mine == ref["notice"]["explanation"]
    assert '"edited_explanation":true' in after.replace(" ", "")


def test_ready_list_refers_many_items_grouped_per_platform(w):
    for name in ("arabic_tonight", "sorani", "rtl"):
        confirm(w.repo, w.ids[name])
    ana = login(w.app, "ana")
    page = ana.get("/referrals/ready").text
    assert "3</strong> confirmed items not referred yet" in page
    assert "Cannot be referred: no URL" in page  # rtl: shown, not selectable
    ids = [str(w.ids[n]) for n in ("arabic_tonight", "sorani", "rtl")]
    r = post(ana, "/referrals/ready", {"item": ids})
    assert r.headers["location"] == "/referrals"
    msg = _flash(ana, r)
    assert "Facebook" in msg and "Telegram" in msg and "1 item(s) skipped" in msg
    with w.repo.engine.connect() as conn:
        refs = load_referrals(conn)
    assert sorted(r["platform"] for r in refs) == ["facebook", "telegram"]
    assert "1</strong> confirmed item not referred yet" in ana.get("/referrals/ready").text


def test_referrals_page_shows_status_deadline_sla_breach_and_answers(w):
    confirm(w.repo, w.ids["arabic_tonight"])
    confirm(w.repo, w.ids["sorani"])
    ana_user = w.repo.get_user("ana")
    (tg,) = w.repo.refer([w.ids["arabic_tonight"]], ana_user, w.settings).references
    (fb,) = w.repo.refer([w.ids["sorani"]], ana_user, w.settings).references
    for ref in (tg, fb):
        make_available(w.repo, ref)
    with w.repo.engine.begin() as conn:
        answer(conn, "facebook", fb, {"action": ["DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_ACCOUNT_SUSPENDED"]},
               now=w.repo.now())
    w.repo.clock.advance(hours=30)  # past the urgent Telegram SLA
    ana = login(w.app, "ana")
    page = ana.get("/referrals").text
    row_tg = re.search(rf"<tr>\s*<td[^>]*><a href=\"/referrals/{tg}\">.*?</tr>", page, re.S).group(0)
    row_fb = re.search(rf"<tr>\s*<td[^>]*><a href=\"/referrals/{fb}\">.*?</tr>", page, re.S).group(0)
    assert "Past SLA" in row_tg and "Telegram" in row_tg
    assert "Actioned" in row_fb and "Content removed + Account suspended" in row_fb and "Past SLA" not in row_fb
    only_late = ana.get("/referrals?past_sla=1").text
    assert tg in only_late and fb not in only_late
    assert fb in ana.get("/referrals?platform=facebook").text and tg not in ana.get("/referrals?platform=facebook").text
    detail = ana.get(f"/referrals/{fb}").text
    assert "Content removed + Account suspended" in detail and "partner:facebook" in detail


def test_dead_letters_are_listed_and_a_supervisor_requeues_them(w):
    confirm(w.repo, w.ids["arabic_tonight"])
    (ref,) = w.repo.refer([w.ids["arabic_tonight"]], w.repo.get_user("ana"), w.settings).references
    with w.repo.engine.begin() as conn:
        conn.execute(update(OutboxRow).where(OutboxRow.channel == "webhook").values(
            state="dead", attempts=5, dead_at=w.repo.now(), last_error="gave up after 5 attempt(s): HTTP 503"))
        oid = conn.scalar(select(OutboxRow.id).where(OutboxRow.channel == "webhook"))
    sam = login(w.app, "sam")
    page = sam.get("/referrals/dead-letters").text
    assert ref in page and "HTTP 503" in page and "Requeue" in page and "does not run in this console" in page
    assert "Requeue" not in login(w.app, "aud").get("/referrals/dead-letters").text  # auditors read only
    r = post(sam, f"/referrals/dead-letters/{oid}/requeue")
    assert "requeued" in _flash(sam, r)
    with w.repo.engine.connect() as conn:
        state, attempts, key = conn.execute(select(OutboxRow.state, OutboxRow.attempts, OutboxRow.idempotency_key)
                                            .where(OutboxRow.id == oid)).one()
        audited = conn.scalar(select(AuditEventRow.subject_id).where(AuditEventRow.action == "referral.requeue"))
    assert (state, attempts, key, audited) == ("pending", 0, idempotency_key(ref, "webhook"), ref)
    r = post(sam, f"/referrals/dead-letters/{oid}/requeue")
    assert "not in the dead-letter list" in _flash(sam, r)


def test_metrics_page_per_platform_category_and_language(w):
    confirm(w.repo, w.ids["arabic_tonight"], categories=("smuggling_service", "crossing_logistics"))
    confirm(w.repo, w.ids["sorani"])
    ana_user = w.repo.get_user("ana")
    refs = w.repo.refer([w.ids["arabic_tonight"], w.ids["sorani"]], ana_user, w.settings, strict=False).references
    for ref in refs:
        make_available(w.repo, ref)
    fb = next(r for r in refs if "-FB-" in r)
    with w.repo.engine.begin() as conn:
        answer(conn, "facebook", fb, {"action": "DECLINED", "reason": "NOT_HOSTED"}, now=w.repo.now() + timedelta(hours=2))
        (tg,) = [r for r in refs if r != fb]
        answer(conn, "telegram", tg, "DECISION_VISIBILITY_CONTENT_REMOVED", now=w.repo.now() + timedelta(hours=3))
    w.repo.clock.advance(hours=3)
    page = login(w.app, "aud").get("/referrals/metrics").text
    overall = re.search(r'id="overall">(.*?)</p>', page, re.S).group(1)
    assert "<strong>2</strong> referred items, <strong>1</strong> removed (<strong>50.0%</strong>)" in overall
    per_platform = re.search(r'id="metrics-platform">(.*?)</table>', page, re.S).group(1)
    assert re.search(r"Telegram</td>\s*<td class=\"num\">1</td>\s*<td class=\"num\">1</td>\s*<td class=\"num\">100.0%</td>\s*"
                     r"<td class=\"num\">3.0 h</td>", per_platform)
    assert "Not hosted by this platform: 1" in per_platform
    assert "smuggling_service" in re.search(r'id="metrics-category">(.*?)</table>', page, re.S).group(1)
    assert "ckb" in re.search(r'id="metrics-lang">(.*?)</table>', page, re.S).group(1)
    only_fb = login(w.app, "aud").get("/referrals/metrics?platform=facebook").text
    assert "(<strong>0.0%</strong>)" in only_fb


def test_platforms_page_shows_the_registry_endpoints_keys_and_accounts(w):
    from referral_helpers import partners

    partners(w.repo, w.settings, ("telegram",))
    page = login(w.app, "ada").get("/platforms").text
    for name in ("Facebook", "Instagram", "WhatsApp", "TikTok", "X", "Telegram", "YouTube", "Snapchat"):
        assert f"<strong>{name}</strong>" in page
    tg = re.search(r'id="platform-telegram">(.*?)</tr>', page, re.S).group(1)
    assert "t.me" in tg and "http://127.0.0.1:9/unused" in tg and "twp_" in tg and "staff-telegram" in tg
    assert "no endpoint configured" not in tg


def test_refer_requires_the_permission_in_the_repository_too(w):
    confirm(w.repo, w.ids["arabic_tonight"])
    from tidewatch.store.console_repo import Refused

    with pytest.raises(Refused):
        w.repo.refer([w.ids["arabic_tonight"]], w.repo.get_user("aud"), w.settings)
    with pytest.raises(Invalid):
        w.repo.refer([], w.repo.get_user("ana"), w.settings)
