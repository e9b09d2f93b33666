"""What a store holds, in a form a person can read (``amplify status``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from amplify.store import Store, redact_url


def _iso(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def store_summary(store: Store, *, runs: int = 10) -> dict[str, Any]:
    """Row counts, one line per channel and the most recent runs.

    Returns
    -------
    dict
        ``database`` (URL without password), ``counts`` (rows per table),
        ``channels`` (list of dicts: channel, title, posts, subscribers, last post,
        last collected) and ``runs`` (the newest ``runs`` runs).
    """
    channels = store.channels_frame()
    posts = store.posts_frame(columns=["channel_id", "date"])
    per_channel = posts.groupby("channel_id")["date"].agg(["count", "max"])
    rows = []
    for channel in channels.itertuples(index=False):
        stats = (
            per_channel.loc[channel.channel_id] if channel.channel_id in per_channel.index else None
        )
        rows.append(
            {
                "channel": f"@{channel.username}" if channel.username else str(channel.channel_id),
                "title": channel.title,
                "posts": int(stats["count"]) if stats is not None else 0,
                "subscribers": None if pd.isna(channel.subscribers) else int(channel.subscribers),
                "last_post": _iso(stats["max"]) if stats is not None else None,
                "last_collected": _iso(channel.last_collected),
            }
        )
    recent = store.runs_frame().tail(runs).iloc[::-1]
    return {
        "database": redact_url(store.url),
        "counts": store.counts(),
        "channels": rows,
        "runs": [
            {
                "run": int(run.run_id),
                "kind": run.kind,
                "started": _iso(run.started_at),
                "status": run.status,
                "counts": run.counts,
            }
            for run in recent.itertuples(index=False)
        ],
    }
