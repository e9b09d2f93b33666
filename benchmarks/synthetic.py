"""A seeded synthetic store that looks like pro-war Telegram: cascades with known answers.

:func:`generate` writes channels, subscriber snapshots and posts through the store's
ordinary ``save_*`` methods and returns the ground truth: which post amplified which
root, by which kinds, and which pairs are copies. Shapes are heavy-tailed on purpose:

- subscribers ~ Pareto (a few channels with millions, most with thousands), views a
  fraction of subscribers with log-normal noise;
- cascade sizes ~ Pareto: most originals are never amplified, a few go viral;
- amplifications are forwards (most), t.me links (``t.me/<user>/<id>`` and
  ``t.me/c/<id>/<id>``), commentary copies (the root's Cyrillic text with a sentence
  added, or one word swapped in a long text), re-posted media (same media id, no forward
  header) and copies that also link or re-post the video;
- albums (2-4 messages sharing ``grouped_id``), forwarded whole;
- roots in channels that were never collected, known only from forward headers.

Texts draw from a synthetic Cyrillic vocabulary of ~20k words, so two unrelated texts
never look alike by accident: every copy the engine should find is in the truth.

Run ``python -m benchmarks.synthetic --posts 2000 --db /tmp/synthetic.sqlite``.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from amplify.records import Channel, ChannelStats, Post, PostLink
from amplify.store import Store

START = datetime(2023, 10, 1, tzinfo=UTC)
COLLECTED = datetime(2023, 11, 15, tzinfo=UTC)
SPAN = timedelta(days=30)
_ONSETS = "б в г д ж з к л м н п р с т ф х ц ч ш щ бр вл гр др кр пр ст тр".split()
_VOWELS = "а е и о у ы э ю я".split()
Key = tuple[int, int]


@dataclass
class GroundTruth:
    """What :func:`generate` made, to check the engine against.

    Attributes
    ----------
    cascades : dict
        root key -> {member key -> set of kinds}; every planted amplification.
    copies : dict
        copy post key -> (root key, word 3-gram Jaccard of the two texts), for every
        planted copy at Jaccard >= 0.8 (the engine's default threshold).
    uncollected_roots : set
        roots whose channel was never collected.
    posts : int
        posts written.
    """

    cascades: dict[Key, dict[Key, set[str]]] = field(default_factory=dict)
    copies: dict[Key, tuple[Key, float]] = field(default_factory=dict)
    uncollected_roots: set[Key] = field(default_factory=set)
    posts: int = 0


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)))
    return sorted(words)


def _grams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _jaccard(a: list[str], b: list[str]) -> float:
    x, y = _grams(a), _grams(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def _sentence(words: list[str]) -> str:
    return (" ".join(words)).capitalize() + "."


class _Writer:
    """Holds the generator's state: channels, message counters, the posts so far."""

    def __init__(self, rng: random.Random, channels: int, hidden: int) -> None:
        self.rng = rng
        self.vocabulary = _vocabulary(rng)
        self.channels = [1_000_000 + i for i in range(channels)]
        self.hidden = [9_000_000 + i for i in range(hidden)]
        self.subscribers = {
            c: int(min(5_000_000, 800 * rng.paretovariate(0.9)))
            for c in self.channels + self.hidden
        }
        self.next_id = dict.fromkeys(self.channels + self.hidden, 1)
        self.next_media = 1
        self.next_group = 1
        self.posts: list[Post] = []
        self.truth = GroundTruth()

    def username(self, channel: int) -> str:
        return f"chan_{channel}"

    def words(self, low: int, high: int) -> list[str]:
        return self.rng.choices(self.vocabulary, k=self.rng.randint(low, high))

    def views(self, channel: int) -> int:
        reach = self.subscribers[channel] * self.rng.uniform(0.05, 0.4)
        return max(1, int(reach * self.rng.lognormvariate(0, 0.6)))

    def new_id(self, channel: int) -> int:
        self.next_id[channel] += 1
        return self.next_id[channel] - 1

    def media(self) -> int:
        self.next_media += 1
        return 10**12 + self.next_media

    def add(self, channel: int, when: datetime, save: bool = True, **fields) -> Key:
        key = (channel, self.new_id(channel))
        if save:
            self.posts.append(
                Post(
                    channel_id=channel,
                    message_id=key[1],
                    date=when,
                    collected_at=COLLECTED,
                    views=self.views(channel),
                    **fields,
                )
            )
        return key

    def original(self, channel: int, when: datetime, save: bool = True) -> dict:
        """An original post (or album); returns what amplifiers need to know of it."""
        roll = self.rng.random()
        words = self.words(20, 80) if roll < 0.7 else self.words(3, 7) if roll < 0.85 else []
        media = self.media() if self.rng.random() < 0.4 or not words else None
        album = self.rng.random() < 0.05
        text = _sentence(words) if words else None
        group = None
        if album:
            self.next_group += 1
            group = self.next_group
        kind = "video" if media else None
        keys = [
            self.add(
                channel, when, save, text=text, media_id=media, media_kind=kind, grouped_id=group
            )
        ]
        medias = [media]
        for _ in range(self.rng.randint(1, 3) if album else 0):
            medias.append(self.media())
            keys.append(
                self.add(
                    channel, when, save, media_id=medias[-1], media_kind="photo", grouped_id=group
                )
            )
        return {
            "keys": keys,
            "medias": medias,
            "words": words,
            "media": media,
            "when": when,
            "saved": save,
        }

    def amplify(self, root: dict, channel: int, when: datetime) -> None:
        kinds = ["forward"] * 12 + ["link"] * 2 + ["media"] * 2 + ["copy"] * 3 + ["copy+link"]
        kind = self.rng.choice(kinds)
        if not root["saved"]:
            kind = "forward"  # an uncollected root is known only from forward headers
        if kind == "media" and not root["media"]:
            kind = "forward"
        if kind.startswith("copy") and len(root["words"]) < 20:
            kind = "forward"
        root_key = root["keys"][0]
        planted = self.truth.cascades.setdefault(root_key, {})
        if kind == "forward":
            group = None
            if len(root["keys"]) > 1:
                self.next_group += 1
                group = self.next_group
            for source, media in zip(root["keys"], root["medias"], strict=True):
                key = self.add(
                    channel,
                    when,
                    text=_sentence(root["words"]) if source == root_key and root["words"] else None,
                    media_id=media,  # photo and document ids survive forwards
                    grouped_id=group,
                    fwd_channel_id=source[0],
                    fwd_message_id=source[1],
                    fwd_date=root["when"],
                    fwd_name=None if root["saved"] else f"Скрытый канал {source[0]}",
                )
                planted[key] = {"forward"}
            return
        if kind == "link":
            private = self.rng.random() < 0.1
            url = (
                f"https://t.me/c/{root_key[0]}/{root_key[1]}"
                if private
                else f"https://t.me/{self.username(root_key[0])}/{root_key[1]}"
            )
            target = (
                PostLink(None, root_key[0], root_key[1])
                if private
                else PostLink(self.username(root_key[0]).lower(), None, root_key[1])
            )
            key = self.add(
                channel, when, text=f"{_sentence(self.words(4, 12))} {url}", links=(target,)
            )
            planted[key] = {"link"}
            return
        if kind == "media":
            key = self.add(
                channel,
                when,
                text=_sentence(self.words(2, 6)),
                media_id=root["media"],
                media_kind="video",
            )
            planted[key] = {"media"}
            return
        words = list(root["words"])
        if len(words) >= 40 and self.rng.random() < 0.3:
            words[len(words) // 2] = self.rng.choice(self.vocabulary)  # an edit inside
        else:
            words = words + self.words(1, 4)  # a sentence of commentary
        fields: dict = {"text": _sentence(words)}
        found = {"copy"}
        if kind == "copy+link":
            url = f"https://t.me/{self.username(root_key[0])}/{root_key[1]}"
            fields["text"] += f" Источник: {url}"
            fields["links"] = (PostLink(self.username(root_key[0]).lower(), None, root_key[1]),)
            found.add("link")
        elif root["media"] and self.rng.random() < 0.3:
            fields["media_id"] = root["media"]
            found.add("media")
        key = self.add(channel, when, **fields)
        if kind == "copy+link":
            words = words + ["источник"]  # the URL is normalised away, the word is not
        similarity = _jaccard(root["words"], words)
        if similarity >= 0.8:
            self.truth.copies[key] = (root_key, similarity)
        else:
            found.discard("copy")  # too much commentary: the engine must not call it a copy
        planted[key] = found


def generate(
    store: Store, *, posts: int = 100_000, seed: int = 0, channels: int | None = None
) -> GroundTruth:
    """Write a synthetic collection of about `posts` posts into `store`; return the truth.

    Parameters
    ----------
    store : Store
        An empty store (a fresh SQLite file or PostgreSQL database).
    posts : int
        How many posts to write (amplifications included); the count is exact.
    seed : int
        Same seed, same data.
    channels : int, optional
        Collected channels; default one per 200 posts (at least 10). A twentieth as
        many never-collected channels hold roots known only from forwards.
    """
    rng = random.Random(seed)
    n_channels = channels or max(10, posts // 200)
    writer = _Writer(rng, n_channels, max(2, n_channels // 20))
    while len(writer.posts) < posts:
        hidden = rng.random() < 0.03
        channel = rng.choice(writer.hidden if hidden else writer.channels)
        when = START + SPAN * rng.random()
        root = writer.original(channel, when, save=not hidden)
        size = min(int(rng.paretovariate(1.2)) - 1, 400)
        if hidden:
            size = max(size, 1)
            writer.truth.uncollected_roots.add(root["keys"][0])
        for amplifier in rng.sample(writer.channels, min(size, len(writer.channels))):
            if amplifier == channel:
                continue
            delay = timedelta(seconds=min(rng.expovariate(1 / 7200), 7 * 86400) + 1)
            writer.amplify(root, amplifier, when + delay)
    written = writer.posts[:posts]
    kept = {(p.channel_id, p.message_id) for p in written}
    for root, members in list(writer.truth.cascades.items()):
        members = {k: v for k, v in members.items() if k in kept}
        if members:
            writer.truth.cascades[root] = members
        else:
            del writer.truth.cascades[root]
    writer.truth.copies = {k: v for k, v in writer.truth.copies.items() if k in kept}
    writer.truth.uncollected_roots &= set(writer.truth.cascades)
    writer.truth.posts = len(written)
    store.save_channels(
        [Channel(c, writer.username(c), f"Канал {c}", broadcast=True) for c in writer.channels],
        collected_at=COLLECTED,
    )
    store.save_channel_stats(
        ChannelStats(c, when, int(writer.subscribers[c] * growth))
        for c in writer.channels
        for when, growth in ((START, 1.0), (START + SPAN / 2, 1.05))
    )
    store.save_posts(written)
    return writer.truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, required=True, help="a new SQLite file")
    args = parser.parse_args()
    truth = generate(Store(args.db), posts=args.posts, seed=args.seed)
    print(
        f"wrote {truth.posts:,} posts: {len(truth.cascades):,} cascades planted, "
        f"{len(truth.copies):,} copies, {len(truth.uncollected_roots):,} uncollected roots"
    )


if __name__ == "__main__":
    main()
