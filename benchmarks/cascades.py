"""Time and peak memory of ``build_cascades`` next to merely reading the posts (same run).

On a synthetic store (:mod:`benchmarks.synthetic`), each measurement runs in its own
fresh Python process, one after the other, so peak memory is the process's own:

- ``read``: ``Store.posts_frame()`` — every column of every post into a DataFrame;
- ``edges``: read what the engine needs and find every edge (:func:`find_edges`);
- ``build``: ``build_cascades(store)`` — edges, graphs, members tables and metrics,
  with the stage times ``build_cascades`` logs.

Memory is the peak resident set size of the process (``getrusage(RUSAGE_SELF).ru_maxrss``)
and that peak minus the RSS after imports and opening the store ("added"). Time is
wall-clock (``time.perf_counter``). The build's cascades are compared with the
generator's ground truth (members found, kinds right).

Run: ``python -m benchmarks.cascades --posts 100000`` (prints a table, writes JSON to
``benchmarks/results/cascades.json`` unless ``--json`` says elsewhere).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "cascades.json"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _child(what: str, db: str, out: str | None) -> dict:
    """One measurement, in this (fresh) process."""
    from amplify.cascades import _POST_COLUMNS, build_cascades
    from amplify.edges import find_edges, prepare_posts
    from amplify.store import Store

    store = Store(db)
    store.posts_frame(columns=["channel_id"]).head()  # connect, warm the driver
    baseline = _rss_mb()
    started = time.perf_counter()
    result: dict = {}
    if what == "read":
        result["rows"] = len(store.posts_frame())
    elif what == "edges":
        posts = prepare_posts(store.posts_frame(columns=_POST_COLUMNS))
        edges = find_edges(posts, store.post_links_frame(), store.channels_frame())
        result["edges"] = len(edges)
    else:
        stages: dict = {}

        class Stages(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                stages.update(getattr(record, "timings", {}))

        logger = logging.getLogger("amplify.cascades")
        logger.setLevel(logging.INFO)
        logger.addHandler(Stages())
        cascades = build_cascades(store)
        result["stages"] = stages
        result["cascades"] = len(cascades)
        result["members"] = sum(c.size - 1 for c in cascades)
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = _rss_mb()
    result["added_rss_mb"] = result["peak_rss_mb"] - baseline
    if what == "build" and out:
        found = {
            c.root: dict(
                zip(
                    map(tuple, c.members[["channel_id", "message_id"]].values.tolist()),
                    c.members["kinds"],
                    strict=True,
                )
            )
            for c in cascades
        }
        Path(out).write_bytes(pickle.dumps(found))
    return result


def _measure(what: str, db: Path, out: Path | None = None) -> dict:
    command = [sys.executable, "-m", "benchmarks.cascades", "--child", what, "--db", str(db)]
    if out:
        command += ["--found", str(out)]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=root)
    return json.loads(done.stdout.strip().splitlines()[-1])


CLEAR_COPY = 0.85
"""Planted copies at least this similar must all be found (well above the 0.8 threshold)."""


def _accuracy(truth, found: dict) -> dict:
    planted = sum(len(m) for m in truth.cascades.values())
    hit = kinds_right = 0
    for root, members in truth.cascades.items():
        got = found.get(root, {})
        for key, kinds in members.items():
            if key in got:
                hit += 1
                kinds_right += set(got[key].split(",")) == kinds
    found_members = sum(len(m) - 1 for m in found.values())
    hit_copies = [
        similarity
        for key, (root, similarity) in truth.copies.items()
        if "copy" in found.get(root, {}).get(key, "")
    ]
    copies = len(hit_copies)
    clear = [s for _, s in truth.copies.values() if s >= CLEAR_COPY]
    return {
        "planted_members": planted,
        "found_of_planted": hit,
        "kinds_right": kinds_right,
        "members_found": found_members,
        "members_not_planted": found_members - hit,
        "planted_copies": len(truth.copies),
        "copies_found": copies,
        # LSH catches a pair at exactly the threshold with probability 0.99 by design
        # (amplify.copies.lsh_params); above CLEAR_COPY a miss would be a defect
        "clear_copies": len(clear),
        "clear_copies_found": sum(s >= CLEAR_COPY for s in hit_copies),
    }


def run(posts: int, seed: int = 0, db: Path | None = None) -> dict:
    """Generate (or reuse) a store of `posts` posts and measure read, edges and build."""
    from amplify.store import Store
    from benchmarks.synthetic import generate

    with tempfile.TemporaryDirectory() as tmp:
        path = db or Path(tmp) / "synthetic.sqlite"
        truth_file = path.with_suffix(".truth.pickle")
        generated = None
        if not truth_file.exists():
            started = time.perf_counter()
            truth = generate(Store(path), posts=posts, seed=seed)
            generated = time.perf_counter() - started
            truth_file.write_bytes(pickle.dumps(truth))
        truth = pickle.loads(truth_file.read_bytes())  # noqa: S301 - our own file
        read = _measure("read", path)
        edges = _measure("edges", path)
        found_file = Path(tmp) / "found.pickle"
        build = _measure("build", path, found_file)
        found = pickle.loads(found_file.read_bytes())  # noqa: S301 - our own file
    return {
        "posts": truth.posts,
        "seed": seed,
        "generate_seconds": generated,
        "read": read,
        "edges": edges,
        "build": build,
        "build_to_read_time": build["seconds"] / read["seconds"],
        "accuracy": _accuracy(truth, found),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
        },
        "memory_measure": "peak RSS of a fresh process per measurement (getrusage ru_maxrss)",
    }


def _table(result: dict) -> str:
    lines = [
        f"{result['posts']:,} synthetic posts (seed {result['seed']})",
        f"{'step':<34}{'seconds':>10}{'peak RSS MB':>14}{'added MB':>11}",
    ]
    for step, label in (
        ("read", "read posts_frame() (all columns)"),
        ("edges", "read + find_edges"),
        ("build", "build_cascades (all)"),
    ):
        r = result[step]
        lines.append(
            f"{label:<34}{r['seconds']:>10.2f}{r['peak_rss_mb']:>14.0f}{r['added_rss_mb']:>11.0f}"
        )
    for stage, seconds in result["build"].get("stages", {}).items():
        lines.append(f"  {stage.replace('_', ' '):<32}{seconds:>10.2f}")
    a = result["accuracy"]
    lines += [
        f"build / read time: {result['build_to_read_time']:.1f}x; "
        f"{result['build']['cascades']:,} cascades, {result['edges']['edges']:,} edges",
        f"ground truth: {a['found_of_planted']:,}/{a['planted_members']:,} planted members found "
        f"({a['kinds_right']:,} with the right kinds), {a['members_not_planted']:,} not planted; "
        f"copies {a['copies_found']:,}/{a['planted_copies']:,}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, help="keep the synthetic store here (reused if present)")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the result")
    parser.add_argument("--child", choices=["read", "edges", "build"], help=argparse.SUPPRESS)
    parser.add_argument("--found", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, str(args.db), args.found)))
        return
    result = run(args.posts, args.seed, args.db)
    print(_table(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
