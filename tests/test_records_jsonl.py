"""amplify JSON Lines: round trips, derived links, and errors that name the line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from amplify.errors import InputError
from amplify.records import Channel, ChannelStats, Post, PostLink
from amplify.store import Store
from collectors.importing import detect_format, import_file
from collectors.records_jsonl import iter_jsonl, read_jsonl, write_jsonl
from tests.factories import T0, channel, link, post
from tests.test_desktop_export import FIXTURE
from tests.test_store import snapshot

COLLECTED = T0 + timedelta(days=1)


def sample_records() -> list[Channel | ChannelStats | Post]:
    return [
        channel(1, "AsiaToday", about="news", verified=False),
        channel(2, "sladkov_plus", title="Сладков+"),
        Channel(3),
        ChannelStats(1, COLLECTED, 100_000),
        ChannelStats(2, COLLECTED, None),
        post(
            1,
            100,
            text="Центр НАТО в Казахстане",
            views=87_000,
            forwards=600,
            reactions_total=120,
            reactions={"👍": 100, "5368324170671202286": 20},
            media_kind="video",
            media_id=-5_555_555_555,
            media_size=10_000,
            media_duration=31.5,
            grouped_id=13_000_000_000_000_000,
            edit_date=T0 + timedelta(minutes=3),
        ),
        post(
            2,
            7,
            minutes=42,
            text="Смотрите https://t.me/AsiaToday/100",
            views=300_000,
            post_author="Евгений",
            fwd_channel_id=1,
            fwd_message_id=100,
            fwd_date=T0,
            fwd_name="Asia Today",
            links=[link("asiatoday", 100), link(None, 100, channel_id=1)],
        ),
        post(3, 1, minutes=90, text="✓ a post with no counters"),
    ]


def lines(*records: dict | str) -> str:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    )


GOOD_POST = {"record": "post", "channel_id": 1, "message_id": 5, "date": "2023-10-20T09:00:00Z"}


def test_write_then_read_gives_the_same_records(tmp_path: Path) -> None:
    records = sample_records()
    path = tmp_path / "demo.jsonl"
    assert write_jsonl(records, path) == len(records)
    assert read_jsonl(path) == records
    first_post = json.loads(path.read_text(encoding="utf-8").splitlines()[5])
    assert first_post["date"] == "2023-10-20T09:00:00Z" and "views" in first_post
    assert "fwd_name" not in first_post and first_post["links"] == []
    assert not (tmp_path / "demo.jsonl.part").exists()


def test_write_import_frames_equal_a_direct_save(tmp_path: Path) -> None:
    records = sample_records()
    direct = Store(tmp_path / "direct.sqlite")
    direct.save_channels([r for r in records if isinstance(r, Channel)])
    direct.save_channel_stats([r for r in records if isinstance(r, ChannelStats)])
    direct.save_posts([r for r in records if isinstance(r, Post)])
    path = tmp_path / "records.jsonl"
    write_jsonl(records, path)
    imported = Store(tmp_path / "imported.sqlite")
    summary = import_file(imported, path)
    assert (summary.format, summary.posts_new, summary.channel_stats, summary.links) == (
        "jsonl",
        3,
        2,
        2,
    )
    assert summary.caveats == []
    pd.testing.assert_frame_equal(
        direct.posts_frame().drop(columns="run_id"), imported.posts_frame().drop(columns="run_id")
    )
    for name in ("post_links_frame", "channel_stats_frame", "post_stats_frame"):
        pd.testing.assert_frame_equal(getattr(direct, name)(), getattr(imported, name)())
    provenance = ["first_seen", "last_collected"]
    pd.testing.assert_frame_equal(
        direct.channels_frame().drop(columns=provenance),
        imported.channels_frame().drop(columns=provenance),
    )
    direct.close()
    imported.close()


def test_links_come_from_the_text_unless_given(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    text = "см. https://t.me/rybar/55 и t.me/c/1790216493/77"
    path.write_text(
        lines(
            {**GOOD_POST, "text": text},
            {**GOOD_POST, "message_id": 6, "text": text, "links": []},
            {**GOOD_POST, "message_id": 7, "date": "2023-10-20T12:00:00+03:00"},
        ),
        encoding="utf-8",
    )
    derived, given, shifted = read_jsonl(path, collected_at=COLLECTED)
    assert derived.links == (PostLink("rybar", None, 55), PostLink(None, 1790216493, 77))
    assert given.links == ()
    assert shifted.date == datetime(2023, 10, 20, 9, 0, tzinfo=UTC)
    assert shifted.date.tzinfo == UTC and derived.collected_at == COLLECTED


def test_posts_without_collected_at_get_the_import_time_and_a_caveat(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(lines(GOOD_POST), encoding="utf-8")
    summary = import_file(store, path, collected_at=COLLECTED)
    assert summary.caveats == ["collected_at: posts without one were given the time of import"]
    assert store.posts_frame()["collected_at"].iloc[0] == COLLECTED


def test_the_format_is_recognised(tmp_path: Path) -> None:
    as_json = tmp_path / "records.json"
    as_json.write_text(lines(GOOD_POST), encoding="utf-8")
    odd_name = tmp_path / "records.jsonl"
    odd_name.write_text("not even json\n", encoding="utf-8")
    assert detect_format(as_json) == "jsonl"
    assert detect_format(odd_name) == "jsonl"
    assert detect_format(FIXTURE) == "telegram-desktop"


_POST = dict(GOOD_POST)
# (case id, file content, the exact fragment the error must contain)
BAD_LINES = [
    ("empty", "", "records.jsonl: empty file, no records"),
    (
        "unknown-key",
        lines(GOOD_POST, {**_POST, "viewz": 5}),
        'line 2: post record: unknown key "viewz"',
    ),
    (
        "naive-date",
        lines(GOOD_POST, {**_POST, "date": "2023-10-20T09:00:00"}),
        'line 2: post record: "date" needs a time zone (e.g. "2023-10-20T09:00:00Z"), '
        'got "2023-10-20T09:00:00"',
    ),
    ("no-record", lines({"channel_id": 1}), 'line 1: no "record" key (expected "channel"'),
    ("unknown-record", lines(GOOD_POST, {"record": "message"}), 'line 2: unknown record "message"'),
    ("a-list", lines([1, 2]), "line 1: not a JSON object"),
    ("not-json", lines(GOOD_POST, "{oops}"), "line 2: not valid JSON (key must be a string"),
    (
        "truncated",
        lines(GOOD_POST, GOOD_POST) + json.dumps(GOOD_POST)[:30],
        "line 3: incomplete JSON (EOF while parsing",
    ),
    (
        "id-beyond-64-bit",
        lines({"record": "channel", "channel_id": 2**64}),
        'line 1: channel record: "channel_id" input should be less than or equal to '
        "9223372036854775807, got 18446744073709551616",
    ),
    (
        "bool-count",
        lines({**_POST, "views": True}),
        'line 1: post record: "views" input should be a valid integer, got true',
    ),
    (
        "string-count",
        lines({**_POST, "views": "87000"}),
        'line 1: post record: "views" input should be a valid integer, got "87000"',
    ),
    (
        "missing-date",
        lines({"record": "post", "channel_id": 1, "message_id": 5}),
        'line 1: post record: missing "date"',
    ),
    (
        "link-without-target",
        lines({**_POST, "links": [{"target_message_id": 3}]}),
        "line 1: post record: links[0]: a link needs target_username or target_channel_id",
    ),
    (
        "bad-link-id",
        lines({**_POST, "links": [{"target_username": "rybar", "target_message_id": 0}]}),
        'line 1: post record: "links[0].target_message_id" input should be greater than 0',
    ),
    (
        "at-sign",
        lines({"record": "channel", "channel_id": 1, "username": "@rybar"}),
        'line 1: channel record: "username" goes without "@", got "@rybar"',
    ),
]


@pytest.mark.parametrize(
    ("content", "fragment"), [c[1:] for c in BAD_LINES], ids=[c[0] for c in BAD_LINES]
)
def test_a_bad_line_is_refused_by_number_and_nothing_is_written(
    store: Store, tmp_path: Path, content: str, fragment: str
) -> None:
    store.save_channels([channel(1, "AsiaToday")])
    store.save_posts([post(1, 100, text="Центр НАТО", views=5)])
    before = snapshot(store)
    path = tmp_path / "records.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        import_file(store, path, batch_size=1)
    assert fragment in str(raised.value) and str(raised.value).startswith(str(path))
    assert snapshot(store) == before


def test_non_utf8_bytes_name_the_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    first = lines(GOOD_POST).encode()
    path.write_bytes(first + b'{"record": "post", "text": "\xff"}\n')
    with pytest.raises(
        InputError, match=rf"line 2: not UTF-8 \(byte 0xff at byte {len(first) + 28}\)"
    ):
        list(iter_jsonl(path))


def test_offsets_other_than_utc_are_kept_as_the_same_instant(tmp_path: Path) -> None:
    path = tmp_path / "stats.jsonl"
    path.write_text(
        lines(
            {"record": "channel_stats", "channel_id": 1, "observed_at": "2023-10-21T12:00:00+03:00"}
        ),
        encoding="utf-8",
    )
    (stats,) = read_jsonl(path)
    assert stats.observed_at == datetime(2023, 10, 21, 12, tzinfo=timezone(timedelta(hours=3)))
    assert stats.observed_at.utcoffset() == timedelta(0) and stats.subscribers is None


def test_a_huge_single_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "one-line.jsonl"
    path.write_bytes(b'{"record": "post", "text": "' + b"x" * (17 << 20) + b'"}')
    with pytest.raises(InputError, match="line 1 is longer than 16 MiB; not amplify JSON Lines"):
        list(iter_jsonl(path))
