"""config.yaml validation and credentials: every mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from amplify.config import load_config, resolve_database, telegram_credentials
from amplify.errors import ConfigError, CredentialsError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_config_is_valid() -> None:
    config = load_config(ROOT / "config.yaml")
    narrative = config.narrative("nato-center")
    assert "NATO" in narrative.title
    assert narrative.since.isoformat() == "2023-10-01T00:00:00+00:00"
    assert config.collection.flood_sleep_threshold == 60
    assert "api_hash" not in (ROOT / "config.yaml").read_text().lower().replace("tg_api_hash", "")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("databse: x.sqlite\n", r"config.yaml: databse: unknown key"),
        ("collection:\n  snowbal: 1\n", r"collection.snowbal: unknown key"),
        (
            "collection:\n  snowball: many\n",
            r"collection.snowball: Input should be a valid integer",
        ),
        ("collection:\n  snowball: -1\n", r"collection.snowball: Input should be greater than"),
        (
            "collection:\n  since: 2023-13-45\n",
            r"collection.since: Input should be a valid datetime",
        ),
        (
            "collection:\n  since: 2023-10-02\n  until: 2023-10-01\n",
            r"collection: since must be before until",
        ),
        ("channels: AsiaToday\n", r"channels: Input should be a valid list"),
        (
            "narratives:\n  x:\n    title: X\n    patterns: ['(unclosed']\n",
            r"narratives.x.patterns: pattern 0 '\(unclosed' is not a valid regex",
        ),
        ("narratives:\n  x:\n    title: X\n", r"narratives.x: a narrative needs at least one"),
        ("narratives:\n  x:\n    keywords: [a]\n", r"narratives.x.title: Field required"),
        (
            "narratives:\n  x:\n    title: X\n    seeds: ['https://example.com/1']\n",
            r"narratives.x.seeds: .*is not a link to a Telegram post",
        ),
        ("- just\n- a list\n", r"expected a mapping of settings"),
        ("collection: [unclosed\n", r"config.yaml: line \d+: .*fix the YAML syntax"),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(write(tmp_path, body))


def test_missing_named_config_and_unknown_narrative(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AMPLIFY_CONFIG", raising=False)
    config = load_config()  # no file in the working directory: defaults
    assert config.narratives == {} and config.database is None
    with pytest.raises(ConfigError, match=r"narrative 'nato' is not defined .*\(defined: none\)"):
        config.narrative("nato")


def test_database_precedence_flag_env_file(tmp_path: Path, monkeypatch) -> None:
    config = load_config(write(tmp_path, "database: from-file.sqlite\n"))
    monkeypatch.delenv("AMPLIFY_DB", raising=False)
    assert resolve_database(None, config) == "from-file.sqlite"
    monkeypatch.setenv("AMPLIFY_DB", "from-env.sqlite")
    assert resolve_database(None, config) == "from-env.sqlite"
    assert resolve_database("from-flag.sqlite", config) == "from-flag.sqlite"


def test_credentials_from_environment_then_dotenv(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TG_API_ID", raising=False)
    monkeypatch.delenv("TG_API_HASH", raising=False)
    with pytest.raises(CredentialsError, match="TG_API_ID and TG_API_HASH"):
        telegram_credentials(env_file=tmp_path / ".env")
    secret = "0123456789abcdef0123456789abcdef"
    (tmp_path / ".env").write_text(f"TG_API_ID=12345\nTG_API_HASH={secret}\n")
    credentials = telegram_credentials(env_file=tmp_path / ".env")
    assert credentials.api_id == 12345
    assert credentials.api_hash.get_secret_value() == secret
    assert secret not in repr(credentials) and secret not in str(credentials)
    monkeypatch.setenv("TG_API_ID", "999")
    assert telegram_credentials(env_file=tmp_path / ".env").api_id == 999
    monkeypatch.setenv("TG_API_HASH", "not-hex")
    with pytest.raises(CredentialsError, match="32-character hex") as caught:
        telegram_credentials(env_file=tmp_path / ".env")
    assert "not-hex" not in str(caught.value)
