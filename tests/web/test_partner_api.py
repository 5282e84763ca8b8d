"""The partner API (/api/v1/partner): per-platform keys (stored hashed, revocable), listing with a
cursor, one referral with its evidence digests and files, the evidence bundle, acknowledging and
answering in the DSA statement-of-reasons vocabulary; malformed answers get a 4xx JSON error naming
the field and change nothing; the OpenAPI document describes it all."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import select

from console_helpers import TestClient, login
from referral_helpers import confirm, make_available, partners, referral_world, table_counts
from tidewatch.refer.channels.pull import ALL_ACTIONS, ANSWER_FIELDS, DECLINE_REASONS
from tidewatch.store.console_models import AuditEventRow
from tidewatch.store.partner_models import PartnerKeyRow
from tidewatch.store.partner_repo import list_keys, revoke_key

API = "/api/v1/partner"
REMOVED = "DECISION_VISIBILITY_CONTENT_REMOVED"


@pytest.fixture
def w(repo, tmp_path):
    w = referral_world(repo, tmp_path / "data")
    refs = {}
    for name in ("arabic_tonight", "sorani"):
        confirm(repo, w.ids[name])
        (refs[name],) = repo.refer([w.ids[name]], repo.get_user("ana"), w.settings).references
        make_available(repo, refs[name])
        repo.clock.advance(minutes=1)
    w.tg, w.fb = refs["arabic_tonight"], refs["sorani"]
    w.keys = partners(repo, w.settings)
    w.client = TestClient(w.app)
    return w


def call(w, method, path, platform="telegram", **kw):
    headers = {"Authorization": f"Bearer {w.keys[platform]['key']}"} if platform else {}
    return w.client.request(method, API + path, headers={**headers, **kw.pop("headers", {})}, **kw)


def test_keys_are_stored_hashed_and_a_revoked_or_unknown_key_gets_the_same_401(w):
    with w.repo.engine.connect() as conn:
        stored = conn.execute(select(PartnerKeyRow.key_hash, PartnerKeyRow.prefix)
                              .where(PartnerKeyRow.platform == "telegram")).one()
    key = w.keys["telegram"]["key"]
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest() and key.startswith(stored.prefix)
    assert call(w, "GET", "/referrals").status_code == 200
    assert call(w, "GET", "/referrals", headers={"Authorization": ""}, platform=None).status_code == 401
    x_api_key = w.client.get(API + "/referrals", headers={"X-API-Key": key})
    assert x_api_key.status_code == 200
    unknown = w.client.get(API + "/referrals", headers={"Authorization": "Bearer twp_" + "A" * 43})
    cookie_only = login(w.app, "ana").get(API + "/referrals")  # a browser session is never an API credential
    (k,) = [k for k in list_keys(w.repo, "telegram")]
    revoke_key(w.repo, k.id, "test")
    revoked = call(w, "GET", "/referrals")
    assert unknown.status_code == cookie_only.status_code == revoked.status_code == 401
    assert unknown.json() == revoked.json() == cookie_only.json()
    assert revoked.json()["error"]["message"].startswith("a valid API key is required")


def test_list_with_cursor_and_limit(w):
    first = call(w, "GET", "/referrals", params={"limit": 1}, platform="facebook").json()
    assert [r["reference"] for r in first["referrals"]] == [w.fb] and first["has_more"] is True
    by_time = call(w, "GET", "/referrals", params={"since": "2000-01-01T00:00:00Z"}, platform="facebook").json()
    assert [r["reference"] for r in by_time["referrals"]] == [w.fb]
    rest = call(w, "GET", "/referrals", params={"since": first["cursor"]}, platform="facebook").json()
    assert rest["referrals"] == [] and rest["has_more"] is False
    item = first["referrals"][0]["items"][0]
    assert item["evidence_digest"].startswith("sha256:") and "post_id" not in item
    call(w, "POST", f"/referrals/{w.fb}/acknowledge", platform="facebook")
    changed = call(w, "GET", "/referrals", params={"since": first["cursor"]}, platform="facebook").json()
    assert [(r["reference"], r["status"]) for r in changed["referrals"]] == [(w.fb, "acknowledged")]


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"), ({"limit": 5000}, "limit"), ({"limit": "ten"}, "limit"),
    ({"since": "yesterday"}, "since"), ({"since": "2026-11-28T10:00:00"}, "since"),
    ({"since": "2026-11-28T10:00:00Z~99999999999999999999"}, "since"), ({"since": "2026-11-28T10:00:00Z~١٢"}, "since"),
])
def test_bad_list_parameters_are_4xx_json_naming_the_parameter(w, params, field):
    r = call(w, "GET", "/referrals", params=params)
    assert r.status_code == 422 and r.json()["error"]["field"] == field, r.text


def test_one_referral_with_evidence_digests_and_the_bundle(w):
    r = call(w, "GET", f"/referrals/{w.tg}")
    assert r.status_code == 200
    ref = r.json()
    (item,) = ref["items"]
    files = {f["name"]: f for f in item["evidence"]}
    assert set(files) == {"text.txt"}  # the content as captured; not our record.json or decision.json
    assert item["evidence_digest"] == "sha256:" + files["text.txt"]["sha256"]
    assert ref["notifier"]["name"] == "Fictional Coastal Safety Unit" and ref["dsa"]["category"]
    z = call(w, "GET", f"/referrals/{w.tg}/bundle.zip")
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert sorted(names) == sorted(f"{w.tg}/{n}" for n in ("notice.json", "items/01/text.txt", "SHA256SUMS"))
    zf = zipfile.ZipFile(io.BytesIO(z.content))
    for line in zf.read(f"{w.tg}/SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(zf.read(f"{w.tg}/{name}")).hexdigest() == digest
    assert hashlib.sha256(zf.read(f"{w.tg}/items/01/text.txt")).hexdigest() == files["text.txt"]["sha256"]
    with w.repo.engine.connect() as conn:
        assert conn.scalar(select(AuditEventRow.actor).where(AuditEventRow.action == "partner.evidence_export")) \
            == "partner:telegram"


def test_acknowledge_is_idempotent_and_answers_are_recorded_with_timestamps(w):
    r = call(w, "POST", f"/referrals/{w.tg}/acknowledge", json={"at": w.repo.now().isoformat()})
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    again = call(w, "POST", f"/referrals/{w.tg}/acknowledge")
    assert again.json()["acknowledged_at"] == r.json()["acknowledged_at"]
    w.repo.clock.advance(hours=2)
    r = call(w, "POST", f"/referrals/{w.tg}/answer",
             json={"action": [REMOVED, "DECISION_ACCOUNT_SUSPENDED"], "reason_text": "Removed; account suspended."})
    assert r.status_code == 200, r.text
    ref = r.json()
    assert ref["status"] == "actioned" and ref["items"][0]["outcome"] == REMOVED
    assert ref["answers"][0]["actions"] == [REMOVED, "DECISION_ACCOUNT_SUSPENDED"] and ref["answered_at"]
    with w.repo.engine.connect() as conn:
        actions = [a for (a,) in conn.execute(select(AuditEventRow.action).where(AuditEventRow.actor == "partner:telegram")
                                              .order_by(AuditEventRow.seq))]
    assert actions == ["partner.acknowledge", "partner.answer"]


def test_geo_restriction_decline_and_needs_information(w):
    r = call(w, "POST", f"/referrals/{w.fb}/answer", platform="facebook",
             json={"action": "DECISION_VISIBILITY_CONTENT_DISABLED", "territorial_scope": ["FR", "GB"]})
    assert r.status_code == 200 and r.json()["items"][0]["outcome"] == "GEO_RESTRICTED"
    r = call(w, "POST", f"/referrals/{w.tg}/answer", json={"action": "NEEDS_INFORMATION",
                                                            "reason_text": "Please send the channel's numeric id."})
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = call(w, "POST", f"/referrals/{w.tg}/answer", json={"action": "DECLINED", "reason": "NOT_ILLEGAL"})
    assert r.json()["status"] == "declined" and r.json()["items"][0]["decline_reason"] == "NOT_ILLEGAL"


BAD_ANSWERS = [  # (body, status, field)
    (b"", 400, "body"),
    (b"{not json", 400, "body"),
    (b"[\"DECISION_VISIBILITY_CONTENT_REMOVED\"]", 422, "answer"),
    (b'"removed"', 422, "answer"),
    ({}, 422, "action"),
    ({"action": "REMOVED"}, 422, "action"),
    ({"action": "decision_visibility_content_removed"}, 422, "action"),
    ({"action": []}, 422, "action"),
    ({"action": [REMOVED, REMOVED]}, 422, "action"),
    ({"action": ["DECLINED", REMOVED], "reason": "NOT_ILLEGAL"}, 422, "action"),
    ({"action": ["DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"]}, 422, "action"),
    ({"action": 7}, 422, "action"),
    ({"action": "DECLINED"}, 422, "reason"),
    ({"action": "DECLINED", "reason": "I_DISAGREE"}, 422, "reason"),
    ({"action": "DECLINED", "reason": "OTHER"}, 422, "reason_text"),
    ({"action": REMOVED, "reason": "NOT_ILLEGAL"}, 422, "reason"),
    ({"action": "NEEDS_INFORMATION"}, 422, "reason_text"),
    ({"action": REMOVED, "reason_text": "x" * 2001}, 422, "reason_text"),
    ({"action": REMOVED, "reason_text": "removed \u202egnp.exe"}, 422, "reason_text"),
    ({"action": REMOVED, "territorial_scope": ["FR"]}, 422, "territorial_scope"),
    ({"action": "DECISION_VISIBILITY_CONTENT_DISABLED", "territorial_scope": ["France"]}, 422, "territorial_scope"),
    ({"action": "DECISION_VISIBILITY_OTHER"}, 422, "visibility_other"),
    ({"action": REMOVED, "urls": ["https://t.me/someone_else/9"]}, 422, "urls"),
    ({"action": REMOVED, "urls": "https://t.me/example_channel/2"}, 422, "urls"),
    ({"action": REMOVED, "at": "2026-11-28 10:00"}, 422, "at"),
    ({"action": REMOVED, "at": "2999-01-01T00:00:00Z"}, 422, "at"),
    ({"action": REMOVED, "at": "2000-01-01T00:00:00Z"}, 422, "at"),
    ({"action": REMOVED, "removed": True}, 422, "removed"),
    (b"{\"action\": \"" + b"A" * 70_000 + b"\"}", 413, "body"),
]


@pytest.mark.parametrize("body, status, field", BAD_ANSWERS, ids=[f"{i}-{f}" for i, (_b, _s, f) in enumerate(BAD_ANSWERS)])
def test_malformed_answers_get_a_clear_4xx_and_change_nothing(w, body, status, field):
    before = table_counts(w.repo.engine)
    kw = {"content": body, "headers": {"Content-Type": "application/json"}} if isinstance(body, bytes) else {"json": body}
    r = call(w, "POST", f"/referrals/{w.tg}/answer", **kw)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["field"] == field and err["status"] == status and err["message"]
    assert table_counts(w.repo.engine) == before


def test_openapi_documents_the_partner_api(w):
    doc = w.client.get(API + "/openapi.json").json()
    assert set(doc["paths"]) == {"/referrals", "/referrals/{reference}", "/referrals/{reference}/bundle.zip",
                                 "/referrals/{reference}/acknowledge", "/referrals/{reference}/answer"}
    assert doc["servers"] == [{"url": API}]
    schemas = doc["components"]["schemas"]
    answer = schemas["AnswerIn"]
    assert set(answer["properties"]) == ANSWER_FIELDS and answer["additionalProperties"] is False
    enums = [v.get("enum") for v in str_schemas(answer["properties"]["action"])]
    assert tuple(next(e for e in enums if e)) == ALL_ACTIONS
    reason = [v.get("enum") for v in str_schemas(answer["properties"]["reason"])]
    assert tuple(next(e for e in reason if e)) == DECLINE_REASONS
    post_answer = doc["paths"]["/referrals/{reference}/answer"]["post"]
    assert post_answer["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnswerIn")
    assert {"401", "404", "422"} <= set(post_answer["responses"])
    assert {"HTTPBearer", "APIKeyHeader"} <= set(doc["components"]["securitySchemes"])
    assert w.client.get("/openapi.json").status_code == 404  # the console itself publishes none


def str_schemas(schema):
    """Every sub-schema of anyOf/items, flattened."""
    out = [schema]
    for sub in schema.get("anyOf", []):
        out += str_schemas(sub)
    if "items" in schema:
        out += str_schemas(schema["items"])
    return out


def test_unknown_endpoints_and_methods_answer_json(w):
    r = call(w, "GET", "/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["message"] == "no such endpoint"
    r = call(w, "DELETE", f"/referrals/{w.tg}")
    assert r.status_code == 405 and r.json()["error"]["status"] == 405
