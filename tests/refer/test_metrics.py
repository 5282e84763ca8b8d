"""Referral metrics: pure functions over item outcomes."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tidewatch.refer.metrics import ItemOutcome, percentile, removal_rate, summarise

from .conftest import NOW


@pytest.mark.parametrize("values,q,expected", [
    ([], 50, None),
    ([4.0], 90, 4.0),
    ([1, 2, 3, 4], 50, 2.5),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9.1),
    ([10, 1, 5], 0, 1),
    ([10, 1, 5], 100, 10),
])
def test_percentile_interpolates_like_numpy(values, q, expected):
    got = percentile(values, q)
    assert (got is None and expected is None) or got == pytest.approx(expected)


def test_percentile_rejects_bad_q():
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def row(platform="telegram", category="smuggling_service", lang="ckb", *, sent=0.0, removed=None, offline=None,
        outcome=None, decline=None, deadline=24.0, status="sent"):
    h = lambda x: None if x is None else NOW + timedelta(hours=x)  # noqa: E731
    return ItemOutcome(reference="TW-X", platform=platform, category=category, lang=lang, status=status,
                       sent_at=h(sent), deadline=NOW + timedelta(hours=deadline), outcome=outcome,
                       outcome_at=h(removed), removed_at=h(removed), first_seen_offline_at=h(offline),
                       decline_reason=decline)


ROWS = [
    row(removed=2, outcome="DECISION_VISIBILITY_CONTENT_REMOVED"),
    row(removed=6, offline=7, outcome="DECISION_VISIBILITY_CONTENT_REMOVED"),
    row(offline=30),  # never answered; observed gone
    row(),  # open, deadline passed at NOW+24h
    row(deadline=100),  # open, within SLA
    row(outcome="DECLINED", decline="NOT_ILLEGAL", lang="ar"),
    row(outcome="DECLINED", decline="NOT_ILLEGAL", lang="ar"),
    row(outcome="DECLINED", decline="CONTENT_NOT_FOUND", lang="ar"),
    row(platform="facebook", category="false_documents", lang="fa", removed=1, outcome="DECISION_ACCOUNT_SUSPENDED"),
    row(platform="facebook", category="false_documents", lang="fa", sent=None),  # never sent: not counted
    row(platform="facebook", lang="fa", sent=5, removed=3, outcome="DECISION_VISIBILITY_CONTENT_REMOVED"),  # before notice
]


def test_summary_per_platform():
    now = NOW + timedelta(hours=48)
    tg, fb = summarise(ROWS, now=now, by=("platform",))[::-1]
    assert tg.key == {"platform": "telegram"} and fb.key == {"platform": "facebook"}
    assert (tg.referred, tg.removed, tg.reported_removed, tg.observed_removed) == (8, 3, 2, 2)
    assert tg.removal_rate == pytest.approx(3 / 8)
    assert tg.median_hours_reported == pytest.approx(4.0) and tg.p90_hours_reported == pytest.approx(5.6)
    assert tg.median_hours_observed == pytest.approx(18.5)
    assert (tg.open, tg.open_past_sla) == (2, 1)
    assert tg.declined == 3 and tg.declines_by_reason == {"CONTENT_NOT_FOUND": 1, "NOT_ILLEGAL": 2}
    assert (fb.referred, fb.removed, fb.removal_rate) == (2, 2, 1.0)
    assert fb.median_hours_reported == pytest.approx(0.5)  # removal before the notice counts as 0 h


def test_summary_by_several_dimensions_and_overall():
    now = NOW + timedelta(hours=48)
    groups = summarise(ROWS, now=now, by=("platform", "lang"))
    assert [tuple(g.key.values()) for g in groups] == [("facebook", "fa"), ("telegram", "ar"), ("telegram", "ckb")]
    assert [g.referred for g in groups] == [2, 3, 5]
    (overall,) = summarise(ROWS, now=now, by=())
    assert overall.referred == 10 and overall.removed == 5
    assert removal_rate(ROWS) == pytest.approx(0.5)
    assert overall.to_json()["removal_rate"] == 0.5
    with pytest.raises(ValueError, match="unknown dimension"):
        summarise(ROWS, now=now, by=("country",))


def test_metrics_change_as_outcomes_arrive():
    now = NOW + timedelta(hours=48)
    before = summarise([row(), row()], now=now, by=())[0]
    after = summarise([row(removed=3, outcome="DECISION_VISIBILITY_CONTENT_REMOVED"), row(offline=12)], now=now, by=())[0]
    assert (before.removal_rate, before.open_past_sla) == (0.0, 2)
    assert (after.removal_rate, after.open_past_sla, after.median_hours_reported, after.median_hours_observed) == \
        (1.0, 0, 3.0, 12.0)
