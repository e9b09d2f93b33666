"""Shared pieces of the Telegram collector tests (tests/test_collect_*.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from amplify import schema
from amplify.store import Store
from collectors.telegram_report import CollectionListener
from tests.telegram_builders import UTC, FakeChannel, make_channel, make_post
from tests.telegram_fake import FakeTelegram, VirtualClock

BASE = datetime(2023, 10, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2023, 12, 1, 12, 0, tzinfo=UTC)  # the collection clock of every test


def at(message_id: int) -> datetime:
    """Date of post ``message_id`` in a linear channel (one post a minute)."""
    return BASE + timedelta(minutes=message_id)


def fixed(when: datetime = NOW):
    """A clock for ``collect(now=...)`` that always answers ``when``."""
    return lambda: when


def linear_channel(
    channel_id: int, username: str, n: int, *, start: int = 1, subscribers: int = 10_000
) -> FakeChannel:
    """Channel with posts ``start..n``, one a minute from :data:`BASE`."""
    channel = make_channel(channel_id, username, username.title(), subscribers=subscribers)
    return add_posts(channel, start, n)


def add_posts(channel: FakeChannel, start: int, end: int) -> FakeChannel:
    """Posts ``start..end`` (inclusive) in ``channel``, one a minute from :data:`BASE`."""
    for i in range(start, end + 1):
        channel.add(make_post(channel.id, i, at(i), f"post {i}", views=100 + i, forwards=i % 5))
    return channel


class FloodClock(VirtualClock):
    """The fake's virtual clock, also driving the collector's own flood countdowns."""

    PATCHED_MODULES = (*VirtualClock.PATCHED_MODULES, "collectors.telegram_flood")


class Recorder(CollectionListener):
    """A listener that remembers every event."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def channel_started(self, channel: str) -> None:
        self.events.append(("started", channel))

    def page_saved(self, channel: str, posts: int, last_message_id: int) -> None:
        self.events.append(("page", channel, posts, last_message_id))

    def waiting(self, channel: str, seconds_left: int, request: str) -> None:
        self.events.append(("wait", channel, seconds_left, request))

    def channel_finished(self, result: Any) -> None:
        self.events.append(("finished", result.channel, result.status))


TABLES = ("channels", "channel_stats", "posts", "post_links", "post_stats", "collection_state")
BOOKKEEPING = {"run_id"}


def snapshot(store: Store, tables: tuple[str, ...] = TABLES) -> dict[str, list[tuple]]:
    """Every row of the data tables (run bookkeeping left out), sorted, for equality."""
    result = {}
    with store.engine.connect() as conn:
        for name in tables:
            table = schema.metadata.tables[name]
            columns = [c for c in table.columns if c.name not in BOOKKEEPING]
            rows = conn.execute(select(*columns)).all()
            result[name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return result


def stored_ids(store: Store, channel_id: int) -> list[int]:
    frame = store.posts_frame(columns=["channel_id", "message_id"])
    return sorted(int(m) for m in frame.loc[frame.channel_id == channel_id, "message_id"])


def fake_of(*channels: FakeChannel, delay: float = 0.0) -> FakeTelegram:
    return FakeTelegram(channels, delay=delay)


def rows(store: Store, table: str, key: tuple[str, ...] = ("channel_id", "message_id")) -> dict:
    """Rows of a table as dicts (values exactly as SQLAlchemy reads them), by key."""
    with store.engine.connect() as conn:
        found = conn.execute(select(schema.metadata.tables[table])).mappings().all()
    return {tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: dict(r) for r in found}
