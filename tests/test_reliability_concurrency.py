"""Two collectors at once on one database: both finish, totals exact, nothing corrupted.

Two worker processes (tests/collect_worker.py, the kill -9 test's worker) collect two
different generated corpora (different seeds: different channels) into one database
at the same time, starting on a database neither has created yet. The result must
equal the two corpora collected one after the other: same rows, same contents.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from amplify.store import Store
from tests.collect_support import NOW, snapshot
from tests.test_collect_kill import WORKER, run_in_process

SPECS = [
    {"seed": 11, "channels": 2, "posts_per_channel": 300, "delay": 0.002},
    {"seed": 12, "channels": 2, "posts_per_channel": 300, "delay": 0.002},
]


def sequential(tmp_path: Path) -> dict:
    path = tmp_path / "sequential.sqlite"
    for spec in SPECS:
        run_in_process(path, spec).close()
    store = Store(path)
    tables = snapshot(store)
    store.close()
    return tables


def run_together(target: str) -> list[str]:
    """Start one worker per spec at once; wait for all; return their stdout."""
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(spec), target, NOW.isoformat()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for spec in SPECS
    ]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
        assert "Traceback" not in err
        outputs.append(out)
    return outputs


def test_two_collectors_on_one_sqlite_file(tmp_path: Path) -> None:
    expected = sequential(tmp_path)
    path = tmp_path / "shared.sqlite"
    for out in run_together(str(path)):
        assert out.rstrip().endswith("done")
        assert out.count("page") >= 6  # both were writing pages, interleaved
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store(path)
    assert snapshot(store) == expected
    runs = store.runs_frame()
    assert runs["status"].tolist() == ["done", "done"]
    store.close()


@pytest.mark.postgres
def test_two_collectors_on_one_postgresql_database(tmp_path: Path, postgres_url: str) -> None:
    expected = sequential(tmp_path)
    run_together(postgres_url)
    store = Store(postgres_url)
    assert snapshot(store) == expected
    counts = store.counts()
    assert counts["posts"] == len(expected["posts"]) and counts["runs"] == 2
    store.close()


OPEN = "import sys; from amplify.store import Store; Store(sys.argv[1]).close()"


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_processes_creating_one_new_database_at_once_all_succeed(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    """Found by the PostgreSQL test above: both collectors migrated a new database and the
    second died on CREATE TABLE alembic_version. Migrations now take a lock first."""
    if backend == "sqlite":
        target = str(tmp_path / "new.sqlite")
    else:
        target = request.getfixturevalue("postgres_url")
    openers = [
        subprocess.Popen([sys.executable, "-c", OPEN, target], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [opener.communicate(timeout=120)[1] for opener in openers]
    assert [o.returncode for o in openers] == [0, 0, 0, 0], errors
    store = Store(target)
    assert store.counts()["posts"] == 0 and store.schema_revision() is not None
    store.close()
