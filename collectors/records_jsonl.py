"""amplify's own interchange format: records as JSON Lines.

One JSON object per line, UTF-8; blank lines are ignored. The ``record`` key says what a
line holds; the other keys are the fields of the matching :mod:`amplify.records` class.
A missing key means ``null``: unknown, never zero. Unknown keys are an error (a typo
must not silently drop data), and so is a value of the wrong type. Datetimes are
ISO 8601 strings with a time zone (``"2023-10-20T09:00:00Z"`` or ``+03:00``); a time
without a zone is refused; amplify keeps every time in UTC. Ids are 64-bit integers.

``{"record": "channel", ...}`` — a Telegram channel:

- ``channel_id`` (required): the bare channel id, as in ``t.me/c/<id>/…``.
- ``username`` (without ``@``), ``title``, ``about``: strings.
- ``broadcast`` (a channel, not a supergroup), ``verified``, ``scam``: booleans.

``{"record": "channel_stats", ...}`` — a subscriber count observed at a time:
``channel_id`` and ``observed_at`` (required), ``subscribers`` (a count).

``{"record": "post", ...}`` — one channel message and its counters at ``collected_at``:

- ``channel_id``, ``message_id``, ``date`` (publication time): required.
- ``collected_at``: when the counters were observed; when absent, the time of import.
- ``text`` (plain text), ``edit_date``.
- ``views``, ``forwards``, ``replies``, ``reactions_total``: counts ≥ 0.
- ``reactions``: an object of counts per reaction (emoji or custom-emoji document id).
- ``post_author`` (signature), ``grouped_id`` (album id: posts sharing it are one album).
- ``media_kind`` (``photo``, ``video``, ``document``…; at most 32 characters),
  ``media_id`` (Telegram photo/document id, which survives forwards and copies),
  ``media_size`` (bytes), ``media_duration`` (seconds, a number).
- ``fwd_channel_id``, ``fwd_message_id``, ``fwd_date``, ``fwd_name``: the forward header,
  which names the *original* post.
- ``links``: the t.me message links in the post, a list of
  ``{"target_username": ..., "target_channel_id": ..., "target_message_id": ...}``
  (one of username, for public links, and channel id, for ``t.me/c/`` links, is set).
  Without ``links`` they are found in ``text``
  (:func:`amplify.links.find_message_links`); ``"links": []`` means none.

Example::

    {"record":"channel","channel_id":1001,"username":"asiatoday","title":"AsiaToday"}
    {"record":"channel_stats","channel_id":1001,"observed_at":"2023-10-21T09:00:00Z","subscribers":100000}
    {"record":"post","channel_id":1001,"message_id":100,"date":"2023-10-20T09:00:00Z","views":87000}

:func:`write_jsonl` writes records in this form, so a store's contents and the demo
dataset (``data/demo/*.jsonl``) round-trip through it. A Telethon ``access_hash`` is
never written: it is valid only for the account that obtained it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from amplify.errors import InputError
from amplify.records import Channel, ChannelStats, Post, PostLink
from collectors._files import CountingReader, first_char, message_links, shown

Record = Channel | ChannelStats | Post
_MAX = 2**63 - 1
_Id = Annotated[int, Field(gt=0, le=_MAX)]
_Count = Annotated[int, Field(ge=0, le=_MAX)]
_Int64 = Annotated[int, Field(ge=-_MAX - 1, le=_MAX)]
_KINDS = '"channel", "channel_stats" or "post"'
_MAX_LINE = 16 << 20  # far above any real record; guards against a huge one-line file


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _ChannelLine(_Line):
    record: Literal["channel"]
    channel_id: _Id
    username: Annotated[str, Field(max_length=64, pattern=r"^[^@]")] | None = None
    title: str | None = None
    about: str | None = None
    broadcast: bool | None = None
    verified: bool | None = None
    scam: bool | None = None


class _ChannelStatsLine(_Line):
    record: Literal["channel_stats"]
    channel_id: _Id
    observed_at: AwareDatetime
    subscribers: _Count | None = None


class _LinkLine(_Line):
    target_username: str | None = None
    target_channel_id: _Id | None = None
    target_message_id: _Id

    @model_validator(mode="after")
    def _has_target(self) -> _LinkLine:
        if self.target_username is None and self.target_channel_id is None:
            raise ValueError("a link needs target_username or target_channel_id")
        return self


class _PostLine(_Line):
    record: Literal["post"]
    channel_id: _Id
    message_id: _Id
    date: AwareDatetime
    collected_at: AwareDatetime | None = None
    text: str | None = None
    edit_date: AwareDatetime | None = None
    views: _Count | None = None
    forwards: _Count | None = None
    replies: _Count | None = None
    reactions_total: _Count | None = None
    reactions: dict[str, _Count] | None = None
    post_author: str | None = None
    grouped_id: _Int64 | None = None
    media_kind: Annotated[str, Field(max_length=32)] | None = None
    media_id: _Int64 | None = None
    media_size: _Count | None = None
    media_duration: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    fwd_channel_id: _Id | None = None
    fwd_message_id: _Id | None = None
    fwd_date: AwareDatetime | None = None
    fwd_name: str | None = None
    links: list[_LinkLine] | None = None


_LINE = TypeAdapter(
    Annotated[_ChannelLine | _ChannelStatsLine | _PostLine, Field(discriminator="record")]
)


@dataclass(slots=True)
class JsonlTally:
    """What a pass over a JSON Lines file saw; :func:`iter_jsonl` fills it."""

    channels: int = 0
    channel_stats: int = 0
    posts: int = 0
    without_collected_at: int = 0
    bytes_read: int = 0

    def caveats(self) -> list[str]:
        """What the file lacks that the import had to supply."""
        if self.without_collected_at:
            return ["collected_at: posts without one were given the time of import"]
        return []


def read_jsonl(path: str | Path, *, collected_at: datetime | None = None) -> list[Record]:
    """Every record of a JSON Lines file, in file order (see :func:`iter_jsonl`)."""
    return list(iter_jsonl(path, collected_at=collected_at))


def iter_jsonl(
    path: str | Path, *, collected_at: datetime | None = None, tally: JsonlTally | None = None
) -> Iterator[Record]:
    """Stream the records of a JSON Lines file, validating each line.

    Parameters
    ----------
    path : str or Path
        The file.
    collected_at : datetime, optional
        Given to posts without ``collected_at`` (default: now, UTC).
    tally : JsonlTally, optional
        Filled while iterating.

    Raises
    ------
    InputError
        A line is not a valid record; the message names the file, line and key. Raised
        where it is met, possibly after records were yielded.
    """
    path = Path(path)
    tally = tally if tally is not None else JsonlTally()
    now = collected_at or datetime.now(UTC)
    if first_char(path) is None:
        raise InputError(f"{path}: empty file, no records")
    with CountingReader(path) as reader:
        number = 0
        while raw := reader.readline(_MAX_LINE + 1):
            number += 1
            tally.bytes_read = reader.bytes_read
            if len(raw) > _MAX_LINE:
                raise InputError(
                    f"{path}: line {number} is longer than {_MAX_LINE >> 20} MiB; not amplify "
                    "JSON Lines (one record per line)"
                )
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}: line {number}: not UTF-8 (byte 0x{raw[exc.start]:02x} at "
                    f"byte {reader.bytes_read - len(raw) + exc.start})"
                ) from None
            try:
                line = _LINE.validate_json(text, strict=True)
            except ValidationError as exc:
                last = not raw.endswith(b"\n")
                raise InputError(f"{path}: line {number}: {_explain(exc, last)}") from None
            yield _record(line, now, tally)


def _record(line: Any, now: datetime, tally: JsonlTally) -> Record:
    values = {k: v for k, v in line if k not in ("record", "links")}
    for key, value in values.items():
        if isinstance(value, datetime):
            values[key] = value.astimezone(UTC)
    if isinstance(line, _ChannelLine):
        tally.channels += 1
        return Channel(**values)
    if isinstance(line, _ChannelStatsLine):
        tally.channel_stats += 1
        return ChannelStats(**values)
    tally.posts += 1
    if values["collected_at"] is None:
        tally.without_collected_at += 1
        values["collected_at"] = now
    if line.links is None:
        links = message_links(line.text)
    else:
        links = tuple(PostLink(**dict(link)) for link in line.links)
    return Post(**values, links=links)


def _explain(exc: ValidationError, last_line: bool) -> str:
    error = exc.errors(include_url=False)[0]
    kind, loc, message = error["type"], error["loc"], error["msg"]
    if kind == "json_invalid":
        detail = message.removeprefix("Invalid JSON: ")
        if last_line and "EOF" in detail:
            return f"incomplete JSON ({detail}); the file looks truncated"
        return f"not valid JSON ({detail})"
    if kind == "union_tag_not_found":
        return f'no "record" key (expected {_KINDS})'
    if kind == "union_tag_invalid":
        return f"unknown record {shown(error['input'].get('record'))} (expected {_KINDS})"
    if not loc:
        return f"not a JSON object (expected a record: {_KINDS})"
    record, key = loc[0], "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
    key = key.lstrip(".")
    if kind == "extra_forbidden":
        return f'{record} record: unknown key "{key}"'
    if kind == "missing":
        return f'{record} record: missing "{key}"'
    if kind == "string_pattern_mismatch" and key == "username":
        return f'{record} record: "username" goes without "@", got {shown(error["input"])}'
    if kind == "timezone_aware":
        message = 'needs a time zone (e.g. "2023-10-20T09:00:00Z")'
    if kind == "value_error":
        return f"{record} record: {key}: {message.removeprefix('Value error, ')}"
    return (
        f'{record} record: "{key}" {message[:1].lower()}{message[1:]}, got {shown(error["input"])}'
    )


def write_jsonl(records: Iterable[Record], path: str | Path) -> int:
    """Write records as JSON Lines (see the module docstring); returns how many.

    The file is written next to ``path`` and renamed into place at the end, so a
    reader never sees half a file. ``None`` fields are left out.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    count = 0
    with partial.open("w", encoding="utf-8", newline="\n") as file:
        for record in records:
            file.write(json.dumps(_as_line(record), ensure_ascii=False, separators=(",", ":")))
            file.write("\n")
            count += 1
    partial.replace(path)
    return count


def _as_line(record: Record) -> dict[str, Any]:
    if isinstance(record, Channel):
        line: dict[str, Any] = {"record": "channel"}
    elif isinstance(record, ChannelStats):
        line = {"record": "channel_stats"}
    elif isinstance(record, Post):
        line = {"record": "post"}
    else:
        raise TypeError(f"not an amplify record: {record!r}")
    for item in fields(record):
        value = getattr(record, item.name)
        if item.name == "access_hash" or (value is None and item.name != "links"):
            continue
        if isinstance(value, datetime):
            value = value if value.tzinfo else value.replace(tzinfo=UTC)  # records are UTC
            value = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        elif item.name == "links":
            value = [{k: v for k, v in _link(link).items() if v is not None} for link in value]
        line[item.name] = value
    return line


def _link(link: PostLink) -> dict[str, Any]:
    return {
        "target_username": link.target_username,
        "target_channel_id": link.target_channel_id,
        "target_message_id": link.target_message_id,
    }
