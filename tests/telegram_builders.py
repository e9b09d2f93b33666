"""Builders of real Telethon TL objects for the fake Telegram server (tests only).

Everything here returns genuine ``telethon.tl.types`` objects (or the small
:class:`FakeChannel` container holding them), so tests exercise the same
attribute shapes a live Telegram answer has.  :func:`generate_channels` builds a
deterministic, realistic corpus from a seed: forwards between channels (that
point at the *original* post, as Telegram does), copies with commentary, t.me
links in several forms (plain and hidden in ``MessageEntityTextUrl``), albums,
photos, videos, re-uploaded media, service messages and deleted-id gaps.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telethon.tl import types

UTC = UTC
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)
Forward = tuple[int, int, datetime]  # (source channel id, source message id, original date)
AnyMessage = types.Message | types.MessageService

_URL_RE = re.compile(r"(?:https?://|tg://)[^\s]+|\b(?:t\.me|telegram\.me)/[^\s]+")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def as_date(value: datetime | int | float) -> datetime:
    """A timezone-aware UTC datetime from a datetime (naive = UTC) or a Unix timestamp."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(value, tz=UTC)


def make_entities(text: str, text_urls: Sequence[tuple[str, str]] = ()) -> list[Any]:
    """``MessageEntityUrl`` for every URL in ``text`` plus ``MessageEntityTextUrl``
    for each ``(anchor, url)`` pair (anchor must occur in ``text``), UTF-16 offsets."""
    entities: list[Any] = []
    for match in _URL_RE.finditer(text):
        url = match.group().rstrip(".,;:!?)»")
        entities.append(types.MessageEntityUrl(utf16_len(text[: match.start()]), utf16_len(url)))
    for anchor, url in text_urls:
        at = text.find(anchor)
        if at < 0:
            raise ValueError(f"text-url anchor {anchor!r} not in text {text!r}")
        entities.append(types.MessageEntityTextUrl(utf16_len(text[:at]), utf16_len(anchor), url))
    return sorted(entities, key=lambda e: e.offset)


def make_photo(photo_id: int, date: datetime | int = DEFAULT_START) -> types.Photo:
    """A ``Photo`` with two sizes; the id is what survives forwards and copies."""
    return types.Photo(
        id=photo_id,
        access_hash=(photo_id * 7919) % 2**62,
        file_reference=b"\x01fr" + photo_id.to_bytes(8, "little"),
        date=as_date(date),
        sizes=[types.PhotoSize("m", 320, 240, 21_000), types.PhotoSize("x", 1280, 960, 180_000)],
        dc_id=2,
    )


def make_video(
    document_id: int,
    date: datetime | int = DEFAULT_START,
    *,
    duration: float = 12.0,
    size: int = 3_500_000,
) -> types.Document:
    """A video ``Document`` with ``DocumentAttributeVideo(duration=...)`` and a file name."""
    return types.Document(
        id=document_id,
        access_hash=(document_id * 104729) % 2**62,
        file_reference=b"\x01fr" + document_id.to_bytes(8, "little"),
        date=as_date(date),
        mime_type="video/mp4",
        size=size,
        dc_id=2,
        attributes=[
            types.DocumentAttributeVideo(duration=duration, w=1280, h=720, supports_streaming=True),
            types.DocumentAttributeFilename("video.mp4"),
        ],
    )


def make_post(
    channel_id: int,
    message_id: int,
    date: datetime | int,
    text: str = "",
    *,
    views: int | None = 0,
    forwards: int | None = 0,
    replies: int | None = None,
    reactions: dict[str | int, int] | None = None,
    post_author: str | None = None,
    grouped_id: int | None = None,
    edit_date: datetime | int | None = None,
    media_photo_id: int | None = None,
    media_video_id: int | None = None,
    video_duration: float = 12.0,
    fwd: Forward | None = None,
    fwd_name: str | None = None,
    fwd_post_author: str | None = None,
    text_urls: Sequence[tuple[str, str]] = (),
    discussion_id: int | None = None,
) -> types.Message:
    """A broadcast channel post (``post=True``) as Telegram sends it.

    ``reactions`` maps an emoji (``ReactionEmoji``) or a custom-emoji document id
    (``ReactionCustomEmoji``) to its count.  ``fwd=(channel_id, msg_id, date)``
    adds a ``MessageFwdHeader`` naming the original post; ``fwd_name`` alone
    makes a hidden-author forward (``from_name`` only).  URLs in ``text`` get
    ``MessageEntityUrl``; ``text_urls`` adds hidden links.  ``replies`` is the
    comment count (``MessageReplies(comments=True, channel_id=discussion_id)``,
    the linked discussion group defaulting to ``channel_id + 1``).
    """
    date = as_date(date)
    media: Any = None
    if media_photo_id is not None:
        media = types.MessageMediaPhoto(photo=make_photo(media_photo_id, date))
    elif media_video_id is not None:
        media = types.MessageMediaDocument(
            document=make_video(media_video_id, date, duration=video_duration), video=True
        )
    fwd_from = None
    if fwd is not None or fwd_name is not None:
        fwd_from = types.MessageFwdHeader(
            date=as_date(fwd[2]) if fwd else date - timedelta(hours=1),
            from_id=types.PeerChannel(fwd[0]) if fwd else None,
            channel_post=fwd[1] if fwd else None,
            from_name=fwd_name,
            post_author=fwd_post_author,
        )
    reaction_list = None
    if reactions:
        reaction_list = types.MessageReactions(
            results=[
                types.ReactionCount(
                    types.ReactionEmoji(key)
                    if isinstance(key, str)
                    else types.ReactionCustomEmoji(key),
                    count=count,
                )
                for key, count in reactions.items()
            ],
            can_see_list=False,
        )
    return types.Message(
        id=message_id,
        peer_id=types.PeerChannel(channel_id),
        date=date,
        message=text,
        post=True,
        fwd_from=fwd_from,
        media=media,
        entities=make_entities(text, text_urls) or None,
        views=views,
        forwards=forwards,
        replies=types.MessageReplies(
            replies=replies,
            replies_pts=message_id + replies,
            comments=True,
            channel_id=discussion_id or channel_id + 1,
        )
        if replies is not None
        else None,
        edit_date=as_date(edit_date) if edit_date is not None else None,
        post_author=post_author,
        grouped_id=grouped_id,
        reactions=reaction_list,
    )


def make_service(
    channel_id: int, message_id: int, date: datetime | int, action: Any = None
) -> types.MessageService:
    """A ``MessageService`` (channel created / title edited) that collectors must skip."""
    return types.MessageService(
        id=message_id,
        peer_id=types.PeerChannel(channel_id),
        date=as_date(date),
        post=True,
        action=action or types.MessageActionChatEditTitle(title=f"renamed at {message_id}"),
    )


@dataclass
class FakeChannel:
    """A broadcast channel held by the fake server, with its messages by id.

    ``resolve_error`` / ``access_error`` are Telegram RPC error messages (e.g.
    ``"CHANNEL_PRIVATE"``) answered for username resolution / for reading it.
    """

    id: int
    access_hash: int
    username: str | None
    title: str
    about: str = ""
    broadcast: bool = True
    verified: bool = False
    scam: bool = False
    participants_count: int = 0
    date: datetime = DEFAULT_START
    resolve_error: str | None = None
    access_error: str | None = None
    messages: dict[int, AnyMessage] = field(default_factory=dict)

    def add(self, *messages: AnyMessage) -> FakeChannel:
        """Store messages (replacing any with the same id); returns self for chaining."""
        for message in messages:
            if message.peer_id.channel_id != self.id:
                raise ValueError(
                    f"message {message.id} belongs to channel {message.peer_id.channel_id}"
                )
            self.messages[message.id] = message
        return self

    @property
    def pts(self) -> int:
        """Channel update counter; grows with the messages (enough for a fake)."""
        return max(self.messages, default=0) + 1

    def to_tl(self) -> types.Channel | types.ChannelForbidden:
        """The ``Channel`` object Telegram returns (``ChannelForbidden`` if inaccessible)."""
        if self.access_error:
            return types.ChannelForbidden(
                id=self.id, access_hash=self.access_hash, title=self.title, broadcast=self.broadcast
            )
        return types.Channel(
            id=self.id,
            title=self.title,
            photo=types.ChatPhotoEmpty(),
            date=self.date,
            access_hash=self.access_hash,
            username=self.username,
            broadcast=self.broadcast,
            megagroup=not self.broadcast,
            verified=self.verified,
            scam=self.scam,
            signatures=True,
        )


def make_channel(
    channel_id: int,
    username: str | None,
    title: str | None = None,
    *,
    about: str = "",
    subscribers: int = 1000,
    broadcast: bool = True,
    verified: bool = False,
    scam: bool = False,
    private: bool = False,
    access_hash: int | None = None,
    date: datetime | int = DEFAULT_START - timedelta(days=365),
    messages: Iterable[AnyMessage] = (),
) -> FakeChannel:
    """A :class:`FakeChannel`; ``private=True`` answers ``CHANNEL_PRIVATE`` everywhere."""
    channel = FakeChannel(
        id=channel_id,
        access_hash=access_hash if access_hash is not None else (channel_id * 2654435761) % 2**62,
        username=username,
        title=title or (username or f"channel {channel_id}"),
        about=about,
        broadcast=broadcast,
        verified=verified,
        scam=scam,
        participants_count=subscribers,
        date=as_date(date),
        resolve_error="CHANNEL_PRIVATE" if private else None,
        access_error="CHANNEL_PRIVATE" if private else None,
    )
    return channel.add(*messages)


_WORDS = (
    "НАТО",
    "NATO",
    "центр",
    "Казахстан",
    "breaking",
    "учения",
    "миротворцы",
    "convoy",
    "видео",
    "заявление",
    "source",
    "эксклюзив",
    "KAZCENT",
    "правда",
    "срочно",
    "military",
    "Алматы",
)
_EMOJI = ("⚡️", "🔥", "❗", "🇰🇿", "👇")
_REACTIONS = ("👍", "🔥", "😡", "🤔", "❤")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 14))]
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words)), rng.choice(_EMOJI))
    return " ".join(words)


def _post_link(rng: random.Random, source: FakeChannel, msg_id: int) -> str:
    """A link to a post, in one of the forms seen in the wild."""
    if source.username is None or source.access_error:
        return f"https://t.me/c/{source.id}/{msg_id}"
    return rng.choice(
        [
            f"https://t.me/{source.username}/{msg_id}",
            f"t.me/{source.username}/{msg_id}",
            f"https://t.me/s/{source.username}/{msg_id}",
            f"https://telegram.me/{source.username}/{msg_id}",
            f"tg://resolve?domain={source.username}&post={msg_id}",
        ]
    )


def generate_channels(
    seed: int = 0,
    channels: int = 3,
    posts_per_channel: int = 50,
    private: int = 0,
    start: datetime | int = DEFAULT_START,
) -> list[FakeChannel]:
    """A deterministic corpus: ``channels`` channels (the last ``private`` are private)
    with ``posts_per_channel`` posts each, plus service messages and id gaps."""
    rng = random.Random(seed)
    result: list[FakeChannel] = []
    for i in range(channels):
        channel_id = 1_000_000_000 + rng.randrange(10**9)
        while any(c.id == channel_id for c in result):
            channel_id += 1
        result.append(
            make_channel(
                channel_id,
                f"fake{seed}_ch{i:02d}",
                f"{rng.choice(_WORDS)} канал {i}",
                about=_sentence(rng),
                subscribers=rng.randint(500, 1_500_000),
                verified=i == 0,
                scam=i == channels - 1 and channels > 2,
                private=i >= channels - private,
                access_hash=rng.getrandbits(62),
            )
        )
    drafts: list[dict[str, Any]] = []
    for channel in result:
        when, next_id = as_date(start) + timedelta(minutes=rng.randint(0, 600)), 2
        channel.add(
            make_service(channel.id, 1, when, types.MessageActionChannelCreate(channel.title))
        )
        made = 0
        while made < posts_per_channel:
            when += timedelta(seconds=rng.randint(60, 6 * 3600))
            if rng.random() < 0.03:
                next_id += 1  # a deleted message leaves a gap
            if rng.random() < 0.03:
                channel.add(make_service(channel.id, next_id, when))
                next_id += 1
            album = rng.randint(2, 4) if rng.random() < 0.06 else 1
            grouped_id = rng.getrandbits(62) if album > 1 else None
            for k in range(min(album, posts_per_channel - made)):
                draft: dict[str, Any] = dict(
                    channel_id=channel.id,
                    message_id=next_id,
                    date=when,
                    text=_sentence(rng) if k == 0 else "",
                    grouped_id=grouped_id,
                )
                kind = rng.random()
                if album > 1 or kind < 0.3:
                    draft["media_photo_id"] = rng.getrandbits(62)
                elif kind < 0.4:
                    draft["media_video_id"] = rng.getrandbits(62)
                    draft["video_duration"] = float(rng.randint(3, 300))
                subs = channel.participants_count
                draft.update(
                    views=int(subs * rng.uniform(0.01, 0.5)),
                    forwards=rng.randint(0, max(1, subs // 2000)),
                    replies=rng.randint(0, 80) if rng.random() < 0.5 else None,
                    reactions={
                        e: rng.randint(1, 500) for e in rng.sample(_REACTIONS, rng.randint(0, 3))
                    }
                    | (
                        {5_368_324_170_671_202_286: rng.randint(1, 50)}
                        if rng.random() < 0.1
                        else {}
                    ),
                    post_author="Editor" if rng.random() < 0.2 else None,
                    edit_date=when + timedelta(minutes=rng.randint(1, 90))
                    if rng.random() < 0.1
                    else None,
                )
                drafts.append(draft)
                next_id += 1
                made += 1
    _add_reposts(rng, result, drafts)
    for draft in drafts:
        next(c for c in result if c.id == draft["channel_id"]).add(make_post(**draft))
    return result


def _add_reposts(
    rng: random.Random, channels: list[FakeChannel], drafts: list[dict[str, Any]]
) -> None:
    """Turn some drafts into forwards, links, copies and media re-uploads of earlier posts."""
    by_id = {c.id: c for c in channels}
    published: list[dict[str, Any]] = []
    for draft in sorted(drafts, key=lambda d: (d["date"], d["channel_id"], d["message_id"])):
        sources = [
            d
            for d in published[-200:]
            if d["text"]
            and not d.get("fwd_name")
            and draft["channel_id"] not in (d["channel_id"], d.get("fwd", (None,))[0])
        ]
        if draft["grouped_id"] is None and sources:
            source, roll = rng.choice(sources), rng.random()
            origin = source.get("fwd") or (
                source["channel_id"],
                source["message_id"],
                source["date"],
            )
            if roll < 0.15:  # forward: header names the original, content is copied
                draft.update(
                    fwd=origin,
                    text=source["text"],
                    text_urls=source.get("text_urls", ()),
                    media_photo_id=source.get("media_photo_id"),
                    post_author=None,
                    media_video_id=source.get("media_video_id"),
                    video_duration=source.get("video_duration", 12.0),
                )
            elif roll < 0.19:  # hidden-author forward
                draft.update(fwd_name="Скрытый автор", text=source["text"])
            elif roll < 0.27:  # visible link
                draft["text"] = f"{_sentence(rng)} {_post_link(rng, by_id[origin[0]], origin[1])}"
            elif roll < 0.31:  # hidden link under a word
                draft["text"] = f"{_sentence(rng)} источник"
                draft["text_urls"] = [
                    ("источник", f"https://t.me/{by_id[origin[0]].username}/{origin[1]}")
                ]
            elif roll < 0.36:  # copy-paste with commentary
                draft["text"] = f"{source['text']} {rng.choice(_EMOJI)} {rng.choice(_WORDS)}"
            elif roll < 0.39 and source.get("media_photo_id"):  # same photo, new caption
                draft.update(media_photo_id=source["media_photo_id"], media_video_id=None)
        published.append(draft)
