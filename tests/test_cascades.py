"""Cascades from a hand-built store modelled on the DFRLab "NATO center" case (DESIGN.md).

Every number asserted here is worked out by hand in the comments.
"""

from __future__ import annotations

import math
from datetime import timedelta

import networkx as nx
import pandas as pd
import pytest

from amplify.cascades import build_cascades, cascade_edges
from amplify.config import Config, Narrative
from amplify.errors import ConfigError, UsageError
from amplify.model import MEMBER_COLUMNS
from amplify.records import ChannelStats
from amplify.store import Store
from tests.factories import T0, channel, link, post

ROOT_TEXT = (
    "В Казахстане под Алматы торжественно открыли настоящий центр НАТО для подготовки "
    "военных. На церемонии перерезали ленточку офицеры из США, Великобритании и других "
    "стран альянса. Местные жители не понимают, зачем республике иностранные инструкторы "
    "у самых границ России. Официальные лица уверяют, что речь идёт лишь о миротворческих "
    "учениях, но видео говорит само за себя."
)  # 52 words -> 50 word 3-grams
COMMENTARY = " Вот так НАТО шаг за шагом подбирается к нашим границам."  # 10 words
SHUFFLED = " ".join(reversed(ROOT_TEXT.split()))  # the same words, another order

ASIA, SLADKOV, KOTS, RYBAR, NEWS, RUDENKO, HIDDEN, OTHER, EARLY = 1, 2, 3, 4, 5, 6, 9, 7, 8
ROOT = (ASIA, 100)


def minutes(m: float):
    return T0 + timedelta(minutes=m)


def reference_case(store: Store) -> None:
    """AsiaToday's album (video + 2 photos) and everything that amplified it.

    - Sladkov+ forwards the video alone (+20 min, 300k views);
    - Reporter Rudenko forwards the whole album (+25 min, 3 messages, one grouped_id);
    - Kotsnews copies the text and adds a sentence of commentary (+40 min): Jaccard 50/60;
    - Rybar posts the same video (same media id) without a forward header (+60 min);
    - a news channel (1.5M) repeats the text with a t.me link to the root (+90 min);
    - an unrelated channel posts the same words in reverse order (+50 min): not a copy;
    - Sladkov+ and Kotsnews forward a post of a channel that was never collected;
    - history the day before: Kotsnews forwarded Sladkov+, the news channel linked Rybar.
    """
    store.save_channels(
        [
            channel(ASIA, "AsiaToday", title="Asia Today"),
            channel(SLADKOV, "sladkov_plus", title="Sladkov+"),
            channel(KOTS, "sashakots", title="Kotsnews"),
            channel(RYBAR, "rybar", title="Rybar"),
            channel(NEWS, "news_kz", title="News"),
            channel(RUDENKO, "rudenko", title="Reporter Rudenko V"),
            channel(OTHER, "other", title="Other"),
        ]
    )
    day = timedelta(days=1)
    store.save_channel_stats(
        [
            ChannelStats(ASIA, T0 - day, 100_000),
            ChannelStats(ASIA, T0 + 2 * day, 105_000),  # later snapshot: not used
            ChannelStats(SLADKOV, T0 + day, 932_000),  # only after: the earliest after
            ChannelStats(KOTS, T0 - day, 568_000),
            ChannelStats(RYBAR, T0 - day, 1_100_000),
            ChannelStats(RYBAR, T0 + day, 1_150_000),
            ChannelStats(NEWS, T0 - day, 1_500_000),
            ChannelStats(RUDENKO, T0 - day, 250_000),
            ChannelStats(OTHER, T0 - day, 10_000),
        ]
    )
    album = dict(grouped_id=5001)
    store.save_posts(
        [
            # the root album: caption and video on 100, photos 101 and 102
            post(ASIA, 100, 0, text=ROOT_TEXT, views=87_000, media_id=555, **album),
            post(ASIA, 101, 0, views=86_000, media_id=556, **album),
            post(ASIA, 102, 0, views=85_000, media_id=557, **album),
            post(SLADKOV, 7, 20, text=ROOT_TEXT, views=300_000, media_id=555, **fwd(ASIA, 100)),
            post(
                RUDENKO,
                50,
                25,
                text=ROOT_TEXT,
                views=120_000,
                media_id=555,
                grouped_id=6001,
                **fwd(ASIA, 100),
            ),
            post(RUDENKO, 51, 25, views=119_000, media_id=556, grouped_id=6001, **fwd(ASIA, 101)),
            post(RUDENKO, 52, 25, views=118_000, media_id=557, grouped_id=6001, **fwd(ASIA, 102)),
            post(KOTS, 9, 40, text=ROOT_TEXT + COMMENTARY, views=200_000),
            post(OTHER, 3, 50, text=SHUFFLED, views=1_000),
            post(
                RYBAR,
                11,
                60,
                text="Видео из Казахстана, смотрите сами",
                views=250_000,
                media_id=555,
            ),
            post(
                NEWS,
                21,
                90,
                text=ROOT_TEXT + "\n\nИсточник: https://t.me/AsiaToday/100",
                views=500_000,
                links=[link("asiatoday", 100)],
            ),
            # a root outside the collection, known from two forward headers
            post(
                SLADKOV,
                12,
                30,
                text="Колонна техники замечена у границы, подробности позже",
                views=150_000,
                **fwd(HIDDEN, 5, -60),
            ),
            post(
                KOTS,
                13,
                45,
                text="Колонна техники замечена у границы, подробности позже",
                views=90_000,
                **fwd(HIDDEN, 5, -60),
            ),
            # the day before: Kotsnews forwarded Sladkov+, the news channel linked Rybar
            post(SLADKOV, 1, -2 * 1440, text="Вчерашняя сводка", views=1_000),
            post(
                KOTS, 1, -1440, text="Вчерашняя сводка", views=1_000, **fwd(SLADKOV, 1, -2 * 1440)
            ),
            post(RYBAR, 1, -2 * 1440, text="Карта", views=1_000),
            post(NEWS, 1, -1440, text="Карта: t.me/rybar/1", views=1_000, links=[link("rybar", 1)]),
        ]
    )


def fwd(channel_id: int, message_id: int, minutes_from_t0: float = 0) -> dict:
    return dict(
        fwd_channel_id=channel_id,
        fwd_message_id=message_id,
        fwd_date=minutes(minutes_from_t0),
        fwd_name="Военная хроника" if channel_id == HIDDEN else None,
    )


def by_root(cascades, root):
    found = [c for c in cascades if c.root == root]
    assert len(found) == 1, [c.root for c in cascades]
    return found[0]


def members(cascade) -> dict[tuple[int, int], str]:
    rows = cascade.members[~cascade.members["is_root"]]
    return {
        (c, m): k
        for c, m, k in zip(rows["channel_id"], rows["message_id"], rows["kinds"], strict=True)
    }


def test_reference_cascade_membership_and_kinds(store: Store) -> None:
    reference_case(store)
    cascade = by_root(build_cascades(store), ROOT)
    assert members(cascade) == {
        (SLADKOV, 7): "forward",
        (RUDENKO, 50): "forward",
        (RUDENKO, 51): "forward",  # forwards of the album's photos join the album's root
        (RUDENKO, 52): "forward",
        (KOTS, 9): "copy",
        (RYBAR, 11): "media",
        (NEWS, 21): "link,copy",  # one member, both kinds
    }
    assert (OTHER, 3) not in cascade.graph  # same words, another order: not a copy
    assert list(cascade.members.columns) == list(MEMBER_COLUMNS)
    assert cascade.members["url"].iloc[0] == "https://t.me/AsiaToday/100"
    assert cascade.members.set_index("message_id").loc[9, "url"] == "https://t.me/sashakots/9"
    root = cascade.root_attributes
    assert root["collected"] and root["views"] == 87_000 and root["text"] == ROOT_TEXT
    assert root["subscribers"] == 100_000  # the snapshot before the post, not the later one
    subs = nx.get_node_attributes(cascade.graph, "subscribers")
    assert subs[(SLADKOV, 7)] == 932_000  # only a later snapshot: the earliest after
    assert subs[(RYBAR, 11)] == 1_100_000
    assert {d["kind"] for _, _, d in cascade.graph.edges(data=True)} == {
        "forward",
        "copy",
        "media",
        "link",
    }


def test_reference_cascade_metrics_exactly(store: Store) -> None:
    reference_case(store)
    m = by_root(build_cascades(store), ROOT).metrics
    assert m["size"] == 8 and m["depth"] == 1 and m["max_breadth"] == 7
    assert m["structural_virality"] == pytest.approx(2 * 7 / 8)  # star: 2(n-1)/n
    # root 87k + Sladkov 300k + Rudenko album once (max 120k) + Kots 200k + Rybar 250k
    # + news 500k
    assert m["reach"] == 87_000 + 300_000 + 120_000 + 200_000 + 250_000 + 500_000
    assert m["reach"] == 1_457_000
    assert m["amplification"] == pytest.approx((1_457_000 - 87_000) / 87_000)
    assert m["potential_reach"] == 100_000 + 932_000 + 250_000 + 568_000 + 1_100_000 + 1_500_000
    assert m["amplifiers"] == 5
    assert m["time_to_first_amplification_s"] == 20 * 60
    # cumulative: 87k, 387k (+20), 507k (+25), 707k (+40), 957k (+60) >= 1_457_000 / 2
    assert m["time_to_half_reach_s"] == 60 * 60
    assert m["amplifications_1h"] == 4 and m["amplifications_24h"] == 5
    assert m["views_unknown"] == 0 and m["tree"] == "star"


def test_uncollected_root_forms_its_own_cascade(store: Store) -> None:
    reference_case(store)
    cascade = by_root(build_cascades(store), (HIDDEN, 5))
    root = cascade.root_attributes
    assert root["collected"] is False and root["views"] is None and root["text"] is None
    assert root["title"] == "Военная хроника" and root["username"] is None  # from the header
    assert root["date"] == minutes(-60)  # the header's date
    assert members(cascade) == {(SLADKOV, 12): "forward", (KOTS, 13): "forward"}
    m = cascade.metrics
    assert m["reach"] == 240_000 and m["amplification"] is None and m["views_unknown"] == 1
    assert m["potential_reach"] == 932_000 + 568_000  # the hidden channel's is unknown
    assert m["time_to_first_amplification_s"] == 90 * 60
    assert cascade.members["url"].iloc[0] == "https://t.me/c/9/5"


def test_cascades_are_sorted_by_reach_and_min_size(store: Store) -> None:
    reference_case(store)
    cascades = build_cascades(store)
    reaches = [c.metrics["reach"] for c in cascades]
    assert reaches == sorted(reaches, reverse=True) and cascades[0].root == ROOT
    assert {c.root for c in cascades} == {ROOT, (HIDDEN, 5), (SLADKOV, 1), (RYBAR, 1)}
    assert all(c.size >= 2 for c in cascades)
    assert {c.root for c in build_cascades(store, min_size=4)} == {ROOT}


def test_inferred_tree_hand_worked(store: Store) -> None:
    """Kotsnews had forwarded Sladkov+ before: its copy hangs off Sladkov+'s forward.
    The news channel had linked Rybar before: its post hangs off Rybar's. Everyone
    else hangs off the root (Rybar and Rudenko had no exposure to an earlier member).
    """
    reference_case(store)
    cascade = by_root(build_cascades(store, tree="inferred"), ROOT)
    parents = {child: parent for parent, child in cascade.graph.edges}
    assert parents == {
        (SLADKOV, 7): ROOT,
        (RUDENKO, 50): ROOT,
        (RUDENKO, 51): ROOT,
        (RUDENKO, 52): ROOT,
        (KOTS, 9): (SLADKOV, 7),
        (RYBAR, 11): ROOT,
        (NEWS, 21): (RYBAR, 11),
    }
    m = cascade.metrics
    assert m["tree"] == "inferred" and m["depth"] == 2 and m["max_breadth"] == 5
    # W = root-Sladkov 2*6 + Sladkov-Kots 1*7 + 3 Rudenko 3*7 + root-Rybar 2*6
    #     + Rybar-news 1*7 = 59; nu = 59 / C(8, 2)
    assert m["structural_virality"] == pytest.approx(59 / math.comb(8, 2))
    assert m["reach"] == 1_457_000  # the tree does not change the reach
    depth = cascade.members.set_index(["channel_id", "message_id"])["depth"]
    assert depth[(KOTS, 9)] == 2 and depth[(NEWS, 21)] == 2
    # the exposure history is the whole store's, whichever cascades are built
    (alone,) = build_cascades(store, tree="inferred", root=ROOT)
    assert {child: parent for parent, child in alone.graph.edges} == parents


def test_copy_threshold_changes_membership(store: Store) -> None:
    reference_case(store)
    strict = members(by_root(build_cascades(store, copy_threshold=0.9), ROOT))
    assert (KOTS, 9) not in strict  # Jaccard 50/60 = 0.83 < 0.9
    assert strict[(NEWS, 21)] == "link,copy"  # 50/51 = 0.98: still a copy
    only_forward = members(by_root(build_cascades(store, kinds=["forward"]), ROOT))
    assert set(only_forward) == {(SLADKOV, 7), (RUDENKO, 50), (RUDENKO, 51), (RUDENKO, 52)}
    no_copies = members(by_root(build_cascades(store, kinds=["forward", "link", "media"]), ROOT))
    assert no_copies[(NEWS, 21)] == "link" and (KOTS, 9) not in no_copies


def test_a_copy_published_before_is_the_root(store: Store) -> None:
    store.save_channels([channel(OTHER, "other"), channel(EARLY, "early")])
    store.save_posts(
        [
            post(OTHER, 1, 60, text=ROOT_TEXT, views=10),
            post(EARLY, 1, 0, text=ROOT_TEXT + COMMENTARY, views=20),  # published first
        ]
    )
    cascades = build_cascades(store)
    assert [c.root for c in cascades] == [(EARLY, 1)]
    assert members(cascades[0]) == {(OTHER, 1): "copy"}


def test_a_post_never_joins_its_own_cascade_but_its_channel_may(store: Store) -> None:
    store.save_channels([channel(ASIA, "AsiaToday")])
    store.save_posts(
        [
            post(ASIA, 1, 0, text="Новость", views=10, links=[link("asiatoday", 1)]),
            post(ASIA, 2, 5, views=5, **fwd(ASIA, 1)),  # the channel forwards its own post
        ]
    )
    (cascade,) = build_cascades(store)
    assert members(cascade) == {(ASIA, 2): "forward"}


def test_links_to_a_forward_go_to_the_original_and_unknown_channels_are_skipped(
    store: Store,
) -> None:
    store.save_channels([channel(ASIA, "AsiaToday"), channel(SLADKOV, "sladkov_plus")])
    store.save_posts(
        [
            post(ASIA, 1, 0, text="Оригинал", views=10),
            post(SLADKOV, 2, 5, text="Оригинал", views=5, **fwd(ASIA, 1)),
            post(NEWS, 3, 9, text="см. t.me/sladkov_plus/2", links=[link("sladkov_plus", 2)]),
            post(NEWS, 4, 9, text="см. t.me/unknown_chan/2", links=[link("unknown_chan", 2)]),
            post(NEWS, 5, 9, text="см. t.me/c/777/3", links=[link(None, 3, channel_id=777)]),
        ]
    )
    cascades = {c.root: c for c in build_cascades(store)}
    assert members(cascades[(ASIA, 1)]) == {(SLADKOV, 2): "forward", (NEWS, 3): "link"}
    private = cascades[(777, 3)]  # a t.me/c/ link: the channel id is known, not collected
    assert private.root_attributes["collected"] is False
    assert private.root_attributes["date"] is None
    assert len(cascades) == 2


def test_media_root_is_the_earliest_non_forward_or_the_forwarded_original(store: Store) -> None:
    store.save_channels([channel(c, f"chan{c}") for c in (1, 2, 3, 4)])
    store.save_posts(
        [
            post(2, 1, 10, views=1, media_id=42),  # a re-upload with the same photo id
            post(3, 1, 20, views=1, media_id=42, **fwd(HIDDEN, 8, -5)),  # forward of the original
            post(4, 1, 30, views=1, media_id=42),
        ]
    )
    (cascade,) = build_cascades(store)
    assert cascade.root == (HIDDEN, 8)  # the original (-5 min) is earlier than any upload
    assert members(cascade) == {(2, 1): "media", (3, 1): "forward", (4, 1): "media"}


def test_forwarded_album_of_an_uncollected_channel_is_one_root(store: Store) -> None:
    store.save_channels([channel(2, "two"), channel(3, "three")])
    store.save_posts(
        [
            post(2, 1, 0, views=5, grouped_id=1, **fwd(HIDDEN, 10)),
            post(2, 2, 0, views=5, grouped_id=1, **fwd(HIDDEN, 11)),
            post(3, 1, 5, views=7, grouped_id=2, **fwd(HIDDEN, 11)),
            post(3, 2, 5, views=7, grouped_id=2, **fwd(HIDDEN, 12)),
        ]
    )
    (cascade,) = build_cascades(store)
    assert cascade.root == (HIDDEN, 10) and cascade.size == 5
    assert cascade.metrics["reach"] == 12  # two albums, each counted once


def test_root_parameter(store: Store) -> None:
    reference_case(store)
    (cascade,) = build_cascades(store, root="https://t.me/AsiaToday/100")
    assert cascade.root == ROOT and cascade.size == 8
    assert build_cascades(store, root="t.me/asiatoday/102")[0].root == ROOT  # album message
    assert build_cascades(store, root="https://t.me/sladkov_plus/7")[0].root == ROOT  # a forward
    assert build_cascades(store, root=(HIDDEN, 5))[0].size == 3
    lone = build_cascades(store, root=(OTHER, 3))  # no amplifier: still shown when asked
    assert [c.size for c in lone] == [1] and lone[0].metrics["structural_virality"] is None
    with pytest.raises(UsageError, match="not in the store"):
        build_cascades(store, root="https://t.me/AsiaToday/999")
    with pytest.raises(UsageError, match="not a link"):
        build_cascades(store, root="https://example.com/x")
    with pytest.raises(UsageError):
        build_cascades(store, root="https://t.me/nobody_here/1")
    with pytest.raises(UsageError, match="not both"):
        build_cascades(store, root=ROOT, narrative=Narrative(title="x", keywords=["x"]))
    # a root asked for by name is built whatever the window
    assert build_cascades(store, root=ROOT, since=T0 + timedelta(days=1))[0].size == 8


def test_window_and_bad_arguments(store: Store) -> None:
    reference_case(store)
    roots = {c.root for c in build_cascades(store, since=T0 - timedelta(minutes=1))}
    assert roots == {ROOT}  # the hidden root (-60 min) and the day-before ones are left out
    assert {c.root for c in build_cascades(store, until=T0)} == {
        (HIDDEN, 5),
        (SLADKOV, 1),
        (RYBAR, 1),
    }
    with pytest.raises(UsageError, match="unknown cascade edge kind 'retweet'"):
        build_cascades(store, kinds=["forward", "retweet"])
    with pytest.raises(UsageError, match="copy threshold"):
        build_cascades(store, copy_threshold=1.5)
    with pytest.raises(UsageError, match="tree"):
        build_cascades(store, tree="deep")  # type: ignore[arg-type]


def test_narrative_by_name_and_object(store: Store) -> None:
    reference_case(store)
    nato = Narrative(
        title="NATO center",
        since=T0 - timedelta(days=1),
        until=T0 + timedelta(days=30),
        keywords=["центр НАТО", "NATO center"],
    )
    config = Config(narratives={"nato-center": nato})
    (cascade,) = build_cascades(store, narrative="nato-center", config=config)
    assert cascade.root == ROOT and cascade.narrative == "nato-center"
    assert [c.root for c in build_cascades(store, narrative=nato)] == [ROOT]
    with pytest.raises(ConfigError, match="not defined"):
        build_cascades(store, narrative="missing", config=config)
    edges = cascade_edges(store, narrative=nato)
    assert set(zip(edges["root_channel_id"], edges["root_message_id"], strict=True)) == {ROOT}
    assert len(edges) == 7 and pd.api.types.is_datetime64_any_dtype(edges["date"])


def test_empty_store(store: Store) -> None:
    assert build_cascades(store) == []
    assert cascade_edges(store).empty


def test_synthetic_store_matches_its_ground_truth(store: Store) -> None:
    """Every planted member is found with exactly its planted kinds, and nothing else."""
    from benchmarks.synthetic import generate

    truth = generate(store, posts=1500, seed=5)
    cascades = build_cascades(store)
    found = {
        c.root: {
            (ch, msg): set(kinds.split(","))
            for ch, msg, kinds, is_root in c.members[
                ["channel_id", "message_id", "kinds", "is_root"]
            ].itertuples(index=False)
            if not is_root
        }
        for c in cascades
    }
    assert found == truth.cascades
    assert truth.copies and truth.uncollected_roots
    for cascade in cascades:
        assert cascade.root_attributes["collected"] == (cascade.root not in truth.uncollected_roots)


def test_benchmark_smoke(tmp_path) -> None:
    """The benchmark runs end to end (its timings are not asserted)."""
    from benchmarks.cascades import run

    result = run(posts=400, seed=2, db=tmp_path / "bench.sqlite")
    assert result["posts"] == 400 and result["build"]["cascades"] > 0
    assert result["accuracy"]["found_of_planted"] == result["accuracy"]["planted_members"]
    assert result["read"]["seconds"] > 0 and result["build"]["peak_rss_mb"] > 0
