"""The synthetic store of each benchmark scale, generated once and reused.

:func:`corpus` returns the SQLite file and ground truth of :mod:`benchmarks.synthetic`
at a named scale and seed, cached under ``benchmarks/results/`` (gitignored) as
``synthetic-<scale>-seed<seed>.sqlite`` and ``.truth.pickle``. Generating 1M posts takes
minutes; the read, cascade and copy stages only read the file.

Run ``python -m benchmarks.corpus --scale 1m`` to generate ahead of a run.
"""

from __future__ import annotations

import argparse
import pickle
import sqlite3
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SCALES: dict[str, int] = {"smoke": 2_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
"""Posts written at each named scale (``smoke`` runs in seconds, for the test suite)."""


def corpus_path(scale: str, seed: int = 0, directory: Path = RESULTS) -> Path:
    """Where the store of `scale` and `seed` lives (its truth is beside it)."""
    return Path(directory) / f"synthetic-{scale}-seed{seed}.sqlite"


def corpus(scale: str, seed: int = 0, directory: Path = RESULTS) -> tuple[Path, float | None]:
    """The cached store of `scale` (generated first when missing) and generation seconds.

    Generation writes to a temporary name and renames at the end, so an interrupted run
    never leaves a half-written store that a later run would reuse.
    """
    from amplify.store import Store
    from benchmarks.synthetic import generate

    path = corpus_path(scale, seed, directory)
    truth_file = path.with_suffix(".truth.pickle")
    if path.exists() and truth_file.exists():
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for stale in path.parent.glob(partial.name + "*"):
        stale.unlink()
    started = time.perf_counter()
    store = Store(partial)
    truth = generate(store, posts=SCALES[scale], seed=seed)
    store.close()
    seconds = time.perf_counter() - started
    with sqlite3.connect(partial) as conn:  # fold the WAL into the file before renaming it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        side = Path(str(partial) + suffix)
        if side.exists():
            side.replace(str(path) + suffix)
    partial.replace(path)
    truth_file.write_bytes(pickle.dumps(truth))
    return path, seconds


def load_truth(path: Path):
    """The ground truth written beside a cached store."""
    return pickle.loads(path.with_suffix(".truth.pickle").read_bytes())  # noqa: S301 - ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    path, seconds = corpus(args.scale, args.seed)
    done = "reused" if seconds is None else f"generated in {seconds:.1f} s"
    print(f"{path} ({done})")


if __name__ == "__main__":
    main()
