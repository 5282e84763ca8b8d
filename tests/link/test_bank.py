"""The bank on a real database: flagged posts -> templates -> networks -> memberships and exports."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from tidewatch.ingest.schema import post_from_dict
from tidewatch.link import export
from tidewatch.link.bank import memberships, rebuild, update_templates
from tidewatch.records import Detection, Entity


def _add(store, rows):
    posts = [post_from_dict(r) for r in rows]
    store.add_posts(posts)
    dets, ents = [], {}
    for p, r in zip(posts, rows):
        dets.append(Detection(p.id, 0.9 if r.get("flag", True) else 0.1, int(r.get("flag", True)), (), (), "en", "t"))
        ents[p.id] = [Entity("phone", ph, 0, 1) for ph in r.get("phones", [])] + \
                     [Entity("handle", h, 0, 1) for h in r.get("handles", [])]
    store.save_results(dets, ents)
    return posts


def _rows():
    return [
        {"id": "a1", "platform": "facebook", "author": {"id": "u1"}, "text": "Boat to UK 1500 call +447700900101",
         "phones": ["+447700900101"]},
        {"id": "a2", "platform": "tiktok", "author": {"handle": "boza_2"}, "text": "UK tonight, 1600, +447700900101 @boza",
         "phones": ["+447700900101"], "handles": ["@boza"]},
        {"id": "a3", "platform": "telegram", "author": {"handle": "chan"}, "text": "Italy by yacht, DM @boza",
         "handles": ["@boza"]},
        {"id": "b1", "platform": "facebook", "author": {"id": "u9"}, "text": "=HYPERLINK(\"http://x\") passports 900€",
         "handles": ["=cmd|' /C calc'!A0"]},
        {"id": "b2", "platform": "facebook", "author": {"id": "u9"}, "text": "passports again 950€"},
        {"id": "n1", "platform": "x", "author": {"id": "ngo"}, "text": "Rescue hotline +447700900101", "flag": False,
         "phones": ["+447700900101"]},
    ]


def test_rebuild_groups_flagged_posts_only(store):
    _add(store, _rows())
    nets = rebuild(store)
    by_post = {pid: nid for pid, nid in memberships(store)}
    assert by_post["a1"] == by_post["a2"] == by_post["a3"]
    assert by_post["b1"] == by_post["b2"] != by_post["a1"]
    assert "n1" not in by_post  # not flagged: never in a network
    assert len(nets) == 2
    # ids are stable across rebuilds
    assert dict(memberships(store)) == dict(memberships(rebuild(store) and store))


def test_templates_are_incremental(store):
    rows = [{"id": f"t{i}", "author": {"id": f"acc{i}"},
             "text": f"VIP boat Dunkirk to Dover, {1500 + i}€ per person, children free, WhatsApp +44 7700 900{i:03d}"}
            for i in range(3)]
    _add(store, rows)
    assert update_templates(store) == 3
    assert update_templates(store) == 0  # nothing new, nothing recomputed
    _add(store, [{"id": "t9", "author": {"id": "acc9"},
                  "text": "VIP boat Dunkirk to Dover, 1999€ per person, children free, WhatsApp +44 7700 900999"}])
    assert update_templates(store) == 1
    by_post = dict(memberships(rebuild(store) and store))
    assert len({by_post[k] for k in ("t0", "t1", "t2", "t9")}) == 1


def test_exports_are_well_formed_and_safe(store):
    _add(store, _rows())
    rebuild(store)
    snap = export.snapshot(store)
    g = ET.fromstring(export.to_graphml(snap).split("?>", 1)[1])
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(g.findall(".//g:node", ns)) >= 5 + 2
    gx = ET.fromstring(export.to_gexf(snap).split("?>", 1)[1])
    assert gx.find(".//{http://gexf.net/1.3}nodes") is not None
    entities, links = export.to_i2(snap)
    cells = [c for row in csv.reader(io.StringIO(entities)) for c in row]
    cells += [c for row in csv.reader(io.StringIO(links)) for c in row]
    assert not any(c and c[0] in "=+-@" for c in cells), "a CSV cell could run as a formula"
    assert any(c.startswith("'=cmd") or "'=cmd" in c for c in cells)
    bundle = export.to_stix(snap)
    ids = [o["id"] for o in bundle["objects"]]
    assert len(ids) == len(set(ids))
    kinds = {o["type"] for o in bundle["objects"]}
    assert {"identity", "intrusion-set", "relationship", "user-account", "x-tidewatch-phone-number"} <= kinds
    for o in bundle["objects"]:
        if o["type"] == "relationship":
            assert o["source_ref"] in ids and o["target_ref"] in ids
    json.dumps(bundle)
