"""Accounts, native ids, URLs and media references, shaped like each platform's own.

All identifiers are invented and unique within a corpus without remembering what was issued:
each is a bijective scramble of a counter (post number, account number), so memory stays
constant however many posts are generated.
"""
from __future__ import annotations

import hashlib
import random

from dataclasses import dataclass

from tidewatch.synth.rand import below, between, choose

PLATFORMS = ("facebook", "instagram", "tiktok", "telegram", "x", "youtube", "web")
_A = 2654435761  # prime: coprime with every power of 10 and of 64
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

MEDIA_HOSTS = {
    "facebook": "https://scontent.xx.fbcdn.net/v/t39.30808-6",
    "instagram": "https://scontent.cdninstagram.com/v/t51.2885-15",
    "tiktok": "https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068",
    "telegram": "https://cdn4.telesco.pe/file",
    "x": "https://pbs.twimg.com/media",
    "youtube": "https://i.ytimg.com/vi",
    "web": "https://static.newsroom-cdn.example/img",
}


def mix(i: int, modulus: int, salt: int = 0) -> int:
    """A bijection of [0, modulus): distinct inputs give distinct, random-looking outputs."""
    return (i * _A + salt) % modulus


def b64(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 64)
        out.append(_B64[r])
    return "".join(out)


def unique_number(serial: int) -> int:
    """A short number unique per serial: 3 digits for the first 900, then 4, then 5..."""
    lo, width = 0, 900
    base = 100
    while serial >= lo + width:
        lo += width
        base *= 10
        width = base * 9
    return base + mix(serial - lo, width)


@dataclass(slots=True, eq=False)
class Account:
    serial: int
    platform: str
    id: str
    handle: str
    name: str
    followers: int
    lang: str
    phones: tuple[str, ...] = ()
    msg: int = 0                       # last Telegram message number
    retire_at: float = 2.0             # network progress at which it is removed (>1: never)


def account_id(platform: str, serial: int, salt: int) -> str:
    if platform == "facebook":
        return f"1000{mix(serial, 10**11, salt):011d}"
    if platform == "x":
        return str(10**15 + mix(serial, 9 * 10**15, salt))
    if platform == "tiktok":
        return f"68{mix(serial, 10**17, salt):017d}"
    if platform == "instagram":
        return str(10**9 + mix(serial, 9 * 10**10, salt))
    if platform == "telegram":
        return f"-100{10**9 + mix(serial, 9 * 10**9, salt)}"
    if platform == "youtube":
        return "UC" + b64(mix(serial, 64**11, salt), 11) + b64(mix(serial, 64**11, salt + 7), 11)
    return f"site-{mix(serial, 10**8, salt):08d}"


def make_handle(words: tuple[str, ...], rng: random.Random, serial: int, platform: str) -> str:
    """An invented handle from a language's handle words, unique by a per-account number."""
    w1, w2 = rng.sample(words, 2) if len(words) > 1 else (words[0], "")
    num = unique_number(serial)
    pat = below(rng, 6)
    if platform in ("x", "telegram", "web", "youtube"):
        sep = "_" if pat % 2 else ""
    else:
        sep = choose(rng, ("_", ".", ""))
    if pat < 2:
        h = f"{w1}{sep}{w2}{num}"
    elif pat < 4:
        h = f"{w1}{sep}{w2}{sep or '_'}{num}"
    else:
        h = f"{w1}{sep or '_'}{num}{sep}{w2}"
    h = h.strip("._")
    if platform == "x" and len(h) > 15:
        h = f"{w1[:15 - len(str(num)) - 1]}_{num}"
    return h.lower()


SUCCESSOR_PATTERNS = ("{h}_2", "{h}_official", "{h}.new", "real_{h}", "{h}_backup", "{h}_v2", "new_{h}")


def successor_handle(handle: str, rng: random.Random, platform: str) -> str:
    """The handle of an account recreated after removal: recognisably the same name."""
    h = choose(rng, SUCCESSOR_PATTERNS).format(h=handle)
    if platform in ("x", "telegram", "youtube"):
        h = h.replace(".", "_")
    if platform == "x" and len(h) > 15:
        h = handle[:12] + "_v2"
    return h


def post_ids(platform: str, serial: int, salt: int, account: Account, rng: random.Random,
             group: str | None = None, site: str = "") -> tuple[str, str]:
    """(native id, url) of post number `serial`."""
    if platform == "facebook":
        pid = str(10**15 + mix(serial, 9 * 10**15, salt))
        if group:
            return pid, f"https://www.facebook.com/groups/{group}/posts/{pid}/"
        return pid, f"https://www.facebook.com/{account.handle}/posts/{pid}"
    if platform == "x":
        sid = str(19 * 10**17 + mix(serial, 10**17, salt))
        return sid, f"https://x.com/{account.handle}/status/{sid}"
    if platform == "tiktok":
        vid = str(73 * 10**17 + mix(serial, 10**17, salt))
        return vid, f"https://www.tiktok.com/@{account.handle}/video/{vid}"
    if platform == "instagram":
        code = b64(mix(serial, 64**11, salt), 11)
        kind = "reel" if rng.random() < 0.35 else "p"
        return code, f"https://www.instagram.com/{kind}/{code}/"
    if platform == "youtube":
        vid = b64(mix(serial, 64**11, salt + 3), 11)
        if rng.random() < 0.5:
            return vid, f"https://www.youtube.com/shorts/{vid}"
        return vid, f"https://www.youtube.com/watch?v={vid}"
    if platform == "telegram":
        account.msg += between(rng, 1, 9) if account.msg else between(rng, 2, 4000)
        nid = f"{account.handle}/{account.msg}"
        return nid, f"https://t.me/{nid}"
    # web: an article page on an invented site (reserved .example domain: never a real site)
    n = mix(serial, 10**8, salt)
    nid = f"{site}/{n:08d}"
    return nid, f"https://www.{site}.example/article/{n:08d}"


def image(stem: str, sha: str, platform: str, k: int) -> dict[str, str]:
    """A media reference: the same picture keeps its sha256 and its file-name stem."""
    return {"url": f"{MEDIA_HOSTS[platform]}/{stem}_{k}.jpg", "sha256": sha}


def new_image(rng: random.Random, salt: str) -> tuple[str, str]:
    stem = f"{rng.getrandbits(64):016x}"
    sha = hashlib.sha256(f"{salt}:{stem}".encode()).hexdigest()
    return stem, sha
