"""The store on SQLite and on a real PostgreSQL server: schema, upserts, observations."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text
from sqlalchemy.dialects import sqlite as sqlite_dialect

from amplify import schema
from amplify.errors import SchemaError, StoreError, UsageError
from amplify.migrations import head_revision
from amplify.records import ChannelStats, PostStats
from amplify.store import Store, database_url, redact_url, scrub
from tests.factories import T0, channel, link, post

FIXED_COLUMNS = {
    "channels": "channel_id username title about broadcast verified scam first_seen last_collected",
    "channel_stats": "channel_id observed_at subscribers",
    "posts": "channel_id message_id date edit_date text views forwards replies reactions_total "
    "reactions post_author grouped_id media_kind media_id media_size media_duration "
    "fwd_channel_id fwd_message_id fwd_date fwd_name collected_at run_id",
    "post_links": "channel_id message_id target_username target_channel_id target_message_id",
    "post_stats": "channel_id message_id observed_at views forwards reactions_total",
    "runs": "run_id kind started_at finished_at status parameters counts tool_version",
}


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, for exact before/after comparisons."""
    with store.engine.connect() as conn:
        return {
            name: sorted(
                (
                    tuple(repr(v) for v in row)
                    for row in conn.execute(select(schema.metadata.tables[name]))
                ),
            )
            for name in schema.TABLES
        }


def sample(collected_minutes: float = 24 * 60, views: int | None = 87_000):
    collected_at = T0 + timedelta(minutes=collected_minutes)
    channels = [channel(1, "AsiaToday", about="news"), channel(2, "sladkov_plus")]
    posts = [
        post(
            1,
            100,
            text="Центр НАТО в Казахстане",
            views=views,
            forwards=600,
            replies=None,
            reactions_total=120,
            reactions={"👍": 100, "5368324170671202286": 20},
            media_kind="video",
            media_id=555,
            media_size=10_000,
            media_duration=31.5,
            collected_at=collected_at,
        ),
        post(
            2,
            7,
            minutes=42,
            text="Смотрите https://t.me/AsiaToday/100",
            views=300_000,
            fwd_channel_id=1,
            fwd_message_id=100,
            fwd_date=T0,
            fwd_name="Asia Today",
            links=[link("asiatoday", 100)],
            collected_at=collected_at,
        ),
        post(
            2,
            8,
            minutes=43,
            grouped_id=99,
            media_kind="photo",
            media_id=777,
            collected_at=collected_at,
        ),
    ]
    return channels, posts


def test_migrates_an_empty_database_to_the_fixed_schema(store: Store) -> None:
    assert store.schema_revision() == head_revision()
    with store.engine.connect() as conn:
        inspector = inspect(conn)
        for table, names in FIXED_COLUMNS.items():
            columns = {c["name"] for c in inspector.get_columns(table)}
            assert set(names.split()) <= columns, table
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("posts")}
    assert ("fwd_channel_id", "fwd_message_id") in indexed
    assert ("media_id",) in indexed and ("date",) in indexed


def test_saving_twice_leaves_identical_tables(store: Store) -> None:
    channels, posts = sample()
    store.save_channels(channels, collected_at=T0)
    store.save_channel_stats([ChannelStats(1, T0, 100_000)])
    first = store.save_posts(posts)
    before = snapshot(store)
    store.save_channels(channels, collected_at=T0)
    store.save_channel_stats([ChannelStats(1, T0, 100_000)])
    second = store.save_posts(posts)
    assert snapshot(store) == before
    assert (first.new, first.updated) == (3, 0)
    assert (second.new, second.updated) == (0, 3)
    assert store.counts() == {
        "channels": 2,
        "channel_stats": 1,
        "posts": 3,
        "post_links": 1,
        "post_stats": 2,
        "runs": 0,
    }


def test_unknown_values_are_null_not_zero(store: Store) -> None:
    store.save_posts([post(5, 1, text=None)])
    frame = store.posts_frame()
    row = frame.iloc[0]
    for column in (
        "views",
        "forwards",
        "replies",
        "reactions_total",
        "media_id",
        "grouped_id",
        "fwd_channel_id",
        "edit_date",
        "text",
    ):
        assert frame[column].isna().all(), column
    assert row["channel_id"] == 5
    assert store.post_stats_frame().empty  # no counters observed, no observation row
    channels = store.channels_frame()  # the channel row was created with unknown metadata
    assert channels["channel_id"].tolist() == [5]
    assert channels["username"].isna().all() and channels["subscribers"].isna().all()


def test_newer_observation_updates_counters_and_keeps_history(store: Store) -> None:
    channels, posts = sample(collected_minutes=60, views=10_000)
    store.save_channels(channels)
    store.save_posts(posts)
    _, later = sample(collected_minutes=600, views=87_000)
    store.save_posts(later)
    _, earlier = sample(collected_minutes=30, views=5_000)  # arrives late, is older
    store.save_posts(earlier)
    frame = store.posts_frame()
    root = frame[(frame.channel_id == 1) & (frame.message_id == 100)].iloc[0]
    assert root["views"] == 87_000
    assert root["collected_at"] == T0 + timedelta(minutes=600)
    history = store.post_stats_frame()
    trajectory = history[(history.channel_id == 1) & (history.message_id == 100)]
    assert trajectory["views"].tolist() == [5_000, 10_000, 87_000]
    # A refresh observation: counters only, newer again.
    assert (
        store.save_post_stats(
            [
                PostStats(1, 100, T0 + timedelta(days=2), 90_000, 610),
                PostStats(1, 999, T0 + timedelta(days=2), 1),
            ]
        )
        == 1
    )
    root = store.posts_frame().query("channel_id == 1 and message_id == 100").iloc[0]
    assert (root["views"], root["forwards"], root["text"]) == (
        90_000,
        610,
        "Центр НАТО в Казахстане",
    )


def test_a_newer_observation_without_counters_keeps_known_values(store: Store) -> None:
    store.save_posts([post(1, 1, views=500, text="a", collected_at=T0)])
    store.save_posts(
        [post(1, 1, views=None, text="a (edited)", collected_at=T0 + timedelta(hours=1))]
    )
    row = store.posts_frame().iloc[0]
    assert row["views"] == 500 and row["text"] == "a (edited)"


def test_links_follow_the_newest_text(store: Store) -> None:
    store.save_posts(
        [post(1, 1, links=[link("a_chan", 1), link(None, 5, channel_id=42)], collected_at=T0)]
    )
    store.save_posts([post(1, 1, links=[link("b_chan", 2)], collected_at=T0 + timedelta(hours=1))])
    store.save_posts([post(1, 1, links=[link("old_chan", 3)], collected_at=T0)])  # older: ignored
    links = store.post_links_frame()
    assert links[["target_username", "target_message_id"]].values.tolist() == [["b_chan", 2]]


def test_frames_filter_by_channel_and_window(store: Store) -> None:
    channels, posts = sample()
    store.save_channels(channels)
    store.save_posts(posts)
    assert store.posts_frame(channels=["@SLADKOV_PLUS"])["message_id"].tolist() == [7, 8]
    assert store.posts_frame(channels=[1])["message_id"].tolist() == [100]
    window = store.posts_frame(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=43))
    assert window["message_id"].tolist() == [7]
    assert str(window["date"].dt.tz) == "UTC"
    with pytest.raises(UsageError, match="@nobody is not in the store"):
        store.posts_frame(channels=["nobody"])


def test_channels_frame_carries_the_latest_subscriber_count(store: Store) -> None:
    store.save_channels([channel(1, "AsiaToday")])
    store.save_channel_stats(
        [ChannelStats(1, T0, 99_000), ChannelStats(1, T0 + timedelta(1), 100_500)]
    )
    store.save_channels([channel(1, None, title=None)])  # nothing known: nothing erased
    row = store.channels_frame().iloc[0]
    assert (row["username"], row["subscribers"]) == ("AsiaToday", 100_500)


def test_runs_record_parameters_without_secrets(store: Store) -> None:
    run_id = store.start_run(
        "collect",
        {
            "channels": ["a"],
            "api_hash": "deadbeef" * 4,
            "TG_API_ID": 1,
            "session_file": "x.session",
        },
    )
    store.save_posts([post(1, 1)], run_id=run_id)
    store.finish_run(run_id, "done", {"posts_new": 1})
    runs = store.runs_frame()
    assert runs["parameters"].tolist() == [{"channels": ["a"]}]
    assert runs["status"].tolist() == ["done"] and runs["counts"].tolist() == [{"posts_new": 1}]
    assert store.posts_frame()["run_id"].tolist() == [run_id]


def test_hostile_names_are_stored_verbatim_through_bound_parameters(store: Store) -> None:
    name = "x'); DROP TABLE posts;--"
    store.save_channels([channel(1, name, title="<script>alert(1)</script>\u202e")])
    store.save_posts([post(1, 1, text=name + "\x00 NUL")])
    assert store.channels_frame()["username"].tolist() == [name]
    # PostgreSQL text cannot hold NUL; it is stored as U+FFFD there (documented).
    nul = "\x00" if store.dialect == "sqlite" else "\ufffd"
    assert store.posts_frame()["text"].tolist() == [name + nul + " NUL"]
    assert store.posts_frame(channels=[name])["message_id"].tolist() == [1]
    with pytest.raises(UsageError):
        store.posts_frame(channels=["y'); DROP TABLE channels;--"])  # looked up, not executed
    assert store.counts()["channels"] == 1


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_database_from_a_newer_amplify_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    digest = file_digest(path)
    with pytest.raises(SchemaError, match="written by a newer amplify.*pip install -U amplify"):
        Store(path)
    assert file_digest(path) == digest


def test_a_database_that_is_not_amplify_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    digest = file_digest(path)
    with pytest.raises(SchemaError, match="is not an amplify database"):
        Store(path)
    assert file_digest(path) == digest
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello, this is not sqlite at all" * 10)
    with pytest.raises(SchemaError, match="is not an SQLite database"):
        Store(text_file)


@pytest.mark.postgres
def test_postgres_newer_schema_is_refused(postgres_url: str) -> None:
    Store(postgres_url).close()
    store = Store(postgres_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.close()
    with pytest.raises(SchemaError, match="newer amplify"):
        Store(postgres_url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.sqlite")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_outdated_database_is_refused_without_upgrade_and_migrated_with_it(tmp_path) -> None:
    path = tmp_path / "empty.sqlite"
    with pytest.raises(SchemaError, match="amplify db upgrade"):
        Store(path, upgrade=False)
    assert Store(path).schema_revision() == head_revision()


def test_read_only_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite"
    Store(path).close()
    store = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(StoreError, match="read-only"):
        store.save_posts([post(1, 1)])


def test_urls_and_scrubbing() -> None:
    assert database_url(None).endswith("data/amplify.sqlite")
    assert database_url("x/y.db") == "sqlite:///x/y.db"
    assert database_url(":memory:") == "sqlite://"
    assert redact_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
    assert scrub({"api_hash": 1, "channels": 2, "session": 3}) == {"channels": 2}
    with pytest.raises(UsageError, match="not usable|not valid"):
        Store("nosuchdialect://x")


def test_64_bit_ids_survive_frames_with_missing_values(store: Store) -> None:
    # Two media ids 1 apart above 2**53 would be equal as floats (a false "media" repost).
    big = 5_764_607_523_034_234_881
    store.save_posts([post(1, 1, media_id=big), post(1, 2, media_id=big + 1), post(1, 3)])
    ids = store.posts_frame()["media_id"].tolist()
    assert ids[:2] == [big, big + 1] and ids[2] is pd.NA


@settings(max_examples=300, deadline=None)
@given(
    value=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.none() | st.timezones(),
    )
)
def test_the_fused_sqlite_date_writer_matches_sqlalchemys_two_steps(value: datetime) -> None:
    dialect = sqlite_dialect.dialect()
    column_type = schema.UTCDateTime().dialect_impl(dialect)  # as statements use it
    fused = column_type.bind_processor(dialect)
    two_steps = super(schema.UTCDateTime, column_type).bind_processor(dialect)
    assert fused(value) == two_steps(value)
    assert fused(None) is None
