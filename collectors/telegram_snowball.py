"""Snowball discovery: which channels do the collected channels reference, and how often.

A reference is a collected post that forwards from a channel (``fwd_channel_id``) or
links to one of its posts (``post_links``: by username, or by id for ``t.me/c/``
links). Each referencing post counts once per target, however many links it holds.
A channel's references to itself do not count. Usernames the store knows are merged
with their channel id, so a forward from and a link to the same channel add up.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from amplify import schema
from amplify.store import Store
from collectors.telegram_channels import ChannelJob, ChannelProblem
from collectors.telegram_flood import Deferred, TelegramUnavailable
from collectors.telegram_report import FAILED, ChannelResult, Discovery


@dataclass
class Candidate:
    """A referenced channel: by id when known (with its stored username, if any),
    else by the lower-case username of the links."""

    channel_id: int | None
    username: str | None
    posts: set[tuple[int, int]] = field(default_factory=set)
    referrers: set[int] = field(default_factory=set)

    @property
    def references(self) -> int:
        return len(self.posts)

    @property
    def label(self) -> str:
        return f"@{self.username}" if self.username else str(self.channel_id)


def _window(column, since: datetime | None, until: datetime | None) -> list:
    clauses = []
    if since is not None:
        clauses.append(column >= since)
    if until is not None:
        clauses.append(column < until)
    return clauses


def count_references(
    store: Store,
    channel_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Candidate]:
    """Channels referenced by the posts of ``channel_ids`` (dated in the window),
    most referenced first."""
    ids = sorted(set(channel_ids))
    if not ids:
        return []
    p, links, c = schema.posts, schema.post_links, schema.channels
    window = _window(p.c.date, since, until)
    forwards = select(p.c.channel_id, p.c.message_id, p.c.fwd_channel_id).where(
        p.c.channel_id.in_(ids), p.c.fwd_channel_id.is_not(None), *window
    )
    linked = (
        select(
            links.c.channel_id,
            links.c.message_id,
            links.c.target_channel_id,
            links.c.target_username,
        )
        .join(
            p,
            and_(p.c.channel_id == links.c.channel_id, p.c.message_id == links.c.message_id),
        )
        .where(p.c.channel_id.in_(ids), *window)
    )
    with store.engine.connect() as conn:
        rows = [(cid, mid, target, None) for cid, mid, target in conn.execute(forwards)]
        rows += [tuple(row) for row in conn.execute(linked)]
        names = sorted({name.lower() for *_, name in rows if name})
        known: dict[str, int] = {}
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            query = select(func.lower(c.c.username), c.c.channel_id).where(
                func.lower(c.c.username).in_(chunk)
            )
            known.update({name: cid for name, cid in conn.execute(query)})
        targets = sorted({r[2] for r in rows if r[2] is not None} | set(known.values()) | set(ids))
        usernames: dict[int, str] = {}
        for start in range(0, len(targets), 500):
            query = select(c.c.channel_id, c.c.username).where(
                c.c.channel_id.in_(targets[start : start + 500]), c.c.username.is_not(None)
            )
            usernames.update({cid: name for cid, name in conn.execute(query)})
    own_names = {cid: usernames.get(cid, "").lower() for cid in ids}
    found: dict[int | str, Candidate] = {}
    for channel_id, message_id, target_id, target_name in rows:
        name = target_name.lower() if target_name else None
        if target_id is None and name is not None:
            target_id = known.get(name)
        if target_id == channel_id or (name is not None and name == own_names.get(channel_id)):
            continue  # a channel referencing itself
        key: int | str = target_id if target_id is not None else f"@{name}"
        if key not in found:
            known_name = usernames.get(target_id) if target_id is not None else None
            found[key] = Candidate(target_id, known_name or name)
        candidate = found[key]
        candidate.posts.add((channel_id, message_id))
        candidate.referrers.add(channel_id)
    return sorted(found.values(), key=lambda x: (-x.references, x.label))


def select_candidates(
    candidates: Iterable[Candidate],
    *,
    min_references: int,
    exclude_ids: Collection[int],
    exclude_names: Collection[str],
) -> list[Candidate]:
    """Candidates with at least ``min_references`` that were not collected already."""
    names = {n.lower() for n in exclude_names}
    return [
        c
        for c in candidates
        if c.references >= min_references
        and (c.channel_id is None or c.channel_id not in exclude_ids)
        and (c.username is None or c.username.lower() not in names)
    ]


async def discover(
    job: ChannelJob,
    seeds: Sequence[ChannelResult],
    depth_limit: int,
    *,
    min_references: int,
    min_subscribers: int | None,
    read: Callable[..., Any],
    since: datetime | None,
    until: datetime | None,
) -> tuple[list[ChannelResult], list[Discovery]]:
    """Discover and read channels referenced by ``seeds``, level by level."""
    results: list[ChannelResult] = []
    discoveries: list[Discovery] = []
    seen_ids = {r.channel_id for r in seeds if r.channel_id is not None}
    seen_names = {r.channel.lstrip("@").lower() for r in seeds}
    level = [r.channel_id for r in seeds if r.status != FAILED and r.channel_id is not None]
    for depth in range(1, depth_limit + 1):
        found = count_references(job.store, level, since=since, until=until)
        chosen = select_candidates(
            found,
            min_references=min_references,
            exclude_ids=seen_ids,
            exclude_names=seen_names,
        )
        level = []
        for candidate in chosen:
            key: int | str = candidate.channel_id or candidate.username or ""
            if candidate.channel_id is not None:
                seen_ids.add(candidate.channel_id)
            if candidate.username:
                seen_names.add(candidate.username.lower())
            label = candidate.label
            by = tuple(sorted(job.label_of(cid) for cid in candidate.referrers))
            why = f"{candidate.references} references from {', '.join(by)}"
            discovery = Discovery(
                label, candidate.channel_id, depth, candidate.references, by, False, why
            )
            try:
                peer, _ = await job.resolve(key)
                discovery.channel_id = peer.channel_id
                if peer.channel_id in seen_ids and candidate.channel_id is None:
                    continue  # a username of a channel read already
                seen_ids.add(peer.channel_id)
                full_chat, chat = await job.full_channel(key, peer)
                subscribers = full_chat.participants_count
                if min_subscribers and (subscribers or 0) < min_subscribers:
                    discovery.reason = (
                        f"{why}, but {subscribers or 0} subscribers (fewer than {min_subscribers})"
                    )
                    discoveries.append(discovery)
                    continue
            except ChannelProblem as problem:
                discovery.reason = f"{why}, but {problem.reason}"
                discoveries.append(discovery)
                continue
            except (Deferred, TelegramUnavailable) as exc:
                discovery.reason = f"{why}, but {exc}"
                discoveries.append(discovery)
                continue
            discovery.added = True
            discoveries.append(discovery)
            result = await read(
                chat.username.lower() if chat.username else chat.id,
                depth=depth,
                label=label,
                found=(peer, full_chat, chat),
            )
            if result is None:
                continue
            results.append(result)
            if result.status != FAILED:
                level.append(chat.id)
        if not level:
            break
    return results, discoveries
