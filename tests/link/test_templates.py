"""Near-duplicate templates: slots vary, skeleton stays; unrelated posts stay apart; any script."""
import numpy as np
import pytest

from tidewatch.link.minhash import jaccard, permutations, shingle_hashes, signature
from tidewatch.link.templates import UnionFind, group_signatures, group_texts, signatures, skeleton

TEMPLATE_EN = "🚤 Boat to UK from {place}, {price}€ per person, kids free. WhatsApp {phone} — serious people only"
TEMPLATE_CKB = "گەشتی ئینگلتەرا بە بەلەمی خێرا 🚤 لە {place}ەوە، {price} یۆرۆ، منداڵان بێ پارە. {phone}"
TEMPLATE_AM = "ወደ ጣልያን በጀልባ ጉዞ ከ{place} ዋጋ {price} ዶላር ብቻ ደውሉ {phone}"


def fill(t, i):
    """The slots a template varies: prices and phones (and handles, dates)."""
    return t.format(place="Dunkirk", price=1500 + 100 * i, phone=f"+44 7700 900{100 + i:03d}")


def test_signatures_are_stable_and_estimate_jaccard():
    p = permutations(64, seed=7)
    a = signature(shingle_hashes("the same text"), p)
    b = signature(shingle_hashes("the same text"), p)
    c = signature(shingle_hashes("something else entirely, nothing shared"), p)
    assert np.array_equal(a, b)
    assert jaccard(a, b) == 1.0 and jaccard(a, c) < 0.2


@pytest.mark.parametrize("template", [TEMPLATE_EN, TEMPLATE_CKB, TEMPLATE_AM])
def test_filled_templates_group_together_in_any_script(template):
    texts = [fill(template, i) for i in range(6)]
    others = ["Police arrested two men in Kent after a crossing, the court heard on Monday.",
              "Ferry tickets Dover to Calais from £45, children under 4 travel free. Book online.",
              "ئەمڕۆ یەکەم ڕۆژی کارم بوو لە نەخۆشخانە وەک یاریدەدەری پەرستار"]
    groups = group_texts(texts + others)
    assert len(set(groups[:6])) == 1
    assert len(set(groups[6:])) == 3 and groups[0] not in groups[6:]


def test_incremental_grouping_joins_new_posts_to_old_groups():
    old = [fill(TEMPLATE_EN, i) for i in range(4)] + ["A completely unrelated post about football results"]
    new = [fill(TEMPLATE_EN, 9), "Another unrelated post: recipe for lentil soup with lemon"]
    sig_old = signatures(old)
    uf = group_signatures(sig_old)
    before = uf.roots().copy()
    uf = group_signatures(np.vstack([sig_old, signatures(new)]), uf=uf, new_from=len(old))
    after = uf.roots()
    assert list(after[:5]) == list(before)  # old groups unchanged
    assert after[5] == after[0]  # the new advert joined the template group
    assert after[6] not in after[:6]


def test_union_find_grows():
    uf = UnionFind(2)
    uf.grow(4)
    uf.union(3, 1)
    assert list(uf.roots()) == [0, 1, 2, 1]


def test_same_skeleton_with_other_wording_is_not_the_same_template():
    a = [fill(TEMPLATE_EN, i) for i in range(3)]
    b = ["🚤 Boat to Italy from Libya, {0}€ each, big boat. Call {1} — serious people only".format(2000 + i, f"+44 7700 900{200 + i}")
         for i in range(3)]
    groups = group_texts(a + b)
    assert len(set(groups[:3])) == 1 and len(set(groups[3:])) == 1 and groups[0] != groups[3]


def test_skeleton_marks_varying_slots():
    texts = [fill(TEMPLATE_EN, i) for i in range(3)]
    sk = skeleton(texts)
    assert "Boat to UK from" in sk and "«…»" in sk and "per person" in sk
    assert "1500" not in sk


def test_empty_and_tiny_texts_do_not_crash():
    assert len(group_texts(["", "a", "ab", "🚤"])) == 4
