"""Shared pieces of the CLI: error handling, ``--db``/``--config`` options, output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console

from amplify.config import Config, load_config, resolve_database
from amplify.errors import AmplifyError
from amplify.store import Store


class AmplifyGroup(click.Group):
    """A click group that turns AmplifyError into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AmplifyError as exc:
            if (ctx.obj or {}).get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.NoArgsIsHelpError:
            raise  # a bare group: click prints its help
        except click.UsageError as exc:
            # A bad option value is a user's mistake too: one line, not click's usage block.
            if (ctx.obj or {}).get("debug"):
                raise
            path = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
            click.echo(f"error: {exc.format_message()} (see '{path} --help')", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; committed work is kept, re-run to continue", err=True)
            sys.exit(130)


def data_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db`` and ``--config`` to a command that touches data."""

    @click.option(
        "--db",
        "db_url",
        metavar="URL",
        help="Database: a file path (SQLite) or postgresql+psycopg://... "
        "[env AMPLIFY_DB; default data/amplify.sqlite]",
    )
    @click.option(
        "--config",
        "config_path",
        metavar="PATH",
        type=click.Path(dir_okay=False),
        help="Configuration file [env AMPLIFY_CONFIG; default ./config.yaml].",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, db_url: str | None, config_path: str | None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        config = load_config(config_path)
        ctx.meta["amplify.config"] = config
        ctx.meta["amplify.db"] = resolve_database(db_url, config)
        return func(*args, **kwargs)

    return wrapper


def current_config() -> Config:
    """The validated configuration of the running command."""
    return click.get_current_context().meta["amplify.config"]


def open_store(*, upgrade: bool = True) -> Store:
    """The store named by ``--db``, the environment or the configuration."""
    return Store(click.get_current_context().meta["amplify.db"], upgrade=upgrade)


def stdout() -> Console:
    """A console for results (stdout)."""
    # Piped output gets a wide, stable layout instead of rich's 80-column fallback.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def stderr(quiet: bool = False) -> Console:
    """A console for progress and notes (stderr); silent with ``--quiet``."""
    return Console(stderr=True, highlight=False, quiet=quiet)
