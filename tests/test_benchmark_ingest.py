"""Smoke run of the ingest benchmark, so it cannot rot (no timing is asserted)."""

from __future__ import annotations

import sqlite3

from benchmarks.ingest import make_posts, run, time_raw, time_store


def count(path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def test_both_sides_write_the_same_rows(tmp_path) -> None:
    posts = make_posts(400, seed=3)
    time_store(tmp_path / "store.sqlite", posts)
    time_raw(tmp_path / "raw.sqlite", posts)
    for table in ("posts", "post_stats"):
        assert count(tmp_path / "store.sqlite", table) == count(tmp_path / "raw.sqlite", table)
    assert count(tmp_path / "store.sqlite", "posts") == 400


def test_run_reports_throughput_and_ratio() -> None:
    result = run(posts=300, repeats=1)
    assert result["posts"] == 300
    assert result["store_posts_per_s"] > 0 and result["raw_posts_per_s"] > 0
    assert result["ratio_store_to_raw"] == result["raw_seconds"] / result["store_seconds"]
