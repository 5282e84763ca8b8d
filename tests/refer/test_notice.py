"""The referral builder: grouping, Article 16 elements, DSA fields, priority, deadline, hostile text."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tidewatch.records import CATEGORIES, Cue
from tidewatch.refer.notice import (PRIORITY_HIGH, PRIORITY_NORMAL, PRIORITY_URGENT, ConfirmedItem, CueNote,
                                    NoticeError, build_notices, cue_notes, edit_explanation, notice_data,
                                    notice_text, reference_for, safe_text)
from tidewatch.refer.settings import DEFAULT_LEGAL_GROUND, parse_settings

from .conftest import NOW, confirmed, make_settings, posts

SETTINGS = make_settings()


def by_platform(result):
    out = {}
    for n in result.notices:
        out.setdefault(n.platform, []).append(n)
    return out


def test_items_are_grouped_per_platform_and_urgent_ones_get_their_own_notice():
    res = build_notices(confirmed(), SETTINGS, now=NOW)
    assert res.unroutable == ()
    groups = by_platform(res)
    assert set(groups) == {"telegram", "facebook", "instagram", "tiktok", "x"}
    # telegram: 501 is an imminent departure (urgent), 502 free child places (high): two notices
    tg = sorted(groups["telegram"], key=lambda n: n.priority)
    assert [(n.priority, n.post_ids) for n in tg] == [(PRIORITY_URGENT, ("telegram:501",)),
                                                       (PRIORITY_HIGH, ("telegram:502",))]
    fb = groups["facebook"]
    assert len(fb) == 1 and fb[0].post_ids == ("facebook:10001", "facebook:10002")
    assert fb[0].priority == PRIORITY_HIGH
    # most urgent first overall
    assert [n.priority for n in res.notices] == sorted(n.priority for n in res.notices)
    assert res.notices[0].priority == PRIORITY_URGENT


def test_deadline_follows_the_platform_sla_and_urgency():
    res = build_notices(confirmed(), SETTINGS, now=NOW)
    reg = SETTINGS.registry
    for n in res.notices:
        p = reg.get(n.platform)
        hours = p.urgent_sla_hours if n.priority == PRIORITY_URGENT else p.sla_hours
        assert n.deadline - n.created_at == timedelta(hours=hours)
    configured = make_settings({"telegram": ["pull"]})
    configured = replace(configured, registry=configured.registry.configured({"telegram": {"sla_hours": 6,
                                                                                            "urgent_sla_hours": 1}}))
    tg = [n for n in build_notices(confirmed(), configured, now=NOW).notices if n.platform == "telegram"]
    assert sorted(n.deadline - NOW for n in tg) == [timedelta(hours=1), timedelta(hours=6)]


def test_every_article_16_element_is_present():
    n = next(n for n in build_notices(confirmed(), SETTINGS, now=NOW).notices if n.post_ids == ("telegram:501",))
    doc = n.to_json()
    assert doc["schema"] == "tidewatch.notice/1"
    assert doc["notifier"]["name"] == "Fictional Coastal Safety Unit" and doc["notifier"]["email"] == "referrals@example.org"
    assert "bona fide" in doc["good_faith_statement"]
    assert doc["legal_ground"] == DEFAULT_LEGAL_GROUND and "2002/90/EC" in doc["legal_ground"]
    assert all(i["url"].startswith("https://") and i["evidence_digest"].startswith("sha256:") for i in doc["items"])
    assert "https://t.me/fictional_crossings/501" in doc["explanation"]
    assert "imminent departure" in doc["explanation"]
    assert "\u201cleaving tonight\u201d" in doc["explanation"]


def test_legal_ground_and_good_faith_are_configurable():
    s = parse_settings({"notice": {"legal_ground": "Article 318 of the fictional Penal Code of Examplestan.",
                                   "good_faith": "We believe in good faith this notice is accurate and complete."}})
    n = build_notices(confirmed(), s, now=NOW).notices[0]
    assert n.legal_ground.startswith("Article 318") and n.good_faith.startswith("We believe")


def test_dsa_fields_use_the_transparency_database_vocabulary():
    data = notice_data()
    for n in build_notices(confirmed(), SETTINGS, now=NOW).notices:
        dsa = n.dsa
        assert dsa["category"] in data.dsa_categories
        assert all(c in data.dsa_categories for c in dsa["category_addition"])
        assert dsa["category"] not in dsa["category_addition"]
        assert dsa["category_specification"] and all(k in data.dsa_keywords for k in dsa["category_specification"])
        assert dsa["source_type"] == "SOURCE_ARTICLE_16"
        if "KEYWORD_OTHER" in dsa["category_specification"]:
            assert dsa["category_specification_other"]
    fb = next(n for n in build_notices(confirmed(), SETTINGS, now=NOW).notices if n.platform == "facebook")
    assert "STATEMENT_CATEGORY_SCAMS_AND_FRAUD" in fb.dsa["category_addition"]  # false documents, safe passage
    tg502 = next(n for n in build_notices(confirmed(), SETTINGS, now=NOW).notices if n.post_ids == ("telegram:502",))
    assert "STATEMENT_CATEGORY_PROTECTION_OF_MINORS" in tg502.dsa["category_addition"]
    trusted = parse_settings({"notifier": {"trusted_flagger": True}})
    assert build_notices(confirmed(), trusted, now=NOW).notices[0].dsa["source_type"] == "SOURCE_TRUSTED_FLAGGER"


def test_every_category_has_a_mapping_and_an_explanation():
    data = notice_data()
    assert set(data.dsa_map) == set(CATEGORIES)
    assert set(data.explain["en"]["categories"]) == set(CATEGORIES)


@pytest.mark.parametrize("cats,cues,expected", [
    (("crossing_logistics",), (), PRIORITY_URGENT),
    (("smuggling_service",), (CueNote("ئەمشەو", "departure", "tonight"),), PRIORITY_URGENT),
    (("smuggling_service",), (CueNote("garanci", "guarantee", "guarantee"),), PRIORITY_HIGH),
    (("free_child_places",), (), PRIORITY_HIGH),
    (("false_documents",), (), PRIORITY_NORMAL),
    (("group_discount",), (CueNote("خصم", "discount", "discount"),), PRIORITY_NORMAL),
])
def test_priority_puts_imminent_departures_first(cats, cues, expected):
    item = ConfirmedItem("telegram:9", cats, url="https://t.me/fict_chan/9", cues=cues)
    n = build_notices([item], SETTINGS, now=NOW).notices[0]
    assert n.priority == expected


def test_reference_is_deterministic_and_distinct():
    a = build_notices(confirmed(), SETTINGS, now=NOW)
    b = build_notices(list(reversed(confirmed())), SETTINGS, now=NOW)
    assert [n.reference for n in a.notices] == [n.reference for n in b.notices]
    refs = [n.reference for n in a.notices]
    assert len(set(refs)) == len(refs)
    assert all(r.startswith("TW-") and r.split("-")[2] == "20261128" for r in refs)
    assert reference_for("TG", ["a"], NOW) != reference_for("TG", ["a"], NOW + timedelta(seconds=1))


@pytest.mark.parametrize("item,reason", [
    (ConfirmedItem("p:1", ("smuggling_service",), url=None, platform="telegram"), "no URL"),
    (ConfirmedItem("p:2", ("smuggling_service",), url="https://t.me/x/1 =cmd", platform="telegram"), "spaces"),
    (ConfirmedItem("p:3", ("smuggling_service",), url="javascript:alert(1)", platform="telegram"), "not http"),
    (ConfirmedItem("p:4", ("smuggling_service",), url="https://fict-forum.example/t/1", platform=None), "no known platform"),
    (ConfirmedItem("p:5", ("news",), url="https://t.me/x/1"), "no smuggling category"),
    (ConfirmedItem("p:6", (), url="https://t.me/x/1"), "no smuggling category"),
    (ConfirmedItem("p:7", ("smuggling_service",), url="https://t.me/x/" + "9" * 3000), "longer than"),
])
def test_items_that_cannot_be_referred_are_reported_with_the_reason(item, reason):
    res = build_notices([item], SETTINGS, now=NOW)
    assert res.notices == ()
    assert len(res.unroutable) == 1 and reason in res.unroutable[0].reason


def test_the_same_post_confirmed_twice_is_one_item_with_both_categories():
    a = ConfirmedItem("telegram:1", ("smuggling_service",), url="https://t.me/fict_chan/1")
    b = ConfirmedItem("telegram:1", ("group_discount",), url="https://t.me/fict_chan/1")
    (n,) = build_notices([a, b], SETTINGS, now=NOW).notices
    assert len(n.items) == 1 and set(n.items[0].categories) == {"smuggling_service", "group_discount"}


def test_long_lists_are_split_into_several_notices():
    items = [ConfirmedItem(f"telegram:{i}", ("false_documents",), url=f"https://t.me/fict_docs/{i}") for i in range(7)]
    res = build_notices(items, SETTINGS, now=NOW, max_items=3)
    assert [len(n.items) for n in res.notices] == [3, 3, 1]
    assert len({n.reference for n in res.notices}) == 3


HOSTILE = [
    "leaving\u202etonight",  # right-to-left override
    "last\u200bseats\u200d",  # zero-width characters
    "calm\x00sea\x1b[31m",  # NUL, terminal escape
    "line\nbreak\rinjection: Bcc: x@example.net",
    "x" * 500,
]


@pytest.mark.parametrize("term", HOSTILE)
def test_cue_text_from_posts_is_made_inert(term):
    item = ConfirmedItem("telegram:1", ("smuggling_service",), url="https://t.me/fict_chan/1",
                         cues=(CueNote(term, "departure", term),))
    n = build_notices([item], SETTINGS, now=NOW).notices[0]
    for ch in "\u202e\u200b\u200d\x00\x1b\r":
        assert ch not in n.explanation
    assert all("\n" not in line for line in n.items[0].explanation.split("\n\n"))
    assert len(n.items[0].explanation) < 1000


def test_safe_text_table():
    assert safe_text("a\u202eb\u2066c") == "a b c"
    assert safe_text("  many   spaces\t\there ") == "many spaces here"
    assert safe_text("x" * 10, limit=5) == "xxxx…"


def test_cues_from_detections_and_stored_json_are_accepted_and_deduplicated():
    cues = cue_notes([Cue(0, 5, "tonight", "departure", "tonight", 0.5),
                      {"span": [1, 2], "term": "TONIGHT", "concept": "departure", "gloss": "tonight", "weight": 0.1},
                      {"term": "bao đậu", "concept": "guarantee", "gloss": "guaranteed", "weight": 0.9}])
    assert [c.term for c in cues] == ["bao đậu", "tonight"]


def test_explanation_is_editable_and_checked():
    n = build_notices(confirmed(), SETTINGS, now=NOW).notices[0]
    edited = edit_explanation(n, "The post sells places on a small boat to the UK tonight.\u202e\nSee item 1.")
    assert edited.explanation == "The post sells places on a small boat to the UK tonight.\nSee item 1."
    assert edited.reference == n.reference and n.explanation != edited.explanation
    with pytest.raises(NoticeError, match="at least 20"):
        edit_explanation(n, "bad")
    item = replace(confirmed()[0], explanation="Analyst wording: departure announced for tonight from Gravelines.")
    built = build_notices([item], SETTINGS, now=NOW).notices[0]
    assert "Analyst wording" in built.explanation


def test_plain_text_rendering_lists_every_item_and_element():
    res = build_notices(confirmed(), SETTINGS, now=NOW)
    fb = next(n for n in res.notices if n.platform == "facebook")
    text = notice_text(fb)
    for needle in (fb.reference, "Facebook", "Fictional Coastal Safety Unit <referrals@example.org>", "Legal ground",
                   "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "Good-faith statement",
                   "https://www.facebook.com/groups/fict.travel.group/posts/10001", "language: Arabic",
                   "language: Persian", "UTC"):
        assert needle in text, needle
    assert text == notice_text(fb.to_json())


def test_naive_now_is_refused():
    with pytest.raises(NoticeError):
        build_notices(confirmed(), SETTINGS, now=NOW.replace(tzinfo=None))


def test_fictional_seed_posts_all_route():
    assert {p.id for p in posts()} == {i.post_id for n in build_notices(confirmed(), SETTINGS, now=NOW).notices
                                       for i in n.items}
