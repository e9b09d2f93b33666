"""What a Telegram collection or refresh did, per channel: the value :func:`collect` returns.

Exit codes (``amplify collect`` / ``amplify refresh``): 0 when every channel is done;
3 (partly done) when some channel was deferred by a flood wait or failed with a
reason while others were read — re-running continues where it stopped; 1 when every
channel failed. A snowball candidate that cannot be read is a :class:`Discovery`
with its reason, not a failure of the job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DONE, DEFERRED, FAILED = "done", "deferred", "failed"


def _exit_code(statuses: Iterable[str]) -> int:
    statuses = list(statuses)
    if all(s == DONE for s in statuses):
        return 0
    if all(s == FAILED for s in statuses):
        return 1
    return 3


def _run_status(code: int) -> str:
    return {0: "done", 1: "failed"}.get(code, "partial")


def _when(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else None


@dataclass
class ChannelResult:
    """One channel of a collection: what was read and how it ended."""

    channel: str  # as asked for: "@name", or the channel id
    channel_id: int | None = None
    title: str | None = None
    status: str = DONE  # done, deferred (flood wait) or failed
    new: int = 0
    updated: int = 0
    first_message_id: int | None = None  # of the messages read in this run
    last_message_id: int | None = None
    reason: str | None = None
    retry_at: datetime | None = None
    depth: int = 0  # 0: asked for; n: discovered by snowball at depth n
    note: str | None = None

    def line(self) -> str:
        ids = (
            f" (messages {self.first_message_id}–{self.last_message_id})"
            if self.first_message_id is not None
            else ""
        )
        text = f"{self.channel}: {self.status}, {self.new} new, {self.updated} updated{ids}"
        if self.status == DEFERRED:
            text += f"; flood wait, retry after {_when(self.retry_at)}"
        if self.reason and self.status != DEFERRED:
            text += f" — {self.reason}"
        if self.note:
            text += f" ({self.note})"
        return text


@dataclass
class Discovery:
    """A channel found by snowball: who referenced it, how often, and what became of it."""

    channel: str
    channel_id: int | None
    depth: int
    references: int
    referenced_by: tuple[str, ...]
    added: bool
    reason: str

    def line(self) -> str:
        verdict = "added" if self.added else "not added"
        return f"{self.channel} (depth {self.depth}): {verdict} — {self.reason}"


def _requests_line(requests: dict[str, int]) -> str:
    parts = [f"{name.removesuffix('Request')} {n}" for name, n in sorted(requests.items())]
    return "requests: " + (", ".join(parts) or "none")


@dataclass
class CollectionReport:
    """The result of :func:`collectors.telegram.collect`."""

    channels: list[ChannelResult] = field(default_factory=list)
    discovered: list[Discovery] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        """0 all done, 3 some deferred or failed, 1 all failed (see the module docstring)."""
        return _exit_code(c.status for c in self.channels)

    @property
    def deferred(self) -> list[ChannelResult]:
        return [c for c in self.channels if c.status == DEFERRED]

    @property
    def retry_at(self) -> datetime | None:
        """When every deferred channel can be retried (the latest flood deadline)."""
        times = [c.retry_at for c in self.deferred if c.retry_at is not None]
        return max(times) if times else None

    def summary_lines(self) -> list[str]:
        """Plain-text lines for a terminal or a log."""
        lines = [c.line() for c in self.channels]
        lines += [d.line() for d in self.discovered]
        return lines + self.totals_lines()

    def totals_lines(self) -> list[str]:
        """Totals, requests and (if any) when to retry deferred channels."""
        lines = []
        new = sum(c.new for c in self.channels)
        updated = sum(c.updated for c in self.channels)
        lines.append(f"{len(self.channels)} channels, {new} new posts, {updated} updated")
        lines.append(_requests_line(self.requests))
        if self.deferred:
            names = ", ".join(c.channel for c in self.deferred)
            lines.append(
                f"deferred by flood waits: {names}; re-run after {_when(self.retry_at)} "
                "to continue where they stopped"
            )
        return lines

    def counts(self) -> dict[str, Any]:
        """JSON-able counts for the ``runs`` row."""
        return {
            "posts_new": sum(c.new for c in self.channels),
            "posts_updated": sum(c.updated for c in self.channels),
            "channels": {
                c.channel: {
                    "channel_id": c.channel_id,
                    "status": c.status,
                    "new": c.new,
                    "updated": c.updated,
                    "first_message_id": c.first_message_id,
                    "last_message_id": c.last_message_id,
                    "reason": c.reason,
                    "retry_at": c.retry_at.isoformat() if c.retry_at else None,
                    "depth": c.depth,
                }
                for c in self.channels
            },
            "discovered": [
                {
                    "channel": d.channel,
                    "channel_id": d.channel_id,
                    "depth": d.depth,
                    "references": d.references,
                    "referenced_by": list(d.referenced_by),
                    "added": d.added,
                    "reason": d.reason,
                }
                for d in self.discovered
            ],
            "requests": dict(sorted(self.requests.items())),
        }

    @property
    def run_status(self) -> str:
        return _run_status(self.exit_code)


@dataclass
class RefreshResult:
    """One channel of a counter refresh."""

    channel: str
    channel_id: int
    status: str = DONE
    refreshed: int = 0
    missing: int = 0  # deleted since they were collected
    reason: str | None = None
    retry_at: datetime | None = None

    def line(self) -> str:
        text = f"{self.channel}: {self.status}, {self.refreshed} posts refreshed"
        if self.missing:
            text += f", {self.missing} no longer on Telegram"
        if self.status == DEFERRED:
            text += f"; flood wait, retry after {_when(self.retry_at)}"
        elif self.reason:
            text += f" — {self.reason}"
        return text


@dataclass
class RefreshReport:
    """The result of :func:`collectors.telegram.refresh`."""

    channels: list[RefreshResult] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        return _exit_code(c.status for c in self.channels)

    @property
    def run_status(self) -> str:
        return _run_status(self.exit_code)

    def summary_lines(self) -> list[str]:
        lines = [c.line() for c in self.channels]
        total = sum(c.refreshed for c in self.channels)
        lines.append(f"{len(self.channels)} channels, {total} posts refreshed")
        lines.append(_requests_line(self.requests))
        return lines

    def counts(self) -> dict[str, Any]:
        return {
            "posts_refreshed": sum(c.refreshed for c in self.channels),
            "channels": {
                c.channel: {"status": c.status, "refreshed": c.refreshed, "missing": c.missing}
                for c in self.channels
            },
            "requests": dict(sorted(self.requests.items())),
        }


class CollectionListener:
    """Progress hooks of a collection (the CLI draws a progress bar); all no-ops here."""

    def channel_started(self, channel: str) -> None:
        """Reading ``channel`` begins."""

    def page_saved(self, channel: str, posts: int, last_message_id: int) -> None:
        """A page of ``posts`` posts was committed."""

    def waiting(self, channel: str, seconds_left: int, request: str) -> None:
        """A flood wait on ``request``: ``seconds_left`` (0 when it is over)."""

    def channel_finished(self, result: ChannelResult | RefreshResult) -> None:
        """``channel`` is done, deferred or failed."""
