"""Hostile text made safe for display: snippets, hover labels and t.me links.

Post text, channel titles and usernames come from anyone who runs a Telegram channel.
Every value a report shows passes through here or through Jinja2's autoescape:

- :func:`snippet` shortens text for display and removes the invisible characters that
  reorder or hide it (bidirectional overrides and isolates, zero-width characters);
- :func:`hover_text` escapes ``&``, ``<`` and ``>`` for plotly.js, which reads a few
  HTML tags (``<a href>``, ``<b>``...) in hover labels, tick labels and titles;
- :func:`post_link` builds a t.me address from validated parts only.

Examples
--------
>>> snippet("a\\u202eevil " * 3, limit=12)
'aevil aevil…'
>>> hover_text('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror="alert(1)"&gt;'
>>> post_link("javascript:alert(1)//", 1790216493, 7)
'https://t.me/c/1790216493/7'
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = [
    "channel_label",
    "clean_text",
    "hover_text",
    "is_public_username",
    "json_for_html",
    "post_link",
    "snippet",
    "visible",
]

_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
# Bidirectional embeddings/overrides (U+202A-U+202E), isolates (U+2066-U+2069), marks
# (U+200E, U+200F, U+061C), zero-width characters (U+200B-U+200D, U+2060, U+FEFF) and
# the other invisible format characters that can hide or reorder what a reader sees.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\u2060-\u2064\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def snippet(text: Any, limit: int = 200) -> str:
    """A one-line display snippet: invisible characters removed, whitespace collapsed.

    Not escaped: Jinja2 escapes it in pages, :func:`hover_text` in figures.

    Parameters
    ----------
    text : str or None
        Hostile text (post text, a channel title).
    limit : int
        Longest result in characters; a cut text ends with an ellipsis.
    """
    if _missing(text):
        return ""
    clean = _SPACE.sub(" ", _CONTROL.sub("", _INVISIBLE.sub("", str(text)))).strip()
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def visible(text: Any) -> str:
    """``text`` without invisible, reordering or control characters; not shortened.

    For the researcher's own words that may hold text pasted from Telegram (a report
    title, a narrative's rules). Not escaped (see :func:`snippet`).
    """
    return "" if _missing(text) else _CONTROL.sub("", _INVISIBLE.sub("", str(text)))


def clean_text(text: Any) -> str:
    """Full text for a table cell: control characters (but tab and newlines) removed.

    Not escaped and not shortened; bidirectional characters stay (the cell isolates them).
    """
    return "" if _missing(text) else _CONTROL.sub("", str(text))


def hover_text(text: Any) -> str:
    """Escape ``&``, ``<`` and ``>`` so plotly.js shows ``text`` literally.

    plotly.js turns ``&lt;``, ``&gt;`` and ``&amp;`` back into the characters when it
    draws a label, and reads any unescaped ``<tag>`` as markup.
    """
    if _missing(text):
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_public_username(username: Any) -> bool:
    """Whether ``username`` is a valid public Telegram username (5-32 characters)."""
    return isinstance(username, str) and _USERNAME.fullmatch(username) is not None


def post_link(username: Any, channel_id: Any, message_id: Any) -> str:
    """The t.me address of a post, built only from validated parts.

    The public form ``https://t.me/<username>/<id>`` when ``username`` is a valid
    username, else ``https://t.me/c/<channel id>/<id>``.
    """
    message = int(message_id)
    if is_public_username(username):
        return f"https://t.me/{username}/{message}"
    return f"https://t.me/c/{abs(int(channel_id))}/{message}"


def channel_label(username: Any, title: Any, channel_id: Any, limit: int = 40) -> str:
    """How a channel is named in a report: ``@username``, else its title, else its id.

    Not escaped (see :func:`snippet`).
    """
    if is_public_username(username):
        return f"@{username}"
    name = snippet(title, limit)
    return name if name else f"channel {int(channel_id)}"


def json_for_html(text: str) -> str:
    """JSON text safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` (still the same
    JSON), so no value can close the script element or open a comment.
    """
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
