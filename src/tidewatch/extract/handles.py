"""Account handles and links in posts: where to reach the smuggler, and what to refer to platforms.

Two extractors over the same link finder:

- `extract_urls`: every http(s) link and bare link ("example.org/path", "t.me/name"),
  normalised so that the same link written two ways is one value: scheme and host lower-cased,
  "www." dropped, default ports, fragments and tracking parameters (utm_*, fbclid, igshid, ...)
  removed, trailing "/" removed; a bare link gets "https://". `detail` is the platform when the
  host is one we know.
- `extract_handles`: accounts, in one format per platform, so that one account mentioned as
  "@Name", "t.me/Name" or "https://telegram.me/name" links posts together:
    "@name"                       an @-mention (lower-cased), or a bare name after a platform label
                                  ("snap: boza_uk", "انستا: name") -> "@boza_uk", detail = that platform
    "t.me/name", "t.me/+Hash"     Telegram (telegram.me, joinchat links folded in; invite hashes keep case)
    "wa.me/447700900123"          WhatsApp number links (api.whatsapp.com/send?phone= folded in);
                                  "chat.whatsapp.com/Code" group invites keep case
    "facebook.com/name"           fb.com, m./web./mbasic. hosts and m.me folded in;
                                  "facebook.com/profile.php?id=123", "facebook.com/groups/name"
    "instagram.com/name", "tiktok.com/@name", "snapchat.com/add/name",
    "x.com/name" (twitter.com folded in), "youtube.com/@name" (or /channel/ID, case kept)
  Names are lower-cased where the platform treats them case-insensitively. `detail` = platform.

E-mail addresses are neither handles nor links here. Hidden format characters (RTL marks,
zero-width spaces) inside links are ignored, so "t.me/\u200fname" still yields "t.me/name".
"""
from __future__ import annotations

import contextlib
import re
from functools import lru_cache

import ahocorasick
import phonenumbers

from tidewatch.records import Entity
from tidewatch.text.dropping import drop_runs

# --- finding links -------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_INVISIBLE_RUN = re.compile(_INVISIBLE.pattern + "+")

_SCHEME_URL = re.compile(r"(?<![\w])(?:https?|hxxps?)://[^\s<>\"'`{}|\\^\u3000«»“”‘’،؛؟۔]+", re.IGNORECASE)
_BARE_URL = re.compile(
    r"(?<![\w@.\-/%+=&])"
    r"((?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+([a-z]{2,24}))(?![\w\-@])"
    r"(:\d{1,5})?"
    r"(/[!-~]*|\?[!-~]*)?",
    re.IGNORECASE | re.ASCII,
)
_DOT_LETTER = re.compile(r"\.[A-Za-z]")
_HAS_SCHEME = re.compile(r"(?:https?|hxxps?)://", re.IGNORECASE)
_TG_RESOLVE = re.compile(r"tg://resolve\?domain=([A-Za-z0-9_]{3,32})", re.IGNORECASE)
_TRAILING = ".,;:!?'\"’”»)]}>،؛۔…*"

# Generic TLDs accepted in bare links; country codes come from phonenumbers' region list.
_GTLDS = frozenset("""
    com net org info biz io co me ly app dev xyz site online shop store top club live tv link page blog news
    website space tech cloud email mobi pro name asia tel travel jobs wiki one world today life agency
    services support help network digital media group company solutions center social chat click
    gov edu int mil eu uk""".split())
# Common words that are also TLDs: a bare "word.live" after a missing space is not a link.
_WORDY_TLDS = frozenset("""
    app dev site online shop store top club live link page blog news space tech cloud email pro name travel
    jobs wiki one world today life agency services support help network digital media group company
    solutions center social chat click""".split())
# Country TLDs that are more often file extensions (notes.md, run.sh, main.py) when nothing follows.
_FILE_LIKE = frozenset("md py sh pl rs ps so js cs ts pm sc ai".split())


@lru_cache(maxsize=1)
def _cctlds() -> frozenset[str]:
    return frozenset(r.lower() for r in phonenumbers.SUPPORTED_REGIONS) | {"uk", "eu", "su"}


def _clean(text: str) -> tuple[str, list[int] | None]:
    """`text` without hidden format characters, and an index map back into `text` (None if unchanged)."""
    if not _INVISIBLE.search(text):
        return text, None
    clean, keep = drop_runs(text, _INVISIBLE_RUN)
    keep.append(len(text))
    return clean, keep


def _strip_trailing(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _link_spans(clean: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, link text, has scheme) for every link in `clean`, in text order."""
    if "." not in clean:
        return []
    found: list[tuple[int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    if "://" in clean:
        for m in _SCHEME_URL.finditer(clean):
            url = _strip_trailing(m.group())
            if "." not in url.split("://", 1)[1].split("/", 1)[0] and "[" not in url:
                continue  # "http://localhost" and similar: not a public link
            found.append((m.start(), m.start() + len(url), url, True))
            taken.append((m.start(), m.start() + len(url)))
    first = _DOT_LETTER.search(clean)
    while first and not (first.start() > 0 and clean[first.start() - 1].isascii()
                         and clean[first.start() - 1].isalnum()):
        first = _DOT_LETTER.search(clean, first.end())
    if first is None:
        found.sort()
        return found  # no "x.y" anywhere: no bare link (most posts stop here)
    cctlds = _cctlds()
    for m in _BARE_URL.finditer(clean, clean.rfind(" ", 0, first.start()) + 1):
        if any(a <= m.start() < b for a, b in taken):
            continue
        host, tld, path = m.group(1), m.group(2).lower(), m.group(4)
        rest = _strip_trailing(path) if path else ""
        if tld in _WORDY_TLDS or tld in _FILE_LIKE:
            if not (rest[1:] or host.lower().startswith("www.")):
                continue
        elif tld not in _GTLDS:
            if tld not in cctlds:
                continue
            if not rest[1:] and not host.lower().startswith("www.") and host != host.lower():
                continue  # "Hi.My", "Calais.Fr" after a missing space: not written as a link
        if host.replace(".", "").isdigit():
            continue
        end = m.start() + len(host) + len(m.group(3) or "") + len(rest)
        found.append((m.start(), end, clean[m.start():end], False))
    found.sort()
    return found


# --- normalising links ---------------------------------------------------------------------

_TRACKING = frozenset("""
    fbclid gclid dclid gbraid wbraid msclkid yclid igshid igsh mibextid mc_cid mc_eid _ga _gl ref ref_src
    ref_url referrer source feature si pp rdid sfnsn hc_ref fref __tn__ __cft__ eav paipv share_url
    is_from_webapp sender_device is_copy_url _t _r web_id utm_id""".split())
_TRACKING_BY_PLATFORM = {"x": frozenset({"s", "t"}), "tiktok": frozenset({"lang"})}

_PLATFORM_HOSTS = {
    "t.me": "telegram", "telegram.me": "telegram", "telegram.dog": "telegram", "telegram.org": "telegram",
    "wa.me": "whatsapp", "whatsapp.com": "whatsapp", "wa.link": "whatsapp",
    "facebook.com": "facebook", "fb.com": "facebook", "fb.me": "facebook", "fb.watch": "facebook",
    "m.me": "facebook", "messenger.com": "facebook",
    "instagram.com": "instagram", "instagr.am": "instagram", "ig.me": "instagram",
    "tiktok.com": "tiktok",
    "snapchat.com": "snapchat",
    "x.com": "x", "twitter.com": "x", "t.co": "x",
    "youtube.com": "youtube", "youtu.be": "youtube",
    "viber.com": "viber", "vb.me": "viber", "signal.me": "signal", "signal.group": "signal",
    "vk.com": "vk", "zalo.me": "zalo", "imo.im": "imo", "threads.net": "threads",
}


def platform_of(host: str) -> str | None:
    """The platform a (lower-case, www-less) host belongs to, subdomains included."""
    if host in _PLATFORM_HOSTS:
        return _PLATFORM_HOSTS[host]
    labels = host.rsplit(".", 3)
    for k in (2, 3):  # every platform host has two labels; "m.facebook.com" -> "facebook.com"
        if len(labels) > k:
            suffix = ".".join(labels[-k:])
            if suffix in _PLATFORM_HOSTS:
                return _PLATFORM_HOSTS[suffix]
    return None


def _host(netloc: str) -> tuple[str, str]:
    """(host, port) from a netloc: credentials dropped (so "google.com@evil.example" is evil.example)."""
    netloc = netloc.rsplit("@", 1)[-1]
    port = ""
    if netloc.startswith("["):
        end = netloc.find("]")
        host, rest = (netloc[:end + 1], netloc[end + 1:]) if end > 0 else (netloc, "")
        port = rest[1:] if rest.startswith(":") else ""
    elif ":" in netloc:
        host, port = netloc.rsplit(":", 1)
    else:
        host = netloc
    host = host.lower().rstrip(".")
    if not host.isascii() and len(host) <= 253:
        with contextlib.suppress(UnicodeError, ValueError):  # not a valid IDN: keep it as written
            host = host.encode("idna").decode("ascii")
    if host.startswith("www."):
        host = host[4:]
    return host, port


def _split(url: str, scheme_given: bool) -> tuple[str, str, str, str, str]:
    """(scheme, host, port, path, query) of a link, without the fragment."""
    url = _INVISIBLE.sub("", url)
    if scheme_given:
        scheme, rest = url.split("://", 1)
        scheme = scheme.lower().replace("hxxp", "http")
    else:
        scheme, rest = "https", url
    rest = rest.split("#", 1)[0]
    cut = len(rest)
    for ch in "/?":
        pos = rest.find(ch)
        if pos != -1:
            cut = min(cut, pos)
    netloc, tail = rest[:cut], rest[cut:]
    path, _, query = tail.partition("?")
    host, port = _host(netloc)
    if (scheme, port) in (("http", "80"), ("https", "443")) or not port.isdigit():
        port = ""
    return scheme, host, port, path, query


def _clean_query(query: str, platform: str | None) -> str:
    if not query:
        return ""
    extra = _TRACKING_BY_PLATFORM.get(platform or "", frozenset())
    kept = []
    for pair in query.split("&"):
        key = pair.split("=", 1)[0].lower()
        if not key or key.startswith("utm_") or key in _TRACKING or key in extra:
            continue
        kept.append(pair)
    return "&".join(kept)


def normalise_url(url: str, *, scheme_given: bool | None = None) -> str:
    """One spelling per link: lower-case scheme and host, no "www.", default port, fragment,
    tracking parameters or trailing "/"; "https://" added to bare links."""
    if scheme_given is None:
        scheme_given = bool(_HAS_SCHEME.match(url))
    scheme, host, port, path, query = _split(url, scheme_given)
    query = _clean_query(query, platform_of(host))
    path = path.rstrip("/")
    return f"{scheme}://{host}{':' + port if port else ''}{path}{'?' + query if query else ''}"


def extract_urls(text: str) -> list[Entity]:
    """Every link in `text` as Entity(kind="url", value=normalised URL, detail=platform or None)."""
    clean, index = _clean(text)
    out: list[Entity] = []
    for start, end, link, scheme_given in _link_spans(clean):
        value = normalise_url(link, scheme_given=scheme_given)
        host = value.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
        if index is not None:
            start, end = index[start], index[end - 1] + 1
        out.append(Entity(kind="url", value=value, start=start, end=end, detail=platform_of(host)))
    return out


# --- handles -------------------------------------------------------------------------------

_TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_TG_RESERVED = frozenset("addstickers addemoji addtheme addlist share proxy socks setlanguage iv login bg "
                         "confirmphone invoice boost contact joinchat s c".split())
_FB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_]{1,49}")
_FB_RESERVED = frozenset("""
    sharer sharer.php share watch photo photo.php photos story.php permalink.php login login.php help
    policies privacy reel reels hashtag events marketplace gaming home.php search dialog plugins l.php
    business ads notes media stories video.php videos messages settings friends pages groups people
    profile.php legal terms about recover checkpoint tr bookmarks fundraisers memories saved""".split())
_IG_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]{0,29}")
_IG_RESERVED = frozenset("""
    p reel reels tv stories explore accounts direct about legal developer web challenge emails session
    privacy""".split())
_X_NAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_X_RESERVED = frozenset("""
    home search intent share i hashtag explore settings messages notifications compose login signup tos
    privacy logout about download""".split())
_NAME_ANY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def _name(pattern: re.Pattern[str], segment: str) -> str | None:
    """The account name at the start of a path segment: all of it, or the part before text glued
    on in another script ("t.me/eu_docsواتساب" -> "eu_docs")."""
    m = pattern.match(segment)
    if m and (m.end() == len(segment) or not segment[m.end()].isascii()):
        return m.group()
    return None


def handle_of_url(value: str) -> tuple[str, str] | None:
    """(handle, platform) for a normalised link to an account, or None (posts, shares, other sites)."""
    rest = value.split("://", 1)[1]
    host_port, _, tail = rest.partition("/")
    if "?" in host_port:
        host_port, _, query = host_port.partition("?")
        tail = "?" + query
    host = host_port.split(":", 1)[0]
    platform = platform_of(host)
    if platform is None:
        return None
    path, _, query = tail.partition("?")
    segs = [s for s in path.split("/") if s]
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p) if query else {}
    first = segs[0] if segs else ""

    if platform == "telegram" and host != "telegram.org":
        if first.startswith("+") and len(first) > 1:
            return "t.me/" + first, platform  # invite hash (case kept) or phone number
        if first == "joinchat" and len(segs) > 1:
            return "t.me/+" + segs[1], platform
        if first == "c" and len(segs) > 1 and segs[1].isdigit():
            return "t.me/c/" + segs[1], platform
        name = _name(_TG_NAME, segs[1] if first == "s" and len(segs) > 1 else first)
        if name and name.lower() not in _TG_RESERVED:
            return "t.me/" + name.lower(), platform
        return None
    if platform == "whatsapp":
        if host == "wa.me":
            if first.isdigit():
                return "wa.me/" + first, platform
            if first == "message" and len(segs) > 1:
                return "wa.me/message/" + segs[1], platform
            return None
        phone = params.get("phone", "").replace("%2B", "").replace("%2b", "").lstrip("+")
        if phone.isdigit():
            return "wa.me/" + phone, platform
        if host == "chat.whatsapp.com" and first:
            return "chat.whatsapp.com/" + first, platform
        if first == "channel" and len(segs) > 1:
            return "whatsapp.com/channel/" + segs[1], platform
        return None
    if platform == "facebook":
        if host in ("fb.me", "fb.watch"):
            return None
        if host in ("m.me", "messenger.com"):
            segment = first if host == "m.me" else (segs[1] if first == "t" and len(segs) > 1 else "")
            name = _name(_FB_NAME, segment)
            return ("facebook.com/" + name.lower(), platform) if name else None
        if first == "profile.php" and params.get("id", "").isdigit():
            return "facebook.com/profile.php?id=" + params["id"], platform
        if first in ("people", "pages") and segs[-1].isdigit() and len(segs) >= 2:
            return "facebook.com/profile.php?id=" + segs[-1], platform
        if first == "groups" and len(segs) > 1 and _name(_FB_NAME, segs[1]):
            return "facebook.com/groups/" + _name(_FB_NAME, segs[1]).lower(), platform
        name = _name(_FB_NAME, first)
        if name and first.lower() not in _FB_RESERVED:
            return "facebook.com/" + name.lower(), platform
        return None
    if platform == "instagram":
        name = _name(_IG_NAME, segs[1] if first == "stories" and len(segs) > 1 else first)
        if name and (first == "stories" or name.lower() not in _IG_RESERVED):
            return "instagram.com/" + name.lower().rstrip("."), platform
        return None
    if platform == "tiktok":
        name = _name(_NAME_ANY, first[1:]) if first.startswith("@") else None
        return ("tiktok.com/@" + name.lower(), platform) if name else None
    if platform == "snapchat":
        name = _name(_NAME_ANY, segs[1] if first == "add" and len(segs) > 1
                     else (first[1:] if first.startswith("@") else ""))
        return ("snapchat.com/add/" + name.lower(), platform) if name else None
    if platform == "x":
        if host == "t.co":
            return None
        name = _name(_X_NAME, first)
        if name and first.lower() not in _X_RESERVED:
            return "x.com/" + name.lower(), platform
        return None
    if platform == "youtube":
        if host == "youtu.be":
            return None
        name = _name(_NAME_ANY, first[1:]) if first.startswith("@") else None
        if name:
            return "youtube.com/@" + name.lower(), platform
        if first == "channel" and len(segs) > 1:
            return "youtube.com/channel/" + segs[1], platform
        if first in ("c", "user") and len(segs) > 1:
            return f"youtube.com/{first}/" + segs[1].lower(), platform
        return None
    return None


# "@name": not preceded by characters of an e-mail address's local part, nor by "/" (tiktok.com/@x).
_AT = re.compile(
    r"(?<![A-Za-z0-9_.+\-/@])[@＠]([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,62}[A-Za-z0-9_])?)(?![@A-Za-z0-9_])"
)
_AT_STOP = frozenset({"all", "here", "everyone", "channel", "admin_only"})
_TIME_LIKE = re.compile(r"\d+(?:[ap]m|h|hr|hrs)?|\d+[.:]\d+", re.IGNORECASE)

_PLATFORM_WORDS: tuple[tuple[str, str], ...] = (
    ("telegram", "telegram"), ("tg", "telegram"), ("tele", "telegram"), ("تلگرام", "telegram"),
    ("تيليجرام", "telegram"), ("تيليغرام", "telegram"), ("تلغرام", "telegram"), ("تلیگرام", "telegram"),
    ("تێلێگرام", "telegram"), ("تیلیگرام", "telegram"),
    ("instagram", "instagram"), ("insta", "instagram"), ("ig", "instagram"), ("انستا", "instagram"),
    ("انستغرام", "instagram"), ("انستقرام", "instagram"), ("اینستا", "instagram"),
    ("اینستاگرام", "instagram"), ("ئینستاگرام", "instagram"), ("ئینستا", "instagram"),
    ("snapchat", "snapchat"), ("snap", "snapchat"), ("سناب شات", "snapchat"), ("سناب", "snapchat"),
    ("سنپ", "snapchat"), ("سنپ چت", "snapchat"), ("اسنپ", "snapchat"),
    ("tiktok", "tiktok"), ("tik tok", "tiktok"), ("تيك توك", "tiktok"), ("تیک تاک", "tiktok"),
    ("تیک\u200cتاک", "tiktok"), ("تیکتۆک", "tiktok"),
    ("twitter", "x"), ("facebook", "facebook"), ("fb", "facebook"), ("فيسبوك", "facebook"),
    ("فیسبوک", "facebook"), ("فیس بوک", "facebook"), ("youtube", "youtube"), ("يوتيوب", "youtube"),
    ("signal", "signal"), ("viber", "viber"),
)
_PLATFORM_WORD = {w: p for w, p in _PLATFORM_WORDS}
# After a platform word: an optional label mark, then a bare name ("snap: boza_uk").
_LABEL_TAIL = re.compile(r"\s{0,3}([:：=\-–]?)\s{0,3}([A-Za-z_][A-Za-z0-9_.]{2,31})(?![A-Za-z0-9_@/])")
_WORD_FOLLOWS = re.compile(r"[ \t]+[A-Za-z]")
_MAIL_TLDS = frozenset("com net org info biz edu gov io".split())


@lru_cache(maxsize=1)
def _platform_automaton() -> ahocorasick.Automaton:
    """Platform words in their usual spellings (insta, Insta, INSTA): matched without lower-casing
    the post, which could shift offsets ("İ" lower-cases to two characters)."""
    automaton = ahocorasick.Automaton()
    for word, platform in _PLATFORM_WORDS:
        for variant in {word, word.capitalize(), word.upper(), word.title(), word.replace(" ", "")}:
            automaton.add_word(variant, (len(variant), word, platform))
    automaton.make_automaton()
    return automaton


def _platform_words(clean: str) -> list[tuple[int, int, str, str]]:
    """(start, end, word, platform) of every platform word standing alone in `clean`."""
    hits: list[tuple[int, int, str, str]] = []
    n = len(clean)
    for last, (length, word, platform) in _platform_automaton().iter(clean):
        start, end = last - length + 1, last + 1
        if start > 0 and clean[start - 1].isascii() and clean[start - 1].isalpha():
            continue
        if end < n and clean[end].isascii() and clean[end].isalpha():
            continue
        if hits and hits[-1][0] >= start and hits[-1][1] <= end:
            hits.pop()  # "insta" inside "instagram": keep the longer word
        elif hits and hits[-1][0] <= start and hits[-1][1] >= end:
            continue
        hits.append((start, end, word, platform))
    return hits


def _looks_like_domain(name: str) -> bool:
    """"@gmail.com" (a broken e-mail) is not an account; "@real.name" (Instagram style) is."""
    return "." in name and name.rsplit(".", 1)[1].lower() in _MAIL_TLDS


def _context_platform(clean: str, words: list[tuple[int, int, str, str]], at: int) -> str | None:
    """The platform named just before an @-mention ("insta @name", "تلگرام: @name"), if any."""
    for _, end, _, platform in reversed(words):
        if end <= at:
            gap = clean[end:at]
            return platform if len(gap) <= 12 and "\n" not in gap and "@" not in gap else None
    return None


def extract_handles(text: str) -> list[Entity]:
    """Accounts named in `text` as Entity(kind="handle", value, detail=platform or None), in text order."""
    clean, index = _clean(text)
    found: list[tuple[int, int, str, str | None]] = []
    for start, end, link, scheme_given in _link_spans(clean):
        handle = handle_of_url(normalise_url(link, scheme_given=scheme_given))
        if handle:
            found.append((start, end, handle[0], handle[1]))
    if "tg://" in clean:
        for m in _TG_RESOLVE.finditer(clean):
            found.append((m.start(), m.end(), "t.me/" + m.group(1).lower(), "telegram"))
    link_spans = [(s, e) for s, e, _, _ in found]
    words = _platform_words(clean)
    if "@" in clean or "＠" in clean:
        for m in _AT.finditer(clean):
            name = m.group(1)
            if any(a <= m.start() < b for a, b in link_spans):
                continue
            if len(name) < 2 or _TIME_LIKE.fullmatch(name) or name.lower() in _AT_STOP:
                continue
            if _looks_like_domain(name):
                continue  # "@example.com": a broken e-mail or a site, not an account
            found.append((m.start(), m.end(), "@" + name.lower(), _context_platform(clean, words, m.start())))
    for _, w_end, _, platform in words:
        m = _LABEL_TAIL.match(clean, w_end)
        if m is None:
            continue
        colon, name = m.group(1), m.group(2)
        if any(a <= m.start(2) < b for a, b in link_spans) or not any(c.isalpha() for c in name):
            continue
        if name.lower() in _PLATFORM_WORD:
            continue  # "telegram: insta: ..." is a list of platforms, not a name
        after = clean[m.end(2):m.end(2) + 2]
        if after[:1] == "." and after[1:2].isalnum():
            continue  # a link ("telegram: t.me/...") or a sentence, not a name
        name = name.rstrip(".")
        if _looks_like_domain(name):
            continue
        distinctive = any(c.isdigit() or c in "_." for c in name)
        # "Telegram: join our channel" is prose; "snap: bozauk" at the end of a clause is a name.
        if not distinctive and (not colon or _WORD_FOLLOWS.match(clean, m.end(2))):
            continue
        found.append((m.start(2), m.start(2) + len(name), "@" + name.lower(), platform))
    found.sort()
    out: list[Entity] = []
    last_end = -1
    for start, end, value, platform in found:
        if start < last_end:
            continue  # overlapping finds (an @name inside a link): keep the first
        last_end = end
        if index is not None:
            start, end = index[start], index[end - 1] + 1
        out.append(Entity(kind="handle", value=value, start=start, end=end, detail=platform))
    return out
