"""The channel network, the citation index and ERR, and their GEXF/GraphML/CSV exports."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from amplify.errors import UsageError
from amplify.network import channel_graph, channel_table, write_network
from amplify.store import Store
from tests.test_cascades import (
    ASIA,
    HIDDEN,
    KOTS,
    NEWS,
    RUDENKO,
    RYBAR,
    SLADKOV,
    reference_case,
)


def test_channel_graph_of_the_reference_case(store: Store) -> None:
    reference_case(store)
    graph = channel_graph(store)
    assert set(graph.edges) == {
        (ASIA, SLADKOV),
        (ASIA, RUDENKO),
        (ASIA, KOTS),
        (ASIA, RYBAR),
        (ASIA, NEWS),
        (HIDDEN, SLADKOV),
        (HIDDEN, KOTS),
        (SLADKOV, KOTS),  # the day before
        (RYBAR, NEWS),  # the day before
    }
    rudenko = graph.edges[ASIA, RUDENKO]
    assert rudenko["weight"] == 1 and rudenko["views"] == 120_000  # an album counts once
    assert rudenko["kinds"] == "forward" and rudenko["forward"] == 1
    news = graph.edges[ASIA, NEWS]
    assert news["kinds"] == "link,copy" and news["link"] == news["copy"] == 1
    assert news["views"] == 500_000 and news["roots"] == 1
    hidden = graph.edges[HIDDEN, SLADKOV]
    assert hidden["views"] == 150_000
    asia = graph.nodes[ASIA]
    assert asia["username"] == "AsiaToday" and asia["title"] == "Asia Today"
    assert asia["subscribers"] == 105_000  # the latest snapshot
    assert graph.nodes[HIDDEN]["title"] == "Военная хроника"  # from the forward header
    assert graph.nodes[HIDDEN].get("subscribers") is None


def test_citation_index_and_err(store: Store) -> None:
    reference_case(store)
    table = channel_table(store).set_index("channel_id")
    assert table.loc[ASIA, "amplifications_received"] == 5  # Rudenko's album once
    assert table.loc[ASIA, "amplifying_channels"] == 5
    assert table.loc[HIDDEN, "amplifications_received"] == 2
    assert table.loc[SLADKOV, "amplifications_received"] == 1
    assert table.loc[SLADKOV, "amplifications_made"] == 2  # AsiaToday's video, the hidden post
    assert table.loc[KOTS, "amplifying_channels"] == 0
    # AsiaToday: one stored post (the album, once, at its largest 87,000) over 105,000
    assert table.loc[ASIA, "posts"] == 1
    assert table.loc[ASIA, "err"] == pytest.approx(87_000 / 105_000)
    # Sladkov+: posts 7 (300k), 12 (150k), 1 (1k) over 932,000 subscribers
    assert table.loc[SLADKOV, "err"] == pytest.approx((300_000 + 150_000 + 1_000) / 3 / 932_000)
    assert table.loc[HIDDEN, "err"] is None or pd.isna(table.loc[HIDDEN, "err"])
    assert table.index[0] == ASIA  # most cited first


@pytest.mark.parametrize("suffix", [".gexf", ".graphml"])
def test_network_files_parse_back(store: Store, tmp_path, suffix: str) -> None:
    reference_case(store)
    graph = channel_graph(store)
    path = write_network(graph, tmp_path / f"network{suffix}")
    read = (
        nx.read_gexf(path, node_type=int)
        if suffix == ".gexf"
        else nx.read_graphml(path, node_type=int)
    )
    assert set(read.nodes) == set(graph.nodes)
    assert set(read.edges) == set(graph.edges)
    for u, v, data in graph.edges(data=True):
        assert float(read.edges[u, v]["weight"]) == data["weight"]
        assert int(read.edges[u, v]["views"]) == data["views"]
        assert read.edges[u, v]["kinds"] == data["kinds"]
    assert read.nodes[ASIA]["username"] == "AsiaToday"
    assert "subscribers" not in read.nodes[HIDDEN]  # unknown is left out, not faked


def test_network_csv_and_bad_suffix(store: Store, tmp_path) -> None:
    reference_case(store)
    path = write_network(channel_graph(store), tmp_path / "edges.csv")
    edges = pd.read_csv(path)
    assert len(edges) == 9
    row = edges[(edges["source"] == ASIA) & (edges["target"] == NEWS)].iloc[0]
    assert row["source_username"] == "AsiaToday" and row["kinds"] == "link,copy"
    with pytest.raises(UsageError, match=".gexf, .graphml or .csv"):
        write_network(channel_graph(store), tmp_path / "edges.txt")


def test_empty_network(store: Store, tmp_path) -> None:
    graph = channel_graph(store)
    assert graph.number_of_nodes() == 0
    assert nx.read_gexf(write_network(graph, tmp_path / "empty.gexf")).number_of_nodes() == 0
