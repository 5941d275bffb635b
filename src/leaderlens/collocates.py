"""Collocates: the words that characterise the text around each leader's mentions.

Counted tokens are the non-space tokens of the parse that are not stop words (by form or
lemma), punctuation, numbers (``like_num`` or part of speech NUM) or symbols without a
letter, that lie outside every leader mention, and whose form and lemma are not a word of a
leader's name or aliases. Each is counted by its lemma, case-folded (the form when the
parse has no lemmas).

For a leader L, its *near* tokens are the counted tokens within ``window`` non-space tokens
before the first or after the last token of any of L's mentions (each token once, however
many mentions it is near; windows run across sentence and paragraph breaks); every other
counted token of the text is *far*. For a lemma the 2x2 table is::

                  near                    far
    lemma         n_near                  n_far
    other         near_total - n_near     far_total - n_far

``llr`` is Dunning's G2 of that table (keyness), ``expected`` the near count under
independence (``near_total * (n_near + n_far) / (near_total + far_total)``) and ``p_value``
the one-sided chi-square(1) survival of G2, halved. Only over-represented lemmas
(``n_near / near_total > n_far / far_total``) seen at least ``min_count`` times near L are
kept, ranked by G2 (then lemma). Pooled over chapters the counts are summed before the
statistics, so a chapter where L is absent adds all its tokens to L's far side.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leaderlens.cooccurrence import chi2_sf_1df
from leaderlens.tables import COLLOCATES, empty_frame

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from leaderlens.roster import Leader

logger = logging.getLogger(__name__)

NEAR_COLUMNS = ["leader", "lemma", "n_near"]
TOTAL_COLUMNS = ["lemma", "n"]


def excluded_words(roster: Iterable[Leader]) -> frozenset[str]:
    """List the case-folded words of every leader's display name and aliases.

    Args:
        roster: The leaders.

    Returns:
        Words of two or more letters (split at spaces and hyphens, trailing ``.`` and ``'s``
        removed).
    """
    words = set()
    for leader in roster:
        for name in (leader.name, *leader.aliases):
            for word in re.split(r"[\s\-\u2010-\u2015]+", name):
                word = re.sub(r"(['\u2019]s)?\.?$", "", word).casefold()
                if len(word) > 1:
                    words.add(word)
    return frozenset(words)


def token_table(doc: Doc, *, excluded: Iterable[str] = ()) -> pd.DataFrame:
    """List a Doc's non-space tokens with their lemma and whether they are counted.

    Args:
        doc: The parsed chapter.
        excluded: Case-folded words never counted (leader names, see :func:`excluded_words`).

    Returns:
        One row per non-space token in order: ``start``, ``end`` (clean-text offsets),
        ``lemma`` (case-folded) and ``counted`` (see the module docstring; mentions are
        removed later by :func:`lemma_counts`).
    """
    banned = frozenset(excluded)
    rows = []
    for token in doc:
        if token.is_space:
            continue
        form = token.text.casefold()
        lemma = (token.lemma_ or token.text).casefold()
        counted = not (
            token.is_stop
            or doc.vocab[lemma].is_stop
            or token.is_punct
            or token.like_num
            or token.pos_ == "NUM"
            or not any(c.isalpha() for c in form)
            or form in banned
            or lemma in banned
        )
        rows.append((token.idx, token.idx + len(token.text), lemma, counted))
    return pd.DataFrame(rows, columns=["start", "end", "lemma", "counted"])


def lemma_counts(
    tokens: pd.DataFrame, mentions: pd.DataFrame, *, window: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count each leader's near lemmas and the lemmas of the whole text.

    Args:
        tokens: The chapter's :func:`token_table`.
        mentions: ``tables.MENTIONS`` rows of the same chapter (``start``/``end`` offsets).
        window: Tokens on each side of a mention that are near it.

    Returns:
        ``(near, totals)``: ``near`` has ``leader, lemma, n_near``; ``totals`` has
        ``lemma, n`` over all counted tokens. Tokens inside any mention are not counted.

    Raises:
        ValueError: If ``window < 1``.
    """
    if window < 1:
        raise ValueError(f"collocates window must be at least 1 token, got {window}")
    starts = tokens["start"].to_numpy(dtype=np.int64)
    ends = tokens["end"].to_numpy(dtype=np.int64)
    counted = tokens["counted"].to_numpy(dtype=bool).copy()
    lemmas = tokens["lemma"].to_numpy(dtype=object)
    m_starts = mentions["start"].to_numpy(dtype=np.int64)
    m_ends = mentions["end"].to_numpy(dtype=np.int64)
    firsts = np.searchsorted(ends, m_starts, side="right")  # first token ending after start
    lasts = np.searchsorted(starts, m_ends, side="left") - 1  # last token starting before end
    for first, last in zip(firsts, lasts, strict=True):
        counted[first : last + 1] = False
    near_rows = []
    leaders = mentions["leader"].to_numpy(dtype=object)
    for leader in sorted(set(leaders)):
        near = np.zeros(len(tokens), dtype=bool)
        for first, last in zip(firsts[leaders == leader], lasts[leaders == leader], strict=True):
            near[max(first - window, 0) : first] = True
            near[last + 1 : last + 1 + window] = True
        found = pd.Series(lemmas[near & counted]).value_counts()
        near_rows += [(leader, lemma, int(n)) for lemma, n in found.items()]
    near_frame = pd.DataFrame(near_rows, columns=NEAR_COLUMNS)
    totals = pd.Series(lemmas[counted]).value_counts()
    total_frame = pd.DataFrame({"lemma": totals.index.astype(object), "n": totals.to_numpy()})
    return _sorted(near_frame, ["leader", "lemma"]), _sorted(total_frame, ["lemma"])


def _sorted(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Sort by ``key`` and make the counts int64."""
    frame = frame.sort_values(key, kind="mergesort").reset_index(drop=True)
    for column in ("n_near", "n"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    return frame


def pool_counts(
    parts: Sequence[tuple[pd.DataFrame, pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sum the near and total lemma counts of several chapters.

    Args:
        parts: ``(near, totals)`` per chapter, as :func:`lemma_counts` returns them.

    Returns:
        The summed ``(near, totals)``.
    """
    near = pd.concat([p[0] for p in parts] or [pd.DataFrame(columns=NEAR_COLUMNS)])
    totals = pd.concat([p[1] for p in parts] or [pd.DataFrame(columns=TOTAL_COLUMNS)])
    near = near.groupby(["leader", "lemma"], as_index=False)["n_near"].sum()
    totals = totals.groupby("lemma", as_index=False)["n"].sum()
    return _sorted(near, ["leader", "lemma"]), _sorted(totals, ["lemma"])


def _g2(cells: np.ndarray) -> np.ndarray:
    """Dunning's G2 of 2x2 tables given as rows ``(a, b, c, d)``."""
    a, b, c, d = (cells[:, i].astype(float) for i in range(4))
    n = a + b + c + d
    expected = (
        np.stack(
            [(a + b) * (a + c), (a + b) * (b + d), (c + d) * (a + c), (c + d) * (b + d)], axis=1
        )
        / n[:, None]
    )
    observed = np.stack([a, b, c, d], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    return np.maximum(2.0 * terms.sum(axis=1), 0.0)


def keyness(
    near: pd.DataFrame,
    totals: pd.DataFrame,
    *,
    chapter: str,
    min_count: int = 1,
    top: int | None = None,
) -> pd.DataFrame:
    """Rank each leader's near lemmas by Dunning's G2 against the rest of the text.

    Args:
        near: ``leader, lemma, n_near`` counts (see :func:`lemma_counts`).
        totals: ``lemma, n`` counts of the same text.
        chapter: The label written in the ``chapter`` column ("corpus" for pooled rows).
        min_count: Keep lemmas seen at least this many times near the leader.
        top: Keep the first ``top`` lemmas of each leader (None keeps all).

    Returns:
        ``tables.COLLOCATES`` rows (over-represented lemmas only), sorted by leader and rank.

    Raises:
        ValueError: If ``min_count < 1`` or ``top < 1``, or a near lemma has no total.
    """
    if min_count < 1 or (top is not None and top < 1):
        raise ValueError(f"collocates min_count and top must be >= 1, got {min_count}, {top}")
    if near.empty:
        logger.warning("%s: no counted word near any leader; no collocates", chapter)
        return empty_frame(COLLOCATES)
    frame = near.merge(totals, on="lemma", how="left", validate="m:1")
    if frame["n"].isna().any() or (frame["n"] < frame["n_near"]).any():
        raise ValueError(f"{chapter}: near counts exceed the lemma totals; count both together")
    grand = int(totals["n"].sum())
    frame["near_total"] = frame.groupby("leader")["n_near"].transform("sum").astype("int64")
    frame["far_total"] = grand - frame["near_total"]
    frame["n_far"] = (frame["n"] - frame["n_near"]).astype("int64")
    cells = np.stack(
        [
            frame["n_near"],
            frame["n_far"],
            frame["near_total"] - frame["n_near"],
            frame["far_total"] - frame["n_far"],
        ],
        axis=1,
    )
    frame["expected"] = frame["near_total"] * frame["n"] / grand
    frame["llr"] = _g2(cells)
    frame["p_value"] = [chi2_sf_1df(llr) / 2.0 for llr in frame["llr"]]
    over = frame["n_near"] * frame["far_total"] > frame["n_far"] * frame["near_total"]
    frame = frame[over & (frame["n_near"] >= min_count)].copy()
    if frame.empty:
        logger.warning("%s: no lemma is over-represented near a leader", chapter)
        return empty_frame(COLLOCATES)
    frame = frame.sort_values(["leader", "llr", "lemma"], ascending=[True, False, True])
    frame["rank"] = frame.groupby("leader").cumcount().astype("int32") + 1
    if top is not None:
        frame = frame[frame["rank"] <= top]
    frame["chapter"] = chapter
    frame = frame[COLLOCATES.columns].reset_index(drop=True)
    for column in ("n_near", "n_far", "near_total", "far_total"):
        frame[column] = frame[column].astype("int64")
    return frame
