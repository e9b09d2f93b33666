"""Collector throughput and request cost next to the API bound (same run).

``collectors.telegram.collect`` runs against :class:`tests.telegram_fake.FakeTelegram`:
a real ``telethon.TelegramClient`` whose MTProto sender is replaced by an in-process
server that serialises every request and answer through the TL wire format. So the
figure is amplify's and Telethon's own cost per post (conversion, paging, store
upserts), without the network or Telegram's flood limits.

The baseline is the API bound: ``GetHistory`` returns at most 100 messages, so reading
N messages takes at least ceil(N / 100) history requests — 10 per 1,000 messages when
channels are long. The collector's cost is counted on the fake's request log.

Run: ``python -m benchmarks.collect --channels 10 --posts-per-channel 1000``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BOUND_PER_1000 = 10.0
"""History requests per 1,000 messages when every request returns the maximum (100)."""


async def _collect(fake, store) -> object:
    from collectors.telegram import collect

    names = [c.username for c in fake.channels.values()]
    client = fake.make_client()
    await client.connect()
    try:
        return await collect(client, store, names, now=lambda: datetime(2024, 1, 1, tzinfo=UTC))
    finally:
        await client.disconnect()


def _measure(channels: int, posts_per_channel: int, seed: int, positions: bool):
    from amplify.store import Store
    from tests.telegram_fake import FakeTelegram

    fake = FakeTelegram.from_spec(seed=seed, channels=channels, posts_per_channel=posts_per_channel)
    fake.reports_positions = positions
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "collect.sqlite")
        started = time.perf_counter()
        report = asyncio.run(_collect(fake, store))
        elapsed = time.perf_counter() - started
        stored = store.counts()["posts"]
        store.close()
    return fake, report, elapsed, stored


def run(channels: int = 10, posts_per_channel: int = 1_000, seed: int = 0) -> dict:
    """Collect a generated fake corpus into a fresh store; throughput and requests.

    Measured with history pages that report their position (``offset_id_offset``), then
    again without (the collector then needs one empty page per channel to see the end).
    """
    fake, report, elapsed, stored = _measure(channels, posts_per_channel, seed, True)
    unpositioned = _measure(channels, posts_per_channel, seed, False)[0]
    messages = {c.id: len(c.messages) for c in fake.channels.values()}
    history = fake.count("GetHistoryRequest")
    per_channel = {cid: len(fake.history_params(cid)) for cid in messages}
    minimum = sum(math.ceil(n / 100) for n in messages.values())
    total_messages = sum(messages.values())
    return {
        "channels": channels,
        "posts_per_channel": posts_per_channel,
        "messages": total_messages,  # posts plus service messages, as the server holds them
        "posts_stored": stored,
        "exit_code": report.exit_code,
        "seconds": elapsed,
        "posts_per_s": stored / elapsed,
        "history_requests": history,
        "history_requests_min": minimum,  # sum over channels of ceil(messages / 100)
        "history_requests_over_min": history - minimum,
        "history_requests_without_positions": unpositioned.count("GetHistoryRequest"),
        "history_per_1000_messages": 1000 * history / total_messages,
        "bound_per_1000_messages": BOUND_PER_1000,
        "min_per_1000_messages": 1000 * minimum / total_messages,
        "ratio_to_bound": (1000 * history / total_messages) / BOUND_PER_1000,
        "ratio_to_min": history / minimum,
        "requests_total": fake.count(),
        "requests": {
            name: fake.count(name)
            for name in (
                "ResolveUsernameRequest",
                "GetFullChannelRequest",
                "GetHistoryRequest",
                "GetChannelsRequest",
                "GetMessagesRequest",
            )
        },
        "per_channel_history_max_over_min": max(
            per_channel[c] - math.ceil(messages[c] / 100) for c in messages
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--posts-per-channel", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = run(args.channels, args.posts_per_channel, args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
