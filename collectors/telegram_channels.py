"""One channel at a time: find it (store cache or one ``ResolveUsername``), snapshot it
(``GetFullChannel``) and read its history; problems become a reason, never a crash.

:class:`ChannelJob` holds what a collection job shares: the client, the store, the
clock, the flood threshold, the request counts and the listener.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from telethon import errors
from telethon.tl import functions, types

from amplify.records import Channel, ChannelStats
from amplify.store import Checkpoint, Store
from collectors.telegram_convert import channel_from_chat
from collectors.telegram_flood import Deferred, TelegramUnavailable, call, wall_clock_after
from collectors.telegram_history import HistoryReader
from collectors.telegram_report import (
    DEFERRED,
    DONE,
    FAILED,
    ChannelResult,
    CollectionListener,
)

_NAME = re.compile(
    r"^(?:@|(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/(?:s/)?)?"
    r"([A-Za-z][A-Za-z0-9_]{3,31})/?$"
)


class ChannelProblem(Exception):
    """This channel cannot be read; ``reason`` says why, in the user's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _StaleHash(ChannelProblem):
    """The cached access hash is refused (it belongs to another account's session)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_channel(text: str | int) -> tuple[int | str, str]:
    """``(key, label)`` of a channel named by ``@name``, ``name``, a t.me link or an id:
    the key is the id (int) or the lower-case username, the label as the user typed it."""
    if isinstance(text, int):
        return text, str(text)
    value = text.strip()
    if value.lstrip("-").isdigit():
        number = int(value[4:]) if value.startswith("-100") else abs(int(value))
        return number, str(number)
    match = _NAME.match(value)
    if match is None:
        raise ChannelProblem(f"{text!r} is not a channel username, t.me link or id")
    return match.group(1).lower(), f"@{match.group(1)}"


def _label(key: int | str) -> str:
    return f"@{key}" if isinstance(key, str) else str(key)


class ChannelJob:
    """What the channels of one job share: client, store, clock, threshold, counts."""

    def __init__(
        self,
        client: Any,
        store: Store,
        *,
        threshold: int,
        listener: CollectionListener | None,
        now: Callable[[], datetime] | None,
    ) -> None:
        self.client, self.store, self.threshold = client, store, threshold
        self.listener = listener or CollectionListener()
        self.now = now or _utcnow
        self.requests: Counter[str] = Counter()
        self.read_ids: set[int] = set()  # channels this job has read

    async def send(self, request: Any, label: str) -> Any:
        def on_wait(seconds: int, name: str) -> None:
            self.listener.waiting(label, seconds, name)

        return await call(
            self.client, request, threshold=self.threshold, on_wait=on_wait, counts=self.requests
        )

    async def resolve(
        self, key: int | str, *, cache: bool = True
    ) -> tuple[types.InputChannel, Channel]:
        """The input peer of a channel: from the store, else one ``ResolveUsername``."""
        cached = self.store.channel(key) if cache else None
        if cached is not None and cached.access_hash is not None:
            return types.InputChannel(cached.channel_id, cached.access_hash), cached
        if isinstance(key, int):
            try:
                peer = self.client.session.get_input_entity(types.PeerChannel(key))
            except (ValueError, TypeError):
                peer = None
            if isinstance(peer, types.InputPeerChannel):
                return types.InputChannel(key, peer.access_hash), cached or Channel(key)
            raise ChannelProblem(
                f"channel {key} is known only by its id (no access hash); "
                "name it by username instead"
            )
        try:
            answer = await self.send(functions.contacts.ResolveUsernameRequest(key), _label(key))
        except errors.UsernameNotOccupiedError:
            raise ChannelProblem(
                f"no channel @{key}: check the spelling (it may have been renamed or deleted)"
            ) from None
        except errors.UsernameInvalidError:
            raise ChannelProblem(f"@{key} is not a valid channel username") from None
        except errors.ChannelPrivateError:
            raise ChannelProblem(f"@{key} is private or you were banned from it") from None
        if not isinstance(answer.peer, types.PeerChannel):
            kind = "a user or bot" if isinstance(answer.peer, types.PeerUser) else "a group"
            raise ChannelProblem(f"@{key} is {kind}, not a channel")
        chat = next((c for c in answer.chats if c.id == answer.peer.channel_id), None)
        record = channel_from_chat(chat)
        if record is None or record.access_hash is None:
            raise ChannelProblem(f"@{key} is private or you were banned from it")
        self.store.save_channels([record], seen_at=self.now())  # never resolve it again
        return types.InputChannel(record.channel_id, record.access_hash), record

    async def full_channel(self, key: int | str, peer: types.InputChannel) -> tuple[Any, Any]:
        """``(ChannelFull, Channel)`` of a channel; problems become :class:`ChannelProblem`."""
        label = _label(key)
        try:
            answer = await self.send(functions.channels.GetFullChannelRequest(peer), label)
        except (errors.ChannelPrivateError, errors.ChannelBannedError):
            raise ChannelProblem(f"{label} is private or you were banned from it") from None
        except errors.ChannelInvalidError:
            raise _StaleHash(
                f"{label} cannot be read with its cached access hash (it may belong to "
                "another account's session); name it by username to resolve it again"
            ) from None
        except errors.ChannelPublicGroupNaError:
            raise ChannelProblem(f"{label} is not available") from None
        chat = next((c for c in answer.chats if c.id == peer.channel_id), None)
        if isinstance(chat, types.ChannelForbidden) or chat is None:
            raise ChannelProblem(f"{label} is private or you were banned from it")
        if chat.megagroup and not chat.broadcast:
            raise ChannelProblem(f"{label} is a group, not a channel")
        return answer.full_chat, chat

    async def read_channel(
        self,
        key: int | str,
        *,
        depth: int,
        since: datetime | None,
        until: datetime | None,
        full: bool,
        run_id: int,
        label: str | None = None,
        found: tuple[types.InputChannel, Any, Any] | None = None,
    ) -> ChannelResult | None:
        """Resolve (unless ``found``), snapshot and read one channel; ``None`` if this
        job has read it already (under another name)."""
        label = label or _label(key)
        result = ChannelResult(label, depth=depth)
        self.listener.channel_started(label)
        try:
            if found is None:
                peer, _ = await self.resolve(key)
                result.channel_id = peer.channel_id
                if peer.channel_id in self.read_ids:
                    result.note = "read already in this run"
                    self.listener.channel_finished(result)
                    return None
                if self._still_deferred(result):
                    self.read_ids.add(peer.channel_id)
                    return result
                try:
                    full_chat, chat = await self.full_channel(key, peer)
                except _StaleHash:
                    if not isinstance(key, str):
                        raise
                    peer, _ = await self.resolve(key, cache=False)
                    full_chat, chat = await self.full_channel(key, peer)
            else:
                peer, full_chat, chat = found
            self.read_ids.add(chat.id)
            result.channel_id, result.title = chat.id, chat.title
            if isinstance(key, str) and chat.username and chat.username.lower() != key:
                result.note = f"now @{chat.username}; update your channel list"
            now = self.now()
            with self.store.transaction() as conn:
                record = channel_from_chat(chat, about=full_chat.about)
                self.store.save_channels([record], collected_at=now, conn=conn)  # type: ignore[list-item]
                self.store.save_channel_stats(
                    [ChannelStats(chat.id, now, full_chat.participants_count)], conn=conn
                )
            reader = HistoryReader(
                self.store,
                lambda request: self.send(request, label),
                types.InputPeerChannel(peer.channel_id, peer.access_hash),
                chat.id,
                since=since,
                until=until,
                run_id=run_id,
                now=self.now,
                on_page=lambda posts, last: self.listener.page_saved(label, posts, last),
            )
            try:
                await reader.read(full=full)
            finally:
                read = reader.result
                result.new, result.updated = read.saved.new, read.saved.updated
                result.first_message_id, result.last_message_id = read.first_id, read.last_id
        except ChannelProblem as problem:
            result.status, result.reason = FAILED, problem.reason
        except Deferred as deferred:
            result.status, result.retry_at = DEFERRED, deferred.retry_at
            result.reason = str(deferred)
        except TelegramUnavailable as exc:
            result.status, result.reason = FAILED, str(exc)
        except (errors.ChannelPrivateError, errors.ChannelBannedError):
            result.status, result.reason = FAILED, f"{label} is private or you were banned from it"
        except errors.RPCError as exc:
            result.status = FAILED
            result.reason = f"Telegram refused to serve {label}: {exc.message}"
        self._record(result)
        self.listener.channel_finished(result)
        return result

    def _still_deferred(self, result: ChannelResult) -> bool:
        state = self.store.checkpoint(result.channel_id)  # type: ignore[arg-type]
        if state is None or state.status != DEFERRED or state.deferred_until is None:
            return False
        if state.deferred_until <= wall_clock_after(0):
            return False
        result.status, result.retry_at = DEFERRED, state.deferred_until
        result.reason = "still in a flood wait from an earlier run"
        self.listener.channel_finished(result)
        return True

    def _record(self, result: ChannelResult) -> None:
        if result.channel_id is None:
            return
        state = self.store.checkpoint(result.channel_id) or Checkpoint(result.channel_id)
        self.store.save_checkpoint(
            replace(
                state,
                status=result.status,
                deferred_until=result.retry_at,
                reason=result.reason if result.status != DONE else None,
                updated_at=self.now(),
            )
        )

    def label_of(self, channel_id: int) -> str:
        """``@username`` of a stored channel, else its id."""
        known = self.store.channel(channel_id)
        return f"@{known.username}" if known and known.username else str(channel_id)
