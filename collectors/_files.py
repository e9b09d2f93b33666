"""Helpers of the importers: reading files (byte counts, UTF-8 checks), showing values, links."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any, BinaryIO

from amplify.errors import InputError
from amplify.links import links_in
from amplify.records import PostLink


class CountingReader:
    """A binary file that counts the bytes read from it and skips a leading UTF-8 BOM.

    Use as a context manager; ``bytes_read`` drives progress bars and error positions.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bytes_read = 0
        self._file: BinaryIO | None = None

    def __enter__(self) -> CountingReader:
        self._file = open_input(self.path)
        if self._file.read(3) == codecs.BOM_UTF8:
            self.bytes_read = 3
        else:
            self._file.seek(0)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._file is not None
        self._file.close()

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes."""
        assert self._file is not None
        chunk = self._file.read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        """Read one line (with its newline)."""
        assert self._file is not None
        line = self._file.readline(size)
        self.bytes_read += len(line)
        return line


def open_input(path: Path) -> BinaryIO:
    """Open a file for reading, or raise :class:`InputError` saying why it cannot be."""
    try:
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def first_char(path: Path) -> str | None:
    """The first character after white space (and a BOM); ``None`` for a blank file."""
    with open_input(path) as file:
        while chunk := file.read(64 * 1024):
            chunk = chunk.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
            if chunk:
                return chunk[:1].decode("latin-1")
    return None


def first_invalid_utf8(path: Path) -> tuple[int, int | None] | None:
    """Offset and value of the first byte that is not UTF-8, or ``None`` if all is UTF-8.

    The value is ``None`` when the file ends in the middle of a character (truncated).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open_input(path) as file:
        while chunk := file.read(1 << 20):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start, exc.object[exc.start]
            offset += len(chunk)
    pending = len(decoder.getstate()[0])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset - pending, None
    return None


def shown(value: Any) -> str:
    """A value as JSON for an error message, cut to a readable length."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def message_links(*texts: str | None) -> tuple[PostLink, ...]:
    """:func:`amplify.links.links_in`, skipping texts that cannot hold a message link.

    Every link form has ``.me/``, ``.dog/`` or ``tg://``; testing for those first keeps
    the regular expressions off the long texts of the many posts without links.
    """
    return links_in(t for t in texts if t and _may_link(t.lower()))


def _may_link(text: str) -> bool:
    return ".me/" in text or ".dog/" in text or "tg://" in text
