"""The console's pure logic: queue order, highlighting, the audit chain, evidence bundles, media rules,
labels, permissions, redirects."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import orjson
import pytest

from console_factory import png
from tidewatch.console import audit_chain
from tidewatch.console.evidence import (EvidenceFile, build_manifest, parse_evidence_id, safe_name, verify_bundle,
                                        write_bundle)
from tidewatch.console.highlight import highlight, strip_controls
from tidewatch.console.labels import label_record
from tidewatch.console.media import resolve_local, sniff_image
from tidewatch.console.permissions import PERMISSIONS, ROLES, allowed
from tidewatch.console.priority import TIER_FLAGGED, TIER_IMMINENT, TIER_OTHER, rank, reach
from tidewatch.detect.data import example_from_dict
from tidewatch.store.console_repo import decode_cursor, encode_cursor
from tidewatch.web.render import is_web_url, post_html, visible
from tidewatch.web.security import safe_next


# -- priority --------------------------------------------------------------------------------
@pytest.mark.parametrize("metrics, expected", [
    ({"views": 1200}, 1200), ({"followers": 90_000}, 90_000), ({"views": 0, "followers": 40}, 40),
    ({"views": "3,400"}, 3400), ({"views": "12,5oo"}, 0), ({"views": -5}, 0), ({"views": float("nan")}, 0),
    ({"views": True}, 0), ({"views": 1e30}, 10**12), ({}, 0), (None, 0), ("views", 0),
])
def test_reach_survives_hostile_metrics(metrics, expected):
    assert reach(metrics) == expected


@pytest.mark.parametrize("label, cues, tier", [
    (1, [{"concept": "departure", "gloss": "tonight", "term": "الليلة"}], TIER_IMMINENT),
    (1, [{"concept": "departure", "gloss": "places left", "term": "شوێن ماوە"}], TIER_IMMINENT),
    (1, [{"concept": "departure", "gloss": "weather window", "term": "la météo"}], TIER_IMMINENT),
    (1, [{"concept": "departure", "gloss": "every week", "term": "chaque semaine"}], TIER_FLAGGED),
    (1, [{"concept": "departure", "gloss": "meeting point", "term": "point de rendez-vous"}], TIER_FLAGGED),
    (1, [{"concept": "transport", "gloss": "boat tonight?", "term": "x"}], TIER_FLAGGED),  # only departure cues count
    (0, [{"concept": "departure", "gloss": "tonight", "term": "x"}], TIER_OTHER),  # not flagged: never first
    (1, ["junk", None, {"concept": "departure"}], TIER_FLAGGED),
])
def test_imminent_departures_come_first(label, cues, tier):
    assert rank(0.9, label, {}, cues)[0] == tier


def test_priority_is_score_times_reach_and_never_zero_without_metrics():
    assert rank(0.5, 1, {"views": 1000}, [])[1] == 500
    assert rank(0.8, 1, {}, [])[1] == 0.8
    assert rank(float("nan"), 1, {}, [])[1] == 0.0
    assert rank(7, 1, {}, [])[1] == 1.0


@pytest.mark.parametrize("cursor", [None, "", "x", "1_2", "1_nan_3", "a_b_c", "1_0.5_x"])
def test_bad_cursors_mean_first_page(cursor):
    assert decode_cursor(cursor) is None


def test_cursor_round_trips_floats_exactly():
    for p in (0.1 + 0.2, 1e-17, 123456789.123456789, 0.0):
        assert decode_cursor(encode_cursor(2, p, 99)) == (2, p, 99)


# -- highlighting ----------------------------------------------------------------------------
def _joined(segments):
    return "".join(p.text for s in segments for p in s.pieces)


@pytest.mark.parametrize("text, cues, entities", [
    ("گەشت بۆ بەریتانیا بە بەلەم +44 7700 900123", [{"span": [22, 27], "concept": "transport", "gloss": "boat"}],
     [{"kind": "phone", "value": "+447700900123", "start": 28, "end": 43}]),
    ("ጀልባ ወደ ጣልያን ነገ", [{"span": [0, 3], "concept": "transport", "gloss": "boat"}], []),
    ("overlap here", [{"span": [0, 7], "concept": "a", "gloss": "A"}, {"span": [4, 12], "concept": "b", "gloss": "B"}],
     [{"kind": "place", "value": "x", "start": 2, "end": 9}]),
    ("bad spans", [{"span": [5, 2]}, {"span": [-1, 3]}, {"span": [0, 99]}, {"span": "0-3"}, {"span": [True, 2]}, "x"],
     [{"kind": "phone", "value": "1", "start": 3, "end": 3}]),
    ("", [], []),
    ("😀👨‍👩‍👧 emoji zwj", [{"span": [0, 1], "concept": "emoji", "gloss": "smile"}], []),
])
def test_segments_cover_the_text_exactly(text, cues, entities):
    segs = highlight(text, cues, entities)
    assert _joined(segs) == text
    assert all(a.end == b.start for a, b in zip(segs, segs[1:]))


def test_overlapping_marks_split_and_carry_both_titles():
    segs = highlight("overlap here", [{"span": [0, 7], "concept": "a", "gloss": "A"},
                                      {"span": [4, 12], "concept": "b", "gloss": "B"}], [])
    assert [(s.start, s.end, [m.name for m in s.marks]) for s in segs] == [
        (0, 4, ["a"]), (4, 7, ["a", "b"]), (7, 12, ["b"])]
    assert segs[1].title == "a: A · b: B"


def test_control_characters_become_named_pieces_and_zwnj_stays():
    text = "a\u202eb\u200cc\x07d\u2066e"
    pieces = [p for s in highlight(text) for p in s.pieces]
    assert [(p.text, p.control) for p in pieces] == [
        ("a", None), ("\u202e", "RLO"), ("b\u200cc", None), ("\x07", "U+0007"), ("d", None), ("\u2066", "LRI"),
        ("e", None)]
    assert strip_controls(text) == "ab\u200ccde"


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>',
    "<a href=\"javascript:alert(1)\">x</a>", "&lt;already escaped&gt;", "{{ 7*7 }} {% raw %}",
])
def test_post_html_escapes_every_piece(hostile):
    html = str(post_html(hostile, [{"span": [0, 4], "concept": "<b>x</b>", "gloss": "\" onmouseover=\"alert(1)"}],
                         [{"kind": "phone\"><script>", "value": "<i>", "start": 2, "end": 6}]))
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<a " not in html
    assert 'onmouseover="' not in html and "<b>" not in html and "<i>" not in html
    assert "49" not in html


def test_bidi_override_is_shown_not_obeyed():
    html = str(post_html("file \u202egnp.exe", [], []))
    assert "\u202e" not in html and "[RLO]" in html
    assert visible("@gnp\u202eexe.doc") == "@gnp[RLO]exe.doc"


@pytest.mark.parametrize("url, ok", [
    ("https://t.me/x/1", True), ("http://example.org", True), ("javascript:alert(1)", False),
    (" JavaScript:alert(1)", False), ("data:text/html,<script>", False), ("file:///etc/passwd", False),
    ("https://x.org/\x00a", False), ("//evil.example", False), (None, False), ("vbscript:msgbox", False),
])
def test_only_web_urls_become_links(url, ok):
    assert is_web_url(url) is ok


@pytest.mark.parametrize("target, expected", [
    ("/items/3", "/items/3"), ("//evil.example/x", "/queue"), ("https://evil.example", "/queue"),
    ("/\\evil.example", "/queue"), ("", "/queue"), (None, "/queue"), ("/queue?x=1\r\nSet-Cookie: a", "/queue"),
    ("javascript:alert(1)", "/queue"),
])
def test_login_only_redirects_to_local_paths(target, expected):
    assert safe_next(target, "/queue") == expected


# -- permissions ------------------------------------------------------------------------------
def test_auditor_holds_no_write_permission_and_unknown_permissions_are_refused():
    writes = {p for p in PERMISSIONS if p.split(".")[1] not in ("view",)}
    assert not any(allowed("auditor", p) for p in writes)
    assert all(allowed("auditor", p) for p in PERMISSIONS if p.endswith(".view"))
    assert not any(allowed(r, "no.such.permission") for r in ROLES)
    assert not allowed("superuser", "queue.view")
    assert [r for r in ROLES if allowed(r, "users.manage")] == ["admin"]


# -- the audit chain -------------------------------------------------------------------------
def _chain(n: int) -> list[dict]:
    rows, prev = [], audit_chain.GENESIS
    for seq in range(1, n + 1):
        r = {"seq": seq, "at": datetime(2026, 5, 1, 12, 0, seq, 123456, tzinfo=timezone.utc), "actor": "ana",
             "action": "item.claim", "subject_type": "item", "subject_id": str(seq),
             "before": audit_chain.canonical_json({"claimed_by": None}),
             "after": audit_chain.canonical_json({"claimed_by": "ana"}), "prev_hash": prev}
        r["hash"] = audit_chain.event_hash(seq, r["at"], r["actor"], r["action"], r["subject_type"], r["subject_id"],
                                           r["before"], r["after"], prev)
        rows.append(r)
        prev = r["hash"]
    return rows


def test_an_intact_chain_verifies():
    rows = _chain(5)
    rep = audit_chain.verify_chain(rows, (5, rows[-1]["hash"]))
    assert rep.ok and rep.events == 5


@pytest.mark.parametrize("tamper, kinds", [
    (lambda rows: rows[2].update(actor="mallory"), {"edited"}),
    (lambda rows: rows[2].update(after='{"claimed_by":"mallory"}'), {"edited"}),
    (lambda rows: rows.pop(2), {"gap", "broken_link"}),
    (lambda rows: rows.pop(), {"head_mismatch"}),
    (lambda rows: rows[1].update(at=rows[1]["at"].replace(microsecond=0)), {"edited"}),
])
def test_any_edit_or_deletion_is_found(tamper, kinds):
    rows = _chain(5)
    head = (5, rows[-1]["hash"])
    tamper(rows)
    rep = audit_chain.verify_chain(rows, head)
    assert not rep.ok and {p.kind for p in rep.problems} == kinds


def test_naive_times_are_read_as_utc():
    aware = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert audit_chain.iso_utc(aware.replace(tzinfo=None)) == audit_chain.iso_utc(aware) == "2026-05-01T12:00:00.000000Z"


# -- evidence bundles --------------------------------------------------------------------------
def _bundle(tmp_path):
    files = [EvidenceFile("record.json", b'{"text": "\\u202e"}', "application/json", "2026-05-01T12:00:00.000000Z"),
             EvidenceFile("text.txt", "رحلة الليلة".encode(), "text/plain; charset=utf-8", "2026-05-01T12:00:00.000000Z"),
             EvidenceFile("media/01.png", png(), "image/png", "2026-05-01T12:00:00.000000Z", "media item 1")]
    manifest = build_manifest({"evidence_id": "EV-000001", "captured_by": "ana"}, files)
    return write_bundle(tmp_path / "EV-000001", manifest, files)


def test_a_written_bundle_verifies_and_sha256sum_format_is_standard(tmp_path):
    folder = _bundle(tmp_path)
    check = verify_bundle(folder)
    assert check.ok and check.files_checked == 3
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert lines[0].endswith("  manifest.json") and len(lines) == 4
    assert all(len(line.split("  ")[0]) == 64 for line in lines)


@pytest.mark.parametrize("tamper, expect", [
    (lambda f: (f / "files/text.txt").write_bytes(b"changed"), "altered file: files/text.txt"),
    (lambda f: (f / "files/media/01.png").unlink(), "missing file: files/media/01.png"),
    (lambda f: (f / "files/extra.txt").write_bytes(b"x"), "extra file not in the manifest: files/extra.txt"),
    (lambda f: (f / "manifest.json").write_bytes((f / "manifest.json").read_bytes().replace(b"ana", b"bob")),
     "manifest.json does not match its line in SHA256SUMS"),
    (lambda f: (f / "SHA256SUMS").unlink(), "SHA256SUMS is missing"),
    (lambda f: (f / "manifest.json").write_bytes(b"{not json"), "manifest.json is not valid JSON"),
])
def test_a_changed_bundle_is_caught(tmp_path, tamper, expect):
    folder = _bundle(tmp_path)
    tamper(folder)
    check = verify_bundle(folder)
    assert not check.ok and any(p.startswith(expect) for p in check.problems), check.problems


def test_a_manifest_cannot_point_outside_the_bundle(tmp_path):
    folder = _bundle(tmp_path)
    m = orjson.loads((folder / "manifest.json").read_bytes())
    m["files"][0]["path"] = "../../etc/passwd"
    (folder / "manifest.json").write_bytes(orjson.dumps(m))
    assert any("unsafe path" in p for p in verify_bundle(folder).problems)


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../b", "", "a\\b", "ملف.txt", "a/./b"])
def test_unsafe_file_names_are_refused(name):
    with pytest.raises(ValueError):
        safe_name(name)


@pytest.mark.parametrize("text, expected", [("EV-000012", 12), ("ev-12", 12), ("12", 12), (" 7 ", 7)])
def test_evidence_ids(text, expected):
    assert parse_evidence_id(text) == expected


@pytest.mark.parametrize("text", ["EV-", "x12", "-1", "١٢", "EV-1.5"])
def test_bad_evidence_ids(text):
    with pytest.raises(ValueError):
        parse_evidence_id(text)


# -- media ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("head, kind", [
    (png(), "image/png"), (b"\xff\xd8\xff\xe0....JFIF", "image/jpeg"), (b"GIF89a....", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (b"<svg onload=alert(1)>", None), (b"<html>", None), (b"", None),
])
def test_only_raster_images_are_recognised(head, kind):
    found = sniff_image(head[:16])
    assert (found[0] if found else None) == kind


def test_media_paths_stay_inside_the_source_folder(tmp_path):
    src = tmp_path / "export"
    (src / "photos").mkdir(parents=True)
    (src / "photos" / "1.png").write_bytes(png())
    (tmp_path / "secret.png").write_bytes(png())
    os.symlink(tmp_path / "secret.png", src / "photos" / "link.png")
    key = f"telegram:{src / 'result.json'}"
    assert resolve_local("photos/1.png", key) == (src / "photos" / "1.png").resolve()
    assert resolve_local(str(src / "photos" / "1.png"), key) is not None
    for hostile in ("../secret.png", str(tmp_path / "secret.png"), "photos/link.png", "/etc/passwd",
                    "photos/../../secret.png", "photos/1.png\x00.jpg", ""):
        assert resolve_local(hostile, key) is None, hostile
    assert resolve_local("photos/1.png", None) is None  # no source folder, no root: nothing is served
    assert resolve_local("etc/passwd", "jsonl:/posts.jsonl") is None  # a file at / does not open the disk
    assert resolve_local("secret.png", None, [tmp_path]) == (tmp_path / "secret.png").resolve()


# -- labels --------------------------------------------------------------------------------------
@pytest.mark.parametrize("action, cats, reason, label, kind", [
    ("confirm", ["smuggling_service", "made_up"], None, 1, "advert"),
    ("not_smuggling", ["smuggling_service"], "ngo_humanitarian", 0, "ngo_humanitarian"),
    ("not_smuggling", [], "bogus", 0, "other"),
])
def test_labels_are_readable_by_the_detector(action, cats, reason, label, kind):
    rec = label_record("telegram:9", "9", "telegram", "ckb", "بەلەم بۆ بەریتانیا", action, cats, reason,
                       [("phone", "+447700900123"), ("handle", "@rega_uk"), ("phone", "+447700900123")],
                       "2026-05-01T12:00:00.000000Z")
    ex = example_from_dict(rec)
    assert (ex.label, ex.kind, ex.id) == (label, kind, "9")
    assert ex.categories == (("smuggling_service",) if label else ())
    assert rec["entities"] == {"phones": ["+447700900123"], "handles": ["@rega_uk"]}
    with pytest.raises(ValueError):
        label_record("x", None, "web", None, "t", "escalate", [], None, [], "")
