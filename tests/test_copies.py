"""Copy detection: normalisation, shingles, MinHash LSH and exact verification."""

from __future__ import annotations

import doctest
import importlib
import random

import numpy as np
import pandas as pd
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from amplify import copies
from amplify.copies import (
    MIN_CHARS,
    _shingle_sets,
    _signatures,
    earliest_near_duplicates,
    fold_text,
    lsh_params,
    near_duplicate_pairs,
    normalize_for_copies,
)

BASE = (
    "В Казахстане под Алматы торжественно открыли настоящий центр НАТО для подготовки "
    "военных. На церемонии перерезали ленточку офицеры из США, Великобритании и других "
    "стран альянса. Местные жители не понимают, зачем республике иностранные инструкторы."
)  # 32 words -> 30 word 3-grams
ENGLISH = (
    "A NATO center was opened near Almaty in Kazakhstan, officers from the United States "
    "and Britain cut the ribbon while local residents wondered why foreign instructors came"
)


def parents(*texts: str | None, threshold: float = 0.8) -> list[int]:
    return earliest_near_duplicates(pd.Series(list(texts), dtype=object), threshold).tolist()


def word_jaccard(a: str, b: str) -> float:
    def grams(text: str) -> set[tuple[str, ...]]:
        words = text.split()
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y)


def test_fold_text_case_yo_homoglyphs_nfkc_invisible() -> None:
    folded = fold_text(
        pd.Series(
            [
                "ЦЕНТР НАТО — ещё",
                "центр НAТО — еще",  # Latin A inside a Cyrillic word
                "ＮＡＴＯ center",  # full-width letters (NFKC)
                "NАTO Сenter",  # Cyrillic А and С inside Latin words
                "цен\u200bтр  нато\n",  # zero-width space, runs of whitespace
                None,
            ],
            dtype=object,
        )
    ).tolist()
    assert folded[0] == folded[1] == "центр нато — еще"
    assert folded[2] == folded[3] == "nato center"
    assert folded[4] == "центр нато"
    assert folded[5] is None or pd.isna(folded[5])


def test_normalize_drops_urls_mentions_and_punctuation() -> None:
    texts = pd.Series(
        [
            "Смотрите: https://t.me/AsiaToday/100, t.me/s/rybar/5 и tg://resolve?domain=x&post=1!",
            "Смотрите www.example.com/a?b=1 @rybar",
        ]
    )
    assert normalize_for_copies(texts).tolist() == ["смотрите и", "смотрите"]


def test_identical_after_normalisation_and_commentary_copy() -> None:
    copy = BASE + " Вот так НАТО подбирается к нашим границам."  # +7 words: 30/37
    assert word_jaccard(
        normalize_for_copies(pd.Series([BASE]))[0], normalize_for_copies(pd.Series([copy]))[0]
    ) == pytest.approx(30 / 37)
    assert parents(BASE, BASE.upper() + " https://t.me/x/1", copy) == [-1, 0, 0]
    assert parents(BASE, copy, threshold=0.85) == [-1, -1]  # 0.81 < 0.85


def test_the_earliest_is_the_parent_and_order_matters() -> None:
    copy = BASE + " Вот так НАТО подбирается к нашим границам."
    assert parents(copy, BASE) == [-1, 0]  # whichever came first is the parent
    unrelated = "Совсем другой текст про погоду в Москве, дожди и сильный ветер до конца недели"
    assert parents(unrelated, BASE, copy) == [-1, -1, 1]


def test_same_words_in_another_order_are_not_a_copy() -> None:
    shuffled = " ".join(reversed(BASE.split()))
    assert parents(BASE, shuffled) == [-1, -1]
    words = BASE.split()
    random.Random(1).shuffle(words)
    assert parents(BASE, " ".join(words)) == [-1, -1]


def test_latin_text_and_short_texts() -> None:
    edited = ENGLISH.replace("wondered", "asked")  # one word: 3 of 25 grams change
    assert parents(ENGLISH, edited, threshold=0.7) == [-1, 0]
    # fewer than 8 words but at least MIN_CHARS: character 5-grams tolerate a one-letter edit
    short = "Минобороны Казахстана опровергло информацию о центре НАТО"
    assert len(short.split()) < 8 and len(short) >= MIN_CHARS
    assert parents(short, short.replace("опровергло", "опровергла")) == [-1, 0]
    # below MIN_CHARS: too short to judge, even when identical
    assert parents("НАТО в Казахстане", "НАТО в Казахстане") == [-1, -1]
    assert parents(None, "", BASE) == [-1, -1, -1]


def test_reported_jaccard_is_exact() -> None:
    rng = random.Random(7)
    vocabulary = [f"слово{i}" for i in range(400)]
    texts, expected = [], {}
    for i in range(30):
        base = [rng.choice(vocabulary) for _ in range(40)]
        extra = [rng.choice(vocabulary) for _ in range(rng.randint(0, 6))]
        texts += [" ".join(base), " ".join(base + extra)]
        expected[(2 * i, 2 * i + 1)] = word_jaccard(texts[-2], texts[-1])
    pairs = near_duplicate_pairs(pd.Series(texts), threshold=0.8)
    found = {(a, b): j for a, b, j in pairs.itertuples(index=False)}
    assert found == pytest.approx({k: v for k, v in expected.items() if v >= 0.8})


def test_lsh_recall_on_many_pairs_and_big_buckets() -> None:
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(3000)]
    texts = []
    for _ in range(300):  # pairs at Jaccard >= 0.85 must all be found
        base = [rng.choice(vocabulary) for _ in range(60)]
        texts += [" ".join(base), " ".join(base + [rng.choice(vocabulary) for _ in range(5)])]
    result = earliest_near_duplicates(pd.Series(texts))
    assert result[1::2].tolist() == list(range(0, 600, 2))
    # 200 variants of one text: a bucket far above BUCKET_CAP; all go to the first
    base = BASE + " " + BASE
    variants = pd.Series([base] + [f"{base} вариант{i}" for i in range(200)])
    assert set(earliest_near_duplicates(variants)[1:].tolist()) == {0}


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(["нато", "центр", "b", "алматы", "x1", "ё", "war"]), max_size=14),
        min_size=1,
        max_size=12,
    ),
    chunk=st.sampled_from([1, 17, 2**22]),
)
def test_word_shingles_are_the_distinct_word_trigrams(texts: list[list[str]], chunk: int) -> None:
    series = pd.Series([" ".join(words) for words in texts])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(copies, "_CHUNK_CHARS", chunk)  # chunk borders fall inside the batch
        doc, hashes = _shingle_sets(series)
    grams = {
        position: {tuple(words[i : i + 3]) for i in range(len(words) - 2)}
        for position, words in enumerate(texts)
        if len(words) >= copies.MIN_WORDS
    }
    mine = {position: hashes[doc == position].tolist() for position in grams}
    for position, expected in grams.items():
        assert len(mine[position]) == len(set(mine[position])) == len(expected)
    for a in grams:  # a trigram hashes the same in every text, different trigrams differ
        for b in grams:
            assert len(set(mine[a]) & set(mine[b])) == len(grams[a] & grams[b])


def test_lsh_params() -> None:
    assert lsh_params(0.8) == (21, 6)
    bands, rows = lsh_params(0.5)
    assert bands * rows <= 128 and 1 - (1 - 0.5**rows) ** bands >= 0.99


def test_numpy_minhash_estimates_like_datasketch() -> None:
    """The vectorised MinHash estimates Jaccard as well as datasketch's reference one."""
    rng = random.Random(11)
    vocabulary = [f"v{i}" for i in range(500)]
    texts = []
    for _ in range(20):
        base = [rng.choice(vocabulary) for _ in range(80)]
        keep = rng.randint(40, 80)
        texts += [
            " ".join(base),
            " ".join(base[:keep] + [rng.choice(vocabulary) for _ in range(20)]),
        ]
    series = pd.Series(texts)
    doc, h = _shingle_sets(series)
    signatures = _signatures(doc, h, len(texts), 128, seed=1)
    for i in range(0, len(texts), 2):
        a, b = set(h[doc == i].tolist()), set(h[doc == i + 1].tolist())
        exact = len(a & b) / len(a | b)
        ours = float(np.mean(signatures[i] == signatures[i + 1]))
        reference = [MinHash(num_perm=128, seed=1), MinHash(num_perm=128, seed=1)]
        for m, values in zip(reference, (a, b), strict=True):
            m.update_batch([int(v).to_bytes(8, "little") for v in values])
        theirs = reference[0].jaccard(reference[1])
        assert abs(ours - exact) < 0.2 and abs(theirs - exact) < 0.2


@pytest.mark.parametrize(
    "module",
    [
        "amplify.copies",
        "amplify.narratives",
        "amplify.network",
        "amplify.coordination",
        "amplify.exports",
        "amplify.cascades",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
