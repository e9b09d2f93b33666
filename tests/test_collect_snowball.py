"""Snowball discovery on a hand-built reference graph.

chan_a (seed) ──fwd×3──▶ chan_b ──fwd×2──▶ chan_e
   │  └──link×1──▶ chan_c          └──link×5──▶ chan_a (collected already)
   ├──link×2──▶ chan_d ──link×2──▶ chan_f
   └──link×4──▶ chan_a itself (a self-loop: never counts)
chan_d has 50 subscribers; the others 10,000.
"""

from __future__ import annotations

import pytest

from amplify.store import Store
from collectors.telegram import collect
from collectors.telegram_snowball import count_references
from tests.collect_support import BASE, fixed
from tests.telegram_builders import make_channel, make_post
from tests.telegram_fake import FakeTelegram

A, B, C, D, E, F = 1001, 2002, 3003, 4004, 5005, 6006


def graph() -> FakeTelegram:
    def channel(cid: int, name: str, subscribers: int = 10_000):
        return make_channel(cid, name, name.upper(), subscribers=subscribers)

    a, b, c = channel(A, "chan_a"), channel(B, "chan_b"), channel(C, "chan_c")
    d, e, f = channel(D, "chan_d", 50), channel(E, "chan_e"), channel(F, "chan_f")
    for source in (b, c, d, e, f):
        source.add(make_post(source.id, 1, BASE, f"original of {source.username}", views=10))
    posts = [
        *(make_post(A, i, BASE, "fwd", fwd=(B, 1, BASE)) for i in range(1, 4)),
        make_post(A, 4, BASE, "see t.me/chan_c/1"),
        make_post(A, 5, BASE, "see https://t.me/chan_d/1"),
        make_post(A, 6, BASE, "source", text_urls=[("source", "https://t.me/s/CHAN_D/1")]),
        *(make_post(A, i, BASE, f"our own t.me/chan_a/{i - 6}") for i in range(7, 11)),
    ]
    a.add(*posts)
    b.add(*(make_post(B, i, BASE, "fwd", fwd=(E, 1, BASE)) for i in range(2, 4)))
    b.add(*(make_post(B, i, BASE, "t.me/chan_a/1") for i in range(4, 9)))
    d.add(*(make_post(D, i, BASE, f"t.me/chan_f/{i}") for i in range(2, 4)))
    return FakeTelegram([a, b, c, d, e, f])


def collected(report) -> dict[str, int]:
    return {c.channel: c.depth for c in report.channels}


@pytest.mark.asyncio
async def test_depth_one_adds_channels_referenced_often_enough(store: Store) -> None:
    fake = graph()
    report = await collect(
        fake.make_client(), store, ["chan_a"], snowball=1, min_references=2, now=fixed()
    )
    assert collected(report) == {"@chan_a": 0, "@chan_b": 1, "@chan_d": 1}
    assert [(d.channel, d.references, d.referenced_by, d.added) for d in report.discovered] == [
        ("@chan_b", 3, ("@chan_a",), True),
        ("@chan_d", 2, ("@chan_a",), True),
    ]
    assert report.discovered[0].reason == "3 references from @chan_a"
    # chan_b came with its access hash in chat_a's history (a forward source): no resolve
    resolved = [r.request.username for r in fake.records("ResolveUsernameRequest")]
    assert resolved == ["chan_a", "chan_d"]
    counts = store.runs_frame().counts.iloc[0]
    assert [d["channel"] for d in counts["discovered"]] == ["@chan_b", "@chan_d"]
    assert counts["channels"]["@chan_b"]["depth"] == 1
    assert report.exit_code == 0


@pytest.mark.asyncio
async def test_depth_two_follows_the_discovered_channels(store: Store) -> None:
    report = await collect(
        graph().make_client(), store, ["chan_a"], snowball=2, min_references=2, now=fixed()
    )
    assert collected(report) == {
        "@chan_a": 0,
        "@chan_b": 1,
        "@chan_d": 1,
        "@chan_e": 2,
        "@chan_f": 2,
    }
    by = {d.channel: d.referenced_by for d in report.discovered}
    assert by["@chan_e"] == ("@chan_b",) and by["@chan_f"] == ("@chan_d",)
    assert "@chan_c" not in by and "@chan_a" not in by  # below threshold; a seed


@pytest.mark.asyncio
async def test_thresholds(store: Store) -> None:
    strict = await collect(
        graph().make_client(), store, ["chan_a"], snowball=2, min_references=3, now=fixed()
    )
    assert collected(strict) == {"@chan_a": 0, "@chan_b": 1}
    big = await collect(
        graph().make_client(),
        store,
        ["chan_a"],
        snowball=2,
        min_references=2,
        min_subscribers=1000,
        now=fixed(),
    )
    assert collected(big) == {"@chan_a": 0, "@chan_b": 1, "@chan_e": 2}
    rejected = next(d for d in big.discovered if d.channel == "@chan_d")
    assert not rejected.added
    assert rejected.reason == "2 references from @chan_a, but 50 subscribers (fewer than 1000)"


@pytest.mark.asyncio
async def test_unreadable_candidates_are_recorded_not_failed(store: Store) -> None:
    fake = graph()
    fake.channel(B).access_error = "CHANNEL_PRIVATE"
    report = await collect(fake.make_client(), store, ["chan_a"], snowball=1, now=fixed())
    assert collected(report) == {"@chan_a": 0, "@chan_d": 1}
    private = report.discovered[0]
    assert (private.channel_id, private.added) == (B, False)
    assert private.reason.endswith("is private or you were banned from it")
    assert report.exit_code == 0


@pytest.mark.asyncio
async def test_count_references_merges_names_and_ids_without_self_loops(store: Store) -> None:
    await collect(graph().make_client(), store, ["chan_a", "chan_b"], now=fixed())
    found = {c.label: (c.references, sorted(c.referrers)) for c in count_references(store, [A])}
    assert found == {"@chan_b": (3, [A]), "@chan_d": (2, [A]), "@chan_c": (1, [A])}
    both = {c.label: c.references for c in count_references(store, [A, B])}
    # chan_b's five links to chan_a count once chan_a is known by name
    assert both == {"@chan_a": 5, "@chan_b": 3, "@chan_d": 2, "@chan_e": 2, "@chan_c": 1}
    assert count_references(store, [A], since=BASE.replace(year=2030)) == []
