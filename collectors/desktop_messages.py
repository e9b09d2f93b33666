"""One Telegram Desktop export message → one :class:`~amplify.records.Post`.

The field mapping is documented in :mod:`collectors.desktop_export`. Every value is
type-checked; an error names the file, the message id and the key, and shows what
was found.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from amplify.errors import InputError
from amplify.records import Post
from collectors._files import message_links, shown

MAX_ID = 2**63 - 1
_MAX_UNIXTIME = 2**32  # Telegram dates are unsigned 32-bit: up to the year 2106
_OTHER_MEDIA = (  # message keys of media without a file, and the kind amplify records
    ("poll", "poll"),
    ("location_information", "geo"),
    ("place_name", "venue"),
    ("contact_information", "contact"),
    ("game_title", "game"),
    ("invoice_information", "invoice"),
    ("giveaway_information", "giveaway"),
    ("paid_stars_amount", "paid_media"),
)
_MEDIA_KINDS = {  # Telegram Desktop's media_type -> the kind the API collector records
    "video_file": "video",
    "video_message": "video",  # round videos: the collector's "video" too
    "voice_message": "voice",
    "audio_file": "audio",
    "animation": "animation",
    "sticker": "sticker",
}
_REACTION_SHAPE = 'a list of {"type", "count", "emoji" or "document_id"} objects'


def message_post(
    path: Path, raw: dict[str, Any], *, channel_id: int, collected_at: datetime
) -> Post:
    """The post of one ``type: message`` message (``raw["id"]`` already checked).

    Raises
    ------
    InputError
        A field has the wrong type or an impossible value.
    """
    field = Fields(path, raw, f"message {raw['id']}")
    text, hrefs = field.text()
    reactions = field.reactions()
    media_kind, media_size, duration = field.media()
    forwarded_from_id = field.string("forwarded_from_id") or ""
    return Post(
        channel_id=channel_id,
        message_id=raw["id"],
        date=field.unixtime("date_unixtime", required=True),  # type: ignore[arg-type]
        edit_date=field.unixtime("edited_unixtime"),
        collected_at=collected_at,
        text=text,
        reactions=reactions,
        reactions_total=None if reactions is None else sum(reactions.values()),
        post_author=field.string("author"),
        media_kind=media_kind,
        media_size=media_size,
        media_duration=duration,
        fwd_name=field.string("forwarded_from"),
        fwd_channel_id=_channel_ref(forwarded_from_id),
        links=message_links(text, *hrefs),
    )


def is_whole(value: Any) -> bool:
    """An int from JSON (``True``/``False`` are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _channel_ref(value: str) -> int | None:
    number = value.removeprefix("channel")
    if number != value and number.isascii() and number.isdigit() and 0 < int(number) <= MAX_ID:
        return int(number)
    return None


class Fields:
    """Typed access to one message's fields; every error names the message and key."""

    def __init__(self, path: Path, raw: dict[str, Any], where: str) -> None:
        self.path, self.raw, self.where = path, raw, where

    def fail(self, key: str, expected: str) -> InputError:
        """The error for a field that is not what Telegram Desktop writes."""
        return InputError(
            f'{self.path}: {self.where}: "{key}" must be {expected}, got {shown(self.raw.get(key))}'
        )

    def string(self, key: str) -> str | None:
        """A string field (absent or null: ``None``)."""
        value = self.raw.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail(key, "a string")
        return value

    def count(self, key: str) -> int | None:
        """A whole number ≥ 0 that fits 64 bits (absent: ``None``)."""
        value = self.raw.get(key)
        if value is not None and not (is_whole(value) and 0 <= value <= MAX_ID):
            raise self.fail(key, "a whole number ≥ 0 (64-bit)")
        return value

    def unixtime(self, key: str, *, required: bool = False) -> datetime | None:
        """A Unix time, written by Telegram Desktop as a string of digits, in UTC."""
        value = self.raw.get(key)
        if value is None:
            if required:
                raise InputError(
                    f'{self.path}: {self.where}: no "{key}" (an old Telegram Desktop wrote '
                    'only "date", local time without a zone); re-export with a current one'
                )
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if not is_whole(value):
            raise self.fail(key, "a number (Unix time)")
        if not 0 <= value < _MAX_UNIXTIME:
            raise self.fail(key, "a Unix time between 1970 and 2106")
        return datetime.fromtimestamp(value, UTC)

    def text(self) -> tuple[str | None, list[str]]:
        """The plain text (entities flattened) and the URLs hidden in ``text_link``s."""
        value = self.raw.get("text")
        if value is None or isinstance(value, str):
            return value, []
        if not isinstance(value, list):
            raise self.fail("text", "a string or a list of strings and entities")
        parts, hrefs = [], []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
                if isinstance(part.get("href"), str):
                    hrefs.append(part["href"])
            else:
                raise self.fail("text", 'a list of strings and {"type", "text"} entities')
        return "".join(parts), hrefs

    def reactions(self) -> dict[str, int] | None:
        """Reaction counts keyed by emoji, custom-emoji document or type (``paid``)."""
        value = self.raw.get("reactions")
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.fail("reactions", _REACTION_SHAPE)
        counts: dict[str, int] = {}
        for item in value:
            if not isinstance(item, dict):
                raise self.fail("reactions", _REACTION_SHAPE)
            count = item.get("count")
            key = item.get("emoji") or item.get("document_id") or item.get("type")
            if not (is_whole(count) and 0 <= count <= MAX_ID) or not isinstance(key, str):
                raise self.fail("reactions", _REACTION_SHAPE)
            counts[key] = counts.get(key, 0) + count
        return counts

    def media(self) -> tuple[str | None, int | None, float | None]:
        """Media kind, size in bytes and duration in seconds (``None`` when unknown)."""
        if "photo" in self.raw:
            return "photo", self.count("photo_file_size"), None
        if "file" in self.raw:
            duration = self.raw.get("duration_seconds")
            if duration is not None and not (
                (is_whole(duration) or isinstance(duration, Decimal)) and 0 <= duration < 2**31
            ):
                raise self.fail("duration_seconds", "a number ≥ 0")
            kind = self.string("media_type") or "document"
            if len(kind) > 32:
                raise self.fail("media_type", "a media type name (at most 32 characters)")
            kind = _MEDIA_KINDS.get(kind, kind)  # one vocabulary whatever the source
            return kind, self.count("file_size"), None if duration is None else float(duration)
        for key, kind in _OTHER_MEDIA:
            if key in self.raw:
                return kind, None, None
        return None, None, None
