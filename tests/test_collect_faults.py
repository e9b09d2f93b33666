"""Flood waits, server errors, dropped connections, unreadable channels, takeout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from amplify.store import Store
from collectors.telegram import collect, takeout
from tests.collect_support import (
    FloodClock,
    Recorder,
    fake_of,
    fixed,
    linear_channel,
    snapshot,
    stored_ids,
)
from tests.telegram_builders import make_channel, make_post
from tests.telegram_fake import FakeTelegram


@pytest.fixture
def clock() -> Iterator[FloodClock]:
    with FloodClock().installed() as virtual:
        yield virtual


def three_channels() -> list:
    return [
        linear_channel(1001, "alpha_news", 250),
        linear_channel(2002, "bravo_news", 250),
        linear_channel(3003, "charlie_news", 120),
    ]


NAMES = ["alpha_news", "bravo_news", "charlie_news"]


async def reference(tmp_path, channels=None) -> dict:
    """The tables an uninterrupted collection of ``channels`` produces."""
    store = Store(tmp_path / "reference.sqlite")
    fake = FakeTelegram(channels or three_channels())
    await collect(fake.make_client(), store, NAMES, now=fixed())
    return snapshot(store)


@pytest.mark.asyncio
async def test_a_short_flood_wait_is_slept_with_a_countdown(
    store: Store, clock: FloodClock
) -> None:
    fake = fake_of(linear_channel(1001, "alpha_news", 250))
    fake.flood("GetHistoryRequest", 30, at=2)
    recorder = Recorder()
    report = await collect(
        fake.make_client(),
        store,
        ["alpha_news"],
        flood_threshold=60,
        listener=recorder,
        now=fixed(),
    )
    assert report.exit_code == 0 and stored_ids(store, 1001) == list(range(1, 251))
    assert sum(clock.sleeps) == 30 and max(clock.sleeps) <= 1  # slept here, second by second
    waits = [e[2] for e in recorder.events if e[0] == "wait"]
    assert waits == [*range(30, 0, -1), 0]
    assert [r.outcome for r in fake.records("GetHistoryRequest")] == [
        "ok",
        "FLOOD_WAIT_30",
        "ok",
        "ok",
        "ok",
    ]
    assert report.requests["GetHistoryRequest"] == 5


@pytest.mark.asyncio
async def test_a_long_flood_wait_defers_the_channel_and_a_later_run_resumes(
    tmp_path, clock: FloodClock
) -> None:
    expected = await reference(tmp_path)
    store = Store(tmp_path / "a.sqlite")
    fake = FakeTelegram(three_channels())
    fake.flood("GetHistoryRequest", 3600, at=6)  # bravo's second page
    report = await collect(fake.make_client(), store, NAMES, flood_threshold=60, now=fixed())
    statuses = [(c.channel, c.status) for c in report.channels]
    assert statuses == [
        ("@alpha_news", "done"),
        ("@bravo_news", "deferred"),
        ("@charlie_news", "deferred"),  # Telethon remembers the deadline: nothing was sent
    ]
    assert report.exit_code == 3 and clock.sleeps == []
    bravo = report.channels[1]
    assert bravo.new == 100 and stored_ids(store, 2002) == list(range(1, 101))
    assert bravo.retry_at == report.retry_at
    assert abs((bravo.retry_at.timestamp() - clock.now) - 3600) < 2
    assert len(fake.history_params(3003)) == 0
    assert "re-run after" in report.summary_lines()[-1]
    assert store.checkpoint(2002).status == "deferred"
    assert store.runs_frame().status.tolist() == ["partial"]

    fake.requests.clear()
    early = await collect(fake.make_client(), store, NAMES, now=fixed())
    assert [c.status for c in early.channels] == ["done", "deferred", "deferred"]
    assert early.channels[1].reason == "still in a flood wait from an earlier run"
    assert fake.history_params(2002) == [] and fake.history_params(3003) == []

    clock.advance(3601)
    fake.requests.clear()
    later = await collect(fake.make_client(), store, NAMES, now=fixed())
    assert later.exit_code == 0
    assert fake.history_params(2002)[0]["offset_id"] == 101  # resumes after the saved page
    assert snapshot(store) == expected


@pytest.mark.asyncio
async def test_server_errors_and_dropped_connections_mid_page(tmp_path, clock: FloodClock) -> None:
    expected = await reference(tmp_path)
    store = Store(tmp_path / "a.sqlite")
    fake = FakeTelegram(three_channels())
    fake.server_error("GetHistoryRequest", at=2)  # Telethon retries it after 2 s
    fake.drop_connection("GetHistoryRequest", at=6)  # reconnect once and resend
    report = await collect(fake.make_client(), store, NAMES, now=fixed())
    assert report.exit_code == 0 and clock.sleeps == [2.0]
    outcomes = [r.outcome for r in fake.records("GetHistoryRequest")]
    assert outcomes.count("INTERNAL") == 1 and outcomes.count("CONNECTION_DROPPED") == 1
    assert snapshot(store) == expected


@pytest.mark.asyncio
async def test_persistent_failures_fail_the_channel_and_a_rerun_completes(
    tmp_path, clock: FloodClock
) -> None:
    expected = await reference(tmp_path)
    store = Store(tmp_path / "a.sqlite")
    fake = FakeTelegram(three_channels())
    fake.server_error("GetHistoryRequest", at=2, times=6)  # every retry Telethon makes
    fake.drop_connection("GetHistoryRequest", at=13)
    fake.drop_connection("GetHistoryRequest", at=14)  # again right after reconnecting
    report = await collect(fake.make_client(), store, NAMES, now=fixed())
    assert [c.status for c in report.channels] == ["failed", "done", "failed"]
    assert "server errors" in report.channels[0].reason or "kept failing" in (
        report.channels[0].reason
    )
    assert "dropped twice" in report.channels[2].reason
    assert report.exit_code == 3 and stored_ids(store, 1001) == list(range(1, 101))
    fake.requests.clear()
    again = await collect(fake.make_client(), store, NAMES, now=fixed())
    assert again.exit_code == 0 and fake.history_params(1001)[0]["offset_id"] == 101
    assert snapshot(store) == expected


@pytest.mark.asyncio
async def test_unreadable_channels_are_skipped_with_their_reason(store: Store) -> None:
    group = make_channel(4004, "some_group", "A group", broadcast=False)
    fake = FakeTelegram(
        [
            linear_channel(1001, "alpha_news", 30),
            make_channel(3003, "hidden_chan", "Hidden", private=True).add(
                make_post(3003, 1, 1_697_000_000, "secret")
            ),
            group,
        ]
    )
    asked = ["nosuchchannel", "alpha_news", "hidden_chan", "a__b", "some_group", "not a name!"]
    report = await collect(fake.make_client(), store, asked, now=fixed())
    reasons = {c.channel: (c.status, c.reason) for c in report.channels}
    assert reasons["@alpha_news"] == ("done", None)
    assert reasons["@nosuchchannel"][1].startswith("no channel @nosuchchannel: check the spelling")
    assert reasons["@hidden_chan"] == (
        "failed",
        "@hidden_chan is private or you were banned from it",
    )
    assert reasons["@a__b"] == ("failed", "@a__b is not a valid channel username")
    assert reasons["@some_group"] == ("failed", "@some_group is a group, not a channel")
    assert reasons["not a name!"][1] == "'not a name!' is not a channel username, t.me link or id"
    assert report.exit_code == 3 and stored_ids(store, 1001) == list(range(1, 31))
    assert len(store.posts_frame()) == 30

    only_bad = await collect(fake.make_client(), store, ["nosuchchannel"], now=fixed())
    assert only_bad.exit_code == 1 and store.runs_frame().status.tolist()[-1] == "failed"


@pytest.mark.asyncio
async def test_a_channel_turning_private_after_caching_is_reported(store: Store) -> None:
    channel = linear_channel(1001, "alpha_news", 30)
    fake = fake_of(channel)
    await collect(fake.make_client(), store, ["alpha_news"], now=fixed())
    channel.access_error = "CHANNEL_PRIVATE"
    report = await collect(fake.make_client(), store, ["alpha_news"], now=fixed())
    assert report.channels[0].reason == "@alpha_news is private or you were banned from it"
    assert store.checkpoint(1001).status == "failed"


@pytest.mark.asyncio
async def test_a_stale_access_hash_is_resolved_again(store: Store) -> None:
    channel = linear_channel(1001, "alpha_news", 30)
    await collect(fake_of(channel).make_client(), store, ["alpha_news"], now=fixed())
    channel.access_hash += 1  # as another account sees it
    fake = fake_of(channel)
    report = await collect(fake.make_client(), store, ["alpha_news"], now=fixed())
    assert report.exit_code == 0 and fake.count("ResolveUsernameRequest") == 1
    assert store.channel(1001).access_hash == channel.access_hash


@pytest.mark.asyncio
async def test_renamed_channel_is_noted(store: Store) -> None:
    channel = linear_channel(1001, "old_name", 10)
    await collect(fake_of(channel).make_client(), store, ["old_name"], now=fixed())
    channel.username = "new_name"
    report = await collect(fake_of(channel).make_client(), store, ["old_name"], now=fixed())
    assert report.channels[0].note == "now @new_name; update your channel list"
    assert store.channel("new_name").channel_id == 1001


@pytest.mark.asyncio
async def test_takeout_session_wraps_every_request(store: Store) -> None:
    fake = FakeTelegram(three_channels())
    client = fake.make_client()
    async with takeout(client) as session:
        report = await collect(session, store, NAMES, now=fixed())
    assert report.exit_code == 0 and len(store.posts_frame()) == 620
    records = fake.records()
    assert records[0].name == "account.InitTakeoutSessionRequest"
    assert records[-1].name == "account.FinishTakeoutSessionRequest"
    assert all(r.wrappers == ("InvokeWithTakeoutRequest",) for r in records[1:])
    assert fake.takeouts == set() and client.session.takeout_id is None
    assert store.runs_frame().parameters.iloc[0]["takeout"] is True


@pytest.mark.asyncio
async def test_takeout_refused_is_one_clear_error() -> None:
    from collectors.telegram import TelegramError

    fake = FakeTelegram([])
    fake.fail("InitTakeoutSessionRequest", 420, "TAKEOUT_INIT_DELAY_3600")
    with pytest.raises(TelegramError, match="confirmed first"):
        async with takeout(fake.make_client()):
            pass


def test_flood_countdown_uses_the_patched_clock() -> None:
    import collectors.telegram_flood as flood

    with FloodClock(start=1000.0).installed():
        assert flood.wall_clock_after(60).timestamp() == 1060.0
    assert flood.time.time() > 1_700_000_000  # restored
