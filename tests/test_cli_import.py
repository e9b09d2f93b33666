"""``amplify import``: one line per file, caveats once, bad files refused with exit 2."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from amplify.cli import cli
from amplify.cli.imports import _import
from amplify.store import Store
from collectors.importing import import_file
from collectors.records_jsonl import write_jsonl
from tests.factories import channel, post
from tests.test_desktop_export import (
    FIXTURE,
    MALFORMED,
    RAW,
    as_file,
    changed,
    richer_export,
    write_big_export,
)
from tests.test_records_jsonl import sample_records

SCRIPT = Path(sys.executable).parent / "amplify"


def run(*args: str | Path):
    return CliRunner().invoke(cli, [str(a) for a in args], obj={}, catch_exceptions=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An SQLite database that already holds data (closed, so its file is complete)."""
    path = tmp_path / "db" / "amplify.sqlite"
    store = Store(path)
    store.save_channels([channel(1, "AsiaToday")])
    store.save_posts([post(1, 100, text="Центр НАТО", views=87_000)])
    import_file(store, FIXTURE)
    store.close()
    return path


def test_each_file_gets_one_line_and_each_caveat_is_said_once(db: Path, tmp_path: Path) -> None:
    richer = as_file(richer_export())(tmp_path)
    result = run("import", "--db", db, richer, FIXTURE)
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert len(out) == 2
    assert out[0] == (
        f"{richer}: Telegram Desktop export, channel 2447843635 «ГУЗЕЛЬСКИЕ ПЕРЕЗАЛИВЫ»: "
        "6 posts (3 new, 3 updated), 3 links, 1 service messages skipped, "
        "1 unsupported messages skipped; run 2"
    )
    assert out[1].startswith(f"{FIXTURE}: already imported in run 1 (same content)")
    notes = result.stderr.splitlines()
    assert notes[0].startswith("note: views, forwards and replies: a Telegram Desktop export")
    assert len(notes) == len(set(notes)) == 4  # views, username, forwards, media
    assert any(n.startswith("note: forwards: an export names only") for n in notes)


def test_jsonl_files_import_too(tmp_path: Path) -> None:
    path = tmp_path / "demo.jsonl"
    write_jsonl(sample_records(), path)
    result = run("import", "--db", tmp_path / "a.sqlite", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{path}: amplify JSON Lines, 3 channels: 3 posts (3 new, 0 updated), 2 links, "
        "2 subscriber counts; run 1\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("build", "fragment"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_a_bad_file_exits_2_and_leaves_the_database_file_byte_identical(
    db: Path, tmp_path: Path, build: Callable[[Path], Path], fragment: str
) -> None:
    before, files = sha256(db), sorted(p.name for p in db.parent.iterdir())
    path = build(tmp_path)
    result = run("import", "--db", db, path)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ") and fragment in lines[0]
    assert sha256(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == files


def test_files_before_a_bad_one_stay_imported_and_are_named(db: Path, tmp_path: Path) -> None:
    good = as_file(richer_export())(tmp_path)
    (tmp_path / "bad").mkdir()
    bad = as_file(RAW[: len(RAW) - 2])(tmp_path / "bad")  # damage found only at the end
    result = run("import", "--db", db, good, bad)
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{good}: Telegram Desktop export")
    error = result.stderr.splitlines()[-1]
    assert error == (
        f"error: {bad}: truncated at byte {len(RAW) - 2} (incomplete JSON); re-export the "
        f"channel (nothing from it was saved; imported before it: {good})"
    )
    store = Store(db)
    assert len(store.runs_frame()) == 2 and store.counts()["posts"] == 7
    store.close()


def test_an_obviously_wrong_file_stops_the_command_before_any_import(
    db: Path, tmp_path: Path
) -> None:
    before = sha256(db)
    (tmp_path / "good").mkdir()
    good = as_file(richer_export())(tmp_path / "good")
    personal = as_file(changed(("type",), "personal_chat"))(tmp_path)
    result = run("import", "--db", db, good, personal)
    assert result.exit_code == 2 and result.stdout == ""
    assert "an export of a personal chat, not a channel" in result.stderr
    assert sha256(db) == before


def test_a_missing_file_and_an_export_folder(db: Path, tmp_path: Path) -> None:
    missing = run("import", "--db", db, tmp_path / "nope.json")
    assert missing.exit_code == 2
    assert missing.stderr == f"error: {tmp_path / 'nope.json'}: no such file\n"
    folder = tmp_path / "ChatExport_2026-06-18"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / "result.json")
    result = run("import", "--db", db, "--force", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{folder / 'result.json'}: Telegram Desktop export")
    assert "3 posts (0 new, 3 updated)" in result.stdout


def test_help_documents_the_formats_and_options() -> None:
    result = run("import", "--help")
    assert result.exit_code == 0
    for words in ("result.json", "Telegram Desktop", "*.jsonl", "no views", "--force", "--db"):
        assert words in result.stdout


def test_progress_reports_posts_and_bytes(tmp_path: Path) -> None:
    calls = []
    store = Store(tmp_path / "a.sqlite")
    import_file(store, FIXTURE, batch_size=2, progress=lambda *args: calls.append(args))
    assert calls[-1] == (3, len(RAW), len(RAW))
    assert [c[0] for c in calls] == [2, 3]
    big = tmp_path / "big.json"
    write_big_export(big, 400)  # above the size that gets a progress bar
    summary = _import(store, big, force=False, quiet=False)
    assert summary.posts_new == 392
    store.close()


@pytest.mark.skipif(
    not SCRIPT.exists(), reason=f"no amplify console script next to {sys.executable}"
)
def test_the_console_script_refuses_a_bad_file_with_exit_2(db: Path, tmp_path: Path) -> None:
    before = sha256(db)
    bad = as_file(changed(("messages", 2, "date_unixtime"), "abc"))(tmp_path)
    done = subprocess.run(
        [SCRIPT, "import", "--db", db, bad], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f'error: {bad}: message 3856: "date_unixtime" must be a number (Unix time), got "abc"\n'
    )
    assert sha256(db) == before
    good = subprocess.run(
        [SCRIPT, "import", "--db", db, "--force", FIXTURE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert "3 posts (0 new, 3 updated)" in good.stdout


def test_a_wrong_file_does_not_even_create_a_missing_database(tmp_path: Path) -> None:
    database = tmp_path / "new" / "amplify.sqlite"
    result = run("import", "--db", database, as_file(b"[1, 2]")(tmp_path))
    assert result.exit_code == 2 and "a JSON list" in result.stderr
    assert not database.parent.exists()
