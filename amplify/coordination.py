"""Co-amplification: channels that repeatedly amplify the same roots within seconds.

Two channels *co-amplify* a root when both amplify it (any edge kind; the root's own
channel does not count) and their first amplifying posts are at most ``window`` apart.
The weight of a channel pair is the number of roots they co-amplified. Any two channels
may do it once by chance; doing it repeatedly is the signal, so pairs whose weight is
above the chosen percentile of all pair weights are flagged.

This is the coordinated link sharing approach of CooRnet, with a Telegram root post in
place of a shared URL and a fixed window in place of the estimated coordination
interval.

References
----------
Giglietto, F., Righetti, N., Rossi, L. & Marino, G. (2020). It takes a village to
manipulate the media: coordinated link sharing behavior during 2018 and 2019 Italian
elections. Information, Communication & Society 23(6), 867-891.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from amplify.cascades import cascade_edges
from amplify.config import Config, Narrative
from amplify.edges import KINDS
from amplify.errors import UsageError
from amplify.store import Store

__all__ = ["co_amplification", "parse_window"]

COLUMNS = [
    "channel_a",
    "channel_b",
    "username_a",
    "username_b",
    "weight",
    "flagged",
    "median_gap_s",
    "roots",
]


def parse_window(window: str | timedelta | pd.Timedelta) -> pd.Timedelta:
    """A window as ``"60s"``, ``"5min"``, ``"2h"`` or a timedelta; must be >= 0.

    Examples
    --------
    >>> parse_window("90s").total_seconds()
    90.0
    """
    try:
        value = pd.Timedelta(window)
    except (ValueError, TypeError):
        value = None
    if value is None or pd.isna(value) or value < pd.Timedelta(0):
        raise UsageError(f"window {window!r} is not a duration; write e.g. 60s, 5min or 1h")
    return value


def _seconds(window: pd.Timedelta) -> str:
    return f"{window.total_seconds():g}s"


def _pairs(first: pd.DataFrame, window: pd.Timedelta) -> pd.DataFrame:
    """Channel pairs whose first posts on one root are at most `window` apart.

    Sorted by (root, time), each post pairs with the later posts of its root up to
    ``time + window`` (found with searchsorted): output-sized work, no all-pairs join.
    To search all roots at once, time is compressed: a gap longer than the window (or
    between two roots) becomes window + 1 µs, which keeps every pair's "within the
    window" answer and keeps the numbers small.
    """
    first = first.sort_values(["root", "date", "channel_id"], kind="stable").reset_index(drop=True)
    root = first["root"].to_numpy()
    t = first["date"].astype("datetime64[us, UTC]").astype("int64").to_numpy()
    width = int(window / pd.Timedelta(microseconds=1))
    gaps = np.diff(t, prepend=t[:1])
    gaps[np.r_[True, root[1:] != root[:-1]] | (gaps > width)] = width + 1
    key = np.cumsum(gaps)
    hi = np.searchsorted(key, key + width, side="right")
    counts = hi - np.arange(len(key)) - 1
    left = np.repeat(np.arange(len(key)), counts)
    right = left + 1 + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    a = first["channel_id"].to_numpy()[left]
    b = first["channel_id"].to_numpy()[right]
    return pd.DataFrame(
        {
            "channel_a": np.minimum(a, b),
            "channel_b": np.maximum(a, b),
            "root": root[left],
            "gap_s": (t[right] - t[left]) / 1e6,
        }
    )


def co_amplification(
    store: Store | None,
    window: str | timedelta = "60s",
    *,
    percentile: float = 90.0,
    edges: pd.DataFrame | None = None,
    narrative: str | Narrative | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] = KINDS,
    copy_threshold: float = 0.8,
    config: Config | None = None,
) -> pd.DataFrame:
    """Channel pairs that amplified the same roots within `window` of each other.

    Parameters
    ----------
    store : Store
        Where the posts are (may be None when `edges` is given).
    window : str or timedelta
        Largest gap between the two channels' first amplifying posts of a root.
    percentile : float
        Pairs whose weight is strictly above this percentile (0-100, linear
        interpolation) of all pair weights are ``flagged``.
    edges : pandas.DataFrame, optional
        :func:`amplify.cascades.cascade_edges` output to use instead of reading the store.
    narrative, since, until, kinds, copy_threshold, config
        Cascade selection, as in :func:`amplify.cascades.build_cascades`.

    Returns
    -------
    pandas.DataFrame
        One row per pair (``channel_a < channel_b``): usernames, ``weight`` (roots
        co-amplified), ``flagged``, ``median_gap_s`` and ``roots`` (a list of
        ``(channel_id, message_id)``), heaviest first. ``attrs["threshold"]`` holds the
        weight percentile, ``attrs["window"]`` the window.
    """
    window = parse_window(window)
    if not 0 <= percentile <= 100:
        raise UsageError(f"percentile {percentile} must be between 0 and 100")
    if edges is None:
        edges = cascade_edges(
            store,
            narrative=narrative,
            since=since,
            until=until,
            kinds=kinds,
            copy_threshold=copy_threshold,
            config=config,
        )
    amp = edges[(edges["channel_id"] != edges["root_channel_id"]) & edges["date"].notna()]
    first = amp.groupby(["root_channel_id", "root_message_id", "channel_id"], as_index=False)[
        "date"
    ].min()
    first["root"] = first.groupby(["root_channel_id", "root_message_id"]).ngroup()
    pairs = _pairs(first, window) if len(first) else pd.DataFrame()
    result = pd.DataFrame(columns=COLUMNS)
    result.attrs.update(threshold=None, window=_seconds(window), percentile=percentile)
    if pairs.empty:
        return result
    roots = first.drop_duplicates("root").set_index("root")[["root_channel_id", "root_message_id"]]
    pairs["root_key"] = list(
        zip(
            roots["root_channel_id"].reindex(pairs["root"]).tolist(),
            roots["root_message_id"].reindex(pairs["root"]).tolist(),
            strict=True,
        )
    )
    grouped = pairs.groupby(["channel_a", "channel_b"])
    result = grouped.agg(
        weight=("root", "nunique"),
        median_gap_s=("gap_s", "median"),
        roots=("root_key", lambda keys: sorted(set(keys))),
    ).reset_index()
    threshold = float(np.percentile(result["weight"], percentile))
    result["flagged"] = result["weight"] > threshold
    names = edges.drop_duplicates("channel_id").set_index("channel_id")["username"]
    result["username_a"] = result["channel_a"].map(names)
    result["username_b"] = result["channel_b"].map(names)
    result = result.sort_values(["weight", "channel_a", "channel_b"], ascending=[False, True, True])
    result = result[COLUMNS].reset_index(drop=True)
    result.attrs.update(threshold=threshold, window=_seconds(window), percentile=percentile)
    return result
