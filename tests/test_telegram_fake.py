"""Tests proving the fake Telegram server drives the real Telethon client faithfully."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telethon import errors, functions, types
from telethon.errors import MultiError
from telethon.tl.alltlobjects import LAYER

from tests.telegram_builders import UTC, make_channel, make_post, make_service
from tests.telegram_fake import FakeTelegram, VirtualClock, wire

BASE = datetime(2023, 10, 20, 9, 0, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parent.parent


def at(message_id: int) -> datetime:
    """Date of post ``message_id`` in the linear channel (one post a minute)."""
    return BASE + timedelta(minutes=message_id)


def linear_fake(n: int = 250) -> FakeTelegram:
    """Channel ``linear_news`` (id 1001) with posts 1..n, plus a private and a source channel."""
    source = make_channel(2002, "SourceChan", "Source", subscribers=5_000).add(
        make_post(
            2002, 7, BASE - timedelta(days=1), "original https://t.me/SourceChan/7", views=900
        )
    )
    hidden = make_channel(3003, "hidden_chan", "Hidden", private=True).add(
        make_post(3003, 3, BASE - timedelta(days=2), "secret", views=10)
    )
    linear = make_channel(
        1001,
        "linear_news",
        "Linear News",
        about="one post a minute",
        subscribers=100_000,
        verified=True,
    )
    for i in range(1, n + 1):
        linear.add(make_post(1001, i, at(i), f"post {i}", views=1000 + i, forwards=i % 7))
    linear.add(make_post(1001, 40, at(40), "fwd", views=5, fwd=(2002, 7, BASE - timedelta(days=1))))
    linear.add(
        make_post(1001, 41, at(41), "fwd hidden", views=5, fwd=(3003, 3, BASE - timedelta(days=2)))
    )
    return FakeTelegram([linear, source, hidden])


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    with VirtualClock().installed() as virtual:
        yield virtual


# -- the wire ----------------------------------------------------------------------------------


def test_wire_round_trips_real_tl_objects() -> None:
    post = make_post(
        1001,
        5,
        BASE,
        "see https://t.me/x/1 and more",
        views=87_000,
        forwards=600,
        replies=12,
        reactions={"👍": 40, 5_368_324_170_671_202_286: 3},
        post_author="Ed",
        grouped_id=99,
        edit_date=BASE + timedelta(minutes=5),
        media_video_id=77,
        video_duration=42.0,
        fwd=(2002, 7, BASE - timedelta(hours=3)),
        text_urls=[("more", "https://t.me/x/2")],
    )
    back = wire(post)
    assert back is not post and type(back) is types.Message and bytes(back) == bytes(post)
    assert back.post and back.peer_id == types.PeerChannel(1001) and back.date == BASE
    assert [type(r.reaction) for r in back.reactions.results] == [
        types.ReactionEmoji,
        types.ReactionCustomEmoji,
    ]
    assert back.media.document.attributes[0].duration == 42.0
    assert back.fwd_from.from_id == types.PeerChannel(2002) and back.fwd_from.channel_post == 7
    assert [(type(e), e.offset, e.length) for e in back.entities] == [
        (types.MessageEntityUrl, 4, 16),
        (types.MessageEntityTextUrl, 25, 4),
    ]
    assert back.entities[1].url == "https://t.me/x/2"
    assert wire(True) is True and wire([post])[0].id == 5
    with pytest.raises(TypeError):
        wire({"id": 5})


def test_entity_offsets_are_utf16() -> None:
    post = make_post(1, 1, BASE, "🔥 срочно t.me/a_chan/5")
    (entity,) = post.entities
    assert (entity.offset, entity.length) == (10, 13)  # the emoji is two UTF-16 units


# -- entities -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_entity_resolves_case_insensitively_and_session_caches() -> None:
    fake = linear_fake()
    client = fake.make_client()
    assert client.is_connected()
    await client.connect()  # harmless: no handshake is sent
    channel = await client.get_entity("LINEAR_NEWS")
    assert type(channel) is types.Channel
    assert (
        channel.id,
        channel.username,
        channel.title,
        channel.broadcast,
        channel.verified,
        channel.scam,
    ) == (1001, "linear_news", "Linear News", True, True, False)
    await client.get_input_entity("linear_news")  # answered from the session cache
    await client.get_input_entity("t.me/linear_news")
    assert fake.count("ResolveUsernameRequest") == 1
    await client.get_entity("linear_news")  # Telethon quirk: get_entity(str) always resolves
    assert fake.count("contacts.ResolveUsernameRequest") == 2
    assert [r.name for r in fake.requests] == ["contacts.ResolveUsernameRequest"] * 2


@pytest.mark.asyncio
async def test_unknown_invalid_and_private_usernames() -> None:
    fake = linear_fake()
    client = fake.make_client()
    with pytest.raises(ValueError, match="No user has"):  # Telethon wraps UsernameNotOccupiedError
        await client.get_entity("nosuchchannel")
    with pytest.raises(errors.UsernameNotOccupiedError):
        await client(functions.contacts.ResolveUsernameRequest("nosuchchannel"))
    with pytest.raises(errors.UsernameInvalidError):
        await client(functions.contacts.ResolveUsernameRequest("a__b"))
    with pytest.raises(errors.ChannelPrivateError):
        await client.get_entity("hidden_chan")
    assert [r.outcome for r in fake.requests] == [
        "USERNAME_NOT_OCCUPIED",
        "USERNAME_NOT_OCCUPIED",
        "USERNAME_INVALID",
        "CHANNEL_PRIVATE",
    ]


@pytest.mark.asyncio
async def test_full_channel_and_get_channels() -> None:
    fake = linear_fake()
    client = fake.make_client()
    channel = await client.get_entity("linear_news")
    full = await client(functions.channels.GetFullChannelRequest(channel))
    assert type(full) is types.messages.ChatFull and type(full.full_chat) is types.ChannelFull
    assert (full.full_chat.participants_count, full.full_chat.about) == (
        100_000,
        "one post a minute",
    )
    assert [c.username for c in full.chats] == ["linear_news"]
    hidden = fake.channel("hidden_chan")
    chats = await client(
        functions.channels.GetChannelsRequest([types.InputChannel(3003, hidden.access_hash)])
    )
    assert type(chats.chats[0]) is types.ChannelForbidden
    with pytest.raises(errors.ChannelInvalidError):
        await client(functions.channels.GetChannelsRequest([types.InputChannel(1001, 12345)]))
    with pytest.raises(errors.ChannelPrivateError):
        await client(
            functions.channels.GetFullChannelRequest(types.InputChannel(3003, hidden.access_hash))
        )


# -- history paging ------------------------------------------------------------------------------


def down(hi: int, lo: int) -> list[int]:
    return list(range(hi, lo - 1, -1))


PAGING_CASES: list[tuple[dict[str, Any], list[int], int]] = [
    ({}, down(250, 1), 3),
    (dict(reverse=True), list(range(1, 251)), 4),  # the 4th request comes back empty
    (dict(limit=30), down(250, 221), 1),
    (dict(limit=150), down(250, 101), 2),
    (dict(min_id=200), down(250, 201), 1),
    (dict(max_id=101), down(100, 1), 1),
    (dict(min_id=120, max_id=131), down(130, 121), 1),
    (dict(min_id=120, max_id=131, reverse=True), list(range(121, 131)), 1),
    (dict(offset_id=51), down(50, 1), 1),
    (dict(offset_id=200, reverse=True, limit=5), [201, 202, 203, 204, 205], 1),
    (dict(offset_date=at(100)), down(99, 1), 1),
    (dict(offset_date=at(100), reverse=True), list(range(100, 251)), 3),
    (dict(min_id=240, reverse=True), list(range(241, 251)), 2),
    (dict(reverse=True, limit=10), list(range(1, 11)), 1),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("kwargs", "expected", "requests"), PAGING_CASES)
async def test_iter_messages_pages_like_telegram(
    kwargs: dict[str, Any], expected: list[int], requests: int
) -> None:
    fake = linear_fake()
    client = fake.make_client()
    messages = [m async for m in client.iter_messages("linear_news", wait_time=0, **kwargs)]
    assert [m.id for m in messages] == expected
    assert all(type(m) is types.Message and m.chat_id == -1000000001001 for m in messages)
    assert fake.count("GetHistoryRequest") == requests


@pytest.mark.asyncio
async def test_history_requests_forwards_and_reverse_parameters() -> None:
    fake = linear_fake()
    client = fake.make_client()
    assert len([m async for m in client.iter_messages("linear_news", wait_time=0)]) == 250
    ts = lambda i: int(at(i).timestamp())  # noqa: E731
    assert [
        (p["offset_id"], p["offset_date"], p["add_offset"], p["limit"])
        for p in fake.history_params(1001)
    ] == [(0, 0, 0, 100), (151, ts(151), 0, 100), (51, ts(51), 0, 100)]
    fake.requests.clear()
    assert (
        len([m async for m in client.iter_messages("linear_news", wait_time=0, reverse=True)])
        == 250
    )
    assert [(p["offset_id"], p["add_offset"], p["limit"]) for p in fake.history_params()] == [
        (1, -100, 100),
        (101, -100, 100),
        (201, -100, 100),
        (251, -100, 100),
    ]


@pytest.mark.asyncio
async def test_get_history_request_server_semantics() -> None:
    fake = linear_fake()
    client = fake.make_client()
    peer = await client.get_input_entity("linear_news")

    async def ids(**kw: Any) -> list[int]:
        args = (
            dict(offset_id=0, offset_date=None, add_offset=0, limit=100, max_id=0, min_id=0, hash=0)
            | kw
        )
        answer = await client(functions.messages.GetHistoryRequest(peer, **args))
        assert type(answer) is types.messages.ChannelMessages and answer.count == 250
        return [m.id for m in answer.messages]

    # min_id/max_id filter the page *after* slicing (documented; why Telethon avoids them)
    assert await ids(min_id=50, max_id=60) == []
    assert await ids(min_id=50, max_id=60, offset_id=61) == down(59, 51)
    assert await ids(min_id=240) == down(250, 241)
    assert await ids(offset_id=200, add_offset=10, limit=5) == down(189, 185)
    assert await ids(offset_id=200, add_offset=-3, limit=5) == down(202, 198)
    assert await ids(offset_id=10, add_offset=-100, limit=100) == down(109, 10)
    assert await ids(offset_id=250, add_offset=-100, limit=100) == down(250, 250)
    assert len(await ids(limit=500)) == 100
    assert await ids(offset_date=at(3)) == [2, 1]
    assert await ids(offset_id=5, offset_date=at(100)) == down(4, 1)  # offset_id wins
    assert await ids(limit=0) == down(250, 231)
    answer = await client(functions.messages.GetHistoryRequest(peer, 42, None, 0, 3, 0, 0, 0))
    assert [m.id for m in answer.messages] == [41, 40, 39]
    assert [(type(c).__name__, c.id) for c in answer.chats] == [
        ("Channel", 1001),
        ("ChannelForbidden", 3003),
        ("Channel", 2002),
    ]
    assert answer.users == [] and answer.pts == 251


@pytest.mark.asyncio
async def test_service_messages_and_gaps_come_through() -> None:
    channel = make_channel(5005, "gappy_chan").add(
        make_service(5005, 1, BASE, types.MessageActionChannelCreate("g"))
    )
    channel.add(*(make_post(5005, i, at(i), f"p{i}") for i in [*range(2, 11), *range(13, 21)]))
    channel.add(make_service(5005, 21, at(21)))
    fake = FakeTelegram([channel])
    client = fake.make_client()
    messages = [m async for m in client.iter_messages("gappy_chan", wait_time=0)]
    assert [m.id for m in messages] == [21, *down(20, 13), *down(10, 1)]
    assert all(isinstance(m, (types.Message, types.MessageService)) for m in messages)
    assert [m.id for m in messages if isinstance(m, types.MessageService)] == [21, 1]
    assert [m.id async for m in client.iter_messages("gappy_chan", reverse=True, wait_time=0)][
        :3
    ] == [1, 2, 3]


# -- messages by id, views, takeout ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_messages_by_ids_and_view_refresh() -> None:
    fake = linear_fake()
    client = fake.make_client()
    got = await client.get_messages("linear_news", ids=[5, 999, 7])
    assert [m.id if m else None for m in got] == [5, None, 7] and got[0].views == 1005
    assert got[0] is not fake.channel(1001).messages[5]
    fake.channel(1001).messages[5].views = 5000  # the counter grew on the server
    assert (await client.get_messages("linear_news", ids=5)).views == 5000
    assert fake.records("channels.GetMessagesRequest")[0].params["id"] == [
        {"_": "InputMessageID", "id": 5},
        {"_": "InputMessageID", "id": 999},
        {"_": "InputMessageID", "id": 7},
    ]
    peer = await client.get_input_entity("linear_news")
    views = await client(
        functions.messages.GetMessagesViewsRequest(peer, [5, 6, 999], increment=False)
    )
    assert [v.views for v in views.views] == [5000, 1006, None]
    with pytest.raises(errors.LimitInvalidError):
        await client(functions.channels.GetMessagesRequest(peer, list(range(1, 102))))


@pytest.mark.asyncio
async def test_takeout_session_wraps_requests() -> None:
    fake = linear_fake()
    client = fake.make_client()
    async with client.takeout(channels=True) as takeout:
        assert [m.id async for m in takeout.iter_messages("linear_news", limit=3, wait_time=0)] == [
            250,
            249,
            248,
        ]
        takeout_id = client.session.takeout_id
        assert takeout_id in fake.takeouts
    assert client.session.takeout_id is None and fake.takeouts == set()
    assert [(r.name, r.wrappers, r.takeout_id) for r in fake.requests] == [
        ("account.InitTakeoutSessionRequest", (), None),
        ("contacts.ResolveUsernameRequest", ("InvokeWithTakeoutRequest",), takeout_id),
        ("messages.GetHistoryRequest", ("InvokeWithTakeoutRequest",), takeout_id),
        ("account.FinishTakeoutSessionRequest", ("InvokeWithTakeoutRequest",), takeout_id),
    ]
    with pytest.raises(errors.TakeoutInvalidError):
        await client(
            functions.InvokeWithTakeoutRequest(takeout_id, functions.updates.GetStateRequest())
        )


# -- flood waits, server errors, dropped connections -----------------------------------------------


@pytest.mark.asyncio
async def test_flood_wait_below_threshold_is_slept_virtually(clock: VirtualClock) -> None:
    fake = linear_fake()
    client = fake.make_client()
    fake.flood("GetHistoryRequest", 30, at=2)
    started = time.monotonic()
    ids = [
        m.id async for m in client.iter_messages("linear_news")
    ]  # default wait_time=1 s between chunks
    assert ids == down(250, 1) and time.monotonic() - started < 5
    assert clock.sleeps == [
        1.0,
        30.0,
    ]  # RequestIter's 1 s pause before chunk 2, then the flood wait
    assert [r.outcome for r in fake.records("GetHistoryRequest")] == [
        "ok",
        "FLOOD_WAIT_30",
        "ok",
        "ok",
    ]


@pytest.mark.asyncio
async def test_flood_wait_for_next_k_requests(clock: VirtualClock) -> None:
    fake = linear_fake()
    client = fake.make_client()
    fake.flood(functions.channels.GetFullChannelRequest, 10, times=3)
    await client(
        functions.channels.GetFullChannelRequest(await client.get_input_entity("linear_news"))
    )
    assert clock.sleeps == [10.0, 10.0, 10.0]
    assert fake.count("GetFullChannelRequest", outcome="ok") == 1


@pytest.mark.asyncio
async def test_flood_wait_above_threshold_raises_and_is_remembered(clock: VirtualClock) -> None:
    fake = linear_fake()
    client = fake.make_client()
    fake.flood("GetHistoryRequest", 120)
    with pytest.raises(errors.FloodWaitError) as caught:
        await client.get_messages("linear_news", limit=5)
    assert caught.value.seconds == 120 and clock.sleeps == []
    with pytest.raises(errors.FloodWaitError):  # Telethon refuses locally, nothing is sent
        await client.get_messages("linear_news", limit=5)
    assert fake.count("GetHistoryRequest") == 1
    clock.advance(121)
    assert len(await client.get_messages("linear_news", limit=5)) == 5
    client.flood_sleep_threshold = 0
    fake.flood("GetHistoryRequest", 5)
    with pytest.raises(errors.FloodWaitError):
        await client.get_messages("linear_news", limit=5)


@pytest.mark.asyncio
async def test_server_error_is_retried_then_surfaces(clock: VirtualClock) -> None:
    fake = linear_fake()
    client = fake.make_client(raise_last_call_error=True)
    peer = await client.get_input_entity("linear_news")
    fake.server_error("GetFullChannelRequest")
    assert (await client(functions.channels.GetFullChannelRequest(peer))).full_chat.id == 1001
    assert clock.sleeps == [2.0]
    fake.server_error(times=6)  # request_retries=5 means 6 attempts
    with pytest.raises(errors.ServerError):
        await client(functions.channels.GetFullChannelRequest(peer))
    assert fake.count("GetFullChannelRequest", outcome="INTERNAL") == 7


@pytest.mark.asyncio
async def test_dropped_connection_until_reconnect() -> None:
    fake = linear_fake()
    client = fake.make_client()
    fake.drop_connection("GetHistoryRequest", at=2)
    disconnected = client.disconnected
    seen: list[int] = []
    with pytest.raises(ConnectionError):
        async for message in client.iter_messages("linear_news", wait_time=0):
            seen.append(message.id)
    assert seen == down(250, 151) and not client.is_connected()
    with pytest.raises(ConnectionError):
        await disconnected
    with pytest.raises(ConnectionError):
        await client.get_messages("linear_news", limit=1)
    await client.connect()
    assert (
        client.is_connected() and (await client.get_messages("linear_news", limit=1))[0].id == 250
    )
    assert [r.outcome for r in fake.records("GetHistoryRequest")] == [
        "ok",
        "CONNECTION_DROPPED",
        "ok",
    ]


# -- misc client paths ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_list_requests_unknown_requests_and_start() -> None:
    fake = linear_fake()
    client = fake.make_client()
    async with client:  # start() -> get_me() -> users.GetUsersRequest([InputUserSelf()])
        assert (await client.get_me()).username == "amplify_test"
        a, b = (
            await client.get_input_entity("linear_news"),
            await client.get_input_entity("SourceChan"),
        )
        fulls = await client(
            [
                functions.channels.GetFullChannelRequest(a),
                functions.channels.GetFullChannelRequest(b),
            ]
        )
        assert [f.full_chat.id for f in fulls] == [1001, 2002]
        hidden = fake.channel(3003)
        with pytest.raises(MultiError):
            await client(
                [
                    functions.channels.GetFullChannelRequest(a),
                    functions.channels.GetFullChannelRequest(
                        types.InputChannel(3003, hidden.access_hash)
                    ),
                ]
            )
        with pytest.raises(NotImplementedError, match="messages.SendMessageRequest"):
            await client(functions.messages.SendMessageRequest(a, "hi"))
    assert not client.is_connected()
    assert fake.records()[-1].outcome == "NOT_IMPLEMENTED"


@pytest.mark.asyncio
async def test_wrapped_requests_are_unwrapped_and_recorded() -> None:
    fake = linear_fake()
    client = fake.make_client(
        receive_updates=False
    )  # Telethon then wraps calls in InvokeWithoutUpdates
    assert (await client.get_entity("linear_news")).id == 1001
    init = functions.InitConnectionRequest(
        api_id=1,
        device_model="x",
        system_version="x",
        app_version="x",
        system_lang_code="en",
        lang_pack="",
        lang_code="en",
        query=functions.updates.GetStateRequest(),
    )
    assert type(await client(functions.InvokeWithLayerRequest(LAYER, init))) is types.updates.State
    assert [(r.name, r.wrappers) for r in fake.requests] == [
        ("contacts.ResolveUsernameRequest", ("InvokeWithoutUpdatesRequest",)),
        (
            "updates.GetStateRequest",
            ("InvokeWithoutUpdatesRequest", "InvokeWithLayerRequest", "InitConnectionRequest"),
        ),
    ]


# -- generated corpora and subprocesses --------------------------------------------------------------


def test_from_spec_is_deterministic_and_realistic() -> None:
    spec = json.loads(
        json.dumps(
            FakeTelegram.from_spec(seed=7, channels=4, posts_per_channel=120, private=1).spec
        )
    )
    one, two = FakeTelegram.from_spec(**spec), FakeTelegram.from_spec(**spec)
    dump = lambda f: [bytes(m) for c in f.channels.values() for m in c.messages.values()]  # noqa: E731
    assert dump(one) == dump(two) and dump(one) != dump(
        FakeTelegram.from_spec(**spec | {"seed": 8})
    )
    posts = [
        m
        for c in one.channels.values()
        for m in c.messages.values()
        if isinstance(m, types.Message)
    ]
    assert len(posts) == 4 * 120
    forwards = [m for m in posts if m.fwd_from and m.fwd_from.from_id]
    assert forwards and all(
        m.fwd_from.channel_post in one.channels[m.fwd_from.from_id.channel_id].messages
        and m.fwd_from.from_id.channel_id != m.peer_id.channel_id
        for m in forwards
    )
    assert any(m.fwd_from and m.fwd_from.from_name and not m.fwd_from.from_id for m in posts)
    entities = [type(e) for m in posts for e in (m.entities or [])]
    assert types.MessageEntityUrl in entities and types.MessageEntityTextUrl in entities
    assert any("t.me/" in m.message for m in posts)
    albums = [m.grouped_id for m in posts if m.grouped_id]
    assert albums and all(albums.count(g) >= 2 for g in albums)
    assert any(isinstance(m.media, types.MessageMediaPhoto) for m in posts)
    assert any(
        isinstance(m.media, types.MessageMediaDocument)
        and m.media.document.attributes[0].duration > 0
        for m in posts
    )
    assert (
        sum(
            isinstance(m, types.MessageService)
            for c in one.channels.values()
            for m in c.messages.values()
        )
        >= 4
    )
    assert [c.access_error for c in one.channels.values()] == [None, None, None, "CHANNEL_PRIVATE"]


@pytest.mark.asyncio
async def test_generated_corpus_costs_ceil_n_over_100_history_requests() -> None:
    fake = FakeTelegram.from_spec(seed=3, channels=3, posts_per_channel=250)
    client = fake.make_client()
    for channel in fake.channels.values():
        ids = [m.id async for m in client.iter_messages(channel.username, wait_time=0)]
        assert ids == sorted(channel.messages, reverse=True)
        assert len(fake.history_params(channel.id)) <= math.ceil(len(ids) / 100) + 1
    # Channels named in forward headers arrive in ``chats`` and land in the session cache,
    # so later iter_messages("username") calls need no ResolveUsername at all.
    resolved = [r.request.username for r in fake.records("ResolveUsernameRequest")]
    assert 1 <= len(resolved) < 3 and len(set(resolved)) == len(resolved)


@pytest.mark.asyncio
async def test_per_request_delay() -> None:
    fake = linear_fake()
    fake.delay = 0.05
    client = fake.make_client()
    started = time.monotonic()
    await client.get_messages("linear_news", limit=1)  # resolve + history
    assert time.monotonic() - started >= 0.09


SUBPROCESS = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from tests.telegram_fake import FakeTelegram

async def main():
    fake = FakeTelegram.from_spec(**json.loads(sys.argv[2]))
    client = fake.make_client()
    ids = [m.id async for m in client.iter_messages(sys.argv[3], wait_time=0)]
    print(json.dumps({"ids": ids, "history": fake.count("GetHistoryRequest")}))

asyncio.run(main())
"""


def test_usable_from_a_subprocess() -> None:
    fake = FakeTelegram.from_spec(seed=11, channels=2, posts_per_channel=150, delay=0.001)
    username = next(iter(fake.channels.values())).username
    out = subprocess.run(
        [sys.executable, "-c", SUBPROCESS, str(REPO_ROOT), json.dumps(fake.spec), username],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(out.stdout)
    assert (
        answer["ids"] == sorted(fake.channel(username).messages, reverse=True)
        and answer["history"] == 2
    )


def test_virtual_clock_restores_telethon_modules() -> None:
    import telethon.client.users as users_module

    real_time = users_module.time
    with VirtualClock(start=100.0).installed() as clock:
        assert users_module.time.time() == 100.0 and users_module.time.monotonic() > 0
        asyncio.run(users_module.asyncio.sleep(5))
        assert clock.now == 105.0 and clock.sleeps == [5.0]
    assert users_module.time is real_time
