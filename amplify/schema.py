"""The store's tables (SQLAlchemy Core).

The schema is a public interface: researchers query it with pandas, Datasette or psql,
so table and column names are stable. Changes happen only through the Alembic
migrations in ``amplify/migrations/versions``; this module describes the current head.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always read back timezone-aware.

    SQLite has no time zones, so values are stored as naive UTC there; PostgreSQL
    uses ``timestamp with time zone``. Naive values handed in are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":  # naive UTC (naive values are taken as UTC already)
            return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            # One step instead of process_bind_param then SQLite's DATETIME formatting
            # (a third of the cost of bulk saves); the same text, see tests/test_store.py.
            if value is None:
                return None
            if value.utcoffset():  # aware and not UTC
                value = value.astimezone(UTC)
            return value.isoformat(" ", "microseconds")[:26]  # without any "+00:00"

        return process

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(32), nullable=False),
    Column("parameters", JSON),
    Column("counts", JSON),
    Column("tool_version", String(32), nullable=False),
)

channels = Table(
    "channels",
    metadata,
    Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    Column("username", String(64)),
    Column("title", Text),
    Column("about", Text),
    Column("broadcast", Boolean),
    Column("verified", Boolean),
    Column("scam", Boolean),
    Column("first_seen", UTCDateTime),
    Column("last_collected", UTCDateTime),
    Column("access_hash", BigInteger),
    Index("ix_channels_username", "username"),
)

channel_stats = Table(
    "channel_stats",
    metadata,
    Column("channel_id", BigInteger, ForeignKey("channels.channel_id"), nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("subscribers", BigInteger),
    PrimaryKeyConstraint("channel_id", "observed_at", name="pk_channel_stats"),
)

posts = Table(
    "posts",
    metadata,
    Column("channel_id", BigInteger, ForeignKey("channels.channel_id"), nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("date", UTCDateTime, nullable=False),
    Column("edit_date", UTCDateTime),
    Column("text", Text),
    Column("views", BigInteger),
    Column("forwards", BigInteger),
    Column("replies", BigInteger),
    Column("reactions_total", BigInteger),
    Column("reactions", JSON),
    Column("post_author", Text),
    Column("grouped_id", BigInteger),
    Column("media_kind", String(32)),
    Column("media_id", BigInteger),
    Column("media_size", BigInteger),
    Column("media_duration", Float),
    Column("fwd_channel_id", BigInteger),
    Column("fwd_message_id", BigInteger),
    Column("fwd_date", UTCDateTime),
    Column("fwd_name", Text),
    Column("collected_at", UTCDateTime, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.run_id")),
    PrimaryKeyConstraint("channel_id", "message_id", name="pk_posts"),
    Index("ix_posts_forward", "fwd_channel_id", "fwd_message_id"),
    Index("ix_posts_media_id", "media_id"),
    Index("ix_posts_date", "date"),
)

post_links = Table(
    "post_links",
    metadata,
    Column("channel_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("target_username", String(64)),
    Column("target_channel_id", BigInteger),
    Column("target_message_id", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["channel_id", "message_id"],
        ["posts.channel_id", "posts.message_id"],
        name="fk_post_links_post",
    ),
    Index("ix_post_links_post", "channel_id", "message_id"),
    Index("ix_post_links_target_username", "target_username", "target_message_id"),
    Index("ix_post_links_target_channel", "target_channel_id", "target_message_id"),
)

post_stats = Table(
    "post_stats",
    metadata,
    Column("channel_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("views", BigInteger),
    Column("forwards", BigInteger),
    Column("reactions_total", BigInteger),
    PrimaryKeyConstraint("channel_id", "message_id", "observed_at", name="pk_post_stats"),
    ForeignKeyConstraint(
        ["channel_id", "message_id"],
        ["posts.channel_id", "posts.message_id"],
        name="fk_post_stats_post",
    ),
)

collection_state = Table(
    "collection_state",
    metadata,
    # Where the Telegram collector is in each channel. Everything with date >= read_from
    # (NULL: from the first post) and id <= last_message_id has been read; a pass_* run is
    # an unfinished re-read (--full, or a wider --since) resuming after pass_cursor.
    Column(
        "channel_id",
        BigInteger,
        ForeignKey("channels.channel_id"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("read_from", UTCDateTime),
    Column("first_message_id", BigInteger),
    Column("last_message_id", BigInteger),
    Column("last_date", UTCDateTime),
    Column("pass_kind", String(16)),
    Column("pass_from", UTCDateTime),
    Column("pass_first_id", BigInteger),
    Column("pass_cursor", BigInteger),
    Column("status", String(16)),
    Column("deferred_until", UTCDateTime),
    Column("reason", Text),
    Column("updated_at", UTCDateTime),
)

TABLES = ("channels", "channel_stats", "posts", "post_links", "post_stats", "runs")
