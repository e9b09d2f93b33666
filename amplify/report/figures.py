"""The figures of a report, each a ``plotly.graph_objects.Figure`` usable in a notebook.

Every string placed in a figure (hover labels, tick labels, titles) is escaped with
:func:`~amplify.report.escape.hover_text`, because plotly.js reads some HTML in them.
Nothing here is O(n²) in the number of posts: the cascade diagram puts posts on a time
axis, one lane per channel, and draws all edges of one kind as a single trace.

Examples
--------
>>> from amplify.report import figures
>>> fig = figures.reach_chart(cascade)  # doctest: +SKIP
>>> fig.show()  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from amplify.model import Cascade
from amplify.report.data import POST_HOVER, distinct_posts, post_customdata, view_curve
from amplify.report.diagram import cascade_diagram
from amplify.report.escape import hover_text
from amplify.report.network_figure import network_chart
from amplify.report.style import PALETTE, ROOT_COLOUR, layout, time_labels

__all__ = ["amplifier_chart", "cascade_diagram", "network_chart", "reach_chart"]

TOP_CHANNELS = 10
"""Amplifying channels the reach chart colours one by one (the rest: "other channels")."""


def _channel_groups(posts: pd.DataFrame, top: int) -> pd.Series:
    """The colour group of each post: the root, a top amplifier's label, or "others"."""
    root_channel = posts.loc[posts["is_root"], "channel_id"].iloc[0]
    amplifiers = posts[posts["channel_id"] != root_channel]
    views = amplifiers.groupby("channel_id")["views"].sum().sort_values(ascending=False)
    ranked = sorted(views.items(), key=lambda item: (-int(item[1]), item[0]))[:top]
    named = {channel for channel, _ in ranked}
    return posts["channel_id"].map(
        lambda c: "root channel" if c == root_channel else (c if c in named else "others")
    )


def reach_chart(cascade: Cascade, post_stats: pd.DataFrame | None = None) -> go.Figure:
    """View-weighted reach over time: cumulative views of the cascade's posts.

    The line adds each post's views at its publication time; where ``post_stats`` (from
    :meth:`amplify.store.Store.post_stats_frame`) holds repeated observations of a post,
    its real view curve is used instead. Markers show each post, coloured by amplifying
    channel (the top ten by views, the rest as "other channels"); a star marks the root.
    The curve ends at the cascade's reach (:func:`amplify.metrics.view_weighted_reach`)
    when every post is dated.

    Parameters
    ----------
    cascade : Cascade
    post_stats : pandas.DataFrame, optional
        Observations of post counters (``channel_id``, ``message_id``, ``observed_at``,
        ``views``).
    """
    posts = distinct_posts(cascade)
    curve = view_curve(posts, post_stats)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=curve.x,
            y=curve.y,
            mode="lines",
            line={"shape": "hv" if curve.step else "linear", "color": "#444444", "width": 2},
            name="cumulative views",
            hoverinfo="x+y",
        )
    )
    dated = posts[posts["date"].notna()].copy()
    root_text = posts.loc[posts["is_root"], "text"].iloc[0]
    dated["_x"] = time_labels(dated["date"])
    dated["_y"] = dated["_x"].map(curve.at)
    dated["_group"] = _channel_groups(dated, TOP_CHANNELS) if len(dated) else []
    groups = [g for g in dated["_group"].unique() if g not in ("root channel", "others")]
    order = ["root channel", *groups, "others"]
    for index, group in enumerate(order):
        rows = dated[(dated["_group"] == group) & ~dated["is_root"]]
        if rows.empty:
            continue
        name = group if isinstance(group, str) else hover_text(rows["label"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=list(rows["_x"]),
                y=list(rows["_y"]),
                mode="markers",
                name="other channels" if group == "others" else name,
                marker={"size": 7, "color": PALETTE[index % len(PALETTE)]},
                customdata=[post_customdata(row, root_text) for _, row in rows.iterrows()],
                hovertemplate=POST_HOVER,
            )
        )
    root = dated[dated["is_root"]]
    if not root.empty:
        fig.add_trace(
            go.Scatter(
                x=list(root["_x"]),
                y=list(root["_y"]),
                mode="markers",
                name="root post",
                marker={"symbol": "star", "size": 16, "color": ROOT_COLOUR},
                customdata=[post_customdata(row, root_text) for _, row in root.iterrows()],
                hovertemplate=POST_HOVER,
            )
        )
    notes = []
    if curve.observed:
        notes.append(f"{curve.observed} posts follow repeated view observations")
    if len(dated) < len(posts):
        notes.append(f"{len(posts) - len(dated)} undated posts not drawn")
    title = "View-weighted reach: cumulative views over time" + (
        f" ({'; '.join(notes)})" if notes else ""
    )
    return layout(
        fig,
        title,
        xaxis_title="time (UTC)",
        yaxis={"title": {"text": "cumulative views"}, "rangemode": "tozero"},
    )


def _amplifier_table(cascade: Cascade) -> pd.DataFrame:
    posts = distinct_posts(cascade)
    root_channel = cascade.root[0]
    amplifiers = posts[posts["channel_id"] != root_channel]
    table = amplifiers.groupby("channel_id", sort=True).agg(
        label=("label", "first"),
        views=("views", lambda v: int(v.sum())),
        known=("views", "count"),
        subscribers=("subscribers", "first"),
        posts=("message_id", "size"),
    )
    table = table.reset_index().sort_values(["views", "channel_id"], ascending=[False, True])
    duplicated = table["label"].duplicated(keep=False)
    table.loc[duplicated, "label"] = [
        f"{label} ({channel})"
        for label, channel in zip(
            table.loc[duplicated, "label"], table.loc[duplicated, "channel_id"], strict=True
        )
    ]
    return table.reset_index(drop=True)


def amplifier_chart(cascade: Cascade, limit: int = 30) -> go.Figure:
    """Views per amplifying channel, with its subscribers, sorted by views.

    An amplifying channel is any channel but the root's; its views are the sum over its
    posts in the cascade (albums once). Shows the ``limit`` channels with the most views.
    """
    table = _amplifier_table(cascade)
    shown = table.head(limit).iloc[::-1]
    labels = [hover_text(label) for label in shown["label"]]
    subscribers = [None if pd.isna(s) else int(s) for s in shown["subscribers"]]
    hover = [
        f"<b>{label}</b><br>views: {f'{views:,}' if known else 'unknown'}<br>subscribers: "
        f"{'unknown' if subs is None else f'{subs:,}'}<br>posts: {count}"
        for label, views, known, subs, count in zip(
            labels, shown["views"], shown["known"], subscribers, shown["posts"], strict=True
        )
    ]
    fig = go.Figure()
    for name, values, colour in (
        ("views in this cascade", list(shown["views"]), "#1f77b4"),
        ("subscribers", subscribers, "#bbbbbb"),
    ):
        fig.add_trace(
            go.Bar(
                x=values,
                y=labels,
                orientation="h",
                name=name,
                marker={"color": colour},
                hovertext=hover,
                hoverinfo="text",
            )
        )
    more = f" (top {limit} of {len(table)})" if len(table) > limit else ""
    return layout(
        fig,
        f"Amplifying channels{more}: views and subscribers",
        barmode="group",
        height=max(320, 60 + 36 * len(shown)),
        xaxis_title="views / subscribers",
        yaxis={"automargin": True, "type": "category"},
    )
