"""The CLI spine: help, version, errors as one line with the right exit code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from amplify import __version__
from amplify.cli import cli
from amplify.migrations import head_revision
from amplify.store import Store
from tests.factories import T0, channel, post

ROOT = Path(__file__).resolve().parents[1]


def all_commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    found = {}
    for name, command in group.commands.items():
        found[f"{prefix}{name}"] = command
        if isinstance(command, click.Group):
            found.update(all_commands(command, f"{prefix}{name} "))
    return found


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), obj={}, env=env, catch_exceptions=False)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in all_commands().items():
        assert command.help and command.help.strip(), f"'amplify {name}' has no help text"
        result = run(*name.split(), "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
        assert f"amplify {name}" in readme, f"README does not document 'amplify {name}'"
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"'amplify {name}' option {param.opts} has no help"


def test_version() -> None:
    assert run("--version").output.strip() == f"amplify, version {__version__}"


def test_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "a.sqlite"
    result = run("db", "upgrade", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert f"schema revision {head_revision()}" in result.output and path.exists()
    assert run("db", "current", "--db", str(path)).output.startswith(head_revision())


def test_status_lists_channels_and_escapes_markup(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    store = Store(path)
    store.save_channels([channel(1, "AsiaToday", title="[bold red]Asia[/] Today")])
    store.save_posts([post(1, 1), post(1, 2, minutes=5)])
    run_id = store.start_run("import", {"path": "x.json"})
    store.finish_run(run_id, "done", {"posts": 2})
    result = run("status", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert "@AsiaToday" in result.output and "[bold red]Asia[/] Today" in result.output
    assert re.search(r"posts\s*│\s*2", result.output)
    as_json = run("status", "--db", str(path), "--format", "json")
    assert '"last_post": "' + T0.strftime("%Y-%m-%d") in as_json.output.replace(" ", "").replace(
        '"last_post":"', '"last_post": "'
    )


def test_a_users_mistake_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_text("not a database" * 100)
    before = bad.read_bytes()
    result = CliRunner().invoke(cli, ["status", "--db", str(bad)], obj={})
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert "Traceback" not in result.output
    assert bad.read_bytes() == before
    config = tmp_path / "config.yaml"
    config.write_text("colection: {}\n")
    result = CliRunner().invoke(cli, ["status", "--config", str(config)], obj={})
    assert result.exit_code == 2 and "colection: unknown key" in result.output


def test_the_console_script_runs_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("amplify")
    bad = tmp_path / "bad.sqlite"
    bad.write_text("x" * 200)
    env = {**os.environ, "AMPLIFY_DB": str(bad)}
    plain = subprocess.run(
        [str(script), "status"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert plain.returncode == 2 and plain.stdout == ""
    assert plain.stderr.strip().startswith("error: ") and "\n" not in plain.stderr.strip()
    debug = subprocess.run(
        [str(script), "--debug", "status"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert debug.returncode != 0 and "Traceback" in debug.stderr


@pytest.mark.parametrize("args", [["nosuchcommand"], ["status", "--format", "xml"]])
def test_bad_usage_exits_2(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, obj={})
    assert result.exit_code == 2
