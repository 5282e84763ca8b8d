"""The whole loop on loopback: confirm -> outbox -> webhook and email delivered (through a flaky
platform) -> partner answers -> liveness -> metrics change."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tidewatch.refer.channels import ChannelSet
from tidewatch.refer.channels.pull import answer, list_for_platform
from tidewatch.refer.dispatch import Dispatcher
from tidewatch.refer.liveness import OFFLINE, Observation, record_check
from tidewatch.refer.metrics import load_outcomes, summarise
from tidewatch.refer.notice import build_notices
from tidewatch.refer.outbox import create_referrals
from tidewatch.refer.repo import load_referrals
from tidewatch.store.refer_models import OutboxRow, ReferralItemRow

from .conftest import NOW, confirmed, make_settings

CHANNELS = {"telegram": ["webhook", "email"], "facebook": ["email"], "x": ["webhook"], "instagram": ["pull"],
            "tiktok": ["pull", "webhook"]}


def test_confirm_deliver_answer_measure(seeded, receiver, smtp_server):
    s = make_settings(CHANNELS, webhook_url=receiver.url, smtp_port=smtp_server.port, webhook_timeout=0.3)
    # the platform fails every other request and answers too late to every fifth
    receiver.plan = lambda n: "slow" if n % 5 == 0 else ("fail" if n % 2 == 0 else "ok")
    receiver.slow_seconds = 0.5
    smtp_server.data_replies = ["451 4.7.1 Greylisted, come back later"]

    # 1. the analyst's decision and the referral commit together
    notices = build_notices(confirmed(), s, now=NOW).notices
    with Session(seeded.engine) as session, session.begin():
        session.execute(text("SELECT 1"))  # stands for the console's decision rows
        create_referrals(session, notices, s.registry, now=NOW, actor="analyst:fict-01")

    # 2. dispatch until nothing is due (retries are immediate here: base_delay=0)
    clock = [NOW]
    d = Dispatcher(seeded.engine, ChannelSet(s, seeded.engine, clock=lambda: clock[0]), max_attempts=12,
                   base_delay=0, max_delay=0, clock=lambda: clock[0])
    stats = d.run_once()
    assert stats.dead == 0 and stats.retried > 0
    with seeded.engine.connect() as conn:
        rows = conn.execute(select(OutboxRow.channel, OutboxRow.idempotency_key, OutboxRow.state)).all()
    assert {r.state for r in rows} == {"delivered"}
    hooks = {r.idempotency_key for r in rows if r.channel == "webhook"}
    mails = {r.idempotency_key for r in rows if r.channel == "email"}
    assert set(receiver.processed) == hooks and all(n == 1 for n in receiver.processed.values())
    assert len(receiver.requests) > len(hooks)  # there were failures and resends
    assert sorted(m["X-Tidewatch-Idempotency-Key"] for m in smtp_server.messages) == sorted(mails)
    with seeded.engine.connect() as conn:
        refs = {r["reference"]: r for r in load_referrals(conn)}
        assert {r["status"] for r in refs.values()} == {"sent"}
        before = {g.key["platform"]: g for g in summarise(load_outcomes(conn), now=NOW + timedelta(days=3))}
    assert all(g.removed == 0 for g in before.values())
    assert before["telegram"].open_past_sla == 2

    # 3. platforms answer (however they were notified, they answer through the partner functions)
    t = NOW + timedelta(hours=3)
    with seeded.engine.begin() as conn:
        for r in list_for_platform(conn, "telegram").referrals:
            answer(conn, "telegram", r["reference"], "DECISION_VISIBILITY_CONTENT_REMOVED", now=t)
        (fb,) = list_for_platform(conn, "facebook").referrals
        answer(conn, "facebook", fb["reference"], {"action": "DECLINED", "reason": "NOT_ILLEGAL",
                                                   "urls": [fb["items"][1]["url"]]}, now=t)
        answer(conn, "facebook", fb["reference"], {"action": ["DECISION_VISIBILITY_CONTENT_REMOVED",
                                                              "DECISION_ACCOUNT_TERMINATED"],
                                                   "urls": [fb["items"][0]["url"]]}, now=t + timedelta(hours=1))
        (ig,) = list_for_platform(conn, "instagram").referrals
        answer(conn, "instagram", ig["reference"], "NEEDS_INFORMATION",
               reason_text="Please confirm the account handle.", now=t)
        # x never answers; a liveness check sees its post gone
        x_item = conn.execute(select(ReferralItemRow.id, ReferralItemRow.url)
                              .where(ReferralItemRow.post_id == "twitter:8801")).one()
        assert record_check(conn, x_item.id, x_item.url, Observation(OFFLINE, 404, "HTTP 404"), NOW + timedelta(hours=9))

    # 4. the console's numbers change
    with seeded.engine.connect() as conn:
        after = {g.key["platform"]: g for g in summarise(load_outcomes(conn), now=NOW + timedelta(days=3))}
        statuses = {r["platform"]: r["status"] for r in load_referrals(conn) if r["platform"] != "telegram"}
    tg, fbm, xm, igm = after["telegram"], after["facebook"], after["x"], after["instagram"]
    assert (tg.removed, tg.removal_rate, tg.median_hours_reported, tg.open_past_sla) == (2, 1.0, 3.0, 0)
    assert (fbm.removed, fbm.declined, fbm.declines_by_reason, fbm.median_hours_reported) == (1, 1, {"NOT_ILLEGAL": 1}, 4.0)
    assert (xm.removed, xm.reported_removed, xm.observed_removed, xm.median_hours_observed) == (1, 0, 1, 9.0)
    assert (igm.removed, igm.open_past_sla) == (0, 1)
    assert statuses == {"facebook": "actioned", "instagram": "acknowledged", "tiktok": "sent", "x": "sent"}
    with seeded.engine.connect() as conn:
        (overall,) = summarise(load_outcomes(conn), now=NOW + timedelta(days=3), by=())
    assert overall.removal_rate > 0.5 > before["telegram"].removal_rate
