"""Collect from a fake Telegram into an SQLite file: the process the kill -9 test kills.

Usage: python tests/collect_worker.py SPEC_JSON DB_PATH NOW_ISO

The fake is rebuilt with ``FakeTelegram.from_spec(**spec)``; every channel of the
corpus is collected with a fixed clock, so two runs write identical rows. The worker
prints ``page <channel> <last id>`` after every committed page and ``done`` at the
end, which lets the test kill it at a chosen point.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from amplify.store import Store  # noqa: E402
from collectors.telegram import CollectionListener, collect  # noqa: E402
from tests.telegram_fake import FakeTelegram  # noqa: E402


class Pages(CollectionListener):
    def page_saved(self, channel: str, posts: int, last_message_id: int) -> None:
        print("page", channel, last_message_id, flush=True)


def channel_names(fake: FakeTelegram) -> list[str]:
    return [c.username for c in fake.channels.values() if c.username]


async def main(spec: dict, db: str, now: datetime) -> None:
    fake = FakeTelegram.from_spec(**spec)
    store = Store(db)
    print("ready", flush=True)
    await collect(fake.make_client(), store, channel_names(fake), now=lambda: now, listener=Pages())
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])))
