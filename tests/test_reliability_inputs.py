"""Bad input through the real CLI: one clear line, a non-zero exit, an untouched database.

One table: every case names what it builds (a config file, a JSON Lines file, a
database, option values), the exit code and the exact fragment of the one line the
command must print on stderr. Each runs against an SQLite database that already holds
data, and the file must be byte-identical afterwards. The 34 damaged Telegram Desktop
exports go through the same checks in tests/test_cli_import.py (MALFORMED); the JSON
Lines cases reuse tests/test_records_jsonl.py's BAD_LINES, here through the CLI.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import collectors.telegram as telegram
from amplify.cli import cli
from amplify.store import Store
from tests import test_cli_import
from tests.telegram_fake import FakeTelegram
from tests.test_cli_import import SCRIPT, sha256
from tests.test_records_jsonl import BAD_LINES, GOOD_POST, lines

HASH = "0123456789abcdef0123456789abcdef"
db = test_cli_import.db  # the fixture: an SQLite database that already holds data
_DIRECTORY_LISTING: dict[str, list[str]] = {}


@dataclass(frozen=True)
class Case:
    """``args`` may hold placeholders: {db}, {cfg} (the case's config.yaml), {file}."""

    name: str
    args: tuple[str, ...]
    fragment: str
    exit_code: int = 2
    config: str | None = None  # text of config.yaml, written for the case
    file: Callable[[Path], Path] | None = None  # builds the input file
    database: Callable[[Path], Path] | None = None  # another database to point --db at


def text_file(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    return build


def folder_without_export(tmp: Path) -> Path:
    path = tmp / "ChatExport_empty"
    path.mkdir()
    (path / "photos").mkdir()
    return path


def not_amplify(tmp: Path) -> Path:
    path = tmp / "notes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('field notes')")
    return path


def from_the_future(tmp: Path) -> Path:
    path = tmp / "future.sqlite"
    store = Store(path)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
        conn.commit()
        conn.execute("PRAGMA journal_mode=DELETE")
    return path


STATUS = ("status", "--db", "{db}", "--config", "{cfg}")
NARRATIVE = "narratives:\n  nato:\n    title: NATO\n    keywords: [NATO]\n"

CONFIGS = [
    Case("config-unknown-key", STATUS, "config.yaml: databse: unknown key", config="databse: x\n"),
    Case(
        "config-unknown-nested-key",
        STATUS,
        "config.yaml: collection.snowbal: unknown key",
        config="collection:\n  snowbal: 1\n",
    ),
    Case(
        "config-wrong-type-int",
        STATUS,
        "collection.snowball: Input should be a valid integer",
        config="collection:\n  snowball: many\n",
    ),
    Case(
        "config-wrong-type-list",
        STATUS,
        "config.yaml: channels: Input should be a valid list",
        config="channels: AsiaToday\n",
    ),
    Case(
        "config-huge-number",
        STATUS,
        "collection.flood_sleep_threshold: Input should be less than or equal to 86400",
        config="collection:\n  flood_sleep_threshold: 99999999999999999999999999\n",
    ),
    Case(
        "config-bad-regex",
        STATUS,
        "narratives.nato.patterns: pattern 0 '(NATO' is not a valid regex: missing ), "
        "unterminated subpattern at position 0",
        config="narratives:\n  nato:\n    title: NATO\n    patterns: ['(NATO']\n",
    ),
    Case(
        "config-bad-date",
        STATUS,
        "collection.since: Input should be a valid datetime",
        config="collection:\n  since: 2023-13-45\n",
    ),
    Case(
        "config-narrative-date-words",
        STATUS,
        "narratives.nato.since: Input should be a valid datetime",
        config=NARRATIVE + "    since: last tuesday\n",
    ),
    Case(
        "config-narrative-window-reversed",
        STATUS,
        "narratives.nato: since must be before until",
        config=NARRATIVE + "    since: 2023-11-01\n    until: 2023-10-01\n",
    ),
    Case(
        "config-narrative-without-rules",
        STATUS,
        "narratives.nato: a narrative needs at least one keyword, pattern or seed link",
        config="narratives:\n  nato:\n    title: NATO\n",
    ),
    Case(
        "config-narrative-bad-seed",
        STATUS,
        "narratives.nato.seeds: 'https://example.com/1' is not a link to a Telegram post",
        config=NARRATIVE + "    seeds: ['https://example.com/1']\n",
    ),
    Case(
        "config-yaml-syntax",
        STATUS,
        "config.yaml: line 2: expected ',' or ']', but got '<stream end>'; fix the YAML syntax",
        config="collection: [unclosed\n",
    ),
    Case(
        "config-top-level-list",
        STATUS,
        "config.yaml: expected a mapping of settings at the top level",
        config="- just\n- a list\n",
    ),
    Case(
        "config-not-utf8",
        ("status", "--db", "{db}", "--config", "{file}"),
        "latin1.yaml: not UTF-8 text; save it as UTF-8",
        file=text_file("latin1.yaml", "database: caf\xe9.sqlite\n".encode("latin-1")),
    ),
    Case(
        "config-missing",
        ("status", "--db", "{db}", "--config", "nope.yaml"),
        "config file nope.yaml does not exist; pass --config PATH",
    ),
]

VALUES = [
    Case(
        "since-not-a-date",
        ("collect", "AsiaToday", "--db", "{db}", "--since", "yesterday"),
        "Invalid value for '--since': 'yesterday' is not a date: use YYYY-MM-DD",
    ),
    Case(
        "collect-since-after-until",
        ("collect", "AsiaToday", "--db", "{db}", "--since", "2023-11-01", "--until", "2023-10-01"),
        "--since (2023-11-01) must be before --until (2023-10-01)",
    ),
    Case(
        "cascades-since-after-until",
        ("cascades", "--db", "{db}", "--since", "2023-11-01", "--until", "2023-10-01"),
        "--since (2023-11-01 00:00) must be before --until (2023-10-01 00:00)",
    ),
    Case(
        "report-since-equals-until",
        ("report", "--db", "{db}", "--since", "2023-10-01", "--until", "2023-10-01"),
        "--since (2023-10-01 00:00) must be before --until (2023-10-01 00:00)",
    ),
    Case(
        "root-not-telegram",
        ("cascades", "--db", "{db}", "--root", "https://example.com/AsiaToday/1"),
        "'https://example.com/AsiaToday/1' is not a link to a Telegram post",
    ),
    Case(
        "root-invite-link",
        ("cascades", "--db", "{db}", "--root", "https://t.me/+AbCdEfGh"),
        "'https://t.me/+AbCdEfGh' is not a link to a Telegram post",
    ),
    Case(
        "root-bare-channel-link",
        ("cascades", "--db", "{db}", "--root", "https://t.me/AsiaToday"),
        "'https://t.me/AsiaToday' is not a link to a Telegram post",
    ),
    Case(
        "root-message-zero",
        ("cascades", "--db", "{db}", "--root", "https://t.me/AsiaToday/0"),
        "'https://t.me/AsiaToday/0' is not a link to a Telegram post",
    ),
    Case(
        "root-unknown-channel",
        ("cascades", "--db", "{db}", "--root", "https://t.me/nosuchchannel/5"),
        "channel @nosuchchannel is not in the store; collect or import it first",
    ),
    Case(
        "root-unknown-post",
        ("report", "--db", "{db}", "--root", "https://t.me/AsiaToday/999"),
        "post 1/999 is not in the store and no stored post amplifies it",
    ),
    Case(
        "refresh-unknown-channel",
        ("refresh", "nosuchchannel", "--db", "{db}"),
        "channel @nosuchchannel is not in the store; collect or import it first",
    ),
    Case(
        "cascades-unknown-narrative",
        ("cascades", "--db", "{db}", "--config", "{cfg}", "--narrative", "kazcent"),
        "narrative 'kazcent' is not defined in {cfg} (defined: nato)",
        config=NARRATIVE,
    ),
    Case(
        "report-unknown-narrative",
        ("report", "--db", "{db}", "--narrative", "kazcent"),
        "narrative 'kazcent' is not defined in the configuration (defined: none)",
    ),
    Case(
        "unknown-kind",
        ("cascades", "--db", "{db}", "--kinds", "forward,retweet"),
        "retweet",
    ),
    Case(
        "coordination-bad-window",
        ("coordination", "--db", "{db}", "--window", "a minute"),
        "window 'a minute' is not a duration; write e.g. 60s, 5min or 1h",
    ),
    Case(
        "network-bad-suffix",
        ("network", "--db", "{db}", "--out", "graph.png"),
        "graph.png: the network is written as .gexf, .graphml or .csv",
    ),
    Case(
        "copy-threshold-out-of-range",
        ("cascades", "--db", "{db}", "--copy-threshold", "2"),
        "Invalid value for '--copy-threshold': 2.0 is not in the range 0<x<=1.",
    ),
    Case(
        "top-zero",
        ("cascades", "--db", "{db}", "--top", "0"),
        "Invalid value for '--top': 0 is not in the range x>=1.",
    ),
    Case(
        "refresh-bad-age",
        ("refresh", "--db", "{db}", "--max-age", "7 days"),
        "'7 days' is not an age: use e.g. 30m, 12h, 7d or 2w",
    ),
    Case(
        "bad-database-url",
        ("status", "--db", "postgresql+psycopg://user:s3cret@db.example:notaport/x"),
        "database URL",
    ),
]

IMPORTS = [
    Case(
        f"jsonl-{name}",
        ("import", "--db", "{db}", "{file}"),
        fragment,
        file=text_file("records.jsonl", content),
    )
    for name, content, fragment in BAD_LINES
] + [
    Case(
        "jsonl-not-utf8",
        ("import", "--db", "{db}", "{file}"),
        "records.jsonl: line 2: not UTF-8 (byte 0xff at byte",
        file=text_file("records.jsonl", lines(GOOD_POST).encode() + b'{"text": "\xff"}\n'),
    ),
    Case(
        "image-not-export",
        ("import", "--db", "{db}", "{file}"),
        "photo.jpg: not UTF-8 text (byte 0xff at byte 0); Telegram Desktop writes UTF-8",
        file=text_file("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256))),
    ),
    Case(
        "folder-without-result-json",
        ("import", "--db", "{db}", "{file}"),
        "ChatExport_empty: not a file (give an export's result.json or a .jsonl file)",
        file=folder_without_export,
    ),
    Case(
        "database-as-import",
        ("import", "--db", "{db}", "{file}"),
        "notes.sqlite: not JSON; export a channel with Telegram Desktop",
        file=not_amplify,
    ),
]

DATABASES = [
    Case(
        "db-not-amplify",
        ("status", "--db", "{other}"),
        "notes.sqlite is not an amplify database (it has tables notes but no amplify schema",
        database=not_amplify,
    ),
    Case(
        "db-not-sqlite",
        ("cascades", "--db", "{other}"),
        "notes.txt is not an SQLite database; point --db at an amplify database or a new file",
        database=text_file("notes.txt", "field notes, not a database\n" * 40),
    ),
    Case(
        "db-from-newer-amplify",
        ("report", "--db", "{other}"),
        "future.sqlite was written by a newer amplify (schema revision 9999_future",
        database=from_the_future,
    ),
    Case(
        "db-newer-amplify-upgrade",
        ("db", "upgrade", "--db", "{other}"),
        "was written by a newer amplify",
        database=from_the_future,
    ),
]

CASES = CONFIGS + VALUES + IMPORTS + DATABASES


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, credentials set, Telegram replaced by an empty fake."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("AMPLIFY_CONFIG", "AMPLIFY_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TG_API_ID", "12345")
    monkeypatch.setenv("TG_API_HASH", HASH)
    monkeypatch.setattr(
        telegram, "make_client", lambda credentials, path: FakeTelegram([]).make_client()
    )
    return work


def prepare(case: Case, db_path: Path, work: Path) -> tuple[list[str], Path, str]:
    """The case's arguments, the database it must leave untouched, its expected fragment."""
    values = {"db": str(db_path), "cfg": str(work / "config.yaml")}
    if case.config is not None:
        (work / "config.yaml").write_text(case.config, encoding="utf-8")
    if case.file is not None:
        values["file"] = str(case.file(work))
    target = db_path
    if case.database is not None:
        target = case.database(work)
        values["other"] = str(target)
    args = [a.format(**values) for a in case.args]
    return args, target, case.fragment.format(**values)


def files_beside(path: Path) -> list[str]:
    """Files next to the database, but for an empty WAL and its index (a reader's)."""
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "something was written"
    return sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm")))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_non_zero_and_leaves_the_database_byte_identical(
    db: Path,
    workdir: Path,
    case: Case,
) -> None:
    args, target, fragment = prepare(case, db, workdir)
    before, beside = sha256(target), files_beside(target)
    result = CliRunner().invoke(cli, args, obj={})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    lines_out = result.stderr.splitlines()
    assert len(lines_out) == 1, result.stderr
    assert lines_out[0].startswith("error: ") and fragment in lines_out[0], lines_out[0]
    assert "s3cret" not in result.output
    assert sha256(target) == before
    assert files_beside(target) == beside


SUBPROCESS_CASES = ["config-bad-regex", "cascades-since-after-until", "db-from-newer-amplify"]


@pytest.mark.skipif(not SCRIPT.exists(), reason="no amplify console script")
@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_the_console_script_prints_one_line_too(db: Path, tmp_path: Path, name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    work = tmp_path / "work"
    work.mkdir()
    args, target, fragment = prepare(case, db, work)
    before = sha256(target)
    done = subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=work
    )
    assert done.returncode == case.exit_code and done.stdout == ""
    assert done.stderr.count("\n") == 1 and fragment in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert sha256(target) == before


def test_the_corpus_is_large_enough() -> None:
    from tests.test_desktop_export import MALFORMED

    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)
    print(f"bad inputs: {len(CASES)} here + {len(MALFORMED)} damaged exports")
