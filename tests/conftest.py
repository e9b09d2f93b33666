"""Shared fixtures: a store on SQLite and, when a server is configured, on PostgreSQL.

Set ``AMPLIFY_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
to run every ``store`` test on a real PostgreSQL server too; each test gets a fresh
database. ``.ci/run`` starts such a server and sets the variable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from amplify.store import Store

POSTGRES_URL = os.environ.get("AMPLIFY_TEST_POSTGRES_URL")
NO_POSTGRES = "no PostgreSQL server configured: set AMPLIFY_TEST_POSTGRES_URL (.ci/run does)"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the configured server, dropped afterwards."""
    if not POSTGRES_URL:
        if os.environ.get("AMPLIFY_REQUIRE_POSTGRES"):
            pytest.fail("AMPLIFY_REQUIRE_POSTGRES is set but " + NO_POSTGRES)
        pytest.skip(NO_POSTGRES)
    name = f"amplify_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A database URL for each backend: an SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "amplify.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store at the current schema, on each backend."""
    opened = Store(store_url)
    yield opened
    opened.close()
