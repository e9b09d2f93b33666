"""Every benchmark stage at one scale, each next to its baseline, in one command.

``python -m benchmarks run --scale 100k`` runs the stages below, prints a table and
writes JSON (figures, ratios, targets, the machine) to
``benchmarks/results/run-<scale>.json`` (``--out`` to change it).

=========  ==========================================  ====================================
stage      amplify                                     baseline (same run)
=========  ==========================================  ====================================
ingest     ``Store.save_posts`` posts/s                raw ``sqlite3.executemany``
collect    ``collectors.telegram.collect`` posts/s,    the API bound: 10 history requests
           history requests per 1,000 messages         per 1,000 messages
cascades   ``build_cascades`` seconds and peak RSS     ``Store.posts_frame()`` read
copies     copy edges: seconds, recall/precision       exact pairwise Jaccard on a sample
virality   ``structural_virality``, 100k-node tree     ``networkx.wiener_index``, 2k nodes
report     ``write_report`` of a 10k-member cascade    —
=========  ==========================================  ====================================

Every stage runs in a fresh Python process, so its peak resident set size
(``ru_maxrss``) is its own. The synthetic store of each scale
(:mod:`benchmarks.corpus`) is generated once and reused. ``--scale smoke`` runs in
seconds and is what ``tests/test_benchmarks.py`` runs; no test asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from benchmarks.corpus import RESULTS, SCALES, corpus

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ingest", "collect", "cascades", "copies", "virality", "report")

PLAN: dict[str, dict] = {
    "smoke": dict(
        ingest=2_000, repeats=1, channels=3, per_channel=300, sample=1_000, nodes=20_000,
        baseline_nodes=500, members=500,
    ),
    "10k": dict(
        ingest=10_000, repeats=3, channels=10, per_channel=1_000, sample=5_000, nodes=100_000,
        baseline_nodes=2_000, members=10_000,
    ),
    "100k": dict(
        ingest=100_000, repeats=3, channels=20, per_channel=2_500, sample=5_000,
        nodes=100_000, baseline_nodes=2_000, members=10_000,
    ),
    "1m": dict(
        ingest=1_000_000, repeats=1, channels=20, per_channel=2_500, sample=5_000,
        nodes=100_000, baseline_nodes=2_000, members=10_000,
    ),
}  # fmt: skip
"""What each stage does at each scale (posts to ingest, collector corpus, sample sizes)."""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# -- stages, each run in its own process ------------------------------------------------------


def _ingest(plan: dict, **_) -> dict:
    import statistics
    import tempfile

    from benchmarks.ingest import make_posts, time_raw, time_store

    posts = make_posts(plan["ingest"])
    before = _rss_mb()
    store_times, raw_times, store_peak = [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(plan["repeats"]):
            store_times.append(time_store(Path(tmp) / f"store{i}.sqlite", posts))
            store_peak = store_peak or _rss_mb()  # the store's own peak: before any raw run
            raw_times.append(time_raw(Path(tmp) / f"raw{i}.sqlite", posts))
    store_s, raw_s = statistics.median(store_times), statistics.median(raw_times)
    n = len(posts)
    return {
        "posts": n,
        "repeats": plan["repeats"],
        "store_seconds": store_s,
        "raw_seconds": raw_s,
        "store_posts_per_s": n / store_s,
        "raw_posts_per_s": n / raw_s,
        "ratio": raw_s / store_s,  # store throughput / raw throughput
        "rss_with_posts_in_memory_mb": before,
        "store_added_rss_mb": store_peak - before,
    }


def _collect(plan: dict, seed: int, **_) -> dict:
    from benchmarks.collect import run

    return run(plan["channels"], plan["per_channel"], seed)


def _copies(plan: dict, seed: int, db: Path, **_) -> dict:
    from benchmarks.copies import run
    from benchmarks.corpus import load_truth

    return run(db, load_truth(db), plan["sample"], seed)


def _virality(plan: dict, seed: int, **_) -> dict:
    from benchmarks.virality import run

    return run(plan["nodes"], plan["baseline_nodes"], seed)


def _report(plan: dict, **_) -> dict:
    from benchmarks.report import run

    result = run(plan["members"])
    result.pop("files")
    return result


CHILDREN = {
    "ingest": _ingest,
    "collect": _collect,
    "copies": _copies,
    "virality": _virality,
    "report": _report,
}


def _child(stage: str, scale: str, seed: int, db: str | None) -> dict:
    started = time.perf_counter()
    result = CHILDREN[stage](PLAN[scale], seed=seed, db=Path(db) if db else None)
    result["stage_seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = _rss_mb()
    return result


def _in_subprocess(stage: str, scale: str, seed: int, db: Path | None) -> dict:
    command = [sys.executable, "-m", "benchmarks", "child", stage, "--scale", scale]
    command += ["--seed", str(seed)] + (["--db", str(db)] if db else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark stage {stage} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cascades(scale: str, seed: int, db: Path) -> dict:
    from benchmarks import cascades

    result = cascades.run(SCALES[scale], seed, db)  # read, edges, build: one process each
    result.pop("machine", None)
    return result


# -- targets -----------------------------------------------------------------------------------


def _targets(scale: str, stages: dict) -> dict:
    """Each target of the issue: what it asks, the measured value, met or not."""
    out = {}
    if "ingest" in stages:
        r = stages["ingest"]["ratio"]
        out["ingest >= 0.6x raw"] = {"value": r, "met": r >= 0.6}
    if "collect" in stages:
        c = stages["collect"]
        out["collect at the request bound (ceil(N/100) per channel)"] = {
            "value": f"{c['history_requests']} requests, minimum {c['history_requests_min']}",
            "met": c["history_requests"] <= c["history_requests_min"],
        }
    if "cascades" in stages:
        c = stages["cascades"]
        ratio = c["build_to_read_time"]
        out["cascades within 3x of the plain read"] = {"value": ratio, "met": ratio <= 3}
        if scale == "1m":
            out["cascades 1M < 60 s"] = {
                "value": c["build"]["seconds"],
                "met": c["build"]["seconds"] < 60,
            }
            out["cascades 1M < 4 GB peak"] = {
                "value": c["build"]["peak_rss_mb"],
                "met": c["build"]["peak_rss_mb"] < 4096,
            }
    if "copies" in stages:
        s = stages["copies"]["sample"]
        out["copies recall >= 0.95 at precision >= 0.95 (exact sample)"] = {
            "value": f"recall {s['recall']:.4f}, precision {s['precision']:.4f}",
            "met": s["recall"] >= 0.95 and s["precision"] >= 0.95,
        }
    if "report" in stages:
        r = stages["report"]
        out[f"report of {r['members']:,} members < 10 s"] = {
            "value": r["seconds"],
            "met": r["seconds"] < 10,
        }
    return out


def _checks(stages: dict) -> dict:
    """Ground-truth checks (not timings): the benchmarks measured the right thing."""
    out = {}
    if "collect" in stages:
        c = stages["collect"]
        out["collect stored every post"] = (
            c["exit_code"] == 0 and c["posts_stored"] == c["channels"] * c["posts_per_channel"]
        )
    if "cascades" in stages:
        a = stages["cascades"]["accuracy"]
        out["cascades found every planted member"] = a["found_of_planted"] == a["planted_members"]
        out["cascades found >= 99% of planted copies (LSH recall at the threshold)"] = (
            a["copies_found"] >= 0.99 * a["planted_copies"]
        )
        out["cascades found every planted copy at Jaccard >= 0.85"] = (
            a["clear_copies_found"] == a["clear_copies"]
        )
    if "copies" in stages:
        c = stages["copies"]["corpus"]
        out["copies recall and precision >= 0.95 on planted copies"] = (
            c["recall"] >= 0.95 and c["precision"] >= 0.95
        )
    if "virality" in stages:
        v = stages["virality"]
        out["virality equals networkx's Wiener index"] = v["wiener_agrees"]
        out["star virality is 2(n-1)/n"] = v["star_matches_closed_form"]
    return out


def machine() -> dict:
    """Cores, memory, Python and library versions of this run."""
    versions = {}
    for name in ("amplify", "numpy", "pandas", "networkx", "SQLAlchemy", "Telethon", "plotly"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["sqlite"] = sqlite3.sqlite_version
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "versions": versions,
        "commit": commit or None,
    }


def run(scale: str, seed: int = 0, stages=STAGES, directory: Path = RESULTS) -> dict:
    """Run `stages` at `scale`; the whole result as a dict."""
    started = time.perf_counter()
    db, generated = None, None
    if {"cascades", "copies"} & set(stages):
        db, generated = corpus(scale, seed, directory)
    results: dict = {}
    for stage in STAGES:
        if stage not in stages:
            continue
        print(f"[{time.perf_counter() - started:7.1f}s] {stage} ...", file=sys.stderr, flush=True)
        if stage == "cascades":
            results[stage] = _cascades(scale, seed, db)
        else:
            results[stage] = _in_subprocess(stage, scale, seed, db)
    return {
        "scale": scale,
        "posts": SCALES[scale],
        "seed": seed,
        "command": f"python -m benchmarks run --scale {scale}"
        + (f" --seed {seed}" if seed else "")
        + ("" if tuple(stages) == STAGES else f" --stages {','.join(stages)}"),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": {"path": str(db) if db else None, "generated_seconds": generated},
        "plan": PLAN[scale],
        "stages": results,
        "targets": _targets(scale, results),
        "checks": _checks(results),
        "machine": machine(),
        "total_seconds": time.perf_counter() - started,
        "memory_measure": "peak RSS of a fresh process per stage (getrusage ru_maxrss)",
    }


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(result: dict) -> str:
    """The result as a Markdown table: stage, amplify, baseline, ratio."""
    s = result["stages"]
    rows = []
    if "ingest" in s:
        i = s["ingest"]
        rows.append(
            (
                f"ingest {i['posts']:,} posts",
                f"{_fmt(i['store_posts_per_s'], 0)} posts/s ({_fmt(i['store_seconds'])} s)",
                f"{_fmt(i['raw_posts_per_s'], 0)} posts/s ({_fmt(i['raw_seconds'])} s)",
                f"{i['ratio']:.2f}x of raw",
            )
        )
    if "collect" in s:
        c = s["collect"]
        rows.append(
            (
                f"collect {c['channels']}×{c['posts_per_channel']:,} posts",
                f"{_fmt(c['posts_per_s'], 0)} posts/s; {c['history_requests']} history "
                f"requests = {c['history_per_1000_messages']:.2f} per 1,000 messages "
                f"({c['history_requests_without_positions']} where pages do not report "
                "their position)",
                f"bound 10 per 1,000; minimum ceil(N/100) = {c['history_requests_min']} "
                f"({c['min_per_1000_messages']:.2f} per 1,000)",
                f"{c['ratio_to_bound']:.3f}x bound, {c['ratio_to_min']:.3f}x minimum",
            )
        )
    if "cascades" in s:
        c = s["cascades"]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in c["build"].get("stages", {}).items())
        rows.append(
            (
                f"cascades {c['posts']:,} posts",
                f"build_cascades {_fmt(c['build']['seconds'])} s, peak "
                f"{_fmt(c['build']['peak_rss_mb'], 0)} MB ({stages})",
                f"posts_frame() {_fmt(c['read']['seconds'])} s, peak "
                f"{_fmt(c['read']['peak_rss_mb'], 0)} MB",
                f"{c['build_to_read_time']:.2f}x read time",
            )
        )
    if "copies" in s:
        c, p = s["copies"]["corpus"], s["copies"]["sample"]
        rows.append(
            (
                f"copies (corpus, {c['posts']:,} posts)",
                f"{_fmt(c['seconds'])} s; recall {c['recall']:.4f}, precision "
                f"{c['precision']:.4f} on {c['true']:,} planted copies",
                "generator's planted copies",
                f"{_fmt(c['posts_per_s'], 0)} posts/s",
            )
        )
        rows.append(
            (
                f"copies (sample, {p['distinct_texts']:,} distinct texts)",
                f"{_fmt(p['amplify_seconds'])} s; recall {p['recall']:.4f}, precision "
                f"{p['precision']:.4f} on {p['true']:,} exact pairs",
                f"exact pairwise Jaccard {_fmt(p['exact_seconds'])} s "
                f"({p['pairs_compared']:,} pairs)",
                f"{p['speedup']:.0f}x faster",
            )
        )
    if "virality" in s:
        v = s["virality"]
        rows.append(
            (
                "structural virality",
                f"{_fmt(v['amplify_seconds'], 3)} s on a {v['nodes']:,}-node tree "
                f"({_fmt(v['amplify_star_seconds'], 3)} s on a star)",
                f"networkx.wiener_index {_fmt(v['baseline_seconds'])} s on "
                f"{v['baseline_nodes']:,} nodes (amplify: "
                f"{_fmt(v['amplify_seconds_on_baseline_tree'], 4)} s)",
                f"{v['speedup_on_baseline_tree']:,.0f}x on the same tree; networkx at "
                f"{v['nodes']:,} ≈ {v['networkx_extrapolated_seconds_at_nodes']:,.0f} s",
            )
        )
    if "report" in s:
        r = s["report"]
        rows.append(
            (
                f"report {r['members']:,} members",
                f"{_fmt(r['seconds'])} s, {r['total_bytes'] / 1e6:.1f} MB "
                f"({r['report_bytes_without_plotly_js'] / 1e6:.1f} MB without plotly.js)",
                "—",
                "—",
            )
        )
    lines = ["| stage | amplify | baseline (same run) | ratio |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "| target | value | met |", "|---|---|---|"]
    for name, t in result["targets"].items():
        lines.append(f"| {name} | {_fmt(t['value'])} | {'yes' if t['met'] else 'no'} |")
    lines += ["", "| ground-truth check | passed |", "|---|---|"]
    lines += [f"| {name} | {'yes' if ok else 'NO'} |" for name, ok in result["checks"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the benchmark stages at one scale")
    run_parser.add_argument("--scale", choices=list(SCALES), default="100k")
    run_parser.add_argument("--seed", type=int, default=0)
    run_parser.add_argument(
        "--stages", default=",".join(STAGES), help=f"comma-separated, of {','.join(STAGES)}"
    )
    run_parser.add_argument("--out", type=Path, help="JSON file (default results/run-<scale>.json)")
    run_parser.add_argument(
        "--cache", type=Path, default=RESULTS, help="where synthetic stores are kept"
    )
    child = commands.add_parser("child")  # one stage in this process (used by `run`)
    child.add_argument("stage", choices=list(CHILDREN))
    child.add_argument("--scale", choices=list(SCALES), required=True)
    child.add_argument("--seed", type=int, default=0)
    child.add_argument("--db")
    args = parser.parse_args(argv)
    if args.command == "child":
        print(json.dumps(_child(args.stage, args.scale, args.seed, args.db)))
        return 0
    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    result = run(args.scale, args.seed, stages, args.cache)
    print(table(result))
    out = args.out or RESULTS / f"run-{args.scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
