"""Regenerate the README's CLI reference from the commands' own ``--help``.

``python scripts/cli_reference.py`` rewrites the block between the markers in
README.md; ``tests/test_readme.py`` fails when the README and ``--help`` disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    found = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append([*prefix, name])
        if isinstance(command, click.Group):
            found.extend(_commands(command, [*prefix, name]))
    return found


def reference() -> str:
    """The markdown reference: ``amplify --help`` then every command's help."""
    from amplify.cli import cli

    runner = CliRunner()
    parts = []
    for path in [[], *_commands(cli, [])]:
        result = runner.invoke(
            cli, [*path, "--help"], obj={}, terminal_width=100, prog_name="amplify"
        )
        title = " ".join(["amplify", *path])
        parts.append(f"### `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def render(readme: str) -> str:
    """README text with the reference block replaced."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n\n{reference()}\n{END}{tail}"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    if START not in text:
        sys.exit(f"{README} has no {START} marker")
    README.write_text(render(text), encoding="utf-8")
    print(f"updated the CLI reference in {README}")


if __name__ == "__main__":
    main()
