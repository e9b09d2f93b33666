"""Every field of a Telegram post lands in the store, through the real client and the wire."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from telethon.tl import types

from amplify import schema
from amplify.store import Store
from collectors.telegram import collect
from collectors.telegram_convert import channel_from_chat, entity_urls, media_of, reactions_of
from tests.collect_support import BASE, NOW, at, fixed, rows
from tests.telegram_builders import make_channel, make_photo, make_post, make_service
from tests.telegram_fake import FakeTelegram, wire

CUSTOM = 5_368_324_170_671_202_286


def rich_channel():
    """@asiatoday with one post of each shape, a service message, and a forward source."""
    source = make_channel(2002, "SourceChan", "Source Channel", subscribers=5_000).add(
        make_post(2002, 7, BASE - timedelta(days=1), "original", views=900)
    )
    asia = make_channel(
        1001,
        "AsiaToday",
        "Asia Today",
        about="news from Central Asia",
        subscribers=100_000,
        verified=True,
    )
    video = make_post(
        1001,
        1,
        at(1),
        "NATO center https://t.me/SourceChan/7 and more 🔥",
        views=87_000,
        forwards=600,
        replies=12,
        reactions={"👍": 40, CUSTOM: 3},
        post_author="Editor",
        grouped_id=99,
        edit_date=at(1) + timedelta(minutes=5),
        media_video_id=555,
        video_duration=42.0,
        fwd=(2002, 7, BASE - timedelta(days=1)),
        text_urls=[("more", "https://t.me/c/1790216493/77")],
    )
    video.reactions.results.append(types.ReactionCount(types.ReactionPaid(), count=5))
    photo = make_post(1001, 2, at(2), "", views=None, forwards=None, media_photo_id=777)
    hidden = make_post(
        1001, 3, at(3), "hidden source", views=5, forwards=0, fwd_name="Скрытый автор"
    )
    links = make_post(
        1001,
        5,
        at(5),
        "see tg://resolve?domain=rybar&post=9 t.me/s/Kotsnews/12 telegram.me/sladkov_plus/3 "
        "https://t.me/+AbCdEf and t.me/rybar",
        views=1,
    )
    asia.add(video, photo, hidden, make_service(1001, 4, at(4)), links)
    return asia, source


@pytest.mark.asyncio
async def test_every_field_lands(store: Store) -> None:
    asia, source = rich_channel()
    fake = FakeTelegram([asia, source])
    report = await collect(fake.make_client(), store, ["AsiaToday"], now=fixed())
    assert report.exit_code == 0 and report.channels[0].new == 4
    posts = {m: row for (_, m), row in rows(store, "posts").items()}
    assert sorted(posts) == [1, 2, 3, 5]  # the service message (4) is not a post

    tl = asia.messages[1]
    row = SimpleNamespace(**posts[1])
    assert (row.channel_id, row.text, row.date) == (1001, tl.message, tl.date)
    assert row.edit_date == tl.edit_date and row.collected_at == NOW
    assert (row.views, row.forwards, row.replies) == (87_000, 600, 12)
    assert row.reactions == {"👍": 40, f"custom:{CUSTOM}": 3, "paid": 5}
    assert row.reactions_total == 48
    assert (row.post_author, row.grouped_id) == ("Editor", 99)
    document = tl.media.document
    assert (row.media_kind, row.media_id, row.media_size, row.media_duration) == (
        "video",
        document.id,
        document.size,
        42.0,
    )
    assert (row.fwd_channel_id, row.fwd_message_id, row.fwd_date) == (
        2002,
        7,
        tl.fwd_from.date,
    )
    assert row.fwd_name == "Source Channel"  # the title the answer's chats carry

    photo = SimpleNamespace(**posts[2])
    assert (photo.media_kind, photo.media_id, photo.media_size) == ("photo", 777, 180_000)
    assert photo.text is None and photo.views is None and photo.reactions is None
    hidden = SimpleNamespace(**posts[3])
    assert hidden.fwd_name == "Скрытый автор" and hidden.fwd_channel_id is None
    assert (hidden.views, hidden.forwards) == (5, 0) and hidden.fwd_date is not None

    with store.engine.connect() as conn:
        found = set(conn.execute(select(schema.post_links)).all())
    none = None
    assert {row[1:] for row in found} == {
        (1, "sourcechan", none, 7),
        (1, none, 1790216493, 77),  # hidden in a MessageEntityTextUrl
        (5, "rybar", none, 9),
        (5, "kotsnews", none, 12),
        (5, "sladkov_plus", none, 3),
    }

    channels = {
        k: SimpleNamespace(**v) for k, v in rows(store, "channels", ("channel_id",)).items()
    }
    asia_row = channels[1001]
    assert (asia_row.username, asia_row.title, asia_row.about) == (
        "AsiaToday",
        "Asia Today",
        "news from Central Asia",
    )
    assert (asia_row.verified, asia_row.broadcast, asia_row.scam) == (True, True, False)
    assert (asia_row.access_hash, asia_row.last_collected) == (asia.access_hash, NOW)
    assert list(rows(store, "channel_stats", ("channel_id",))[1001].values()) == [
        1001,
        NOW,
        100_000,
    ]
    # the forward source arrived in ``chats``: known and cached, but not collected
    assert channels[2002].title == "Source Channel" and channels[2002].last_collected is None
    assert channels[2002].access_hash == source.access_hash


@pytest.mark.asyncio
async def test_collected_rows_record_the_run(tmp_path) -> None:
    asia, source = rich_channel()
    store = Store(tmp_path / "a.sqlite")
    report = await collect(FakeTelegram([asia, source]).make_client(), store, ["@asiatoday"])
    runs = store.runs_frame()
    assert list(runs.kind) == ["collect"] and list(runs.status) == ["done"]
    run = runs.iloc[0]
    assert run.run_id == report.run_id and run.parameters["channels"] == ["@asiatoday"]
    assert run.counts["posts_new"] == 4 and run.counts["requests"]["GetHistoryRequest"] == 2
    assert set(store.posts_frame().run_id) == {report.run_id}
    assert "hash" not in str(run.parameters).lower()


def document_media(*attributes, **flags) -> types.MessageMediaDocument:
    document = types.Document(
        id=42,
        access_hash=1,
        file_reference=b"",
        date=BASE,
        mime_type="application/octet-stream",
        size=1234,
        dc_id=2,
        attributes=list(attributes),
    )
    return types.MessageMediaDocument(document=document, **flags)


def message_with(media) -> types.Message:
    return wire(
        types.Message(id=1, peer_id=types.PeerChannel(1), date=BASE, message="", media=media)
    )


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        (None, (None, None, None, None)),
        (types.MessageMediaPhoto(photo=make_photo(9)), ("photo", 9, 180_000, None)),
        (
            types.MessageMediaPhoto(
                photo=types.Photo(
                    9, 1, b"", BASE, [types.PhotoSizeProgressive("y", 1, 1, [10, 900, 5000])], 2
                )
            ),
            ("photo", 9, 5000, None),
        ),
        (types.MessageMediaPhoto(), ("photo", None, None, None)),
        (
            document_media(
                types.DocumentAttributeVideo(duration=3.5, w=1, h=1),
                types.DocumentAttributeAnimated(),
            ),
            ("animation", 42, 1234, 3.5),
        ),
        (
            document_media(types.DocumentAttributeAudio(duration=61, voice=True)),
            ("voice", 42, 1234, 61.0),
        ),
        (
            document_media(types.DocumentAttributeAudio(duration=200, title="song")),
            ("audio", 42, 1234, 200.0),
        ),
        (
            document_media(
                types.DocumentAttributeSticker(alt="🙂", stickerset=types.InputStickerSetEmpty())
            ),
            ("sticker", 42, 1234, None),
        ),
        (
            document_media(types.DocumentAttributeFilename("report.pdf")),
            ("document", 42, 1234, None),
        ),
        (
            types.MessageMediaWebPage(webpage=types.WebPageEmpty(id=5)),
            ("webpage", None, None, None),
        ),
        (
            types.MessageMediaGeo(geo=types.GeoPoint(long=76.9, lat=43.2, access_hash=0)),
            ("geo", None, None, None),
        ),
        (
            types.MessageMediaContact("+7", "A", "B", "", user_id=0),
            ("contact", None, None, None),
        ),
        (types.MessageMediaDice(value=3, emoticon="🎲"), ("other", None, None, None)),
    ],
)
def test_media_kinds(media, expected) -> None:
    assert media_of(message_with(media)) == expected


def test_poll_media_kind() -> None:
    poll = types.Poll(
        id=1,
        question=types.TextWithEntities("?", []),
        answers=[types.PollAnswer(types.TextWithEntities("a", []), b"a")],
        hash=0,
    )
    media = types.MessageMediaPoll(poll=poll, results=types.PollResults())
    assert media_of(message_with(media))[0] == "poll"


def test_reactions_and_entity_urls() -> None:
    post = wire(
        make_post(
            1,
            1,
            BASE,
            "🔥 t.me/a_chan/5 and here",
            reactions={"👍": 2, 77: 1},
            text_urls=[("here", "https://t.me/b_chan/6")],
        )
    )
    assert reactions_of(post) == (3, {"👍": 2, "custom:77": 1})
    assert entity_urls(post) == ["t.me/a_chan/5", "https://t.me/b_chan/6"]  # UTF-16 offsets
    assert reactions_of(make_post(1, 2, BASE, "x")) == (None, None)


def test_channel_records() -> None:
    channel = make_channel(5, None, "Multi", scam=True).to_tl()
    channel.usernames = [
        types.Username("old_name", active=False),
        types.Username("new_name", active=True),
    ]
    record = channel_from_chat(wire(channel), about="about")
    assert (record.username, record.title, record.scam, record.about) == (
        "new_name",
        "Multi",
        True,
        "about",
    )
    forbidden = make_channel(6, "gone", "Gone", private=True).to_tl()
    assert channel_from_chat(forbidden).title == "Gone"
    assert channel_from_chat(types.ChatEmpty(1)) is None
