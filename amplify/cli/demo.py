"""``amplify demo``: the reference case end to end, without a Telegram account."""

from __future__ import annotations

import click

from amplify.demo import run_demo


@click.command()
@click.option(
    "--out",
    "out_dir",
    default="demo-report",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory for the demo database and report (replaced if it holds a demo).",
)
def demo(out_dir: str) -> None:
    """Import the illustrative "NATO center" dataset, build its cascades, write the report.

    The posts in data/demo/ are written for the demo and modelled on DFRLab's published
    figures (October 2023); see data/demo/README.md.
    """
    result = run_demo(out_dir)
    click.echo(f"report: {result.report}")
    click.echo(f"database: {result.database}")
    click.echo(f"{len(result.cascades)} cascades; largest: {result.headline()}")
