"""``amplify import``: Telegram Desktop exports and amplify JSON Lines files."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from amplify.cli.common import data_options, open_store, stderr
from amplify.errors import InputError
from amplify.store import Store
from collectors.importing import ImportSummary, check_file, import_file

_BAR_FROM = 1 << 20  # files smaller than this import too fast for a progress bar


@click.command("import")
@data_options
@click.option(
    "--force",
    is_flag=True,
    help="Import a file again even if the same content was imported before.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (same as 'amplify --quiet').")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[str, ...], force: bool, quiet: bool) -> None:
    """Import Telegram Desktop channel exports and amplify JSON Lines files.

    The format of each PATH is recognised from its content:

    \b
    result.json  a channel (not a group or chat) exported with Telegram Desktop:
                 channel menu → Export chat history → format JSON. The export
                 folder, holding result.json, works too.
                 An export has no views, forwards or replies counts, only the
                 author's name of forwarded posts (not the original post), file
                 paths instead of Telegram media ids, and no @username: those stay
                 empty (NULL) and the import says so once, on stderr.
    *.jsonl      amplify's JSON Lines: one record per line ("record": "channel",
                 "channel_stats" or "post"), ISO 8601 times with a zone; documented
                 in collectors/records_jsonl.py.

    Each file is imported in one transaction and prints one summary line. A bad file
    (not an export, truncated, values of the wrong type) is refused with one line on
    stderr and exit code 2, leaving the database as it was; files before it on the
    command line stay imported and the message names them. Importing the same file
    again changes nothing (see --force).
    """
    quiet = quiet or bool((ctx.obj or {}).get("quiet"))
    for path in paths:  # refuse an obviously wrong file before importing any
        check_file(path)
    store = open_store()
    imported: list[str] = []
    noted: set[str] = set()
    try:
        for path in paths:
            try:
                summary = _import(store, Path(path), force=force, quiet=quiet)
            except InputError as exc:
                if imported:
                    raise InputError(
                        f"{exc} (nothing from it was saved; imported before it: "
                        f"{', '.join(imported)})"
                    ) from None
                raise
            click.echo(summary.line())
            for caveat in summary.caveats:
                if caveat not in noted:
                    noted.add(caveat)
                    click.echo(f"note: {caveat}", err=True)
            imported.append(summary.path)
    finally:
        store.close()


def _import(store: Store, path: Path, *, force: bool, quiet: bool) -> ImportSummary:
    if quiet or not path.is_file() or path.stat().st_size < _BAR_FROM:
        return import_file(store, path, force=force)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[posts]:,} posts"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr(), transient=True) as bar:
        task = bar.add_task(f"importing {path.name}", total=path.stat().st_size, posts=0)

        def progress(posts: int, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, posts=posts)

        return import_file(store, path, force=force, progress=progress)
