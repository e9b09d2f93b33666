"""Initial schema: channels, channel_stats, posts, post_links, post_stats, runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("parameters", sa.JSON),
        sa.Column("counts", sa.JSON),
        sa.Column("tool_version", sa.String(32), nullable=False),
    )
    op.create_table(
        "channels",
        sa.Column("channel_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("username", sa.String(64)),
        sa.Column("title", sa.Text),
        sa.Column("about", sa.Text),
        sa.Column("broadcast", sa.Boolean),
        sa.Column("verified", sa.Boolean),
        sa.Column("scam", sa.Boolean),
        sa.Column("first_seen", TS),
        sa.Column("last_collected", TS),
        sa.Column("access_hash", sa.BigInteger),
    )
    op.create_index("ix_channels_username", "channels", ["username"])
    op.create_table(
        "channel_stats",
        sa.Column(
            "channel_id", sa.BigInteger, sa.ForeignKey("channels.channel_id"), nullable=False
        ),
        sa.Column("observed_at", TS, nullable=False),
        sa.Column("subscribers", sa.BigInteger),
        sa.PrimaryKeyConstraint("channel_id", "observed_at", name="pk_channel_stats"),
    )
    op.create_table(
        "posts",
        sa.Column(
            "channel_id", sa.BigInteger, sa.ForeignKey("channels.channel_id"), nullable=False
        ),
        sa.Column("message_id", sa.BigInteger, nullable=False),
        sa.Column("date", TS, nullable=False),
        sa.Column("edit_date", TS),
        sa.Column("text", sa.Text),
        sa.Column("views", sa.BigInteger),
        sa.Column("forwards", sa.BigInteger),
        sa.Column("replies", sa.BigInteger),
        sa.Column("reactions_total", sa.BigInteger),
        sa.Column("reactions", sa.JSON),
        sa.Column("post_author", sa.Text),
        sa.Column("grouped_id", sa.BigInteger),
        sa.Column("media_kind", sa.String(32)),
        sa.Column("media_id", sa.BigInteger),
        sa.Column("media_size", sa.BigInteger),
        sa.Column("media_duration", sa.Float),
        sa.Column("fwd_channel_id", sa.BigInteger),
        sa.Column("fwd_message_id", sa.BigInteger),
        sa.Column("fwd_date", TS),
        sa.Column("fwd_name", sa.Text),
        sa.Column("collected_at", TS, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id")),
        sa.PrimaryKeyConstraint("channel_id", "message_id", name="pk_posts"),
    )
    op.create_index("ix_posts_forward", "posts", ["fwd_channel_id", "fwd_message_id"])
    op.create_index("ix_posts_media_id", "posts", ["media_id"])
    op.create_index("ix_posts_date", "posts", ["date"])
    op.create_table(
        "post_links",
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=False),
        sa.Column("target_username", sa.String(64)),
        sa.Column("target_channel_id", sa.BigInteger),
        sa.Column("target_message_id", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id", "message_id"],
            ["posts.channel_id", "posts.message_id"],
            name="fk_post_links_post",
        ),
    )
    op.create_index("ix_post_links_post", "post_links", ["channel_id", "message_id"])
    op.create_index(
        "ix_post_links_target_username", "post_links", ["target_username", "target_message_id"]
    )
    op.create_index(
        "ix_post_links_target_channel", "post_links", ["target_channel_id", "target_message_id"]
    )
    op.create_table(
        "post_stats",
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=False),
        sa.Column("observed_at", TS, nullable=False),
        sa.Column("views", sa.BigInteger),
        sa.Column("forwards", sa.BigInteger),
        sa.Column("reactions_total", sa.BigInteger),
        sa.PrimaryKeyConstraint("channel_id", "message_id", "observed_at", name="pk_post_stats"),
        sa.ForeignKeyConstraint(
            ["channel_id", "message_id"],
            ["posts.channel_id", "posts.message_id"],
            name="fk_post_stats_post",
        ),
    )


def downgrade() -> None:
    for table in ("post_stats", "post_links", "posts", "channel_stats", "channels", "runs"):
        op.drop_table(table)
