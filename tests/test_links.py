"""t.me message links in every form DESIGN.md lists; non-post links are ignored."""

from __future__ import annotations

import pytest

from amplify.errors import UsageError
from amplify.links import find_message_links, parse_message_link, post_url
from amplify.records import PostLink


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://t.me/AsiaToday/1234", PostLink("asiatoday", None, 1234)),
        ("t.me/AsiaToday/1234", PostLink("asiatoday", None, 1234)),
        ("http://www.t.me/s/rybar/55", PostLink("rybar", None, 55)),
        ("https://telegram.me/sashakots/9", PostLink("sashakots", None, 9)),
        ("https://telegram.dog/sashakots/9?single", PostLink("sashakots", None, 9)),
        ("https://t.me/c/1790216493/77", PostLink(None, 1790216493, 77)),
        ("https://t.me/forum_chan/12/345", PostLink("forum_chan", None, 345)),
        ("tg://resolve?domain=AsiaToday&post=1234", PostLink("asiatoday", None, 1234)),
        ("tg://privatepost?channel=1790216493&post=8", PostLink(None, 1790216493, 8)),
    ],
)
def test_every_link_form_parses(text: str, expected: PostLink) -> None:
    assert parse_message_link(text) == expected
    assert find_message_links(f"Смотрите: {text} — срочно") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "https://t.me/AsiaToday",  # a channel, not a post
        "https://t.me/+AbCdEfGh123",  # invite link
        "https://t.me/joinchat/AAAAAEkk2WdoDr",  # old invite link
        "https://t.me/s/AsiaToday",
        "https://example.com/AsiaToday/12",
        "https://t.me/AsiaToday/0",
        "tg://resolve?domain=AsiaToday",
        "https://t.me/share/url?url=x",
        "",
    ],
)
def test_non_post_links_are_not_posts(text: str) -> None:
    assert find_message_links(text) == []
    with pytest.raises(UsageError, match="is not a link to a Telegram post"):
        parse_message_link(text)


def test_links_are_found_once_in_order_across_texts() -> None:
    text = "a t.me/one_chan/1 b https://t.me/two_chan/2 c t.me/ONE_CHAN/1"
    assert find_message_links(text, None, "https://t.me/c/5/6") == [
        PostLink("one_chan", None, 1),
        PostLink("two_chan", None, 2),
        PostLink(None, 5, 6),
    ]


def test_post_url() -> None:
    assert post_url("AsiaToday", 1, 5) == "https://t.me/AsiaToday/5"
    assert post_url(None, 1790216493, 5) == "https://t.me/c/1790216493/5"


def test_post_url_never_builds_a_link_from_a_hostile_username() -> None:
    assert post_url("javascript:alert(1)//", 7, 5) == "https://t.me/c/7/5"
    assert post_url("a b", 7, 5) == "https://t.me/c/7/5"
