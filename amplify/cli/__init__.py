"""The ``amplify`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints the result.
A user's mistake (an :class:`~amplify.errors.AmplifyError`) becomes one line on
stderr and a non-zero exit; ``--debug`` shows the traceback instead.

Exit codes: 0 done, 1 failed, 2 bad usage or input, 3 partly done.
"""

from __future__ import annotations

import logging
import sys

import click

from amplify import __version__
from amplify.cli.analysis import cascades, coordination, network
from amplify.cli.collect import collect, login, refresh
from amplify.cli.common import AmplifyGroup
from amplify.cli.db import db, status
from amplify.cli.demo import demo
from amplify.cli.imports import import_
from amplify.cli.report import report


@click.group(cls=AmplifyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="amplify")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output on stderr.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """amplify: who amplified a claim on Telegram, how fast, and to how many eyes."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["quiet"] = quiet or not sys.stderr.isatty()
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


cli.add_command(db)
cli.add_command(status)
cli.add_command(login)
cli.add_command(collect)
cli.add_command(refresh)
cli.add_command(cascades)
cli.add_command(network)
cli.add_command(coordination)
cli.add_command(import_)
cli.add_command(report)
cli.add_command(demo)


def main() -> None:
    """Console-script entry point."""
    cli(obj={})
