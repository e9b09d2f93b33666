"""Schema migrations (Alembic), applied by :class:`amplify.store.Store` when it opens.

Each revision in ``versions/`` is a named, ordered change; the revision a database
is at is recorded in its ``alembic_version`` table, so a year-old database opens.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

_HERE = Path(__file__).resolve().parent


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest schema revision this amplify knows."""
    return _scripts().get_current_head()


def known_revisions() -> set[str]:
    """Every schema revision this amplify knows."""
    return {script.revision for script in _scripts().walk_revisions()}


def upgrade_to_head(connection: Connection, revision: str = "head") -> None:
    """Migrate the database behind ``connection`` (inside its transaction)."""
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
