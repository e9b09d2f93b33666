"""The one place where Telegram's flood waits, server errors and dropped connections are handled.

Every request the Telegram collector sends goes through :func:`call`:

- ``FLOOD_WAIT_X`` up to ``threshold`` seconds is slept here, second by second, calling
  ``on_wait(seconds_left, request_name)`` so the CLI can show a countdown; a longer wait
  raises :class:`Deferred` with the time to retry, and the caller defers that channel.
  Telethon would sleep short waits silently, so :func:`call` sets the client's
  ``flood_sleep_threshold`` to 0 and Telethon raises every flood wait to us. Telethon
  still remembers each request type's deadline and refuses to send it early, which
  saves the account from hammering Telegram: such a refusal comes back as a flood wait
  of the remaining seconds and is handled the same way.
- RPC 5xx: Telethon retries internally (``request_retries``) and then raises; this
  surfaces as :class:`TelegramUnavailable`.
- A dropped connection: reconnect once and resend; a second drop raises
  :class:`TelegramUnavailable`.

Sleeping uses this module's ``asyncio.sleep`` and ``time.time``, which tests replace
with a virtual clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telethon import errors

log = logging.getLogger(__name__)

WaitCallback = Callable[[int, str], None]
MAX_CONSECUTIVE_WAITS = 10  # a request flooded this often in a row is deferred


class Deferred(Exception):  # noqa: N818 - a state, not an error: "this channel is deferred"
    """Telegram asked to wait longer than the threshold; retry at ``retry_at`` (UTC)."""

    def __init__(self, seconds: int, request: str) -> None:
        self.seconds = seconds
        self.request = request
        self.retry_at = wall_clock_after(seconds)
        super().__init__(
            f"Telegram asked to wait {seconds} s before the next {request}; "
            f"retry after {self.retry_at:%Y-%m-%d %H:%M} UTC"
        )


class TelegramUnavailable(Exception):  # noqa: N818 - named for what the user sees
    """Telegram kept failing (server errors, or the connection dropped twice)."""


def wall_clock_after(seconds: float = 0.0) -> datetime:
    """Now plus ``seconds`` as an aware UTC datetime, on this module's (patchable) clock."""
    return datetime.fromtimestamp(time.time() + seconds, tz=UTC)


def request_name(request: Any) -> str:
    """``GetHistoryRequest`` for a request object (unwrapping a takeout wrapper)."""
    return type(getattr(request, "query", request)).__name__


async def _countdown(seconds: int, name: str, on_wait: WaitCallback | None) -> None:
    left = seconds
    while left > 0:
        if on_wait is not None:
            on_wait(left, name)
        step = min(left, 1)
        await asyncio.sleep(step)
        left -= step
    if on_wait is not None:
        on_wait(0, name)


async def call(
    client: Any,
    request: Any,
    *,
    threshold: int,
    on_wait: WaitCallback | None = None,
    counts: Counter[str] | None = None,
) -> Any:
    """Send ``request`` through ``client`` (a TelegramClient or its takeout proxy).

    Parameters
    ----------
    threshold : int
        Flood waits up to this many seconds are slept; longer ones raise :class:`Deferred`.
    on_wait : callable, optional
        Called as ``on_wait(seconds_left, request_name)`` every second of a wait and
        once with 0 when it is over.
    counts : Counter, optional
        Incremented per request name for every request actually handed to Telethon.

    Raises
    ------
    Deferred
        The flood wait is longer than ``threshold``.
    TelegramUnavailable
        Server errors persisted through Telethon's retries, or the connection dropped
        again right after reconnecting.
    """
    client.flood_sleep_threshold = 0
    name = request_name(request)
    waits = 0
    reconnected = False
    while True:
        if counts is not None:
            counts[name] += 1
        try:
            return await client(request)
        except (errors.FloodWaitError, errors.FloodPremiumWaitError) as exc:
            seconds = max(int(exc.seconds), 1)
            waits += 1
            if seconds > threshold or waits > MAX_CONSECUTIVE_WAITS:
                raise Deferred(seconds, name) from exc
            log.info("flood wait of %d s on %s", seconds, name)
            await _countdown(seconds, name, on_wait)
        except errors.ServerError as exc:
            raise TelegramUnavailable(
                f"Telegram answered {name} with server errors ({exc.message}) through "
                "every retry; committed pages are kept, re-run later to continue"
            ) from exc
        except ValueError as exc:
            if not str(exc).startswith("Request was unsuccessful"):
                raise
            raise TelegramUnavailable(
                f"Telegram kept failing {name} ({exc}); committed pages are kept, "
                "re-run later to continue"
            ) from exc
        except ConnectionError as exc:
            if reconnected:
                raise TelegramUnavailable(
                    f"the connection to Telegram dropped twice during {name}; "
                    "check the network and re-run (committed pages are kept)"
                ) from exc
            log.warning("connection dropped during %s; reconnecting", name)
            reconnected = True
            try:
                await client.connect()
            except (ConnectionError, OSError) as again:
                raise TelegramUnavailable(
                    f"cannot reconnect to Telegram ({again}); check the network and re-run"
                ) from again
