"""Narratives: keyword, pattern and seed rules from ``config.yaml`` that select roots.

Matching is on folded text (:func:`amplify.copies.fold_text`): NFKC, case folding,
Ё → Е, invisible characters dropped, words that mix Cyrillic and Latin look-alikes
rewritten in their majority script, whitespace collapsed. So "НАТО", "нато" and "НAТО"
(Latin A) all match the keyword "НАТО"; "NATO" in Latin letters matches only a Latin
keyword, which is why narratives list both spellings.

- A **keyword** matches as a substring of the folded text (the keyword folded the same
  way), so "центр НАТО" also matches "центр НАТО." or "центр НАТО-шный".
- A **pattern** is a Python regular expression searched in the folded text,
  case-insensitively; Ё in a pattern is read as Е. Write each word of a pattern in one
  script (look-alike folding is not applied to patterns).
- A cascade belongs to a narrative when its root's text matches, or — for a root whose
  text is unknown (not collected, or media without a caption) — when any member's text
  matches; and its root was published inside the narrative's window (an undated root is
  dated by its earliest member). **Seed** links select their roots directly, whatever
  their text and date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from amplify.config import Narrative
from amplify.copies import fold_text
from amplify.links import parse_message_link
from amplify.records import PostLink

__all__ = ["NarrativeMatcher", "narrative_roots", "seed_links"]


@dataclass(frozen=True)
class NarrativeMatcher:
    """A narrative's keyword and pattern rules, compiled once.

    Examples
    --------
    >>> from amplify.config import Narrative
    >>> rules = Narrative(title="t", keywords=["центр НАТО"], patterns=[r"KAZCENT"])
    >>> NarrativeMatcher.from_narrative(rules).matches(
    ...     pd.Series(["Открыт ЦЕНТР НATО", "kazcent", "НАТО", None])
    ... ).tolist()
    [True, True, False, False]
    """

    keywords: re.Pattern[str] | None
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def from_narrative(cls, narrative: Narrative) -> NarrativeMatcher:
        """Fold the keywords and compile the patterns of `narrative`."""
        folded = fold_text(pd.Series(narrative.keywords, dtype=object)).dropna()
        words = sorted({k for k in folded if k}, key=len, reverse=True)
        keywords = re.compile("|".join(map(re.escape, words))) if words else None
        patterns = tuple(
            re.compile(
                unicodedata.normalize("NFKC", p).replace("ё", "е").replace("Ё", "Е"),
                re.IGNORECASE,
            )
            for p in narrative.patterns
        )
        return cls(keywords, patterns)

    def matches(self, texts: pd.Series) -> pd.Series:
        """Whether each text matches any keyword or pattern (missing text: False)."""
        folded = fold_text(texts)
        hit = pd.Series(False, index=texts.index)
        present = folded.notna()
        if not present.any():
            return hit
        rules = ([self.keywords] if self.keywords else []) + list(self.patterns)
        for rule in rules:
            todo = present & ~hit
            if not todo.any():
                break
            found = folded[todo].map(lambda text, rule=rule: rule.search(text) is not None)
            hit[todo] = found.astype(bool)
        return hit


def seed_links(narrative: Narrative) -> list[PostLink]:
    """The narrative's seed post links, parsed."""
    return [parse_message_link(seed) for seed in narrative.seeds]


def narrative_roots(
    narrative: Narrative, table: pd.DataFrame, seeds: set[tuple[int, int]] = frozenset()
) -> set[tuple[int, int]]:
    """Roots of `table` that belong to `narrative`.

    Parameters
    ----------
    narrative : Narrative
        The rules.
    table : pandas.DataFrame
        One row per (root, member): ``root_channel_id, root_message_id, root_text,
        root_date, text, date`` (member text and date).
    seeds : set of (channel_id, message_id)
        Roots the narrative's seed links resolve to; always selected.

    Returns
    -------
    set of (channel_id, message_id)
    """
    keys = ["root_channel_id", "root_message_id"]
    if table.empty:
        return set(seeds)
    matcher = NarrativeMatcher.from_narrative(narrative)
    roots = table.drop_duplicates(keys)[keys + ["root_text", "root_date"]].reset_index(drop=True)
    roots["match"] = matcher.matches(roots["root_text"]).to_numpy()
    blind = table[table["root_text"].isna()]  # roots without text: any member decides
    if not blind.empty:
        member_hits = blind.loc[matcher.matches(blind["text"]).to_numpy(), keys].drop_duplicates()
        hit_keys = pd.MultiIndex.from_frame(member_hits)
        roots["match"] |= pd.MultiIndex.from_frame(roots[keys]).isin(hit_keys)
    earliest = table.groupby(keys)["date"].min().rename("first_member").reset_index()
    roots = roots.merge(earliest, on=keys, how="left")
    when = roots["root_date"].fillna(roots["first_member"])
    inside = pd.Series(True, index=roots.index)
    if narrative.since is not None:
        inside &= when >= pd.Timestamp(narrative.since)
    if narrative.until is not None:
        inside &= when < pd.Timestamp(narrative.until)
    chosen = roots[roots["match"] & inside.fillna(False)]
    found = set(zip(chosen[keys[0]].tolist(), chosen[keys[1]].tolist(), strict=True))
    return found | set(seeds)
