"""The channel network: which channels amplify which, and how much.

From the cascade edges (:func:`amplify.cascades.cascade_edges`, star tree) every
amplifying post adds to an edge *source channel* (the root's) → *amplifying channel*.
A channel amplifying its own posts adds no edge. Albums count once (their largest view
count), as in :mod:`amplify.metrics`.

References
----------
The citation index follows TGStat's idea of a channel's *citation index* ("индекс
цитирования", tgstat.com): how often other channels mention or repost a channel's posts,
and how many distinct channels do. TGStat also weights each citing channel by its own
index, with a formula it does not publish in full; amplify reports the two counts it is
built from, which anyone can recompute from the members tables. ERR is TGStat's
engagement rate by reach (:func:`amplify.metrics.err`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import networkx as nx
import pandas as pd

from amplify.cascades import cascade_edges
from amplify.config import Config, Narrative
from amplify.edges import KINDS
from amplify.errors import UsageError
from amplify.metrics import err
from amplify.model import EDGE_KINDS
from amplify.store import Store

__all__ = ["amplifications", "channel_graph", "channel_table", "write_network"]


def amplifications(edges: pd.DataFrame) -> pd.DataFrame:
    """One row per amplifying post of another channel's root (albums once per root).

    Columns: ``source`` (root channel), ``target`` (amplifying channel), ``root_channel_id,
    root_message_id, channel_id, message_id, kinds, views, date``.
    """
    rows = edges[edges["channel_id"] != edges["root_channel_id"]].copy()
    album = rows["grouped_id"].astype("Float64").fillna(-rows["message_id"].astype("Float64"))
    rows["_post"] = album
    rows = rows.sort_values("views", ascending=False, na_position="last", kind="stable")
    rows = rows.drop_duplicates(["root_channel_id", "root_message_id", "channel_id", "_post"])
    rows = rows.assign(source=rows["root_channel_id"], target=rows["channel_id"])
    return rows.drop(columns="_post").sort_values(["source", "target", "date"], kind="stable")


def _own_posts(store: Store) -> pd.DataFrame:
    posts = store.posts_frame(columns=["channel_id", "message_id", "views", "grouped_id"])
    posts["views"] = pd.to_numeric(posts["views"]).astype("Float64")
    album = pd.to_numeric(posts["grouped_id"]).astype("Float64")
    posts["_post"] = album.fillna(-posts["message_id"].astype("Float64"))
    per_post = posts.groupby(["channel_id", "_post"])["views"].max().reset_index()
    return per_post.groupby("channel_id").agg(posts=("_post", "size"), mean_views=("views", "mean"))


def channel_table(
    store: Store,
    *,
    edges: pd.DataFrame | None = None,
    narrative: str | Narrative | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] = KINDS,
    copy_threshold: float = 0.8,
    config: Config | None = None,
) -> pd.DataFrame:
    """Per channel: subscribers, ERR and the citation index counts.

    Columns: ``channel_id, username, title, subscribers, posts, mean_views, err,
    amplifications_received`` (posts by other channels amplifying this channel's posts),
    ``amplifying_channels`` (distinct such channels), ``amplifications_made,
    amplified_channels``. ``posts``, ``mean_views`` and ``err`` are over every stored
    post of the channel (albums once), whatever the selection; the counts follow it.
    """
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
    amp = amplifications(edges)
    received = amp.groupby("source").agg(
        amplifications_received=("target", "size"), amplifying_channels=("target", "nunique")
    )
    made = amp.groupby("target").agg(
        amplifications_made=("source", "size"), amplified_channels=("source", "nunique")
    )
    channels = store.channels_frame()[["channel_id", "username", "title", "subscribers"]]
    table = channels.set_index("channel_id").join(_own_posts(store), how="outer")
    table = table.join(received, how="outer").join(made, how="outer").reset_index()
    table = table.rename(columns={"index": "channel_id"})
    counts = ["amplifications_received", "amplifying_channels"]
    counts += ["amplifications_made", "amplified_channels", "posts"]
    table[counts] = table[counts].fillna(0).astype("int64")
    table["subscribers"] = pd.to_numeric(table["subscribers"]).astype("Int64")
    table["err"] = [
        err(None if pd.isna(v) else float(v), None if pd.isna(s) else int(s))
        for v, s in zip(table["mean_views"], table["subscribers"], strict=True)
    ]
    order = ["amplifications_received", "amplifying_channels", "channel_id"]
    return table.sort_values(order, ascending=[False, False, True]).reset_index(drop=True)


def channel_graph(
    store: Store,
    *,
    narrative: str | Narrative | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] = KINDS,
    copy_threshold: float = 0.8,
    config: Config | None = None,
) -> nx.DiGraph:
    """Source channel → amplifying channel, weighted by amplified posts and by views.

    Edge attributes: ``weight`` (amplifying posts), ``views`` (their views, unknown
    adds 0), ``roots`` (distinct roots amplified), ``kinds`` (comma-joined kinds seen)
    and one count per kind (``forward``, ``link``, ``media``, ``copy``; a post with two
    kinds counts in both). Node attributes: ``username``, ``title``, ``subscribers``,
    ``err`` and the citation counts of :func:`channel_table`. Selection parameters are
    those of :func:`amplify.cascades.build_cascades`.

    Examples
    --------
    >>> from amplify.store import Store
    >>> channel_graph(Store(":memory:")).number_of_nodes()
    0
    """
    edges = cascade_edges(
        store,
        narrative=narrative,
        since=since,
        until=until,
        kinds=kinds,
        copy_threshold=copy_threshold,
        config=config,
    )
    amp = amplifications(edges)
    table = channel_table(store, edges=edges).set_index("channel_id")
    graph = nx.DiGraph()
    headers = amp.drop_duplicates("source").set_index("source")  # names of uncollected roots
    for channel in pd.unique(pd.concat([amp["source"], amp["target"]])).tolist():
        row = table.loc[channel] if channel in table.index else pd.Series(dtype=object)
        attrs = {k: _plain(None if pd.isna(v) else v) for k, v in row.items()}
        for name in ("username", "title"):
            if attrs.get(name) is None and channel in headers.index:
                attrs[name] = _plain(headers.at[channel, f"root_{name}"])
        attrs = {k: (None if v is not None and pd.isna(v) else v) for k, v in attrs.items()}
        graph.add_node(int(channel), channel_id=int(channel), **attrs)
    if amp.empty:
        return graph
    flags = {kind: amp["kinds"].str.contains(kind, regex=False) for kind in EDGE_KINDS}
    amp = amp.assign(
        _root=amp.groupby(["root_channel_id", "root_message_id"]).ngroup(),
        _views=pd.to_numeric(amp["views"]).fillna(0),
        **flags,
    )
    totals = amp.groupby(["source", "target"]).agg(
        weight=("_root", "size"),
        views=("_views", "sum"),
        roots=("_root", "nunique"),
        **{kind: (kind, "sum") for kind in EDGE_KINDS},
    )
    for (source, target), row in zip(totals.index, totals.to_dict("records"), strict=True):
        counts = {kind: int(row[kind]) for kind in EDGE_KINDS}
        graph.add_edge(
            int(source),
            int(target),
            weight=int(row["weight"]),
            views=int(row["views"]),
            roots=int(row["roots"]),
            kinds=",".join(kind for kind in EDGE_KINDS if counts[kind]),
            **counts,
        )
    return graph


def _gexf_safe(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy with no None values (dropped: unknown) and no tuples (comma-joined)."""
    safe = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        safe.add_node(node, **{k: _plain(v) for k, v in data.items() if v is not None})
    for u, v, data in graph.edges(data=True):
        safe.add_edge(u, v, **{k: _plain(x) for k, x in data.items() if x is not None})
    return safe


def _plain(value):
    if isinstance(value, tuple | list | set):
        return ",".join(map(str, value))
    if hasattr(value, "item"):
        return value.item()
    return value


def write_network(graph: nx.DiGraph, path: str | Path) -> Path:
    """Write the channel graph as GEXF, GraphML (for Gephi) or CSV (one row per edge).

    The format follows the file's suffix. Unknown attribute values are left out of
    GEXF/GraphML rather than written as a fake value.
    """
    from amplify.exports import safe_csv

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gexf", ".graphml", ".csv"):
        raise UsageError(f"{path}: the network is written as .gexf, .graphml or .csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        names = nx.get_node_attributes(graph, "username")
        rows = [
            {"source": u, "source_username": names.get(u), "target": v}
            | {"target_username": names.get(v)}
            | data
            for u, v, data in graph.edges(data=True)
        ]
        columns = ["source", "source_username", "target", "target_username", "weight", "views"]
        columns += ["roots", "kinds", "forward", "link", "media", "copy"]
        safe_csv(pd.DataFrame(rows, columns=columns), path)
    elif suffix == ".gexf":
        nx.write_gexf(_gexf_safe(graph), path)
    else:
        nx.write_graphml(_gexf_safe(graph), path)
    return path
