"""``amplify cascades``, ``amplify network`` and ``amplify coordination``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from amplify.cli import cli
from amplify.store import Store
from tests.factories import channel, post
from tests.test_cascades import ASIA, NEWS, RUDENKO, SLADKOV, reference_case

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "a.sqlite"
    store = Store(path)
    reference_case(store)
    store.close()
    return str(path)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), obj={}, catch_exceptions=False)


def test_cascades_table_csv_json(db: str) -> None:
    table = run("cascades", "--db", db)
    assert table.exit_code == 0, table.output
    assert "https://t.me/AsiaToday/100" in table.stdout and "1,457,000" in table.stdout
    frame = pd.read_csv(io.StringIO(run("cascades", "--db", db, "--format", "csv").stdout))
    assert frame["root"].iloc[0] == "https://t.me/AsiaToday/100"
    assert frame["reach"].iloc[0] == 1_457_000 and frame["size"].iloc[0] == 8
    rows = json.loads(run("cascades", "--db", db, "--format", "json", "--top", "1").stdout)
    assert len(rows) == 1 and rows[0]["potential_reach"] == 4_450_000
    assert rows[0]["date"].startswith("2023-10-20 09:00")


def test_cascades_root_lists_members(db: str) -> None:
    result = run("cascades", "--db", db, "--root", "https://t.me/AsiaToday/100", "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["size"] == 8 and len(payload["members"]) == 8
    urls = {m["url"] for m in payload["members"]}
    assert "https://t.me/news_kz/21" in urls and "https://t.me/rudenko/52" in urls
    inferred = run("cascades", "--db", db, "--root", "t.me/AsiaToday/100", "--tree", "inferred")
    assert inferred.exit_code == 0 and "inferred" in inferred.stdout
    csv = pd.read_csv(
        io.StringIO(
            run("cascades", "--db", db, "--root", "t.me/AsiaToday/100", "--format", "csv").stdout
        )
    )
    assert len(csv) == 8 and set(csv["kinds"].dropna()) >= {"forward", "copy", "media", "link,copy"}


def test_cascades_narrative_from_config(db: str) -> None:
    config = str(REPO / "config.yaml")
    result = run(
        "cascades", "--db", db, "--config", config, "--narrative", "nato-center", "--format", "json"
    )
    assert [r["root"] for r in json.loads(result.stdout)] == ["https://t.me/AsiaToday/100"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--narrative", "nope"], "narrative 'nope' is not defined"),
        (["--root", "https://example.com/1"], "is not a link to a Telegram post"),
        (["--root", "https://t.me/AsiaToday/999"], "not in the store"),
        (["--kinds", "forward,retweet"], "unknown cascade edge kind 'retweet'"),
    ],
)
def test_cascades_mistakes_are_one_line_exit_2(db: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["cascades", "--db", db, *args], obj={})
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_narrative_and_root_together_is_bad_usage(db: str) -> None:
    result = CliRunner().invoke(
        cli, ["cascades", "--db", db, "--narrative", "x", "--root", "t.me/AsiaToday/100"], obj={}
    )
    assert result.exit_code == 2 and "not both" in result.output


def test_empty_result_is_a_note_on_stderr(tmp_path: Path) -> None:
    result = run("cascades", "--db", str(tmp_path / "empty.sqlite"))
    assert result.exit_code == 0 and result.stdout == ""
    assert "no cascades match" in result.stderr
    as_json = run("cascades", "--db", str(tmp_path / "empty.sqlite"), "--format", "json")
    assert json.loads(as_json.stdout) == []


def test_hostile_text_is_not_markup_and_csv_is_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    store = Store(path)
    store.save_channels(
        [
            channel(1, None, title='=HYPERLINK("http://evil")'),
            channel(2, None, title="[bold red]X[/]"),
        ]
    )
    store.save_posts(
        [post(1, 1, text="a", views=1), post(2, 1, 5, views=1, fwd_channel_id=1, fwd_message_id=1)]
    )
    store.close()
    csv = run("cascades", "--db", str(path), "--format", "csv").stdout
    assert "'=HYPERLINK" in csv
    table = run("cascades", "--db", str(path), "--root", "https://t.me/c/2/1").stdout
    assert "[bold red]X[/]" in table


def test_network_writes_gexf_that_networkx_reads(db: str, tmp_path: Path) -> None:
    out = tmp_path / "net" / "channels.gexf"
    result = run("network", "--db", db, "--out", str(out))
    assert result.exit_code == 0 and "9 edges" in result.stdout
    graph = nx.read_gexf(out, node_type=int)
    assert graph.edges[ASIA, NEWS]["kinds"] == "link,copy"
    bad = CliRunner().invoke(cli, ["network", "--db", db, "--out", str(tmp_path / "x.png")], obj={})
    assert bad.exit_code == 2 and ".gexf, .graphml or .csv" in bad.stderr


def test_coordination_command(db: str) -> None:
    # AsiaToday's root: Sladkov+ at +20 min and Rudenko at +25 are the only pair 10 min apart
    result = run("coordination", "--db", db, "--window", "10min", "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["channel_a"], r["channel_b"], r["weight"]) for r in rows] == [(SLADKOV, RUDENKO, 1)]
    assert rows[0]["roots"] == [[ASIA, 100]]
    table = run("coordination", "--db", db)  # 60 s: nobody
    assert table.exit_code == 0 and "no two channels amplified the same root" in table.stderr
    bad = CliRunner().invoke(cli, ["coordination", "--db", db, "--window", "soon"], obj={})
    assert bad.exit_code == 2 and "not a duration" in bad.stderr
