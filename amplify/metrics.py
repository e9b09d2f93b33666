"""Measure cascades (size, shape, reach, timing) and channels (ERR).

A cascade is a ``networkx.DiGraph`` tree of posts, edges parent -> child, node keys
``(channel_id, message_id)``, node attributes ``views``, ``subscribers``, ``date`` (aware UTC)
and ``grouped_id``; ``G.graph["root"]`` names the root. Shape metrics also accept an undirected
``nx.Graph``. "Posts" are distinct posts: the messages of one album (same channel and
``grouped_id``) are one post, with their largest view count. Unknown values (None) add nothing
to sums; `views_unknown` says how many posts lack views.

References: Goel, S., Anderson, A., Hofman, J. & Watts, D. J. (2016). The Structural Virality
of Online Diffusion. Management Science 62(1), 180-196. Vosoughi, S., Roy, D. & Aral, S. (2018).
The spread of true and false news online. Science 359(6380), 1146-1151.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import NamedTuple

import networkx as nx

__all__ = [
    "amplification",
    "amplifications_within",
    "amplifier_channels",
    "cascade_depth",
    "cascade_metrics",
    "cascade_size",
    "err",
    "max_breadth",
    "potential_reach",
    "structural_virality",
    "time_to_first_amplification",
    "time_to_half_reach",
    "tree_wiener_index",
    "view_weighted_reach",
    "views_unknown",
]


class _Post(NamedTuple):
    channel_id: int
    views: int | None  # largest known view count among its messages
    date: datetime | None  # earliest known date among its messages
    is_root: bool


def _root(G: nx.Graph, root: Hashable | None = None) -> Hashable:
    """Return `root`, else ``G.graph["root"]``, else a DiGraph's unique parentless node."""
    root = G.graph.get("root") if root is None else root
    if root is None:
        if not G.is_directed():
            raise ValueError("undirected cascade without a root: pass root= or set G.graph['root']")
        sources = [v for v, d in G.in_degree() if d == 0]
        if len(sources) != 1:
            raise ValueError(
                f"cannot tell the root: {len(sources)} nodes have no parent; "
                "pass root= or set G.graph['root']"
            )
        root = sources[0]
    if root not in G:
        raise ValueError(f"root {root!r} is not a node of the cascade")
    return root


def _channel(node: Hashable, data: dict) -> int:
    return data["channel_id"] if "channel_id" in data else node[0]


def _levels(G: nx.Graph, root: Hashable | None) -> list[int]:
    """Number of nodes at each hop distance from the root (index = depth)."""
    root = _root(G, root)
    nbrs = G.successors if G.is_directed() else G.neighbors
    seen, frontier, counts = {root}, [root], []
    while frontier:
        counts.append(len(frontier))
        frontier = list(dict.fromkeys(v for u in frontier for v in nbrs(u) if v not in seen))
        seen.update(frontier)
    return counts


def _posts(G: nx.Graph, root: Hashable | None = None) -> list[_Post]:
    """Distinct posts of the cascade; an album's messages merge into one post."""
    groups: dict[tuple, list[tuple[Hashable, dict]]] = {}
    posts = []
    for node, d in G.nodes(data=True):
        album = d.get("grouped_id")
        if album is None:  # most posts: no album to merge
            posts.append(_Post(_channel(node, d), d.get("views"), d.get("date"), node == root))
        else:
            groups.setdefault((_channel(node, d), album), []).append((node, d))
    for members in groups.values():
        views = [d["views"] for _, d in members if d.get("views") is not None]
        dates = [d["date"] for _, d in members if d.get("date") is not None]
        posts.append(
            _Post(
                _channel(*members[0]),
                max(views, default=None),
                min(dates, default=None),
                any(n == root for n, _ in members),
            )
        )
    return posts


def _root_post(posts: list[_Post]) -> _Post:
    return next(p for p in posts if p.is_root)


def _split(posts: list[_Post]) -> tuple[_Post, list[_Post]]:
    """The root's post and the other (amplifying) posts."""
    return _root_post(posts), [p for p in posts if not p.is_root]


def _split_root(G: nx.Graph) -> tuple[_Post, list[_Post]]:
    return _split(_posts(G, _root(G)))


def _unknown(posts: list[_Post]) -> int:
    return sum(p.views is None for p in posts)


def cascade_size(G: nx.Graph) -> int:
    """Number of nodes (messages) in the cascade, root included.

    Examples
    --------
    >>> cascade_size(nx.DiGraph([("r", "a"), ("r", "b")]))
    3

    References
    ----------
    Goel et al. (2016); Vosoughi et al. (2018) -- full citations in the module docstring.
    """
    return G.number_of_nodes()


def cascade_depth(G: nx.Graph, root: Hashable | None = None) -> int:
    """Longest root-to-node hop count (0 for a lone root).

    The root is `root`, else ``G.graph["root"]``, else (DiGraph only) the unique node without
    a parent. Nodes not reachable from the root are ignored.

    Examples
    --------
    >>> cascade_depth(nx.DiGraph([("r", "a"), ("a", "b"), ("r", "c")]))
    2

    References
    ----------
    Goel et al. (2016); Vosoughi et al. (2018) -- full citations in the module docstring.
    """
    return len(_levels(G, root)) - 1


def max_breadth(G: nx.Graph, root: Hashable | None = None) -> int:
    """Most nodes at one depth, over all depths d >= 0 (depth 0 holds only the root).

    Examples
    --------
    >>> max_breadth(nx.DiGraph([("r", "a"), ("r", "b"), ("a", "c")]))
    2

    References
    ----------
    Vosoughi et al. (2018) (breadth at depth d) -- full citation in the module docstring.
    """
    return max(_levels(G, root))


def _is_star(G: nx.Graph, hub: Hashable) -> bool:
    """Whether `G`'s n - 1 edges each join `hub` to a different node (a star around it)."""
    n = G.number_of_nodes()
    if hub in G.adj[hub]:  # a self-loop
        return False
    if G.is_directed():
        return G.out_degree(hub) == n - 1 or G.in_degree(hub) == n - 1
    return G.degree(hub) == n - 1


def tree_wiener_index(G: nx.Graph) -> int:
    """Sum of distances over all node pairs of a tree, in O(n); edge direction is ignored.

    An edge lies on the path of exactly s * (n - s) pairs, s being the size of the subtree
    below it, so W = sum of s * (n - s) over edges. Iterative: no recursion limit. Raises
    ValueError if `G` is not a tree (not exactly n - 1 edges, or not connected).

    Examples
    --------
    >>> tree_wiener_index(nx.path_graph(4))
    10

    References
    ----------
    Goel, Anderson, Hofman & Watts (2016), Management Science 62(1), 180-196.
    """
    n, m = G.number_of_nodes(), G.number_of_edges()
    if n == 0:
        return 0
    if m != n - 1:
        raise ValueError(f"cascade is not a tree: {n} nodes need {n - 1} edges, got {m}")
    hub = G.graph.get("root")
    if hub in G and _is_star(G, hub):  # the default cascade tree: no traversal needed
        return (n - 1) ** 2  # n - 1 pairs at distance 1, (n - 1)(n - 2) / 2 at distance 2
    adjacency = (G.succ, G.pred) if G.is_directed() else (G.adj,)
    start = next(iter(G))
    parent: dict[Hashable, Hashable] = {start: None}
    order, stack = [start], [start]
    while stack:  # each node enters `order` after its parent
        u = stack.pop()
        for v in (v for adj in adjacency for v in adj[u] if v not in parent):
            parent[v] = u
            order.append(v)
            stack.append(v)
    if len(order) != n:
        raise ValueError(f"cascade is not a tree: only {len(order)} of {n} nodes are connected")
    size = dict.fromkeys(order, 1)
    total = 0
    for v in reversed(order[1:]):  # children before parents
        total += size[v] * (n - size[v])
        size[parent[v]] += size[v]
    return total


def structural_virality(G: nx.Graph) -> float | None:
    """Structural virality nu = W / C(n, 2): the mean distance between two nodes of the tree.

    A star of n nodes (broadcast) has 2(n-1)/n, a path (person to person) (n+1)/3. None below
    2 nodes, where it is undefined. Raises ValueError if `G` is not a tree.

    Examples
    --------
    >>> structural_virality(nx.star_graph(4))  # 5 nodes
    1.6

    References
    ----------
    Goel, S., Anderson, A., Hofman, J. & Watts, D. J. (2016). The Structural Virality of Online
    Diffusion. Management Science 62(1), 180-196.
    """
    n = G.number_of_nodes()
    return None if n < 2 else tree_wiener_index(G) / (n * (n - 1) / 2)


def view_weighted_reach(G: nx.Graph) -> int:
    """Sum of views over the cascade's posts, root included, albums once; unknown views add 0.

    Examples
    --------
    >>> G = nx.DiGraph([((1, 5), (2, 9)), ((1, 5), (3, 4))])
    >>> nx.set_node_attributes(G, {(1, 5): 100, (2, 9): 40, (3, 4): None}, "views")
    >>> view_weighted_reach(G), views_unknown(G)
    (140, 1)
    """
    return _reach(_posts(G))


def _reach(posts: list[_Post]) -> int:
    return sum(p.views for p in posts if p.views is not None)


def views_unknown(G: nx.Graph) -> int:
    """Number of posts (albums once) whose views are unknown; see `view_weighted_reach`."""
    return _unknown(_posts(G))


def amplification(G: nx.Graph) -> float | None:
    """Views gained through reposts per view of the root: (reach - root views) / root views.

    None when the root's views are unknown or 0.

    Examples
    --------
    >>> G = nx.DiGraph([((1, 5), (2, 9))])
    >>> nx.set_node_attributes(G, {(1, 5): 100, (2, 9): 250}, "views")
    >>> amplification(G)
    2.5
    """
    posts = _posts(G, _root(G))
    return _amplification(_root_post(posts), _reach(posts))


def _amplification(root_post: _Post, reach: int) -> float | None:
    return (reach - root_post.views) / root_post.views if root_post.views else None


def amplifier_channels(G: nx.Graph) -> set[int]:
    """Channels in the cascade other than the root's channel.

    Examples
    --------
    >>> amplifier_channels(nx.DiGraph([((1, 5), (2, 9)), ((1, 5), (1, 7))]))
    {2}
    """
    root = _root(G)
    return {_channel(n, d) for n, d in G.nodes(data=True)} - {_channel(root, G.nodes[root])}


def potential_reach(G: nx.Graph) -> int:
    """Sum of subscribers over the cascade's distinct channels.

    Each channel counts once, with the ``subscribers`` of its earliest post in the cascade (by
    date, then message id); unknown subscribers add 0.

    Examples
    --------
    >>> G = nx.DiGraph([((1, 5), (2, 9)), ((1, 5), (2, 11))])
    >>> nx.set_node_attributes(G, {(1, 5): 1000, (2, 9): 300, (2, 11): 310}, "subscribers")
    >>> potential_reach(G)
    1300
    """
    earliest: dict[int, tuple[tuple, int | None]] = {}
    for node, d in G.nodes(data=True):
        date, mid, ch = d.get("date"), d.get("message_id", node[1]), _channel(node, d)
        key = (0, date, mid) if date is not None else (1, mid)
        if ch not in earliest or key < earliest[ch][0]:
            earliest[ch] = (key, d.get("subscribers"))
    return sum(subs for _, subs in earliest.values() if subs is not None)


def time_to_first_amplification(G: nx.Graph) -> timedelta | None:
    """Time from the root to the earliest other post; None if no dated repost or no root date.

    Examples
    --------
    >>> t0 = datetime.fromisoformat("2023-10-10T12:00+00:00")
    >>> G = nx.DiGraph([((1, 5), (2, 9))])
    >>> nx.set_node_attributes(G, {(1, 5): t0, (2, 9): t0 + timedelta(minutes=7)}, "date")
    >>> time_to_first_amplification(G)
    datetime.timedelta(seconds=420)
    """
    return _first_amplification(*_split_root(G))


def _first_amplification(root_post: _Post, others: list[_Post]) -> timedelta | None:
    dates = [p.date for p in others if p.date is not None]
    return min(dates) - root_post.date if root_post.date is not None and dates else None


def time_to_half_reach(G: nx.Graph) -> timedelta | None:
    """Time from the root until the posts published so far hold half the final reach.

    Posts (root included) in publication order: the date of the first post at which their
    cumulative views reach half of `view_weighted_reach`, minus the root's date. None when the
    root's date is unknown, the reach is 0, or undated posts hold more than half of it.

    Examples
    --------
    >>> t0 = datetime.fromisoformat("2023-10-10T12:00+00:00")
    >>> G = nx.DiGraph([((1, 5), (2, 9)), ((1, 5), (3, 4))])
    >>> nx.set_node_attributes(G, {(1, 5): 10, (2, 9): 30, (3, 4): 60}, "views")
    >>> hours = {(1, 5): 0, (2, 9): 1, (3, 4): 2}
    >>> nx.set_node_attributes(G, {k: t0 + timedelta(hours=h) for k, h in hours.items()}, "date")
    >>> time_to_half_reach(G)  # 10 + 30 < 100 / 2 <= 10 + 30 + 60
    datetime.timedelta(seconds=7200)
    """
    posts = _posts(G, _root(G))
    return _half_reach(_root_post(posts), posts, _reach(posts))


def _half_reach(root_post: _Post, posts: list[_Post], reach: int) -> timedelta | None:
    if root_post.date is None or reach == 0:
        return None
    cumulative = 0
    for post in sorted((p for p in posts if p.date is not None), key=lambda p: p.date):
        cumulative += post.views or 0
        if 2 * cumulative >= reach:
            return post.date - root_post.date
    return None


def amplifications_within(G: nx.Graph, window: timedelta) -> int | None:
    """Number of non-root posts (albums once) published at most `window` after the root.

    None when the root's date is unknown.

    Examples
    --------
    >>> t0 = datetime.fromisoformat("2023-10-10T12:00+00:00")
    >>> G = nx.DiGraph([((1, 5), (2, 9)), ((1, 5), (3, 4))])
    >>> dates = {(1, 5): t0, (2, 9): t0 + timedelta(minutes=5), (3, 4): t0 + timedelta(days=2)}
    >>> nx.set_node_attributes(G, dates, "date")
    >>> amplifications_within(G, timedelta(hours=1))
    1
    """
    return _within(*_split_root(G), window)


def _within(root_post: _Post, others: list[_Post], window: timedelta) -> int | None:
    if root_post.date is None:
        return None
    return sum(
        p.date is not None and timedelta(0) <= p.date - root_post.date <= window for p in others
    )


def cascade_metrics(G: nx.Graph) -> dict:
    """All cascade metrics in one flat dict; durations in seconds, unknowns as None.

    Examples
    --------
    >>> m = cascade_metrics(nx.DiGraph([((1, 5), (2, 9)), ((1, 5), (3, 4))]))
    >>> m["size"], m["depth"], m["amplifiers"], m["views_unknown"], m["tree"]
    (3, 1, 2, 3, 'star')
    """

    def seconds(td: timedelta | None) -> float | None:
        return None if td is None else td.total_seconds()

    # The distinct posts and the levels are computed once and shared by every metric
    # (the public functions each recompute them: ~10 passes over the nodes per cascade).
    root = _root(G)
    posts = _posts(G, root)
    root_post, others = _split(posts)
    levels = _levels(G, root)
    reach = _reach(posts)
    return {
        "size": cascade_size(G),
        "depth": len(levels) - 1,
        "max_breadth": max(levels),
        "structural_virality": structural_virality(G),
        "reach": reach,
        "root_views": root_post.views,
        "amplification": _amplification(root_post, reach),
        "potential_reach": potential_reach(G),
        "amplifiers": len(amplifier_channels(G)),
        "time_to_first_amplification_s": seconds(_first_amplification(root_post, others)),
        "time_to_half_reach_s": seconds(_half_reach(root_post, posts, reach)),
        "amplifications_1h": _within(root_post, others, timedelta(hours=1)),
        "amplifications_24h": _within(root_post, others, timedelta(days=1)),
        "views_unknown": _unknown(posts),
        "tree": G.graph.get("tree", "star"),
    }


def err(mean_views: float | None, subscribers: int | None) -> float | None:
    """Engagement rate by reach: a channel's average post views per subscriber, as a fraction.

    None when either input is unknown (None or NaN) or subscribers is not positive.

    Examples
    --------
    >>> err(2500, 10000)  # 25 %
    0.25

    References
    ----------
    ERR (engagement rate by reach) as defined by TGStat (tgstat.com), the Telegram channel
    analytics service: average post reach divided by the channel's subscribers.
    """

    def missing(x: float | None) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x))

    if missing(mean_views) or missing(subscribers) or subscribers <= 0:
        return None
    return mean_views / subscribers
