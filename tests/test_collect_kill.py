"""kill -9 at a random moment, then resume: exactly the tables of an uninterrupted run.

A subprocess (tests/collect_worker.py) collects a generated corpus from the fake
Telegram (answers arrive after a real 5 ms delay) into an SQLite file with a fixed
clock. The test kills it with SIGKILL after a seeded random number of committed
pages plus a seeded random extra delay (so the kill lands before the first page,
between pages, mid-request or mid-commit), then resumes in-process and compares every
data table with those of an uninterrupted run.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amplify.store import Store
from collectors.telegram import collect
from tests.collect_support import NOW, fixed, snapshot
from tests.telegram_fake import FakeTelegram

WORKER = Path(__file__).with_name("collect_worker.py")
SPEC = {"seed": 20231020, "channels": 3, "posts_per_channel": 400, "delay": 0.005}
TRIALS = 5


def names(fake: FakeTelegram) -> list[str]:
    return [c.username for c in fake.channels.values() if c.username]


def run_in_process(db: Path, spec: dict = SPEC) -> Store:
    fake = FakeTelegram.from_spec(**{**spec, "delay": 0.0})
    store = Store(db)
    report = asyncio.run(collect(fake.make_client(), store, names(fake), now=fixed()))
    assert report.exit_code == 0
    return store


def kill_after(db: Path, pages: int, extra: float, spec: dict = SPEC) -> None:
    """Start the worker, let it commit ``pages`` pages, wait ``extra`` s, SIGKILL it."""
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), json.dumps(spec), str(db), NOW.isoformat()],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
        seen = 0
        while seen < pages:
            line = worker.stdout.readline()
            assert line.startswith("page"), f"worker ended early: {line!r}"
            seen += 1
        time.sleep(extra)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_then_resume_gives_the_uninterrupted_result(tmp_path: Path) -> None:
    expected = snapshot(run_in_process(tmp_path / "uninterrupted.sqlite"))
    total = len(expected["posts"])
    pages = total // 100 + 3  # pages the worker commits (service messages add a few)
    rng = random.Random(SPEC["seed"])
    outcomes = []
    for trial in range(TRIALS):
        db = tmp_path / f"killed-{trial}.sqlite"
        at_page, extra = rng.randrange(0, pages - 3), rng.uniform(0.0, 0.02)
        kill_after(db, at_page, extra)
        killed = Store(db)
        kept = len(killed.posts_frame(columns=["message_id"]))
        killed.close()
        assert kept < total
        resumed = run_in_process(db)
        assert snapshot(resumed) == expected, f"trial {trial}: killed after page {at_page}"
        resumed.close()
        outcomes.append((at_page, round(extra, 3), kept))
    print(f"kill -9 trials (page, extra s, posts kept at the kill): {outcomes}")
