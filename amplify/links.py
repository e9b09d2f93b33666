"""Telegram message links: finding them in post text and parsing the one a user gives.

Link forms (DESIGN.md): ``t.me/<user>/<id>``, ``t.me/s/<user>/<id>``,
``t.me/c/<internal id>/<id>``, the same on ``telegram.me`` / ``telegram.dog``, and
``tg://resolve?domain=<user>&post=<id>`` / ``tg://privatepost?channel=<id>&post=<id>``.
Invite links (``t.me/+...``, ``t.me/joinchat/...``) and bare channel links are not posts.

Examples
--------
>>> parse_message_link("https://t.me/AsiaToday/1234")
PostLink(target_username='asiatoday', target_channel_id=None, target_message_id=1234)
>>> find_message_links("see t.me/c/1790216493/77 and https://t.me/+AbCdEf")
[PostLink(target_username=None, target_channel_id=1790216493, target_message_id=77)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from amplify.errors import UsageError
from amplify.records import PostLink

_USERNAME = r"[A-Za-z][A-Za-z0-9_]{3,31}"
_RESERVED = {"s", "c", "joinchat", "addstickers", "share", "proxy", "socks", "iv", "login"}
_WEB = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/"
    r"(?:(?:s/)?(?P<user>" + _USERNAME + r")|c/(?P<cid>\d{1,20}))"
    r"/(?:\d+/)?(?P<msg>\d{1,12})(?![\w/])",
    re.IGNORECASE,
)
_TG = re.compile(r"tg://(?:resolve|privatepost)\?[^\s<>\"']+", re.IGNORECASE)


def _from_web(match: re.Match[str]) -> PostLink | None:
    user, cid, msg = match.group("user"), match.group("cid"), int(match.group("msg"))
    if msg <= 0:
        return None
    if user is not None:
        if user.lower() in _RESERVED:
            return None
        return PostLink(user.lower(), None, msg)
    return PostLink(None, int(cid), msg)


def _from_tg(url: str) -> PostLink | None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    post = query.get("post", [""])[0]
    if not post.isdigit() or int(post) <= 0:
        return None
    if parts.netloc.lower() == "resolve":
        domain = query.get("domain", [""])[0]
        if re.fullmatch(_USERNAME, domain):
            return PostLink(domain.lower(), None, int(post))
        return None
    channel = query.get("channel", [""])[0]
    if channel.isdigit():
        return PostLink(None, int(channel), int(post))
    return None


def find_message_links(*texts: str | None) -> list[PostLink]:
    """Every distinct message link in the given texts (post text, entity URLs), in order."""
    found: dict[PostLink, None] = {}
    for text in texts:
        if not text:
            continue
        for match in _WEB.finditer(text):
            link = _from_web(match)
            if link is not None:
                found.setdefault(link)
        for match in _TG.finditer(text):
            link = _from_tg(match.group(0))
            if link is not None:
                found.setdefault(link)
    return list(found)


def links_in(texts: Iterable[str | None]) -> tuple[PostLink, ...]:
    """Tuple form of :func:`find_message_links` for a record's ``links`` field."""
    return tuple(find_message_links(*texts))


def parse_message_link(link: str) -> PostLink:
    """Parse one message link a user typed (``--root``).

    Raises
    ------
    UsageError
        The text is not a link to one Telegram post.
    """
    text = link.strip()
    web = _WEB.match(text)
    trailing = text[web.end() :] if web else ""
    found = _from_web(web) if web and trailing[:1] in ("", "?", "#") else None
    if found is None and _TG.fullmatch(text):
        found = _from_tg(text)
    if found is None:
        raise UsageError(
            f"{link!r} is not a link to a Telegram post; expected e.g. "
            "https://t.me/<channel>/<number> or https://t.me/c/<id>/<number>"
        )
    return found


def post_url(username: str | None, channel_id: int, message_id: int) -> str:
    """The t.me address of a post: public form when the username is a valid one.

    Usernames come from the store and are untrusted; anything that is not a Telegram
    username gets the ``t.me/c/<id>/<message>`` form instead.
    """
    if username and re.fullmatch(_USERNAME, username):
        return f"https://t.me/{username}/{message_id}"
    return f"https://t.me/c/{channel_id}/{message_id}"
