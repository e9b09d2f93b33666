"""Secrets: the API hash and id never reach the database, logs, reports or messages.

A full command-line run (collect through a real ``TelegramClient`` on a real session
file whose sender is the fake Telegram, refresh, import, cascades, coordination,
network, report, status) with ``--debug`` logging, then every byte it produced is
searched for the credentials: every file under the working directory, the database and
its WAL, stdout, stderr and every log record (amplify's and Telethon's).
"""

from __future__ import annotations

import logging
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import collectors.telegram as telegram
from amplify.cli import cli
from amplify.store import Store
from collectors.records_jsonl import write_jsonl
from tests.test_reliability_hostile import hostile_records, hostile_telegram

API_HASH = "5ec7e75ec7e7a11ce0ddba115ec7e7ab"  # distinctive, 32 hex characters
API_ID = "918273645"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("AMPLIFY_CONFIG", "AMPLIFY_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TG_API_ID", API_ID)
    monkeypatch.setenv("TG_API_HASH", API_HASH)
    fake = hostile_telegram()
    real_make_client = telegram.make_client

    def make_client(credentials, path):
        assert credentials.api_hash.get_secret_value() == API_HASH
        client = real_make_client(credentials, path)  # the real session file
        fake.install(client)
        return client

    monkeypatch.setattr(telegram, "make_client", make_client)
    return tmp_path


def test_no_output_of_a_full_run_holds_the_api_hash_or_id(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    write_jsonl(hostile_records(), workdir / "more.jsonl")
    (workdir / "config.yaml").write_text(
        "database: data/amplify.sqlite\nsession: data/research\n"
        "narratives:\n  nato:\n    title: NATO center\n    keywords: [NUL, 🔥]\n",
        encoding="utf-8",
    )
    commands = [
        ["collect", "asiatoday", "sladkov_plus", "kotsnews"],
        ["refresh", "--max-age", "5200w"],
        ["import", "more.jsonl"],
        ["cascades", "--format", "json"],
        ["cascades", "--format", "csv", "--narrative", "nato"],
        ["cascades", "--root", "https://t.me/asiatoday/1"],
        ["coordination", "--format", "csv", "--percentile", "0"],
        ["network", "--out", "out/network.gexf"],
        ["network", "--out", "out/network.graphml"],
        ["network", "--out", "out/network.csv"],
        ["report", "--out", "out/report"],
        ["report", "--out", "out/nato", "--narrative", "nato"],
        ["status", "--format", "json"],
        ["status"],
        ["db", "current"],
    ]
    outputs = []
    for command in commands:
        result = CliRunner().invoke(cli, ["--debug", *command], obj={})
        assert result.exit_code == 0, (command, result.output, result.exception)
        outputs.append(result.output)
    # error paths: a refused hash, a failing collection, a bad option
    refused = CliRunner().invoke(cli, ["collect", "asiatoday"], obj={}, env={"TG_API_HASH": "x"})
    assert refused.exit_code == 2 and "32-character hex" in refused.output
    failing = CliRunner().invoke(cli, ["collect", "no_such_channel"], obj={})
    assert failing.exit_code == 1, failing.output
    outputs += [refused.output, failing.output]

    session = workdir / "data" / "research.session"
    assert session.exists() and stat.S_IMODE(session.stat().st_mode) == 0o600
    store = Store(workdir / "data" / "amplify.sqlite")
    runs = store.runs_frame()
    assert len(runs) == 4 and set(runs["kind"]) >= {"collect", "refresh", "import"}
    parameters = repr(runs["parameters"].tolist()) + repr(runs["counts"].tolist())
    store.close()

    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) > 20  # telethon and amplify debug logging were captured
    texts = {"stdout/stderr": "\n".join(outputs), "logs": logs, "runs": parameters}
    files = [p for p in workdir.rglob("*") if p.is_file() and p.name != "config.yaml"]
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".gexf" for p in files)
    assert any(p.name.endswith(".sqlite") for p in files)
    for secret in (API_HASH, API_ID):
        for where, text in texts.items():
            assert secret not in text, (secret, where)
        for path in files:
            raw = path.read_bytes()
            assert secret.encode() not in raw, (secret, path)
            assert secret.encode("utf-16-le") not in raw, (secret, path)
        assert bytes.fromhex(API_HASH) not in session.read_bytes()


def test_a_dotenv_file_works_and_stays_out_of_errors(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TG_API_ID")
    monkeypatch.delenv("TG_API_HASH")
    (workdir / ".env").write_text(f"TG_API_ID={API_ID}\nTG_API_HASH={API_HASH}\n")
    result = CliRunner().invoke(cli, ["collect", "asiatoday", "--db", "a.sqlite"], obj={})
    assert result.exit_code == 0, result.output
    assert API_HASH not in result.output and API_ID not in result.output
    (workdir / ".env").write_text(f"TG_API_ID=abc{API_ID}\nTG_API_HASH={API_HASH}\n")
    bad = CliRunner().invoke(cli, ["collect", "asiatoday", "--db", "a.sqlite"], obj={})
    assert bad.exit_code == 2 and bad.output.count("\n") == 1
    assert API_HASH not in bad.output and API_ID not in bad.output


@pytest.mark.parametrize(
    "path", [".env", "data/amplify.session", "x/y.session", "a.session-journal", "data/a.sqlite"]
)
def test_gitignore_covers_sessions_env_and_databases(path: str) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=REPO, capture_output=True
    )
    assert done.returncode == 0, f"{path} is not ignored by .gitignore"
