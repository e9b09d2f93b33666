"""``amplify cascades``, ``amplify network`` and ``amplify coordination``."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
import pandas as pd
from rich.table import Table
from rich.text import Text

from amplify.cli.common import current_config, data_options, open_store, stderr, stdout
from amplify.edges import KINDS
from amplify.errors import UsageError
from amplify.exports import safe_csv
from amplify.links import post_url

FORMATS = click.Choice(["table", "csv", "json"])
_DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])


def selection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options choosing which cascades a command looks at."""

    @click.option("--narrative", metavar="NAME", help="Only the cascades of this narrative.")
    @click.option("--since", type=_DATE, help="Only roots published at or after this UTC date.")
    @click.option("--until", type=_DATE, help="Only roots published before this UTC date.")
    @click.option(
        "--kinds",
        default=",".join(KINDS),
        show_default=True,
        help="Comma-separated edge kinds that tie a post to a root.",
    )
    @click.option(
        "--copy-threshold",
        type=click.FloatRange(0, 1, min_open=True),
        default=0.8,
        show_default=True,
        help="Jaccard similarity from which a later text counts as a copy.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, since, until, kinds: str, **kwargs: Any) -> Any:
        if since and until and since >= until:
            raise UsageError(
                f"--since ({since:%Y-%m-%d %H:%M}) must be before --until ({until:%Y-%m-%d %H:%M})"
            )
        kwargs["since"] = since.replace(tzinfo=UTC) if since else None
        kwargs["until"] = until.replace(tzinfo=UTC) if until else None
        kwargs["kinds"] = tuple(k.strip() for k in kinds.split(",") if k.strip())
        return func(*args, **kwargs)

    return wrapper


def _plain(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with None for missing values (not NaN/NA), ready for JSON."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _print_table(frame: pd.DataFrame, title: str | None = None) -> None:
    table = Table(title=title)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        widest = int(frame[column].astype(object).fillna("").astype(str).str.len().max() or 0)
        table.add_column(
            str(column).replace("_", " "),
            justify="right" if numeric else "left",
            overflow="fold",
            min_width=16
            if column == "date"
            else min(widest, 45)
            if column in ("root", "url")
            else None,
        )
    for row in _plain(frame):
        table.add_row(*[Text("" if v is None else _short(v)) for v in row.values()])
    stdout().print(table)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value).replace("\n", " ")
    return text if len(text) <= 80 else text[:79] + "…"


def _emit(frame: pd.DataFrame, fmt: str, *, title: str | None = None) -> None:
    if frame.empty and fmt != "json":
        return  # the command has said so on stderr
    if fmt == "csv":
        safe_csv(frame, sys.stdout)
    elif fmt == "json":
        click.echo(json.dumps(_plain(frame), default=str, ensure_ascii=False, indent=2))
    else:
        _print_table(frame, title)


def _known(*values: Any) -> Any:
    return next((v for v in values if v is not None and not pd.isna(v)), None)


def _summary(cascades) -> pd.DataFrame:
    rows = []
    for rank, cascade in enumerate(cascades, 1):
        root = cascade.root_attributes
        m = cascade.metrics
        rows.append(
            {
                "rank": rank,
                "root": post_url(root.get("username"), *cascade.root),
                "channel": _known(root.get("username"), root.get("title"), str(cascade.root[0])),
                "date": _known(root.get("date")),
                "collected": bool(root.get("collected", True)),
                "size": m["size"],
                "amplifiers": m["amplifiers"],
                "reach": m["reach"],
                "root_views": m["root_views"],
                "amplification": m["amplification"],
                "potential_reach": m["potential_reach"],
                "first_amplification_s": m["time_to_first_amplification_s"],
                "half_reach_s": m["time_to_half_reach_s"],
                "structural_virality": m["structural_virality"],
                "depth": m["depth"],
                "tree": m["tree"],
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["root_views"] = frame["root_views"].astype("Int64")
    return frame


_SUMMARY_TABLE = [
    "rank",
    "root",
    "channel",
    "date",
    "size",
    "amplifiers",
    "reach",
    "amplification",
    "potential_reach",
    "first_amplification_s",
    "structural_virality",
]
_MEMBER_TABLE = [
    "channel",
    "message_id",
    "date",
    "kinds",
    "views",
    "subscribers",
    "parent_message_id",
    "depth",
    "url",
]


@click.command()
@data_options
@selection_options
@click.option("--root", "root_link", metavar="T.ME-LINK", help="Only this post's cascade.")
@click.option("--top", type=click.IntRange(min=1), help="How many cascades [default: config].")
@click.option(
    "--tree",
    type=click.Choice(["star", "inferred"]),
    default="star",
    show_default=True,
    help="Star (what the data proves) or inferred parent attribution.",
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="Output.")
def cascades(narrative, since, until, kinds, copy_threshold, root_link, top, tree, fmt) -> None:
    """List cascades, largest view-weighted reach first, with their metrics.

    With --root, show that one cascade and every member post with its t.me link.
    """
    from amplify.cascades import build_cascades

    if narrative and root_link:
        raise click.UsageError("give --narrative or --root, not both")
    config = current_config()
    found = build_cascades(
        open_store(),
        narrative=narrative,
        since=since,
        until=until,
        kinds=kinds,
        copy_threshold=copy_threshold,
        tree=tree,
        root=root_link,
        config=config,
    )
    found = found[: top or config.report.top]
    if not found:
        stderr().print("no cascades match (a cascade needs a root and at least one amplifier)")
    if root_link and found:
        cascade = found[0]
        if fmt == "json":
            payload = {**_plain(_summary(found))[0], "members": _plain(cascade.members)}
            click.echo(json.dumps(payload, default=str, ensure_ascii=False, indent=2))
            return
        if fmt == "table":
            _print_table(_summary(found)[_SUMMARY_TABLE], f"cascade ({tree} tree)")
            members = cascade.members.assign(
                channel=[
                    _known(u, t, str(c))
                    for u, t, c in zip(
                        cascade.members["username"],
                        cascade.members["title"],
                        cascade.members["channel_id"],
                        strict=True,
                    )
                ]
            )
            _print_table(members[_MEMBER_TABLE], "members")
        else:
            _emit(cascade.members, fmt)
        return
    summary = _summary(found)
    if fmt == "table":
        summary = summary[_SUMMARY_TABLE] if not summary.empty else summary
    _emit(summary, fmt, title=f"cascades ({tree} tree)")


@click.command()
@data_options
@selection_options
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="File to write: .gexf or .graphml (Gephi) or .csv (edge list).",
)
def network(narrative, since, until, kinds, copy_threshold, out) -> None:
    """Write the channel network: source channel -> amplifying channel, for Gephi."""
    from amplify.network import channel_graph, write_network

    graph = channel_graph(
        open_store(),
        narrative=narrative,
        since=since,
        until=until,
        kinds=kinds,
        copy_threshold=copy_threshold,
        config=current_config(),
    )
    path = write_network(graph, out)
    if graph.number_of_edges() == 0:
        stderr().print("no channel amplified another; the file holds an empty network")
    click.echo(
        f"wrote {graph.number_of_nodes()} channels and {graph.number_of_edges()} edges to {path}"
    )


@click.command()
@data_options
@selection_options
@click.option("--window", default="60s", show_default=True, help="Largest gap, e.g. 60s, 5min.")
@click.option(
    "--percentile",
    type=click.FloatRange(0, 100),
    default=90.0,
    show_default=True,
    help="Flag pairs whose weight is above this percentile of all pair weights.",
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="Output.")
def coordination(narrative, since, until, kinds, copy_threshold, window, percentile, fmt) -> None:
    """Channel pairs that amplified the same roots within a short window of each other."""
    from amplify.coordination import co_amplification

    pairs = co_amplification(
        open_store(),
        window,
        percentile=percentile,
        narrative=narrative,
        since=since,
        until=until,
        kinds=kinds,
        copy_threshold=copy_threshold,
        config=current_config(),
    )
    if pairs.empty:
        stderr().print(f"no two channels amplified the same root within {window}")
    else:
        stderr().print(
            f"weight = roots co-amplified within {pairs.attrs['window']}; flagged above "
            f"the {percentile:g}th percentile ({pairs.attrs['threshold']:g})"
        )
    shown = pairs.assign(roots=[";".join(f"{c}/{m}" for c, m in keys) for keys in pairs["roots"]])
    _emit(shown if fmt != "json" else pairs, fmt, title="co-amplifying channel pairs")
