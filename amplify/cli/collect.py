"""``amplify login``, ``amplify collect`` and ``amplify refresh``: the Telegram commands.

Telethon is imported only when one of these runs (through :mod:`collectors.telegram`),
so the rest of the CLI works without touching it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress, ProgressColumn, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from amplify.cli.common import current_config, data_options, open_store, stderr, stdout
from amplify.config import Config, load_config, telegram_credentials
from amplify.errors import AmplifyError, UsageError

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class UTCDate(click.ParamType):
    """A date or date-time (ISO 8601); without a time zone it is taken as UTC."""

    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            parsed = value
        else:
            try:
                parsed = datetime.fromisoformat(str(value).strip())
            except ValueError:
                self.fail(
                    f"{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM", param, ctx
                )
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Duration(click.ParamType):
    """An age such as 30m, 12h, 7d or 2w."""

    name = "AGE"

    def convert(self, value: Any, param: Any, ctx: Any) -> timedelta:
        if isinstance(value, timedelta):
            return value
        match = _DURATION.match(str(value))
        if match is None or int(match.group(1)) == 0:
            self.fail(f"{value!r} is not an age: use e.g. 30m, 12h, 7d or 2w", param, ctx)
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _session_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--session",
        "session_path",
        metavar="PATH",
        type=click.Path(dir_okay=False),
        help="Telethon session file (created mode 0600) [config 'session'; "
        "default data/amplify.session].",
    )(func)


def _flood_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--flood-threshold",
        type=click.IntRange(0, 86400),
        metavar="SECONDS",
        help="Sleep through Telegram flood waits up to this long (with a countdown); defer "
        "a channel on longer ones [config collection.flood_sleep_threshold; default 60].",
    )(func)


def _quiet() -> bool:
    return bool((click.get_current_context().find_root().obj or {}).get("quiet"))


class _Rate(ProgressColumn):
    def render(self, task: Any) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="dim")


@contextmanager
def _progress(quiet: bool) -> Iterator[Any]:
    """A rich progress display on stderr as a collection listener (silent when quiet)."""
    from collectors.telegram import CollectionListener

    class Listener(CollectionListener):
        def __init__(self, progress: Progress) -> None:
            self.progress, self.tasks = progress, {}

        def _task(self, channel: str) -> Any:
            if channel not in self.tasks:
                self.tasks[channel] = self.progress.add_task(channel, total=None, note="")
            return self.tasks[channel]

        def channel_started(self, channel: str) -> None:
            self._task(channel)

        def page_saved(self, channel: str, posts: int, last_message_id: int) -> None:
            self.progress.update(self._task(channel), advance=posts, note=f"#{last_message_id}")

        def waiting(self, channel: str, seconds_left: int, request: str) -> None:
            note = f"flood wait {seconds_left} s ({request})" if seconds_left else ""
            self.progress.update(self._task(channel), note=note)

        def channel_finished(self, result: Any) -> None:
            task = self._task(result.channel)
            done = self.progress.tasks[task].completed
            self.progress.update(task, total=done, completed=done, note=result.status)

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:>8,.0f} posts"),
        _Rate(),
        TextColumn("{task.fields[note]}"),
        console=stderr(quiet),
        disable=quiet,
    )
    with progress:
        yield Listener(progress)


def _client(config: Config, session_path: str | None) -> Any:
    from collectors import telegram

    credentials = telegram_credentials()
    return telegram.make_client(credentials, session_path or config.session)


def _run(client: Any, job: Callable[[Any], Awaitable[Any]], *, takeout: bool = False) -> Any:
    """Connect, check the sign-in, run ``job(client)`` (in a takeout session if asked)."""
    from collectors import telegram

    async def main() -> Any:
        try:
            await client.connect()
        except OSError as exc:
            raise AmplifyError(f"cannot connect to Telegram ({exc}); check the network") from None
        try:
            if not await client.is_user_authorized():
                raise UsageError("not signed in to Telegram: run 'amplify login' first")
            if takeout:
                async with telegram.takeout(client) as session:
                    return await job(session)
            return await job(client)
        finally:
            await client.disconnect()

    return asyncio.run(main())


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _print_collection(report: Any) -> None:
    console = stdout()
    table = Table(title="collected")
    for column in ("channel", "status", "new", "updated", "messages", "depth", "note"):
        table.add_column(column, justify="right" if column in ("new", "updated") else "left")
    for c in report.channels:
        ids = f"{c.first_message_id}–{c.last_message_id}" if c.first_message_id else ""
        note = f"retry after {_when(c.retry_at)}" if c.status == "deferred" else c.reason or ""
        if c.note:
            note = f"{note}; {c.note}" if note else c.note
        table.add_row(
            *(Text(str(v)) for v in (c.channel, c.status, c.new, c.updated, ids, c.depth, note))
        )
    console.print(table)
    for discovery in report.discovered:
        console.print(Text(discovery.line()))
    for line in report.totals_lines():
        console.print(Text(line))


@click.command()
@click.argument("channels", nargs=-1, metavar="[CHANNEL]...")
@click.option("--since", type=UTCDate(), help="Oldest post date to read, UTC [config].")
@click.option("--until", type=UTCDate(), help="Read posts before this date, UTC [config].")
@click.option(
    "--snowball",
    type=click.IntRange(0, 5),
    metavar="N",
    help="Also collect channels the collected ones forward or link to, up to N hops "
    "[config; default 0].",
)
@click.option(
    "--min-references",
    type=click.IntRange(1),
    metavar="N",
    help="Snowball: add a channel referenced by at least N posts [config; default 2].",
)
@click.option(
    "--min-subscribers",
    type=click.IntRange(0),
    metavar="N",
    help="Snowball: and followed by at least N subscribers [config; default any].",
)
@click.option("--full", is_flag=True, help="Re-read the whole window, not only new posts.")
@click.option(
    "--takeout/--no-takeout",
    default=None,
    help="Use a Telegram takeout session (lower flood limits) [config; default off].",
)
@_flood_option
@_session_option
@data_options
def collect(
    channels: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    snowball: int | None,
    min_references: int | None,
    min_subscribers: int | None,
    full: bool,
    takeout: bool | None,
    flood_threshold: int | None,
    session_path: str | None,
) -> None:
    """Collect posts of Telegram channels (usernames, t.me links or ids) into the database.

    Channels come from the arguments, else from 'channels' in config.yaml. Each run
    continues after the newest post already read (use --full to re-read); every page
    of 100 posts is committed with its checkpoint, so an interrupted run resumes where
    it stopped. Needs TG_API_ID and TG_API_HASH and a session from 'amplify login'.

    Exit codes: 0 all done; 3 some channels deferred by a flood wait (the summary says
    when to retry) or failed with a reason; 1 all failed; 2 bad usage.
    """
    config = current_config()
    settings = config.collection
    since = since or settings.since
    until = until or settings.until
    if since and until and since >= until:
        raise UsageError(f"--since ({since:%Y-%m-%d}) must be before --until ({until:%Y-%m-%d})")
    names = list(channels) or list(config.channels)
    if not names:
        raise UsageError(
            "no channels to collect: name them (amplify collect AsiaToday rybar) "
            "or list them under 'channels:' in config.yaml"
        )
    client = _client(config, session_path)
    store = open_store()
    from collectors import telegram

    with _progress(_quiet()) as listener:
        report = _run(
            client,
            lambda c: telegram.collect(
                c,
                store,
                names,
                since=since,
                until=until,
                snowball=settings.snowball if snowball is None else snowball,
                full=full,
                min_references=min_references or settings.min_references,
                min_subscribers=settings.min_subscribers
                if min_subscribers is None
                else min_subscribers,
                flood_threshold=settings.flood_sleep_threshold
                if flood_threshold is None
                else flood_threshold,
                listener=listener,
            ),
            takeout=settings.takeout if takeout is None else takeout,
        )
    _print_collection(report)
    click.get_current_context().exit(report.exit_code)


@click.command()
@click.argument("channels", nargs=-1, metavar="[CHANNEL]...")
@click.option(
    "--max-age",
    type=Duration(),
    default="7d",
    show_default=True,
    help="Refresh posts published within this age (30m, 12h, 7d, 2w).",
)
@_flood_option
@_session_option
@data_options
def refresh(
    channels: tuple[str, ...],
    max_age: timedelta,
    flood_threshold: int | None,
    session_path: str | None,
) -> None:
    """Re-read views, forwards and reactions of recent posts into post_stats.

    Every stored post younger than --max-age (of the named channels, else of all) is
    read again by id, 100 per request; each observation is kept, so view
    trajectories build up run after run. Exit codes as for 'amplify collect'.
    """
    config = current_config()
    client = _client(config, session_path)
    store = open_store()
    from collectors import telegram

    threshold = (
        config.collection.flood_sleep_threshold if flood_threshold is None else flood_threshold
    )
    with _progress(_quiet()) as listener:
        report = _run(
            client,
            lambda c: telegram.refresh(
                c,
                store,
                max_age=max_age,
                channels=list(channels) or None,
                flood_threshold=threshold,
                listener=listener,
            ),
        )
    console = stdout()
    for line in report.summary_lines():
        console.print(Text(line))
    click.get_current_context().exit(report.exit_code)


@click.command()
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    type=click.Path(dir_okay=False),
    help="Configuration file [env AMPLIFY_CONFIG; default ./config.yaml].",
)
@_session_option
def login(config_path: str | None, session_path: str | None) -> None:
    """Sign in to Telegram interactively and save the session file (mode 0600).

    Asks for your phone number, the code Telegram sends and, if set, your two-step
    password. Needs TG_API_ID and TG_API_HASH (https://my.telegram.org/apps). The
    session file grants access to your account: keep it private.
    """
    config = load_config(config_path)
    client = _client(config, session_path)

    async def main() -> Any:
        try:
            await client.start()
            return await client.get_me()
        finally:
            await client.disconnect()

    me = asyncio.run(main())
    name = f"@{me.username}" if getattr(me, "username", None) else str(getattr(me, "id", "?"))
    path = Path(client.session.filename) if hasattr(client.session, "filename") else None
    click.echo(f"signed in as {name}; session saved in {path or 'memory'}")
