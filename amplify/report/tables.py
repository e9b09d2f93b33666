"""The rows of a report's tables: plain, unescaped values that the templates escape.

Numbers are formatted for reading, and kept raw for sorting (``data-sort`` in the index;
plain JSON numbers in the members rows, which ``assets/report.js`` formats).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from amplify.config import Narrative
from amplify.model import MEMBER_COLUMNS, Cascade
from amplify.report.escape import (
    channel_label,
    is_public_username,
    post_link,
    snippet,
    visible,
)

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
UNKNOWN = "–"
TEXT_LIMIT = 200
"""Characters of post text the members table shows (the CSV has it all)."""


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def count(value: Any) -> str:
    """``1,234`` or a dash for unknown."""
    return UNKNOWN if _missing(value) else f"{int(value):,}"


def number(value: Any, digits: int = 2, suffix: str = "") -> str:
    """A float with ``digits`` decimals, or a dash for unknown."""
    return UNKNOWN if _missing(value) else f"{float(value):,.{digits}f}{suffix}"


def duration(seconds: Any) -> str:
    """A duration for reading: ``45 s``, ``12 min``, ``3 h 05 min``, ``2 d 4 h``."""
    if _missing(seconds):
        return UNKNOWN
    seconds = int(round(float(seconds)))
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    if seconds < 60:
        return f"{sign}{seconds} s"
    if seconds < 3600:
        return f"{sign}{seconds // 60} min"
    if seconds < 86400:
        return f"{sign}{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{sign}{seconds // 86400} d {seconds % 86400 // 3600} h"


def when(value: Any) -> str:
    """A UTC time as text, or a dash for unknown."""
    return UNKNOWN if _missing(value) else pd.Timestamp(value).strftime(DATE_FORMAT)


def sort_key(value: Any) -> str:
    """A ``data-sort`` value: the number, or empty (sorted last) when unknown."""
    return "" if _missing(value) else repr(float(value))


def page_name(cascade: Cascade) -> str:
    """File stem of a cascade's page and CSV: ``<channel_id>-<message_id>``."""
    channel, message = cascade.root
    return f"{int(channel)}-{int(message)}"


def _root_label(cascade: Cascade) -> str:
    data = cascade.root_attributes
    return channel_label(data.get("username"), data.get("title"), cascade.root[0])


def top_amplifiers(cascade: Cascade, limit: int = 3) -> list[str]:
    """Names of the amplifying channels with the most views in the cascade."""
    members = cascade.members[cascade.members["channel_id"] != cascade.root[0]]
    if members.empty:
        return []
    views = members.assign(_v=members["views"].astype("Float64").fillna(0))
    ranked = (
        views.groupby("channel_id", sort=True)
        .agg(views=("_v", "sum"), username=("username", "first"), title=("title", "first"))
        .reset_index()
        .sort_values(["views", "channel_id"], ascending=[False, True])
        .head(limit)
    )
    return [
        channel_label(u, t, c)
        for u, t, c in zip(ranked["username"], ranked["title"], ranked["channel_id"], strict=True)
    ]


def index_row(cascade: Cascade, page: str) -> dict[str, Any]:
    """A cascade's row in the index table."""
    m, data = cascade.metrics, cascade.root_attributes
    return {
        "page": page,
        "channel": _root_label(cascade),
        "date": when(data.get("date")),
        "snippet": snippet(data.get("text"), 140),
        "size": m.get("size", cascade.size),
        "size_text": count(m.get("size", cascade.size)),
        "reach": sort_key(m.get("reach")),
        "reach_text": count(m.get("reach")),
        "amplification": sort_key(m.get("amplification")),
        "amplification_text": number(m.get("amplification"), 1, "×"),
        "depth": m.get("depth", ""),
        "virality": sort_key(m.get("structural_virality")),
        "virality_text": number(m.get("structural_virality")),
        "first": sort_key(m.get("time_to_first_amplification_s")),
        "first_text": duration(m.get("time_to_first_amplification_s")),
        "amplifiers": top_amplifiers(cascade),
        "link": post_link(data.get("username"), cascade.root[0], cascade.root[1]),
    }


def root_summary(cascade: Cascade) -> dict[str, Any]:
    """What the cascade page says about the root post."""
    data = cascade.root_attributes
    return {
        "channel": _root_label(cascade),
        "channel_id": int(cascade.root[0]),
        "subscribers": None if _missing(data.get("subscribers")) else count(data["subscribers"]),
        "date": when(data.get("date")),
        "views": count(data.get("views")),
        "link": post_link(data.get("username"), cascade.root[0], cascade.root[1]),
        "collected": bool(data.get("collected", True)),
        "snippet": snippet(data.get("text"), 600),
    }


def metric_items(cascade: Cascade) -> list[tuple[str, str]]:
    """The cascade's metrics as (name, value) pairs for reading."""
    m = cascade.metrics
    return [
        ("Posts (size)", count(m.get("size"))),
        ("Amplifying channels", count(m.get("amplifiers"))),
        ("Reach (views)", count(m.get("reach"))),
        ("Root views", count(m.get("root_views"))),
        ("Amplification", number(m.get("amplification"), 2, "×")),
        ("Potential reach (subscribers)", count(m.get("potential_reach"))),
        ("Depth", count(m.get("depth"))),
        ("Max breadth", count(m.get("max_breadth"))),
        ("Structural virality", number(m.get("structural_virality"), 3)),
        ("First amplification after", duration(m.get("time_to_first_amplification_s"))),
        ("Half of reach published after", duration(m.get("time_to_half_reach_s"))),
        ("Amplifications in 1 h", count(m.get("amplifications_1h"))),
        ("Amplifications in 24 h", count(m.get("amplifications_24h"))),
        ("Posts without views", count(m.get("views_unknown"))),
        ("Tree", str(m.get("tree", "star"))),
    ]


MEMBER_FIELDS: tuple[str, ...] = (
    "channel",
    "date",
    "views",
    "subscribers",
    "kind",
    "depth",
    "text",
    "message_id",
    "is_root",
    "same_as_root",
)
"""Fields of a members row, in order (``assets/report.js`` reads them so); ``channel``
indexes the ``channels`` list of :func:`member_rows`."""


def member_rows(cascade: Cascade, text_limit: int = TEXT_LIMIT) -> dict[str, list]:
    """The members table as compact JSON-ready lists, root first.

    ``{"channels": [[label, channel_id, username], ...], "rows": [[...], ...]}``, each
    row holding :data:`MEMBER_FIELDS`; a channel is listed once however many posts it
    has. ``assets/report.js`` turns them into table cells with ``textContent`` (never
    as HTML). Unknown numbers are None. ``username`` is given only when it is a valid
    public username: the script builds the t.me link from it or from the channel id,
    as :func:`~amplify.report.escape.post_link` does. The text is a display snippet
    of ``text_limit`` characters, empty with ``same_as_root`` = 1 when identical to
    the root's (an unmodified forward).
    """
    channels: dict[int, int] = {}
    listed: list[list[Any]] = []
    rows: list[list[Any]] = []
    root_text = cascade.root_attributes.get("text")
    for record in cascade.members.to_dict("records"):
        channel = int(record["channel_id"])
        if channel not in channels:
            channels[channel] = len(listed)
            username = record["username"]
            listed.append(
                [
                    channel_label(username, record["title"], channel),
                    channel,
                    username if is_public_username(username) else None,
                ]
            )
        text = record["text"]
        same = not record["is_root"] and isinstance(text, str) and bool(text) and text == root_text
        rows.append(
            [
                channels[channel],
                when(record["date"]),
                None if _missing(record["views"]) else int(record["views"]),
                None if _missing(record["subscribers"]) else int(record["subscribers"]),
                "root" if record["is_root"] else (record["kinds"] or UNKNOWN),
                None if _missing(record["depth"]) else int(record["depth"]),
                "" if same else snippet(text, text_limit),
                int(record["message_id"]),
                int(bool(record["is_root"])),
                int(same),
            ]
        )
    return {"channels": listed, "rows": rows}


def members_csv_frame(cascade: Cascade) -> pd.DataFrame:
    """The members table for CSV: :data:`~amplify.model.MEMBER_COLUMNS`, validated links."""
    frame = cascade.members.loc[:, list(MEMBER_COLUMNS)].copy()
    frame["date"] = [None if _missing(d) else pd.Timestamp(d).isoformat() for d in frame["date"]]
    frame["url"] = [
        post_link(u, c, m)
        for u, c, m in zip(frame["username"], frame["channel_id"], frame["message_id"], strict=True)
    ]
    return frame


def narrative_summary(narrative: Narrative | None) -> dict[str, Any] | None:
    """Title, description, window and rules of a narrative, for the index."""
    if narrative is None:
        return None
    since = when(narrative.since) if narrative.since else "the beginning"
    until = when(narrative.until) if narrative.until else "now"
    return {  # rules may hold text pasted from Telegram: show no invisible characters
        "title": visible(narrative.title),
        "description": visible(narrative.description) if narrative.description else None,
        "window": f"{since} to {until} (UTC)",
        "keywords": [visible(k) for k in narrative.keywords],
        "patterns": [visible(p) for p in narrative.patterns],
        "seeds": [visible(s) for s in narrative.seeds],
    }
