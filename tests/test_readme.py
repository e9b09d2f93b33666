"""The README's commands are real commands, and its CLI reference is the real --help."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from amplify.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "scripts"))

from cli_reference import END, START, render  # noqa: E402


def resolve(words: list[str]) -> click.Command | None:
    command: click.Command = cli
    for word in words:
        if not isinstance(command, click.Group) or word not in command.commands:
            return command if command is not cli else None
        command = command.commands[word]
    return command


def test_every_amplify_command_in_the_readme_exists() -> None:
    mentions = re.findall(r"\bamplify ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", README)
    assert len(mentions) > 20
    for mention in mentions:
        words = mention.split()
        if words[0] not in cli.commands:
            # prose such as "amplify answers"; only code spans and blocks name commands
            assert f"`amplify {mention}" not in README and f"\n$ amplify {mention}" not in README
            continue
        assert resolve(words) is not None, mention


def test_commands_in_code_blocks_parse(tmp_path) -> None:
    blocks = re.findall(r"```(?:sh|bash|console)\n(.*?)```", README, flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    commands = [line for line in lines if line.startswith("amplify ")]
    assert commands, "the README shows no amplify command line"
    for line in commands:
        words = line.split()[1:]
        words = [w for w in words if not w.startswith(("#",))]
        command_words = []
        for word in words:
            if word.startswith("-") or "/" in word or "." in word:
                break
            command_words.append(word)
        assert resolve(command_words) is not None, line


def test_the_cli_reference_matches_help() -> None:
    assert START in README and END in README
    assert render(README) == README, "run: python scripts/cli_reference.py"
