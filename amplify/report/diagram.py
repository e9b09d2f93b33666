"""The cascade diagram: posts on a time axis, one lane per channel, edges by kind.

No layout algorithm: x is the publication time, y the channel's lane, so the figure is
O(n) in posts and a 10,000-post cascade draws in seconds.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from amplify.model import EDGE_KINDS, Cascade
from amplify.report.escape import channel_label, hover_text
from amplify.report.style import KIND_COLOURS, ROOT_COLOUR, count_text, layout, time_labels

__all__ = ["cascade_diagram"]

DIAGRAM_HOVER = (
    "<b>%{customdata[0]}</b><br>views: %{customdata[1]}"
    "<br>%{x|%Y-%m-%d %H:%M:%S} UTC · KIND<extra></extra>"
)


def _lanes(posts: pd.DataFrame) -> dict[int, int]:
    """Lane of each channel: 0 for the root's, then by first appearance."""
    lanes: dict[int, int] = {}
    for channel in posts["channel_id"]:
        lanes.setdefault(int(channel), len(lanes))
    return lanes


def cascade_diagram(cascade: Cascade) -> go.Figure:
    """The cascade on a time axis: one lane per channel, edges coloured by kind.

    Posts sit at x = publication time and y = their channel's lane (channels in order
    of first appearance, the root's on top); marker size grows with views. All edges
    of one kind are one trace, so thousands of posts stay light. Undated posts are
    left out.
    """
    posts = cascade.members[cascade.members["date"].notna()].copy()
    lanes = _lanes(posts)
    posts["_x"] = time_labels(posts["date"])
    posts["_y"] = posts["channel_id"].map(lambda c: lanes[int(c)])
    posts["label"] = [
        channel_label(u, t, c)
        for u, t, c in zip(posts["username"], posts["title"], posts["channel_id"], strict=True)
    ]
    where = {
        (int(c), int(m)): (x, y)
        for c, m, x, y in zip(
            posts["channel_id"], posts["message_id"], posts["_x"], posts["_y"], strict=True
        )
    }
    fig = go.Figure()
    edges: dict[str, tuple[list, list]] = {}
    for parent, child, data in sorted(cascade.graph.edges(data=True), key=lambda e: e[1]):
        if parent in where and child in where:
            xs, ys = edges.setdefault(data.get("kind") or "unknown", ([], []))
            xs.extend([where[parent][0], where[child][0], None])
            ys.extend([where[parent][1], where[child][1], None])
    for kind in [*EDGE_KINDS, *sorted(set(edges) - set(EDGE_KINDS))]:
        if kind in edges:
            fig.add_trace(
                go.Scatter(
                    x=edges[kind][0],
                    y=edges[kind][1],
                    mode="lines",
                    name=f"{hover_text(kind)} edges",
                    line={"width": 1, "color": KIND_COLOURS.get(kind, "#7f7f7f")},
                    opacity=0.5,
                    hoverinfo="skip",
                )
            )
    views = posts["views"].astype("Float64")
    top = float(views.max()) if views.notna().any() and views.max() > 0 else 1.0
    posts["_size"] = [
        4.0 if pd.isna(v) else round(5 + 25 * math.sqrt(float(v) / top), 1) for v in views
    ]
    posts["_kind"] = [
        "root" if r else (k or "unknown")
        for r, k in zip(posts["is_root"], posts["kind"], strict=True)
    ]
    for kind in ["root", *EDGE_KINDS, *sorted(set(posts["_kind"]) - {"root", *EDGE_KINDS})]:
        rows = posts[posts["_kind"] == kind]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=list(rows["_x"]),
                y=list(rows["_y"]),
                mode="markers",
                name="root post" if kind == "root" else f"{hover_text(kind)} posts",
                marker={
                    "size": list(rows["_size"]) if kind != "root" else 16,
                    "color": KIND_COLOURS.get(kind, ROOT_COLOUR),
                    "symbol": "star" if kind == "root" else "circle",
                    "line": {"width": 0.5, "color": "#ffffff"},
                },
                customdata=[
                    [hover_text(label), count_text(v)]
                    for label, v in zip(rows["label"], rows["views"], strict=True)
                ],
                hovertemplate=DIAGRAM_HOVER.replace("KIND", hover_text(kind)),
            )
        )
    names = {
        lane: hover_text(label) for label, lane in zip(posts["label"], posts["_y"], strict=True)
    }
    ticks = sorted(names) if len(names) <= 60 else []
    left_out = len(cascade.members) - len(posts)
    title = f"Cascade on a time axis ({cascade.graph.graph.get('tree', 'star')} tree" + (
        f"; {left_out} undated posts not drawn)" if left_out else ")"
    )
    return layout(
        fig,
        title,
        height=int(min(1600, max(360, 120 + 22 * len(lanes)))),
        xaxis_title="time (UTC)",
        yaxis={
            "autorange": "reversed",
            "tickvals": ticks,
            "ticktext": [names[t] for t in ticks],
            "showticklabels": bool(ticks),
            "title": {"text": f"channels ({len(lanes)} lanes, by first appearance)"},
            "automargin": True,
            "zeroline": False,
        },
    )
