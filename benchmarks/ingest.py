"""Bulk-save throughput of the store next to raw ``sqlite3.executemany`` (same run).

Both sides write the same rows into the same tables of identical fresh SQLite files
(the store's own schema, indexes, WAL and ``synchronous=NORMAL``): ``posts`` plus one
``post_stats`` observation per post, in one transaction. The raw side does no upsert
logic, no type processing and no existence checks — it is the floor the machine allows.

Run: ``python -m benchmarks.ingest --posts 50000 --repeats 3``
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from amplify.records import Post
from amplify.schema import posts as posts_table
from amplify.store import Store

COLUMNS = [c.name for c in posts_table.columns]


def make_posts(count: int, seed: int = 0) -> list[Post]:
    """Realistic-looking posts: Cyrillic text, heavy-tailed views, some forwards and media."""
    rng = random.Random(seed)
    start = datetime(2023, 10, 1, tzinfo=UTC)
    collected = datetime(2023, 11, 1, tzinfo=UTC)
    words = "НАТО центр Казахстан миротворцы учения видео заявление срочно Алматы".split()
    result = []
    for i in range(count):
        channel = 1000 + i % 200
        forward = rng.random() < 0.2
        result.append(
            Post(
                channel_id=channel,
                message_id=i // 200 + 1,
                date=start + timedelta(seconds=i * 37),
                collected_at=collected,
                text=" ".join(rng.choices(words, k=rng.randint(5, 60))),
                views=int(rng.paretovariate(1.2) * 1000),
                forwards=rng.randint(0, 500),
                replies=rng.randint(0, 50),
                reactions_total=rng.randint(0, 900),
                reactions={"👍": rng.randint(0, 500)},
                media_kind="photo" if rng.random() < 0.4 else None,
                media_id=rng.getrandbits(62) if rng.random() < 0.4 else None,
                fwd_channel_id=rng.randint(1, 999) if forward else None,
                fwd_message_id=rng.randint(1, 5000) if forward else None,
                fwd_date=start if forward else None,
            )
        )
    return result


def _raw_rows(posts: list[Post]) -> tuple[list[tuple], list[tuple]]:
    def value(post: Post, name: str):
        v = getattr(post, name, None)
        if isinstance(v, datetime):
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        if isinstance(v, dict):
            return json.dumps(v)
        return v

    rows = [tuple(value(p, c) for c in COLUMNS) for p in posts]
    stats = [
        (
            p.channel_id,
            p.message_id,
            value(p, "collected_at"),
            p.views,
            p.forwards,
            p.reactions_total,
        )
        for p in posts
    ]
    return rows, stats


def time_store(path: Path, posts: list[Post]) -> float:
    """Seconds for ``Store.save_posts`` of all posts into a fresh database."""
    store = Store(path)
    started = time.perf_counter()
    store.save_posts(posts)
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def time_raw(path: Path, posts: list[Post]) -> float:
    """Seconds for plain ``executemany`` of the same rows (conversion included)."""
    Store(path).close()  # same schema and indexes
    channels = sorted({(p.channel_id,) for p in posts})
    started = time.perf_counter()
    rows, stats = _raw_rows(posts)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=NORMAL")
    with conn:
        conn.executemany("INSERT OR IGNORE INTO channels (channel_id) VALUES (?)", channels)
        marks = ",".join("?" * len(COLUMNS))
        conn.executemany(f"INSERT INTO posts ({','.join(COLUMNS)}) VALUES ({marks})", rows)  # noqa: S608
        conn.executemany("INSERT INTO post_stats VALUES (?,?,?,?,?,?)", stats)
    conn.close()
    return time.perf_counter() - started


def run(posts: int, repeats: int) -> dict:
    """Alternate store and raw runs; report medians and the ratio of throughputs."""
    records = make_posts(posts)
    store_times, raw_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            raw_times.append(time_raw(Path(tmp) / f"raw{i}.sqlite", records))
            store_times.append(time_store(Path(tmp) / f"store{i}.sqlite", records))
    store_s, raw_s = statistics.median(store_times), statistics.median(raw_times)
    return {
        "posts": posts,
        "repeats": repeats,
        "store_seconds": store_s,
        "raw_seconds": raw_s,
        "store_posts_per_s": posts / store_s,
        "raw_posts_per_s": posts / raw_s,
        "ratio_store_to_raw": raw_s / store_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    result = run(args.posts, args.repeats)
    print(
        f"ingest {result['posts']:,} posts: store {result['store_posts_per_s']:,.0f} posts/s, "
        f"raw executemany {result['raw_posts_per_s']:,.0f} posts/s, "
        f"ratio {result['ratio_store_to_raw']:.2f}x (target >= 0.6x)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
