"""Where a report's numbers come from, and what they cannot say.

The footer of every page names the database (never its password), the collection and
import runs whose posts the cascades hold, the amplify version, the generation time and
the caveats that apply to the data shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from amplify import __version__
from amplify.model import Cascade
from amplify.store import Store, redact_url

VIEWS_CAVEAT = (
    "Views count views, not people: one reader can add several views, and views of a "
    "post shared into groups or private chats land on the original."
)
STAR_CAVEAT = (
    "Star trees show what the data proves: every amplifier under the root (a forward "
    "names the original post, never the channel it was forwarded from)."
)
INFERRED_CAVEAT = (
    "Inferred trees attach a post to the latest earlier post of a channel its channel had "
    "forwarded or linked before: an exposure proxy, not proof of who saw what."
)


@dataclass(frozen=True)
class Run:
    """One collection or import run whose posts a report shows."""

    run_id: int
    kind: str
    started_at: str
    status: str
    tool_version: str


@dataclass(frozen=True)
class Provenance:
    """What the footer of a report says."""

    database: str | None
    runs: tuple[Run, ...]
    tool_version: str
    generated_at: datetime
    caveats: tuple[str, ...] = field(default_factory=tuple)


def _as_dict(value: Any) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _run_caveats(runs: pd.DataFrame) -> list[str]:
    """Caveats that imports recorded (a ``caveats`` list in a run's parameters or counts)."""
    found: list[str] = []
    for _, run in runs.iterrows():
        for source in (_as_dict(run.get("parameters")), _as_dict(run.get("counts"))):
            items = source.get("caveats") or []
            for item in [items] if isinstance(items, str) else items:
                text = f"Run {run['run_id']} ({run['kind']}): {item}"
                if text not in found:
                    found.append(text)
    return found


def _runs_used(store: Store, cascades: Sequence[Cascade]) -> pd.DataFrame:
    keys = {node for cascade in cascades for node in cascade.graph.nodes}
    channels = sorted({channel for channel, _ in keys})
    runs = store.runs_frame()
    if not channels or runs.empty:
        return runs.iloc[0:0]
    posts = store.posts_frame(channels=channels, columns=["channel_id", "message_id", "run_id"])
    member = [(c, m) in keys for c, m in zip(posts["channel_id"], posts["message_id"], strict=True)]
    used = set(posts.loc[member, "run_id"].dropna().astype(int))
    return runs[runs["run_id"].isin(used)].sort_values("run_id")


def data_caveats(cascades: Sequence[Cascade]) -> list[str]:
    """Caveats that follow from the cascades themselves (tree kind, unknown views...)."""
    caveats = [VIEWS_CAVEAT]
    trees = {cascade.graph.graph.get("tree", "star") for cascade in cascades} or {"star"}
    if "star" in trees:
        caveats.append(STAR_CAVEAT)
    if "inferred" in trees:
        caveats.append(INFERRED_CAVEAT)
    unknown = sum(int(cascade.metrics.get("views_unknown") or 0) for cascade in cascades)
    if unknown:
        caveats.append(
            f"{unknown:,} {'post has' if unknown == 1 else 'posts have'} no view count (e.g. from a Telegram Desktop export); "
            "they add nothing to reach."
        )
    uncollected = sum(
        1 for cascade in cascades if not cascade.graph.nodes[cascade.root].get("collected", True)
    )
    if uncollected:
        caveats.append(
            f"{uncollected:,} {'root was' if uncollected == 1 else 'roots were'} not collected: known only from the forward "
            "headers of their amplifiers (no text, views or subscribers)."
        )
    return caveats


def collect_provenance(
    cascades: Sequence[Cascade],
    *,
    store: Store | None,
    caveats: Iterable[str],
    generated_at: datetime,
) -> Provenance:
    """The provenance of a report of ``cascades``; ``store`` adds database and runs."""
    found = data_caveats(cascades)
    runs: tuple[Run, ...] = ()
    database = None
    if store is not None:
        database = redact_url(store.url)
        used = _runs_used(store, cascades)
        found += _run_caveats(used)
        runs = tuple(
            Run(
                run_id=int(row["run_id"]),
                kind=str(row["kind"]),
                started_at=row["started_at"].strftime("%Y-%m-%d %H:%M UTC"),
                status=str(row["status"]),
                tool_version=str(row["tool_version"]),
            )
            for _, row in used.iterrows()
        )
    for caveat in caveats:
        if caveat not in found:
            found.append(caveat)
    return Provenance(
        database=database,
        runs=runs,
        tool_version=__version__,
        generated_at=generated_at,
        caveats=tuple(found),
    )
