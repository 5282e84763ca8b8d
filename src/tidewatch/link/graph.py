"""Networks: posts tied by shared identifiers (phones, handles, links, payment references,
images), by one account, or by one text template, grouped into connected components and split
by community detection (igraph's Leiden) so one common identifier cannot chain unrelated
sellers into one giant network.

The graph is bipartite (posts — identifiers), so a phone in 10,000 posts costs 10,000 edges,
not 50 million pairs. An identifier's edges weigh less the more accounts use it, and an
identifier used by very many accounts (a rescue hotline, a big platform's help handle) ties
nothing at all.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import igraph as ig
import numpy as np

# Identifiers seen on more distinct accounts than this are public numbers, not a network's.
MAX_ACCOUNTS_PER_IDENTIFIER = 40
TIE_KINDS = ("phone", "handle", "url", "payment_ref", "image", "template", "account")


@dataclass(frozen=True, slots=True)
class LinkInput:
    post_id: str
    account: str | None
    identifiers: tuple[tuple[str, str], ...]  # (kind, value): phone/handle/url/payment_ref/image
    template: int | None = None


@dataclass
class Network:
    id: int
    post_ids: list[str]
    accounts: list[str]
    ties: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, value, posts carrying it)


def build_networks(items: Sequence[LinkInput], resolution: float = 0.2, seed: int = 42,
                   min_posts: int = 2) -> list[Network]:
    n = len(items)
    node_of: dict[tuple[str, str], int] = {}
    kinds: list[tuple[str, str]] = []
    accounts_of: list[set] = []
    posts_of: list[list[int]] = []

    def node(kind: str, value: str) -> int:
        key = (kind, value)
        j = node_of.get(key)
        if j is None:
            j = node_of[key] = len(kinds)
            kinds.append(key)
            accounts_of.append(set())
            posts_of.append([])
        return j

    for i, it in enumerate(items):
        keys = set(it.identifiers)
        if it.account:
            keys.add(("account", it.account))
        if it.template is not None:
            keys.add(("template", str(it.template)))
        for kind, value in keys:
            j = node(kind, value)
            posts_of[j].append(i)
            accounts_of[j].add(it.account or f"post:{i}")

    edges, weights = [], []
    for j, (kind, _value) in enumerate(kinds):
        posts = posts_of[j]
        if len(posts) < 2:
            continue
        n_acc = len(accounts_of[j])
        if kind != "account" and n_acc > MAX_ACCOUNTS_PER_IDENTIFIER:
            continue
        w = 1.0 / math.log2(1.0 + n_acc) if n_acc > 1 else 1.0
        if kind == "template":
            w *= 0.8
        for i in posts:
            edges.append((i, n + j))
            weights.append(w)
    g = ig.Graph(n=n + len(kinds), edges=edges)
    g.es["weight"] = weights
    membership = np.full(n + len(kinds), -1, dtype=np.int64)
    next_id = 0
    for comp in g.connected_components():
        post_nodes = [v for v in comp if v < n]
        if len(post_nodes) < min_posts:
            continue
        if len(comp) <= 3:
            parts = [comp]
        else:
            sub = g.subgraph(comp)
            part = _leiden(sub, resolution, seed)
            parts = [[comp[v] for v in members] for members in part]
        for members in parts:
            ps = [v for v in members if v < n]
            if len(ps) < min_posts:
                continue
            membership[ps] = next_id
            next_id += 1
    networks: dict[int, Network] = {}
    for i, it in enumerate(items):
        m = int(membership[i])
        if m < 0:
            continue
        net = networks.setdefault(m, Network(m, [], []))
        net.post_ids.append(it.post_id)
        if it.account and it.account not in net.accounts:
            net.accounts.append(it.account)
    for j, (kind, value) in enumerate(kinds):
        posts = posts_of[j]
        if len(posts) < 2 or kind == "account":
            continue
        by_net: dict[int, int] = {}
        for i in posts:
            m = int(membership[i])
            if m >= 0:
                by_net[m] = by_net.get(m, 0) + 1
        for m, c in by_net.items():
            if c >= 2:
                networks[m].ties.append((kind, value, c))
    return sorted(networks.values(), key=lambda net: (-len(net.post_ids), net.id))


def _leiden(g: ig.Graph, resolution: float, seed: int):
    """Leiden on modularity, made deterministic (igraph draws from Python's `random` when told to)."""
    import random

    ig.set_random_number_generator(random.Random(seed))
    return g.community_leiden(objective_function="modularity", weights="weight", resolution=resolution,
                              n_iterations=-1)
