"""Collection checkpoints: one row per channel, saved with every page of posts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "collection_state",
        sa.Column(
            "channel_id",
            sa.BigInteger,
            sa.ForeignKey("channels.channel_id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("read_from", TS),
        sa.Column("first_message_id", sa.BigInteger),
        sa.Column("last_message_id", sa.BigInteger),
        sa.Column("last_date", TS),
        sa.Column("pass_kind", sa.String(16)),
        sa.Column("pass_from", TS),
        sa.Column("pass_first_id", sa.BigInteger),
        sa.Column("pass_cursor", sa.BigInteger),
        sa.Column("status", sa.String(16)),
        sa.Column("deferred_until", TS),
        sa.Column("reason", sa.Text),
        sa.Column("updated_at", TS),
    )


def downgrade() -> None:
    op.drop_table("collection_state")
