"""The console's storage on SQLite and PostgreSQL: queue order and pages, claims, decisions,
evidence, the audit trail, accounts and sessions, labels."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from console_helpers import PASSWORD, make_repo
from console_factory import POSTS, seed
from tidewatch.detect.data import example_from_dict
from tidewatch.records import Cue, Detection
from tidewatch.store.console_repo import (Conflict, Invalid, NotFound, QueueFilter, RateLimited, Refused,
                                          decode_cursor)
from tidewatch.store.db import current_revision


@pytest.fixture
def users(repo):
    return {role: repo.add_user(name, PASSWORD, role, "test") for role, name in
            {"analyst": "ana", "analyst2": "bea", "supervisor": "sam", "auditor": "aud"}.items()
            if role != "analyst2"} | {"analyst2": repo.add_user("bea", PASSWORD, "analyst", "test")}


def test_migration_creates_the_console_tables_with_append_only_audit(fresh_repo):
    repo = fresh_repo
    from sqlalchemy import inspect

    assert current_revision(repo.engine) >= "0003"
    assert {"console_users", "console_sessions", "queue_items", "decisions", "evidence", "evidence_files",
            "audit_events", "audit_head"} <= set(inspect(repo.engine).get_table_names())
    repo.audit("ana", "test.event", "item", 1, {}, {"x": 1})
    for stmt in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError):
            with repo.engine.begin() as conn:
                conn.execute(text(stmt))
    assert repo.verify_audit().ok


# -- the queue ---------------------------------------------------------------------------------
def test_queue_order_flagged_imminent_first_then_score_times_reach(repo, seeded):
    rows = repo.queue_page(QueueFilter(status="all"), limit=50).rows
    order = [r.id for r in rows]
    by_name = {v: k for k, v in seeded.items()}
    names = [by_name[i] for i in order]
    # tier 2: departure soon (sorani has "places left", arabic "tonight", script "tonight", huge "places left")
    assert [r.tier for r in rows] == sorted((r.tier for r in rows), reverse=True)
    assert names[0] == "sorani"  # 0.93 × 12,000 views beats 0.88 × 300
    assert names[-1] == "french_news"  # label 0 is last whatever its reach (90,000 followers)
    tier2 = [r for r in rows if r.tier == 2]
    assert [r.priority for r in tier2] == sorted((r.priority for r in tier2), reverse=True)


def test_keyset_pages_walk_everything_once_under_filters(repo, tmp_path):
    seed(repo, tmp_path / "d", extra=230)
    for f in (QueueFilter(status="all"), QueueFilter(status="new", platform="telegram"),
              QueueFilter(status="all", score_min=0.5, score_max=0.8), QueueFilter(status="all", lang="fr")):
        seen, cursor = [], None
        while True:
            page = repo.queue_page(f, cursor, limit=17)
            seen += [r.id for r in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert len(seen) == len(set(seen)) == page.total
        full = repo.queue_page(f, None, limit=1000).rows
        assert seen == [r.id for r in full]


@pytest.mark.parametrize("f, expected", [
    (QueueFilter(status="all", platform="facebook"), {"sorani", "sorani_same_phone"}),
    (QueueFilter(status="all", category="crossing_logistics"), {"arabic_tonight", "huge"}),
    (QueueFilter(status="all", network="any"), {"sorani", "sorani_same_phone"}),
    (QueueFilter(status="all", network="N-test000001"), {"sorani", "sorani_same_phone"}),
    (QueueFilter(status="all", network="N-none"), set()),
    (QueueFilter(status="all", score_min=0.85), {"sorani", "arabic_tonight"}),
    (QueueFilter(status="all", score_max=0.2), {"french_news"}),
    (QueueFilter(status="all", date_from=date(2026, 5, 2), date_to=date(2026, 5, 3)),
     {"sorani_same_phone", "french_news"}),
    (QueueFilter(status="all", category="a%_"), set()),  # LIKE wildcards are escaped
])
def test_filters(repo, seeded, f, expected):
    page = repo.queue_page(f, limit=100)
    by_id = {v: k for k, v in seeded.items()}
    assert {by_id[r.id] for r in page.rows} == expected and page.total == len(expected)


def test_sync_picks_up_new_and_rescored_detections_and_keeps_decisions(repo, seeded, users):
    repo.decide(seeded["sorani"], users["analyst"], "not_smuggling", reason="personal")
    post_id = POSTS["sorani"][0]
    pid = f"facebook:{post_id['id']}"
    repo.store.save_results([Detection(pid, 0.2, 0, (), (), "ckb", "test-2")], {})
    assert repo.maybe_sync() >= 1
    row = repo.queue_page(QueueFilter(status="not_smuggling")).rows[0]
    assert (row.id, row.score, row.tier) == (seeded["sorani"], 0.2, 0)
    assert repo.maybe_sync() == 0  # nothing newer: no work


def test_counts_and_oldest_waiting(repo, seeded, users):
    repo.decide(seeded["french_news"], users["analyst"], "escalate", note="check")
    page = repo.queue_page(QueueFilter())
    assert page.counts["new"] == len(POSTS) - 1 and page.counts["escalated"] == 1
    assert page.oldest_waiting is not None


# -- claims --------------------------------------------------------------------------------------
def test_claims_expire_and_block_others_meanwhile(repo, seeded, users, clock):
    ana, bea = users["analyst"], users["analyst2"]
    item = seeded["arabic_tonight"]
    repo.claim(item, ana)
    with pytest.raises(Conflict, match="Claimed by ana until"):
        repo.claim(item, bea)
    with pytest.raises(Conflict):
        repo.decide(item, bea, "confirm", ["smuggling_service"])
    with pytest.raises(Refused):
        repo.release(item, bea)
    assert repo.queue_page(QueueFilter(hide_claimed=True), viewer_id=bea.id, limit=100).total == len(POSTS) - 1
    clock.advance(minutes=31)
    repo.claim(item, bea)  # ana's claim expired
    assert repo.item_view(item)["item"]["claimer"] == "bea"
    repo.release(item, users["supervisor"])  # supervisors release anyone's claim
    assert repo.item_view(item)["item"]["claimer"] is None


def test_escalated_items_go_to_supervisors_and_their_claims_do_not_expire(repo, seeded, users, clock):
    item = seeded["rtl"]
    repo.decide(item, users["analyst"], "escalate", note="not sure about the documents")
    with pytest.raises(Refused):
        repo.claim(item, users["analyst"])
    with pytest.raises(Refused):
        repo.decide(item, users["analyst"], "confirm", ["false_documents"])
    repo.claim(item, users["supervisor"])
    clock.advance(days=3)
    assert repo.item_view(item)["item"]["claimer"] == "sam"
    out = repo.decide(item, users["supervisor"], "confirm", ["false_documents"])
    assert out.evidence_id


# -- decisions -------------------------------------------------------------------------------------
@pytest.mark.parametrize("action, kw, error", [
    ("confirm", {}, Invalid), ("confirm", {"categories": ["made_up"]}, Invalid),
    ("not_smuggling", {}, Invalid), ("not_smuggling", {"reason": "bogus"}, Invalid),
    ("not_smuggling", {"reason": "other"}, Invalid), ("delete", {}, Invalid),
])
def test_decisions_are_validated(repo, seeded, users, action, kw, error):
    with pytest.raises(error):
        repo.decide(seeded["sorani"], users["analyst"], action, **kw)


def test_decided_items_are_final_until_a_supervisor_reopens(repo, seeded, users):
    item = seeded["french_news"]
    repo.decide(item, users["analyst"], "not_smuggling", reason="news", note="Reuters report")
    with pytest.raises(Conflict):
        repo.decide(item, users["analyst"], "confirm", ["smuggling_service"])
    with pytest.raises(Refused):
        repo.reopen(item, users["analyst"])
    repo.reopen(item, users["supervisor"], "wrong reason")
    repo.decide(item, users["analyst"], "language_review", note="French slang?")
    assert repo.item_view(item)["item"]["status"] == "language_review"
    with pytest.raises(NotFound):
        repo.decide(999_999, users["analyst"], "escalate")


def test_bulk_reports_what_it_skipped(repo, seeded, users):
    ids = [seeded["sorani"], seeded["rtl"], 999_999]
    repo.claim(seeded["rtl"], users["analyst2"])
    res = repo.bulk(ids, users["analyst"], "claim")
    assert res.done == [seeded["sorani"]] and [i for i, _ in res.skipped] == [seeded["rtl"], 999_999]
    with pytest.raises(Refused):
        repo.bulk(ids, users["analyst"], "not_smuggling", reason="news")
    res = repo.bulk([seeded["french_news"], seeded["huge"]], users["supervisor"], "not_smuggling", reason="news")
    assert len(res.done) == 2


# -- evidence ----------------------------------------------------------------------------------
def test_confirmation_captures_evidence_with_digests(repo, seeded, users):
    out = repo.decide(seeded["sorani"], users["analyst"], "confirm", ["smuggling_service", "crossing_logistics"],
                      note="same phone as network N-test000001")
    view = repo.evidence_view(out.evidence_id)
    names = [f["name"] for f in view["files"]]
    assert names == ["record.json", "post.json", "text.txt", "media/01.png", "decision.json"]
    import hashlib

    for f in view["files"]:
        stored = repo.evidence_file(out.evidence_id, f["id"])
        assert hashlib.sha256(stored["content"]).hexdigest() == f["sha256"] and f["size"] == len(stored["content"])
    text_file = repo.evidence_file(out.evidence_id, view["files"][2]["id"])
    assert text_file["content"].decode() == POSTS["sorani"][0]["text"]
    assert view["evidence"]["captured_by"] == "ana" and view["evidence"]["captured_at"].tzinfo is not None
    manifest, files = repo.evidence_bundle(out.evidence_id, "aud")
    assert manifest["audit"]["capture_event"] and manifest["evidence_id"] == "EV-%06d" % out.evidence_id
    assert [e["action"] for e in repo.evidence_view(out.evidence_id)["events"]] == ["evidence.capture",
                                                                                   "evidence.export"]


def test_media_outside_allowed_folders_is_not_captured(repo, tmp_path, users):
    from tidewatch.ingest.schema import post_from_dict

    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    p = post_from_dict({"id": "m1", "platform": "web", "text": "boat",
                        "media": [{"path": str(tmp_path / "outside.png")}, {"path": "/etc/passwd"},
                                  {"url": "https://cdn.example/x.jpg"}]})
    repo.store.add_posts([p], source=f"jsonl:{tmp_path / 'sub' / 'posts.jsonl'}")
    repo.store.save_results([Detection(p.id, 0.9, 1, ("smuggling_service",), (Cue(0, 4, "boat", "transport", "boat"),))], {})
    repo.sync_queue()
    item = repo.item_id_for_post(p.id)
    out = repo.decide(item, users["analyst"], "confirm", ["smuggling_service"])
    view = repo.evidence_view(out.evidence_id)
    assert not any(f["name"].startswith("media/") for f in view["files"])
    assert [m["index"] for m in view["evidence"]["meta"]["media_not_captured"]] == [1, 2, 3]
    assert repo.media_file(item, 0) is None and repo.media_file(item, 1) is None and repo.media_file(item, 7) is None


# -- audit trail ------------------------------------------------------------------------------
def test_every_change_is_audited_with_before_and_after(repo, seeded, users):
    item = seeded["arabic_tonight"]
    repo.claim(item, users["analyst"])
    repo.add_note(item, users["analyst"], "phone seen before")
    repo.decide(item, users["analyst"], "confirm", ["smuggling_service"])
    events = repo.audit_events(subject=f"item:{item}")
    assert [e["action"] for e in reversed(events)] == ["item.claim", "item.note", "decision.confirm"]
    confirm = events[0]
    assert confirm["before_value"] == {"status": "new", "claimed_by": "ana"}
    assert confirm["after_value"]["status"] == "confirmed" and confirm["actor"] == "ana"
    assert repo.audit_events(action="decision.")[0]["seq"] == confirm["seq"]
    assert repo.audit_events(actor="nobody") == []
    assert repo.verify_audit().ok


def _drop_triggers(repo):
    with repo.engine.begin() as conn:
        if repo.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))


@pytest.mark.parametrize("attack, kind", [
    ("UPDATE audit_events SET after = '{\"status\":\"not_smuggling\"}' WHERE seq = 3", "edited"),
    ("UPDATE audit_events SET actor = 'sam' WHERE seq = 2", "edited"),
    ("DELETE FROM audit_events WHERE seq = 2", "broken_link"),
    ("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)", "head_mismatch"),
])
def test_audit_verify_finds_edited_and_deleted_rows(fresh_repo, attack, kind):
    repo = fresh_repo
    for i in range(4):
        repo.audit("ana", "item.claim", "item", i, {}, {"claimed_by": "ana"})
    assert repo.verify_audit().ok
    _drop_triggers(repo)  # an attacker with the database owner's rights
    with repo.engine.begin() as conn:
        conn.execute(text(attack))
    report = repo.verify_audit()
    assert not report.ok and kind in {p.kind for p in report.problems}


def test_concurrent_appends_keep_one_chain(repo, users):
    errors = []

    def work(n):
        try:
            for i in range(10):
                repo.audit(f"user{n}", "item.note", "item", i, {}, {"n": n})
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = repo.verify_audit()
    assert report.ok and report.events == 40 + 4  # + the four user.add events


# -- accounts and sessions -------------------------------------------------------------------
def test_passwords_are_argon2_and_logins_are_rate_limited(repo, users, clock):
    with repo.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM console_users WHERE username = 'ana'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert repo.authenticate("ana", PASSWORD, "10.0.0.1") == users["analyst"]
    for _ in range(5):
        assert repo.authenticate("ana", "wrong password!", "10.0.0.1") is None
    with pytest.raises(RateLimited):
        repo.authenticate("ana", PASSWORD, "10.0.0.2")  # the right password does not help now
    clock.advance(minutes=16)
    assert repo.authenticate("ana", PASSWORD, "10.0.0.1") is not None
    assert repo.authenticate("nobody", PASSWORD, "10.0.0.1") is None
    assert repo.authenticate("\x00<script>", "x", "10.0.0.1") is None  # hostile names are stored safely


def test_sessions_end_on_expiry_idle_and_disable(repo, users, clock):
    token = repo.create_session(users["analyst"], "10.0.0.1")
    assert repo.session_user(token)[0].username == "ana"
    assert repo.session_user("forged") is None and repo.session_user(None) is None
    clock.advance(minutes=100)
    assert repo.session_user(token) is not None  # activity at 100 min keeps it alive
    clock.advance(minutes=121)
    assert repo.session_user(token) is None  # idle too long
    token = repo.create_session(users["analyst"], "10.0.0.1")
    repo.set_active("ana", False, "sam")
    assert repo.session_user(token) is None
    assert repo.authenticate("ana", PASSWORD, "10.0.0.1") is None
    with pytest.raises(Refused):
        repo.set_active("sam", False, "sam")


@pytest.mark.parametrize("name, role, password, error", [
    ("ana", "analyst", PASSWORD, Conflict), ("new", "root", PASSWORD, Invalid), ("new", "analyst", "short", Invalid),
    ("<b>x</b>", "analyst", PASSWORD, Invalid), ("", "analyst", PASSWORD, Invalid), ("a" * 81, "analyst", PASSWORD, Invalid),
])
def test_bad_accounts_are_refused(repo, users, name, role, password, error):
    with pytest.raises(error):
        repo.add_user(name, password, role, "test")


# -- labels ---------------------------------------------------------------------------------
def test_export_labels_is_the_detectors_format_and_follows_reopening(repo, seeded, users):
    repo.decide(seeded["sorani"], users["analyst"], "confirm", ["smuggling_service"])
    repo.decide(seeded["french_news"], users["analyst"], "not_smuggling", reason="news")
    repo.decide(seeded["rtl"], users["analyst"], "not_smuggling", reason="legit_documents")
    repo.reopen(seeded["rtl"], users["supervisor"])
    repo.decide(seeded["huge"], users["analyst"], "escalate")
    labels = list(repo.iter_labels(batch=1))
    assert [(r["id"], r["label"], r["kind"]) for r in labels] == [("s1", 1, "advert"), ("f4", 0, "news")]
    assert labels[0]["entities"]["phones"] == ["+447700900123"]
    assert all(example_from_dict(r).text for r in labels)


def test_queue_page_cursor_is_opaque_but_stable(repo, seeded):
    page = repo.queue_page(QueueFilter(status="all"), limit=2)
    assert decode_cursor(page.next_cursor)[2] == page.rows[-1].id


def test_two_repos_share_one_secret_key(repo):
    other = make_repo(repo.store)
    assert repo.secret_key() == other.secret_key() and len(repo.secret_key()) == 64
    assert timedelta(minutes=30) == repo.claim_ttl


def test_posts_with_decisions_or_evidence_cannot_be_deleted(repo, seeded, users):
    repo.decide(seeded["sorani"], users["analyst"], "confirm", ["smuggling_service"])
    with pytest.raises(DBAPIError):
        with repo.engine.begin() as conn:
            conn.execute(text("DELETE FROM posts WHERE id = 'facebook:s1'"))
    with repo.engine.begin() as conn:  # an undecided post leaves the queue with it
        conn.execute(text("DELETE FROM posts WHERE id = 'x:f4'"))
    assert repo.item_view(seeded["french_news"]) is None and repo.item_view(seeded["sorani"]) is not None
