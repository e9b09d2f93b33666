"""Telegram Desktop exports: the real fixture, the field mapping, refusing damaged files."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from amplify.errors import InputError
from amplify.records import Channel, PostLink
from amplify.store import Store
from collectors.desktop_export import iter_export, read_export
from collectors.importing import ImportSummary, import_file
from tests.factories import channel, post
from tests.test_store import snapshot

# The real export lives in the project's shared/ folder, beside the checkout (CI has it too).
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "fixtures"
    / "telegram-desktop"
    / "public_channel_export.json"
)
RAW = FIXTURE.read_bytes()
CHANNEL_ID = 2447843635
TITLE = "ГУЗЕЛЬСКИЕ ПЕРЕЗАЛИВЫ"
NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def fixture_data() -> dict:
    return json.loads(RAW)


def as_file(data: dict | bytes) -> Callable[[Path], Path]:
    """A builder writing ``data`` (a dict as JSON, bytes as they are) to tmp/result.json."""

    def build(tmp_path: Path) -> Path:
        path = tmp_path / "result.json"
        raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
        path.write_bytes(raw)
        return path

    return build


def mutated(change: Callable[[dict], object]) -> dict:
    data = fixture_data()
    change(data)
    return data


def _set(data: dict, path: tuple, value: object) -> None:
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()


def changed(path: tuple, value: object) -> dict:
    return mutated(lambda data: _set(data, path, value))


_NAME_CUT = RAW.index("ГУ".encode()) + 1  # inside the two bytes of "Г"
_BAD_BYTE = RAW.index("Пила".encode())
ACCOUNT = {"about": "Here is the data you requested.", "personal_information": {"user_id": 1}}

# (case id, builder, the exact fragment the error message must contain)
MALFORMED: list[tuple[str, Callable[[Path], Path], str]] = [
    ("empty", as_file(b""), "result.json: empty file, not a Telegram Desktop export"),
    ("blank", as_file(b" \n\t\n"), "empty file"),
    ("html", as_file(b"<!DOCTYPE html><html></html>"), "not JSON (an HTML export?"),
    ("text", as_file(b"hello world"), "result.json: not JSON; export a channel"),
    ("list", as_file(b"[1, 2, 3]"), "a JSON list, not a Telegram Desktop export"),
    ("number", as_file(b"42\n"), "the value 42, not a Telegram Desktop export"),
    ("other-json", as_file({"foo": 1}), 'not a Telegram Desktop export (no "messages" list)'),
    ("account", as_file(ACCOUNT), 'a whole-account export (it has "personal_information")'),
    ("personal", as_file(changed(("type",), "personal_chat")), "an export of a personal chat"),
    ("group", as_file(changed(("type",), "public_supergroup")), '("type": "public_supergroup")'),
    ("saved", as_file(changed(("type",), "saved_messages")), 'a "saved_messages" chat'),
    ("no-type", as_file(changed(("type",), _DELETE)), 'no "type" and "id" before "messages"'),
    ("id-string", as_file(changed(("id",), "abc")), '"id" must be a whole number, got "abc"'),
    ("id-huge", as_file(changed(("id",), 2**63)), '"id" 9223372036854775808 is not a channel id'),
    ("messages-object", as_file(changed(("messages",), {})), '"messages" must be a list, got an'),
    (
        "message-number",
        as_file(changed(("messages", 1), 5)),
        "messages[1] must be an object, got 5",
    ),
    (
        "message-id-huge",
        as_file(changed(("messages", 2, "id"), 2**64)),
        'messages[2]: "id" must be a positive 64-bit whole number, got 18446744073709551616',
    ),
    (
        "message-id-bool",
        as_file(changed(("messages", 0, "id"), True)),
        'messages[0]: "id" must be a positive 64-bit whole number, got true',
    ),
    (
        "date-abc",
        as_file(changed(("messages", 2, "date_unixtime"), "abc")),
        'message 3856: "date_unixtime" must be a number (Unix time), got "abc"',
    ),
    (
        "date-missing",
        as_file(changed(("messages", 0, "date_unixtime"), _DELETE)),
        'message 3854: no "date_unixtime"',
    ),
    (
        "date-huge",
        as_file(changed(("messages", 0, "edited_unixtime"), str(2**70))),
        'message 3854: "edited_unixtime" must be a Unix time between 1970 and 2106',
    ),
    (
        "text-number",
        as_file(changed(("messages", 1, "text"), 5)),
        'message 3855: "text" must be a string or a list of strings and entities, got 5',
    ),
    (
        "entity-without-text",
        as_file(changed(("messages", 0, "text", 1), {"type": "bold"})),
        'message 3854: "text" must be a list of strings and {"type", "text"} entities',
    ),
    (
        "reaction-count-string",
        as_file(changed(("messages", 0, "reactions", 0, "count"), "4")),
        'message 3854: "reactions" must be a list of',
    ),
    (
        "file-size-negative",
        as_file(changed(("messages", 1, "file_size"), -1)),
        'message 3855: "file_size" must be a whole number ≥ 0 (64-bit), got -1',
    ),
    (
        "trailing",
        as_file(RAW + b'\n{"more": 1}\n'),
        f"not valid JSON between bytes 0 and {len(RAW) + 13}, after message 3856 (parse error",
    ),
    (
        "not-utf8",
        as_file(RAW[:_BAD_BYTE] + b"\xff" + RAW[_BAD_BYTE + 1 :]),
        f"not UTF-8 text (byte 0xff at byte {_BAD_BYTE})",
    ),
    ("utf16", as_file(RAW.decode().encode("utf-16")), "not UTF-8 text (byte 0xff at byte 0)"),
    ("cut-mid-char", as_file(RAW[:_NAME_CUT]), f"truncated at byte {_NAME_CUT} (incomplete JSON)"),
] + [
    (f"truncated-{cut}", as_file(RAW[:cut]), f"truncated at byte {cut} (incomplete JSON)")
    for cut in (1, 60, 1000, len(RAW) // 2, len(RAW) - 2)
]


def test_the_real_fixture_reads_exactly() -> None:
    contents = read_export(FIXTURE, collected_at=NOW)
    assert contents.channel == Channel(CHANNEL_ID, title=TITLE, broadcast=True)
    assert [p.message_id for p in contents.posts] == [3854, 3855, 3856]
    tally = contents.tally
    assert (tally.posts, tally.service, tally.unsupported, tally.forwards, tally.media) == (
        3,
        0,
        0,
        0,
        3,
    )
    first, second, third = contents.posts
    # Entities flattened: custom emoji keep their emoji, text_links their anchor text.
    assert first.text == "Пила 3D (2010)\n🤪 - 6/10\n\n📹 ТВИЧ | 💳 БУСТИ | 💬 ТЕЛЕГА\n\n#КиноСтрим"
    # date_unixtime 1781699041 is 12:24:01 UTC; the local "date" 16:24:01 (UTC+4) is ignored.
    assert first.date == datetime(2026, 6, 17, 12, 24, 1, tzinfo=UTC)
    assert first.edit_date == datetime(2026, 6, 17, 12, 29, 24, tzinfo=UTC)
    assert (first.media_kind, first.media_size, first.media_id) == ("photo", 198074, None)
    assert first.reactions == {"🔥": 4} and first.reactions_total == 4
    assert first.links == ()  # its only t.me link (t.me/papapachuca) is a channel, not a post
    assert (first.views, first.forwards, first.replies, first.grouped_id) == (None,) * 4
    assert (first.fwd_name, first.fwd_channel_id, first.post_author) == (None, None, None)
    assert first.collected_at == NOW
    # the export's media_type "video_file" is recorded as the collector's "video"
    assert (second.text, second.media_kind, second.media_size, second.media_duration) == (
        "",
        "video",
        2003698620,
        2748.0,
    )
    assert second.reactions is None and second.reactions_total is None
    assert (third.media_kind, third.media_size, third.media_duration) == (
        "video",
        1835393495,
        3023.0,
    )
    assert contents.caveats == [
        "views, forwards and replies: a Telegram Desktop export has no counters; they stay "
        "NULL (collect the channel through the API for view counts)",
        "channel @username: an export names the channel by title only; links to it by "
        "username resolve once the channel is collected through the API",
        "media: an export has file paths, not Telegram photo/document ids; media_id and "
        "grouped_id (albums) stay NULL, so re-posted media is not matched",
    ]


def richer_export() -> dict:
    """The fixture plus a service message, forwards, hidden links and more media kinds."""
    data = fixture_data()
    day = "1697792400"  # 2023-10-20 09:00:00 UTC
    data["messages"][:0] = [
        {"id": 1, "type": "service", "date_unixtime": day, "action": "create_channel"},
        {"id": 2, "type": "unsupported"},
    ]
    data["messages"] += [
        {
            "id": 3857,
            "type": "message",
            "date_unixtime": day,
            "author": "Редактор",
            "forwarded_from": "Asia Today",
            "text": [
                "Смотрите ",
                {"type": "text_link", "text": "тут", "href": "https://t.me/AsiaToday/100"},
                " и t.me/s/rybar/55, канал ",
                {"type": "link", "text": "https://t.me/+AbCdEf"},
            ],
            "reactions": [
                {"type": "emoji", "count": 3, "emoji": "👍"},
                {"type": "custom_emoji", "count": 2, "document_id": "5368324170671202286"},
                {"type": "paid", "count": 1},
            ],
        },
        {
            "id": 3858,
            "type": "message",
            "date_unixtime": 1697792460,
            "forwarded_from": None,
            "forwarded_from_id": "channel1001",
            "file": "files/report.pdf",
            "file_size": 1234,
            "text": "tg://resolve?domain=sladkov_plus&post=7",
        },
        {"id": 3859, "type": "message", "date_unixtime": day, "poll": {"question": "?"}},
    ]
    return data


def test_entities_forwards_service_messages_and_media_kinds(tmp_path: Path) -> None:
    contents = read_export(as_file(richer_export())(tmp_path), collected_at=NOW)
    tally = contents.tally
    assert (tally.posts, tally.service, tally.unsupported, tally.forwards) == (6, 1, 1, 2)
    by_id = {p.message_id: p for p in contents.posts}
    forward = by_id[3857]
    assert forward.text == "Смотрите тут и t.me/s/rybar/55, канал https://t.me/+AbCdEf"
    assert forward.links == (PostLink("rybar", None, 55), PostLink("asiatoday", None, 100))
    assert forward.fwd_name == "Asia Today" and forward.post_author == "Редактор"
    assert (forward.fwd_channel_id, forward.fwd_message_id, forward.fwd_date) == (None,) * 3
    assert forward.date == datetime(2023, 10, 20, 9, 0, tzinfo=UTC)
    assert forward.reactions == {"👍": 3, "5368324170671202286": 2, "paid": 1}
    assert forward.reactions_total == 6 and forward.media_kind is None
    hidden = by_id[3858]
    assert (hidden.fwd_name, hidden.fwd_channel_id) == (None, 1001)
    assert (hidden.media_kind, hidden.media_size) == ("document", 1234)
    assert hidden.links == (PostLink("sladkov_plus", None, 7),)
    assert by_id[3859].media_kind == "poll" and by_id[3859].text is None
    assert any(c.startswith("forwards: an export names only") for c in contents.caveats)


def test_a_marked_bot_api_id_and_a_bom_are_accepted(tmp_path: Path) -> None:
    data = changed(("id",), -1002447843635)
    path = tmp_path / "result.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode())
    assert read_export(path).channel.channel_id == CHANNEL_ID


def test_import_saves_the_fixture(store: Store) -> None:
    summary = import_file(store, FIXTURE, collected_at=NOW)
    assert (summary.format, summary.posts_new, summary.posts_updated, summary.links) == (
        "telegram-desktop",
        3,
        0,
        0,
    )
    assert summary.channels == [(CHANNEL_ID, TITLE)]
    assert summary.skipped == {"service": 0, "unsupported": 0}
    assert summary.caveats == read_export(FIXTURE).caveats
    posts = store.posts_frame()
    assert list(posts["message_id"]) == [3854, 3855, 3856]
    assert posts["views"].isna().all() and posts["media_id"].isna().all()
    assert posts["date"].iloc[0] == datetime(2026, 6, 17, 12, 24, 1, tzinfo=UTC)
    assert set(posts["run_id"]) == {summary.run_id}
    channels = store.channels_frame()
    assert channels.loc[0, "title"] == TITLE and channels.loc[0, "username"] is None
    run = store.runs_frame().iloc[0]
    assert (run.kind, run.status, run.counts["posts_new"]) == ("import", "done", 3)
    assert run.parameters["sha256"] == summary.sha256
    assert run.parameters["caveats"] == summary.caveats


def test_importing_the_same_export_again_changes_nothing(store: Store, tmp_path: Path) -> None:
    first = import_file(store, FIXTURE)
    before = snapshot(store)
    copy = as_file(RAW)(tmp_path)  # same content under another name
    again = import_file(store, copy)
    assert again.already_imported == first.run_id and again.run_id is None
    assert "already imported in run" in again.line()
    assert snapshot(store) == before
    forced = import_file(store, copy, force=True)
    assert (forced.posts_new, forced.posts_updated) == (0, 3)
    after = snapshot(store)
    assert after["post_links"] == before["post_links"]
    assert after["channel_stats"] == before["channel_stats"]
    assert len(after["runs"]) == 2 and len(after["posts"]) == 3


@pytest.mark.parametrize(
    ("build", "fragment"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_a_damaged_export_is_refused_and_nothing_is_written(
    store: Store, tmp_path: Path, build: Callable[[Path], Path], fragment: str
) -> None:
    store.save_channels([channel(1, "AsiaToday")])
    store.save_posts([post(1, 100, text="Центр НАТО"), post(1, 101, views=5)])
    import_file(store, FIXTURE)
    before = snapshot(store)
    path = build(tmp_path)
    with pytest.raises(InputError) as raised:
        import_file(store, path, batch_size=1)  # batches are written before the damage is met
    message = str(raised.value)
    assert fragment in message and message.startswith(str(path))
    assert "\n" not in message
    assert snapshot(store) == before


def test_records_stream_before_the_damage_is_met(tmp_path: Path) -> None:
    path = as_file(RAW[: len(RAW) - 2])(tmp_path)
    seen = []
    with pytest.raises(InputError, match="truncated"):
        for record in iter_export(path):
            seen.append(record)
    assert len(seen) == 4  # the channel and three posts: only a transaction makes it atomic


def traced_import(store: Store, path: Path) -> tuple[ImportSummary, int]:
    """Import `path` into `store`: its summary and the peak of traced Python memory."""
    tracemalloc.start()
    try:
        summary = import_file(store, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return summary, peak


def write_big_export(path: Path, messages: int) -> None:
    """A synthetic channel export, written message by message (never held in memory)."""
    body = "Сообщение про центр НАТО в Казахстане, со ссылкой и длинным комментарием. " * 12
    with path.open("w", encoding="utf-8") as file:
        file.write('{\n "name": "Большой канал",\n "type": "public_channel",\n "id": 1790216493,')
        file.write('\n "messages": [')
        for i in range(1, messages + 1):
            message = {
                "id": i,
                "type": "message" if i % 50 else "service",
                "date": "2023-10-20T12:00:00",
                "date_unixtime": str(1697792400 + 30 * i),
                "from": "Большой канал",
                "from_id": "channel1790216493",
                "text": [
                    f"{i}: {body}",
                    {
                        "type": "text_link",
                        "text": "источник",
                        "href": f"https://t.me/AsiaToday/{i}",
                    },
                ],
                "text_entities": [{"type": "plain", "text": body}],
            }
            if i % 7 == 0:
                message.update(photo=f"photos/photo_{i}.jpg", photo_file_size=1000 + i)
            file.write(("\n  " if i == 1 else ",\n  ") + json.dumps(message, ensure_ascii=False))
        file.write("\n ]\n}\n")


def test_a_big_export_imports_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    messages = 17_500
    write_big_export(path, messages)
    size = path.stat().st_size
    assert size > 60_000_000
    posts = messages - messages // 50
    store = Store(tmp_path / "big.sqlite")
    summary, peak = traced_import(store, path)
    assert (summary.posts_new, summary.skipped["service"], summary.links) == (
        posts,
        messages // 50,
        posts,
    )
    assert peak < size / 3, f"peak {peak:,} bytes for a {size:,}-byte export"
    print(f"\npeak traced memory {peak / 1e6:.1f} MB importing a {size / 1e6:.1f} MB export")
    assert store.counts()["posts"] == posts
    store.close()


@pytest.mark.parametrize(
    ("media_type", "kind"),
    [
        ("video_file", "video"),
        ("video_message", "video"),
        ("voice_message", "voice"),
        ("audio_file", "audio"),
        ("animation", "animation"),
        ("sticker", "sticker"),
        ("some_future_type", "some_future_type"),  # kept as Telegram Desktop names it
    ],
)
def test_desktop_media_types_are_recorded_in_the_collectors_words(
    tmp_path: Path, media_type: str, kind: str
) -> None:
    def change(data: dict) -> None:
        message = next(m for m in data["messages"] if "media_type" in m)
        message["media_type"] = media_type

    path = as_file(mutated(change))(tmp_path)
    posts = read_export(path, collected_at=NOW).posts
    assert [p.media_kind for p in posts if p.media_size == 2003698620] == [kind]
