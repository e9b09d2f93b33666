"""Telethon objects → amplify records. Pure functions: no requests, no store.

- :func:`post_from_message`: a channel ``Message`` → :class:`amplify.records.Post`
  (service messages are not posts: the caller skips them, see :func:`is_post`).
- :func:`channel_from_chat`: a ``Channel`` / ``ChannelForbidden`` → :class:`Channel`.

Field by field (DESIGN.md "Telegram facts"): media id is the photo or document id
(it survives forwards and copies); size is the document size or the largest photo
size; duration comes from the video or audio attribute. Reactions are keyed by the
emoji, ``custom:<document id>`` for custom emoji and ``paid`` for paid (star)
reactions. A forward header names the *original* post; ``fwd_name`` is the hidden
author's display name, else the original channel's title when the answer carries it.
Links come from the text, from ``MessageEntityUrl`` spans and from the URLs hidden in
``MessageEntityTextUrl``, in every form :mod:`amplify.links` knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from telethon.tl import types

from amplify.links import find_message_links
from amplify.records import Channel, Post

_GEO = (types.MessageMediaGeo, types.MessageMediaGeoLive, types.MessageMediaVenue)


def is_post(message: Any) -> bool:
    """A real post (not a service message or an empty placeholder)."""
    return isinstance(message, types.Message)


def channel_from_chat(chat: Any, *, about: str | None = None) -> Channel | None:
    """A channel record from a ``Channel`` or ``ChannelForbidden`` (else ``None``)."""
    if isinstance(chat, types.Channel):
        username = chat.username
        if username is None and chat.usernames:
            active = [u.username for u in chat.usernames if u.active]
            username = active[0] if active else None
        return Channel(
            channel_id=chat.id,
            username=username,
            title=chat.title,
            about=about,
            broadcast=bool(chat.broadcast),
            verified=bool(chat.verified),
            scam=bool(chat.scam or chat.fake),
            access_hash=chat.access_hash if not chat.min else None,
        )
    if isinstance(chat, types.ChannelForbidden):
        return Channel(
            channel_id=chat.id,
            title=chat.title,
            broadcast=bool(chat.broadcast),
            access_hash=chat.access_hash,
        )
    return None


def titles(chats: Iterable[Any]) -> dict[int, str]:
    """Channel id → title for the channels in an answer's ``chats``."""
    return {
        chat.id: chat.title
        for chat in chats
        if isinstance(chat, (types.Channel, types.ChannelForbidden)) and chat.title
    }


def _utf16_slice(text: str, offset: int, length: int) -> str:
    data = text.encode("utf-16-le")
    return data[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="ignore")


def entity_urls(message: Any) -> list[str]:
    """URLs of a message's entities: ``MessageEntityTextUrl.url`` and the text of
    ``MessageEntityUrl`` spans (entity offsets count UTF-16 code units)."""
    urls: list[str] = []
    text = message.message or ""
    for entity in message.entities or ():
        if isinstance(entity, types.MessageEntityTextUrl):
            urls.append(entity.url)
        elif isinstance(entity, types.MessageEntityUrl):
            urls.append(_utf16_slice(text, entity.offset, entity.length))
    return urls


def reactions_of(message: Any) -> tuple[int | None, dict[str, int] | None]:
    """``(total, {key: count})``; ``(None, None)`` when the post carries no reactions."""
    reactions = message.reactions
    if reactions is None:
        return None, None
    counts: dict[str, int] = {}
    for result in reactions.results:
        reaction = result.reaction
        if isinstance(reaction, types.ReactionEmoji):
            key = reaction.emoticon
        elif isinstance(reaction, types.ReactionCustomEmoji):
            key = f"custom:{reaction.document_id}"
        elif isinstance(reaction, types.ReactionPaid):
            key = "paid"
        else:
            key = type(reaction).__name__
        counts[key] = counts.get(key, 0) + result.count
    return sum(counts.values()), counts


def _largest_photo_size(photo: Any) -> int | None:
    sizes: list[int] = []
    for size in getattr(photo, "sizes", None) or ():
        if isinstance(size, types.PhotoSize):
            sizes.append(size.size)
        elif isinstance(size, types.PhotoSizeProgressive) and size.sizes:
            sizes.append(max(size.sizes))
    return max(sizes) if sizes else None


def _document_kind(document: Any, media: Any) -> tuple[str, float | None]:
    attributes = document.attributes or ()
    video = next((a for a in attributes if isinstance(a, types.DocumentAttributeVideo)), None)
    audio = next((a for a in attributes if isinstance(a, types.DocumentAttributeAudio)), None)
    if any(isinstance(a, types.DocumentAttributeSticker) for a in attributes):
        kind = "sticker"
    elif any(isinstance(a, types.DocumentAttributeAnimated) for a in attributes):
        kind = "animation"
    elif video is not None or media.video or media.round:
        kind = "video"
    elif audio is not None:
        kind = "voice" if audio.voice or media.voice else "audio"
    elif media.voice:
        kind = "voice"
    else:
        kind = "document"
    timed = video or audio
    duration = float(timed.duration) if timed is not None and timed.duration is not None else None
    return kind, duration


def media_of(message: Any) -> tuple[str | None, int | None, int | None, float | None]:
    """``(kind, media id, size in bytes, duration in seconds)`` of a post's media."""
    media = message.media
    if media is None or isinstance(media, types.MessageMediaEmpty):
        return None, None, None, None
    if isinstance(media, types.MessageMediaPhoto):
        photo = media.photo
        if isinstance(photo, types.Photo):
            return "photo", photo.id, _largest_photo_size(photo), None
        return "photo", None, None, None
    if isinstance(media, types.MessageMediaDocument):
        document = media.document
        if isinstance(document, types.Document):
            kind, duration = _document_kind(document, media)
            return kind, document.id, document.size, duration
        return ("video" if media.video else "document"), None, None, None
    if isinstance(media, types.MessageMediaWebPage):
        return "webpage", None, None, None
    if isinstance(media, types.MessageMediaPoll):
        return "poll", None, None, None
    if isinstance(media, _GEO):
        return "geo", None, None, None
    if isinstance(media, types.MessageMediaContact):
        return "contact", None, None, None
    return "other", None, None, None


def forward_of(
    message: Any, chat_titles: Mapping[int, str]
) -> tuple[int | None, int | None, datetime | None, str | None]:
    """``(fwd_channel_id, fwd_message_id, fwd_date, fwd_name)`` from the forward header."""
    header = message.fwd_from
    if header is None:
        return None, None, None, None
    channel_id = message_id = None
    name = header.from_name
    if isinstance(header.from_id, types.PeerChannel):
        channel_id = header.from_id.channel_id
        message_id = header.channel_post
        name = name or chat_titles.get(channel_id)
    return channel_id, message_id, header.date, name


def post_from_message(
    message: Any,
    channel_id: int,
    collected_at: datetime,
    chat_titles: Mapping[int, str] | None = None,
) -> Post:
    """The :class:`Post` record of a channel ``Message``.

    ``chat_titles`` (from :func:`titles` of the same answer) names forward sources.
    """
    kind, media_id, size, duration = media_of(message)
    reactions_total, reactions = reactions_of(message)
    fwd_channel, fwd_message, fwd_date, fwd_name = forward_of(message, chat_titles or {})
    text = message.message or None
    return Post(
        channel_id=channel_id,
        message_id=message.id,
        date=message.date,
        collected_at=collected_at,
        text=text,
        edit_date=message.edit_date,
        views=message.views,
        forwards=message.forwards,
        replies=message.replies.replies if message.replies is not None else None,
        reactions_total=reactions_total,
        reactions=reactions,
        post_author=message.post_author,
        grouped_id=message.grouped_id,
        media_kind=kind,
        media_id=media_id,
        media_size=size,
        media_duration=duration,
        fwd_channel_id=fwd_channel,
        fwd_message_id=fwd_message,
        fwd_date=fwd_date,
        fwd_name=fwd_name,
        links=tuple(find_message_links(text, *entity_urls(message))),
    )
