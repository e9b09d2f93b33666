"""Hostile content end to end: collected, imported, stored faithfully, analysed, escaped.

Channel owners control post text, titles, about texts and usernames. Here they carry
HTML/JS payloads, ``javascript:`` URLs, right-to-left overrides, zero-width characters,
NUL bytes, a 100,000-character text, emoji-only posts and spreadsheet formulas. They go
in through the real collector (the fake Telegram) and through a JSON Lines import, on
SQLite and PostgreSQL; then cascades, the channel network, coordination, the HTML report
and every export are built, and each output is checked. tests/test_report.py checks the
report renderer on hand-made cascades; this checks the whole path from Telegram.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from amplify.cascades import build_cascades
from amplify.coordination import co_amplification
from amplify.exports import safe_csv
from amplify.network import channel_graph, write_network
from amplify.records import Channel, ChannelStats, Post
from amplify.report import write_report
from amplify.store import Store
from collectors.importing import import_file
from collectors.records_jsonl import write_jsonl
from collectors.telegram import collect
from tests import report_cases as cases
from tests.collect_support import BASE, fixed
from tests.telegram_builders import make_channel, make_post
from tests.telegram_fake import FakeTelegram

ZW = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiners, joiner, word joiner, BOM
FORMULAS = ('=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)")
LONG = "длинный текст " * (cases.LONG_TEXT_CHARS // 14 + 1)
# Post texts of the root channel, by message id: each a class of hostile content.
TEXTS = {
    1: cases.SCRIPT + " " + cases.IMG + " see " + cases.JS_LINK,
    2: LONG[: cases.LONG_TEXT_CHARS],
    3: "🔥🔥🔥🇷🇺",
    4: "NUL\x00inside\x00 and a bell \x07",
    5: cases.CLOSE_JSON + cases.RLO + "gnp.exe" + ZW,
    6: FORMULAS[0],
    7: FORMULAS[1] + " " + cases.PAYLOADS[3],
}
ROOT, FORWARDER, COPIER = 1001, 2002, 3003
TITLES = {
    ROOT: cases.SCRIPT + cases.RLO + "Asia Today",
    FORWARDER: FORMULAS[3] + " " + cases.IMG,
    COPIER: ZW + FORMULAS[2] + cases.CLOSE_JSON,
}
ABOUT = cases.PAYLOADS[3] + " " + cases.JS_LINK


def hostile_telegram() -> FakeTelegram:
    """Three channels: hostile roots, a channel forwarding them all, one copying some."""
    root = make_channel(ROOT, "asiatoday", TITLES[ROOT], about=ABOUT, subscribers=100_000)
    forwarder = make_channel(FORWARDER, "sladkov_plus", TITLES[FORWARDER], subscribers=932_000)
    copier = make_channel(COPIER, "kotsnews", TITLES[COPIER], subscribers=568_000)
    for message_id, text in TEXTS.items():
        when = BASE + timedelta(minutes=10 * message_id)
        root.add(make_post(ROOT, message_id, when, text, views=1_000 * message_id))
        forwarder.add(
            make_post(
                FORWARDER,
                message_id,
                when + timedelta(seconds=30),
                text,
                views=5_000,
                fwd=(ROOT, message_id, when),
            )
        )
        copier.add(
            make_post(
                COPIER,
                message_id,
                when + timedelta(seconds=50),
                f"{text}\nhttps://t.me/asiatoday/{message_id}",
                views=700,
            )
        )
    return FakeTelegram([root, forwarder, copier])


# A username Telegram would never allow, only an import can carry it.
SQL_NAME = "x'); DROP TABLE posts;--"
IMPORTED = 4004


def hostile_records() -> list:
    when = BASE + timedelta(minutes=10)
    return [
        Channel(IMPORTED, username=SQL_NAME, title=cases.JS_LINK + ZW, about=cases.CLOSE_JSON),
        ChannelStats(IMPORTED, BASE + timedelta(days=1), 1_000),
        Post(
            IMPORTED,
            1,
            when + timedelta(seconds=40),
            text="\x00" + TEXTS[1],
            views=300,
            fwd_channel_id=ROOT,
            fwd_message_id=1,
            fwd_date=when,
            fwd_name=cases.SCRIPT,
            post_author=FORMULAS[0],
            collected_at=BASE + timedelta(days=1),
        ),
    ]


def stored_text(value: str, dialect: str) -> str:
    """What the store keeps: the text itself; PostgreSQL cannot hold NUL (U+FFFD there)."""
    return value if dialect == "sqlite" else value.replace("\x00", "\ufffd")


def fill(store: Store, tmp_path: Path) -> None:
    fake = hostile_telegram()
    report = asyncio.run(
        collect(
            fake.make_client(),
            store,
            ["asiatoday", "sladkov_plus", "kotsnews"],
            now=fixed(BASE + timedelta(days=1)),
        )
    )
    assert report.exit_code == 0, report.channels
    path = tmp_path / "hostile.jsonl"
    write_jsonl(hostile_records(), path)
    assert import_file(store, path).posts_new == 1


OWN_SCRIPT = re.compile(
    r'<script src="(\.\./)?assets/(plotly\.min|report)\.js">'
    r'|<script type="application/json" id="[a-z]+-data">'
)


def check_pages(out: Path) -> int:
    """Every page and script of a report: no payload, no foreign script, no bidi control."""
    pages = [p for p in out.rglob("*") if p.suffix in (".html", ".js", ".css")]
    pages = [p for p in pages if p.name != "plotly.min.js"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for payload in (*cases.PAYLOADS, "<img", '<a href="javascript'):
            assert payload not in text, (page, payload)
        for tag in re.findall(r"<script[^>]*>", text, re.I):
            assert OWN_SCRIPT.fullmatch(tag), (page, tag)
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", text, re.I), page
        assert cases.RLO not in text and "\x00" not in text, page
        for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S):
            json.loads(block)  # an embedded data block is still valid JSON
    return len(pages)


def check_csv(text: str) -> list[dict[str, str]]:
    """No cell a spreadsheet would run as a formula; returns the rows."""
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        for column, cell in row.items():
            assert not (cell or "").startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    return rows


def test_hostile_content_is_stored_faithfully_analysed_and_escaped(
    store: Store, tmp_path: Path
) -> None:
    fill(store, tmp_path)
    dialect = store.dialect
    posts = store.posts_frame().set_index(["channel_id", "message_id"])
    for message_id, text in TEXTS.items():
        assert posts.loc[(ROOT, message_id), "text"] == stored_text(text, dialect)
        assert posts.loc[(FORWARDER, message_id), "text"] == stored_text(text, dialect)
    assert len(posts.loc[(ROOT, 2), "text"]) == cases.LONG_TEXT_CHARS
    assert posts.loc[(IMPORTED, 1), "text"] == stored_text("\x00" + TEXTS[1], dialect)
    assert posts.loc[(IMPORTED, 1), "post_author"] == FORMULAS[0]
    channels = store.channels_frame().set_index("channel_id")
    for channel_id, title in TITLES.items():
        assert channels.loc[channel_id, "title"] == title
    assert channels.loc[ROOT, "about"] == ABOUT
    assert channels.loc[IMPORTED, "username"] == SQL_NAME
    assert store.counts()["posts"] == 3 * len(TEXTS) + 1  # the DROP TABLE did not run

    found = build_cascades(store)
    assert {c.root for c in found} == {(ROOT, m) for m in TEXTS}
    first = next(c for c in found if c.root == (ROOT, 1))
    assert set(first.graph.nodes) == {(ROOT, 1), (FORWARDER, 1), (COPIER, 1), (IMPORTED, 1)}
    graph = channel_graph(store)
    assert graph.has_edge(ROOT, FORWARDER) and graph.has_edge(ROOT, IMPORTED)
    pairs = co_amplification(store, "60s", percentile=0)
    assert not pairs.empty

    out = tmp_path / "report"
    index = write_report(found, out, title=cases.SCRIPT, store=store, network=graph)
    assert index.exists() and check_pages(out) >= len(TEXTS) + 2
    for exported in sorted(out.rglob("*.csv")):
        check_csv(exported.read_text(encoding="utf-8"))
    members = check_csv(safe_csv(first.members))
    assert {r["title"] for r in members} >= {"'" + TITLES[FORWARDER]}
    for suffix in (".gexf", ".graphml", ".csv"):
        written = write_network(graph, tmp_path / f"network{suffix}").read_text(encoding="utf-8")
        assert cases.SCRIPT not in written and "<img" not in written
        if suffix == ".csv":
            check_csv(written)
    shown = pairs.assign(roots=[";".join(f"{c}/{m}" for c, m in keys) for keys in pairs["roots"]])
    check_csv(safe_csv(shown))


@pytest.mark.parametrize("payload", [*cases.PAYLOADS, SQL_NAME, cases.RLO + "x", ZW, "🔥"])
def test_hostile_narrative_keywords_select_roots_without_error(
    tmp_path: Path, payload: str
) -> None:
    from amplify.config import Config, Narrative

    store = Store(tmp_path / "a.sqlite")
    fill(store, tmp_path)
    rules = Narrative(title=payload, keywords=[payload], patterns=[re.escape(payload)])
    config = Config(narratives={"x": rules})
    found = build_cascades(store, narrative="x", config=config)
    assert all(c.root[0] == ROOT for c in found)
    out = write_report(found, tmp_path / "r", title=payload, narrative=rules, store=store)
    check_pages(out.parent)
    store.close()
