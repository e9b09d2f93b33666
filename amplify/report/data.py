"""The posts of a cascade as a report shows them, and its view curve over time.

Like :mod:`amplify.metrics`, a report counts distinct posts: the messages of one album
(same channel and ``grouped_id``) are one post with their largest view count and their
earliest date, so the curves and bars add up to the metrics' view-weighted reach.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd

from amplify.model import Cascade
from amplify.report.escape import channel_label, hover_text, snippet
from amplify.report.style import TIME_FORMAT, count_text


def distinct_posts(cascade: Cascade) -> pd.DataFrame:
    """One row per distinct post (albums once), root first, then by date.

    Columns are those of ``cascade.members`` plus ``label`` (how the channel is named)
    and ``views``/``date`` merged over an album. The row of an album is its message with
    the most views (the one :func:`amplify.metrics.view_weighted_reach` counts).
    """
    members = cascade.members.copy()
    album = members["grouped_id"]
    members["_group"] = [
        f"a{c}:{g}" if pd.notna(g) else f"p{c}:{m}"
        for c, g, m in zip(members["channel_id"], album, members["message_id"], strict=True)
    ]
    members["_order"] = range(len(members))
    members["_views"] = members["views"].astype("Float64").fillna(-1.0)
    best = members.sort_values(["_group", "_views", "_order"], ascending=[True, False, True])
    rows = best.drop_duplicates("_group").set_index("_group")
    grouped = members.groupby("_group", sort=True)
    rows["views"] = grouped["views"].max().astype("Int64")
    rows["date"] = grouped["date"].min()
    rows["is_root"] = grouped["is_root"].any()
    rows["label"] = [
        channel_label(u, t, c)
        for u, t, c in zip(rows["username"], rows["title"], rows["channel_id"], strict=True)
    ]
    rows = rows.assign(_not_root=~rows["is_root"]).sort_values(
        ["_not_root", "date", "channel_id", "message_id"], na_position="last", kind="stable"
    )
    return rows.drop(columns=["_not_root", "_order", "_views"]).reset_index(drop=True)


SAME_AS_ROOT = "(same text as the root)"

_WHEN = "%{x|%Y-%m-%d %H:%M:%S} UTC"
POST_HOVER = (
    "<b>%{customdata[0]}</b><br>subscribers: %{customdata[1]}<br>views: %{customdata[2]}"
    f"<br>{_WHEN} · %{{customdata[3]}}<br>%{{customdata[4]}}<extra></extra>"
)
"""Hover template of a post: channel, subscribers, views, time, kind, text snippet."""


def post_customdata(row: pd.Series, root_text: object, *, text_limit: int = 160) -> list[str]:
    """The values :data:`POST_HOVER` shows for a post, each escaped for plotly.js.

    ``[channel, subscribers, views, kind, snippet]`` (the time is the point's x). The
    snippet is cut to ``text_limit`` characters and wrapped with ``<br>``; a text
    identical to the root's (an unmodified forward) says so instead of repeating it. Hover values go into
    ``customdata`` and one template per trace, not one label string per post, which
    keeps a 10,000-post figure light.
    """
    kind = "root" if row["is_root"] else (row["kind"] or "")
    text = row["text"]
    if not row["is_root"] and isinstance(text, str) and text and text == root_text:
        shown = SAME_AS_ROOT
    else:
        lines = textwrap.wrap(snippet(text, text_limit), 60)
        shown = "<br>".join(hover_text(line) for line in lines)
    return [
        hover_text(row["label"]),
        count_text(row["subscribers"]),
        count_text(row["views"]),
        hover_text(kind),
        shown,
    ]


@dataclass(frozen=True)
class ViewCurve:
    """Cumulative views of a cascade's posts over time.

    ``x`` (times, :data:`TIME_FORMAT`) and ``y`` (views) draw the curve; ``at`` gives
    the value just after each time in ``x``; ``observed`` counts the posts whose views
    follow their repeated observations in ``post_stats`` rather than a step at publication.
    """

    x: list[str]
    y: list[int]
    at: dict[str, int]
    step: bool
    observed: int


def _trajectories(posts: pd.DataFrame, post_stats: pd.DataFrame | None) -> dict:
    if post_stats is None or post_stats.empty:
        return {}
    stats = post_stats.dropna(subset=["views", "observed_at"])
    keys = set(zip(posts["channel_id"], posts["message_id"], strict=True))
    found: dict[tuple[int, int], list[tuple[pd.Timestamp, int]]] = {}
    for (channel, message), frame in stats.groupby(["channel_id", "message_id"], sort=True):
        if (channel, message) in keys and len(frame) >= 2:
            observed = pd.to_datetime(frame["observed_at"], utc=True)
            found[(channel, message)] = sorted(
                zip(observed, frame["views"].astype(int), strict=True)
            )
    return found


def view_curve(posts: pd.DataFrame, post_stats: pd.DataFrame | None = None) -> ViewCurve:
    """The cumulative views of ``posts`` (from :func:`distinct_posts`) over time.

    A post adds its views at its publication time (a step), unless ``post_stats`` holds
    two or more observations of it: then its views grow from 0 at publication through
    each observation (linear in between) and stay at the last one. Undated posts are
    left out of the curve.
    """
    events: dict[pd.Timestamp, list[float]] = {}  # time -> [jump, change of slope]
    trajectories = _trajectories(posts, post_stats)
    dated = posts[posts["date"].notna()]
    for channel, message, date, views in zip(
        dated["channel_id"], dated["message_id"], dated["date"], dated["views"], strict=True
    ):
        points = [(date, 0)] + [p for p in trajectories.get((channel, message), []) if p[0] >= date]
        if len(points) == 1:
            events.setdefault(date, [0.0, 0.0])[0] += 0 if pd.isna(views) else int(views)
            continue
        for (a, va), (b, vb) in zip(points, points[1:], strict=False):
            seconds = (b - a).total_seconds()
            if seconds == 0:
                events.setdefault(a, [0.0, 0.0])[0] += vb - va
            else:
                events.setdefault(a, [0.0, 0.0])[1] += (vb - va) / seconds
                events.setdefault(b, [0.0, 0.0])[1] -= (vb - va) / seconds
    step = not any(delta for _, delta in events.values())
    x: list[str] = []
    y: list[int] = []
    at: dict[str, int] = {}
    value = slope = 0.0
    previous = None
    for time in sorted(events):
        jump, delta = events[time]
        if previous is not None:
            value += slope * (time - previous).total_seconds()
        label = time.strftime(TIME_FORMAT)
        if not step and jump and x:
            x.append(label)
            y.append(round(value))
        value += jump
        slope += delta
        previous = time
        x.append(label)
        y.append(round(value))
        at[label] = round(value)
    observed = sum(1 for key in trajectories)
    return ViewCurve(x=x, y=y, at=at, step=step, observed=observed)
