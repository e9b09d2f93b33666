"""``amplify db`` and ``amplify status``."""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from amplify.cli.common import data_options, open_store, stdout
from amplify.migrations import head_revision
from amplify.store import redact_url
from amplify.summary import store_summary


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@data_options
def db_upgrade() -> None:
    """Create the database or migrate it to the current schema.

    Safe to run at any time: an up-to-date database is left as it is.
    """
    store = open_store(upgrade=True)
    click.echo(f"{redact_url(store.url)} is at schema revision {store.schema_revision()}")


@db.command("current")
@data_options
def db_current() -> None:
    """Print the schema revision of the database (and this amplify's newest)."""
    store = open_store(upgrade=False)
    click.echo(f"{store.schema_revision()} (this amplify: {head_revision()})")


@click.command()
@data_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def status(fmt: str) -> None:
    """Show what the database holds: channels, posts, runs, last collection per channel."""
    store = open_store()
    summary = store_summary(store)
    if fmt == "json":
        import json

        click.echo(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
        return
    console = stdout()
    console.print(f"database: {summary['database']}")
    totals = Table(title="tables")
    totals.add_column("table")
    totals.add_column("rows", justify="right")
    for name, count in summary["counts"].items():
        totals.add_row(name, f"{count:,}")
    console.print(totals)
    channels = Table(title="channels")
    for column in ("channel", "title", "posts", "subscribers", "last post", "last collected"):
        channels.add_column(
            column, justify="right" if column in ("posts", "subscribers") else "left"
        )
    for row in summary["channels"]:
        channels.add_row(*[Text("" if value is None else str(value)) for value in row.values()])
    console.print(channels)
    if summary["runs"]:
        runs = Table(title="recent runs")
        for column in ("run", "kind", "started", "status", "counts"):
            runs.add_column(column)
        for row in summary["runs"]:
            runs.add_row(*[Text("" if value is None else str(value)) for value in row.values()])
        console.print(runs)
