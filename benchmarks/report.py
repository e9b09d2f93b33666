"""Time and size of a report for one large cascade (target: 10,000 posts in < 10 s, < 15 MB).

A synthetic star cascade: a root and its amplifiers spread over a few hundred channels.
As on Telegram, forwards carry the root's text, copies carry it with commentary, link
posts have their own text and media re-uploads short captions (Cyrillic); some posts
are albums and some have no view count. Times :func:`amplify.report.write_report`
(index, cascade page with its three figures and members table, CSV) and measures the
bytes written, with the shared ``plotly.min.js`` counted separately.

Run: ``python -m benchmarks.report --members 10000`` (writes JSON to benchmarks/results/).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx

from amplify.model import EDGE_KINDS, Cascade
from amplify.report import write_report

RESULTS = Path(__file__).resolve().parent / "results"
KIND_WEIGHTS = (60, 15, 10, 15)  # forward, link, media, copy (EDGE_KINDS order)
WORDS = "НАТО центр Казахстан миротворцы учения видео заявление срочно Алматы открытие".split()


def make_cascade(members: int, channels: int = 400, seed: int = 0) -> Cascade:
    """A star cascade of ``members`` posts (root included) over ``channels`` channels."""
    rng = random.Random(seed)
    start = datetime(2023, 10, 20, 9, 0, tzinfo=UTC)
    root = (1000, 1)
    graph = nx.DiGraph(root=root, tree="star")
    subscribers = {1000 + c: int(rng.paretovariate(1.1) * 5000) for c in range(channels)}

    def words(low: int, high: int) -> str:
        return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))

    root_text = words(25, 35)

    def add(key: tuple[int, int], seconds: int, kinds: tuple[str, ...], album: int | None):
        kind = kinds[0] if kinds else None
        text = {
            None: root_text,
            "forward": root_text,
            "copy": f"{words(10, 30)}\n\n{root_text}",
            "link": f"{words(5, 25)} https://t.me/channel_1000/1",
            "media": words(0, 10),
        }[kind]
        channel = key[0]
        graph.add_node(
            key,
            channel_id=channel,
            message_id=key[1],
            username=f"channel_{channel}",
            title=f"Канал {channel}",
            date=start + timedelta(seconds=seconds),
            views=None if rng.random() < 0.02 else int(rng.paretovariate(1.2) * 800),
            subscribers=subscribers[channel],
            collected=True,
            grouped_id=album,
            root=not kinds,
            text=text,
            kinds=kinds,
        )

    add(root, 0, (), None)
    for i in range(1, members):
        channel = 1000 + rng.randrange(1, channels)
        key = (channel, 10 + i)
        kinds = (rng.choices(EDGE_KINDS, weights=KIND_WEIGHTS)[0],)
        album = channel * 10 if rng.random() < 0.01 else None
        add(key, int(rng.expovariate(1 / 36000)), kinds, album)
        graph.add_edge(root, key, kind=kinds[0], kinds=kinds)
    return Cascade.from_graph(graph)


def run(members: int = 10_000, out: Path | None = None) -> dict:
    """Write a report of one ``members``-post cascade; seconds and bytes written."""
    cascade = make_cascade(members)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(out) if out else Path(tmp) / "report"
        started = time.perf_counter()
        write_report(
            [cascade], target, title="Benchmark", generated_at=datetime(2024, 1, 1, tzinfo=UTC)
        )
        elapsed = time.perf_counter() - started
        sizes = {
            str(p.relative_to(target)): p.stat().st_size for p in target.rglob("*") if p.is_file()
        }
    total = sum(sizes.values())
    plotly = sizes.get("assets/plotly.min.js", 0)
    return {
        "members": members,
        "seconds": elapsed,
        "total_bytes": total,
        "plotly_js_bytes": plotly,
        "report_bytes_without_plotly_js": total - plotly,
        "files": dict(sorted(sizes.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--out", type=Path, help="keep the report here (default: a temp dir)")
    parser.add_argument("--json", type=Path, default=RESULTS / "report.json")
    args = parser.parse_args()
    result = run(args.members, args.out)
    mb = 1_000_000  # MB as 10**6 bytes, the stricter reading of the target
    print(
        f"report of a {result['members']:,}-post cascade: {result['seconds']:.2f} s, "
        f"{result['total_bytes'] / mb:.1f} MB in all "
        f"(plotly.min.js {result['plotly_js_bytes'] / mb:.1f} MB, "
        f"pages and CSV {result['report_bytes_without_plotly_js'] / mb:.1f} MB); "
        "target < 10 s and < 15 MB"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
