"""Tests for amplify.metrics against hand-computed values (DESIGN.md, "Metrics")."""

from __future__ import annotations

import doctest
import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from amplify import metrics
from amplify.metrics import (
    amplification,
    amplifications_within,
    amplifier_channels,
    cascade_depth,
    cascade_metrics,
    cascade_size,
    err,
    max_breadth,
    potential_reach,
    structural_virality,
    time_to_first_amplification,
    time_to_half_reach,
    tree_wiener_index,
    view_weighted_reach,
    views_unknown,
)


def exact_nu(G: nx.Graph) -> Fraction:
    """Structural virality as an exact fraction W / C(n, 2)."""
    return Fraction(tree_wiener_index(G), math.comb(G.number_of_nodes(), 2))


def design_tree() -> nx.DiGraph:
    """DESIGN.md vector: r->a,b,c; a->d,e; d->f."""
    G = nx.DiGraph([("r", "a"), ("r", "b"), ("r", "c"), ("a", "d"), ("a", "e"), ("d", "f")])
    G.graph["root"] = "r"
    return G


# --- structural virality: DESIGN.md test vectors ---------------------------------------------


def test_star_of_5():
    # every edge has s = 1: W = 4 * 1 * 4 = 16, C(5, 2) = 10, nu = 1.6 = 2(n-1)/n
    for G in (nx.star_graph(4), nx.star_graph(4, create_using=nx.DiGraph)):
        assert tree_wiener_index(G) == 16
        assert exact_nu(G) == Fraction(8, 5)
        assert structural_virality(G) == pytest.approx(1.6)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 31])
def test_star_formula(n):
    G = nx.star_graph(n - 1)
    assert exact_nu(G) == Fraction(2 * (n - 1), n)


def test_path_of_4():
    # edges split 1|3, 2|2, 3|1: W = 3 + 4 + 3 = 10, C(4, 2) = 6, nu = 5/3 = (n+1)/3
    for G in (nx.path_graph(4), nx.path_graph(4, create_using=nx.DiGraph)):
        assert tree_wiener_index(G) == 10
        assert exact_nu(G) == Fraction(5, 3)
        assert structural_virality(G) == pytest.approx(5 / 3)


@pytest.mark.parametrize("n", [2, 3, 7, 50])
def test_path_formula(n):
    assert exact_nu(nx.path_graph(n)) == Fraction(n + 1, 3)


def test_balanced_tree_2_2():
    # 7 nodes; 4 leaf edges split 1|6 (6 each = 24), 2 inner edges split 3|4 (12 each = 24)
    G = nx.balanced_tree(2, 2)
    assert tree_wiener_index(G) == 48
    assert exact_nu(G) == Fraction(16, 7)
    assert structural_virality(G) == pytest.approx(16 / 7)
    assert structural_virality(nx.balanced_tree(2, 2, create_using=nx.DiGraph)) == pytest.approx(
        16 / 7
    )


def test_design_tree():
    # subtree sizes below each edge: r-a 4 (4*3=12), r-b 1 (6), r-c 1 (6), a-d 2 (2*5=10),
    # a-e 1 (6), d-f 1 (6): W = 46, C(7, 2) = 21
    G = design_tree()
    assert tree_wiener_index(G) == 46
    assert exact_nu(G) == Fraction(46, 21)
    assert structural_virality(G) == pytest.approx(46 / 21)
    assert structural_virality(G.to_undirected()) == pytest.approx(46 / 21)
    # depth: r-a-d-f = 3 hops; levels: {r}, {a, b, c}, {d, e}, {f} -> breadth 3
    assert cascade_depth(G) == 3
    assert max_breadth(G) == 3
    assert cascade_size(G) == 7


def test_single_node_and_empty():
    lone = nx.DiGraph()
    lone.add_node("r")
    assert structural_virality(lone) is None
    assert structural_virality(nx.Graph()) is None
    assert cascade_depth(lone) == 0
    assert max_breadth(lone) == 1
    assert cascade_size(nx.DiGraph()) == 0


# --- structural virality: properties of random trees -----------------------------------------


@st.composite
def parent_array_trees(draw) -> nx.DiGraph:
    """A random rooted tree: node i > 0 hangs off a random earlier node."""
    n = draw(st.integers(min_value=2, max_value=60))
    G = nx.DiGraph(root=0)
    G.add_nodes_from(range(n))
    G.add_edges_from((draw(st.integers(0, i - 1)), i) for i in range(1, n))
    return G


@st.composite
def prufer_trees(draw) -> nx.Graph:
    """A uniformly random labelled tree from a Pruefer sequence."""
    n = draw(st.integers(min_value=2, max_value=60))
    return nx.from_prufer_sequence(
        draw(st.lists(st.integers(0, n - 1), min_size=n - 2, max_size=n - 2))
    )


def check_tree_invariants(G: nx.Graph) -> None:
    n = G.number_of_nodes()
    nu = exact_nu(G)
    assert Fraction(2 * (n - 1), n) <= nu <= Fraction(n + 1, 3)
    assert tree_wiener_index(G) == nx.wiener_index(G.to_undirected())
    assert structural_virality(G) == pytest.approx(float(nu))


@given(parent_array_trees())
def test_random_directed_trees(G):
    check_tree_invariants(G)
    assert structural_virality(G.to_undirected()) == structural_virality(G)
    # depth and breadth agree with networkx's BFS distances from the root
    dist = nx.single_source_shortest_path_length(G, 0)
    assert cascade_depth(G) == max(dist.values())
    assert max_breadth(G) == max(list(dist.values()).count(d) for d in set(dist.values()))
    assert cascade_depth(G.to_undirected(), root=0) == cascade_depth(G)


@given(prufer_trees())
def test_random_undirected_trees(G):
    check_tree_invariants(G)


@given(parent_array_trees(), st.booleans())
def test_a_named_root_takes_the_star_shortcut_only_for_stars(G, reverse):
    G = G.reverse() if reverse else G  # edges towards the root: an in-star when a star
    G.graph["root"] = 0
    assert tree_wiener_index(G) == nx.wiener_index(G.to_undirected())
    assert tree_wiener_index(G.to_undirected()) == nx.wiener_index(G.to_undirected())


@pytest.mark.parametrize("n", [2, 3, 7, 40])
def test_cascade_stars_with_their_root_named(n):
    out_star = nx.star_graph(n - 1, create_using=nx.DiGraph)
    for G in (out_star, out_star.reverse(), nx.star_graph(n - 1)):
        G.graph["root"] = 0
        assert tree_wiener_index(G) == nx.wiener_index(G.to_undirected()) == (n - 1) ** 2
    leaf = nx.star_graph(n - 1, create_using=nx.DiGraph)
    leaf.graph["root"] = n - 1  # a root that is not the hub: the general path
    assert tree_wiener_index(leaf) == (n - 1) ** 2


@pytest.mark.parametrize(
    "G",
    [
        nx.DiGraph([(0, 0), (0, 1), (0, 2), (3, 4)]),  # hub with a self-loop
        nx.DiGraph([(0, 1), (1, 0), (0, 2), (3, 4)]),  # hub in a 2-cycle, a pair apart
        nx.Graph([(0, 0), (0, 1), (2, 3)]),
    ],
)
def test_a_hub_with_loops_is_not_taken_for_a_star(G):
    G.graph["root"] = 0
    with pytest.raises(ValueError, match="not a tree"):
        structural_virality(G)


# --- not a tree, roots -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "G",
    [
        nx.cycle_graph(4),  # n edges
        nx.DiGraph([(0, 1), (1, 0)]),  # 2 nodes, 2 edges
        nx.Graph([(0, 1), (1, 2), (2, 0), (3, 4)]),  # 5 nodes, 4 edges, but a cycle + a pair
        nx.Graph([(0, 1), (2, 3), (3, 4)]),  # too few edges: a forest
        nx.DiGraph([(0, 0), (1, 2)]),  # self-loop: 3 nodes, 2 edges, disconnected
    ],
)
def test_not_a_tree_raises(G):
    with pytest.raises(ValueError, match="not a tree"):
        structural_virality(G)


def test_root_resolution():
    G = design_tree()
    del G.graph["root"]
    assert cascade_depth(G) == 3  # the unique node without a parent
    with pytest.raises(ValueError, match="root"):
        cascade_depth(G.to_undirected())  # undirected needs a root
    assert cascade_depth(G.to_undirected(), root="r") == 3
    assert cascade_depth(G.to_undirected(), root="f") == 4  # f-d-a-r-b
    G.add_node("orphan")
    with pytest.raises(ValueError, match="2 nodes have no parent"):
        cascade_depth(G)
    with pytest.raises(ValueError, match="not a node"):
        cascade_depth(G, root="x")


def test_deep_path_no_recursion_limit():
    n = 100_000
    G = nx.path_graph(n, create_using=nx.DiGraph)
    G.graph["root"] = 0
    # path Wiener index = C(n+1, 3); nu = (n + 1) / 3
    assert tree_wiener_index(G) == math.comb(n + 1, 3)
    assert structural_virality(G) == pytest.approx((n + 1) / 3)
    assert structural_virality(G.to_undirected()) == pytest.approx((n + 1) / 3)
    assert cascade_depth(G) == n - 1
    assert max_breadth(G) == 1


# --- reach, amplification, timing --------------------------------------------------------------

T0 = datetime(2023, 10, 10, 12, 0, tzinfo=UTC)


def add_post(G, channel, message, *, views, subscribers, date, grouped_id=None, root=False):
    G.add_node(
        (channel, message),
        channel_id=channel,
        message_id=message,
        username=f"c{channel}",
        date=date,
        views=views,
        subscribers=subscribers,
        collected=True,
        grouped_id=grouped_id,
        root=root,
    )
    if not root:
        G.add_edge(G.graph["root"], (channel, message), kind="forward", kinds=("forward",))


def reach_cascade() -> nx.DiGraph:
    """A star cascade of 7 messages / 5 posts in 4 channels (values chosen by hand)."""
    G = nx.DiGraph(root=(1, 100), tree="star")
    add_post(G, 1, 100, views=200, subscribers=5000, date=T0, root=True)
    add_post(G, 2, 20, views=30, subscribers=2000, date=T0 + timedelta(minutes=10))
    for message, views in ((31, 50), (32, 400), (33, 400)):  # album: one post, 400 views
        add_post(
            G,
            3,
            message,
            views=views,
            subscribers=900,
            date=T0 + timedelta(hours=2),
            grouped_id=777,
        )
    add_post(G, 4, 40, views=None, subscribers=None, date=T0 + timedelta(hours=30))
    add_post(G, 2, 21, views=120, subscribers=2100, date=T0 + timedelta(days=3))
    return G


def test_reach_and_amplification():
    G = reach_cascade()
    # posts: root 200, c2#20 30, album max(50, 400, 400) = 400, c4 unknown, c2#21 120
    assert view_weighted_reach(G) == 200 + 30 + 400 + 120 == 750
    assert views_unknown(G) == 1
    # (750 - 200) / 200
    assert amplification(G) == pytest.approx(2.75)
    # channels once, subscribers of the earliest post: 5000 + 2000 (not 2100) + 900 + 0
    assert potential_reach(G) == 7900
    assert amplifier_channels(G) == {2, 3, 4}


def test_timing():
    G = reach_cascade()
    assert time_to_first_amplification(G) == timedelta(minutes=10)
    # cumulative views in time order: 200 (T0), 230 (+10 min), 630 (+2 h) >= 750 / 2
    assert time_to_half_reach(G) == timedelta(hours=2)
    # within 1 h: c2#20; within 24 h: c2#20 and the album (once); boundary is inclusive
    assert amplifications_within(G, timedelta(hours=1)) == 1
    assert amplifications_within(G, timedelta(days=1)) == 2
    assert amplifications_within(G, timedelta(hours=2)) == 2
    assert amplifications_within(G, timedelta(minutes=9)) == 0


def test_cascade_metrics_dict():
    G = reach_cascade()
    assert cascade_metrics(G) == {
        "size": 7,
        "depth": 1,
        "max_breadth": 6,
        "structural_virality": pytest.approx(12 / 7),  # star of 7: 2 * 6 / 7
        "reach": 750,
        "root_views": 200,
        "amplification": pytest.approx(2.75),
        "potential_reach": 7900,
        "amplifiers": 3,
        "time_to_first_amplification_s": 600.0,
        "time_to_half_reach_s": 7200.0,
        "amplifications_1h": 1,
        "amplifications_24h": 2,
        "views_unknown": 1,
        "tree": "star",
    }


def test_half_reach_when_root_dominates():
    G = reach_cascade()
    G.nodes[(1, 100)]["views"] = 5000
    # reach 5000 + 550 = 5550; the root alone holds more than half
    assert time_to_half_reach(G) == timedelta(0)
    assert amplification(G) == pytest.approx(550 / 5000)


def test_album_with_partly_unknown_views():
    G = reach_cascade()
    G.nodes[(3, 32)]["views"] = None
    G.nodes[(3, 33)]["views"] = None
    # album still known through its one counted message: 200 + 30 + 50 + 120
    assert view_weighted_reach(G) == 400
    assert views_unknown(G) == 1


def test_repost_in_the_same_second_counts():
    G = reach_cascade()
    add_post(G, 5, 50, views=10, subscribers=100, date=T0)  # forwarded within the same second
    assert time_to_first_amplification(G) == timedelta(0)
    # c5#50 and c2#20 (10 min) are within 1 h
    assert amplifications_within(G, timedelta(hours=1)) == 2


def test_root_in_album_is_not_an_amplification():
    G = nx.DiGraph(root=(1, 1))
    add_post(G, 1, 1, views=100, subscribers=10, date=T0, grouped_id=5, root=True)
    add_post(G, 1, 2, views=120, subscribers=10, date=T0, grouped_id=5)
    # one post with 120 views, no other post
    assert view_weighted_reach(G) == 120
    assert amplification(G) == 0.0
    assert time_to_first_amplification(G) is None
    assert amplifications_within(G, timedelta(hours=1)) == 0
    assert amplifier_channels(G) == set()


def test_unknowns_give_none():
    G = reach_cascade()
    G.nodes[(1, 100)]["views"] = None
    assert amplification(G) is None
    assert view_weighted_reach(G) == 550
    assert views_unknown(G) == 2
    G.nodes[(1, 100)]["views"] = 0
    assert amplification(G) is None
    G.nodes[(1, 100)]["date"] = None
    assert time_to_first_amplification(G) is None
    assert time_to_half_reach(G) is None
    assert amplifications_within(G, timedelta(hours=1)) is None
    m = cascade_metrics(G)
    assert m["time_to_first_amplification_s"] is None and m["amplifications_24h"] is None


def test_half_reach_none_when_undated_posts_hold_the_majority():
    G = reach_cascade()
    G.nodes[(3, 31)]["date"] = G.nodes[(3, 32)]["date"] = G.nodes[(3, 33)]["date"] = None
    # dated views: 200 + 30 + 120 = 350 < 750 / 2
    assert time_to_half_reach(G) is None


def test_no_reposts():
    G = nx.DiGraph(root=(1, 1))
    add_post(G, 1, 1, views=10, subscribers=None, date=T0, root=True)
    assert time_to_first_amplification(G) is None
    assert time_to_half_reach(G) == timedelta(0)
    assert amplification(G) == 0.0
    assert potential_reach(G) == 0
    assert cascade_metrics(G)["structural_virality"] is None


def test_potential_reach_unknown_earliest_subscribers_add_zero():
    G = reach_cascade()
    G.nodes[(2, 20)]["subscribers"] = None
    # channel 2 is taken from its earliest post, whose subscribers are unknown
    assert potential_reach(G) == 5000 + 900


# --- channel level -----------------------------------------------------------------------------


def test_err():
    assert err(2500, 10_000) == pytest.approx(0.25)
    assert err(0, 10) == 0.0
    assert err(None, 10) is None
    assert err(10, None) is None
    assert err(10, 0) is None
    assert err(float("nan"), 10) is None


def test_docstring_examples_run():
    result = doctest.testmod(metrics)
    assert result.attempted > 0
    assert result.failed == 0
