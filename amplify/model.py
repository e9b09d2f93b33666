"""The cascade: an original post and every post that amplified it.

:mod:`amplify.cascades` builds these from a store; :mod:`amplify.metrics` measures
their graphs; :mod:`amplify.report` draws them. This module only says what one is.

Graph contract (``Cascade.graph``, a ``networkx.DiGraph``):

- node key ``(channel_id, message_id)``; attributes ``channel_id``, ``message_id``,
  ``username``, ``title``, ``date`` (aware UTC datetime or None), ``views`` (None =
  unknown), ``subscribers`` (at posting time, None = unknown), ``collected`` (False
  for a root known only from forward headers), ``grouped_id``, ``root`` (bool),
  ``text`` (may be None; hostile input, escape before display), ``kinds`` (tuple of
  the edge kinds that tied the post to the root; empty for the root).
- ``graph.graph["root"]`` is the root key and ``graph.graph["tree"]`` is ``"star"``
  (every member under the root — what the data proves) or ``"inferred"``.
- edges parent → child with ``kind`` (the first of ``kinds`` in the order forward,
  link, media, copy) and ``kinds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import pandas as pd

EDGE_KINDS: tuple[str, ...] = ("forward", "link", "media", "copy")
"""Every way a post can join a cascade, strongest evidence first."""

MEMBER_COLUMNS: tuple[str, ...] = (
    "channel_id",
    "message_id",
    "username",
    "title",
    "date",
    "views",
    "subscribers",
    "kind",
    "kinds",
    "parent_channel_id",
    "parent_message_id",
    "depth",
    "is_root",
    "collected",
    "grouped_id",
    "text",
    "url",
)
"""Columns of ``Cascade.members``: one row per post, the root first, then by date.

``kind`` is the strongest kind (None for the root), ``kinds`` a comma-joined list,
``url`` the post's t.me address (public form when the username is known)."""

PostKey = tuple[int, int]


@dataclass
class Cascade:
    """One cascade with its graph, its members table and its metrics.

    Attributes
    ----------
    root : tuple of int
        ``(channel_id, message_id)`` of the original post.
    graph : networkx.DiGraph
        The tree (see the module docstring for attributes).
    members : pandas.DataFrame
        One row per post (:data:`MEMBER_COLUMNS`), computed on first access.
    metrics : dict
        :func:`amplify.metrics.cascade_metrics` of ``graph``.
    narrative : str, optional
        The narrative whose rules selected the root.
    """

    root: PostKey
    graph: nx.DiGraph
    metrics: dict[str, Any] = field(default_factory=dict)
    narrative: str | None = None

    @cached_property
    def members(self) -> pd.DataFrame:
        """One row per post (:data:`MEMBER_COLUMNS`), built from the graph on first use.

        Lazy because a corpus has tens of thousands of cascades and most are only
        ranked by their metrics, never listed post by post.
        """
        return members_frame(self.graph)

    @property
    def root_attributes(self) -> dict[str, Any]:
        """The root node's attributes."""
        return dict(self.graph.nodes[self.root])

    @property
    def size(self) -> int:
        """Number of posts, root included."""
        return self.graph.number_of_nodes()

    @classmethod
    def from_graph(cls, graph: nx.DiGraph, *, narrative: str | None = None) -> Cascade:
        """A cascade from its graph: the members table and metrics are derived from it.

        ``graph`` must follow the module's graph contract (a tree rooted at
        ``graph.graph["root"]``).
        """
        from amplify.metrics import cascade_metrics

        root = graph.graph["root"]
        return cls(
            root=root,
            graph=graph,
            metrics=cascade_metrics(graph),
            narrative=narrative,
        )

    def __repr__(self) -> str:
        name = self.root_attributes.get("username") or self.root[0]
        return f"<Cascade {name}/{self.root[1]} size={self.size}>"


def members_frame(graph: nx.DiGraph) -> pd.DataFrame:
    """One row per post of a cascade graph (:data:`MEMBER_COLUMNS`), root first, then by date."""
    from amplify.links import post_url

    root = graph.graph["root"]
    depth = nx.single_source_shortest_path_length(graph, root)
    rows = []
    for node, data in graph.nodes(data=True):
        parents = list(graph.predecessors(node))
        parent = parents[0] if parents else (None, None)
        kinds = tuple(data.get("kinds") or ())
        channel_id, message_id = node
        rows.append(
            {
                "channel_id": channel_id,
                "message_id": message_id,
                "username": data.get("username"),
                "title": data.get("title"),
                "date": data.get("date"),
                "views": data.get("views"),
                "subscribers": data.get("subscribers"),
                "kind": kinds[0] if kinds else None,
                "kinds": ",".join(kinds),
                "parent_channel_id": parent[0],
                "parent_message_id": parent[1],
                "depth": depth.get(node),
                "is_root": node == root,
                "collected": bool(data.get("collected", True)),
                "grouped_id": data.get("grouped_id"),
                "text": data.get("text"),
                "url": post_url(data.get("username"), channel_id, message_id),
            }
        )
    frame = pd.DataFrame(rows, columns=list(MEMBER_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    for column in ("views", "subscribers", "parent_channel_id", "parent_message_id", "grouped_id"):
        frame[column] = frame[column].astype("Int64")
    order = frame.assign(_not_root=~frame["is_root"]).sort_values(
        ["_not_root", "date", "channel_id", "message_id"], na_position="last", kind="stable"
    )
    return order.drop(columns="_not_root").reset_index(drop=True)
