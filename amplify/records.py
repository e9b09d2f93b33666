"""Plain records that collectors produce and the store saves.

These dataclasses are Telethon-free: every collector (the Telegram API, a Telegram
Desktop export, a test) turns its objects into them. Unknown values are ``None`` —
never 0 — so that "no views recorded" and "zero views" stay different things.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Channel:
    """A Telegram channel (or supergroup) as seen at collection time."""

    channel_id: int
    username: str | None = None
    title: str | None = None
    about: str | None = None
    broadcast: bool | None = None
    verified: bool | None = None
    scam: bool | None = None
    access_hash: int | None = None


@dataclass(frozen=True, slots=True)
class ChannelStats:
    """A subscriber-count snapshot of one channel."""

    channel_id: int
    observed_at: datetime
    subscribers: int | None


@dataclass(frozen=True, slots=True)
class PostLink:
    """A t.me message link found in a post's text or entities.

    Exactly one of ``target_username`` (public links) and ``target_channel_id``
    (``t.me/c/<id>/<msg>`` private links) is usually set.
    """

    target_username: str | None
    target_channel_id: int | None
    target_message_id: int


@dataclass(frozen=True, slots=True)
class Post:
    """One channel message with its counters as observed at ``collected_at``."""

    channel_id: int
    message_id: int
    date: datetime
    collected_at: datetime
    text: str | None = None
    edit_date: datetime | None = None
    views: int | None = None
    forwards: int | None = None
    replies: int | None = None
    reactions_total: int | None = None
    reactions: dict[str, int] | None = None
    post_author: str | None = None
    grouped_id: int | None = None
    media_kind: str | None = None
    media_id: int | None = None
    media_size: int | None = None
    media_duration: float | None = None
    fwd_channel_id: int | None = None
    fwd_message_id: int | None = None
    fwd_date: datetime | None = None
    fwd_name: str | None = None
    links: tuple[PostLink, ...] = ()


@dataclass(frozen=True, slots=True)
class PostStats:
    """A counters-only observation of a post (from a view refresh)."""

    channel_id: int
    message_id: int
    observed_at: datetime
    views: int | None
    forwards: int | None = None
    reactions_total: int | None = None


@dataclass(slots=True)
class RunInfo:
    """What a collection or import run did; saved in the ``runs`` table."""

    run_id: int
    kind: str
    parameters: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
