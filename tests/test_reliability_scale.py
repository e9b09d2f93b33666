"""A big Telegram Desktop export imports in bounded memory: peak memory does not grow
with the size of the file.

Two synthetic exports (tests/test_desktop_export.py's streaming writer) of a small and
a five times larger size are imported; the peak traced memory of the larger import must
stay within a small margin of the smaller's. The larger size is ``AMPLIFY_BIG_EXPORT_MB``
(default 30 MB, so CI stays fast); RELIABILITY.md records a 2 GB run made by hand with
``AMPLIFY_BIG_EXPORT_MB=2048``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from amplify.store import Store
from tests.test_desktop_export import traced_import, write_big_export

BIG_MB = float(os.environ.get("AMPLIFY_BIG_EXPORT_MB", "30"))
BYTES_PER_MESSAGE = 3_450  # what write_big_export writes per message, about


def import_peak(tmp_path: Path, megabytes: float) -> tuple[int, int, int]:
    """(file size, posts imported, peak traced bytes) for an export of about ``megabytes``."""
    messages = int(megabytes * 1e6 / BYTES_PER_MESSAGE)
    path = tmp_path / f"export-{messages}.json"
    write_big_export(path, messages)
    size = path.stat().st_size
    store = Store(tmp_path / f"big-{messages}.sqlite")
    summary, peak = traced_import(store, path)
    posts = store.counts()["posts"]
    store.close()
    path.unlink()
    assert summary.posts_new == posts == messages - messages // 50
    return size, posts, peak


def test_peak_memory_does_not_grow_with_the_export(tmp_path: Path) -> None:
    started = time.perf_counter()
    small = import_peak(tmp_path, BIG_MB / 5)
    big = import_peak(tmp_path, BIG_MB)
    assert big[0] > 4 * small[0]
    assert big[2] < small[2] * 1.5 + 4e6, f"peak {small[2]:,} B → {big[2]:,} B"
    assert big[2] < 200e6  # bounded: well under what holding the file would take
    print(
        f"\nexport {small[0] / 1e6:.0f} MB: peak {small[2] / 1e6:.1f} MB; "
        f"export {big[0] / 1e6:.0f} MB ({big[1]:,} posts): peak {big[2] / 1e6:.1f} MB; "
        f"{time.perf_counter() - started:.0f} s"
    )
