"""An in-process fake Telegram server that drives the *real* ``telethon.TelegramClient``.

Only the client's MTProto sender (``client._sender``) is replaced.  Everything
above it is genuine Telethon: ``_call`` (flood-wait bookkeeping, retries on
RPC 5xx), entity resolution and the session cache, ``iter_messages`` paging,
``get_messages``, ``takeout()``.  Every request is serialized with ``bytes()``
and parsed back before the fake looks at it, and every answer is serialized and
parsed back with the request's own ``read_result`` (see :func:`wire`), so code
under test only ever sees objects that went through the real wire format.
Errors are built with ``rpc_message_to_error`` from a wire ``RpcError``, as the
real sender does.

Typical use::

    fake = FakeTelegram([make_channel(1001, "asiatoday", subscribers=100_000).add(
        make_post(1001, 1, 1_697_000_000, "NATO center", views=87_000, media_video_id=5))])
    client = fake.make_client()
    async for message in client.iter_messages("asiatoday"):
        ...
    assert fake.count("ResolveUsernameRequest") == 1
    fake.flood("GetHistoryRequest", seconds=30)            # next GetHistory answers FLOOD_WAIT_30
    with VirtualClock().installed() as clock: ...          # Telethon's sleeps become instant

For a subprocess: ``FakeTelegram.from_spec(**json.loads(spec_json))`` rebuilds
the same deterministic corpus; ``fake.spec`` is that JSON-able dict.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import re
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from telethon import TelegramClient, utils
from telethon.crypto import AuthKey
from telethon.errors import rpc_message_to_error
from telethon.extensions import BinaryReader
from telethon.sessions import MemorySession
from telethon.tl import TLObject, TLRequest, functions, types

if __package__:  # imported as tests.telegram_fake (the project's layout)
    from .telegram_builders import DEFAULT_START, FakeChannel, as_date, generate_channels
else:  # imported with tests/ itself on sys.path
    from telegram_builders import DEFAULT_START, FakeChannel, as_date, generate_channels

API_ID, API_HASH = 1, "0" * 32
MAX_LIMIT = 100  # Telegram never returns more than 100 messages per request
DEFAULT_LIMIT = 20  # what "limit=0" gets ("an intermediate value like ~20", api/offsets)
_USERNAME_RE = re.compile(r"^[a-z](?:(?!__)\w){3,30}[a-z0-9]$", re.IGNORECASE)
_BOOL_IDS = {True: 0x997275B5, False: 0xBC799737}
_VECTOR_ID = 0x1CB5C415
_WRAPPERS = (
    functions.InvokeWithLayerRequest,
    functions.InitConnectionRequest,
    functions.InvokeWithoutUpdatesRequest,
    functions.InvokeWithTakeoutRequest,
)
_REAL_SLEEP = asyncio.sleep


def to_wire_bytes(obj: Any) -> bytes:
    """Serialize an answer as Telegram would: a TL object, a ``Bool`` or a ``Vector``."""
    if isinstance(obj, bool):
        return struct.pack("<I", _BOOL_IDS[obj])
    if isinstance(obj, list):
        return struct.pack("<Ii", _VECTOR_ID, len(obj)) + b"".join(to_wire_bytes(x) for x in obj)
    if isinstance(obj, TLObject):
        return bytes(obj)
    raise TypeError(f"{type(obj).__name__} is not a TL object and cannot go over the wire")


def wire(obj: Any, request: TLRequest | None = None) -> Any:
    """Round-trip ``obj`` through bytes: serialize it, then parse it back with
    ``request.read_result`` (what ``MTProtoSender`` does) or ``tgread_object``."""
    data = to_wire_bytes(obj)
    with BinaryReader(data) as reader:
        parsed = request.read_result(reader) if request is not None else reader.tgread_object()
        if reader.tell_position() != len(data):
            raise AssertionError(
                f"{type(obj).__name__}: {len(data) - reader.tell_position()} bytes left unread"
            )
    return parsed


def rpc_error(code: int, message: str, request: TLRequest) -> Exception:
    """The exception Telethon raises for an ``rpc_error`` answer, built the same way."""
    return rpc_message_to_error(wire(types.RpcError(code, message)), request)


def tl_name(obj: Any) -> str:
    """``"messages.GetHistoryRequest"``-style name of a TL class or object."""
    cls = obj if isinstance(obj, type) else type(obj)
    namespace = cls.__module__.removeprefix("telethon.tl.").partition(".")[2]
    return f"{namespace}.{cls.__name__}" if namespace else cls.__name__


def _name_matches(wanted: str | type | None, name: str) -> bool:
    if wanted is None:
        return True
    wanted = tl_name(wanted) if isinstance(wanted, type) else wanted
    return wanted == name or wanted == name.rpartition(".")[2]


class RpcFault(Exception):
    """Raised inside a handler: Telegram answers with ``rpc_error(code, message)``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (innermost query, after unwrapping)."""

    name: str  # e.g. "messages.GetHistoryRequest"
    request: Any  # the innermost request, parsed off the wire
    wrappers: tuple[str, ...]  # e.g. ("InvokeWithTakeoutRequest",)
    takeout_id: int | None
    outcome: str  # "ok", an RPC error message, "CONNECTION_DROPPED" or "NOT_IMPLEMENTED"

    @property
    def params(self) -> dict[str, Any]:
        """Request fields; for GetHistory a flat dict with ``channel_id`` and an int ``offset_date``."""
        r = self.request
        if isinstance(r, functions.messages.GetHistoryRequest):
            return dict(
                channel_id=getattr(r.peer, "channel_id", None),
                offset_id=r.offset_id,
                offset_date=int(r.offset_date.timestamp()) if r.offset_date else 0,
                add_offset=r.add_offset,
                limit=r.limit,
                max_id=r.max_id,
                min_id=r.min_id,
            )
        fields = r.to_dict()
        fields.pop("_", None)
        return fields


@dataclass
class Fault:
    """A scheduled failure for requests matching ``request`` (None = any request).

    It fires on matching requests number ``at`` … ``at + times - 1`` counted
    from when it was scheduled (1-based).  ``message`` is a Telegram RPC error
    (``FLOOD_WAIT_30``, ``INTERNAL`` …) or ``None`` for a dropped connection.
    """

    request: str | type | None
    code: int
    message: str | None
    at: int = 1
    times: int = 1
    seen: int = 0
    fired: int = 0

    def hit(self, name: str) -> bool:
        if not _name_matches(self.request, name):
            return False
        self.seen += 1
        if self.at <= self.seen < self.at + self.times:
            self.fired += 1
            return True
        return False


class FakeSender:
    """Stands in for ``MTProtoSender``: ``send``, ``connect``, ``disconnect``, ``is_connected``."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server
        self.auth_key = AuthKey(None)
        self._user_connected = True
        self._disconnected: asyncio.Future | None = None

    async def connect(self, connection: Any) -> bool:
        """Reconnect.  Returns False ("already connected", like the real sender when it
        is) so ``TelegramClient.connect`` skips the InitConnection/GetConfig handshake."""
        self._user_connected, self._disconnected = True, None
        return False

    async def disconnect(self) -> None:
        self._lose_connection(None)

    def is_connected(self) -> bool:
        return self._user_connected

    def _transport_connected(self) -> bool:
        return self._user_connected

    @property
    def disconnected(self) -> asyncio.Future:
        """Resolves when the connection ends (with the error if it was dropped)."""
        if self._disconnected is None:
            self._disconnected = asyncio.get_running_loop().create_future()
        return asyncio.shield(self._disconnected)

    def _lose_connection(self, error: BaseException | None) -> None:
        self._user_connected = False
        if self._disconnected is not None and not self._disconnected.done():
            self._disconnected.set_exception(error) if error else self._disconnected.set_result(
                None
            )

    def send(self, request: Any, ordered: bool = False) -> asyncio.Future | list[asyncio.Future]:
        """Same contract as ``MTProtoSender.send``: a future (or a list for a list)."""
        if not self._user_connected:
            raise ConnectionError("Cannot send requests while disconnected")
        if utils.is_list_like(request):
            return [self._send_one(r) for r in request]
        return self._send_one(request)

    def _send_one(self, request: TLRequest) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        result, error = self.server.handle(request)
        if isinstance(error, ConnectionError):
            self._lose_connection(error)

        def settle() -> None:
            if not future.cancelled():
                future.set_exception(error) if error is not None else future.set_result(result)

        loop.call_later(max(self.server.delay, 0.0), settle)  # answers always arrive asynchronously
        return future


class FakeTelegram:
    """The fake server: channels, request log, fault schedule, takeout sessions."""

    def __init__(
        self,
        channels: Iterable[FakeChannel] = (),
        *,
        delay: float = 0.0,
        spec: dict[str, Any] | None = None,
    ) -> None:
        self.channels: dict[int, FakeChannel] = {}
        for channel in channels:
            self.add_channel(channel)
        self.delay = delay  # seconds before each answer arrives (real time, for kill -9 tests)
        # True: history pages carry ``offset_id_offset`` (the position of their newest
        # message) as Telegram documents for offset paging. Off by default, the cautious
        # case: whether Telegram sets it for channel history is not documented.
        self.reports_positions = False
        self.spec = spec
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.takeouts: set[int] = set()
        self._next_takeout = 0x7A4E0001
        self.me = types.User(
            id=424242, is_self=True, access_hash=77, first_name="amplify", username="amplify_test"
        )
        self._handlers: dict[type, Callable[[Any, int | None], Any]] = {
            functions.contacts.ResolveUsernameRequest: self._resolve_username,
            functions.channels.GetChannelsRequest: self._get_channels,
            functions.channels.GetFullChannelRequest: self._get_full_channel,
            functions.messages.GetHistoryRequest: self._get_history,
            functions.channels.GetMessagesRequest: self._get_messages,
            functions.messages.GetMessagesViewsRequest: self._get_views,
            functions.account.InitTakeoutSessionRequest: self._init_takeout,
            functions.account.FinishTakeoutSessionRequest: self._finish_takeout,
            functions.users.GetUsersRequest: self._get_users,
            functions.updates.GetStateRequest: lambda r, t: types.updates.State(
                1, 0, DEFAULT_START, 1, 0
            ),
        }

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_spec(
        cls,
        *,
        seed: int = 0,
        channels: int = 3,
        posts_per_channel: int = 50,
        private: int = 0,
        start: int | None = None,
        delay: float = 0.0,
        positions: bool = False,
    ) -> FakeTelegram:
        """A deterministic corpus from JSON-able parameters (see ``generate_channels``)."""
        spec = dict(
            seed=seed,
            channels=channels,
            posts_per_channel=posts_per_channel,
            private=private,
            start=start,
            delay=delay,
            positions=positions,
        )
        generated = generate_channels(
            seed,
            channels,
            posts_per_channel,
            private,
            DEFAULT_START if start is None else as_date(start),
        )
        fake = cls(generated, delay=delay, spec=spec)
        fake.reports_positions = positions
        return fake

    def add_channel(self, channel: FakeChannel) -> FakeChannel:
        self.channels[channel.id] = channel
        return channel

    def channel(self, key: int | str) -> FakeChannel:
        """A channel by id or (case-insensitive) username."""
        found = (
            self.channels.get(key)
            if isinstance(key, int)
            else next(
                (
                    c
                    for c in self.channels.values()
                    if (c.username or "").lower() == key.lower().lstrip("@")
                ),
                None,
            )
        )
        if found is None:
            raise KeyError(f"no fake channel {key!r}")
        return found

    def install(self, client: TelegramClient) -> FakeSender:
        """Replace ``client._sender`` with a sender answering from this server."""
        client._sender = FakeSender(self)
        return client._sender

    def make_client(self, **kwargs: Any) -> TelegramClient:
        """A real ``TelegramClient`` (``MemorySession``, dummy api id/hash) wired to this server."""
        client = TelegramClient(MemorySession(), API_ID, API_HASH, **kwargs)
        self.install(client)
        return client

    # -- accounting ---------------------------------------------------------------------------

    def records(
        self, name: str | type | None = None, *, outcome: str | None = None
    ) -> list[RequestRecord]:
        """Logged requests, optionally only of one type (short or dotted name, or class)."""
        return [
            r
            for r in self.requests
            if _name_matches(name, r.name) and (outcome is None or r.outcome == outcome)
        ]

    def count(self, name: str | type | None = None, *, outcome: str | None = None) -> int:
        return len(self.records(name, outcome=outcome))

    def history_params(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every GetHistory request (optionally for one channel)."""
        return [
            r.params
            for r in self.records(functions.messages.GetHistoryRequest)
            if channel_id is None or r.params["channel_id"] == channel_id
        ]

    # -- fault injection ----------------------------------------------------------------------

    def fail(
        self,
        request: str | type | None,
        code: int,
        message: str | None,
        *,
        at: int = 1,
        times: int = 1,
    ) -> Fault:
        """Schedule an arbitrary RPC error (or, with ``message=None``, a dropped connection)."""
        fault = Fault(request, code, message, at=at, times=times)
        self.faults.append(fault)
        return fault

    def flood(
        self, request: str | type | None, seconds: int, *, at: int = 1, times: int = 1
    ) -> Fault:
        """``FLOOD_WAIT_<seconds>`` → ``telethon.errors.FloodWaitError``."""
        return self.fail(request, 420, f"FLOOD_WAIT_{seconds}", at=at, times=times)

    def server_error(
        self, request: str | type | None = None, *, at: int = 1, times: int = 1
    ) -> Fault:
        """RPC 500 ``INTERNAL`` → ``telethon.errors.ServerError`` (Telethon retries it)."""
        return self.fail(request, 500, "INTERNAL", at=at, times=times)

    def drop_connection(self, request: str | type | None = None, *, at: int = 1) -> Fault:
        """The connection dies: the pending request fails with ``ConnectionError`` and the
        sender stays disconnected (later sends raise) until ``client.connect()``."""
        return self.fail(request, 0, None, at=at)

    # -- the server ---------------------------------------------------------------------------

    def handle(self, request: TLRequest) -> tuple[Any, BaseException | None]:
        """Answer one request: returns ``(result, None)`` or ``(None, exception)``."""
        with BinaryReader(bytes(request)) as reader:  # what the server receives
            inner = reader.tgread_object()
        wrappers: list[str] = []
        takeout_id = None
        while isinstance(inner, _WRAPPERS):
            wrappers.append(tl_name(inner))
            if isinstance(inner, functions.InvokeWithTakeoutRequest):
                takeout_id = inner.takeout_id
            inner = inner.query
        name = tl_name(inner)
        result, error, outcome = None, None, "HANDLER_CRASHED"
        try:
            fired = [f for f in self.faults if f.hit(name)]
            if fired and fired[0].message is None:
                error, outcome = (
                    ConnectionError("Connection to Telegram dropped (injected)"),
                    "CONNECTION_DROPPED",
                )
            elif fired:
                raise RpcFault(fired[0].code, fired[0].message)
            else:
                handler = self._handlers.get(type(inner))
                if handler is None:
                    outcome = "NOT_IMPLEMENTED"
                    raise NotImplementedError(
                        f"FakeTelegram does not answer {name}; add a handler in "
                        "tests/telegram_fake.py if the code under test needs it"
                    )
                if takeout_id is not None and takeout_id not in self.takeouts:
                    raise RpcFault(400, "TAKEOUT_INVALID")
                result, outcome = wire(handler(inner, takeout_id), request), "ok"
        except RpcFault as fault:
            error, outcome = rpc_error(fault.code, fault.message, request), fault.message
        finally:
            self.requests.append(RequestRecord(name, inner, tuple(wrappers), takeout_id, outcome))
        return result, error

    def _channel(self, peer: Any, *, readable: bool) -> FakeChannel:
        if isinstance(peer, (types.InputChannel, types.InputPeerChannel)):
            channel = self.channels.get(peer.channel_id)
            if channel is None or channel.access_hash != peer.access_hash:
                raise RpcFault(400, "CHANNEL_INVALID")
            if readable and channel.access_error:
                raise RpcFault(400, channel.access_error)
            return channel
        if isinstance(peer, (types.InputChannelEmpty, types.InputPeerEmpty)):
            raise RpcFault(400, "CHANNEL_INVALID")
        raise NotImplementedError(f"FakeTelegram only serves channels, not {tl_name(peer)}")

    def _chats(self, channel: FakeChannel, messages: Iterable[Any]) -> list[Any]:
        """The channel plus every known channel a forward header points to."""
        chats = {channel.id: channel.to_tl()}
        for message in messages:
            source = getattr(getattr(message, "fwd_from", None), "from_id", None)
            if isinstance(source, types.PeerChannel) and source.channel_id in self.channels:
                chats.setdefault(source.channel_id, self.channels[source.channel_id].to_tl())
        return list(chats.values())

    def _resolve_username(self, request: Any, _takeout: int | None) -> Any:
        if not _USERNAME_RE.match(request.username):
            raise RpcFault(400, "USERNAME_INVALID")
        wanted = request.username.lower()
        channel = next(
            (c for c in self.channels.values() if (c.username or "").lower() == wanted), None
        )
        if channel is None:
            raise RpcFault(400, "USERNAME_NOT_OCCUPIED")
        if channel.resolve_error:
            raise RpcFault(400, channel.resolve_error)
        return types.contacts.ResolvedPeer(
            peer=types.PeerChannel(channel.id), chats=[channel.to_tl()], users=[]
        )

    def _get_channels(self, request: Any, _takeout: int | None) -> Any:
        return types.messages.Chats(
            chats=[self._channel(c, readable=False).to_tl() for c in request.id]
        )

    def _get_full_channel(self, request: Any, _takeout: int | None) -> Any:
        channel = self._channel(request.channel, readable=True)
        top = max(channel.messages, default=0)
        full = types.ChannelFull(
            id=channel.id,
            about=channel.about,
            read_inbox_max_id=top,
            read_outbox_max_id=top,
            unread_count=0,
            chat_photo=types.PhotoEmpty(0),
            notify_settings=types.PeerNotifySettings(),
            bot_info=[],
            pts=channel.pts,
            participants_count=channel.participants_count,
        )
        return types.messages.ChatFull(full_chat=full, chats=[channel.to_tl()], users=[])

    def _get_history(self, request: Any, _takeout: int | None) -> Any:
        """Telegram's documented paging (core.telegram.org/api/offsets): newest first; the
        anchor is the first message with id < ``offset_id`` (else date < ``offset_date``, else
        the newest); the slice is ``[anchor + add_offset, … + limit)`` clipped at 0 (limit 0
        means 20, at most 100); only *then* are ``min_id``/``max_id`` (exclusive) applied."""
        if not isinstance(request.peer, types.InputPeerChannel):
            raise NotImplementedError(
                f"FakeTelegram only serves channels, not {tl_name(request.peer)}"
            )
        channel = self._channel(request.peer, readable=True)
        history = [m for _, m in sorted(channel.messages.items(), reverse=True)]
        offset_ts = request.offset_date.timestamp() if request.offset_date else 0
        if request.offset_id:
            anchor = next(
                (i for i, m in enumerate(history) if m.id < request.offset_id), len(history)
            )
        elif offset_ts > 0:
            anchor = next(
                (i for i, m in enumerate(history) if m.date.timestamp() < offset_ts), len(history)
            )
        else:
            anchor = 0
        start = anchor + request.add_offset
        limit = min(request.limit, MAX_LIMIT) if request.limit > 0 else DEFAULT_LIMIT
        page = [
            m
            for m in history[max(start, 0) : max(start + limit, 0)]
            if m.id > request.min_id and (request.max_id <= 0 or m.id < request.max_id)
        ]
        positioned = self.reports_positions and (request.offset_id or offset_ts > 0)
        return types.messages.ChannelMessages(
            pts=channel.pts,
            count=len(channel.messages),
            offset_id_offset=max(start, 0) if positioned and page else None,
            messages=page,
            topics=[],
            chats=self._chats(channel, page),
            users=[],
        )

    def _get_messages(self, request: Any, _takeout: int | None) -> Any:
        channel = self._channel(request.channel, readable=True)
        if not request.id:
            raise RpcFault(400, "MESSAGE_IDS_EMPTY")
        if len(request.id) > MAX_LIMIT:
            raise RpcFault(400, "LIMIT_INVALID")
        found = []
        for wanted in request.id:
            if not isinstance(wanted, types.InputMessageID):
                raise NotImplementedError(
                    f"FakeTelegram only looks messages up by id, not {tl_name(wanted)}"
                )
            found.append(channel.messages.get(wanted.id) or types.MessageEmpty(wanted.id, None))
        return types.messages.ChannelMessages(
            pts=channel.pts,
            count=len(found),
            messages=found,
            topics=[],
            chats=self._chats(channel, found),
            users=[],
        )

    def _get_views(self, request: Any, _takeout: int | None) -> Any:
        channel = self._channel(request.peer, readable=True)
        views = []
        for msg_id in request.id:
            message = channel.messages.get(msg_id)
            views.append(
                types.MessageViews(
                    views=message.views, forwards=message.forwards, replies=message.replies
                )
                if isinstance(message, types.Message)
                else types.MessageViews()
            )
        return types.messages.MessageViews(views=views, chats=[channel.to_tl()], users=[])

    def _init_takeout(self, request: Any, _takeout: int | None) -> Any:
        takeout_id, self._next_takeout = self._next_takeout, self._next_takeout + 1
        self.takeouts.add(takeout_id)
        return types.account.Takeout(id=takeout_id)

    def _finish_takeout(self, request: Any, takeout_id: int | None) -> bool:
        self.takeouts.discard(takeout_id)  # type: ignore[arg-type]
        return True

    def _get_users(self, request: Any, _takeout: int | None) -> list[Any]:
        return [
            self.me
            if isinstance(u, types.InputUserSelf)
            else types.UserEmpty(getattr(u, "user_id", 0))
            for u in request.id
        ]


# -- virtual time -----------------------------------------------------------------------------


class _Shadow:
    """A module stand-in overriding a few attributes and delegating the rest."""

    def __init__(self, real: Any, **overrides: Any) -> None:
        self._real = real
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class VirtualClock:
    """Virtual ``time.time``/``asyncio.sleep`` for the Telethon code that waits:
    ``telethon.client.users`` (``_call``: flood waits, 2 s back-off after RPC 5xx,
    ``_flood_waited_requests`` deadlines) and ``telethon.requestiter`` (the
    ``wait_time`` pause between ``iter_messages`` chunks).  Sleeps return at once,
    advance :attr:`now` and are recorded in :attr:`sleeps`."""

    PATCHED_MODULES = ("telethon.client.users", "telethon.requestiter")

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, delay: float, result: Any = None) -> Any:
        delay = max(float(delay), 0.0)
        if delay:
            self.sleeps.append(delay)
            self.now += delay
        await _REAL_SLEEP(0)
        return result

    @contextlib.contextmanager
    def installed(self) -> Iterator[VirtualClock]:
        """Patch the module-level ``time``/``asyncio`` names Telethon uses, then restore."""
        saved = []
        for module_name in self.PATCHED_MODULES:
            module = importlib.import_module(module_name)
            saved.append((module, module.time, module.asyncio))
            module.time = _Shadow(module.time, time=self.time)
            module.asyncio = _Shadow(module.asyncio, sleep=self.sleep)
        try:
            yield self
        finally:
            for module, real_time, real_asyncio in reversed(saved):
                module.time, module.asyncio = real_time, real_asyncio


@pytest.fixture
def virtual_clock() -> Iterator[VirtualClock]:
    """Pytest fixture: a :class:`VirtualClock` installed for the test's duration."""
    with VirtualClock().installed() as clock:
        yield clock
