"""What a cascade's graph says about each post: the node attributes of the graph contract.

For stored posts: date, views, text (an album's caption for any of its messages),
``grouped_id``. For roots outside the collection: the forward headers' date and name
(``fwd_date``, ``fwd_name`` as the title when the channel is not stored), no views and
no text. For every post: the channel's username and title, and **subscribers at posting
time**: the channel's snapshot nearest before the post (``pd.merge_asof``), else the
earliest after it, else unknown (also for undated posts).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from amplify.edges import POST

__all__ = ["node_records", "post_attributes"]


def post_attributes(
    posts: pd.DataFrame, channels: pd.DataFrame, stats: pd.DataFrame, keys
) -> pd.DataFrame:
    """Attributes of the posts named by `keys` (a frame of channel_id, message_id).

    Returns one row per distinct key: ``channel_id, message_id, date, views, text,
    grouped_id, collected, username, title, subscribers``.
    """
    keys = keys.drop_duplicates().reset_index(drop=True)
    stored = posts[POST + ["date", "views", "text", "grouped_id"]]
    nodes = keys.merge(stored, on=POST, how="left", indicator=True)
    nodes["collected"] = nodes.pop("_merge").eq("both").to_numpy()
    captions = posts.dropna(subset=["grouped_id", "text"]).sort_values("message_id")
    captions = captions.drop_duplicates(["channel_id", "grouped_id"])[
        ["channel_id", "grouped_id", "text"]
    ]
    nodes = nodes.merge(captions.rename(columns={"text": "_caption"}), how="left")
    nodes["text"] = nodes["text"].fillna(nodes.pop("_caption"))  # an album's caption
    fwd = posts[posts["is_forward"]].sort_values("date", kind="stable")
    headers = (
        fwd.assign(channel_id=fwd["fwd_channel_id"].astype("int64"))
        .assign(message_id=fwd["fwd_message_id"].astype("int64"))
        .groupby(POST)
        .agg(_fwd_date=("fwd_date", "min"), _fwd_name=("fwd_name", "first"))
        .reset_index()
    )
    nodes = nodes.merge(headers, on=POST, how="left")
    nodes["date"] = nodes["date"].fillna(nodes.pop("_fwd_date"))
    names = channels[["channel_id", "username", "title"]].drop_duplicates("channel_id")
    nodes = nodes.merge(names, on="channel_id", how="left")
    nodes["title"] = nodes["title"].fillna(nodes.pop("_fwd_name"))
    nodes["subscribers"] = _subscribers_at(nodes, stats)
    return nodes


def _subscribers_at(nodes: pd.DataFrame, stats: pd.DataFrame) -> pd.Series:
    result = pd.Series(pd.NA, index=nodes.index, dtype="Int64")
    stats = stats.dropna(subset=["subscribers"])
    dated = nodes[nodes["date"].notna()]
    if stats.empty or dated.empty:
        return result
    snaps = pd.DataFrame(
        {
            "channel_id": stats["channel_id"].astype("int64"),
            "observed_at": pd.to_datetime(stats["observed_at"], utc=True).astype(
                "datetime64[ns, UTC]"
            ),
            "subscribers": pd.to_numeric(stats["subscribers"]).astype("Int64"),
        }
    ).sort_values("observed_at")
    left = pd.DataFrame(
        {"row": dated.index, "channel_id": dated["channel_id"], "on": dated["date"]}
    )
    left = left.sort_values("on")
    found = {}
    for direction in ("backward", "forward"):
        found[direction] = pd.merge_asof(
            left,
            snaps,
            left_on="on",
            right_on="observed_at",
            by="channel_id",
            direction=direction,
        ).set_index("row")["subscribers"]
    result.loc[found["backward"].index] = found["backward"].fillna(found["forward"])
    return result


def node_records(nodes: pd.DataFrame) -> dict[tuple[int, int], dict[str, Any]]:
    """Node attributes as plain Python values (None for unknown), keyed by post."""
    columns = ["username", "title", "views", "subscribers", "grouped_id", "text"]
    plain = nodes[columns].astype(object).where(nodes[columns].notna(), None)
    values = [plain[c].tolist() for c in columns]  # column lists: no per-row dict from pandas
    aware = pd.to_datetime(nodes["date"], utc=True)  # also when every date is missing
    dates = [None if d is pd.NaT else d for d in aware.dt.to_pydatetime()]
    keys = zip(nodes["channel_id"].tolist(), nodes["message_id"].tolist(), strict=True)
    out = {}
    for key, date, collected, *row in zip(
        keys, dates, nodes["collected"].tolist(), *values, strict=True
    ):
        out[key] = {"channel_id": key[0], "message_id": key[1], "date": date}
        out[key].update(zip(columns, row, strict=True))
        out[key]["collected"] = bool(collected)
    return out
