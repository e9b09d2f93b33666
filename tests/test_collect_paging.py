"""Paging: request counts, incremental runs, --full, --since/--until, idempotent re-runs."""

from __future__ import annotations

import math

import pytest

from amplify.store import Store
from collectors.telegram import collect
from tests.collect_support import (
    NOW,
    Recorder,
    add_posts,
    at,
    fake_of,
    fixed,
    linear_channel,
    snapshot,
    stored_ids,
)
from tests.telegram_builders import make_service
from tests.telegram_fake import FakeTelegram


@pytest.mark.asyncio
@pytest.mark.parametrize("positions", [True, False], ids=["positions", "no-positions"])
@pytest.mark.parametrize("n", [250, 1000])
async def test_history_requests_meet_the_bound(store: Store, n: int, positions: bool) -> None:
    fake = fake_of(linear_channel(1001, "linear_news", n))
    fake.reports_positions = positions
    report = await collect(fake.make_client(), store, ["linear_news"], now=fixed())
    assert report.channels[0].new == n and stored_ids(store, 1001) == list(range(1, n + 1))
    # ceil(n / 100) pages; where Telegram does not say that the last page holds the newest
    # message (offset_id_offset 0), one more, empty, page proves the history ended
    assert fake.count("GetHistoryRequest") == math.ceil(n / 100) + (not positions)
    assert fake.count("ResolveUsernameRequest") == 1 and fake.count("GetFullChannelRequest") == 1
    assert report.requests == {
        "ResolveUsernameRequest": 1,
        "GetFullChannelRequest": 1,
        "GetHistoryRequest": fake.count("GetHistoryRequest"),
    }
    # oldest first, 100 at a time, min_id/max_id never used
    params = fake.history_params(1001)
    assert [(p["offset_id"], p["add_offset"], p["limit"]) for p in params[:2]] == [
        (1, -100, 100),
        (101, -100, 100),
    ]
    assert all(p["min_id"] == 0 and p["max_id"] == 0 for p in params)


@pytest.mark.asyncio
async def test_with_page_positions_incremental_runs_cost_ceil_new_over_100(store: Store) -> None:
    channel = linear_channel(1001, "linear_news", 250)
    fake = fake_of(channel)
    fake.reports_positions = True
    await collect(fake.make_client(), store, ["linear_news"], now=fixed())
    add_posts(channel, 251, 400)
    fake.requests.clear()
    report = await collect(fake.make_client(), store, ["linear_news"], now=fixed())
    assert report.channels[0].new == 150 and stored_ids(store, 1001) == list(range(1, 401))
    assert [p["offset_id"] for p in fake.history_params(1001)] == [251, 351]
    fake.requests.clear()
    nothing = await collect(fake.make_client(), store, ["linear_news"], now=fixed())
    assert nothing.channels[0].new == 0 and fake.count("GetHistoryRequest") == 1


@pytest.mark.asyncio
async def test_generated_corpus_costs_ceil_n_over_100(store: Store) -> None:
    fake = FakeTelegram.from_spec(seed=5, channels=3, posts_per_channel=250)
    names = [c.username for c in fake.channels.values()]
    report = await collect(fake.make_client(), store, names, now=fixed())
    assert report.exit_code == 0
    for channel in fake.channels.values():
        messages = len(channel.messages)  # posts plus service messages
        assert len(fake.history_params(channel.id)) <= math.ceil(messages / 100) + 1
    # forward sources arrive with their access hash in ``chats``: fewer resolves than channels
    assert 1 <= fake.count("ResolveUsernameRequest") < 3


@pytest.mark.asyncio
async def test_a_username_is_resolved_once_across_runs(store: Store) -> None:
    channel = linear_channel(1001, "linear_news", 120)
    fake = fake_of(channel)
    await collect(fake.make_client(), store, ["linear_news"], now=fixed())
    assert fake.count("ResolveUsernameRequest") == 1
    fake.requests.clear()
    add_posts(channel, 121, 130)
    report = await collect(fake.make_client(), store, ["LINEAR_NEWS"], now=fixed())  # new session
    assert fake.count("ResolveUsernameRequest") == 0
    assert report.channels[0].new == 10


@pytest.mark.asyncio
async def test_incremental_run_reads_only_new_posts(store: Store) -> None:
    channel = linear_channel(1001, "linear_news", 250)
    fake = fake_of(channel)
    client = fake.make_client()
    await collect(client, store, ["linear_news"], now=fixed())
    fake.requests.clear()
    nothing = await collect(client, store, ["linear_news"], now=fixed())
    assert nothing.channels[0].new == 0 and fake.count("GetHistoryRequest") == 1
    channel.add(make_service(1001, 251, at(251)))
    add_posts(channel, 252, 400)
    fake.requests.clear()
    recorder = Recorder()
    report = await collect(client, store, ["linear_news"], now=fixed(), listener=recorder)
    result = report.channels[0]
    assert (result.new, result.updated) == (149, 0)
    assert (result.first_message_id, result.last_message_id) == (251, 400)
    assert [p["offset_id"] for p in fake.history_params(1001)] == [251, 351, 401]
    assert stored_ids(store, 1001) == [*range(1, 251), *range(252, 401)]
    assert store.checkpoint(1001).last_message_id == 400
    assert [e for e in recorder.events if e[0] == "page"] == [
        ("page", "@linear_news", 99, 350),
        ("page", "@linear_news", 50, 400),
    ]


@pytest.mark.asyncio
async def test_full_rereads_and_updates_counters(store: Store) -> None:
    channel = linear_channel(1001, "linear_news", 250)
    fake = fake_of(channel)
    await collect(fake.make_client(), store, ["linear_news"], now=fixed())
    for message in channel.messages.values():
        message.views += 1000
    later = NOW.replace(day=2)
    fake.requests.clear()
    report = await collect(fake.make_client(), store, ["linear_news"], full=True, now=fixed(later))
    assert (report.channels[0].new, report.channels[0].updated) == (0, 250)
    assert fake.count("GetHistoryRequest") == 3 + 1
    views = store.posts_frame(columns=["message_id", "views"]).set_index("message_id").views
    assert views[1] == 1101 and len(store.post_stats_frame()) == 500
    state = store.checkpoint(1001)
    assert (state.pass_kind, state.read_from, state.last_message_id) == (None, None, 250)


@pytest.mark.asyncio
async def test_since_and_until_bound_the_window(store: Store) -> None:
    fake = fake_of(linear_channel(1001, "linear_news", 500))
    report = await collect(
        fake.make_client(), store, ["linear_news"], since=at(101), until=at(301), now=fixed()
    )
    assert stored_ids(store, 1001) == list(range(101, 301))
    assert report.channels[0].new == 200
    assert fake.count("GetHistoryRequest") == 3  # 101-200, 201-300, 301-400 (stops at until)
    first = fake.history_params(1001)[0]
    assert (first["offset_id"], first["offset_date"]) == (0, int(at(101).timestamp()))
    state = store.checkpoint(1001)
    assert (state.read_from, state.first_message_id, state.last_message_id) == (at(101), 101, 300)
    # later, without --until: continues after 300
    fake.requests.clear()
    await collect(fake.make_client(), store, ["linear_news"], since=at(101), now=fixed())
    assert stored_ids(store, 1001) == list(range(101, 501))
    assert [p["offset_id"] for p in fake.history_params(1001)] == [301, 401, 501]


@pytest.mark.asyncio
async def test_an_earlier_since_backfills_up_to_what_was_read(store: Store) -> None:
    fake = fake_of(linear_channel(1001, "linear_news", 400))
    await collect(fake.make_client(), store, ["linear_news"], since=at(251), now=fixed())
    assert stored_ids(store, 1001) == list(range(251, 401))
    fake.requests.clear()
    report = await collect(fake.make_client(), store, ["linear_news"], since=at(51), now=fixed())
    assert stored_ids(store, 1001) == list(range(51, 401))
    assert (report.channels[0].new, report.channels[0].updated) == (200, 0)
    # backfill 51-150, 151-250 (touches the coverage at 251), then one forward request
    assert [p["offset_id"] for p in fake.history_params(1001)] == [0, 151, 401]
    state = store.checkpoint(1001)
    assert (state.read_from, state.first_message_id, state.last_message_id) == (at(51), 51, 400)
    assert state.pass_kind is None
    fake.requests.clear()
    await collect(fake.make_client(), store, ["linear_news"], now=fixed())  # from the start
    assert stored_ids(store, 1001) == list(range(1, 401))
    assert store.checkpoint(1001).read_from is None


@pytest.mark.asyncio
async def test_a_later_since_skips_what_lies_before_it(store: Store) -> None:
    fake = fake_of(linear_channel(1001, "linear_news", 600))
    await collect(fake.make_client(), store, ["linear_news"], until=at(101), now=fixed())
    fake.requests.clear()
    await collect(fake.make_client(), store, ["linear_news"], since=at(501), now=fixed())
    assert stored_ids(store, 1001) == [*range(1, 101), *range(501, 601)]
    assert fake.count("GetHistoryRequest") == 2  # from 501 by date, not from 101
    state = store.checkpoint(1001)
    assert (state.read_from, state.first_message_id, state.last_message_id) == (at(501), 501, 600)


@pytest.mark.asyncio
async def test_rerunning_changes_nothing(store: Store) -> None:
    fake = FakeTelegram.from_spec(seed=9, channels=3, posts_per_channel=150)
    names = [c.username for c in fake.channels.values()]
    await collect(fake.make_client(), store, names, now=fixed())
    before = snapshot(store)
    for _ in range(2):
        await collect(fake.make_client(), store, names, now=fixed())
        await collect(fake.make_client(), store, names, full=True, now=fixed())
    assert snapshot(store) == before
    assert len(store.runs_frame()) == 5


@pytest.mark.asyncio
async def test_window_arguments(store: Store) -> None:
    from amplify.errors import UsageError

    fake = fake_of(linear_channel(1001, "linear_news", 20))
    naive = at(11).replace(tzinfo=None)  # taken as UTC
    await collect(fake.make_client(), store, ["linear_news"], since=naive, now=fixed())
    assert stored_ids(store, 1001) == list(range(11, 21))
    with pytest.raises(UsageError, match="must be before until"):
        await collect(fake.make_client(), store, ["x_chan"], since=at(5), until=at(5))
