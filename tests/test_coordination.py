"""Co-amplification on a hand-worked example whose answer is known.

Channel 1 publishes roots R1-R4; channels A-D forward them, at these seconds after T0:

    R1: A 0, B 30, C 200          (+ channel 1 itself at 5, A again at 100)
    R2: A 10, B 50, C 100
    R3: A 0, B 60, D 61
    R4: C 0, D 20

Within 60 s (inclusive): R1 (A,B 30); R2 (A,B 40), (B,C 50); R3 (A,B 60), (B,D 1);
R4 (C,D 20). Weights: A-B 3, B-C 1, B-D 1, C-D 1. The 90th percentile of [1, 1, 1, 3]
(linear) is 1 + 0.7 * 2 = 2.4, so only A-B is flagged; its gaps 30, 40, 60 have median 40.

Within 5 min every pair of a root counts: A-B 3 (R1-R3), A-C 2 (R1, R2), B-C 2 (R1, R2),
A-D 1, B-D 1, C-D 1.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from amplify.coordination import co_amplification, parse_window
from amplify.errors import UsageError
from amplify.store import Store
from tests.factories import T0, channel, post

A, B, C, D = 10, 11, 12, 13
SHARES = {
    1: [(A, 0), (B, 30), (C, 200), (1, 5), (A, 100)],
    2: [(A, 10), (B, 50), (C, 100)],
    3: [(A, 0), (B, 60), (D, 61)],
    4: [(C, 0), (D, 20)],
}


def coordinated_store(store: Store) -> None:
    store.save_channels([channel(1, "source")] + [channel(c, f"chan_{c}") for c in (A, B, C, D)])
    posts = [post(1, root, -60, text=f"root {root}", views=100) for root in SHARES]
    message = 1000
    for root, shares in SHARES.items():
        for channel_id, seconds in shares:
            message += 1
            posts.append(
                post(
                    channel_id,
                    message,
                    seconds / 60,
                    views=10,
                    fwd_channel_id=1,
                    fwd_message_id=root,
                    fwd_date=T0 - timedelta(minutes=60),
                )
            )
    store.save_posts(posts)


def pairs(frame) -> dict[tuple[int, int], int]:
    return {
        (a, b): w
        for a, b, w in zip(frame["channel_a"], frame["channel_b"], frame["weight"], strict=True)
    }


def test_hand_worked_example_60s(store: Store) -> None:
    coordinated_store(store)
    result = co_amplification(store, "60s")
    assert pairs(result) == {(A, B): 3, (B, C): 1, (B, D): 1, (C, D): 1}
    assert result.attrs["threshold"] == pytest.approx(2.4)
    assert result.loc[result["flagged"], ["channel_a", "channel_b"]].values.tolist() == [[A, B]]
    top = result.iloc[0]
    assert top["median_gap_s"] == 40 and top["roots"] == [(1, 1), (1, 2), (1, 3)]
    assert top["username_a"] == "chan_10" and top["username_b"] == "chan_11"


def test_hand_worked_example_5min_and_percentile(store: Store) -> None:
    coordinated_store(store)
    wide = co_amplification(store, timedelta(minutes=5))
    assert pairs(wide) == {(A, B): 3, (A, C): 2, (B, C): 2, (A, D): 1, (B, D): 1, (C, D): 1}
    everyone = co_amplification(store, "5min", percentile=0)  # above the minimum weight 1
    assert set(everyone.loc[everyone["flagged"], "weight"]) == {2, 3}


def test_window_zero_and_no_pairs(store: Store) -> None:
    coordinated_store(store)
    assert co_amplification(store, "0s").empty
    empty = co_amplification(Store(":memory:"))
    assert empty.empty and list(empty.columns)[:2] == ["channel_a", "channel_b"]


def test_bad_window_and_percentile(store: Store) -> None:
    with pytest.raises(UsageError, match="not a duration"):
        parse_window("soon")
    with pytest.raises(UsageError, match="not a duration"):
        parse_window("-5s")
    with pytest.raises(UsageError, match="percentile"):
        co_amplification(store, "60s", percentile=120)
