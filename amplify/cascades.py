"""Build cascades from a store: an original post and every post that amplified it.

:func:`build_cascades` reads the store once, finds every edge set-based
(:mod:`amplify.edges`), keeps the roots asked for (a narrative, a date window, one
root), gives every post its attributes (subscribers at posting time: the channel's
snapshot nearest before the post, else the earliest after) and builds each cascade's
graph following the contract in :mod:`amplify.model`, measured by
:func:`amplify.metrics.cascade_metrics`.

Trees (``graph.graph["tree"]``):

- ``"star"`` (default): every member hangs off the root — what the data proves.
- ``"inferred"``: a member hangs off the most recent earlier member whose channel its
  own channel had forwarded or linked before it posted (an exposure proxy, from every
  forward and link in the store), else off the root.

A root outside the collection (known from forward headers or links) is a node with
``collected=False``: its channel's username/title when the channel is stored (title
falling back to the header's name), the header's date (None for a link-only root), no
views and no text.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

import networkx as nx
import pandas as pd

from amplify.config import Config, Narrative, load_config
from amplify.edges import KINDS, POST, ROOT, album_roots, check_kinds, find_edges, prepare_posts
from amplify.errors import UsageError
from amplify.links import parse_message_link
from amplify.model import Cascade
from amplify.narratives import narrative_roots, seed_links
from amplify.nodes import node_records, post_attributes
from amplify.records import PostLink
from amplify.store import Store

log = logging.getLogger(__name__)

__all__ = ["build_cascades", "cascade_edges"]

_POST_COLUMNS = [
    "channel_id",
    "message_id",
    "date",
    "text",
    "views",
    "grouped_id",
    "media_id",
    "fwd_channel_id",
    "fwd_message_id",
    "fwd_date",
    "fwd_name",
]
RootRef = tuple[int, int] | str


def _utc(value: datetime | None) -> pd.Timestamp | None:
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)


class _Data:
    """Everything read from the store, and the edges found in it."""

    def __init__(self, store: Store, kinds: tuple[str, ...], copy_threshold: float) -> None:
        self.posts = prepare_posts(store.posts_frame(columns=_POST_COLUMNS))
        self.channels = store.channels_frame()
        self.stats = store.channel_stats_frame()
        links = store.post_links_frame() if "link" in kinds else pd.DataFrame()
        self.edges = find_edges(
            self.posts, links, self.channels, kinds=kinds, copy_threshold=copy_threshold
        )
        self.albums = album_roots(self.posts)
        self.store = store

    def resolve(self, ref: RootRef | PostLink) -> tuple[int, int]:
        """A root given as (channel_id, message_id) or a t.me link, as its original post."""
        if isinstance(ref, str | PostLink):
            link = parse_message_link(ref) if isinstance(ref, str) else ref
            if link.target_channel_id is not None:
                channel_id = link.target_channel_id
            else:
                channel_id = self.store.channel_ids([link.target_username])[0]
            key = (int(channel_id), int(link.target_message_id))
        elif isinstance(ref, tuple) and len(ref) == 2:
            key = (int(ref[0]), int(ref[1]))
        else:
            raise UsageError(f"root {ref!r} is neither (channel_id, message_id) nor a t.me link")
        post = self.posts[
            (self.posts["channel_id"] == key[0]) & (self.posts["message_id"] == key[1])
        ]
        if not post.empty and bool(post["is_forward"].iloc[0]):
            row = post.iloc[0]
            key = (int(row["fwd_channel_id"]), int(row["fwd_message_id"]))
        album = self.albums[
            (self.albums["channel_id"] == key[0]) & (self.albums["message_id"] == key[1])
        ]
        if not album.empty:
            key = (key[0], int(album["root_message_id"].iloc[0]))
        return key

    def is_known(self, key: tuple[int, int]) -> bool:
        stored = (self.posts["channel_id"] == key[0]) & (self.posts["message_id"] == key[1])
        rooted = (self.edges["root_channel_id"] == key[0]) & (
            self.edges["root_message_id"] == key[1]
        )
        return bool(stored.any() or rooted.any())


def _select(
    data: _Data,
    narrative: Narrative | None,
    since: datetime | None,
    until: datetime | None,
    root: RootRef | None,
) -> tuple[pd.DataFrame, pd.DataFrame, tuple[int, int] | None]:
    """The edges of the roots asked for, and the attributes of every post in them."""
    edges = data.edges
    wanted = None
    if root is not None:
        wanted = data.resolve(root)
        if not data.is_known(wanted):
            raise UsageError(
                f"post {wanted[0]}/{wanted[1]} is not in the store and no stored post "
                "amplifies it; check the link, or collect its channel first"
            )
        edges = edges[
            (edges["root_channel_id"] == wanted[0]) & (edges["root_message_id"] == wanted[1])
        ]
    roots = edges[ROOT].drop_duplicates().set_axis(POST, axis=1)
    keys = pd.concat(
        [roots, edges[POST]] + ([pd.DataFrame([wanted], columns=POST)] if wanted else [])
    )
    nodes = post_attributes(data.posts, data.channels, data.stats, keys)
    table = edges.merge(nodes, on=POST, how="left")
    root_info = nodes[POST + ["date", "text", "collected", "username", "title"]].set_axis(
        ROOT + ["root_date", "root_text", "root_collected", "root_username", "root_title"], axis=1
    )
    table = table.merge(root_info, on=ROOT, how="left")
    if wanted is not None:  # one root asked for by name: no further selection
        return table, nodes, wanted
    if narrative is not None:
        seeds = set()
        for link in seed_links(narrative):
            try:
                seeds.add(data.resolve(link))
            except UsageError as exc:
                log.warning("seed link skipped: %s", exc)
        chosen = narrative_roots(narrative, table, seeds)
        table = table[pd.MultiIndex.from_frame(table[ROOT]).isin(list(chosen) or [(-1, -1)])]
    since, until = _utc(since), _utc(until)
    if since is not None:
        table = table[table["root_date"] >= since]
    if until is not None:
        table = table[table["root_date"] < until]
    return table.reset_index(drop=True), nodes, wanted


def cascade_edges(
    store: Store,
    *,
    narrative: str | Narrative | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] = KINDS,
    copy_threshold: float = 0.8,
    config: Config | None = None,
) -> pd.DataFrame:
    """Every (root, member) pair of the selected cascades, with the member's attributes.

    Same selection as :func:`build_cascades`, without building graphs: the input of
    :mod:`amplify.network` and :mod:`amplify.coordination`. Columns: ``root_channel_id,
    root_message_id, channel_id, message_id, kinds, date, views, text, grouped_id,
    collected, username, title, subscribers, root_date, root_text, root_collected,
    root_username, root_title``.
    """
    kinds = check_kinds(kinds)
    rules, _ = _narrative(narrative, config)
    data = _Data(store, kinds, copy_threshold)
    return _select(data, rules, since, until, None)[0]


def _narrative(
    narrative: str | Narrative | None, config: Config | None
) -> tuple[Narrative | None, str | None]:
    if narrative is None or isinstance(narrative, Narrative):
        return narrative, None if narrative is None else narrative.title
    return (config or load_config()).narrative(narrative), narrative


def _exposures(edges: pd.DataFrame, posts: pd.DataFrame) -> dict[int, dict[int, Any]]:
    """For each channel, the channels it forwarded or linked (anywhere in the store), and
    when it first did."""
    direct = edges[edges["kinds"].str.contains("forward|link", regex=True)]
    dated = direct.merge(posts[POST + ["date"]], on=POST).dropna(subset=["date"])
    first = dated.groupby(["channel_id", "root_channel_id"])["date"].min()
    exposure: dict[int, dict[int, Any]] = {}
    for (channel, source), when in first.items():
        exposure.setdefault(channel, {})[source] = when.to_pydatetime()
    return exposure


def _inferred_parents(root, members, attrs, exposure) -> dict:
    """Parent of each member: the latest earlier member from a channel it was exposed to."""
    parents = {}
    seen: dict[int, list[tuple[datetime, tuple[int, int]]]] = {}
    for key in members:  # members come in date order
        date, channel = attrs[key]["date"], key[0]
        best = None
        sources = exposure.get(channel, {})
        if date is not None:
            candidates = sources if len(sources) < len(seen) else seen  # the shorter list
            for source in candidates:
                first, posts = sources.get(source), seen.get(source)
                if first is None or not posts or first >= date:
                    continue
                i = bisect.bisect_left(posts, (date, (-1, -1))) - 1
                if i >= 0 and (best is None or posts[i] > best):
                    best = posts[i]
            seen.setdefault(channel, []).append((date, key))
        parents[key] = best[1] if best else root
    return parents


def build_cascades(
    store: Store,
    *,
    narrative: str | Narrative | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] = KINDS,
    copy_threshold: float = 0.8,
    tree: Literal["star", "inferred"] = "star",
    min_size: int = 2,
    root: RootRef | None = None,
    config: Config | None = None,
) -> list[Cascade]:
    """Cascades of the stored posts, largest view-weighted reach first.

    Parameters
    ----------
    store : Store
        Where the posts are.
    narrative : str or Narrative, optional
        Only the cascades of this narrative (a name in `config`, or the rules).
    since, until : datetime, optional
        Only roots published in ``[since, until)`` (UTC when naive); undated roots
        (link-only, outside the collection) are left out when either is given.
    kinds : iterable of str
        Edge kinds to use: ``forward``, ``link``, ``copy``, ``media``.
    copy_threshold : float
        Jaccard similarity (0, 1] for a ``copy`` (:mod:`amplify.copies`).
    tree : {"star", "inferred"}
        Parent attribution inside a cascade (module docstring).
    min_size : int
        Fewest messages (root included) a cascade needs; 2 = the root and one amplifier.
    root : (channel_id, message_id) or str, optional
        Build only this root's cascade (a t.me link works too), whatever its size and
        date. A forward is followed to its original; an album message to its album.
    config : Config, optional
        Where narrative names are looked up; default :func:`amplify.config.load_config`.

    Returns
    -------
    list of Cascade

    Raises
    ------
    UsageError
        Unknown kind, narrative or tree, a bad threshold, a root not in the store.

    References
    ----------
    Goel, S., Anderson, A., Hofman, J. & Watts, D. J. (2016). The Structural Virality of
    Online Diffusion. Management Science 62(1), 180-196 — cascades as trees rooted at
    the original post, measured by :mod:`amplify.metrics`.

    Examples
    --------
    >>> from amplify.store import Store
    >>> build_cascades(Store(":memory:"))
    []
    """
    kinds = check_kinds(kinds)
    if tree not in ("star", "inferred"):
        raise UsageError(f"tree must be 'star' or 'inferred', not {tree!r}")
    if root is not None and narrative is not None:
        raise UsageError("give a narrative or a root, not both")
    rules, name = _narrative(narrative, config)
    clock = [time.perf_counter()]
    data = _Data(store, kinds, copy_threshold)
    clock.append(time.perf_counter())
    table, nodes, wanted = _select(data, rules, since, until, root)
    attrs = node_records(nodes)
    exposure = _exposures(data.edges, data.posts) if tree == "inferred" else {}
    table = table.sort_values(
        ROOT + ["date", "channel_id", "message_id"], na_position="last", kind="stable"
    )
    groups: dict[tuple[int, int], list[tuple[tuple[int, int], tuple[str, ...]]]] = {}
    for rc, rm, c, m, kinds_text in zip(
        *(table[col].tolist() for col in ROOT + POST + ["kinds"]), strict=True
    ):
        groups.setdefault((rc, rm), []).append(((c, m), tuple(kinds_text.split(","))))
    if wanted is not None:
        groups.setdefault(wanted, [])
    clock.append(time.perf_counter())
    cascades, measuring = [], 0.0
    for key, members in groups.items():
        if wanted is None and len(members) + 1 < min_size:
            continue
        graph = nx.DiGraph(root=key, tree=tree)
        graph.add_node(key, **attrs[key], root=True, kinds=())
        graph.add_nodes_from(
            (member, {**attrs[member], "root": False, "kinds": member_kinds})
            for member, member_kinds in members
        )
        parents = (
            _inferred_parents(key, [m for m, _ in members], attrs, exposure)
            if tree == "inferred"
            else dict.fromkeys((m for m, _ in members), key)
        )
        graph.add_edges_from(
            (parents[member], member, {"kind": member_kinds[0], "kinds": member_kinds})
            for member, member_kinds in members
        )
        started = time.perf_counter()
        cascades.append(Cascade.from_graph(graph, narrative=name))
        measuring += time.perf_counter() - started
    never = datetime.max.replace(tzinfo=UTC)
    cascades.sort(key=lambda c: (-c.metrics["reach"], c.root_attributes["date"] or never, c.root))
    clock.append(time.perf_counter())
    timings = {
        "read_and_edges": clock[1] - clock[0],
        "selection_and_attributes": clock[2] - clock[1],
        "graphs": clock[3] - clock[2] - measuring,
        "members_and_metrics": measuring,  # Cascade.from_graph
    }
    log.info(
        "built %d cascades from %d edges in %.1fs (%s)",
        len(cascades),
        len(table),
        clock[3] - clock[0],
        ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()),
        extra={"timings": timings},
    )
    return cascades
