"""Hand-made cascades for the report tests: a small known one and a hostile one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx

from amplify.model import Cascade

T0 = datetime(2023, 10, 24, 10, 12, tzinfo=UTC)
GENERATED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

# What an attacker could put in post text, channel titles and usernames.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
JS_LINK = "javascript:window.__pwned=1"
CLOSE_JSON = "</script><script>window.__pwned=1</script><!--"
RLO = "\u202e"
PAYLOADS = (SCRIPT, IMG, CLOSE_JSON, '<a href="javascript:window.__pwned=1">x</a>')
LONG_TEXT_CHARS = 100_000


def _node(graph: nx.DiGraph, key: tuple[int, int], minutes: float | None, **data: Any) -> None:
    kinds = tuple(data.pop("kinds", ()))
    graph.add_node(
        key,
        channel_id=key[0],
        message_id=key[1],
        username=data.get("username"),
        title=data.get("title"),
        date=None if minutes is None else T0 + timedelta(minutes=minutes),
        views=data.get("views"),
        subscribers=data.get("subscribers"),
        collected=data.get("collected", True),
        grouped_id=data.get("grouped_id"),
        root=not kinds,
        text=data.get("text"),
        kinds=kinds,
    )
    if kinds:
        graph.add_edge(graph.graph["root"], key, kind=kinds[0], kinds=kinds)


def known_cascade() -> Cascade:
    """AsiaToday's post and four amplifiers, reach known by hand.

    Views: root 87,000; Sladkov+ 400,000 (forward); Kotsnews album of two messages,
    250,000 and 240,000 (counts once: 250,000); Rudenko unknown (link); a copy 30,000.
    Reach = 87,000 + 400,000 + 250,000 + 30,000 = 767,000.
    """
    root = (101, 1234)
    graph = nx.DiGraph(root=root, tree="star")
    text = "A NATO center opened in Kazakhstan (video)"
    _node(
        graph,
        root,
        0,
        username="AsiaToday",
        title="Asia Today",
        views=87_000,
        subscribers=100_000,
        text=text,
    )
    _node(
        graph,
        (202, 55),
        30,
        username="sladkov_plus",
        title="Sladkov+",
        views=400_000,
        subscribers=932_000,
        text=text,
        kinds=("forward",),
    )
    _node(
        graph,
        (303, 70),
        45,
        username="kotsnews",
        title="Kotsnews",
        views=250_000,
        subscribers=568_000,
        grouped_id=9,
        text="They call it a peacekeeping centre",
        kinds=("copy",),
    )
    _node(
        graph,
        (303, 71),
        45,
        username="kotsnews",
        title="Kotsnews",
        views=240_000,
        subscribers=568_000,
        grouped_id=9,
        text=None,
        kinds=("media",),
    )
    _node(
        graph,
        (404, 9),
        90,
        username="rudenko_v",
        title="Reporter Rudenko V",
        views=None,
        subscribers=250_000,
        text="https://t.me/AsiaToday/1234",
        kinds=("link",),
    )
    _node(
        graph,
        (505, 3),
        180,
        username=None,
        title="Operation Z",
        views=30_000,
        subscribers=1_300_000,
        text='=HYPERLINK("http://evil")',
        kinds=("copy",),
    )
    return Cascade.from_graph(graph, narrative="nato-center")


KNOWN_REACH = 767_000


def hostile_cascade() -> Cascade:
    """Every field a channel owner controls carries a payload."""
    root = (9001, 1)
    graph = nx.DiGraph(root=root, tree="star")
    _node(
        graph,
        root,
        0,
        username=JS_LINK,
        title=SCRIPT + RLO + "evil title",
        views=1_000,
        subscribers=5_000,
        text=IMG + " " + SCRIPT,
    )
    _node(
        graph,
        (9002, 2),
        5,
        username="<img src=x onerror=alert(1)>",
        title=IMG,
        views=2_000,
        subscribers=6_000,
        text=CLOSE_JSON + JS_LINK,
        kinds=("forward",),
    )
    _node(
        graph,
        (9003, 3),
        10,
        username="valid_name",
        title=RLO + "gnp.exe" + "\u200b",
        views=3_000,
        subscribers=7_000,
        text=PAYLOADS[3] + RLO,
        kinds=("link",),
    )
    _node(
        graph,
        (9004, 4),
        20,
        username=None,
        title="@=cmd|' /C calc'!A0",
        views=4_000,
        subscribers=None,
        text="x" * LONG_TEXT_CHARS,
        kinds=("copy",),
    )
    _node(
        graph,
        (9005, 5),
        30,
        username="%{customdata[0]}",
        title="%{x} <b>bold</b>",
        views=5_000,
        subscribers=9_000,
        text="\x00\x07 control " + SCRIPT,
        kinds=("media",),
    )
    return Cascade.from_graph(graph)


def hostile_network() -> nx.DiGraph:
    """A channel network whose names are hostile too."""
    graph = nx.DiGraph()
    graph.add_node(9001, username=JS_LINK, title=SCRIPT, subscribers=5_000)
    graph.add_node(9002, username=None, title=IMG, subscribers=None)
    graph.add_node(101, username="AsiaToday", title="Asia Today", subscribers=100_000)
    graph.add_edge(9001, 9002, weight=3, views=2_000, kinds="forward")
    graph.add_edge(101, 9001, weight=1, views=None, kinds="link,copy")
    return graph
