"""Copy detection: time, recall and precision, next to exact pairwise Jaccard (same run).

Two comparisons on a synthetic store (:mod:`benchmarks.synthetic`):

- **Corpus against the generator's truth.** ``find_edges(kinds=("copy",))`` — the
  engine's own copy step (:mod:`amplify.copies`: MinHash, LSH banding, exact
  verification) over every post — is timed, and its (root, copy) edges are compared
  with the copies the generator planted at word 3-gram Jaccard >= 0.8.
- **A sample against exact all-pairs.** On a sample of posts (default 5,000; the
  cascades that hold planted copies first, then random posts), the distinct normalised
  texts are compared pair by pair with exact Jaccard of the same shingle sets
  amplify uses (word 3-grams, character 5-grams for short texts) in plain Python —
  O(n²) — and :func:`amplify.copies.near_duplicate_pairs` runs on the same texts. The
  pair sets give recall and precision against the exact answer.

Run: ``python -m benchmarks.copies --db benchmarks/results/synthetic-100k-seed0.sqlite``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

THRESHOLD = 0.8


def _shingles(text: str) -> frozenset:
    """The shingle set amplify compares, as plain Python (word 3-grams or char 5-grams)."""
    from amplify.copies import MIN_WORDS

    words = text.split(" ")
    if len(words) >= MIN_WORDS:
        return frozenset(zip(words, words[1:], words[2:], strict=False))
    return frozenset(text[i : i + 5] for i in range(len(text) - 4))


def exact_pairs(texts: list[str], threshold: float = THRESHOLD) -> set[tuple[int, int]]:
    """Every pair (i < j) whose shingle sets have Jaccard >= `threshold`, by brute force."""
    sets = [_shingles(t) for t in texts]
    found = set()
    for i, a in enumerate(sets):
        for j in range(i + 1, len(sets)):
            b = sets[j]
            shared = len(a & b)
            if shared and shared >= threshold * (len(a) + len(b) - shared):
                found.add((i, j))
    return found


def _recall_precision(found: set, truth: set) -> dict:
    hit = len(found & truth)
    return {
        "true": len(truth),
        "found": len(found),
        "hit": hit,
        "recall": hit / len(truth) if truth else 1.0,
        "precision": hit / len(found) if found else 1.0,
    }


def _sample_texts(posts, truth, size: int, seed: int) -> list[str]:
    """Distinct normalised texts of a sample of `size` posts, copies' cascades first."""
    from amplify.copies import MIN_CHARS, normalize_for_copies

    rng = random.Random(seed)
    roots = sorted({root for root, _ in truth.copies.values()})
    rng.shuffle(roots)
    keys: list = []
    for root in roots:
        if len(keys) >= size // 2:
            break
        keys.append(root)
        keys.extend(k for k, (r, _) in truth.copies.items() if r == root)
    index = posts.set_index(["channel_id", "message_id"])
    chosen = index.loc[index.index.isin(keys)]
    rest = index.loc[~index.index.isin(keys)]
    extra = rest.sample(n=min(size - len(chosen), len(rest)), random_state=seed)
    sample = list(dict.fromkeys(chosen["text"].tolist() + extra["text"].tolist()))[:size]
    normalised = normalize_for_copies(sample_series(sample))
    judged = normalised[normalised.notna() & (normalised.str.len() >= MIN_CHARS)]
    return sorted(set(judged.tolist()))


def sample_series(values: list):
    import pandas as pd

    return pd.Series(values, dtype=object)


def run(db: Path, truth, sample: int = 5_000, seed: int = 0) -> dict:
    """Both comparisons on the store at `db` with its ground truth."""
    import pandas as pd

    from amplify.cascades import _POST_COLUMNS
    from amplify.copies import near_duplicate_pairs
    from amplify.edges import find_edges, prepare_posts
    from amplify.store import Store

    store = Store(db)
    posts = prepare_posts(store.posts_frame(columns=_POST_COLUMNS))
    started = time.perf_counter()
    edges = find_edges(posts, pd.DataFrame(), store.channels_frame(), kinds=("copy",))
    corpus_seconds = time.perf_counter() - started
    found = set(
        zip(
            zip(edges["root_channel_id"].tolist(), edges["root_message_id"].tolist(), strict=True),
            zip(edges["channel_id"].tolist(), edges["message_id"].tolist(), strict=True),
            strict=True,
        )
    )
    planted = {(root, key) for key, (root, _) in truth.copies.items()}
    corpus = _recall_precision(found, planted)
    texts = posts["text"].dropna()
    corpus.update(
        seconds=corpus_seconds,
        posts=len(posts),
        texts=len(texts),
        posts_per_s=len(posts) / corpus_seconds,
    )

    with_text = posts.dropna(subset=["text"])[["channel_id", "message_id", "text"]]
    distinct = _sample_texts(with_text, truth, sample, seed)
    series = pd.Series(distinct, dtype=object)
    started = time.perf_counter()
    exact = exact_pairs(distinct)
    exact_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pairs = near_duplicate_pairs(series, THRESHOLD)
    amplify_seconds = time.perf_counter() - started
    detected = set(zip(pairs["a"].tolist(), pairs["b"].tolist(), strict=True))
    on_sample = _recall_precision(detected, exact)
    on_sample.update(
        sample_posts=sample,
        distinct_texts=len(distinct),
        pairs_compared=len(distinct) * (len(distinct) - 1) // 2,
        exact_seconds=exact_seconds,
        amplify_seconds=amplify_seconds,
        speedup=exact_seconds / amplify_seconds if amplify_seconds else None,
    )
    store.close()
    return {"threshold": THRESHOLD, "corpus": corpus, "sample": on_sample}


def main() -> None:
    from benchmarks.corpus import load_truth

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a store from benchmarks.corpus")
    parser.add_argument("--sample", type=int, default=5_000)
    args = parser.parse_args()
    print(json.dumps(run(args.db, load_truth(args.db), args.sample), indent=2))


if __name__ == "__main__":
    main()
