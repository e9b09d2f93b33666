"""Telegram Desktop channel exports (``result.json``), read as a stream of records.

Telegram Desktop writes a channel's history with *Export chat history → JSON*. The file
is read with ijson one message at a time, so a multi-gigabyte export needs little
memory. What becomes of each field:

- top level: ``id`` (the bare channel id, as in ``t.me/c/<id>/…``; a Bot API style
  ``-100…`` id is accepted and stripped) → ``Channel.channel_id``; ``name`` → title.
  ``type`` must be ``public_channel`` or ``private_channel``: groups and supergroups
  are refused, because amplify studies channels and a group's messages are written by
  private people, whom the ``posts`` table has no column for.
- messages of ``type: message`` become posts; ``service`` messages (channel created,
  message pinned…) and ``unsupported`` ones are skipped and counted.
- ``date_unixtime`` / ``edited_unixtime`` (the true instant) → ``date`` / ``edit_date``
  in UTC. ``date`` is the exporting computer's local time without a zone: never used.
- ``text`` (a string, or a list of strings and entities ``{type, text, href?}``) is
  flattened to plain text; message links come from that text and from the ``href`` of
  hidden ``text_link`` entities (:func:`amplify.links.find_message_links`).
- ``forwarded_from`` (a display name) → ``fwd_name``; ``forwarded_from_id`` of the form
  ``channel<id>``, which some releases add, → ``fwd_channel_id``.
- ``author`` (the post's signature) → ``post_author``; ``reactions`` → counts per
  emoji (or custom-emoji document, or ``paid``) and their total.
- ``photo`` → media kind ``photo`` (size from ``photo_file_size``); ``file`` → its
  ``media_type`` in the API collector's words (``video_file`` and ``video_message`` →
  ``video``, ``voice_message`` → ``voice``, ``audio_file`` → ``audio``; ``animation``,
  ``sticker`` as they are) or ``document``, with ``file_size`` and ``duration_seconds``;
  polls, locations, contacts… get a kind of their own (see
  :mod:`collectors.desktop_messages`).

What an export lacks stays NULL, and :meth:`ExportTally.caveats` says so once: views,
forwards and replies counts; the original message id and date of forwards; Telegram
photo/document ids (an export has file paths, so re-posted media cannot be matched);
album grouping; the channel's @username.

A file that is not a channel export, is truncated, is not UTF-8 or holds a value of the
wrong type raises :class:`~amplify.errors.InputError` naming the file and, where it can,
the message and the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from amplify.errors import InputError
from amplify.records import Channel, Post
from collectors._files import CountingReader, first_char, first_invalid_utf8, shown
from collectors.desktop_messages import MAX_ID, is_whole, message_post

CHANNEL_TYPES = frozenset({"public_channel", "private_channel"})
HOW_TO_EXPORT = "export a channel with Telegram Desktop → Export chat history → JSON"
_GROUP_TYPES = {"private_group", "private_supergroup", "public_supergroup"}
_ACCOUNT_KEYS = {"personal_information", "chats", "left_chats", "contacts", "frequent_contacts"}
_BUFFER = 16 * 1024
Event = tuple[str, str, Any]


@dataclass(slots=True)
class ExportTally:
    """What a pass over an export saw; :func:`iter_export` fills it as it goes."""

    posts: int = 0
    service: int = 0
    unsupported: int = 0
    forwards: int = 0
    media: int = 0
    bytes_read: int = 0

    def caveats(self) -> list[str]:
        """What the export lacks, in words a researcher can act on."""
        notes = [
            "views, forwards and replies: a Telegram Desktop export has no counters; "
            "they stay NULL (collect the channel through the API for view counts)",
            "channel @username: an export names the channel by title only; links to it "
            "by username resolve once the channel is collected through the API",
        ]
        if self.forwards:
            notes.append(
                "forwards: an export names only the original author (fwd_name); the "
                "original message id and date stay NULL, so forwards join cascades only "
                "through links or copied text"
            )
        if self.media:
            notes.append(
                "media: an export has file paths, not Telegram photo/document ids; "
                "media_id and grouped_id (albums) stay NULL, so re-posted media is not matched"
            )
        return notes


@dataclass(frozen=True, slots=True)
class ExportContents:
    """A whole export in memory (:func:`read_export`); see :func:`iter_export` for big files."""

    channel: Channel
    posts: list[Post]
    tally: ExportTally

    @property
    def caveats(self) -> list[str]:
        """What the export lacks (:meth:`ExportTally.caveats`)."""
        return self.tally.caveats()


def read_export(path: str | Path, *, collected_at: datetime | None = None) -> ExportContents:
    """Read a whole export into memory (fine for small files and tests).

    Raises
    ------
    InputError
        The file is not a Telegram Desktop channel export, or it is damaged.

    Examples
    --------
    >>> contents = read_export("tests/fixtures/telegram-desktop/public_channel_export.json")
    >>> contents.channel.channel_id, len(contents.posts)
    (2447843635, 3)
    """
    tally = ExportTally()
    channel, *posts = iter_export(path, collected_at=collected_at, tally=tally)
    assert isinstance(channel, Channel)
    return ExportContents(channel, [p for p in posts if isinstance(p, Post)], tally)


def iter_export(
    path: str | Path, *, collected_at: datetime | None = None, tally: ExportTally | None = None
) -> Iterator[Channel | Post]:
    """Stream an export: first its :class:`Channel`, then one :class:`Post` per message.

    Parameters
    ----------
    path : str or Path
        The export's ``result.json``.
    collected_at : datetime, optional
        The observation time written on every post (default: now, UTC).
    tally : ExportTally, optional
        Filled while iterating: posts, skipped messages, bytes read.

    Raises
    ------
    InputError
        Raised where the problem is met, possibly after records were yielded: a caller
        that saves records must save them in one transaction to stay all-or-nothing.
    """
    path = Path(path)
    parser = _Parser(path, tally or ExportTally(), collected_at or datetime.now(UTC))
    yield from parser.records()


class _Parser:
    def __init__(self, path: Path, tally: ExportTally, now: datetime) -> None:
        self.path, self.tally, self.now = path, tally, now
        self.last_message: Any = None

    def fail(self, message: str) -> InputError:
        return InputError(f"{self.path}: {message}")

    def records(self) -> Iterator[Channel | Post]:
        channel = self._header()
        yield channel
        # Second pass: ijson builds each message in C, several times faster than from
        # events in Python; it also meets any damage after the messages list.
        with CountingReader(self.path) as reader:
            items = ijson.items(reader, "messages.item", buf_size=_BUFFER)
            for index, raw in enumerate(self._guarded(items, reader)):
                if not isinstance(raw, dict):
                    raise self.fail(f"messages[{index}] must be an object, got {shown(raw)}")
                post = self._post(channel.channel_id, index, raw)
                self.tally.bytes_read = reader.bytes_read
                if post is not None:
                    yield post

    def _header(self) -> Channel:
        """First pass, up to the start of "messages": the channel, or why this is no export."""
        start = first_char(self.path)
        if start is None:
            raise self.fail(f"empty file, not a Telegram Desktop export; {HOW_TO_EXPORT}")
        if start.isascii() and start not in '{["-0123456789tfn':
            html = " (an HTML export? choose the JSON format)" if start == "<" else ""
            raise self.fail(f"not JSON{html}; {HOW_TO_EXPORT}")
        with CountingReader(self.path) as reader:
            events = self._guarded(ijson.parse(reader, buf_size=_BUFFER), reader)
            _, first, value = next(events)
            if first != "start_map":
                what = "a JSON list" if first == "start_array" else f"the value {shown(value)}"
                raise self.fail(f"{what}, not a Telegram Desktop export; {HOW_TO_EXPORT}")
            header: dict[str, Event] = {}
            for event in events:
                prefix, kind, value = event
                if prefix == "" and kind == "map_key" and value in _ACCOUNT_KEYS:
                    raise self.fail(
                        f'a whole-account export (it has "{value}"), not one channel; amplify '
                        f"imports one channel at a time: {HOW_TO_EXPORT}"
                    )
                if prefix in ("name", "type", "id"):
                    header.setdefault(prefix, event)
                elif prefix == "messages":
                    if kind != "start_array":
                        raise self.fail(f'"messages" must be a list, got {_what(event)}')
                    return self._channel(header)
        raise self.fail(f'not a Telegram Desktop export (no "messages" list); {HOW_TO_EXPORT}')

    def _guarded(self, values: Iterator[Any], reader: CountingReader) -> Iterator[Any]:
        try:
            yield from values
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise self._syntax_error(exc, reader.bytes_read) from None

    def _channel(self, header: dict[str, Event]) -> Channel:
        if "type" not in header or "id" not in header:
            raise self.fail(
                'no "type" and "id" before "messages" (Telegram Desktop writes name, type '
                f"and id first); not a Telegram Desktop export; {HOW_TO_EXPORT}"
            )
        _, kind, chat_type = header["type"]
        if kind != "string":
            raise self.fail(f'"type" must be a string, got {_what(header["type"])}')
        if chat_type in _GROUP_TYPES:
            raise self.fail(
                f'an export of a group ("type": "{chat_type}"), not a channel; amplify '
                f"studies channels: {HOW_TO_EXPORT}"
            )
        if chat_type not in CHANNEL_TYPES:
            what = "a personal chat" if chat_type == "personal_chat" else f'a "{chat_type}" chat'
            raise self.fail(f"an export of {what}, not a channel; {HOW_TO_EXPORT}")
        _, kind, channel_id = header["id"]
        if kind != "number" or not is_whole(channel_id):
            raise self.fail(f'"id" must be a whole number, got {_what(header["id"])}')
        if channel_id < 0 and str(channel_id).startswith("-100"):
            channel_id = -channel_id - 10**12  # a Bot API "marked" id: -100<channel id>
        if not 0 < channel_id <= MAX_ID:
            raise self.fail(f'"id" {channel_id} is not a channel id (a positive 64-bit number)')
        _, kind, name = header.get("name", ("name", "null", None))
        if kind not in ("string", "null"):
            raise self.fail(f'"name" must be a string, got {_what(header["name"])}')
        return Channel(channel_id=channel_id, title=name, broadcast=True)

    def _post(self, channel_id: int, index: int, raw: dict[str, Any]) -> Post | None:
        message_id = raw.get("id")
        if not is_whole(message_id) or not 0 < message_id <= MAX_ID:
            raise self.fail(
                f'messages[{index}]: "id" must be a positive 64-bit whole number, '
                f"got {shown(message_id)}"
            )
        self.last_message = message_id
        kind = raw.get("type")
        if not isinstance(kind, str):
            raise self.fail(
                f'message {message_id}: "type" must be "message" or "service", got {shown(kind)}'
            )
        if kind != "message":
            self.tally.service += kind == "service"
            self.tally.unsupported += kind != "service"
            return None
        post = message_post(self.path, raw, channel_id=channel_id, collected_at=self.now)
        self.tally.posts += 1
        self.tally.forwards += "forwarded_from" in raw
        self.tally.media += post.media_kind is not None
        return post

    def _syntax_error(self, exc: Exception, bytes_read: int) -> InputError:
        bad = first_invalid_utf8(self.path)
        if bad is not None and bad[1] is not None:
            return self.fail(
                f"not UTF-8 text (byte 0x{bad[1]:02x} at byte {bad[0]}); Telegram Desktop "
                "writes UTF-8, so the file was changed or damaged: re-export the channel"
            )
        reason = exc.args[0] if exc.args else type(exc).__name__
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        reason = (str(reason).strip().splitlines() or ["?"])[0].rstrip(".")
        if bad is not None or "premature eof" in reason.lower() or reason.startswith("Incomplete"):
            size = self.path.stat().st_size
            return self.fail(f"truncated at byte {size} (incomplete JSON); re-export the channel")
        where = f"between bytes {max(bytes_read - _BUFFER, 0)} and {bytes_read}"
        if self.last_message is not None:
            where += f", after message {self.last_message}"
        return self.fail(f"not valid JSON {where} ({reason}); the file is damaged: re-export it")


def _what(event: Event) -> str:
    _, kind, value = event
    return {"start_map": "an object", "start_array": "a list"}.get(kind) or shown(value)
