"""Reports without a browser: files, figures, escaping, byte-stability, provenance, CLI."""

from __future__ import annotations

import csv
import json
import re
from datetime import timedelta
from pathlib import Path

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
import pytest
from click.testing import CliRunner

from amplify import __version__
from amplify.cli import cli
from amplify.config import Narrative
from amplify.records import ChannelStats
from amplify.report import figures, write_report
from amplify.report.escape import hover_text, post_link, snippet
from amplify.report.provenance import STAR_CAVEAT, VIEWS_CAVEAT
from amplify.store import Store
from tests import report_cases as cases
from tests.factories import T0, channel, link, post

OWN_TAGS = re.compile(r"</?(b|br|extra)>")
OWN_SCRIPT = re.compile(
    r'<script src="(\.\./)?assets/(plotly\.min|report)\.js">'
    r'|<script type="application/json" id="[a-z]+-data">'
)


def write(tmp_path: Path, name: str = "report", **kwargs) -> Path:
    kwargs.setdefault("title", "NATO center")
    kwargs.setdefault("generated_at", cases.GENERATED)
    cascades = kwargs.pop("cascades", [cases.known_cascade(), cases.hostile_cascade()])
    return write_report(cascades, tmp_path / name, **kwargs)


def strings(value) -> list[str]:
    """Every string inside a figure's JSON-like structure."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def json_blocks(page: str) -> dict[str, object]:
    found = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', page, re.S)
    return {name: json.loads(text) for name, text in found}


# -- files -------------------------------------------------------------------------


def test_writes_index_cascade_pages_csv_assets_and_network(tmp_path: Path) -> None:
    index = write(tmp_path, network=cases.hostile_network())
    out = index.parent
    assert index == out / "index.html"
    for name in ("plotly.min.js", "report.js", "report.css"):
        assert (out / "assets" / name).stat().st_size > 0
    assert (out / "assets" / "plotly.min.js").stat().st_size > 1_000_000  # plotly.js itself
    for stem in ("101-1234", "9001-1"):
        assert (out / "cascades" / f"{stem}.html").exists()
        assert (out / "cascades" / f"{stem}.csv").exists()
    html = index.read_text(encoding="utf-8")
    assert 'href="cascades/101-1234.html"' in html and 'href="network.html"' in html
    assert html.index("101-1234.html") < html.index("9001-1.html")  # largest reach first
    read = {".gexf": nx.read_gexf, ".graphml": nx.read_graphml}
    for suffix, reader in read.items():
        graph = reader(out / f"network{suffix}")
        assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 2
    page = (out / "cascades" / "101-1234.html").read_text(encoding="utf-8")
    assert 'src="../assets/plotly.min.js"' in page and 'href="101-1234.csv"' in page


def test_members_table_data_has_every_post_with_its_numbers(tmp_path: Path) -> None:
    page = (write(tmp_path).parent / "cascades" / "101-1234.html").read_text(encoding="utf-8")
    members = json_blocks(page)["members-data"]
    assert len(members["rows"]) == 6
    channels = {c[1]: c for c in members["channels"]}
    assert channels[101] == ["@AsiaToday", 101, "AsiaToday"]
    assert channels[505] == ["Operation Z", 505, None]  # no username: t.me/c/ link
    root, forward = members["rows"][0], members["rows"][1]
    assert root[1:5] == ["2023-10-24 10:12:00", 87_000, 100_000, "root"] and root[8] == 1
    assert forward[4] == "forward" and forward[9] == 1 and forward[6] == ""  # same text
    assert [r[2] for r in members["rows"]].count(None) == 1  # Rudenko's unknown views


# -- figures -----------------------------------------------------------------------


def test_reach_chart_ends_at_the_cascades_reach() -> None:
    cascade = cases.known_cascade()
    fig = figures.reach_chart(cascade)
    assert isinstance(fig, go.Figure)
    line = fig.data[0]
    assert line.name == "cumulative views" and line.line.shape == "hv"
    assert line.y[-1] == cascade.metrics["reach"] == cases.KNOWN_REACH
    assert list(line.y) == [87_000, 487_000, 737_000, 737_000, 767_000]  # album once
    assert fig.data[-1].name == "root post" and fig.data[-1].marker.symbol == "star"
    markers = [t for t in fig.data[1:] if t.mode == "markers"]
    assert sum(len(t.x) for t in markers) == 5  # distinct posts: the album is one
    assert all(type(t) is go.Scatter for t in fig.data)


def test_reach_chart_follows_repeated_view_observations() -> None:
    cascade = cases.known_cascade()
    observed = [
        (101, 1234, cases.T0 + timedelta(hours=h), v) for h, v in ((1, 40_000), (3, 87_000))
    ]
    observed += [
        (202, 55, cases.T0 + timedelta(hours=h), v) for h, v in ((2, 100_000), (4, 400_000))
    ]
    observed.append((404, 9, cases.T0 + timedelta(hours=5), 1_000))  # one observation: no curve
    stats = pd.DataFrame(observed, columns=["channel_id", "message_id", "observed_at", "views"])
    fig = figures.reach_chart(cascade, stats)
    line = fig.data[0]
    assert line.line.shape == "linear" and "2 posts follow" in fig.layout.title.text
    at = dict(zip(line.x, line.y, strict=False))
    # at 11:12: the root's first observation, Sladkov+ a third of the way from 0 at
    # 10:42 to 100,000 at 12:12, and Kotsnews' album (no observations) since 10:57
    assert at["2023-10-24 11:12:00"] == 40_000 + 33_333 + 250_000
    assert line.y[-1] == cases.KNOWN_REACH  # last observations equal the stored views


def test_cascade_diagram_draws_one_edge_trace_per_kind() -> None:
    fig = figures.cascade_diagram(cases.known_cascade())
    edges = [t.name for t in fig.data if t.mode == "lines"]
    assert edges == ["forward edges", "link edges", "media edges", "copy edges"]
    forward = next(t for t in fig.data if t.name == "forward edges")
    assert list(forward.x) == ["2023-10-24 10:12:00", "2023-10-24 10:42:00", None]
    posts = [t for t in fig.data if t.mode == "markers"]
    assert sum(len(t.x) for t in posts) == 6
    assert list(fig.layout.yaxis.ticktext[:2]) == ["@AsiaToday", "@sladkov_plus"]


def test_cascade_diagram_stays_light_for_a_large_cascade() -> None:
    from benchmarks.report import make_cascade

    cascade = make_cascade(2_000)
    fig = figures.cascade_diagram(cascade)
    kinds = {k for *_, k in cascade.graph.edges(data="kind")}
    assert len([t for t in fig.data if t.mode == "lines"]) == len(kinds)
    assert len(fig.data) <= 2 * len(kinds) + 1
    assert sum(len(t.x) for t in fig.data if t.mode == "markers") == 2_000


def test_amplifier_chart_is_sorted_by_views_without_the_root_channel() -> None:
    fig = figures.amplifier_chart(cases.known_cascade())
    views, subscribers = fig.data
    order = list(views.y)[::-1]  # drawn bottom-up
    assert order == ["@sladkov_plus", "@kotsnews", "Operation Z", "@rudenko_v"]
    assert list(views.x)[::-1] == [400_000, 250_000, 30_000, 0]
    assert list(subscribers.x)[::-1] == [932_000, 568_000, 1_300_000, 250_000]
    assert "views: unknown" in views.hovertext[0]  # Rudenko's, drawn at the bottom


def test_network_chart_draws_channels_and_ties() -> None:
    fig = figures.network_chart(cases.hostile_network())
    ties, channels = fig.data
    assert len(channels.x) == 3 and list(ties.x).count(None) == 2
    assert figures.network_chart(cases.hostile_network()).to_json() == fig.to_json()


def test_figure_strings_carry_no_markup_but_amplifys_own() -> None:
    cascade = cases.hostile_cascade()
    for make in (figures.reach_chart, figures.amplifier_chart, figures.cascade_diagram):
        for text in strings(make(cascade).to_plotly_json()):
            assert "<" not in OWN_TAGS.sub("", text), text[:200]
    for text in strings(figures.network_chart(cases.hostile_network()).to_plotly_json()):
        assert "<" not in OWN_TAGS.sub("", text), text[:200]


# -- hostile input -----------------------------------------------------------------


def test_escape_helpers() -> None:
    assert snippet("a\u202eb\u2066c\u200bd\ufeff  e\n\nf") == "abcd e f"
    assert snippet("x" * 500, 200) == "x" * 199 + "…"
    assert hover_text("<a href='x'>&</a>") == "&lt;a href='x'&gt;&amp;&lt;/a&gt;"
    assert post_link("AsiaToday", 1, 5) == "https://t.me/AsiaToday/5"
    for bad in ("javascript:alert(1)", "a/../../x", "abc", "имя_канала", "x" * 40, None):
        assert post_link(bad, 1790216493, 7) == "https://t.me/c/1790216493/7"


def test_no_payload_reaches_any_page_unescaped(tmp_path: Path) -> None:
    out = write(tmp_path, network=cases.hostile_network()).parent
    pages = [p for p in out.rglob("*") if p.suffix in (".html", ".js", ".css")]
    pages = [p for p in pages if p.name != "plotly.min.js"]
    assert len(pages) == 6
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for payload in (*cases.PAYLOADS, "<img"):
            assert payload not in text, (page.name, payload)
        for tag in re.findall(r"<script[^>]*>", text, re.I):
            assert OWN_SCRIPT.fullmatch(tag), (page.name, tag)
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", text, re.I)
        assert "\u202e" not in text and "\x00" not in text and "\x07" not in text
    hostile = (out / "cascades" / "9001-1.html").read_text(encoding="utf-8")
    title = "<title>Cascade &lt;script&gt;window.__pwned=1&lt;/script&gt;evil t…/1</title>"
    assert title in hostile  # escaped, the RLO gone, cut to 40 characters
    blocks = json_blocks(hostile)  # every embedded JSON block still parses
    assert {"reach-data", "amplifiers-data", "diagram-data", "members-data"} <= set(blocks)
    rows = blocks["members-data"]["rows"]
    assert len(rows[3][6]) == 200  # the 100,000-character text, cut for display
    assert all(c[2] is None for c in blocks["members-data"]["channels"][:2])  # bad usernames


def test_only_relative_assets_and_tme_links(tmp_path: Path) -> None:
    out = write(tmp_path, network=cases.hostile_network()).parent
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for attr, url in re.findall(r"""\b(src|href)="([^"]*)\"""", text):
            if "://" in url:
                assert attr == "href" and re.fullmatch(r"https://t\.me/[\w/]+", url), url
            else:
                assert not url.startswith(("//", "data:", "javascript:")), url
        for tag in re.findall(r"<a [^>]*https://[^>]*>", text):
            assert 'rel="noopener noreferrer"' in tag
        assert "@import" not in text and "url(" not in text


def test_csv_keeps_the_full_text_and_neutralises_formulas(tmp_path: Path) -> None:
    out = write(tmp_path).parent
    with open(out / "cascades" / "9001-1.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5
    assert len(rows[3]["text"]) == cases.LONG_TEXT_CHARS
    assert rows[3]["title"] == "'@=cmd|' /C calc'!A0"
    assert rows[0]["url"] == "https://t.me/c/9001/1"  # hostile username not in the link
    with open(out / "cascades" / "101-1234.csv", encoding="utf-8", newline="") as handle:
        known = list(csv.DictReader(handle))
    assert known[-1]["text"] == '\'=HYPERLINK("http://evil")'
    assert [r["views"] for r in known][:2] == ["87000", "400000"]


# -- reproducibility and provenance ---------------------------------------------------


def test_reports_are_byte_stable_but_for_the_generation_time(tmp_path: Path) -> None:
    first = write(tmp_path, "a", network=cases.hostile_network()).parent
    later = cases.GENERATED + timedelta(days=400, seconds=7)
    second = write(tmp_path, "b", network=cases.hostile_network(), generated_at=later).parent
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    for name in names:
        a, b = (first / name).read_bytes(), (second / name).read_bytes()
        if a == b:
            continue
        a_lines, b_lines = a.splitlines(), b.splitlines()
        differ = [i for i, (x, y) in enumerate(zip(a_lines, b_lines, strict=True)) if x != y]
        assert len(differ) == 1, name  # exactly one line holds the time
        line = b_lines[differ[0]].decode()
        assert "2025-04-05" in line, (name, line)


def test_footer_names_database_runs_version_and_caveats(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.sqlite")
    store.save_channels([channel(1, "AsiaToday"), channel(2, "sladkov_plus")])
    run = store.start_run("import", {"path": "result.json"})
    root = post(1, 10, text="NATO center", views=87_000)
    store.save_posts(
        [root, post(2, 5, minutes=30, fwd_channel_id=1, fwd_message_id=10)], run_id=run
    )
    store.finish_run(run, "done", {"posts": 2, "caveats": ["the export has no view counts"]})
    store.start_run("collect", {})  # a run whose posts no cascade holds
    from amplify.cascades import build_cascades

    index = write_report(build_cascades(store), tmp_path / "r", title="t", store=store)
    footer = index.read_text(encoding="utf-8").split("<footer>")[1]
    assert f"amplify {__version__}" in footer and str(tmp_path / "a.sqlite") in footer
    assert "run 1: import" in footer and "run 2" not in footer
    assert VIEWS_CAVEAT in footer and STAR_CAVEAT in footer
    assert "Run 1 (import): the export has no view counts" in footer
    assert "1 post has no view count" in footer


def test_index_shows_the_narrative_escaped(tmp_path: Path) -> None:
    narrative = Narrative(
        title="NATO center <script>",
        keywords=["НАТО", "<b>NATO</b>"],
        patterns=[r"KAZ\s*CENT"],
        since=T0,
    )
    html = write(tmp_path, narrative=narrative).read_text(encoding="utf-8")
    assert "NATO center &lt;script&gt;" in html and "&lt;b&gt;NATO&lt;/b&gt;" in html
    assert "KAZ\\s*CENT" in html and "2023-10-20 09:00:00 to now (UTC)" in html


# -- command line --------------------------------------------------------------------


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "a.sqlite"
    store = Store(path)
    store.save_channels([channel(1, "AsiaToday"), channel(2, "sladkov_plus"), channel(3, None)])
    store.save_channel_stats([ChannelStats(1, T0, 100_000), ChannelStats(2, T0, 932_000)])
    text = "NATO center in Kazakhstan"
    store.save_posts(
        [
            post(1, 10, text=text, views=87_000),
            post(2, 5, minutes=30, text=text, views=400_000, fwd_channel_id=1, fwd_message_id=10),
            post(3, 7, minutes=45, text="see", views=1_000, links=[link("asiatoday", 10)]),
        ]
    )
    store.close()
    return path


def test_cli_report_writes_the_report(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["report", "--db", str(demo_db), "--out", str(out)]
    result = CliRunner().invoke(cli, args, obj={}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"wrote a report of 1 cascades to {out / 'index.html'}" in result.output
    assert (out / "cascades" / "1-10.html").exists() and (out / "network.gexf").exists()
    assert nx.read_gexf(out / "network.gexf").number_of_edges() == 2
    one = CliRunner().invoke(
        cli,
        [*args[:3], "--out", str(tmp_path / "one"), "--root", "https://t.me/AsiaToday/10"],
        obj={},
    )
    assert one.exit_code == 0 and "Cascade of https://t.me/AsiaToday/10" in (
        tmp_path / "one" / "index.html"
    ).read_text(encoding="utf-8")


def test_cli_report_without_cascades_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["report", "--db", str(tmp_path / "empty.sqlite"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0 and "no cascades matched" in result.output
    assert not (tmp_path / "o" / "index.html").exists()


def test_benchmark_runs_on_a_small_cascade() -> None:
    from benchmarks.report import run

    result = run(members=300)
    assert result["members"] == 300 and result["seconds"] > 0
    assert result["total_bytes"] == sum(result["files"].values())
    assert result["plotly_js_bytes"] == result["files"]["assets/plotly.min.js"]
