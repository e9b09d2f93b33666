"""Cascade edges: which stored post amplified which original post, and how.

Set-based throughout (pandas merges and group-bys over whole frames, no loop over post
pairs). The result is one row per (root, member) with every kind that ties them:

- ``forward``: the member's forward header names the root. Telegram's header always
  points to the original post, so forward cascades are stars.
- ``link``: the member links to the root (``post_links``; usernames resolved through the
  ``channels`` table, case-insensitively; ``t.me/c/<id>`` links by id). A link to a post
  that is itself a forward is attributed to the original it forwards. Links whose
  channel cannot be known (a username not in ``channels``) are skipped: no channel id,
  no root. A forward's own links are its original's, so forwards never join by link.
- ``media``: the member carries the same photo/document id without a forward header.
  The root is the earliest post with that id that is not a forward, or the original a
  forward header names, whichever is earlier.
- ``copy``: near-duplicate text published after the root (:mod:`amplify.copies`). Each
  text is chained to its earliest earlier near-duplicate; the chain's first post is the
  root. Forwards are not copy members (their text is their original's, verbatim, so it
  proves nothing the header does not), but the text of an original known only from
  forwards stands in for it, dated by the header, so copies of it find it.

An album (messages sharing ``grouped_id``) is one root: edges to any of its messages go
to its lowest message id. For an original known only from headers, messages forwarded
together as one album are taken to be one album too. A post never joins its own
cascade (nor its own album's); a channel repeating its own earlier post does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from amplify.copies import earliest_near_duplicates
from amplify.errors import UsageError
from amplify.model import EDGE_KINDS

log = logging.getLogger(__name__)

__all__ = ["KINDS", "album_roots", "check_kinds", "find_edges", "prepare_posts"]

KINDS: tuple[str, ...] = ("forward", "link", "copy", "media")
"""Every edge kind (the default of ``kinds=``)."""

ROOT = ["root_channel_id", "root_message_id"]
POST = ["channel_id", "message_id"]
_IDS = ("grouped_id", "media_id", "fwd_channel_id", "fwd_message_id", "views")


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds asked for (an iterable, or one comma-separated string), validated.

    Raises UsageError naming the unknown ones.
    """
    if isinstance(kinds, str):
        kinds = kinds.split(",")
    kinds = tuple(dict.fromkeys(k.strip() for k in kinds))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise UsageError(
            f"unknown cascade edge kind {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(KINDS)}"
        )
    return kinds


def prepare_posts(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts with nullable integer ids, UTC nanosecond dates and ``is_forward``."""
    posts = posts.copy()
    posts[POST] = posts[POST].astype("int64")
    for column in _IDS:
        if column in posts:
            posts[column] = pd.to_numeric(posts[column]).astype("Int64")
    for column in ("date", "fwd_date"):
        if column in posts:
            posts[column] = pd.to_datetime(posts[column], utc=True).astype("datetime64[ns, UTC]")
    posts["is_forward"] = (
        posts["fwd_channel_id"].notna() & posts["fwd_message_id"].notna()
    ).astype(bool)
    return posts


def _forwards(posts: pd.DataFrame) -> pd.DataFrame:
    fwd = posts[posts["is_forward"]]
    return pd.DataFrame(
        {
            "root_channel_id": fwd["fwd_channel_id"].astype("int64"),
            "root_message_id": fwd["fwd_message_id"].astype("int64"),
            "channel_id": fwd["channel_id"],
            "message_id": fwd["message_id"],
        }
    )


def album_roots(posts: pd.DataFrame) -> pd.DataFrame:
    """``(channel_id, message_id) -> root_message_id``: every album message to its album root.

    Stored albums map to their lowest message id. Originals known only from forward
    headers that were forwarded together in one album (same forwarding channel and
    ``grouped_id``) are joined into one album, transitively.
    """
    albums = posts[posts["grouped_id"].notna()]
    stored = pd.DataFrame(
        {
            "channel_id": albums["channel_id"],
            "message_id": albums["message_id"],
            "root_message_id": albums.groupby(["channel_id", "grouped_id"])["message_id"].transform(
                "min"
            ),
        }
    )
    fwd = posts[posts["is_forward"] & posts["grouped_id"].notna()]
    origin = pd.DataFrame(
        {
            "group": fwd.groupby(["channel_id", "grouped_id", "fwd_channel_id"]).ngroup(),
            "channel_id": fwd["fwd_channel_id"].astype("int64"),
            "message_id": fwd["fwd_message_id"].astype("int64"),
        }
    )
    known = pd.MultiIndex.from_frame(posts[POST])
    origin = origin[~pd.MultiIndex.from_frame(origin[POST]).isin(known)]
    origin["label"] = origin["message_id"]
    for _ in range(50):  # propagate the lowest id through albums sharing a message
        before = origin["label"].to_numpy().copy()
        origin["label"] = origin.groupby("group")["label"].transform("min")
        origin["label"] = origin.groupby(POST)["label"].transform("min")
        if np.array_equal(before, origin["label"].to_numpy()):
            break
    inferred = origin.drop_duplicates(POST).rename(columns={"label": "root_message_id"})
    table = pd.concat([stored, inferred[POST + ["root_message_id"]]], ignore_index=True)
    return table.drop_duplicates(POST).astype("int64")


def _to_album_root(edges: pd.DataFrame, albums: pd.DataFrame) -> pd.DataFrame:
    mapping = albums.rename(
        columns={
            "channel_id": "root_channel_id",
            "message_id": "root_message_id",
            "root_message_id": "_album",
        }
    )
    edges = edges.merge(mapping, on=ROOT, how="left")
    edges["root_message_id"] = edges["_album"].fillna(edges["root_message_id"]).astype("int64")
    return edges.drop(columns="_album")


def _links(posts: pd.DataFrame, links: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    if links.empty:
        return pd.DataFrame(columns=ROOT + POST, dtype="int64")
    named = channels.dropna(subset=["username"]).assign(
        target_username=lambda f: f["username"].str.lower()
    )
    named = named.drop_duplicates("target_username", keep="last")[["target_username", "channel_id"]]
    links = links.merge(named.rename(columns={"channel_id": "_resolved"}), how="left")
    target = pd.to_numeric(links["target_channel_id"]).astype("Int64")
    links["root_channel_id"] = target.fillna(links["_resolved"].astype("Int64"))
    unresolved = links["root_channel_id"].isna()
    if unresolved.any():
        log.info("skipped %d links to channels not in the store", int(unresolved.sum()))
    links = links[~unresolved]
    edges = pd.DataFrame(
        {
            "root_channel_id": links["root_channel_id"].astype("int64"),
            "root_message_id": links["target_message_id"].astype("int64"),
            "channel_id": links["channel_id"].astype("int64"),
            "message_id": links["message_id"].astype("int64"),
        }
    )
    forwarders = posts.loc[posts["is_forward"], POST]
    edges = edges.merge(forwarders, how="left", indicator=True)
    edges = edges[edges.pop("_merge") == "left_only"]  # a forward's links are its original's
    targets = posts.loc[posts["is_forward"], POST + ["fwd_channel_id", "fwd_message_id"]]
    targets = targets.rename(columns={"channel_id": ROOT[0], "message_id": ROOT[1]})
    edges = edges.merge(targets, on=ROOT, how="left")  # a link to a forward -> its original
    for column, source in zip(ROOT, ("fwd_channel_id", "fwd_message_id"), strict=True):
        edges[column] = edges[source].fillna(edges[column]).astype("int64")
    return edges[ROOT + POST]


def _media(posts: pd.DataFrame) -> pd.DataFrame:
    with_media = posts[posts["media_id"].notna()]
    own = with_media[~with_media["is_forward"]]
    fwd = with_media[with_media["is_forward"]]
    candidates = pd.concat(
        [
            own[["media_id", "channel_id", "message_id", "date"]],
            pd.DataFrame(
                {
                    "media_id": fwd["media_id"],
                    "channel_id": fwd["fwd_channel_id"].astype("int64"),
                    "message_id": fwd["fwd_message_id"].astype("int64"),
                    "date": fwd["fwd_date"],
                }
            ),
        ],
        ignore_index=True,
    )
    candidates = candidates[candidates["media_id"].isin(own["media_id"])]
    roots = candidates.sort_values(
        ["date", "channel_id", "message_id"], na_position="last", kind="stable"
    ).drop_duplicates("media_id")
    roots = roots.rename(columns={"channel_id": ROOT[0], "message_id": ROOT[1]})
    edges = own[["media_id"] + POST].merge(roots[["media_id"] + ROOT], on="media_id")
    return edges[ROOT + POST]


def _copies(posts: pd.DataFrame, threshold: float) -> pd.DataFrame:
    texts = posts[posts["text"].notna()]
    own = texts.loc[~texts["is_forward"], POST + ["date", "text"]].assign(_proxy=False)
    fwd = texts[texts["is_forward"]]
    known = pd.MultiIndex.from_frame(posts[POST])
    fwd_keys = pd.MultiIndex.from_arrays(
        [fwd["fwd_channel_id"].astype("int64"), fwd["fwd_message_id"].astype("int64")]
    )
    outside = fwd[~fwd_keys.isin(known)].sort_values("date", kind="stable")
    proxies = pd.DataFrame(
        {
            "channel_id": outside["fwd_channel_id"].astype("int64"),
            "message_id": outside["fwd_message_id"].astype("int64"),
            "date": outside["fwd_date"].fillna(outside["date"]),
            "text": outside["text"],
            "_proxy": True,
        }
    ).drop_duplicates(POST)
    docs = pd.concat([own, proxies], ignore_index=True)
    docs = docs.sort_values(["date", "channel_id", "message_id"], kind="stable").reset_index(
        drop=True
    )
    parent = earliest_near_duplicates(docs["text"], threshold)
    top = np.where(parent >= 0, parent, np.arange(len(parent)))
    while True:  # follow each chain to its first post (parents always come earlier)
        higher = top[top]
        if np.array_equal(higher, top):
            break
        top = higher
    member = (parent >= 0) & ~docs["_proxy"].to_numpy()
    return pd.DataFrame(
        {
            "root_channel_id": docs["channel_id"].to_numpy()[top[member]],
            "root_message_id": docs["message_id"].to_numpy()[top[member]],
            "channel_id": docs["channel_id"].to_numpy()[member],
            "message_id": docs["message_id"].to_numpy()[member],
        }
    )


def find_edges(
    posts: pd.DataFrame,
    links: pd.DataFrame,
    channels: pd.DataFrame,
    *,
    kinds: Iterable[str] = KINDS,
    copy_threshold: float = 0.8,
) -> pd.DataFrame:
    """Every (root, member) pair of the stored posts and the kinds that tie them.

    Parameters
    ----------
    posts : pandas.DataFrame
        :meth:`Store.posts_frame` (at least keys, date, text, grouped_id, media_id and
        the forward header), passed through :func:`prepare_posts`.
    links, channels : pandas.DataFrame
        :meth:`Store.post_links_frame` and :meth:`Store.channels_frame`.
    kinds : iterable of str
        Which of :data:`KINDS` to look for.
    copy_threshold : float
        Jaccard similarity (0, 1] above which a later text is a copy.

    Returns
    -------
    pandas.DataFrame
        ``root_channel_id, root_message_id, channel_id, message_id, kinds``; ``kinds`` is
        comma-joined, strongest first (forward, link, media, copy). Sorted by root, member.
    """
    kinds = check_kinds(kinds)
    if not 0 < copy_threshold <= 1:
        raise UsageError(f"copy threshold {copy_threshold} must be in (0, 1], e.g. 0.8")
    found = []
    finders = {
        "forward": lambda: _forwards(posts),
        "link": lambda: _links(posts, links, channels),
        "media": lambda: _media(posts),
        "copy": lambda: _copies(posts, copy_threshold),
    }
    for kind in kinds:
        found.append(finders[kind]().assign(kind=kind))
    edges = pd.concat(found, ignore_index=True)
    edges[ROOT + POST] = edges[ROOT + POST].astype("int64")
    albums = album_roots(posts)
    edges = _to_album_root(edges, albums)
    album = edges.merge(albums.rename(columns={"root_message_id": "_album"}), on=POST, how="left")
    in_root_album = (edges["channel_id"].to_numpy() == edges["root_channel_id"].to_numpy()) & (
        album["_album"].fillna(album["message_id"]).to_numpy()
        == edges["root_message_id"].to_numpy()
    )
    edges = edges[~in_root_album]
    if edges.empty:
        return pd.DataFrame(columns=ROOT + POST + ["kinds"]).astype(
            {c: "int64" for c in ROOT + POST}
        )
    bits = {kind: 1 << i for i, kind in enumerate(EDGE_KINDS)}  # a set of kinds as a bit mask
    edges = edges.drop_duplicates(ROOT + POST + ["kind"])
    mask = edges.assign(bit=edges["kind"].map(bits)).groupby(ROOT + POST)["bit"].sum()
    names = {
        m: ",".join(k for k in EDGE_KINDS if m & bits[k]) for m in range(1, 1 << len(EDGE_KINDS))
    }
    result = mask.map(names).rename("kinds").reset_index()  # grouped: sorted by root, member
    return result.reset_index(drop=True)
