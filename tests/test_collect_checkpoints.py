"""Checkpoints: the collection_state migration, store methods, and passes that resume."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect, select

from amplify import schema
from amplify.migrations import head_revision, upgrade_to_head
from amplify.records import Channel
from amplify.store import Checkpoint, Store
from collectors.telegram import collect
from collectors.telegram_history import merge_pass
from tests.collect_support import (
    NOW,
    FloodClock,
    at,
    fake_of,
    fixed,
    linear_channel,
    stored_ids,
)
from tests.factories import channel, post
from tests.telegram_fake import FakeTelegram


@pytest.fixture
def clock() -> Iterator[FloodClock]:
    with FloodClock().installed() as virtual:
        yield virtual


def test_a_database_at_0001_upgrades_keeping_its_rows(store_url: str) -> None:
    url = store_url if "://" in store_url else f"sqlite:///{store_url}"
    engine = create_engine(url)
    with engine.begin() as conn:
        upgrade_to_head(conn, "0001")
    engine.dispose()
    # write data with the 0001 schema: an older amplify's database
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            schema.channels.insert(),
            [{"channel_id": 1, "username": "AsiaToday", "title": "Asia", "access_hash": 77}],
        )
        conn.execute(
            schema.posts.insert(),
            [
                {"channel_id": 1, "message_id": 5, "date": NOW, "collected_at": NOW, "views": 9},
                {"channel_id": 1, "message_id": 6, "date": NOW, "collected_at": NOW, "views": None},
            ],
        )
        assert not inspect(conn).has_table("collection_state")
    engine.dispose()

    store = Store(store_url)
    assert store.schema_revision() == head_revision() == "0002"
    assert store.posts_frame().message_id.tolist() == [5, 6]
    assert store.channel("asiatoday") == Channel(1, "AsiaToday", "Asia", access_hash=77)
    assert store.checkpoint(1) is None
    store.save_checkpoint(Checkpoint(1, first_message_id=5, last_message_id=6, status="done"))
    assert store.checkpoint(1).last_message_id == 6
    store.close()


def test_checkpoints_and_cached_channels(store: Store) -> None:
    assert store.channel("nobody") is None and store.channel(5) is None
    store.save_channels([channel(5, "Kotsnews", access_hash=123)], seen_at=NOW)
    assert store.channel("@KOTSNEWS").access_hash == 123
    assert store.channel(5).username == "Kotsnews"
    assert store.channels_frame().first_seen.tolist() == [NOW]
    state = Checkpoint(
        5,
        read_from=at(1),
        first_message_id=1,
        last_message_id=250,
        last_date=at(250),
        pass_kind="full",
        pass_from=None,
        pass_first_id=1,
        pass_cursor=100,
        status="deferred",
        deferred_until=NOW + timedelta(hours=1),
        reason="flood",
        updated_at=NOW,
    )
    store.save_checkpoint(state)
    assert store.checkpoint(5) == state
    store.save_checkpoint(Checkpoint(5, last_message_id=300))
    assert store.checkpoint(5) == Checkpoint(5, last_message_id=300)
    store.save_checkpoint(Checkpoint(6, last_message_id=1))  # an unknown channel gets a row
    assert store.channel(6) == Channel(6)
    with store.transaction() as conn:
        store.save_posts([post(5, 1)], conn=conn)
        store.save_checkpoint(Checkpoint(5, last_message_id=1), conn=conn)
    assert store.checkpoint(5).last_message_id == 1
    assert "collection_state" not in schema.TABLES  # bookkeeping, not in 'amplify status'


def test_merge_pass() -> None:
    empty = Checkpoint(1)
    assert merge_pass(empty, at(10), 10, 50, at(50)) == Checkpoint(
        1, read_from=at(10), first_message_id=10, last_message_id=50, last_date=at(50)
    )
    covered = Checkpoint(
        1, read_from=at(100), first_message_id=100, last_message_id=200, last_date=at(200)
    )
    # from earlier, not there yet: cannot merge
    assert merge_pass(covered, at(10), 10, 90, at(90)) is None
    # from earlier and touching the coverage
    assert merge_pass(covered, at(10), 10, 99, at(99)) == Checkpoint(
        1, read_from=at(10), first_message_id=10, last_message_id=200, last_date=at(200)
    )
    # from earlier, across and beyond
    assert merge_pass(covered, None, 1, 250, at(250)) == Checkpoint(
        1, read_from=None, first_message_id=1, last_message_id=250, last_date=at(250)
    )
    # from earlier, the history ended before reaching it (its first posts were deleted)
    assert merge_pass(covered, at(10), 10, 60, at(60), reached_end=True).read_from == at(10)
    # from inside the coverage, going further
    assert merge_pass(covered, at(150), 150, 260, at(260)) == Checkpoint(
        1, read_from=at(100), first_message_id=100, last_message_id=260, last_date=at(260)
    )
    # starting after the coverage: a gap may lie between, keep the coverage
    assert merge_pass(covered, at(300), 300, 400, at(400)) is None


@pytest.mark.asyncio
async def test_a_full_reread_resumes_mid_channel(store: Store, clock: FloodClock) -> None:
    channel = linear_channel(1001, "alpha_news", 450)
    fake = fake_of(channel)
    await collect(fake.make_client(), store, ["alpha_news"], now=fixed())
    fake.requests.clear()
    fake.flood("GetHistoryRequest", 3600, at=3)
    later = NOW + timedelta(days=1)
    first = await collect(fake.make_client(), store, ["alpha_news"], full=True, now=fixed(later))
    assert first.channels[0].status == "deferred" and first.channels[0].updated == 200
    state = store.checkpoint(1001)
    assert (state.pass_kind, state.pass_from, state.pass_first_id, state.pass_cursor) == (
        "full",
        None,
        1,
        200,
    )
    clock.advance(3601)
    fake.requests.clear()
    second = await collect(fake.make_client(), store, ["alpha_news"], full=True, now=fixed(later))
    assert second.channels[0].status == "done" and second.channels[0].updated == 250
    assert [p["offset_id"] for p in fake.history_params(1001)] == [201, 301, 401, 451]
    collected = store.posts_frame(columns=["message_id", "collected_at"])
    assert set(collected.collected_at) == {later}
    assert store.checkpoint(1001).pass_kind is None


@pytest.mark.asyncio
async def test_a_backfill_resumes(store: Store, clock: FloodClock) -> None:
    fake = FakeTelegram([linear_channel(1001, "alpha_news", 400)])
    await collect(fake.make_client(), store, ["alpha_news"], since=at(301), now=fixed())
    fake.flood("GetHistoryRequest", 3600, at=2)  # the backfill's second page
    report = await collect(fake.make_client(), store, ["alpha_news"], since=at(1), now=fixed())
    assert report.channels[0].status == "deferred"
    state = store.checkpoint(1001)
    assert (state.pass_kind, state.pass_from, state.pass_cursor) == ("backfill", at(1), 100)
    assert stored_ids(store, 1001) == [*range(1, 101), *range(301, 401)]
    # the same window resumes after 100, once the wait is over
    clock.advance(3601)
    fake.requests.clear()
    done = await collect(fake.make_client(), store, ["alpha_news"], since=at(1), now=fixed())
    assert done.exit_code == 0 and stored_ids(store, 1001) == list(range(1, 401))
    assert [p["offset_id"] for p in fake.history_params(1001)] == [101, 201, 401]
    state = store.checkpoint(1001)
    assert (state.read_from, state.first_message_id, state.pass_kind) == (at(1), 1, None)
    with store.engine.connect() as conn:
        assert conn.execute(select(schema.collection_state.c.status)).scalar() == "done"
