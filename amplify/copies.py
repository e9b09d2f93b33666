"""Near-duplicate texts: commentary copies found with MinHash LSH and verified exactly.

A milblogger who copies a post and adds a sentence of commentary leaves no forward
header; only the text ties the copy to the original. This module finds such pairs:

1. **Normalise** (:func:`normalize_for_copies`): Unicode NFKC, case folding, Ё → Е,
   zero-width characters dropped, words mixing Cyrillic and Latin look-alikes folded to
   their majority script (:func:`fold_text`), then URLs and @mentions removed and
   whitespace collapsed. Texts shorter than :data:`MIN_CHARS` characters after this are
   too short to judge and never match.
2. **Shingle**: word 3-grams for texts of at least :data:`MIN_WORDS` words, character
   5-grams for shorter ones (a word 3-gram set of a five-word text is too coarse).
3. **MinHash** (Broder 1997) with :data:`NUM_PERM` hash functions, computed with numpy
   for all texts at once (32-bit multiply-xor permutations of the shingle hashes)
   rather than one ``datasketch.MinHash`` object per text, which is the hotspot at
   scale.
4. **LSH banding** with numpy/pandas: ``b`` bands of ``r`` rows, ``r`` the largest for
   which a pair at exactly the threshold becomes a candidate with probability >= 0.99
   (128 permutations at 0.8: 21 bands of 6 rows). Candidates are then **verified**
   with the exact Jaccard similarity of their shingle sets, so the result does not
   depend on the hashing beyond recall.

Identical normalised texts are merged before hashing (every forward of a post carries
its text), so the work grows with the number of distinct texts.

References
----------
Broder, A. Z. (1997). On the resemblance and containment of documents. Compression and
Complexity of Sequences, 21-29. Leskovec, J., Rajaraman, A. & Ullman, J. D. (2014).
Mining of Massive Datasets, 2nd ed., ch. 3 (banding technique).
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

__all__ = [
    "MIN_CHARS",
    "MIN_WORDS",
    "NUM_PERM",
    "earliest_near_duplicates",
    "fold_text",
    "lsh_params",
    "near_duplicate_pairs",
    "normalize_for_copies",
]

MIN_CHARS = 40
"""Normalised texts shorter than this are too short to judge as copies."""
MIN_WORDS = 8
"""Texts with at least this many words use word 3-grams, shorter ones character 5-grams."""
NUM_PERM = 128
"""MinHash hash functions per text."""
BUCKET_CAP = 64
"""In an LSH bucket larger than this, each text is compared only with the bucket's
earliest ``BUCKET_CAP`` texts (keeps boilerplate-heavy buckets from going quadratic)."""

_CHUNK_CHARS = 2**22
"""Characters hashed at once into word shingles (bounds the temporary arrays)."""
_CYRILLIC = "\u0400-\u04ff"
_LATIN_LOOKALIKES = "aceopxykmthbij"
_CYRILLIC_LOOKALIKES = "асеорхукмтнвіј"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)
_MIXED_WORD = re.compile(rf"\b(?=\w*[a-z])(?=\w*[{_CYRILLIC}])\w+")
_LATIN_LETTER = re.compile("[a-z]")
_CYRILLIC_LETTER = re.compile(f"[{_CYRILLIC}]")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_URL = re.compile(
    r"(?:https?://|tg://|www\.)\S+|\b(?:t|telegram)\.(?:me|dog)/\S+|@\w+", re.IGNORECASE
)
_URL_HINT = re.compile(r"://|www\.|\.(?:me|dog)/", re.IGNORECASE)
_SCRIPT_CHANGE = re.compile(f"[a-z][{_CYRILLIC}]|[{_CYRILLIC}][a-z]")
_SPACES = re.compile(r"\s{2,}|[^\S ]")
_NON_WORD = re.compile(r"\W+")


def _unmix(match: re.Match[str]) -> str:
    word = match.group(0)
    latin = len(_LATIN_LETTER.findall(word))
    cyrillic = len(_CYRILLIC_LETTER.findall(word))
    return word.translate(_TO_LATIN if latin > cyrillic else _TO_CYRILLIC)


def _replace_where(
    texts: pd.Series, needed: pd.Series, pattern: re.Pattern[str], repl
) -> pd.Series:
    """``texts.str.replace`` run only on the texts that can match (a cheap pre-test)."""
    needed = needed.fillna(False).astype(bool)
    if needed.any():
        texts = texts.copy()
        texts[needed] = texts[needed].str.replace(pattern, repl, regex=True)
    return texts


def _fold_letters(texts: pd.Series) -> pd.Series:
    folded = texts.astype("str").str.normalize("NFKC")
    folded = _replace_where(folded, folded.str.contains(_INVISIBLE), _INVISIBLE, "")
    folded = folded.str.casefold().str.replace("ё", "е", regex=False)
    both = folded.str.contains(_LATIN_LETTER) & folded.str.contains(_CYRILLIC_LETTER)
    mixed = both & folded.where(both, "").str.contains(_SCRIPT_CHANGE)  # Latin next to Cyrillic
    return _replace_where(folded, mixed, _MIXED_WORD, _unmix)


def fold_text(texts: pd.Series) -> pd.Series:
    """Fold texts for comparison: NFKC, casefold, Ё → Е, look-alike letters, whitespace.

    A word that mixes Cyrillic and Latin letters ("НАTО" with a Latin T) is rewritten in
    its majority script, Cyrillic on a tie, using the look-alike pairs
    a/а c/с e/е o/о p/р x/х y/у k/к m/м t/т h/н b/в i/і j/ј. Words in one script are left
    alone. Invisible characters (zero-width spaces, soft hyphens) are dropped and runs of
    whitespace become one space. Missing texts stay missing.

    Examples
    --------
    >>> fold_text(pd.Series(["Центр  НAТО в Казахстанe", "NАTO Сenter"])).tolist()
    ['центр нато в казахстане', 'nato center']
    """
    folded = _fold_letters(texts).str.replace(_SPACES, " ", regex=True).str.strip()
    return folded.where(texts.notna(), None)


def normalize_for_copies(texts: pd.Series) -> pd.Series:
    """The text copy detection compares: :func:`fold_text` without URLs, @mentions and
    punctuation, as its words joined by single spaces.

    Examples
    --------
    >>> normalize_for_copies(pd.Series(["Смотрите: НАТО — t.me/x/1 @rybar!"])).tolist()
    ['смотрите нато']
    """
    folded = _fold_letters(texts)
    maybe = folded.str.contains("@", regex=False) | folded.str.contains(_URL_HINT)
    words = _replace_where(folded, maybe, _URL, " ").str.replace(_NON_WORD, " ", regex=True)
    return words.str.strip().where(texts.notna(), None)  # the words joined by single spaces


def lsh_params(threshold: float, num_perm: int = NUM_PERM, recall: float = 0.99) -> tuple[int, int]:
    """``(bands, rows)``: the most rows per band that still catch a pair at `threshold`
    with probability >= `recall` (1 - (1 - s**r)**b, Leskovec et al. 2014, 3.4).

    Examples
    --------
    >>> lsh_params(0.8)
    (21, 6)
    """
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= recall:
            best = (bands, rows)
    return best


def _mix(h: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64) so combined hashes spread over all bits."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _word_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of every word of `texts` (normalised: words joined by one space),
    and the number of the text it is in, without a Python object per word.

    The texts are joined into one array of code points; a word's hash is the sum, over
    its characters, of a mixed (code point, position in the word) value — the same
    word hashes the same wherever it occurs.
    """
    codes = np.frombuffer("\0".join(texts).encode("utf-32-le"), dtype=np.uint32)
    index = np.arange(len(codes), dtype=np.int64)
    gap = (codes == 32) | (codes == 0)  # a space between words, NUL between texts
    start = np.maximum.accumulate(np.where(gap, index + 1, 0))  # where each word begins
    inside = ~gap
    value = _mix(
        codes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        + (index - start + 1).astype(np.uint64)
    )[inside]
    first = np.flatnonzero(np.r_[True, gap[:-1]][inside])  # positions of word starts in `value`
    words = _mix(np.add.reduceat(value, first) if len(value) else value)
    text = np.cumsum(codes == 0)[inside][first]
    return text, words


def _word_shingles(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    docs, hashes = [], []
    positions = texts.index.to_numpy(dtype=np.int64)
    values = texts.tolist()
    start = 0
    while start < len(values):  # chunks of ~4M characters bound the temporary arrays
        stop, size = start, 0
        while stop < len(values) and (size < _CHUNK_CHARS or stop == start):
            size += len(values[stop]) + 1
            stop += 1
        text, h = _word_hashes(values[start:stop])
        doc = positions[start:stop][text]
        keep = np.zeros(len(doc), dtype=bool)
        keep[:-2] = doc[:-2] == doc[2:]  # the next two words belong to the same text
        starts = np.flatnonzero(keep)
        combined = h[starts] * np.uint64(0x9E3779B97F4A7C15)
        combined ^= _mix(h[starts + 1] + np.uint64(1))
        combined = _mix(combined ^ (h[starts + 2] * np.uint64(0xC2B2AE3D27D4EB4F)))
        docs.append(doc[starts])
        hashes.append(combined)
        start = stop
    if not docs:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    return np.concatenate(docs), np.concatenate(hashes)


def _char_shingles(texts: pd.Series, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    docs, hashes = [], []
    texts = texts[texts.str.len() >= n]  # a text shorter than one shingle has none
    order = texts.str.len().sort_values(kind="stable").index
    for start in range(0, len(order), 4096):  # similar lengths share one padded matrix
        chunk = texts.loc[order[start : start + 4096]]
        width = int(chunk.str.len().max())
        codes = (
            np.array(chunk.tolist(), dtype=f"<U{width}").view(np.uint32).reshape(len(chunk), width)
        )
        lengths = chunk.str.len().to_numpy()
        h = np.zeros((len(chunk), width - n + 1), dtype=np.uint64)
        for k in range(n):
            h = _mix(h ^ codes[:, k : width - n + 1 + k].astype(np.uint64))
        valid = np.arange(width - n + 1)[None, :] <= (lengths - n)[:, None]
        rows, _ = np.nonzero(valid)
        docs.append(chunk.index.to_numpy(dtype=np.int64)[rows])
        hashes.append(h[valid] ^ np.uint64(0x5851F42D4C957F2D))
    if not docs:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    return np.concatenate(docs), np.concatenate(hashes)


def _shingle_sets(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct shingle hashes of each text, grouped by text position (ascending)."""
    words = texts.str.count(" ") + 1  # normalised texts are words joined by one space
    long = texts[words >= MIN_WORDS]
    short = texts[words < MIN_WORDS]
    doc_w, h_w = _word_shingles(long)
    doc_c, h_c = _char_shingles(short)
    doc = np.concatenate([doc_w, doc_c]).astype(np.int64)
    h = np.concatenate([h_w, h_c])
    # One sort on (text, top bits of the hash) groups each text's shingles and puts a
    # repeated shingle next to itself (>= 40 hash bits compared: collisions negligible).
    bits = max(1, int(doc.max(initial=0)).bit_length())
    key = (doc.astype(np.uint64) << np.uint64(64 - bits)) | (h >> np.uint64(bits))
    order = np.argsort(key)
    key = key[order]
    first = np.r_[True, key[1:] != key[:-1]][: len(key)]
    return doc[order][first], h[order][first]


def _signatures(doc: np.ndarray, h: np.ndarray, n_docs: int, num_perm: int, seed: int):
    """MinHash signatures, one row per text (texts without shingles keep the max value).

    Hash function k maps the top 32 bits x of a shingle's hash to (a_k * x mod 2**32)
    xor b_k, a_k odd: a permutation of the 32-bit values, applied to values that are
    already well mixed. In uint32 this is four times faster than 64-bit
    multiply-add-shift and estimates Jaccard as well (tests/test_copies.py).
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32)
    x = (h >> np.uint64(32)).astype(np.uint32)
    signatures = np.full((n_docs, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if len(doc) == 0:
        return signatures
    bounds = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    step = max(1, 2**23 // num_perm)  # shingles per chunk: a 32 MB intermediate at 128
    start = 0
    while start < len(bounds):  # chunks of whole texts, about `step` shingles each
        stop = max(int(np.searchsorted(bounds, bounds[start] + step, side="left")), start + 1)
        lo = bounds[start]
        hi = bounds[stop] if stop < len(bounds) else len(doc)
        values = np.multiply(x[lo:hi, None], a[None, :])
        values ^= b[None, :]
        signatures[doc[bounds[start:stop]]] = np.minimum.reduceat(values, bounds[start:stop] - lo)
        start = stop
    return signatures


def _candidates(signatures: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``a < b`` of texts that share all `rows` values of at least one band.

    One band at a time: the texts are sorted by the band's hash, so a bucket is a run of
    equal keys holding its texts in ascending order, and every pair of a bucket is
    generated with ``np.repeat`` (a text at rank >= :data:`BUCKET_CAP` of its bucket is
    paired with the first ``BUCKET_CAP`` only). Pairs are kept as ``a * n + b``.
    """
    n = signatures.shape[0]
    found = [np.empty(0, np.int64)]
    position = np.arange(n, dtype=np.int64)
    for band in range(bands):
        key = _mix(np.full(n, band + 1, dtype=np.uint64))
        for column in signatures[:, band * rows : (band + 1) * rows].T:
            key = _mix(key ^ column.astype(np.uint64))
        order = np.argsort(key, kind="stable")  # equal keys keep ascending text order
        key = key[order]
        is_start = np.r_[True, key[1:] != key[:-1]]
        starts = np.flatnonzero(is_start)
        bucket = np.cumsum(is_start) - 1
        size = np.diff(np.r_[starts, n])[bucket]
        rank = position - starts[bucket]
        partners = np.where(rank < BUCKET_CAP, size - 1 - rank, 0)  # later texts in the bucket
        if not partners.any():
            continue
        first = np.repeat(position, partners)
        step = np.arange(len(first)) - np.repeat(np.cumsum(partners) - partners, partners) + 1
        found.append(order[first] * n + order[first + step])
    pairs = np.sort(np.concatenate(found))  # sort, not np.unique: its hashing was 5x slower
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]][: len(pairs)]]
    return pairs // max(n, 1), pairs % max(n, 1)


def _gather(offsets: np.ndarray, lengths: np.ndarray, idx: np.ndarray) -> np.ndarray:
    counts = lengths[idx]
    starts = np.repeat(offsets[idx] - np.cumsum(counts) + counts, counts)
    return starts + np.arange(counts.sum())


def _jaccard(doc: np.ndarray, h: np.ndarray, n_docs: int, a: np.ndarray, b: np.ndarray):
    """Exact Jaccard similarity of the shingle sets of texts ``a[i]`` and ``b[i]``.

    Both sets of a pair go into one array keyed by (pair, shingle), packed into one
    uint64 (pair number in the top 20 bits, 44 bits of the shingle hash) so that a
    single sort finds the shared shingles as equal neighbours.
    """
    lengths = np.bincount(doc, minlength=n_docs)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    low = h & np.uint64((1 << 44) - 1)
    result = np.zeros(len(a), dtype=float)
    chunk = 1 << 17  # pairs per chunk (the pair number must fit in 20 bits): ~0.4 GB at most
    for start in range(0, len(a), chunk):
        ia, ib = a[start : start + chunk], b[start : start + chunk]
        pair = np.arange(len(ia), dtype=np.uint64) << np.uint64(44)
        keys = np.concatenate(
            [
                low[_gather(offsets, lengths, ia)] | np.repeat(pair, lengths[ia]),
                low[_gather(offsets, lengths, ib)] | np.repeat(pair, lengths[ib]),
            ]
        )
        keys.sort()
        shared = keys[1:][keys[1:] == keys[:-1]] >> np.uint64(44)
        inter = np.bincount(shared.astype(np.int64), minlength=len(ia))
        union = lengths[ia] + lengths[ib] - inter
        result[start : start + chunk] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return result


def near_duplicate_pairs(
    texts: pd.Series, threshold: float = 0.8, *, num_perm: int = NUM_PERM, seed: int = 1
) -> pd.DataFrame:
    """Pairs of normalised texts whose shingle sets have Jaccard similarity >= `threshold`.

    Parameters
    ----------
    texts : pandas.Series
        Normalised texts (:func:`normalize_for_copies`), ideally distinct; positions 0..n-1
        are what the result refers to. Texts shorter than :data:`MIN_CHARS` are skipped.
    threshold : float
        Jaccard similarity in (0, 1].

    Returns
    -------
    pandas.DataFrame
        Columns ``a``, ``b`` (positions, ``a < b``) and ``jaccard`` (exact).
    """
    texts = texts.reset_index(drop=True)
    judged = texts[texts.notna() & (texts.str.len() >= MIN_CHARS)]
    empty = pd.DataFrame({"a": [], "b": [], "jaccard": []}).astype(
        {"a": np.int64, "b": np.int64, "jaccard": float}
    )
    if len(judged) < 2:
        return empty
    doc, h = _shingle_sets(judged)
    signatures = _signatures(doc, h, len(texts), num_perm, seed)
    bands, rows = lsh_params(threshold, num_perm)
    doc_a, doc_b = _candidates(signatures[judged.index.to_numpy()], bands, rows)
    position = judged.index.to_numpy()
    a, b = position[doc_a], position[doc_b]
    sizes = np.bincount(doc, minlength=len(texts))
    small, large = np.minimum(sizes[a], sizes[b]), np.maximum(sizes[a], sizes[b])
    plausible = (small > 0) & (small >= threshold * large)  # J <= |small| / |large|
    a, b = a[plausible], b[plausible]
    similarity = _jaccard(doc, h, len(texts), a, b)
    keep = similarity >= threshold
    log.debug("copies: %d texts, %d candidate pairs, %d verified", len(judged), len(a), keep.sum())
    if not keep.any():
        return empty
    return pd.DataFrame({"a": a[keep], "b": b[keep], "jaccard": similarity[keep]})


def earliest_near_duplicates(texts: pd.Series, threshold: float = 0.8) -> np.ndarray:
    """For each text, the position of the earliest earlier text that is a near-duplicate.

    Parameters
    ----------
    texts : pandas.Series
        Raw texts in publication order (earliest first); positions are what is returned.
    threshold : float
        Jaccard similarity of the shingle sets, in (0, 1].

    Returns
    -------
    numpy.ndarray
        ``parent[i]`` is the smallest position ``j < i`` whose text is identical after
        normalisation or a verified near-duplicate of text ``i``; -1 when there is none
        (the text is the earliest of its kind, too short to judge, or missing).

    Examples
    --------
    >>> base = "Центр НАТО открыт в Казахстане под Алматы, сообщают наши источники в регионе"
    >>> earliest_near_duplicates(pd.Series([base, "unrelated text " * 5, base + " https://t.me/x/1"]))
    array([-1, -1,  0])
    """
    normalized = normalize_for_copies(texts.reset_index(drop=True))
    judged = normalized.notna() & (normalized.str.len() >= MIN_CHARS)
    parent = np.full(len(normalized), -1, dtype=np.int64)
    if judged.sum() < 2:
        return parent
    codes, distinct = pd.factorize(normalized[judged])  # order of first appearance
    positions = np.flatnonzero(judged.to_numpy())
    first = np.full(len(distinct), len(normalized), dtype=np.int64)
    np.minimum.at(first, codes, positions)
    pairs = near_duplicate_pairs(pd.Series(distinct), threshold)
    earliest = first.copy()  # earliest position among the distinct text and its near-duplicates
    np.minimum.at(earliest, pairs["a"].to_numpy(), first[pairs["b"].to_numpy()])
    np.minimum.at(earliest, pairs["b"].to_numpy(), first[pairs["a"].to_numpy()])
    candidate = earliest[codes]
    parent[positions] = np.where(candidate < positions, candidate, -1)
    return parent
