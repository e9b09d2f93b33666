"""The built-in demo reconstructs the published picture of the "NATO center" case."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from amplify.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]
MILBLOGGERS = {
    "demo_sladkov_plus",
    "demo_kotsnews",
    "demo_rudenko_v",
    "demo_turned_on_z_war",
    "demo_operation_z",
    "demo_rybar",
    "demo_medvedev_andrei",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return run_demo(tmp_path_factory.mktemp("demo"))


def test_the_narrative_has_one_cascade_rooted_at_asiatoday(demo) -> None:
    assert len(demo.cascades) == 1
    cascade = demo.cascades[0]
    root = cascade.root_attributes
    assert (root["username"], cascade.root[1], root["views"]) == ("demo_AsiaToday", 4127, 87_000)


def test_members_and_the_kinds_that_tie_them_to_the_root(demo) -> None:
    members = demo.cascades[0].members.set_index("username")
    kinds = {name: set(value.split(",")) for name, value in members["kinds"].items() if value}
    assert kinds == {
        "demo_sladkov_plus": {"forward"},
        "demo_rudenko_v": {"forward"},
        "demo_earlier_than_others": {"forward"},
        "demo_kotsnews": {"copy", "media"},
        "demo_rybar": {"copy", "media"},
        "demo_operation_z": {"media"},
        "demo_turned_on_z_war": {"copy"},
        "demo_medvedev_andrei": {"link"},
        "demo_sputnik_kz": {"link"},
    }
    # The Ministry's denial, TASS's rewrite and the NATO posts about Poland, Tallinn and Riga
    # mention the claim but are not reposts of it.
    assert not {"demo_mod_kz", "demo_tass_agency", "demo_agentstvo"} & set(members.index)


def test_figures_match_the_published_ones(demo) -> None:
    cascade = demo.cascades[0]
    members = cascade.members
    milbloggers = members[members["username"].isin(MILBLOGGERS)]
    assert milbloggers["views"].sum() == 2_010_000  # "more than 2 million views"
    news = members[members["username"] == "demo_earlier_than_others"]
    assert news["views"].tolist() == [520_000]  # "more than half a million views"
    assert cascade.metrics["reach"] == 87_000 + 2_010_000 + 520_000 + 24_000
    assert demo.amplifiers == 9 and demo.amplifier_reach == 2_554_000
    assert demo.first_amplification_s == 19 * 60  # Medvedev's link, 19 minutes after the root
    assert "9 amplifying channels" in demo.headline() and "19 min" in demo.headline()


def test_the_report_is_written_and_says_the_data_is_illustrative(demo) -> None:
    index = demo.report.read_text(encoding="utf-8")
    assert "illustrative" in index and "DFRLab" in index
    pages = list((demo.report.parent / "cascades").glob("*.html"))
    assert len(pages) == 1


def test_the_demo_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    """data/demo/ is reproducible from scripts/build_demo_data.py (nothing edited by hand)."""
    script = ROOT / "scripts" / "build_demo_data.py"
    code = (
        "import runpy, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "ns = runpy.run_path(sys.argv[2]); ns['OUT'] = Path(sys.argv[3]);"
        "ns['main'].__globals__['OUT'] = Path(sys.argv[3]); ns['main']()"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(script), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ("channels.jsonl", "posts.jsonl"):
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / "demo" / name).read_bytes()
