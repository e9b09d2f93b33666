"""Collect public Telegram channels with Telethon into an amplify store.

>>> report = await collect(client, store, ["AsiaToday", "rybar"])  # doctest: +SKIP
>>> report.exit_code, report.summary_lines()  # doctest: +SKIP

``client`` is a constructed ``telethon.TelegramClient`` (or the proxy that
``client.takeout()`` gives); the caller connects it. Per channel, a run costs:

- nothing to find it once the store knows it: a username is resolved once
  (``ResolveUsername``, the most rate-limited call) and its id and access hash are
  saved at once; later runs build ``InputPeerChannel`` from the store;
- one ``GetFullChannel`` per run (metadata and a subscriber snapshot);
- ceil(N / 100) ``GetHistory`` requests for N new messages (one more when Telegram does
  not report page positions), each page committed
  together with the channel's checkpoint (see :mod:`collectors.telegram_history`).

Flood waits, server errors and dropped connections are handled in one place,
:mod:`collectors.telegram_flood`. A channel that cannot be read (unknown, private,
banned, a group or a user) is reported with the reason and the job goes on; a channel
hit by a flood wait longer than the threshold is deferred with its checkpoint saved.
:mod:`collectors.telegram` and its ``telegram_*`` helpers are the only modules that
import Telethon.
"""

from __future__ import annotations

import logging
import os
from asyncio import CancelledError
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telethon import TelegramClient, errors
from telethon.tl import functions, types

from amplify.config import Credentials
from amplify.errors import AmplifyError, UsageError
from amplify.records import PostStats
from amplify.store import Store
from collectors.telegram_channels import ChannelJob, ChannelProblem, parse_channel
from collectors.telegram_convert import reactions_of
from collectors.telegram_flood import Deferred, TelegramUnavailable
from collectors.telegram_report import (
    DEFERRED,
    FAILED,
    ChannelResult,
    CollectionListener,
    CollectionReport,
    Discovery,
    RefreshReport,
    RefreshResult,
)
from collectors.telegram_snowball import discover

__all__ = [
    "ChannelResult",
    "CollectionListener",
    "CollectionReport",
    "Discovery",
    "RefreshReport",
    "RefreshResult",
    "TelegramError",
    "collect",
    "make_client",
    "refresh",
    "takeout",
]

log = logging.getLogger(__name__)
_IDS_PER_REQUEST = 100


class TelegramError(AmplifyError):
    """Telegram refused the session as a whole (not signed in, takeout refused)."""

    exit_code = 2


def make_client(credentials: Credentials, session_path: str | Path) -> TelegramClient:
    """A ``TelegramClient`` on the session file at ``session_path``, created mode 0600.

    The client leaves flood waits to :mod:`collectors.telegram_flood` and does not
    receive updates. The caller connects it (``await client.connect()``).
    """
    path = Path(session_path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    session_file = (
        path if path.name.endswith(".session") else path.with_name(path.name + ".session")
    )
    previous = os.umask(0o077)
    try:
        client = TelegramClient(
            str(path),
            credentials.api_id,
            credentials.api_hash.get_secret_value(),
            flood_sleep_threshold=0,
            raise_last_call_error=True,
            receive_updates=False,
        )
    finally:
        os.umask(previous)
    if session_file.exists():
        session_file.chmod(0o600)
    return client


@asynccontextmanager
async def takeout(client: TelegramClient) -> AsyncIterator[Any]:
    """A takeout session over ``client`` (lower flood limits for bulk export).

    An unfinished takeout left by a killed run is reused.

    Raises
    ------
    TelegramError
        Telegram wants the takeout confirmed first (``TAKEOUT_INIT_DELAY``).
    """
    options = {} if client.session.takeout_id is not None else {"channels": True}
    try:
        session = client.takeout(**options)
        entered = await session.__aenter__()
    except errors.TakeoutInitDelayError as exc:
        raise TelegramError(
            f"Telegram wants the data export confirmed first and allows it in {exc.seconds} s; "
            "accept the request in another Telegram app, or run without --takeout"
        ) from None
    try:
        yield entered
    except BaseException as exc:
        await session.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    else:
        await session.__aexit__(None, None, None)


def _utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime (a naive one is taken as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _interrupted(exc: BaseException) -> str:
    """The ``runs`` status of a job that stopped with ``exc``."""
    return "interrupted" if isinstance(exc, (KeyboardInterrupt, CancelledError)) else "failed"


def _unique(channels: Iterable[str | int]) -> list[str | int]:
    seen: dict[str, str | int] = {}
    for item in channels:
        seen.setdefault(str(item).strip().lstrip("@").lower(), item)
    return list(seen.values())


async def collect(
    client: Any,
    store: Store,
    channels: Iterable[str | int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    snowball: int = 0,
    full: bool = False,
    min_references: int = 2,
    min_subscribers: int | None = None,
    flood_threshold: int = 60,
    listener: CollectionListener | None = None,
    now: Callable[[], datetime] | None = None,
) -> CollectionReport:
    """Collect channels (usernames, t.me links or ids) into ``store``.

    Parameters
    ----------
    client
        A connected ``TelegramClient`` or its takeout proxy.
    since, until : datetime, optional
        The window: posts dated >= ``since`` and < ``until`` (UTC).
    snowball : int
        Also read channels referenced (forwards, t.me links) by the collected ones,
        up to this many hops, when referenced by >= ``min_references`` posts and
        followed by >= ``min_subscribers``.
    full : bool
        Re-read the whole window instead of continuing after the newest post read.
    flood_threshold : int
        Sleep through flood waits up to this many seconds; defer the channel beyond.
    listener : CollectionListener, optional
        Progress hooks.
    now : callable, optional
        The clock for ``collected_at`` and observations (default: UTC now).

    Returns
    -------
    CollectionReport
        Per channel what was read and how it ended; ``exit_code`` 0, 3 or 1.
    """
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since >= until:
        raise UsageError(
            f"since ({since:%Y-%m-%d %H:%M}) must be before until ({until:%Y-%m-%d %H:%M})"
        )
    job = ChannelJob(client, store, threshold=flood_threshold, listener=listener, now=now)
    names = _unique(channels)
    parameters = {
        "channels": [str(c) for c in names],
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "snowball": snowball,
        "full": full,
        "min_references": min_references,
        "min_subscribers": min_subscribers,
        "flood_threshold": flood_threshold,
        "takeout": getattr(client.session, "takeout_id", None) is not None,
    }
    report = CollectionReport()
    report.run_id = run_id = store.start_run("collect", parameters)
    log.info("collect run %d: %s", run_id, parameters)

    async def read(key: int | str, *, depth: int, **kwargs: Any) -> ChannelResult | None:
        return await job.read_channel(
            key, depth=depth, since=since, until=until, full=full, run_id=run_id, **kwargs
        )

    try:
        for name in names:
            try:
                key, label = parse_channel(name)
            except ChannelProblem as problem:
                report.channels.append(
                    ChannelResult(str(name), status=FAILED, reason=problem.reason)
                )
                continue
            result = await read(key, depth=0, label=label)
            if result is not None:  # None: the same channel under another name
                report.channels.append(result)
        if snowball > 0:
            found, discovered = await discover(
                job,
                report.channels,
                snowball,
                min_references=min_references,
                min_subscribers=min_subscribers,
                read=read,
                since=since,
                until=until,
            )
            report.channels += found
            report.discovered += discovered
    except BaseException as exc:
        report.requests = dict(job.requests)
        store.finish_run(run_id, _interrupted(exc), report.counts())
        raise
    report.requests = dict(job.requests)
    store.finish_run(run_id, report.run_status, report.counts())
    return report


async def refresh(
    client: Any,
    store: Store,
    *,
    max_age: timedelta = timedelta(days=7),
    channels: Iterable[str | int] | None = None,
    flood_threshold: int = 60,
    listener: CollectionListener | None = None,
    now: Callable[[], datetime] | None = None,
) -> RefreshReport:
    """Re-read the counters of stored posts dated within ``max_age`` into ``post_stats``.

    Posts are read by id, 100 per ``channels.GetMessages`` request; each observation
    (views, forwards, reactions) lands in ``post_stats`` so view trajectories exist.
    """
    job = ChannelJob(client, store, threshold=flood_threshold, listener=listener, now=now)
    wanted = [str(c) for c in channels] if channels is not None else None
    posts = store.posts_frame(
        channels=wanted,
        since=job.now() - max_age,
        columns=["channel_id", "message_id"],
    )
    report = RefreshReport()
    report.run_id = run_id = store.start_run(
        "refresh",
        {
            "max_age_seconds": int(max_age.total_seconds()),
            "channels": wanted,
        },
    )
    try:
        for channel_id, group in posts.groupby("channel_id", sort=True):
            ids = sorted(int(i) for i in group["message_id"])
            report.channels.append(await _refresh_channel(job, int(channel_id), ids))
    except BaseException as exc:
        report.requests = dict(job.requests)
        store.finish_run(run_id, _interrupted(exc), report.counts())
        raise
    report.requests = dict(job.requests)
    store.finish_run(run_id, report.run_status, report.counts())
    return report


async def _refresh_channel(job: ChannelJob, channel_id: int, ids: list[int]) -> RefreshResult:
    known = job.store.channel(channel_id)
    label = f"@{known.username}" if known and known.username else str(channel_id)
    result = RefreshResult(label, channel_id)
    job.listener.channel_started(label)
    try:
        if known is None or known.access_hash is None:
            raise ChannelProblem("no access hash stored (imported?); collect it once first")
        peer = types.InputChannel(channel_id, known.access_hash)
        for start in range(0, len(ids), _IDS_PER_REQUEST):
            chunk = ids[start : start + _IDS_PER_REQUEST]
            request = functions.channels.GetMessagesRequest(
                peer, [types.InputMessageID(i) for i in chunk]
            )
            try:
                answer = await job.send(request, label)
            except (errors.ChannelPrivateError, errors.ChannelBannedError):
                raise ChannelProblem(f"{label} is private or you were banned from it") from None
            at = job.now()
            stats = []
            for message in answer.messages:
                if isinstance(message, types.Message):
                    total, _ = reactions_of(message)
                    stats.append(
                        PostStats(
                            channel_id, message.id, at, message.views, message.forwards, total
                        )
                    )
                else:
                    result.missing += 1
            result.refreshed += job.store.save_post_stats(stats)
            job.listener.page_saved(label, len(stats), chunk[-1])
    except ChannelProblem as problem:
        result.status, result.reason = FAILED, problem.reason
    except Deferred as deferred:
        result.status, result.retry_at, result.reason = DEFERRED, deferred.retry_at, str(deferred)
    except TelegramUnavailable as exc:
        result.status, result.reason = FAILED, str(exc)
    except errors.RPCError as exc:
        result.status, result.reason = FAILED, f"Telegram refused to serve {label}: {exc.message}"
    job.listener.channel_finished(result)
    return result
