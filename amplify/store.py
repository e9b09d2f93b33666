"""The store: one schema on SQLite (default) or PostgreSQL (a team's shared database).

Records go in (:mod:`amplify.records`), pandas frames come out. Every write is an
upsert inside a transaction, so any job can be re-run: saving the same records twice
leaves identical tables, and a newer observation of a post updates its counters in
``posts`` while every observation is kept in ``post_stats``.

Examples
--------
>>> from amplify.store import Store
>>> store = Store(":memory:")
>>> store.posts_frame().shape[0]
0
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    String,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool

from amplify import __version__, schema
from amplify.errors import SchemaError, StoreError, UsageError
from amplify.migrations import head_revision, known_revisions, upgrade_to_head
from amplify.records import Channel, ChannelStats, Post, PostStats

log = logging.getLogger(__name__)

DEFAULT_DB = Path("data") / "amplify.sqlite"
_POST_COLUMNS = tuple(c.name for c in schema.posts.columns)
_KEEP_KNOWN = tuple(  # a NULL in a newer observation never erases a known value
    c for c in _POST_COLUMNS if c not in ("channel_id", "message_id", "collected_at")
)
_CHUNK = 500
_STATS_COLUMNS = ("channel_id", "message_id", "observed_at", "views", "forwards", "reactions_total")
_LINK_COLUMNS = tuple(c.name for c in schema.post_links.columns)
_POST_TEXT_INDEXES = tuple(_POST_COLUMNS.index(c) for c in ("text", "post_author", "fwd_name"))
_POST_GETTER = attrgetter(*_POST_COLUMNS[:-1])
assert _POST_COLUMNS[-1] == "run_id"


def _POST_FIELDS(run_id: int | None):  # noqa: N802 - a row factory, named like the columns
    suffix = (run_id,)
    return lambda post: _POST_GETTER(post) + suffix


_STORED_COLLECTED_AT = select(schema.posts.c.message_id, schema.posts.c.collected_at).where(
    schema.posts.c.channel_id == bindparam("channel"),
    schema.posts.c.message_id.between(bindparam("low"), bindparam("high")),
)
"""When the stored posts of one channel in an id range were observed (built once: saves
of many channels run it per channel and chunk)."""

_SECRET_MARKERS = ("hash", "api_id", "password", "secret", "token", "session")


@dataclass(frozen=True, slots=True)
class SaveCounts:
    """What one save did: posts inserted and posts whose stored row was updated."""

    new: int = 0
    updated: int = 0

    def __add__(self, other: SaveCounts) -> SaveCounts:
        return SaveCounts(self.new + other.new, self.updated + other.updated)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a collector is in one channel (a ``collection_state`` row).

    Every message with date >= ``read_from`` (``None``: from the first post) and id
    <= ``last_message_id`` has been read. ``pass_*`` describe an unfinished re-read
    (``pass_kind`` "full" or "backfill", from ``pass_from``) that resumes after
    ``pass_cursor``. ``status`` is done, deferred or failed, with ``reason``.
    """

    channel_id: int
    read_from: datetime | None = None
    first_message_id: int | None = None
    last_message_id: int | None = None
    last_date: datetime | None = None
    pass_kind: str | None = None
    pass_from: datetime | None = None
    pass_first_id: int | None = None
    pass_cursor: int | None = None
    status: str | None = None
    deferred_until: datetime | None = None
    reason: str | None = None
    updated_at: datetime | None = None


def database_url(target: str | Path | None) -> str:
    """Turn a ``--db`` value into an SQLAlchemy URL.

    A plain path (or nothing: ``data/amplify.sqlite``) is an SQLite file; anything
    with ``://`` is taken as an SQLAlchemy URL (``postgresql+psycopg://...``).
    """
    if target is None:
        target = DEFAULT_DB
    text = str(target)
    if text == ":memory:":
        return "sqlite://"
    if "://" in text:
        try:
            make_url(text)
        except (ArgumentError, ValueError) as exc:  # ValueError: e.g. a port that is no number
            raise UsageError(f"database URL {redact_url(text)!r} is not valid: {exc}") from None
        return text
    return f"sqlite:///{Path(text).expanduser()}"


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe to print and to store in ``runs``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<invalid database URL>"


def scrub(parameters: dict[str, Any]) -> dict[str, Any]:
    """Drop anything that looks like a credential from run parameters."""
    return {
        key: value
        for key, value in parameters.items()
        if not any(marker in key.lower() for marker in _SECRET_MARKERS)
    }


_MIGRATION_LOCK = 0x616D706C696679  # "amplify": PostgreSQL advisory lock key for migrations


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """An amplify database, opened and brought to the current schema.

    Parameters
    ----------
    url : str or Path, optional
        An SQLAlchemy URL or a plain file path (SQLite). Default ``data/amplify.sqlite``.
    upgrade : bool
        Apply pending migrations (default). With ``False`` an outdated database is
        refused instead, leaving the file untouched.

    Raises
    ------
    SchemaError
        The database is not an amplify database, or a newer amplify wrote it.
    StoreError
        The database cannot be opened.
    """

    def __init__(self, url: str | Path | None = None, *, upgrade: bool = True) -> None:
        self.url = database_url(url)
        self.engine = _make_engine(self.url)
        self.dialect = self.engine.dialect.name
        with self._errors("open"):
            self._ensure_schema(upgrade)

    def __repr__(self) -> str:
        return f"Store({redact_url(self.url)!r})"

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (``None`` for an empty database)."""
        with self.engine.connect() as conn:
            return _revision(conn)

    def _ensure_schema(self, upgrade: bool) -> None:
        with self.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        where = redact_url(self.url)
        if "alembic_version" not in tables and tables:
            raise SchemaError(
                f"{where} is not an amplify database (it has tables "
                f"{', '.join(sorted(tables)[:5])} but no amplify schema version); "
                "point --db at a new file or an amplify database"
            )
        current = self.schema_revision()
        if current is not None and current not in known_revisions():
            raise SchemaError(
                f"{where} was written by a newer amplify (schema revision {current}, this "
                f"amplify {__version__} knows up to {head_revision()}); upgrade amplify "
                "with 'pip install -U amplify'"
            )
        if current == head_revision():
            self._use_wal()
            return
        if not upgrade:
            raise SchemaError(
                f"{where} is at schema revision {current or 'none'}, not {head_revision()}; "
                "run 'amplify db upgrade' first"
            )
        log.info("migrating %s from %s to %s", where, current, head_revision())
        with self.engine.begin() as conn:
            # Two processes opening a new database at once (two collectors) must not both
            # migrate it: take the database's write lock first, then look again.
            if self.dialect == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif self.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            if _revision(conn) != head_revision():
                upgrade_to_head(conn)
        self._use_wal()

    def _use_wal(self) -> None:
        # Set only once the file is known to be ours: journal_mode is persistent, and a
        # database we refuse must stay byte-identical.
        if self.dialect == "sqlite" and make_url(self.url).database not in (None, "", ":memory:"):
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")

    # -- transactions and errors -----------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; pass the connection as ``conn=`` to several saves."""
        with self._errors("write"), self.engine.begin() as conn:
            yield conn

    def _begin(self, conn: Connection | None):
        return nullcontext(conn) if conn is not None else self.transaction()

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            raise StoreError(_explain(exc, action, redact_url(self.url))) from exc
        except DBAPIError as exc:
            if isinstance(exc.orig, sqlite3.DatabaseError) and "not a database" in str(exc):
                raise SchemaError(
                    f"{redact_url(self.url)} is not an SQLite database; "
                    "point --db at an amplify database or a new file"
                ) from exc
            raise

    # -- writes -----------------------------------------------------------------

    def _insert(self, table):
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def save_channels(
        self,
        channels: Iterable[Channel],
        *,
        collected_at: datetime | None = None,
        seen_at: datetime | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Upsert channel metadata; a ``None`` field never erases a known value.

        ``collected_at`` marks the channels as collected then (``last_collected``);
        ``seen_at`` is the ``first_seen`` of channels new to the store (default: now).
        """
        now = collected_at or seen_at or _utcnow()
        rows = [
            {
                "channel_id": c.channel_id,
                "username": c.username,
                "title": c.title,
                "about": c.about,
                "broadcast": c.broadcast,
                "verified": c.verified,
                "scam": c.scam,
                "access_hash": c.access_hash,
                "first_seen": now,
                "last_collected": collected_at,
            }
            for c in channels
        ]
        if not rows:
            return 0
        if self.dialect == "postgresql":
            for row in rows:
                _without_nul(row, ("username", "title", "about"))
        stmt = self._insert(schema.channels)
        table = schema.channels
        keep = ("username", "title", "about", "broadcast", "verified", "scam", "access_hash")
        sets = {k: func.coalesce(stmt.excluded[k], table.c[k]) for k in keep}
        sets["last_collected"] = func.coalesce(stmt.excluded.last_collected, table.c.last_collected)
        stmt = stmt.on_conflict_do_update(index_elements=["channel_id"], set_=sets)
        with self._begin(conn) as c:
            c.execute(stmt, rows)
        return len(rows)

    def _ensure_channels(self, conn: Connection, channel_ids: set[int]) -> None:
        if not channel_ids:
            return
        stmt = self._insert(schema.channels).on_conflict_do_nothing(index_elements=["channel_id"])
        now = _utcnow()
        conn.execute(stmt, [{"channel_id": cid, "first_seen": now} for cid in sorted(channel_ids)])

    def save_channel_stats(
        self, stats: Iterable[ChannelStats], *, conn: Connection | None = None
    ) -> int:
        """Record subscriber snapshots (one row per channel and observation time)."""
        rows = [
            {"channel_id": s.channel_id, "observed_at": s.observed_at, "subscribers": s.subscribers}
            for s in stats
        ]
        if not rows:
            return 0
        stmt = self._insert(schema.channel_stats).on_conflict_do_nothing(
            index_elements=["channel_id", "observed_at"]
        )
        with self._begin(conn) as c:
            self._ensure_channels(c, {r["channel_id"] for r in rows})
            c.execute(stmt, rows)
        return len(rows)

    def save_posts(
        self,
        posts: Iterable[Post],
        *,
        run_id: int | None = None,
        conn: Connection | None = None,
    ) -> SaveCounts:
        """Upsert posts, their links and an observation of their counters.

        A post already stored is updated only by an observation at least as recent
        (``collected_at``); counters that the new observation lacks (``None``) keep
        their stored values. Every observation with counters lands in ``post_stats``.
        Links of an updated post are replaced by the ones the newer record carries.
        """
        batch = list(posts)
        if not batch:
            return SaveCounts()
        total = SaveCounts()
        with self._begin(conn) as c:
            self._ensure_channels(c, {p.channel_id for p in batch})
            for start in range(0, len(batch), 5000):
                total += self._save_post_chunk(c, batch[start : start + 5000], run_id)
        return total

    def _stored_collected_at(
        self, conn: Connection, batch: Sequence[Post]
    ) -> dict[tuple[int, int], datetime]:
        by_channel: dict[int, list[int]] = {}
        for p in batch:
            by_channel.setdefault(p.channel_id, []).append(p.message_id)
        found: dict[tuple[int, int], datetime] = {}
        for channel_id, ids in by_channel.items():
            rows = conn.execute(
                _STORED_COLLECTED_AT, {"channel": channel_id, "low": min(ids), "high": max(ids)}
            )
            for message_id, collected_at in rows:
                found[(channel_id, message_id)] = collected_at
        return found

    def _save_post_chunk(self, conn: Connection, batch: Sequence[Post], run_id: int | None):
        stored = self._stored_collected_at(conn, batch)
        fields = _POST_FIELDS(run_id)
        rows = [fields(p) for p in batch]
        if self.dialect == "postgresql":
            rows = [_tuple_without_nul(row, _POST_TEXT_INDEXES) for row in rows]
        stats = [
            (p.channel_id, p.message_id, p.collected_at, p.views, p.forwards, p.reactions_total)
            for p in batch
            if p.views is not None or p.forwards is not None or p.reactions_total is not None
        ]
        stmt = self._insert(schema.posts)
        t = schema.posts
        sets = {k: func.coalesce(stmt.excluded[k], t.c[k]) for k in _KEEP_KNOWN}
        sets["collected_at"] = stmt.excluded.collected_at
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel_id", "message_id"],
            set_=sets,
            where=stmt.excluded.collected_at >= t.c.collected_at,
        )
        _executemany(conn, stmt, _POST_COLUMNS, rows)
        if stats:
            stats_stmt = self._insert(schema.post_stats).on_conflict_do_nothing(
                index_elements=["channel_id", "message_id", "observed_at"]
            )
            _executemany(conn, stats_stmt, _STATS_COLUMNS, stats)
        updated = [p for p in batch if (p.channel_id, p.message_id) in stored]
        self._delete_links(
            conn, [p for p in updated if stored[(p.channel_id, p.message_id)] <= p.collected_at]
        )
        fresh = [
            p
            for p in batch
            if (p.channel_id, p.message_id) not in stored
            or stored[(p.channel_id, p.message_id)] <= p.collected_at
        ]
        self._insert_links(conn, fresh)
        return SaveCounts(new=len(batch) - len(updated), updated=len(updated))

    def _delete_links(self, conn: Connection, posts: Sequence[Post]) -> None:
        t = schema.post_links
        keys = [(p.channel_id, p.message_id) for p in posts]
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            conn.execute(delete(t).where(tuple_(t.c.channel_id, t.c.message_id).in_(chunk)))

    def _insert_links(self, conn: Connection, posts: Sequence[Post]) -> None:
        rows = [
            (
                p.channel_id,
                p.message_id,
                link.target_username,
                link.target_channel_id,
                link.target_message_id,
            )
            for p in posts
            if p.links
            for link in dict.fromkeys(p.links)
        ]
        if rows:
            _executemany(conn, schema.post_links.insert(), _LINK_COLUMNS, rows)

    def save_post_stats(self, stats: Iterable[PostStats], *, conn: Connection | None = None) -> int:
        """Record counters-only observations (a view refresh) of posts already stored.

        Each lands in ``post_stats``; the post's row takes the counters when the
        observation is newer than what it holds. Observations of unknown posts are
        skipped; the number recorded is returned.
        """
        rows = [
            {
                "channel_id": s.channel_id,
                "message_id": s.message_id,
                "observed_at": s.observed_at,
                "views": s.views,
                "forwards": s.forwards,
                "reactions_total": s.reactions_total,
            }
            for s in stats
        ]
        if not rows:
            return 0
        t = schema.posts
        saved = 0
        with self._begin(conn) as c:
            keys = {(r["channel_id"], r["message_id"]) for r in rows}
            known = set()
            key_list = sorted(keys)
            for start in range(0, len(key_list), _CHUNK):
                chunk = key_list[start : start + _CHUNK]
                query = select(t.c.channel_id, t.c.message_id).where(
                    tuple_(t.c.channel_id, t.c.message_id).in_(chunk)
                )
                known.update(tuple(r) for r in c.execute(query))
            rows = [r for r in rows if (r["channel_id"], r["message_id"]) in known]
            if not rows:
                return 0
            stmt = self._insert(schema.post_stats).on_conflict_do_nothing(
                index_elements=["channel_id", "message_id", "observed_at"]
            )
            c.execute(stmt, rows)
            for r in rows:
                c.execute(
                    update(t)
                    .where(
                        t.c.channel_id == r["channel_id"],
                        t.c.message_id == r["message_id"],
                        t.c.collected_at <= r["observed_at"],
                    )
                    .values(
                        views=func.coalesce(r["views"], t.c.views),
                        forwards=func.coalesce(r["forwards"], t.c.forwards),
                        reactions_total=func.coalesce(r["reactions_total"], t.c.reactions_total),
                        collected_at=r["observed_at"],
                    )
                )
            saved = len(rows)
        return saved

    def save_checkpoint(self, checkpoint: Checkpoint, *, conn: Connection | None = None) -> None:
        """Upsert a channel's collection checkpoint (pass ``conn`` to save it with a page)."""
        row = {f.name: getattr(checkpoint, f.name) for f in dataclass_fields(Checkpoint)}
        stmt = self._insert(schema.collection_state)
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel_id"],
            set_={k: stmt.excluded[k] for k in row if k != "channel_id"},
        )
        with self._begin(conn) as c:
            self._ensure_channels(c, {checkpoint.channel_id})
            c.execute(stmt, [row])

    def checkpoint(self, channel_id: int) -> Checkpoint | None:
        """The collection checkpoint of a channel, if it was ever collected."""
        t = schema.collection_state
        with self._errors("read"), self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.channel_id == channel_id)).mappings().first()
        return Checkpoint(**row) if row is not None else None

    def channel(self, key: int | str) -> Channel | None:
        """A stored channel by id or username (any case, ``@`` optional), with its
        cached ``access_hash``; ``None`` when the store does not know it."""
        t = schema.channels
        if isinstance(key, int):
            where = t.c.channel_id == key
        else:
            where = func.lower(t.c.username) == key.lstrip("@").lower()
        columns = [t.c[f.name] for f in dataclass_fields(Channel)]
        with self._errors("read"), self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(where).order_by(t.c.channel_id)).first()
        return Channel(*row) if row is not None else None

    # -- runs -------------------------------------------------------------------

    def start_run(self, kind: str, parameters: dict[str, Any] | None = None) -> int:
        """Open a ``runs`` row (status ``running``) and return its id.

        Parameters that look like credentials are dropped before saving.
        """
        values = {
            "kind": kind,
            "started_at": _utcnow(),
            "status": "running",
            "parameters": scrub(parameters or {}),
            "counts": {},
            "tool_version": __version__,
        }
        with self.transaction() as conn:
            result = conn.execute(schema.runs.insert().values(**values))
            return int(result.inserted_primary_key[0])

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any] | None = None) -> None:
        """Close a run with its final status (done, partial, failed) and counts."""
        with self.transaction() as conn:
            conn.execute(
                update(schema.runs)
                .where(schema.runs.c.run_id == run_id)
                .values(status=status, counts=counts or {}, finished_at=_utcnow())
            )

    # -- reads ------------------------------------------------------------------

    def _frame(self, query, sort: Sequence[Any] = ()) -> pd.DataFrame:
        """The rows of `query` as a DataFrame, ordered by the `sort` columns.

        When every `sort` column is selected, the frame is sorted here rather than by
        ``ORDER BY``: SQLite would read the table through its primary-key index, 2.4 times
        slower for a million posts.
        """
        selected = list(query.selected_columns)
        if not {c.name for c in sort} <= {c.name for c in selected}:
            query, sort = query.order_by(*sort), ()
        # Dates come back as the driver gives them (ISO text in SQLite) and are parsed by
        # pandas in one vectorised pass: SQLAlchemy's per-value parsing was 4/5 of the
        # time of reading a million posts.
        dates = {c.name for c in selected if isinstance(c.type, schema.UTCDateTime)}
        query = query.with_only_columns(
            *(type_coerce(c, String).label(c.name) if c.name in dates else c for c in selected),
            maintain_column_froms=True,
        )
        with self._errors("read"), self.engine.connect() as conn:
            result = conn.execute(query)
            names = list(result.keys())
            rows = list(map(tuple, result.fetchall()))  # pandas probes Row objects slowly
        frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
        for position, name in enumerate(names):
            if name.endswith("_id") or name == "grouped_id":
                values = [row[position] for row in rows]
                if None in values:
                    # Telegram ids exceed 2**53: as floats, distinct media ids would merge.
                    frame[name] = pd.array(values, dtype="Int64")
        for column in dates:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        if sort:
            frame = frame.sort_values([c.name for c in sort], kind="stable", ignore_index=True)
        return frame

    def channel_ids(self, channels: Iterable[int | str]) -> list[int]:
        """Channel ids for ids or usernames (``@name`` or ``name``, any case).

        Raises
        ------
        UsageError
            A username is not in the store.
        """
        ids: list[int] = []
        names: list[str] = []
        for item in channels:
            if isinstance(item, int) or str(item).lstrip("-").isdigit():
                ids.append(int(item))
            else:
                names.append(str(item).lstrip("@").lower())
        if names:
            t = schema.channels
            with self.engine.connect() as conn:
                found = dict(
                    conn.execute(
                        select(func.lower(t.c.username), t.c.channel_id).where(
                            func.lower(t.c.username).in_(names)
                        )
                    ).all()
                )
            missing = [n for n in names if n not in found]
            if missing:
                raise UsageError(
                    f"channel {', '.join('@' + m for m in missing)} is not in the store; "
                    "collect or import it first (see 'amplify status' for what is stored)"
                )
            ids.extend(found[n] for n in names)
        return ids

    def posts_frame(
        self,
        *,
        channels: Iterable[int | str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Posts as a DataFrame, optionally for some channels and a date window.

        ``since`` is inclusive, ``until`` exclusive; dates are UTC.
        """
        t = schema.posts
        cols = [t.c[name] for name in columns] if columns else [t]
        query = select(*cols)
        if channels is not None:
            query = query.where(t.c.channel_id.in_(self.channel_ids(channels)))
        if since is not None:
            query = query.where(t.c.date >= since)
        if until is not None:
            query = query.where(t.c.date < until)
        return self._frame(query, sort=[t.c.channel_id, t.c.message_id])

    def channels_frame(self) -> pd.DataFrame:
        """Channels with their most recent subscriber count (``subscribers``)."""
        c, s = schema.channels, schema.channel_stats
        latest = (
            select(s.c.channel_id, func.max(s.c.observed_at).label("observed_at"))
            .group_by(s.c.channel_id)
            .subquery()
        )
        subscribers = (
            select(s.c.channel_id, s.c.subscribers, s.c.observed_at.label("subscribers_at"))
            .join(
                latest,
                (s.c.channel_id == latest.c.channel_id) & (s.c.observed_at == latest.c.observed_at),
            )
            .subquery()
        )
        query = (
            select(
                *[col for col in c.columns if col.name != "access_hash"],
                subscribers.c.subscribers,
                subscribers.c.subscribers_at,
            )
            .outerjoin(subscribers, subscribers.c.channel_id == c.c.channel_id)
            .order_by(c.c.channel_id)
        )
        return self._frame(query)

    def channel_stats_frame(self) -> pd.DataFrame:
        """Every subscriber snapshot."""
        t = schema.channel_stats
        return self._frame(select(t).order_by(t.c.channel_id, t.c.observed_at))

    def post_links_frame(self) -> pd.DataFrame:
        """Every t.me message link found in stored posts."""
        t = schema.post_links
        return self._frame(select(t).order_by(t.c.channel_id, t.c.message_id))

    def post_stats_frame(self) -> pd.DataFrame:
        """Every observation of post counters (view trajectories)."""
        t = schema.post_stats
        return self._frame(select(t), sort=[t.c.channel_id, t.c.message_id, t.c.observed_at])

    def runs_frame(self) -> pd.DataFrame:
        """Every collection or import run."""
        return self._frame(select(schema.runs).order_by(schema.runs.c.run_id))

    def counts(self) -> dict[str, int]:
        """Row count of every table."""
        with self.engine.connect() as conn:
            return {
                name: conn.execute(
                    select(func.count()).select_from(schema.metadata.tables[name])
                ).scalar_one()
                for name in schema.TABLES
            }


def _executemany(
    conn: Connection, stmt, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Execute a Core statement for many rows (tuples in ``columns`` order) at once.

    The statement is still SQLAlchemy Core (``insert … on conflict``), compiled once for
    the connection's dialect, and values go through each column type's own bind
    processor; what this skips is SQLAlchemy's generic per-row parameter machinery,
    which costs more than SQLite's own work on bulk saves (see benchmarks/ingest.py).
    """
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    order = [list(columns).index(compiled.binds[name].key) for name in names]
    processors = []
    for position, name in enumerate(names):
        column_type = compiled.binds[name].type
        processor = column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if processor is None and isinstance(column_type, JSON):
            processor = _dump_json  # psycopg adapts JSON through SQLAlchemy's own hooks
        if processor is not None:
            processors.append((position, processor))
    if order == list(range(len(columns))) and not processors:
        params: list[Any] = list(rows)
    else:
        params = []
        for row in rows:
            values = [row[i] for i in order]
            for position, processor in processors:
                if values[position] is not None:
                    values[position] = processor(values[position])
            params.append(tuple(values))
    if not compiled.positional:
        params = [dict(zip(names, values, strict=True)) for values in params]
    conn.exec_driver_sql(compiled.string, params)


def _dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _tuple_without_nul(row: tuple[Any, ...], indexes: Sequence[int]) -> tuple[Any, ...]:
    if not any(isinstance(row[i], str) and "\x00" in row[i] for i in indexes):
        return row
    values = list(row)
    for i in indexes:
        if isinstance(values[i], str):
            values[i] = values[i].replace("\x00", "\ufffd")
    return tuple(values)


def _without_nul(row: dict[str, Any], keys: Sequence[str]) -> None:
    # PostgreSQL text cannot hold NUL characters; they become U+FFFD there (SQLite keeps them).
    for key in keys:
        value = row.get(key)
        if value and "\x00" in value:
            row[key] = value.replace("\x00", "\ufffd")


def _explain(exc: OperationalError, action: str, where: str) -> str:
    message = str(exc.orig)
    lowered = message.lower()
    if "locked" in lowered:
        return (
            f"{where} is locked by another amplify process; wait for it to finish, "
            "or use PostgreSQL for collectors running at the same time"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return f"{where} is read-only; cannot {action}. Check the file's permissions"
    if "disk" in lowered and "full" in lowered:
        return f"the disk holding {where} is full; free space and re-run (committed pages are kept)"
    if "unable to open" in lowered:
        return f"cannot open {where}; check the path exists and is writable"
    first = message.strip().splitlines()[0] if message.strip() else type(exc.orig).__name__
    return f"cannot {action} {where}: {first}"


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ArgumentError as exc:
        raise UsageError(f"database URL {redact_url(url)!r} is not usable: {exc}") from None
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"the driver for {parsed.get_backend_name()} is not installed ({exc.name}); "
            "install it with: pip install 'amplify[postgres]'"
        ) from None
