"""Exports researchers open in spreadsheets: CSV with formula injection neutralised.

Post text and channel titles are hostile input. A cell starting with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return) is run as a formula by Excel, LibreOffice
and Google Sheets; such cells get a leading single quote, which spreadsheets show as
text (OWASP, "CSV Injection").
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

__all__ = ["neutralise", "safe_csv"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value`` with a leading quote if it is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("-5 views"), neutralise(-5)
    ('\\'=HYPERLINK("http://x")', "'-5 views", -5)
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame, path_or_buf: str | Path | io.TextIOBase | None = None):
    """Write `frame` as UTF-8 CSV with every text cell neutralised; numbers stay numbers.

    Returns the CSV text when `path_or_buf` is None, like :meth:`pandas.DataFrame.to_csv`.
    """
    safe = frame.copy()
    for column in safe.columns:
        if not (
            pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])
        ):
            safe[column] = safe[column].map(neutralise, na_action="ignore")
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(path_or_buf, index=False, encoding="utf-8")
