"""Narrative rules: folded keyword and pattern matching, and which roots they select."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from amplify.cascades import build_cascades
from amplify.config import Narrative, load_config
from amplify.narratives import NarrativeMatcher, narrative_roots
from amplify.store import Store
from tests.factories import T0, channel, post
from tests.test_cascades import ROOT, fwd, reference_case

REPO = Path(__file__).resolve().parents[1]


def rules(**fields) -> Narrative:
    return Narrative(title="t", **fields)


def match(narrative: Narrative, *texts: str | None) -> list[bool]:
    matcher = NarrativeMatcher.from_narrative(narrative)
    return matcher.matches(pd.Series(list(texts), dtype=object)).tolist()


def test_keywords_are_case_insensitive_and_unicode_aware() -> None:
    nato = rules(keywords=["центр НАТО", "NATO center", "НАТО орталығы", "ещё"])
    assert match(
        nato,
        "Открыли ЦЕНТР НАТО под Алматы",  # case
        "открыли центр НAТО",  # Latin A among Cyrillic letters
        "a new Nato Center near Almaty",  # English spelling, any case
        "Алматыда НАТО орталығы ашылды",  # Kazakh
        "и еще раз",  # Ё written as Е matches the keyword's Ё
        "центр\u200b НАТО",  # a zero-width space does not hide it
        "центр ООН",
        None,
    ) == [True, True, True, True, True, True, False, False]
    assert match(rules(keywords=["центра НАТО"]), "в центре НАТО") == [False]  # substrings only


def test_patterns_are_case_insensitive_regexes_on_folded_text() -> None:
    nato = rules(patterns=[r"НАТО\w*\s+(в|на)\s+Казахстан\w*", r"KAZCENT|КАЗЦЕНТ", r"учё?н"])
    assert match(
        nato,
        "базы нато в  казахстане",  # whitespace runs collapse
        "НАТОвцы на Казахстанской земле",
        "Kazcent training",
        "военные учения",  # Ё in the pattern reads as Е
        "НАТО в России",
    ) == [True, True, True, True, False]


def table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("root_date", "date"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def test_root_text_decides_and_textless_roots_use_members() -> None:
    nato = rules(keywords=["НАТО"], since=T0 - timedelta(days=1), until=T0 + timedelta(days=1))
    t = T0.isoformat()
    rows = [
        # collected root that matches
        dict(
            root_channel_id=1,
            root_message_id=1,
            root_text="центр НАТО",
            root_date=t,
            text="x",
            date=t,
        ),
        # root text does not match: a matching member does not rescue it
        dict(
            root_channel_id=1,
            root_message_id=2,
            root_text="погода",
            root_date=t,
            text="НАТО",
            date=t,
        ),
        # root without text (uncollected or a bare video): any member decides
        dict(root_channel_id=9, root_message_id=3, root_text=None, root_date=t, text="нет", date=t),
        dict(
            root_channel_id=9, root_message_id=3, root_text=None, root_date=t, text="НАТО!", date=t
        ),
        dict(root_channel_id=9, root_message_id=4, root_text=None, root_date=t, text="нет", date=t),
        # outside the window
        dict(
            root_channel_id=1,
            root_message_id=5,
            root_text="НАТО",
            root_date="2020-01-01T00:00:00+00:00",
            text="",
            date=t,
        ),
        # undated root (link-only): dated by its earliest member, which is inside
        dict(
            root_channel_id=9,
            root_message_id=6,
            root_text=None,
            root_date=None,
            text="НАТО",
            date=t,
        ),
    ]
    chosen = narrative_roots(nato, table(rows))
    assert chosen == {(1, 1), (9, 3), (9, 6)}
    assert narrative_roots(nato, table(rows), seeds={(1, 5)}) == chosen | {(1, 5)}


def test_build_cascades_with_the_shipped_config(store: Store) -> None:
    """config.yaml's nato-center narrative selects the reference root."""
    reference_case(store)
    config = load_config(REPO / "config.yaml")
    cascades = build_cascades(store, narrative="nato-center", config=config)
    assert [c.root for c in cascades] == [ROOT]
    assert cascades[0].narrative == "nato-center"


def test_uncollected_root_selected_through_its_members_and_seeds(store: Store) -> None:
    store.save_channels([channel(2, "chan_two"), channel(3, "chan_three"), channel(4, "chan_four")])
    store.save_posts(
        [
            post(2, 1, 10, text="Видео: НAТО в Казахстане", views=5, **fwd(70, 1, -5)),
            post(3, 1, 20, text="Видео: НAТО в Казахстане", views=5, **fwd(70, 1, -5)),
            post(4, 1, 0, text="Погода в Алматы", views=9),
            post(2, 2, 30, text="Погода в Алматы", views=5, **fwd(4, 1)),
        ]
    )
    nato = rules(keywords=["НАТО"])
    assert [c.root for c in build_cascades(store, narrative=nato)] == [(70, 1)]
    seeded = rules(keywords=["НАТО"], seeds=["https://t.me/chan_four/1"])
    assert {c.root for c in build_cascades(store, narrative=seeded)} == {(70, 1), (4, 1)}
    # a seed link to a forward selects the original's cascade
    via_forward = rules(keywords=["ничего"], seeds=["https://t.me/chan_two/2"])
    assert [c.root for c in build_cascades(store, narrative=via_forward)] == [(4, 1)]


def test_an_unresolvable_seed_is_skipped_with_a_warning(store: Store, caplog) -> None:
    reference_case(store)
    seeded = rules(keywords=["центр НАТО"], seeds=["https://t.me/never_collected/1"])
    with caplog.at_level("WARNING"):
        assert [c.root for c in build_cascades(store, narrative=seeded)] == [ROOT]
    assert "never_collected" in caplog.text


@pytest.mark.parametrize("text", ["ЦЕНТР НАТО", "центр нато", "Центр НАТО"])
def test_doctest_like_cases(text: str) -> None:
    assert match(rules(keywords=["Центр НАТО"]), text) == [True]
