"""Structural virality in O(n) next to networkx's O(n²) Wiener index (same run).

:func:`amplify.metrics.structural_virality` sums s·(n − s) over the edges of the tree
(s = nodes below the edge). ``networkx.wiener_index`` sums all pairwise shortest paths,
O(n²) on a tree. Both run on the same seeded random tree of ``baseline_nodes`` nodes
(and must agree there); amplify alone also runs on a ``nodes``-node tree and a
``nodes``-node star (the shape forward cascades have), where networkx would take
about (nodes / baseline_nodes)² times its small-tree time.

Run: ``python -m benchmarks.virality --nodes 100000 --baseline-nodes 2000``.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import networkx as nx


def random_tree(n: int, seed: int = 0) -> nx.DiGraph:
    """A random recursive tree: node i hangs off a uniformly chosen earlier node."""
    rng = random.Random(seed)
    graph = nx.DiGraph(root=0)
    graph.add_node(0)
    graph.add_edges_from((rng.randrange(i), i) for i in range(1, n))
    return graph


def star(n: int) -> nx.DiGraph:
    """A root and ``n - 1`` direct amplifiers."""
    graph = nx.DiGraph(root=0)
    graph.add_edges_from((0, i) for i in range(1, n))
    return graph


def _timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def run(nodes: int = 100_000, baseline_nodes: int = 2_000, seed: int = 0) -> dict:
    """Time both on the small tree, amplify on the large tree and star."""
    from amplify.metrics import structural_virality, tree_wiener_index

    small = random_tree(baseline_nodes, seed)
    ours_small, ours_small_s = _timed(tree_wiener_index, small)
    theirs_small, theirs_small_s = _timed(nx.wiener_index, small.to_undirected(as_view=True))
    large = random_tree(nodes, seed)
    nu_large, large_s = _timed(structural_virality, large)
    nu_star, star_s = _timed(structural_virality, star(nodes))
    extrapolated = theirs_small_s * (nodes / baseline_nodes) ** 2
    return {
        "nodes": nodes,
        "baseline_nodes": baseline_nodes,
        "amplify_seconds": large_s,
        "amplify_star_seconds": star_s,
        "virality": nu_large,
        "virality_star": nu_star,
        "star_closed_form": 2 * (nodes - 1) / nodes,
        "star_matches_closed_form": abs(nu_star - 2 * (nodes - 1) / nodes) < 1e-9,
        "baseline_seconds": theirs_small_s,
        "amplify_seconds_on_baseline_tree": ours_small_s,
        "wiener_agrees": int(round(theirs_small)) == ours_small,
        "speedup_on_baseline_tree": theirs_small_s / ours_small_s,
        "networkx_extrapolated_seconds_at_nodes": extrapolated,
        "ratio_extrapolated_to_amplify": extrapolated / large_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--baseline-nodes", type=int, default=2_000)
    args = parser.parse_args()
    print(json.dumps(run(args.nodes, args.baseline_nodes), indent=2))


if __name__ == "__main__":
    main()
