"""Smoke run of ``python -m benchmarks run``, so the benchmarks cannot rot.

Runs every stage at the smallest scale (about 2k posts, seconds) from a fresh cache
and checks the JSON: every stage with its figures, the ratios to each baseline, the
targets and the ground-truth checks. No timing is ever asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import STAGES, table

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("benchmarks")
    out = tmp / "run-smoke.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--scale", "smoke"]
        + ["--out", str(out), "--cache", str(tmp)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| stage | amplify | baseline (same run) | ratio |" in done.stdout
    assert (tmp / "synthetic-smoke-seed0.sqlite").exists()  # the cached store
    return json.loads(out.read_text(encoding="utf-8"))


def test_every_stage_has_figures_and_ratios(smoke) -> None:
    s = smoke["stages"]
    assert set(s) == set(STAGES)
    assert (
        smoke["scale"] == "smoke" and smoke["command"] == "python -m benchmarks run --scale smoke"
    )
    assert s["ingest"]["ratio"] == s["ingest"]["raw_seconds"] / s["ingest"]["store_seconds"]
    assert s["ingest"]["store_posts_per_s"] > 0 and s["ingest"]["raw_posts_per_s"] > 0
    c = s["collect"]
    assert c["history_requests"] >= c["history_requests_min"] > 0
    assert c["ratio_to_bound"] == c["history_per_1000_messages"] / 10
    assert c["requests"]["GetHistoryRequest"] == c["history_requests"]
    for step in ("read", "edges", "build"):
        assert s["cascades"][step]["seconds"] > 0 and s["cascades"][step]["peak_rss_mb"] > 0
    assert s["cascades"]["build_to_read_time"] > 0
    assert s["copies"]["sample"]["exact_seconds"] > 0 and s["copies"]["sample"]["speedup"] > 0
    assert s["copies"]["sample"]["true"] > 0  # the sample holds copies to find
    assert s["virality"]["speedup_on_baseline_tree"] > 0
    assert s["report"]["total_bytes"] > s["report"]["plotly_js_bytes"] > 0
    for stage in ("ingest", "collect", "copies", "virality", "report"):
        assert s[stage]["peak_rss_mb"] > 0  # measured in its own process


def test_ground_truth_checks_pass(smoke) -> None:
    assert smoke["checks"] and all(smoke["checks"].values()), smoke["checks"]
    copies = smoke["stages"]["copies"]
    assert copies["sample"]["recall"] >= 0.95 and copies["sample"]["precision"] >= 0.95
    assert copies["corpus"]["recall"] >= 0.95 and copies["corpus"]["precision"] >= 0.95
    assert smoke["stages"]["collect"]["posts_stored"] == 3 * 300


def test_targets_and_machine_are_recorded(smoke) -> None:
    assert all({"value", "met"} <= set(t) for t in smoke["targets"].values())
    machine = smoke["machine"]
    assert machine["cpus"] >= 1 and machine["memory_gb"] > 0 and machine["python"]
    assert machine["versions"]["pandas"] and machine["versions"]["networkx"]
    assert "| target | value | met |" in table(smoke)
