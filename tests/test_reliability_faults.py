"""Faults during collection: flood waits of every size, fault storms, a full disk, a
read-only database. Whatever happens, re-running ends at the tables of a clean run.

tests/test_collect_faults.py covers one short and one long flood wait, a server error
and dropped connections; here every size of flood wait (0 s to days, on history pages
and on username resolution) and seeded storms of mixed faults are checked against the
uninterrupted result, and the store's own failures go through the real CLI.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import event

import amplify.store
import collectors.telegram as telegram
from amplify.cli import cli
from amplify.store import Store
from collectors.telegram import collect
from tests.collect_support import FloodClock, fixed, snapshot, stored_ids
from tests.telegram_fake import FakeTelegram
from tests.test_collect_faults import NAMES, three_channels
from tests.test_desktop_export import FIXTURE

SCRIPT = Path(sys.executable).parent / "amplify"

THRESHOLD = 60
FLOOD_SIZES = [0, 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 3600, 3 * 86400]


@pytest.fixture
def clock() -> Iterator[FloodClock]:
    with FloodClock().installed() as virtual:
        yield virtual


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict:
    store = Store(tmp_path_factory.mktemp("reference") / "a.sqlite")
    asyncio.run(collect(FakeTelegram(three_channels()).make_client(), store, NAMES, now=fixed()))
    tables = snapshot(store)
    store.close()
    return tables


async def until_done(fake: FakeTelegram, store: Store, clock: FloodClock) -> list[list[str]]:
    """Collect; while channels are deferred, let the virtual clock pass and re-run."""
    statuses = []
    for _ in range(4):
        report = await collect(
            fake.make_client(), store, NAMES, flood_threshold=THRESHOLD, now=fixed()
        )
        statuses.append([c.status for c in report.channels])
        if report.exit_code == 0:
            return statuses
        assert report.exit_code == 3 and {"deferred"} >= set(statuses[-1]) - {"done"}
        clock.advance((report.retry_at.timestamp() - clock.now) + 1)
    raise AssertionError(f"never finished: {statuses}")


@pytest.mark.asyncio
@pytest.mark.parametrize("seconds", FLOOD_SIZES)
@pytest.mark.parametrize(
    ("request_name", "at"), [("GetHistoryRequest", 4), ("ResolveUsernameRequest", 2)]
)
async def test_a_flood_wait_of_any_size_leaves_no_gap_and_no_duplicate(
    tmp_path: Path, clock: FloodClock, expected: dict, seconds: int, request_name: str, at: int
) -> None:
    fake = FakeTelegram(three_channels())
    fake.flood(request_name, seconds, at=at)
    store = Store(tmp_path / "a.sqlite")
    statuses = await until_done(fake, store, clock)
    assert fake.count(request_name, outcome=f"FLOOD_WAIT_{seconds}") == 1
    if seconds <= THRESHOLD:  # slept through, in this run
        assert len(statuses) == 1 and sum(clock.sleeps) == max(seconds, 1)  # 0 s: wait 1 s
    else:  # deferred without sleeping; the job went on to the end, a re-run finished
        assert len(statuses) == 2 and "deferred" in statuses[0] and clock.sleeps == []
        assert len(statuses[0]) == len(NAMES)
    assert snapshot(store) == expected
    store.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("seed", range(6))
async def test_a_seeded_storm_of_faults_ends_in_the_clean_result(
    tmp_path: Path, clock: FloodClock, expected: dict, seed: int
) -> None:
    rng = random.Random(seed)
    fake = FakeTelegram(three_channels())
    for _ in range(5):
        at, kind = rng.randint(1, 9), rng.choice(["flood", "long-flood", "500", "drop"])
        if kind == "flood":
            fake.flood("GetHistoryRequest", rng.randint(0, THRESHOLD), at=at)
        elif kind == "long-flood":
            fake.flood("GetHistoryRequest", rng.randint(THRESHOLD + 1, 7200), at=at)
        elif kind == "500":
            fake.server_error("GetHistoryRequest", at=at)
        else:
            fake.drop_connection("GetHistoryRequest", at=at)
    store = Store(tmp_path / "a.sqlite")
    for _ in range(4):  # a channel may fail after repeated drops; re-running finishes it
        report = await collect(
            fake.make_client(), store, NAMES, flood_threshold=THRESHOLD, now=fixed()
        )
        if report.exit_code == 0:
            break
        if report.retry_at is not None:
            clock.advance(max(0.0, report.retry_at.timestamp() - clock.now) + 1)
    assert report.exit_code == 0, [(c.channel, c.status, c.reason) for c in report.channels]
    assert snapshot(store) == expected
    store.close()


# -- the store fails -------------------------------------------------------------------------


@pytest.fixture
def cli_fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    monkeypatch.chdir(tmp_path)
    for name in ("AMPLIFY_CONFIG", "AMPLIFY_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TG_API_ID", "12345")
    monkeypatch.setenv("TG_API_HASH", "0123456789abcdef0123456789abcdef")
    fake = FakeTelegram(three_channels())
    monkeypatch.setattr(telegram, "make_client", lambda credentials, path: fake.make_client())
    return fake


def test_a_full_disk_is_one_clear_line_and_committed_pages_survive(
    tmp_path: Path, cli_fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, expected: dict
) -> None:
    path = tmp_path / "full.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    make_engine = amplify.store._make_engine

    def tiny_disk(url: str):
        engine = make_engine(url)

        @event.listens_for(engine, "connect")
        def _full(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count={pages + 40}")

        return engine

    monkeypatch.setattr(amplify.store, "_make_engine", tiny_disk)
    result = CliRunner().invoke(cli, ["collect", *NAMES, "--db", str(path)], obj={})
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: the disk holding sqlite:///{path} is full; free space and re-run (committed "
        "pages are kept)\n"
    )
    assert "Traceback" not in result.output
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    monkeypatch.setattr(amplify.store, "_make_engine", make_engine)
    store = Store(path)
    sizes = {1001: 250, 2002: 250, 3003: 120}
    kept = {channel_id: stored_ids(store, channel_id) for channel_id in sizes}
    assert sum(map(len, kept.values())) < sum(sizes.values())  # it did stop part-way
    for channel_id, ids in kept.items():  # whole committed pages, each with its checkpoint
        assert ids == list(range(1, len(ids) + 1))
        assert len(ids) % 100 == 0 or len(ids) == sizes[channel_id]
        if ids:
            assert store.checkpoint(channel_id).last_message_id == ids[-1]
    assert store.runs_frame()["status"].tolist() == ["failed"]
    store.close()
    again = CliRunner().invoke(cli, ["collect", *NAMES, "--db", str(path)], obj={})
    assert again.exit_code == 0, again.output
    store = Store(path)  # the CLI runs on the real clock: compare what was read, not when
    assert {c: stored_ids(store, c) for c in sizes} == {
        c: list(range(1, n + 1)) for c, n in sizes.items()
    }
    counts = store.counts()
    assert (counts["posts"], counts["post_links"]) == (
        len(expected["posts"]),
        len(expected["post_links"]),
    )
    store.close()


def test_a_read_only_database_is_one_clear_line_and_untouched(
    tmp_path: Path, cli_fake: FakeTelegram
) -> None:
    path = tmp_path / "ro.sqlite"
    Store(path).close()
    before = path.read_bytes()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = CliRunner().invoke(cli, ["collect", *NAMES, "--db", url], obj={})
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "is read-only; cannot write" in result.stderr
    assert "Check the file's permissions" in result.stderr
    assert path.read_bytes() == before


def _obeying_file_modes() -> list[str]:
    """A command prefix under which this user obeys file modes: nothing for a normal user;
    for root (CI containers), ``setpriv`` dropping the capabilities that override them."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores file modes and setpriv (util-linux) is not installed")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps, "--"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_write_protected_database_file_is_one_clear_line(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "a.sqlite"
    Store(path).close()
    before = path.read_bytes()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        done = subprocess.run(
            [*_obeying_file_modes(), SCRIPT, "import", "--db", path, FIXTURE],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    assert done.returncode in (1, 2) and done.stderr.count("\n") == 1, done.stderr
    assert "read-only" in done.stderr or "cannot open" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and path.read_bytes() == before
