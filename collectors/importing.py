"""Import a file into the store: either format, all or nothing.

:func:`import_file` recognises the format (:func:`detect_format`), streams the records
and saves them in batches inside **one** database transaction, together with the
file's ``runs`` row. Memory stays bounded (a batch at a time), and a file found bad at
its last byte leaves the database exactly as it was: no posts, no channels and no
``runs`` row (a run that did not happen is not recorded; the error goes to the user).

A file already imported (same SHA-256 as an earlier ``done`` import run) is skipped
unless ``force=True``: re-importing changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from amplify import __version__, schema
from amplify.errors import InputError
from amplify.records import Channel, ChannelStats, Post
from amplify.store import Store
from collectors._files import first_char, open_input
from collectors.desktop_export import ExportTally, iter_export
from collectors.records_jsonl import JsonlTally, iter_jsonl

DESKTOP, JSONL = "telegram-desktop", "jsonl"
FORMAT_NAMES = {DESKTOP: "Telegram Desktop export", JSONL: "amplify JSON Lines"}
BATCH = 1000
Progress = Callable[[int, int, int], None]
"""Called as ``progress(posts_saved, bytes_read, bytes_total)`` after each batch."""


@dataclass(slots=True)
class ImportSummary:
    """What one :func:`import_file` did."""

    path: str
    format: str
    sha256: str
    channels: list[tuple[int, str | None]] = field(default_factory=list)
    posts_new: int = 0
    posts_updated: int = 0
    channel_stats: int = 0
    links: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    run_id: int | None = None
    already_imported: int | None = None  # the run that imported the same content

    @property
    def posts(self) -> int:
        """Posts saved, new and updated."""
        return self.posts_new + self.posts_updated

    def line(self) -> str:
        """One line for a person: what was imported."""
        if self.already_imported is not None:
            return (
                f"{self.path}: already imported in run {self.already_imported} (same content); "
                "nothing changed (--force imports it again)"
            )
        heading = FORMAT_NAMES[self.format]
        if len(self.channels) == 1:
            channel_id, title = self.channels[0]
            heading += f", channel {channel_id}" + (f" «{title}»" if title else "")
        elif self.channels:
            heading += f", {len(self.channels):,} channels"
        parts = []
        if self.posts or not self.channel_stats:
            parts.append(
                f"{self.posts:,} posts ({self.posts_new:,} new, {self.posts_updated:,} "
                f"updated), {self.links:,} links"
            )
        if self.channel_stats:
            parts.append(f"{self.channel_stats:,} subscriber counts")
        parts += [f"{n:,} {kind} messages skipped" for kind, n in self.skipped.items() if n]
        return f"{self.path}: {heading}: {', '.join(parts)}; run {self.run_id}"


def detect_format(path: str | Path) -> str:
    """``"jsonl"`` or ``"telegram-desktop"``, from the name and the first line.

    A ``.jsonl``/``.ndjson`` file, or one whose first line is a JSON object with a
    ``record`` key, is JSON Lines; anything else is read as a Telegram Desktop export
    (whose reader says precisely what is wrong with a file that is neither).
    """
    path = Path(path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return JSONL
    if first_char(path) == "{":
        with open_input(path) as file:
            head = file.read(1 << 20).split(b"\n", 1)[0]
        try:
            first = json.loads(head)
        except ValueError:
            return DESKTOP
        if isinstance(first, dict) and "record" in first:
            return JSONL
    return DESKTOP


def check_file(path: str | Path) -> str:
    """Cheap early check: the format, and that the file starts as that format should.

    Reads only the header of an export and the first record of a JSON Lines file, so a
    command can refuse a wrong file before importing anything. Returns the format.
    """
    path = _existing(Path(path))
    fmt = detect_format(path)
    reader = iter_export(path) if fmt == DESKTOP else iter_jsonl(path)
    with closing(reader):
        next(reader, None)
    return fmt


def import_file(
    store: Store,
    path: str | Path,
    *,
    collected_at: datetime | None = None,
    force: bool = False,
    batch_size: int = BATCH,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a Telegram Desktop export or an amplify JSON Lines file.

    Parameters
    ----------
    store : Store
        Where to save.
    path : str or Path
        The file (an export's ``result.json``, or a ``.jsonl``).
    collected_at : datetime, optional
        The observation time of this import (default: now); exports have none.
    force : bool
        Import even if the same content was imported before.
    batch_size : int
        Posts saved per statement batch (memory is bounded by it).
    progress : callable, optional
        ``progress(posts_saved, bytes_read, bytes_total)``, after each batch.

    Raises
    ------
    InputError
        The file is not in either format or is damaged; nothing was written.
    """
    path = _existing(Path(path))
    fmt = detect_format(path)
    digest, size = _sha256(path)
    summary = ImportSummary(path=str(path), format=fmt, sha256=digest)
    previous = None if force else _previous_import(store, digest)
    if previous is not None:
        summary.already_imported = previous
        return summary
    now = collected_at or datetime.now(UTC)
    tally: ExportTally | JsonlTally
    if fmt == DESKTOP:
        tally = ExportTally()
        records: Iterator[Channel | ChannelStats | Post] = iter_export(
            path, collected_at=now, tally=tally
        )
    else:
        tally = JsonlTally()
        records = iter_jsonl(path, collected_at=now, tally=tally)
    parameters = {"path": str(path), "format": fmt, "bytes": size, "sha256": digest}

    def report(posts: int) -> None:
        if progress is not None:
            progress(posts, tally.bytes_read, size)

    with store.transaction() as conn, closing(records):
        summary.run_id = _open_run(conn, parameters)
        _save_all(store, conn, records, summary, now, batch_size, report)
        if isinstance(tally, ExportTally):
            summary.skipped = {"service": tally.service, "unsupported": tally.unsupported}
        summary.caveats = tally.caveats()
        counts = {
            "channels": len(summary.channels),
            "posts_new": summary.posts_new,
            "posts_updated": summary.posts_updated,
            "channel_stats": summary.channel_stats,
            "links": summary.links,
            **{f"skipped_{kind}": n for kind, n in summary.skipped.items()},
        }
        conn.execute(
            update(schema.runs)
            .where(schema.runs.c.run_id == summary.run_id)
            .values(
                status="done",
                counts=counts,
                parameters={**parameters, "caveats": summary.caveats},
                finished_at=datetime.now(UTC),
            )
        )
    return summary


def _save_all(
    store: Store,
    conn: Connection,
    records: Iterator[Channel | ChannelStats | Post],
    summary: ImportSummary,
    now: datetime,
    batch_size: int,
    report: Callable[[int], None],
) -> None:
    posts: dict[tuple[int, int], Post] = {}  # keyed: a repeated post in one batch counts once
    stats: list[ChannelStats] = []

    def flush() -> None:
        counts = store.save_posts(posts.values(), run_id=summary.run_id, conn=conn)
        summary.posts_new += counts.new
        summary.posts_updated += counts.updated
        summary.links += sum(len(set(p.links)) for p in posts.values())
        summary.channel_stats += store.save_channel_stats(stats, conn=conn)
        posts.clear()
        stats.clear()
        report(summary.posts)

    for record in records:
        if isinstance(record, Post):
            key = (record.channel_id, record.message_id)
            earlier = posts.get(key)
            if earlier is not None and earlier.collected_at != record.collected_at:
                flush()  # another observation of the same post: keep both (post_stats)
            posts[key] = record
        elif isinstance(record, Channel):
            store.save_channels([record], collected_at=now, conn=conn)
            summary.channels.append((record.channel_id, record.title))
        else:
            stats.append(record)
        if len(posts) >= batch_size or len(stats) >= batch_size:
            flush()
    flush()


def _existing(path: Path) -> Path:
    if path.is_dir() and (path / "result.json").is_file():
        return path / "result.json"  # a Telegram Desktop export folder
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file (give an export's result.json or a .jsonl file)")
    return path


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open_input(path) as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _previous_import(store: Store, digest: str) -> int | None:
    runs = schema.runs
    query = select(runs.c.run_id, runs.c.parameters).where(
        runs.c.kind == "import", runs.c.status == "done"
    )
    with store.engine.connect() as conn:
        for run_id, parameters in conn.execute(query.order_by(runs.c.run_id)):
            if isinstance(parameters, dict) and parameters.get("sha256") == digest:
                return int(run_id)
    return None


def _open_run(conn: Connection, parameters: dict[str, Any]) -> int:
    # Written in the import's own transaction (Store.start_run commits on its own), so
    # a refused file leaves no runs row behind.
    result = conn.execute(
        schema.runs.insert().values(
            kind="import",
            started_at=datetime.now(UTC),
            status="running",
            parameters=parameters,
            counts={},
            tool_version=__version__,
        )
    )
    return int(result.inserted_primary_key[0])
