"""Reading a channel's history page by page, each page saved with its checkpoint.

Paging is **oldest first**: ``GetHistoryRequest(offset_id=x + 1, add_offset=-100,
limit=100)`` answers the 100 messages with the smallest ids >= x + 1 (and
``offset_date=since`` with the same negative offset answers the first 100 messages
dated >= since). Telegram applies ``min_id``/``max_id`` only after slicing, so they are
never used. Going oldest first makes the checkpoint one number: every message up to
``last_message_id`` has been read, so a run killed at any moment resumes after the
last committed page without a gap, and the posts in flight are re-read, never
duplicated (saves are upserts). The history ends at a page whose newest message
Telegram places first of all (``offset_id_offset == 0``, not ``inexact``: nothing is
newer), or, when an answer does not say, at a page that comes back empty; a short page
alone does not end it (Telegram sometimes withholds messages, as Telethon notes). So
reading N messages costs ceil(N / 100) requests (+1 where positions are not reported),
and an incremental run with nothing new costs one.

A channel's coverage (``collection_state``) is one contiguous range: everything dated
>= ``read_from`` (``None``: from the first post) up to ``last_message_id``. A run
- continues after ``last_message_id`` (incremental, the default);
- first backfills from ``--since`` up to the coverage when ``--since`` reaches further
  back than what was read before;
- starts a new coverage at ``--since`` when everything read is older than ``--since``;
- with ``--full``, re-reads everything from ``--since`` (or the first post) to the end.
Backfills and full re-reads are *passes* with their own cursor (``pass_*``), so they
resume mid-channel too; a pass extends the coverage as soon as it overlaps it.
``--until`` stops any pass at the first message dated >= until.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from telethon.tl import functions, types

from amplify.records import Post
from amplify.store import Checkpoint, SaveCounts, Store
from collectors.telegram_convert import channel_from_chat, is_post, post_from_message, titles

PAGE = 100

Send = Callable[[Any], Awaitable[Any]]
PageCallback = Callable[[int, int], None]  # (posts saved, last message id)


def _not_later(a: datetime | None, b: datetime | None) -> bool:
    """``a <= b`` where ``None`` means "from the first post"."""
    return a is None or (b is not None and a <= b)


def merge_pass(
    state: Checkpoint,
    since: datetime | None,
    first_id: int,
    last_id: int,
    last_date: datetime,
    reached_end: bool = False,
) -> Checkpoint | None:
    """The coverage once a pass from ``since`` has read ids ``first_id..last_id``
    contiguously, or ``None`` while the two ranges cannot be proven contiguous."""
    if state.last_message_id is None:
        return replace(
            state,
            read_from=since,
            first_message_id=first_id,
            last_message_id=last_id,
            last_date=last_date,
        )
    first, last = state.first_message_id or 0, state.last_message_id
    newer = (last_id, last_date) if last_id > last else (last, state.last_date)
    if _not_later(since, state.read_from):
        if reached_end or last_id >= first - 1:
            return replace(
                state,
                read_from=since,
                first_message_id=min(first_id, first),
                last_message_id=newer[0],
                last_date=newer[1],
            )
    elif first_id <= last + 1:
        return replace(state, last_message_id=newer[0], last_date=newer[1])
    return None


@dataclass
class ReadResult:
    """What reading one channel did."""

    saved: SaveCounts = SaveCounts()
    first_id: int | None = None
    last_id: int | None = None
    pages: int = 0


class HistoryReader:
    """Reads one channel into the store for a window, resuming from its checkpoint.

    ``send`` sends a request (through the flood handler); ``now`` is the observation
    clock (``collected_at``); ``on_page(posts, last_id)`` reports progress.
    """

    def __init__(
        self,
        store: Store,
        send: Send,
        peer: Any,
        channel_id: int,
        *,
        since: datetime | None,
        until: datetime | None,
        run_id: int | None,
        now: Callable[[], datetime],
        on_page: PageCallback | None = None,
    ) -> None:
        self.store, self.send, self.peer, self.channel_id = store, send, peer, channel_id
        self.since, self.until, self.run_id, self.now = since, until, run_id, now
        self.on_page = on_page
        self.result = ReadResult()

    def state(self) -> Checkpoint:
        return self.store.checkpoint(self.channel_id) or Checkpoint(self.channel_id)

    async def read(self, *, full: bool = False) -> ReadResult:
        """Read the window: a full re-read, or backfill (if needed) then forward."""
        state = self.state()
        if full:
            await self._pass(state, "full")
            return self.result
        if state.last_message_id is not None and not _not_later(state.read_from, self.since):
            state = await self._pass(state, "backfill")
        stale = (
            self.since is not None and state.last_date is not None and state.last_date < self.since
        )
        fresh = state.last_message_id is None or stale
        await self._pass(state, "fresh" if fresh else "forward")
        return self.result

    async def _pages(self, after_id: int | None):
        """Pages of messages, oldest first, after ``after_id`` or from ``since``."""
        if after_id is not None:
            offset_id, offset_date = after_id + 1, None
        elif self.since is not None:
            offset_id, offset_date = 0, self.since
        else:
            offset_id, offset_date = 1, None
        last = after_id or 0
        while True:
            answer = await self.send(
                functions.messages.GetHistoryRequest(
                    peer=self.peer,
                    offset_id=offset_id,
                    offset_date=offset_date,
                    add_offset=-PAGE,
                    limit=PAGE,
                    max_id=0,
                    min_id=0,
                    hash=0,
                )
            )
            self.result.pages += 1
            messages = sorted(
                (m for m in answer.messages if not isinstance(m, types.MessageEmpty)),
                key=lambda m: m.id,
            )
            messages = [m for m in messages if m.id > last]
            if not messages:
                return
            last = messages[-1].id
            offset_id, offset_date = last + 1, None
            yield messages, answer.chats
            if getattr(answer, "offset_id_offset", None) == 0 and not getattr(answer, "inexact", 0):
                return  # Telegram says nothing is newer than this page: no empty page needed

    async def _pass(self, state: Checkpoint, kind: str) -> Checkpoint:
        """One pass: ``forward`` (after the coverage), ``fresh`` (a new coverage from
        ``since``: its first page replaces the old one), ``backfill`` (from ``since`` up
        to the coverage) or ``full`` (from ``since`` to the end)."""
        resumable = kind in ("full", "backfill")
        after: int | None = None
        first_id: int | None = None
        if kind == "forward":
            after = state.last_message_id
        elif (
            resumable
            and state.pass_kind == kind
            and state.pass_from == self.since
            and state.pass_cursor is not None
        ):
            after, first_id = state.pass_cursor, state.pass_first_id
        stop_before = state.first_message_id if kind == "backfill" else None
        last: Any = None
        ended = True
        async for messages, chats in self._pages(after):
            read, stop = self._cut(messages, stop_before)
            if read:
                last = read[-1]
                first_id = read[0].id if first_id is None else first_id
                state = self._advance(state, kind, first_id, last)
                kind = "forward" if kind == "fresh" else kind
                kept = [m for m in read if stop_before is None or m.id < stop_before]
                self._save(kept, chats, state)
            if stop:
                ended = False
                break
        if resumable and state.pass_kind is not None:
            if ended and last is not None and first_id is not None:
                # the history ended: the pass read everything from ``since``
                state = (
                    merge_pass(state, self.since, first_id, last.id, last.date, reached_end=True)
                    or state
                )
            state = replace(
                state, pass_kind=None, pass_from=None, pass_first_id=None, pass_cursor=None
            )
            self.store.save_checkpoint(replace(state, updated_at=self.now()))
        return state

    def _cut(self, messages: list[Any], stop_before: int | None) -> tuple[list[Any], bool]:
        """The messages of a page inside the window, and whether the pass ends here."""
        read = [m for m in messages if self.since is None or m.date >= self.since]
        stop = False
        if self.until is not None:
            cut = next((i for i, m in enumerate(read) if m.date >= self.until), None)
            if cut is not None:
                read, stop = read[:cut], True
        if stop_before is not None and read and read[-1].id >= stop_before - 1:
            stop = True  # reached (or touched) what was read before
        return read, stop

    def _advance(self, state: Checkpoint, kind: str, first_id: int, last: Any) -> Checkpoint:
        """The checkpoint once a page of this pass, ending with ``last``, is saved."""
        if kind == "forward":
            return replace(state, last_message_id=last.id, last_date=last.date)
        if kind == "fresh":
            return replace(
                state,
                read_from=self.since,
                first_message_id=first_id,
                last_message_id=last.id,
                last_date=last.date,
            )
        state = replace(
            state,
            pass_kind=kind,
            pass_from=self.since,
            pass_first_id=first_id,
            pass_cursor=last.id,
        )
        return merge_pass(state, self.since, first_id, last.id, last.date) or state

    def _save(self, messages: list[Any], chats: list[Any], state: Checkpoint) -> None:
        now = self.now()
        chat_titles = titles(chats)
        posts: list[Post] = [
            post_from_message(m, self.channel_id, now, chat_titles) for m in messages if is_post(m)
        ]
        seen = [c for c in (channel_from_chat(chat) for chat in chats) if c is not None]
        with self.store.transaction() as conn:
            self.store.save_channels(seen, seen_at=now, conn=conn)
            counts = self.store.save_posts(posts, run_id=self.run_id, conn=conn)
            self.store.save_checkpoint(replace(state, updated_at=now), conn=conn)
        result = self.result
        result.saved += counts
        if messages:
            ids = [m.id for m in messages]
            result.first_id = min(ids) if result.first_id is None else min(result.first_id, *ids)
            result.last_id = max(ids) if result.last_id is None else max(result.last_id, *ids)
        if self.on_page is not None:
            self.on_page(len(posts), state.last_message_id or 0)
