"""``config.yaml``: what to collect, where to store it, which narratives to study.

The file holds no secrets. Telegram credentials come from ``TG_API_ID`` and
``TG_API_HASH`` in the environment or a ``.env`` file. Precedence everywhere:
command-line flag > environment > file > built-in default.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from amplify.errors import ConfigError, CredentialsError

DEFAULT_CONFIG = Path("config.yaml")
DEFAULT_SESSION = Path("data") / "amplify.session"


def _as_utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Narrative(_Strict):
    """A narrative under study: rules that select the root posts of its cascades."""

    title: str
    description: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    keywords: list[Annotated[str, Field(min_length=1)]] = []
    patterns: list[str] = []
    seeds: list[str] = []

    _utc = field_validator("since", "until", mode="after")(_as_utc)

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for index, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {index} {pattern!r} is not a valid regex: {exc}"
                ) from None
        return patterns

    @field_validator("seeds")
    @classmethod
    def _seeds_are_links(cls, seeds: list[str]) -> list[str]:
        from amplify.errors import UsageError
        from amplify.links import parse_message_link

        for seed in seeds:
            try:
                parse_message_link(seed)
            except UsageError as exc:
                raise ValueError(str(exc)) from None
        return seeds

    @model_validator(mode="after")
    def _window_and_rules(self) -> Narrative:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        if not (self.keywords or self.patterns or self.seeds):
            raise ValueError("a narrative needs at least one keyword, pattern or seed link")
        return self


class Collection(_Strict):
    """How collection jobs behave."""

    since: datetime | None = None
    until: datetime | None = None
    snowball: int = Field(0, ge=0, le=5)
    min_references: int = Field(2, ge=1)
    min_subscribers: int | None = Field(None, ge=0)
    flood_sleep_threshold: int = Field(60, ge=0, le=86400)
    takeout: bool = False

    _utc = field_validator("since", "until", mode="after")(_as_utc)

    @model_validator(mode="after")
    def _window(self) -> Collection:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class ReportOptions(_Strict):
    """Defaults of ``amplify report``."""

    out: Path = Path("reports")
    top: int = Field(20, ge=1)


class Config(_Strict):
    """The whole ``config.yaml``."""

    database: str | None = None
    session: Path = DEFAULT_SESSION
    channels: list[Annotated[str, Field(min_length=1)]] = []
    collection: Collection = Collection()
    narratives: dict[str, Narrative] = {}
    report: ReportOptions = ReportOptions()
    source: Path | None = Field(None, exclude=True)

    def narrative(self, name: str) -> Narrative:
        """The narrative called ``name``; a clear error lists the known ones."""
        try:
            return self.narratives[name]
        except KeyError:
            known = ", ".join(sorted(self.narratives)) or "none"
            where = self.source or "the configuration"
            raise ConfigError(
                f"narrative {name!r} is not defined in {where} (defined: {known})"
            ) from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic validates them with the key name."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate ``config.yaml``.

    With no path, ``AMPLIFY_CONFIG`` or ``./config.yaml`` is read if present, else
    defaults are used. A named file that is missing is an error.

    Raises
    ------
    ConfigError
        Naming the file, the key and what is expected.
    """
    explicit = path is not None or "AMPLIFY_CONFIG" in os.environ
    target = Path(path or os.environ.get("AMPLIFY_CONFIG") or DEFAULT_CONFIG)
    if not target.exists():
        if explicit:
            raise ConfigError(f"config file {target} does not exist; pass --config PATH")
        return Config()
    try:
        data = yaml.load(target.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    except UnicodeDecodeError:
        raise ConfigError(f"{target}: not UTF-8 text; save it as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{target}:{where}: {problem}; fix the YAML syntax") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{target}: expected a mapping of settings at the top level")
    try:
        return Config.model_validate({**data, "source": target})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = _location(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check its spelling against config.yaml's comments)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{target}: {key}: {message}{more}") from None


class Credentials(BaseModel):
    """Telegram API credentials; the hash never shows in repr, logs or errors."""

    model_config = ConfigDict(frozen=True)

    api_id: int
    api_hash: SecretStr


def telegram_credentials(
    api_id: str | None = None,
    api_hash: str | None = None,
    env_file: str | Path = ".env",
) -> Credentials:
    """Credentials from flags, else the environment, else a ``.env`` file.

    Raises
    ------
    CredentialsError
        Missing or malformed values, with where to get them.
    """
    dotenv = dotenv_values(env_file) if Path(env_file).exists() else {}
    raw_id = api_id or os.environ.get("TG_API_ID") or dotenv.get("TG_API_ID")
    raw_hash = api_hash or os.environ.get("TG_API_HASH") or dotenv.get("TG_API_HASH")
    if not raw_id or not raw_hash:
        raise CredentialsError(
            "Telegram API credentials are missing: set TG_API_ID and TG_API_HASH in the "
            "environment or a .env file (get them at https://my.telegram.org/apps)"
        )
    if not str(raw_id).strip().isdigit():
        raise CredentialsError("TG_API_ID must be the number shown at https://my.telegram.org")
    if not re.fullmatch(r"[0-9a-fA-F]{32}", str(raw_hash).strip()):
        raise CredentialsError(
            "TG_API_HASH must be the 32-character hex string shown at https://my.telegram.org"
        )
    return Credentials(api_id=int(raw_id), api_hash=SecretStr(str(raw_hash).strip()))


def resolve_database(flag: str | None, config: Config) -> str | None:
    """The database to use: ``--db`` > ``AMPLIFY_DB`` > ``config.yaml`` > default."""
    return flag or os.environ.get("AMPLIFY_DB") or config.database
