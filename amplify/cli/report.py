"""``amplify report``: an offline HTML report of a narrative's cascades."""

from __future__ import annotations

from pathlib import Path

import click

from amplify.cli.analysis import selection_options
from amplify.cli.common import current_config, data_options, open_store, stderr


@click.command()
@data_options
@selection_options
@click.option("--root", "root_link", metavar="T.ME-LINK", help="Only this post's cascade.")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    help="How many cascades, largest reach first [default: config report.top].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Directory to write the report into [default: config report.out].",
)
@click.option(
    "--tree",
    type=click.Choice(["star", "inferred"]),
    default="star",
    show_default=True,
    help="Star (what the data proves) or inferred parent attribution.",
)
@click.option("--title", help="Report title [default: the narrative's title].")
def report(
    narrative, since, until, kinds, copy_threshold, root_link, top, out, tree, title
) -> None:
    """Write an offline HTML report: an index and a page per cascade.

    Each cascade page has a view-weighted reach chart, an amplifier chart, the cascade
    on a time axis and a table of every post with its t.me link (and a CSV of it); a
    channel network page has GEXF and GraphML downloads. The report needs no network
    connection: open OUT/index.html from any disk. Prints the index path; when no
    cascade matches, says so on stderr and writes nothing (exit 0).
    """
    from amplify.cascades import build_cascades
    from amplify.network import channel_graph
    from amplify.report import write_report

    if narrative and root_link:
        raise click.UsageError("give --narrative or --root, not both")
    config = current_config()
    store = open_store()
    selection = {
        "narrative": narrative,
        "since": since,
        "until": until,
        "kinds": kinds,
        "copy_threshold": copy_threshold,
        "config": config,
    }
    found = build_cascades(store, **selection, tree=tree, root=root_link)
    found = found[: top or config.report.top]
    if not found:
        stderr().print("no cascades matched (a cascade needs a root and at least one amplifier)")
        return
    rules = config.narrative(narrative) if narrative else None
    if title is None:
        if rules is not None:
            title = rules.title
        elif root_link:
            title = f"Cascade of {root_link}"
        else:
            title = f"Top {len(found)} cascades"
    channels = {channel for cascade in found for channel, _ in cascade.graph.nodes}
    graph = channel_graph(store, **selection)
    network = graph.subgraph(sorted(channels & set(graph.nodes))).copy()
    index = write_report(
        found,
        Path(out) if out else config.report.out,
        title=title,
        narrative=rules,
        store=store,
        network=network,
    )
    click.echo(f"wrote a report of {len(found)} cascades to {index}")
