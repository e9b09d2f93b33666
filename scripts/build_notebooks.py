"""Write the research notebooks in ``notebooks/`` (stored without outputs).

Run ``python scripts/build_notebooks.py`` after editing the cells below; the test suite
executes every notebook top to bottom so they cannot rot.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks"

OPEN_DEMO = """import os
from pathlib import Path

from amplify.demo import run_demo
from amplify.store import Store

# The demo database; set AMPLIFY_DEMO_DB to use another. Built on first use (seconds).
DB = Path(os.environ.get("AMPLIFY_DEMO_DB", "../demo-report/demo.sqlite"))
if not DB.exists():
    run_demo(DB.parent)
store = Store(DB)
store"""

NOTEBOOKS = {
    "01_quick_start.ipynb": [
        new_markdown_cell(
            "# Quick start: the store as DataFrames\n\n"
            "amplify keeps every collected or imported post in one database (SQLite here, "
            "PostgreSQL for a team). This notebook opens the demo database — illustrative "
            'posts modelled on DFRLab\'s "NATO center" case, see `data/demo/README.md` — and '
            "reads it with the public library API."
        ),
        new_code_cell(OPEN_DEMO),
        new_markdown_cell("What the database holds, table by table:"),
        new_code_cell("store.counts()"),
        new_markdown_cell("Channels, with the most recent subscriber count from `channel_stats`:"),
        new_code_cell(
            "channels = store.channels_frame()\n"
            'channels[["channel_id", "username", "title", "subscribers"]]'
            '.sort_values("subscribers", ascending=False)'
        ),
        new_markdown_cell(
            "Posts of one channel in a date window (UTC; `since` inclusive, `until` exclusive). "
            "Unknown values are missing (`NaN`/`<NA>`), never 0."
        ),
        new_code_cell(
            "from datetime import UTC, datetime\n\n"
            'posts = store.posts_frame(\n    channels=["demo_AsiaToday"],\n'
            "    since=datetime(2023, 10, 24, tzinfo=UTC),\n"
            "    until=datetime(2023, 10, 25, tzinfo=UTC),\n)\n"
            'posts[["message_id", "date", "views", "forwards", "media_kind", "text"]]'
        ),
        new_markdown_cell(
            "Every observation of a post's counters lands in `post_stats`: the view "
            "trajectory of the AsiaToday post across four collection passes."
        ),
        new_code_cell(
            "stats = store.post_stats_frame()\n"
            'asia = channels.loc[channels.username == "demo_AsiaToday", "channel_id"].item()\n'
            "stats[(stats.channel_id == asia) & (stats.message_id == 4127)]"
        ),
        new_markdown_cell("Channel engagement: ERR = average post views / subscribers."),
        new_code_cell(
            "from amplify.network import channel_table\n\n"
            "table = channel_table(store)\n"
            'table.sort_values("subscribers", ascending=False).head(13)'
        ),
    ],
    "02_anatomy_of_a_cascade.ipynb": [
        new_markdown_cell(
            "# Anatomy of a cascade\n\n"
            "Build the `nato-center` narrative's cascades from `config.yaml`, look at the "
            "members and the kinds of evidence that tie each to the original post, the "
            "metrics, the view-weighted reach chart and the cascade diagram."
        ),
        new_code_cell(OPEN_DEMO),
        new_code_cell(
            "from amplify.cascades import build_cascades\n"
            "from amplify.config import load_config\n\n"
            'config = load_config("../config.yaml")\n'
            'cascades = build_cascades(store, narrative="nato-center", config=config)\n'
            "cascade = cascades[0]\n"
            "cascade"
        ),
        new_markdown_cell(
            "Every member with the kind of evidence (forward, link, copy, media) and its t.me "
            "address, so each number can be checked at the source:"
        ),
        new_code_cell(
            'cascade.members[["username", "date", "views", "subscribers", "kinds", "url"]]'
        ),
        new_markdown_cell(
            "The metrics. The default tree is a star (every member under the root: what the "
            "data proves), so structural virality is 2(n−1)/n (Goel et al. 2016)."
        ),
        new_code_cell("cascade.metrics"),
        new_code_cell(
            "from amplify.report.figures import reach_chart\n\n"
            "reach_chart(cascade, post_stats=store.post_stats_frame())"
        ),
        new_code_cell(
            "from amplify.report.diagram import cascade_diagram\n\ncascade_diagram(cascade)"
        ),
        new_markdown_cell(
            "The inferred tree attaches a member to the most recent earlier member whose "
            "channel it had forwarded or linked before; its metrics say so."
        ),
        new_code_cell(
            'inferred = build_cascades(store, narrative="nato-center", config=config, '
            'tree="inferred")[0]\n'
            '{key: inferred.metrics[key] for key in ("tree", "depth", "structural_virality")}'
        ),
    ],
    "03_channel_network.ipynb": [
        new_markdown_cell(
            "# The channel network and co-amplification\n\n"
            "Who amplifies whom across the whole collection, and which channels amplify the "
            "same posts within a minute of each other (a coordination signal, after "
            "Giglietto et al. 2020)."
        ),
        new_code_cell(OPEN_DEMO),
        new_code_cell(
            "from amplify.network import channel_graph\n\n"
            "graph = channel_graph(store)\n"
            'print(graph.number_of_nodes(), "channels,", graph.number_of_edges(), '
            '"amplification edges")\n'
            'sorted(graph.edges(data="views"), key=lambda e: -e[2])[:10]  # heaviest by views'
        ),
        new_code_cell(
            "from amplify.report.network_figure import network_chart\n\nnetwork_chart(graph)"
        ),
        new_markdown_cell("Channel pairs that amplified the same roots within 60 seconds:"),
        new_code_cell(
            "from amplify.coordination import co_amplification\n\n"
            'pairs = co_amplification(store, window="60s")\n'
            "pairs"
        ),
        new_markdown_cell("Export the network for Gephi (GEXF) and read it back:"),
        new_code_cell(
            "import tempfile\n\nimport networkx as nx\n\n"
            "from amplify.network import write_network\n\n"
            'path = write_network(graph, Path(tempfile.mkdtemp()) / "channels.gexf")\n'
            "again = nx.read_gexf(path)\n"
            "again.number_of_nodes(), again.number_of_edges()"
        ),
    ],
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells)
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        for index, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{index:02d}"  # stable ids: regenerating changes nothing
        nbformat.write(notebook, OUT / name)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
