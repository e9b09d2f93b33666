"""Small builders of records for tests (plain amplify records, no Telegram objects)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from amplify.records import Channel, Post, PostLink

T0 = datetime(2023, 10, 20, 9, 0, tzinfo=UTC)


def channel(channel_id: int, username: str | None = None, **fields) -> Channel:
    """A broadcast channel record."""
    return Channel(
        channel_id=channel_id,
        username=username,
        title=fields.pop("title", username),
        broadcast=True,
        **fields,
    )


def post(channel_id: int, message_id: int, minutes: float = 0, **fields) -> Post:
    """A post ``minutes`` after T0, collected a day after T0 unless told otherwise."""
    fields.setdefault("collected_at", T0 + timedelta(days=1))
    links = tuple(fields.pop("links", ()))
    return Post(
        channel_id=channel_id,
        message_id=message_id,
        date=T0 + timedelta(minutes=minutes),
        links=links,
        **fields,
    )


def link(username: str | None, message_id: int, channel_id: int | None = None) -> PostLink:
    """A message link record."""
    return PostLink(username, channel_id, message_id)
