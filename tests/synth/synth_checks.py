"""Checks that a synthetic corpus's truth matches its posts (shared by the tests)."""
from __future__ import annotations

import re
from collections import defaultdict

from tidewatch.synth import phones as ph
from tidewatch.text.digits import to_ascii_digits

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\ufe0f\u20e3"), None)
# Digit groups separated by single spaces, dots or dashes: anything a reader could dial.
DIGIT_RUN = re.compile(r"\+?\d+(?:[ .\-]\d+)*")

# The whole run (as digits) must be one of these, or contain no more than 8 digits.
_FICTIONAL = "|".join(
    f"(?:(?:00|\\+)?{c.cc}|0)?{c.stem}\\d{{{c.free}}}" for c in ph.COUNTRIES.values())
FICTIONAL_RUN = re.compile(f"^(?:{_FICTIONAL})$")


def digits_of(text: str) -> str:
    return "".join(ch for ch in to_ascii_digits(text.translate(INVISIBLE)) if ch.isdigit())


def phone_like_runs(text: str) -> list[str]:
    """Every run of 9+ digits (separators allowed) in the text, with its leading '+'."""
    t = to_ascii_digits(text.translate(INVISIBLE))
    out = []
    for m in DIGIT_RUN.finditer(t):
        run = m.group(0)
        digits = re.sub(r"[^\d+]", "", run)
        if sum(ch.isdigit() for ch in digits) >= 9:
            out.append(digits)
    return out


def identifiers(truth: dict) -> set[str]:
    """Phones and handles of a post, one key per identifier: "@name" and "t.me/name" are the same
    Telegram channel, "wa.me/<digits>" is the phone +<digits>."""
    keys = set(truth["entities"]["phones"])
    for h in truth["entities"]["handles"]:
        if h.startswith("wa.me/"):
            keys.add("+" + h[6:])
        elif h.startswith("t.me/"):
            keys.add(h[5:])
        else:
            keys.add(h.lstrip("@"))
    return keys


def problems(pairs) -> list[str]:
    """All inconsistencies between posts and truth, as readable strings (empty: all good)."""
    out: list[str] = []
    seen_ids: set[str] = set()
    by_net: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for post, truth in pairs:
        pid = post["id"]
        if pid in seen_ids:
            out.append(f"duplicate id {pid}")
        seen_ids.add(pid)
        if truth["id"] != pid:
            out.append(f"truth id {truth['id']} != post id {pid}")
        text = post["text"]
        low = text.lower()
        digits = digits_of(text)
        ents = truth["entities"]
        for number in ents["phones"]:
            _c, nsn = ph.split(number)
            if nsn not in digits:
                out.append(f"{pid}: phone {number} not in text {text!r}")
        for h in ents["handles"]:
            if h != h.lower() or h not in low:
                out.append(f"{pid}: handle {h} not in text {text!r}")
        for run in phone_like_runs(text):
            if not FICTIONAL_RUN.match(run):
                out.append(f"{pid}: real-looking number {run!r} in {text!r}")
        if truth["kind"] == "ngo_humanitarian" and truth["network_id"] is not None:
            out.append(f"{pid}: NGO post in a network")
        if truth["label"] == 1 and not truth["categories"]:
            out.append(f"{pid}: advert without category")
        if truth["label"] == 0 and (truth["categories"] or truth["network_id"]):
            out.append(f"{pid}: negative with categories or network")
        if truth["network_id"]:
            by_net[truth["network_id"]].append((post, truth))
    for net, posts in by_net.items():
        if len(posts) < 2:
            out.append(f"{net}: only {len(posts)} post")
            continue
        keys = [identifiers(t) for _p, t in posts]
        for i, (p, t) in enumerate(posts):
            shas = {m.get("sha256") for m in p["media"]}
            tied = False
            for j, (q, u) in enumerate(posts):
                if i == j:
                    continue
                if t["template_id"] == u["template_id"] or keys[i] & keys[j] \
                        or shas & {m.get("sha256") for m in q["media"]}:
                    tied = True
                    break
            if not tied:
                out.append(f"{net}: post {p['id']} shares nothing with its network")
    return out
