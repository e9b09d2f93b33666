"""``amplify login``, ``amplify collect`` and ``amplify refresh`` from the command line.

End-to-end runs replace only ``collectors.telegram.make_client`` with the fake's client:
a real ``TelegramClient`` whose network is the fake server.
"""

from __future__ import annotations

import asyncio
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import collectors.telegram as telegram
from amplify.cli import cli
from amplify.cli.collect import _progress
from amplify.config import Credentials
from amplify.store import Store
from collectors.telegram import collect, refresh
from tests.collect_support import NOW, at, fixed, linear_channel, stored_ids
from tests.telegram_builders import make_channel
from tests.telegram_fake import FakeTelegram

HASH = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean directory: no config.yaml, no .env, no credentials in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("TG_API_ID", "TG_API_HASH", "AMPLIFY_CONFIG", "AMPLIFY_DB"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def fake(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    """Credentials set and ``make_client`` answering with a client of this fake."""
    server = FakeTelegram([linear_channel(1001, "alpha_news", 150), make_channel(9, "quiet_chan")])
    monkeypatch.setenv("TG_API_ID", "12345")
    monkeypatch.setenv("TG_API_HASH", HASH)
    monkeypatch.setattr(telegram, "make_client", lambda credentials, path: server.make_client())
    return server


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={})


def test_collect_help_documents_every_option() -> None:
    result = run("collect", "--help")
    assert result.exit_code == 0
    for option in (
        "--since",
        "--until",
        "--snowball",
        "--min-references",
        "--min-subscribers",
        "--full",
        "--takeout",
        "--flood-threshold",
        "--session",
        "--db",
        "--config",
        "Exit codes",
    ):
        assert option in result.output, option
    assert "--max-age" in run("refresh", "--help").output
    assert "--session" in run("login", "--help").output


@pytest.mark.parametrize("command", [["collect", "alpha_news"], ["refresh"], ["login"]])
def test_missing_credentials_is_one_line_and_exit_2(workdir: Path, command: list[str]) -> None:
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "TG_API_ID and TG_API_HASH" in result.output
    assert not list(workdir.rglob("*.session"))


def test_usage_mistakes_exit_2(workdir: Path) -> None:
    late = run("collect", "x_chan", "--since", "2023-11-01", "--until", "2023-10-01")
    assert late.exit_code == 2 and "must be before --until" in late.output
    assert run("collect", "--since", "yesterday").exit_code == 2
    nothing = run("collect")
    assert nothing.exit_code == 2 and "no channels to collect" in nothing.output
    assert run("refresh", "--max-age", "7 days").exit_code == 2


def test_collect_end_to_end(fake: FakeTelegram, workdir: Path) -> None:
    db = str(workdir / "a.sqlite")
    result = run("collect", "alpha_news", "nosuchchannel", "--db", db)
    assert result.exit_code == 3, result.output
    assert "@alpha_news" in result.output and "no channel @nosuchchannel" in result.output
    assert stored_ids(Store(db), 1001) == list(range(1, 151))
    again = run("collect", "alpha_news", "--db", db)
    assert again.exit_code == 0 and "0 new posts" in again.output
    assert fake.count("ResolveUsernameRequest") == 2  # alpha once, the unknown name once


def test_collect_reads_channels_and_settings_from_config(fake: FakeTelegram, workdir) -> None:
    (workdir / "config.yaml").write_text(
        "database: data/x.sqlite\nchannels: [alpha_news]\n"
        "collection: {since: 2023-10-20T10:00:00, flood_sleep_threshold: 5}\n"
    )
    fake.flood("GetHistoryRequest", 30, at=2)
    result = run("collect")
    assert result.exit_code == 3 and "retry after" in result.output
    assert stored_ids(Store(workdir / "data" / "x.sqlite"), 1001) == list(range(60, 151))
    assert "deferred by flood waits: @alpha_news" in result.output


def test_not_signed_in(fake: FakeTelegram, workdir: Path) -> None:
    fake.fail("GetStateRequest", 401, "AUTH_KEY_UNREGISTERED")
    result = run("collect", "alpha_news", "--db", str(workdir / "a.sqlite"))
    assert result.exit_code == 2 and result.output == (
        "error: not signed in to Telegram: run 'amplify login' first\n"
    )


def test_collect_with_takeout(fake: FakeTelegram, workdir: Path) -> None:
    result = run("collect", "alpha_news", "--takeout", "--db", str(workdir / "a.sqlite"))
    assert result.exit_code == 0, result.output
    assert fake.count("InitTakeoutSessionRequest") == 1
    assert fake.records("GetHistoryRequest")[0].wrappers[-1] == "InvokeWithTakeoutRequest"


def test_refresh_end_to_end(fake: FakeTelegram, workdir: Path) -> None:
    db = workdir / "a.sqlite"
    store = Store(db)
    asyncio.run(collect(fake.make_client(), store, ["alpha_news"], now=fixed(at(150))))
    result = run("refresh", "--max-age", "5200w", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "@alpha_news: done" in result.output


@pytest.mark.asyncio
async def test_refresh_appends_post_stats(tmp_path: Path) -> None:
    channel = linear_channel(1001, "alpha_news", 250)
    fake = FakeTelegram([channel])
    store = Store(tmp_path / "a.sqlite")
    await collect(fake.make_client(), store, ["alpha_news"], now=fixed(at(250)))
    for message in channel.messages.values():
        message.views *= 10
    del channel.messages[250]  # deleted since
    fake.requests.clear()
    later = at(250) + timedelta(hours=1)
    report = await refresh(
        fake.make_client(), store, max_age=timedelta(minutes=240), now=fixed(later)
    )
    result = report.channels[0]
    assert (result.refreshed, result.missing, report.exit_code) == (180, 1, 0)
    assert fake.count("GetMessagesRequest") == 2  # 181 ids, 100 per request
    stats = store.post_stats_frame()
    assert len(stats) == 250 + 180
    assert list(stats.loc[stats.message_id == 249, "views"]) == [349, 3490]
    post = store.posts_frame().set_index("message_id").loc[249]
    assert (post.views, post.collected_at) == (3490, later)
    assert store.runs_frame().kind.tolist() == ["collect", "refresh"]


@pytest.mark.asyncio
async def test_refresh_needs_a_cached_channel(tmp_path: Path) -> None:
    from tests.factories import T0, channel, post

    store = Store(tmp_path / "a.sqlite")
    store.save_channels([channel(77, "imported_chan")])
    store.save_posts([post(77, 1, collected_at=NOW)])
    report = await refresh(FakeTelegram([]).make_client(), store, now=fixed(T0 + timedelta(1)))
    assert report.channels[0].reason.startswith("no access hash stored")
    assert report.exit_code == 1 and "1 channels, 0 posts refreshed" in report.summary_lines()


def test_make_client_creates_a_private_session_file(tmp_path: Path) -> None:
    credentials = Credentials(api_id=1, api_hash=HASH)
    before = os.umask(0o022)
    client = telegram.make_client(credentials, tmp_path / "data" / "amplify")
    assert os.umask(before) == 0o022  # restored
    session = tmp_path / "data" / "amplify.session"
    assert session.exists() and stat.S_IMODE(session.stat().st_mode) == 0o600
    assert client.flood_sleep_threshold == 0
    client.session.close()
    other = tmp_path / "x.session"
    telegram.make_client(credentials, other).session.close()
    assert stat.S_IMODE(other.stat().st_mode) == 0o600
    assert not (tmp_path / "x.session.session").exists()


def test_progress_listener_draws_without_errors() -> None:
    with _progress(quiet=False) as listener:
        listener.channel_started("@a")
        listener.page_saved("@a", 100, 100)
        listener.waiting("@a", 5, "GetHistoryRequest")
        listener.waiting("@a", 0, "GetHistoryRequest")
        listener.channel_finished(telegram.ChannelResult("@a"))
        listener.channel_finished(telegram.ChannelResult("@never_started", status="failed"))
        assert len(listener.progress.tasks) == 2
