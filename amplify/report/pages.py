"""Write a report: an index, a page per cascade, a channel network page, their assets.

Layout of ``out_dir``::

    index.html                      the narrative and a sortable table of its cascades
    cascades/<channel>-<message>.html, .csv   a page and a members CSV per cascade
    network.html, network.gexf, network.graphml   when a channel network is given
    assets/plotly.min.js, report.js, report.css   written once, referenced relatively

Pages are Jinja2 templates with autoescape on; figures are embedded as JSON in
``<script type="application/json">`` blocks and drawn by ``assets/report.js``. Nothing
is loaded from the network, so a report opens from a USB stick. The same data gives
the same bytes, except the one line of each page that holds the generation time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs
from plotly.utils import PlotlyJSONEncoder

from amplify.config import Narrative
from amplify.exports import safe_csv
from amplify.model import Cascade
from amplify.report import figures, tables
from amplify.report.escape import clean_text, json_for_html, visible
from amplify.report.provenance import Provenance, collect_provenance
from amplify.store import Store

log = logging.getLogger(__name__)

ASSETS = ("report.js", "report.css")


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("amplify.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def json_block(value: Any) -> Markup:
    """Compact JSON that is safe inside ``<script type="application/json">``.

    UTF-8 rather than ``\\u`` escapes (Cyrillic text takes a third of the bytes), and
    ``<``, ``>``, ``&`` escaped by :func:`~amplify.report.escape.json_for_html`.
    """
    text = json.dumps(
        value,
        default=PlotlyJSONEncoder().default,
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    )
    return Markup(json_for_html(text))  # noqa: S704 - escaped for a script element


def figure_json(fig: go.Figure) -> Markup:
    """A figure as JSON for a page (see :func:`json_block`)."""
    return json_block(fig.to_plotly_json())


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _write_assets(out: Path) -> None:
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    _write(assets / "plotly.min.js", get_plotlyjs())
    package = resources.files("amplify.report") / "assets"
    for name in ASSETS:
        _write(assets / name, package.joinpath(name).read_text(encoding="utf-8"))


class _Pages:
    """Renders pages with what every page shares (provenance, navigation)."""

    def __init__(self, provenance: Provenance, has_network: bool) -> None:
        self.provenance = provenance
        self.has_network = has_network
        at = provenance.generated_at.astimezone(UTC)
        self.generated = {
            "generated_iso": at.isoformat(timespec="seconds"),
            "generated_text": at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        }

    def render(self, template: str, path: Path, *, root: str, **context: Any) -> None:
        page = (
            _environment()
            .get_template(template)
            .render(
                root=root,
                provenance=self.provenance,
                has_network=self.has_network,
                **self.generated,
                **context,
            )
        )
        _write(path, page)


def _stats_for(post_stats: pd.DataFrame | None, cascades: Sequence[Cascade]) -> pd.DataFrame | None:
    """Observations of the cascades' posts that draw a curve (two or more per post)."""
    if post_stats is None or post_stats.empty or not cascades:
        return None
    keys = pd.MultiIndex.from_tuples([n for c in cascades for n in c.graph.nodes])
    index = pd.MultiIndex.from_arrays([post_stats["channel_id"], post_stats["message_id"]])
    stats = post_stats[index.isin(keys) & post_stats["views"].notna()]
    observations = stats.groupby(["channel_id", "message_id"])["views"].transform("size")
    return stats[observations >= 2]


def _cascade_page(pages: _Pages, out: Path, cascade: Cascade, stats: pd.DataFrame | None) -> str:
    name = tables.page_name(cascade)
    own = None
    if stats is not None:
        index = pd.MultiIndex.from_arrays([stats["channel_id"], stats["message_id"]])
        own = stats[index.isin(pd.MultiIndex.from_tuples(list(cascade.graph.nodes)))]
    figs = {
        "reach": figure_json(figures.reach_chart(cascade, own)),
        "amplifiers": figure_json(figures.amplifier_chart(cascade)),
        "diagram": figure_json(figures.cascade_diagram(cascade)),
    }
    safe_csv(tables.members_csv_frame(cascade), out / "cascades" / f"{name}.csv")
    root = tables.root_summary(cascade)
    pages.render(
        "cascade.html",
        out / "cascades" / f"{name}.html",
        root="../",
        page_title=f"Cascade {root['channel']}/{cascade.root[1]}",
        heading=f"Cascade of {root['channel']}, post {cascade.root[1]}",
        root_post=root,
        metrics=tables.metric_items(cascade),
        figures=figs,
        members=json_block(tables.member_rows(cascade)),
        member_count=f"{cascade.size:,}",
        text_limit=tables.TEXT_LIMIT,
        csv=f"{name}.csv",
    )
    return f"cascades/{name}.html"


def _export_graph(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` that GEXF and GraphML accept, nodes and edges in sorted order."""

    def plain(data: dict) -> dict:
        out = {}
        for key, value in sorted(data.items()):
            if value is None or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, datetime | pd.Timestamp):
                value = value.isoformat()
            elif isinstance(value, list | tuple | set | frozenset):
                value = ", ".join(sorted(str(v) for v in value))
            elif not isinstance(value, bool | int | float | str):
                value = str(value)
            out[str(key)] = clean_text(value) if isinstance(value, str) else value
        return out

    copy = graph.__class__()
    for node in sorted(graph.nodes, key=str):
        copy.add_node(node, **plain(graph.nodes[node]))
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (str(e[0]), str(e[1]))):
        copy.add_edge(u, v, **plain(data))
    return copy


def _network_page(pages: _Pages, out: Path, graph: nx.Graph, generated_at: datetime) -> None:
    export = _export_graph(graph)
    day = generated_at.astimezone(UTC).strftime("%Y-%m-%d")
    gexf = "\n".join(
        f'    <meta lastmodifieddate="{day}">' if "lastmodifieddate" in line else line
        for line in nx.generate_gexf(export)
    )
    _write(out / "network.gexf", gexf + "\n")
    _write(out / "network.graphml", "\n".join(nx.generate_graphml(export)) + "\n")
    pages.render(
        "network.html",
        out / "network.html",
        root="",
        page_title="Channel network",
        heading="Channel network",
        figures={"network": figure_json(figures.network_chart(graph))},
    )


def write_report(
    cascades: Iterable[Cascade],
    out_dir: str | Path,
    *,
    title: str,
    narrative: Narrative | None = None,
    store: Store | None = None,
    caveats: Iterable[str] = (),
    generated_at: datetime | None = None,
    network: nx.Graph | None = None,
) -> Path:
    """Write an offline HTML report of ``cascades`` into ``out_dir``.

    Parameters
    ----------
    cascades : iterable of Cascade
        The cascades to report, e.g. from :func:`amplify.cascades.build_cascades`.
        The index lists them by reach, largest first.
    out_dir : str or Path
        Created if missing; files of an earlier report there are overwritten.
    title : str
        The report's title.
    narrative : Narrative, optional
        The narrative whose rules selected the cascades: title, rules and window are
        shown on the index.
    store : Store, optional
        Adds the database (password hidden), the runs whose posts the cascades hold,
        the caveats those runs recorded, and real view curves from ``post_stats``.
    caveats : iterable of str
        More caveats for the footer.
    generated_at : datetime, optional
        The generation time shown in each page's footer (default: now). Everything
        else is the same for the same data.
    network : networkx.Graph, optional
        A channel network (e.g. from :mod:`amplify.network`): adds ``network.html``
        and its GEXF and GraphML files.

    Returns
    -------
    Path
        The index page, ``out_dir/index.html``.
    """
    ordered = sorted(
        cascades,
        key=lambda c: (-(c.metrics.get("reach") or 0), int(c.root[0]), int(c.root[1])),
    )
    out = Path(out_dir)
    (out / "cascades").mkdir(parents=True, exist_ok=True)
    _write_assets(out)
    generated_at = generated_at or datetime.now(UTC)
    provenance = collect_provenance(
        ordered, store=store, caveats=caveats, generated_at=generated_at
    )
    pages = _Pages(provenance, has_network=network is not None)
    stats = _stats_for(store.post_stats_frame() if store is not None else None, ordered)
    rows = []
    for cascade in ordered:
        page = _cascade_page(pages, out, cascade, stats)
        rows.append(tables.index_row(cascade, page))
    if network is not None:
        _network_page(pages, out, network, generated_at)
    index = out / "index.html"
    pages.render(
        "index.html",
        index,
        root="",
        page_title=visible(title),
        heading=visible(title),
        narrative=tables.narrative_summary(narrative),
        rows=rows,
    )
    log.info("wrote a report of %d cascades to %s", len(ordered), out)
    return index
