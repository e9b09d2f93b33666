"""Typed errors. Each message says what is wrong and how to fix it.

The CLI turns an :class:`AmplifyError` into one line on stderr and exits with
``exit_code``; library users catch the class they care about.
"""

from __future__ import annotations


class AmplifyError(Exception):
    """Base class of every error amplify raises on purpose."""

    exit_code: int = 1


class UsageError(AmplifyError):
    """The user asked for something that cannot be done as asked (bad value, bad file)."""

    exit_code = 2


class ConfigError(UsageError):
    """``config.yaml`` or the environment is invalid; the message names the file and key."""


class InputError(UsageError):
    """An input file (an export, a link) is malformed; nothing was written."""


class StoreError(AmplifyError):
    """The database cannot be used (locked, read-only, unreachable)."""


class SchemaError(StoreError):
    """The database is not an amplify database, or was written by a newer amplify."""

    exit_code = 2


class CredentialsError(ConfigError):
    """Telegram API credentials are missing or malformed."""
