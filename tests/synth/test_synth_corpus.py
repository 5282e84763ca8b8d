"""The synthetic corpus as a whole: determinism, coverage, exact truth, realistic confounds."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, timezone

import orjson
import pytest

from synth_checks import identifiers, phone_like_runs, problems
from tidewatch.ingest.schema import post_from_dict
from tidewatch.records import CATEGORIES, NEGATIVE_KINDS
from tidewatch.synth import EVASIONS, LANGS, generate, write_corpus
from tidewatch.synth import phones as ph

N = 5000


@pytest.fixture(scope="module")
def corpus() -> list[tuple[dict, dict]]:
    return list(generate(N, 7))


@pytest.fixture(scope="module")
def network_posts() -> list[tuple[dict, dict]]:
    """The network posts of a 25,000-post corpus: enough for a long tail of big operations."""
    return [(p, t) for p, t in generate(25_000, 7) if t["network_id"]]


def test_same_seed_gives_the_same_bytes_and_another_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_corpus(a, 1500, 42)
    write_corpus(b, 1500, 42)
    write_corpus(c, 1500, 43)
    for name in ("posts.jsonl", "truth.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
        assert (a / name).read_bytes() != (c / name).read_bytes()


def test_write_corpus_writes_what_generate_yields_and_counts_it(tmp_path):
    counts = write_corpus(tmp_path, 300, 5)
    posts = [orjson.loads(x) for x in (tmp_path / "posts.jsonl").read_bytes().splitlines()]
    truth = [orjson.loads(x) for x in (tmp_path / "truth.jsonl").read_bytes().splitlines()]
    assert list(zip(posts, truth)) == list(generate(300, 5))
    assert counts["posts"] == 300 == counts["positives"] + counts["negatives"]
    assert counts["positives"] == sum(t["label"] for t in truth)
    assert counts["networks"] == len({t["network_id"] for t in truth if t["network_id"]})
    assert sum(counts["by_lang"].values()) == 300


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 40])
def test_tiny_corpora_are_consistent(n):
    pairs = list(generate(n, 11))
    assert len(pairs) == n
    assert problems(pairs) == []


@pytest.mark.parametrize("rate, low, high", [(0.0, 0, 0), (1.0, 400, 400), (0.3, 90, 150)])
def test_positive_rate_controls_the_share_of_adverts(rate, low, high):
    labels = [t["label"] for _p, t in generate(400, 3, positive_rate=rate)]
    assert low <= sum(labels) <= high


@pytest.mark.parametrize("kw", [{"n": -1, "seed": 1}, {"n": 5, "seed": 1, "positive_rate": 1.5}])
def test_bad_arguments_are_refused(kw):
    with pytest.raises(ValueError):
        list(generate(**kw))


def test_every_language_category_and_kind_is_present(corpus):
    langs = Counter(t["lang"] for _p, t in corpus)
    cats = Counter(c for _p, t in corpus for c in t["categories"])
    kinds = Counter(t["kind"] for _p, t in corpus)
    platforms = Counter(p["platform"] for p, _t in corpus)
    assert set(langs) == set(LANGS)
    assert set(cats) == set(CATEGORIES)
    assert set(kinds) == set(NEGATIVE_KINDS) | {"advert"}
    assert set(platforms) == {"facebook", "instagram", "tiktok", "telegram", "x", "youtube", "web"}
    # the realistic mix: big languages well above the small ones
    assert min(langs[x] for x in ("ckb", "ar", "en")) > 3 * max(langs[x] for x in ("ti", "am"))
    per_lang = defaultdict(set)
    for _p, t in corpus:
        per_lang[t["lang"]].add(t["label"])
    assert all(labels == {0, 1} for labels in per_lang.values())


def test_hard_negatives_dominate_and_adverts_often_have_several_categories(corpus):
    kinds = Counter(t["kind"] for _p, t in corpus)
    negatives = N - kinds["advert"]
    assert 0.6 <= negatives / N <= 0.75
    assert 0.05 <= kinds["other"] / N <= 0.15
    multi = sum(len(t["categories"]) > 1 for _p, t in corpus if t["label"])
    assert multi / kinds["advert"] > 0.3


def test_every_evasion_is_used_and_recorded(corpus):
    used = Counter(e for _p, t in corpus for e in t["evasions"])
    assert set(used) == set(EVASIONS)
    evaded = sum(bool(t["evasions"]) for _p, t in corpus if t["label"])
    adverts = sum(t["label"] for _p, t in corpus)
    assert 0.15 < evaded / adverts < 0.5
    assert not any(t["evasions"] for _p, t in corpus if not t["label"])


def test_truth_matches_the_posts(corpus):
    assert problems(corpus) == []


def test_every_post_is_accepted_by_ingest(corpus):
    ids = set()
    for post, _t in corpus:
        rec = post_from_dict(post, require_id=True)
        assert rec.native_id == post["id"]
        ids.add(rec.id)
    assert len(ids) == N


URL_SHAPES = {
    "facebook": r"https://www\.facebook\.com/(groups/[a-z0-9_.]+/posts/\d{16}/|[a-z0-9_.]+/posts/\d{16})",
    "x": r"https://x\.com/[a-z0-9_]{1,15}/status/\d{19}",
    "tiktok": r"https://www\.tiktok\.com/@[a-z0-9_.]+/video/\d{19}",
    "instagram": r"https://www\.instagram\.com/(p|reel)/[A-Za-z0-9_-]{11}/",
    "youtube": r"https://www\.youtube\.com/(watch\?v=|shorts/)[A-Za-z0-9_-]{11}",
    "telegram": r"https://t\.me/[a-z0-9_]{5,}/\d+",
    "web": r"https://www\.[a-z0-9-]+\.example/article/\d{8}",
}
WINDOW = (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 10, 31, 23, 59, 59, tzinfo=timezone.utc))


def test_posts_look_like_their_platform(corpus):
    for post, _t in corpus:
        assert re.fullmatch(URL_SHAPES[post["platform"]], post["url"]), post["url"]
        when = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
        assert post["created_at"].endswith("Z") and WINDOW[0] <= when <= WINDOW[1]
        assert post["author"]["id"] and post["author"]["handle"] and post["author"]["name"]
        assert set(post["metrics"]) == {"views", "followers"}
        for m in post["media"]:
            assert m["url"].startswith("https://") and re.fullmatch(r"[0-9a-f]{64}", m["sha256"])


def test_phones_are_fictional_and_in_e164(corpus):
    for _p, t in corpus:
        for number in t["entities"]["phones"]:
            country, nsn = ph.split(number)  # raises on anything outside the fictional ranges
            assert number == f"+{country.cc}{nsn}"


@pytest.mark.parametrize("text, found", [
    ("call 0750 000 1234 now", ["07500001234"]),
    ("price 2.900.000 đồng", []),
    ("WhatsApp +44 7700 900123", ["+447700900123"]),
    ("٠٧٥٠٠٠٠١٢٣٤", ["07500001234"]),
    ("0️⃣7️⃣5️⃣0️⃣0️⃣0️⃣0️⃣1️⃣2️⃣3️⃣4️⃣", ["07500001234"]),
])
def test_the_phone_scanner_used_by_these_tests(text, found):
    assert phone_like_runs(text) == found


def test_network_sizes_are_heavy_tailed_and_recreated_accounts_take_over(network_posts):
    sizes: Counter = Counter()
    posts_by_author: dict[tuple[str, str], list[tuple[str, set]]] = defaultdict(list)
    for post, t in network_posts:
        if t["network_id"]:
            sizes[t["network_id"]] += 1
            key = (t["network_id"], post["author"]["handle"])
            posts_by_author[key].append((post["created_at"], set(t["entities"]["phones"])))
    values = sorted(sizes.values())
    assert values[len(values) // 2] <= 10           # most operations post a handful of times
    assert values[-1] >= 60                         # a few post far more (hundreds in big corpora)
    assert sum(2 <= v <= 20 for v in values) / len(values) > 0.8
    # "name" removed, "name_2" / "name_official" / "real_name" takes over with the same phone
    successors = 0
    for (net, handle), rows in posts_by_author.items():
        for pattern in (r"(.+)_2", r"(.+)_official", r"(.+)\.new", r"real_(.+)", r"(.+)_backup", r"(.+)_v2",
                        r"new_(.+)"):
            m = re.fullmatch(pattern, handle)
            old = posts_by_author.get((net, m.group(1))) if m else None
            if old:
                assert max(r[0] for r in old) <= min(r[0] for r in rows)  # the old account stopped first
                successors += 1
    assert successors >= 10


def test_ngo_hotlines_and_legit_businesses_repeat_identifiers_outside_networks(corpus):
    hotline_posts: Counter = Counter()
    business_phones: Counter = Counter()
    for _p, t in corpus:
        if t["kind"] == "ngo_humanitarian":
            assert t["network_id"] is None
            for number in t["entities"]["phones"]:
                hotline_posts[number] += 1
        elif t["kind"] in ("legit_travel", "legit_documents", "legit_jobs", "other"):
            for number in t["entities"]["phones"]:
                business_phones[number] += 1
    assert max(hotline_posts.values()) >= 20        # one public number, many unrelated posts
    assert sum(c >= 2 for c in business_phones.values()) >= 20


def test_networks_share_identifiers_across_accounts_and_platforms(network_posts):
    accounts = defaultdict(set)
    platforms = defaultdict(set)
    keys = defaultdict(Counter)
    for post, t in network_posts:
        if t["network_id"]:
            accounts[t["network_id"]].add(post["author"]["id"])
            platforms[t["network_id"]].add(post["platform"])
            keys[t["network_id"]].update(identifiers(t))
    multi = [n for n in accounts if len(accounts[n]) > 1]
    assert len(multi) > 50
    assert sum(len(platforms[n]) > 1 for n in multi) > 30
    # most multi-account networks reuse a phone or handle in several posts
    reused = sum(any(c > 1 for c in keys[n].values()) for n in multi)
    assert reused / len(multi) > 0.6
