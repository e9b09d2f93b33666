"""The channel network figure (a graph from :mod:`amplify.network`)."""

from __future__ import annotations

import math
from collections.abc import Hashable

import networkx as nx
import plotly.graph_objects as go

from amplify.report.escape import channel_label, hover_text
from amplify.report.style import count_text, layout

__all__ = ["network_chart"]

LABELLED = 60
"""Up to this many channels, each is named beside its marker (beyond: in hover only)."""


def _node_label(node: Hashable, data: dict) -> str:
    channel = data.get("channel_id", node if isinstance(node, int) else 0)
    if data.get("username") or data.get("title"):
        return channel_label(data.get("username"), data.get("title"), channel)
    return str(node)


def network_chart(graph: nx.Graph, *, seed: int = 0) -> go.Figure:
    """A channel network (e.g. from :mod:`amplify.network`): channels and their ties.

    A spring layout (fixed ``seed``: the same graph draws the same way) up to 400
    channels, a circle beyond. Node size grows with the channel's weighted degree
    (``weight``: amplifying posts, given and received); hover shows it with the
    channel's ``subscribers``.
    """
    nodes = sorted(graph.nodes, key=str)
    if len(nodes) <= 400:
        ordered = nx.Graph()
        ordered.add_nodes_from(nodes)
        ordered.add_edges_from(sorted(graph.to_undirected().edges, key=str))
        position = nx.spring_layout(ordered, seed=seed) if nodes else {}
    else:
        position = nx.circular_layout(nodes)
    where = {n: (round(float(position[n][0]), 4), round(float(position[n][1]), 4)) for n in nodes}
    xs: list = []
    ys: list = []
    for u, v in sorted(graph.edges, key=str):
        xs.extend([where[u][0], where[v][0], None])
        ys.extend([where[u][1], where[v][1], None])
    strength = dict.fromkeys(nodes, 0)
    for u, v, data in graph.edges(data=True):
        weight = data.get("weight")
        weight = weight if isinstance(weight, int | float) and weight > 0 else 1
        strength[u] += weight
        strength[v] += weight
    top = max(strength.values(), default=1) or 1
    labels = [hover_text(_node_label(n, graph.nodes[n])) for n in nodes]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            name="ties",
            line={"width": 0.6, "color": "#999999"},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[where[n][0] for n in nodes],
            y=[where[n][1] for n in nodes],
            mode="markers+text" if len(nodes) <= LABELLED else "markers",
            text=labels if len(nodes) <= LABELLED else None,
            textposition="top center",
            textfont={"size": 11},
            name="channels",
            marker={
                "size": [round(6 + 20 * math.sqrt(strength[n] / top), 2) for n in nodes],
                "color": "#1f77b4",
            },
            hovertext=[
                f"<b>{label}</b><br>subscribers: {count_text(graph.nodes[n].get('subscribers'))}"
                f"<br>amplified posts, given and received: {strength[n]:,}"
                for label, n in zip(labels, nodes, strict=True)
            ],
            hoverinfo="text",
        )
    )
    return layout(
        fig,
        f"Channel network ({graph.number_of_nodes()} channels, {graph.number_of_edges()} ties)",
        height=640,
        xaxis={"visible": False},
        yaxis={"visible": False},
        showlegend=False,
    )
