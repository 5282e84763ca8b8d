"""The synthetic corpus: a stream of (post, truth) pairs, deterministic for a seed.

Why synthetic data: real smuggling adverts cannot be shared, yet extractors, the detector and
network detection need a labelled corpus with exact truth and at scale. The stream mixes adverts
(most of them from planted networks) with hard negatives that share their vocabulary (news,
NGO warnings with hotline numbers, ferries with free child places, HGV jobs, migrants' own posts)
and some unrelated posts.

Everything derives from one `random.Random(seed)`: the same seed gives byte-identical output.
Memory is constant: only the active networks, a few recurring accounts per language and some
counters are kept; ids come from bijective scrambles of counters, not from sets of used ids.
"""
from __future__ import annotations

import hashlib
import random
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import orjson

from tidewatch.records import CATEGORIES
from tidewatch.synth import accounts as ac
from tidewatch.synth import evasions as ev
from tidewatch.synth import phones as ph
from tidewatch.synth.networks import (WINDOW_END, WINDOW_START, Network, Variant, contact_plan,
                                      pick_evasions, planned_size, skeleton)
from tidewatch.synth.rand import Table, below, between, choose
from tidewatch.synth.render import T_HANDLE, T_PHONE, Contact, Ctx, Route, _s_contact, crossing_currency
from tidewatch.synth.templates import Pack, Template, common, load_pack

# Language mix: adverts lean to Sorani, Arabic, Persian, Albanian, Vietnamese; negatives to English.
LANG_WEIGHTS_ADVERT = {"ckb": 15, "ar": 14, "fa": 10, "en": 8, "sq": 9, "vi": 9, "tr": 7, "fr": 4,
                       "kmr": 6, "prs": 5, "ur": 5, "ps": 3, "ti": 2.5, "am": 2.5}
LANG_WEIGHTS_OTHER = {"en": 16, "ar": 14, "ckb": 11, "fa": 9, "fr": 8, "tr": 8, "sq": 7, "vi": 7,
                      "kmr": 5, "ur": 5, "prs": 4, "ps": 2.5, "ti": 2, "am": 2}
NEGATIVE_WEIGHTS = {"news": 15, "ngo_humanitarian": 14, "legit_travel": 16, "legit_documents": 10,
                    "legit_jobs": 10, "personal": 16, "research": 5, "other": 14}
PLATFORMS_BY_LANG = {
    "en": {"facebook": 3, "x": 2, "tiktok": 2, "instagram": 2, "telegram": 1, "youtube": 1},
    "fr": {"facebook": 3, "tiktok": 2, "instagram": 2, "telegram": 2, "x": 1},
    "ar": {"facebook": 4, "telegram": 3, "tiktok": 3, "instagram": 2, "x": 1, "youtube": 1},
    "ckb": {"facebook": 4, "tiktok": 4, "instagram": 3, "telegram": 2, "youtube": 1},
    "kmr": {"facebook": 3, "tiktok": 3, "instagram": 2, "telegram": 2},
    "fa": {"telegram": 4, "instagram": 4, "tiktok": 1, "x": 1, "facebook": 1},
    "prs": {"facebook": 3, "telegram": 2, "tiktok": 2, "instagram": 2},
    "ps": {"facebook": 3, "tiktok": 3, "telegram": 1, "youtube": 1},
    "sq": {"tiktok": 4, "instagram": 3, "facebook": 2, "telegram": 1},
    "vi": {"facebook": 5, "tiktok": 3, "youtube": 1, "telegram": 1},
    "tr": {"instagram": 3, "facebook": 2, "telegram": 2, "x": 2, "tiktok": 2},
    "ur": {"facebook": 3, "tiktok": 3, "youtube": 2, "x": 1},
    "ti": {"facebook": 3, "telegram": 2, "tiktok": 2, "youtube": 1},
    "am": {"facebook": 3, "telegram": 3, "tiktok": 2, "youtube": 1},
}
PLATFORMS_BY_KIND = {
    "news": {"web": 4, "x": 3, "facebook": 2, "youtube": 1, "telegram": 1},
    "research": {"web": 5, "x": 3, "facebook": 1},
    "ngo_humanitarian": {"facebook": 3, "x": 2, "instagram": 2, "web": 1, "telegram": 1, "tiktok": 1},
}
# A second language some operations also post in (same phones, other words).
SECOND_LANG = {"ckb": ("ar", "fa", "kmr"), "kmr": ("ckb", "tr"), "ar": ("en", "fr"), "fa": ("prs", "ckb"),
               "prs": ("fa", "ps"), "ps": ("prs",), "sq": ("en",), "vi": ("en",), "tr": ("ar", "fa"),
               "ur": ("en", "ps"), "ti": ("ar", "am"), "am": ("ti", "ar"), "en": ("fr",), "fr": ("ar", "en")}
NETWORK_SHARE = 0.7   # share of adverts posted by planted networks
LONE_EVASION = 0.33   # share of lone adverts with evasions
NETWORK_EVASION = 0.38  # share of networks with an evasion habit
MAX_BUSINESSES = 6    # recurring legitimate accounts kept per language and kind


_ADV_LANGS = Table(LANG_WEIGHTS_ADVERT)
_OTHER_LANGS = Table(LANG_WEIGHTS_OTHER)
_NEG_KINDS = Table(NEGATIVE_WEIGHTS)
_PLAT_LANG = {k: Table(v) for k, v in PLATFORMS_BY_LANG.items()}
_PLAT_KIND = {k: Table(v) for k, v in PLATFORMS_BY_KIND.items()}


@lru_cache(maxsize=None)
def routes(lang: str) -> dict[str, Route]:
    """The corridors a language sells, limited to the places it has a spelling for."""
    pack = load_pack(lang)
    out = {}
    for cid in pack.corridors:
        c = common()["corridors"][cid]
        keep = lambda names: tuple(p for p in names if p in pack.places)  # noqa: E731
        origins, dests = keep(c["origins"]), keep(c["dests"])
        if origins and dests:
            out[cid] = Route(cid, tuple(c["modes"]), origins, dests, keep(c.get("via", ())), tuple(c["price"]),
                             tuple(c.get("currencies", ())))
    return out


@lru_cache(maxsize=None)
def _lang_tables(lang: str) -> dict[str, Any]:
    pack = load_pack(lang)
    rts = routes(lang)
    return {
        "routes": Table([(rts[c], w) for c, w in pack.corridors.items() if c in rts]),
        "phones": Table(pack.phone_countries) if pack.phone_countries else None,
        "local_phones": Table(pack.local_phones) if pack.local_phones else None,
        "neg": {k: Table([(t, t.weight) for t in v]) for k, v in pack.negatives_by_kind.items()},
    }


@lru_cache(maxsize=None)
def _routes_for(lang: str, mode: str) -> Table:
    pack = load_pack(lang)
    rts = routes(lang)
    fit = [(rts[c], w) for c, w in pack.corridors.items() if c in rts and mode in rts[c].modes]
    return Table(fit or [(r, 1.0) for r in rts.values()])


def _fits(tpl: Template, route: Route) -> bool:
    if tpl.corridor and tpl.corridor != route.corridor:
        return False
    return tpl.mode == "any" or tpl.mode in route.modes


def _addons_for(pack: Pack, cat: str, tpl: Template, route: Route) -> tuple[Template, ...]:
    """Add-on lines of a category that suit the advert ("life jackets for all" only on boats)."""
    return tuple(a for a in pack.addons.get(cat, ())
                 if a.mode == "any" or (a.mode in route.modes and tpl.mode in (a.mode, "any")))


def _writer(pack: Pack, tpl: Template) -> Pack:
    """The pack that writes `tpl`: its Latin-letter variant for Arabizi / Roman Urdu templates."""
    return pack.latn if tpl.script == "latn" and pack.latn is not None else pack


def _advert_table(pack: Pack, route: Route) -> Table:
    return _fitting(pack.lang, route.corridor)


@lru_cache(maxsize=None)
def _fitting(lang: str, corridor: str) -> Table:
    """The adverts of a language whose means of transport the corridor offers."""
    pack = load_pack(lang)
    route = routes(lang)[corridor]
    fits = [(t, t.weight) for t in pack.adverts if _fits(t, route)]
    return Table(fits)


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _cats(cats) -> list[str]:
    s = set(cats)
    return [c for c in CATEGORIES if c in s]


class World:
    """All mutable state of one corpus being generated (bounded in size)."""

    def __init__(self, n: int, seed: int, positive_rate: float) -> None:
        self.n = n
        self.seed = seed
        self.positive_rate = positive_rate
        self.rng = random.Random(seed)
        self.salt = self.rng.getrandbits(40)
        self.phones = ph.PhoneAllocator(self.rng)
        self.account_serial = 0
        self.network_serial = 0
        self.k_active = max(6, min(64, n // 400))
        self.slots: list[Network | None] = [None] * self.k_active
        self.singletons = 0
        self.cached: dict[tuple, ac.Account] = {}       # outlets and NGOs: bounded by the data
        self.business: dict[tuple[str, str], list[list[Any]]] = {}
        self.groups: dict[str, list[str]] = {}

    # ---- accounts ------------------------------------------------------------------------
    def new_account(self, lang: str, platform: str, *, name: str | None = None, handle: str | None = None,
                    phones: tuple[str, ...] = (), followers: int | None = None) -> ac.Account:
        rng = self.rng
        s = self.account_serial
        self.account_serial += 1
        pack = load_pack(lang)
        handle = handle or ac.make_handle(pack.handle_words, rng, s, platform)
        if platform == "web":  # a web "handle" is the site's host name
            handle = handle.replace("_", "-").replace(".", "-")
        if name is None:
            name = (choose(rng, pack.names) if rng.random() < 0.6
                    else handle.replace("_", " ").replace(".", " ").title())
        if followers is None:
            followers = int(rng.lognormvariate(5.8, 1.7))
        return ac.Account(serial=s, platform=platform, id=ac.account_id(platform, s, self.salt), handle=handle,
                          name=name, followers=followers, lang=lang, phones=phones)

    def successor(self, old: ac.Account) -> ac.Account:
        h = ac.successor_handle(old.handle, self.rng, old.platform)
        new = self.new_account(old.lang, old.platform, name=old.name, handle=h, phones=old.phones,
                               followers=max(10, old.followers // between(self.rng, 3, 30)))
        return new

    def fresh_phone(self, lang: str, pool: str = "other", local: bool = False) -> str:
        t = _lang_tables(lang)["local_phones" if local else "phones"]
        iso = t.pick(self.rng) if t else "GB"
        return self.phones.allocate(iso, pool)

    def platform_for(self, lang: str, kind: str | None = None) -> str:
        table = _PLAT_KIND.get(kind) if kind else None
        return (table or _PLAT_LANG[lang]).pick(self.rng)

    def group_for(self, lang: str) -> str | None:
        if self.rng.random() < 0.5:
            return None
        groups = self.groups.get(lang)
        if groups is None:
            r = random.Random(f"groups:{self.seed}:{lang}")
            words = load_pack(lang).handle_words
            groups = [f"{r.choice(words)}.{r.choice(words)}.{r.randint(1, 99)}" for _ in range(12)]
            self.groups[lang] = groups
        return choose(self.rng, groups)

    # ---- posts ---------------------------------------------------------------------------
    def record(self, i: int, acct: ac.Account, text: str, ts: float, media: list, site: str = "") -> dict:
        """The post in tidewatch's native JSON schema."""
        rng = self.rng
        group = self.group_for(acct.lang) if acct.platform == "facebook" and not site else None
        nid, url = ac.post_ids(acct.platform, i, self.salt, acct, rng, group=group, site=site or acct.handle)
        views = int(acct.followers * rng.uniform(0.05, 3.0) + rng.lognormvariate(3, 1.5))
        return {
            "id": nid, "platform": acct.platform, "url": url,
            "author": {"id": acct.id, "handle": acct.handle, "name": acct.name},
            "text": text, "created_at": _iso(ts), "media": media,
            "metrics": {"views": views, "followers": acct.followers},
        }

    def media(self, platform: str, images: list[tuple[str, str]], rate: float) -> list[dict]:
        rng = self.rng
        if images and rng.random() < rate:
            stem, sha = choose(rng, images)
            return [ac.image(stem, sha, platform, between(rng, 1, 999))]
        if rng.random() < 0.12:
            stem, sha = ac.new_image(rng, str(self.seed))
            return [ac.image(stem, sha, platform, 1)]
        return []

    def native(self, pack: Pack) -> bool:
        return pack.native_rate > 0 and self.rng.random() < pack.native_rate

    # ---- the stream ----------------------------------------------------------------------
    def make(self, i: int) -> tuple[dict, dict]:
        """Post number `i` of the corpus and its truth."""
        rng = self.rng
        remaining = self.n - i
        if self.singletons and self.singletons >= remaining:
            net = next(x for x in self.slots if x is not None and x.emitted == 1)
            return self.network_post(i, net)
        if rng.random() < self.positive_rate:
            if rng.random() < NETWORK_SHARE:
                net = self.pick_network(remaining)
                if net is not None:
                    return self.network_post(i, net)
            return self.lone_advert(i)
        return self.negative(i)

    def pick_network(self, remaining: int) -> Network | None:
        k = below(self.rng, self.k_active)
        net = self.slots[k]
        if net is None:
            if remaining - 1 > self.singletons:  # room left to give it a second post
                net = self.new_network()
                self.slots[k] = net
            else:
                started = [x for x in self.slots if x is not None and x.emitted]
                if not started:
                    return None
                net = choose(self.rng, started)
        return net

    # ---- networks ------------------------------------------------------------------------
    def new_network(self) -> Network:
        rng = self.rng
        serial = self.network_serial
        self.network_serial += 1
        lang = _ADV_LANGS.pick(rng)
        pack = load_pack(lang)
        full = _lang_tables(lang)["routes"].pick(rng)
        main = _advert_table(pack, full).pick(rng)
        origins = tuple(rng.sample(full.origins, min(len(full.origins), between(rng, 1, 3))))
        dset = tuple(dict.fromkeys(full.dests))
        dests = tuple(rng.sample(dset, min(len(dset), choose(rng, (1, 1, 2)))))
        route = Route(full.corridor, full.modes, origins, dests, full.via, full.price, full.currencies)
        choices: dict[str, list[int]] = {}
        skeleton(main, rng, choices)
        main_variant = Variant(main, _writer(pack, main), choices)
        # other templates the same operation uses now and then
        secondary: list[Variant] = []
        table = _advert_table(pack, full)
        for _ in range(choose(rng, (0, 1, 1, 2))):
            t = table.pick(rng)
            if t.id != main.id and t.id not in choices:
                skeleton(t, rng, choices)
                secondary.append(Variant(t, _writer(pack, t), choices))
        if rng.random() < 0.18:
            other = choose(rng, SECOND_LANG[lang])
            opack = load_pack(other)
            if all(p in opack.places for p in origins + dests) and opack.adverts:
                fits = [t for t in opack.adverts if _fits(t, route) and not t.evasions]
                if fits:
                    t = choose(rng, fits)
                    skeleton(t, rng, choices)
                    via = tuple(v for v in route.via if v in opack.places)
                    secondary.append(Variant(t, opack, choices,
                                             Route(route.corridor, route.modes, origins, dests, via, route.price,
                                                   route.currencies)))
        addons: list[Template] = []
        for cat in (main.addons if main.script is None else ()):
            fits = _addons_for(pack, cat, main, route)
            if fits and rng.random() < 0.3:
                t = choose(rng, fits)
                skeleton(t, rng, choices)
                addons.append(t)
        # identifiers
        has_phone = rng.random() < 0.9
        n_phones = choose(rng, (1, 1, 1, 2, 2, 3)) if has_phone else 0
        phones = tuple(self.fresh_phone(lang, "network") for _ in range(n_phones))
        base_words = rng.sample(pack.handle_words, 2)
        num = ac.unique_number(self.account_serial)  # reserved: no account is given this number
        self.account_serial += 1
        tg = (f"{base_words[0]}_{base_words[1]}_{num}".lower(),) if rng.random() < 0.65 else ()
        n_acc = min(8, 1 + int(rng.expovariate(0.65)))
        accounts: list[ac.Account] = []
        planned = planned_size(rng)
        for k in range(n_acc):
            platform = self.platform_for(lang)
            handle = None
            if platform == "telegram" and tg and not any(a.handle == tg[0] for a in accounts):
                handle = tg[0]
            elif rng.random() < 0.6:
                sep = "_" if platform in ("x", "telegram", "youtube") else choose(rng, ("_", ".", ""))
                handle = f"{base_words[0]}{sep}{base_words[1]}{sep}{num}{k or ''}".lower()
                if platform == "x" and len(handle) > 15:
                    handle = f"{base_words[0][:8]}_{num}{k or ''}"
            own = tuple(rng.sample(phones, between(rng, 1, len(phones)))) if phones else ()
            if k == 0 and phones:
                own = phones
            acct = self.new_account(lang, platform, handle=handle, phones=own,
                                    name=choose(rng, pack.names) if rng.random() < 0.3 else None)
            if planned >= 4 and rng.random() < 0.3:
                acct.retire_at = rng.uniform(0.2, 0.8)
            accounts.append(acct)
        ig = tuple(a.handle for a in accounts if a.platform in ("instagram", "tiktok"))
        contact = contact_plan(rng, pack, bool(phones), bool(tg or ig))
        contact.phones, contact.tg, contact.ig = phones, tg, ig
        contact.style = (choose(rng, ph.STYLES), below(rng, 3), choose(rng, (" ", " ", ".", "-", "")))
        n_images = choose(rng, (0, 0, 1, 1, 1, 2, 3))
        images = [ac.new_image(rng, f"{self.seed}:net{serial}") for _ in range(n_images)]
        lo, hi = route.price
        cur, rate = crossing_currency(pack, route, rng)
        duration = min(planned * rng.uniform(0.3, 2.5) * 86400, (WINDOW_END - WINDOW_START) * 0.9)
        t0 = rng.uniform(WINDOW_START, WINDOW_END - duration)
        return Network(
            id=f"net-{serial:05d}", lang=lang, route=route, main=main_variant, secondary=secondary,
            addons=addons, contact=contact, crossing=(rng.uniform(lo, hi), cur, rate), accounts=accounts,
            images=images, media_rate=rng.uniform(0.25, 0.8),
            evasions=pick_evasions(rng, main_variant.pack, NETWORK_EVASION), planned=planned,
            t0=t0, t1=t0 + duration,
        )

    def network_post(self, i: int, net: Network) -> tuple[dict, dict]:
        rng = self.rng
        progress = net.emitted / net.planned
        for idx, acct in enumerate(net.accounts):
            if progress >= acct.retire_at:
                new = self.successor(acct)
                net.accounts[idx] = new   # the old account is gone; its phone lives on
                if acct.handle in net.contact.ig:
                    net.contact.ig = tuple(new.handle if h == acct.handle else h for h in net.contact.ig)
        acct = choose(rng, net.accounts)
        variant, forced = net.main, False
        if net.emitted and net.secondary and net.has_seen() and rng.random() < 0.22:
            variant, forced = choose(rng, net.secondary), True
        pack = variant.pack
        base = net.contact
        if forced:
            kinds = tuple(k for k in base.kinds if k != "dm") or ("phone", "handle")
            contact = Contact(phones=tuple(net.seen_phones), tg=tuple(net.seen_tg), ig=tuple(net.seen_ig),
                              kinds=kinds, phrase=base.phrase, style=base.style)
        else:
            contact = Contact(phones=acct.phones, tg=base.tg, ig=base.ig, kinds=base.kinds,
                              phrase=base.phrase, style=base.style)
        ts = net.t0 + (net.emitted + rng.random()) / net.planned * (net.t1 - net.t0)
        eur, cur, rate = net.crossing
        ctx = Ctx(rng, pack, ts, route=variant.route or net.route, contact=contact, native=self.native(pack),
                  choices=variant.choices, reroll=0.08, crossing=(eur * rng.uniform(0.93, 1.07), cur, rate),
                  addons=tuple(a for a in net.addons if rng.random() < 0.75) if not forced else ())
        ctx.render(variant.tpl)
        if forced and not any(s[0] in (T_PHONE, T_HANDLE) for s in ctx.segs):
            ctx.lit(ctx.separator())
            _s_contact(ctx, "")
        names = net.evasions if net.evasions and rng.random() < 0.85 else ()
        applied = ev.apply(names, ctx.segs, pack, rng) if names else []
        ents = ctx.entities()
        net.note_seen(ents)
        media = self.media(acct.platform, net.images, net.media_rate)
        post = self.record(i, acct, ctx.text(), ts, media)
        truth = self.truth(post, 1, _cats(variant.tpl.cats + tuple(ctx.extra_cats)), "advert", pack.lang,
                           net.id, acct, ents, list(variant.tpl.evasions) + applied, variant.tpl.id)
        net.emitted += 1
        if net.emitted == 1:
            self.singletons += 1
        elif net.emitted == 2:
            self.singletons -= 1
        if net.done:
            self.slots[self.slots.index(net)] = None
        return post, truth

    # ---- lone adverts --------------------------------------------------------------------
    def lone_advert(self, i: int) -> tuple[dict, dict]:
        rng = self.rng
        lang = _ADV_LANGS.pick(rng)
        pack = load_pack(lang)
        route = _lang_tables(lang)["routes"].pick(rng)
        tpl = _advert_table(pack, route).pick(rng)
        platform = self.platform_for(lang)
        phones = (self.fresh_phone(lang),) if rng.random() < 0.75 else ()
        acct = self.new_account(lang, platform, phones=phones)
        tg = ()
        if rng.random() < 0.35:  # a Telegram channel of its own, numbered like an account
            tg = (ac.make_handle(pack.handle_words, rng, self.account_serial, "telegram"),)
            self.account_serial += 1
        ig = (acct.handle,) if platform in ("instagram", "tiktok") else ()
        contact = contact_plan(rng, pack, bool(phones), bool(tg or ig))
        contact.phones, contact.tg, contact.ig, contact.phrase = phones, tg, ig, {}
        ts = rng.uniform(WINDOW_START, WINDOW_END)
        addons = tuple(choose(rng, fits) for c in tpl.addons
                       if (fits := _addons_for(pack, c, tpl, route)) and rng.random() < 0.22)
        wpack = _writer(pack, tpl)
        if wpack is not pack:
            addons = ()
        ctx = Ctx(rng, wpack, ts, route=route, contact=contact, native=self.native(wpack), addons=addons)
        ctx.render(tpl)
        names = pick_evasions(rng, wpack, LONE_EVASION)
        applied = ev.apply(names, ctx.segs, wpack, rng) if names else []
        ents = ctx.entities()
        post = self.record(i, acct, ctx.text(), ts, self.media(platform, [], 0))
        truth = self.truth(post, 1, _cats(tpl.cats + tuple(ctx.extra_cats)), "advert", lang, None, acct, ents,
                           list(tpl.evasions) + applied, tpl.id)
        return post, truth

    # ---- negatives -----------------------------------------------------------------------
    def negative(self, i: int) -> tuple[dict, dict]:
        rng = self.rng
        kind = _NEG_KINDS.pick(rng)
        lang = _OTHER_LANGS.pick(rng)
        pack = load_pack(lang)
        tables = _lang_tables(lang)
        ts = rng.uniform(WINDOW_START, WINDOW_END)
        tpl = tables["neg"][kind].pick(rng)
        route = tables["routes"].pick(rng)
        if not _fits(tpl, route):  # a drowning happens at sea: pick a sea route
            route = _routes_for(lang, tpl.mode).pick(rng)
        contact = Contact()
        hotline = org = None
        images: list[tuple[str, str]] = []
        choices = None
        site = ""
        if kind in ("news", "research"):
            acct, site = self.outlet(lang, kind)
        elif kind == "ngo_humanitarian":
            idx = below(rng, len(pack.orgs))
            org, hotline_id = pack.orgs[idx]
            iso, k = common()["hotlines"][hotline_id]
            hotline = ph.hotline(iso, k)
            if rng.random() < 0.6:
                platform = self.platform_for(lang, kind)
                key = ("ngo", lang, idx, platform)
                acct = self.cached.get(key)
                if acct is None:
                    acct = self.new_account(lang, platform, name=org, phones=(hotline,))
                    self.cached[key] = acct
                site = acct.handle if platform == "web" else ""
            else:  # a volunteer sharing the hotline
                acct = self.new_account(lang, self.platform_for(lang))
            poster = hashlib.sha256(f"poster:{hotline_id}".encode()).hexdigest()
            images = [(f"poster{poster[:12]}", poster)]
            contact = Contact(phones=(hotline,), kinds=("phone",))
        elif kind == "personal":
            acct = self.new_account(lang, self.platform_for(lang), name=choose(rng, pack.names))
        else:
            acct, tpl, choices, images = self.business_account(lang, kind, tpl)
            tg = (acct.handle,) if acct.platform == "telegram" else ()
            ig = (acct.handle,) if acct.platform in ("instagram", "tiktok") else ()
            kinds = ("phone", "wa", "handle") if rng.random() < 0.7 else ("handle", "phone", "wa")
            contact = Contact(phones=acct.phones, tg=tg, ig=ig, kinds=kinds)
        ctx = Ctx(rng, pack, ts, route=route, contact=contact, native=self.native(pack), choices=choices,
                  reroll=0.1, hotline=hotline, org=org)
        ctx.render(tpl)
        ents = ctx.entities()
        post = self.record(i, acct, ctx.text(), ts, self.media(acct.platform, images, 0.5), site=site)
        truth = self.truth(post, 0, [], tpl.kind, lang, None, acct, ents, [], tpl.id)
        return post, truth

    def outlet(self, lang: str, kind: str) -> tuple[ac.Account, str]:
        rng = self.rng
        pack = load_pack(lang)
        platform = self.platform_for(lang, kind)
        if rng.random() < 0.2:  # a journalist's or researcher's own account
            return self.new_account(lang, platform if platform != "web" else "x"), ""
        idx = below(rng, len(pack.outlets))
        key = ("outlet", lang, idx, platform)
        acct = self.cached.get(key)
        if acct is None:
            r = random.Random(f"site:{lang}:{idx}")
            w = r.sample(pack.handle_words, 2)
            site = f"{w[0]}-{w[1]}-{r.choice(('news', 'post', 'daily', 'times', 'press', 'report'))}"
            handle = site.replace("-", "") if platform != "web" else site
            if platform == "x":
                handle = handle[:15]
            acct = self.new_account(lang, platform, name=pack.outlets[idx], handle=handle,
                                    followers=int(rng.lognormvariate(9, 1.2)))
            self.cached[key] = acct
        return acct, (acct.handle if platform == "web" else "")

    def business_account(self, lang: str, kind: str, tpl: Template):
        """Legitimate businesses post again and again with the same phone and wording.

        A few recurring businesses per language and kind (at most MAX_BUSINESSES), each retired
        after its planned number of posts: bounded memory, realistic repeated identifiers.
        """
        rng = self.rng
        pool = self.business.setdefault((lang, kind), [])
        if pool and rng.random() < 0.6:
            k = below(rng, len(pool))
            entry = pool[k]
            entry[1] -= 1
            if entry[1] <= 0:
                pool[k] = pool[-1]
                pool.pop()
            return entry[0], entry[2], entry[3], entry[4]
        pack = load_pack(lang)
        platform = self.platform_for(lang)
        names = pack.businesses.get(kind) or pack.names
        phones = (self.fresh_phone(lang, local=True),) if rng.random() < 0.8 else ()
        acct = self.new_account(lang, platform, name=choose(rng, names), phones=phones)
        choices: dict[str, list[int]] = {}
        skeleton(tpl, rng, choices)
        images = [ac.new_image(rng, f"{self.seed}:biz{acct.serial}")] if rng.random() < 0.5 else []
        if len(pool) < MAX_BUSINESSES and rng.random() < 0.5:
            pool.append([acct, between(rng, 1, 25), tpl, choices, images])
        return acct, tpl, choices, images

    def truth(self, post: dict, label: int, cats: list[str], kind: str, lang: str, network: str | None,
              acct: ac.Account, ents: dict, evasions: list[str], template_id: str) -> dict:
        return {
            "id": post["id"], "label": label, "categories": cats, "kind": kind, "lang": lang,
            "network_id": network, "account_id": acct.id, "entities": ents, "evasions": evasions,
            "template_id": template_id,
        }


def generate(n: int, seed: int, *, positive_rate: float = 0.3) -> Iterator[tuple[dict, dict]]:
    """Yield `n` (post, truth) pairs; the same arguments always give the same pairs."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= positive_rate <= 1.0:
        raise ValueError("positive_rate must be between 0 and 1")
    world = World(n, seed, positive_rate)
    for i in range(n):
        yield world.make(i)


def write_corpus(out_dir: Path, n: int, seed: int, **kw: Any) -> dict:
    """Write posts.jsonl and truth.jsonl under `out_dir`; return counts for a summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Any] = {"posts": 0, "positives": 0, "negatives": 0, "network_posts": 0,
                              "networks": 0, "evaded": 0, "by_lang": {}, "by_category": {}, "by_kind": {},
                              "by_platform": {}, "by_evasion": {}}
    last_network = -1  # network ids are serial ("net-00042"): the count needs no set of ids
    opt = orjson.OPT_APPEND_NEWLINE
    with open(out_dir / "posts.jsonl", "wb") as fp, open(out_dir / "truth.jsonl", "wb") as ft:
        for post, truth in generate(n, seed, **kw):
            fp.write(orjson.dumps(post, option=opt))
            ft.write(orjson.dumps(truth, option=opt))
            counts["posts"] += 1
            counts["positives" if truth["label"] else "negatives"] += 1
            _inc(counts["by_lang"], truth["lang"])
            _inc(counts["by_kind"], truth["kind"])
            _inc(counts["by_platform"], post["platform"])
            for c in truth["categories"]:
                _inc(counts["by_category"], c)
            if truth["evasions"]:
                counts["evaded"] += 1
            for e in truth["evasions"]:
                _inc(counts["by_evasion"], e)
            if truth["network_id"]:
                counts["network_posts"] += 1
                last_network = max(last_network, int(truth["network_id"][4:]))
    counts["networks"] = last_network + 1
    return counts


def _inc(d: dict, k: str) -> None:
    d[k] = d.get(k, 0) + 1


__all__ = ["generate", "write_corpus"]
