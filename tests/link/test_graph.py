"""Network building: shared identifiers tie posts; common identifiers don't chain sellers."""
from tidewatch.link.graph import MAX_ACCOUNTS_PER_IDENTIFIER, LinkInput, build_networks


def _net_of(networks):
    out = {}
    for net in networks:
        for p in net.post_ids:
            out[p] = net.id
    return out


def test_shared_phone_handle_and_template_tie_posts():
    items = [
        LinkInput("a1", "fb:seller1", (("phone", "+447700900101"),)),
        LinkInput("a2", "tt:seller1_new", (("phone", "+447700900101"), ("handle", "@boza_one"))),
        LinkInput("a3", "tg:chan", (("handle", "@boza_one"),)),
        LinkInput("b1", "fb:other", (("phone", "+447700900202"),), template=5),
        LinkInput("b2", "x:other2", (), template=5),
        LinkInput("c1", "fb:loner", (("phone", "+447700900303"),)),
    ]
    nets = build_networks(items)
    m = _net_of(nets)
    assert m["a1"] == m["a2"] == m["a3"]
    assert m["b1"] == m["b2"] != m["a1"]
    assert "c1" not in m  # a single post is not a network
    a = next(n for n in nets if "a1" in n.post_ids)
    assert ("phone", "+447700900101", 2) in a.ties
    assert set(a.accounts) == {"fb:seller1", "tt:seller1_new", "tg:chan"}


def test_a_public_hotline_does_not_chain_everyone():
    hotline = ("phone", "+447700900999")
    items = []
    for s in range(MAX_ACCOUNTS_PER_IDENTIFIER + 5):
        items.append(LinkInput(f"s{s}-1", f"fb:seller{s}", (hotline, ("phone", f"+4477009{s:05d}"))))
        items.append(LinkInput(f"s{s}-2", f"fb:seller{s}", (("phone", f"+4477009{s:05d}"),)))
    nets = build_networks(items)
    assert max(len(n.post_ids) for n in nets) == 2


def test_leiden_splits_two_groups_joined_by_one_weak_bridge():
    items = []
    for g in ("x", "y"):
        for i in range(12):
            items.append(LinkInput(f"{g}{i}", f"fb:{g}{i % 3}", (("phone", f"+44770090{'1' if g == 'x' else '2'}00"),
                                                                  ("handle", f"@{g}_ops"))))
    items.append(LinkInput("bridge", "fb:bridge", (("handle", "@x_ops"), ("handle", "@y_ops"))))
    m = _net_of(build_networks(items))
    assert m["x0"] != m["y0"]
    assert len({m[f"x{i}"] for i in range(12)}) == 1 and len({m[f"y{i}"] for i in range(12)}) == 1


def test_deterministic():
    items = [LinkInput(f"p{i}", f"a{i % 7}", (("phone", f"+4477009001{i % 5}"),)) for i in range(60)]
    assert [n.post_ids for n in build_networks(items)] == [n.post_ids for n in build_networks(items)]
