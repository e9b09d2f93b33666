"""Twenty seeded kill -9 trials: every resume ends at the tables of an uninterrupted run.

Extends tests/test_collect_kill.py (same worker, same helpers) with a smaller corpus,
so that 20 trials stay within about a minute. Each seed picks how many committed pages
the worker gets through and a random extra delay before SIGKILL, so kills land before
the first page, between pages, mid-request and mid-commit. The database is then opened,
checked with ``PRAGMA integrity_check`` and resumed in-process.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

import pytest

from amplify.store import Store
from tests.collect_support import snapshot
from tests.test_collect_kill import kill_after, run_in_process

SPEC = {"seed": 7_2024, "channels": 3, "posts_per_channel": 220, "delay": 0.003}
SEEDS = range(1, 21)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    store = run_in_process(tmp_path_factory.mktemp("reference") / "a.sqlite", SPEC)
    tables = snapshot(store)
    store.close()
    return tables


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_9_at_a_seeded_moment_then_resume(
    tmp_path: Path, uninterrupted: dict, seed: int
) -> None:
    total = len(uninterrupted["posts"])
    pages = total // 100  # whole pages the worker commits before its last one
    rng = random.Random(seed)
    at_page, extra = rng.randrange(0, pages), rng.uniform(0.0, 0.03)
    db = tmp_path / "killed.sqlite"
    spec = {**SPEC, "positions": seed % 2 == 0}  # half the trials: pages report positions
    kill_after(db, at_page, extra, spec)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    killed = Store(db)
    kept = killed.counts()["posts"]
    killed.close()
    assert kept < total, f"seed {seed}: the worker finished before the kill"
    resumed = run_in_process(db, spec)
    assert snapshot(resumed) == uninterrupted, f"seed {seed}: page {at_page} + {extra:.3f} s"
    runs = resumed.runs_frame()
    resumed.close()
    assert runs["status"].iloc[-1] == "done"
    print(f"seed {seed}: killed after page {at_page} + {extra:.3f} s with {kept} posts kept")
