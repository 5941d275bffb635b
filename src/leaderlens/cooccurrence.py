"""Leader pairs that share a sentence, paragraph or page, with association statistics.

A unit is one sentence, paragraph or printed page of a chapter, keyed by ``(chapter, unit
id)``. A pair of leaders counts once per unit where both appear, however often each is
mentioned there. For a pair (a, b) over ``N`` units the 2x2 table is::

                 b in unit        b not in unit
    a in unit    n_ab             n_a - n_ab
    a not in     n_b - n_ab       N - n_a - n_b + n_ab

The p-value is one-sided (over-representation, "a and b share units more often than
chance"): Fisher's exact test (``alternative="greater"``) when any expected cell is below 5,
otherwise the chi-square(1) survival of Dunning's G2, halved when ``n_ab`` exceeds its
expectation and one minus that half otherwise. q-values are Benjamini-Hochberg over all pairs
of one scope.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from leaderlens.tables import COOCCURRENCE, empty_frame

logger = logging.getLogger(__name__)

Scope = Literal["sentence", "paragraph", "page"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
UNIT_COLUMN: dict[str, str] = {
    "sentence": "sentence_id",
    "paragraph": "paragraph_id",
    "page": "page",
}
"""The mentions column that identifies a unit of each scope (within a chapter)."""

MIN_EXPECTED = 5.0
"""Below this expected count in any cell, the exact test replaces the G2 approximation."""


def known_pages(pages: Iterable[int | float | None]) -> set[int]:
    """Return the distinct known page numbers among ``pages``.

    Args:
        pages: Page numbers; None, NaN, pandas NA and negative values mean unknown.

    Returns:
        The set of known pages.
    """
    known: set[int] = set()
    for page in pages:
        if page is None or page is pd.NA:
            continue
        if isinstance(page, float) and math.isnan(page):
            continue
        if int(page) >= 0:
            known.add(int(page))
    return known


def unit_counts(
    sentences: pd.DataFrame,
    paragraphs: pd.DataFrame,
    pages: Iterable[int | float | None],
) -> dict[str, int]:
    """Count the units of each scope in one chapter.

    Args:
        sentences: ``tables.SENTENCES`` rows of the chapter.
        paragraphs: ``tables.PARAGRAPHS`` rows of the chapter.
        pages: The page of every clean character (``tables.CHARMAP["page"]``); unknown pages
            (null or -1) are not counted.

    Returns:
        ``{"sentence": n, "paragraph": n, "page": n}``.
    """
    return {
        "sentence": int(sentences["sentence_id"].nunique()),
        "paragraph": int(paragraphs["paragraph_id"].nunique()),
        "page": len(known_pages(pages)),
    }


def _xlogx_ratio(observed: float, expected: float) -> float:
    """Return ``observed * ln(observed / expected)``, with ``0 * log 0 = 0``."""
    if observed == 0:
        return 0.0
    return observed * math.log(observed / expected)


def pair_statistics(n_ab: int, n_a: int, n_b: int, n_units: int) -> dict[str, float]:
    """Compute the association statistics of one pair from its unit counts.

    Args:
        n_ab: Units where both leaders appear.
        n_a: Units where leader a appears.
        n_b: Units where leader b appears.
        n_units: Units in all (``N``).

    Returns:
        ``expected`` (``n_a * n_b / N``), ``pmi`` (log2; ``-inf`` when ``n_ab == 0``),
        ``npmi`` (``pmi / -log2(n_ab / N)``; 1 when ``n_ab == N``, -1 when ``n_ab == 0``),
        ``llr`` (Dunning's G2 of the 2x2 table) and ``p_value`` (one-sided, see the module
        docstring).

    Raises:
        ValueError: If the counts cannot form a 2x2 table.
    """
    n_ab, n_a, n_b, n_units = int(n_ab), int(n_a), int(n_b), int(n_units)
    cells = (n_ab, n_a - n_ab, n_b - n_ab, n_units - n_a - n_b + n_ab)
    if n_units <= 0 or min(cells) < 0:
        raise ValueError(
            f"pair counts n_ab={n_ab}, n_a={n_a}, n_b={n_b}, N={n_units} do not form a 2x2 "
            "table; check that n_units counts every unit the mentions fall in"
        )
    expected = n_a * n_b / n_units
    if n_ab == 0:
        pmi, npmi = -math.inf, -1.0
    else:
        pmi = math.log2(n_ab * n_units / (n_a * n_b))
        npmi = 1.0 if n_ab == n_units else pmi / -math.log2(n_ab / n_units)
    rows = (n_a, n_units - n_a)
    cols = (n_b, n_units - n_b)
    expected_cells = [r * c / n_units for r in rows for c in cols]
    llr = 2.0 * sum(_xlogx_ratio(o, e) for o, e in zip(cells, expected_cells, strict=True))
    llr = max(llr, 0.0)  # rounding can give -1e-16 for independent tables
    if min(expected_cells) < MIN_EXPECTED:
        table = [[cells[0], cells[1]], [cells[2], cells[3]]]
        p_value = float(stats.fisher_exact(table, alternative="greater").pvalue)
    else:
        half = float(stats.chi2.sf(llr, df=1)) / 2.0
        p_value = half if n_ab > expected else 1.0 - half
    return {
        "expected": float(expected),
        "pmi": float(pmi),
        "npmi": float(npmi),
        "llr": float(llr),
        "p_value": min(max(p_value, 0.0), 1.0),
    }


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Adjust p-values for the false discovery rate (Benjamini-Hochberg step-up).

    Args:
        p: p-values in [0, 1], any order.

    Returns:
        q-values in the same order: ``min over j >= rank of p_(j) * m / j``, capped at 1.

    Raises:
        ValueError: If a p-value is NaN or outside [0, 1].
    """
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        return p.copy()
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(f"p-values must lie in [0, 1] and not be NaN; got {p.tolist()}")
    m = p.size
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, m + 1)
    monotone = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(monotone, 1.0)
    return q


def _scored_mentions(mentions: pd.DataFrame, sentiment: pd.DataFrame) -> pd.DataFrame:
    """Attach each mention's sentiment score (NaN when it has none)."""
    columns = ["chapter", "mention_id", "leader", "sentence_id", "paragraph_id", "page"]
    frame = mentions[columns].copy()
    frame["page"] = pd.to_numeric(frame["page"], errors="coerce").astype("Int64")
    frame.loc[(frame["page"] < 0).fillna(False), "page"] = pd.NA
    if len(sentiment):
        scores = sentiment[["chapter", "mention_id", "score"]].drop_duplicates(
            ["chapter", "mention_id"]
        )
        frame = frame.merge(scores, on=["chapter", "mention_id"], how="left", validate="m:1")
    else:
        frame["score"] = np.nan
    frame["score"] = frame["score"].astype(float)
    return frame


def _scope_pairs(scored: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Return one row per (pair, unit) of a scope: chapter, unit, leader_a, leader_b."""
    unit = UNIT_COLUMN[scope]
    present = scored.dropna(subset=[unit])[["chapter", unit, "leader"]].drop_duplicates()
    pairs = present.merge(present, on=["chapter", unit], suffixes=("_a", "_b"))
    pairs = pairs[pairs["leader_a"] < pairs["leader_b"]]
    return pairs.rename(columns={unit: "unit"}).reset_index(drop=True)


def _scope_table(scored: pd.DataFrame, scope: Scope, n_units: int, min_count: int) -> pd.DataFrame:
    """Compute the rows of one scope (without ``chapter`` and ``q_value``)."""
    unit = UNIT_COLUMN[scope]
    located = scored.dropna(subset=[unit])
    present = located[["chapter", unit, "leader"]].drop_duplicates()
    observed_units = len(present[["chapter", unit]].drop_duplicates())
    if observed_units > n_units:
        raise ValueError(
            f"scope {scope}: mentions fall in {observed_units} units but n_units is {n_units}; "
            "pass the unit counts of the same chapters as the mentions"
        )
    n_leader = present.groupby("leader").size()
    pairs = _scope_pairs(scored, scope)
    counts = pairs.groupby(["leader_a", "leader_b"]).size().rename("n_ab").reset_index()
    counts = counts[counts["n_ab"] >= min_count]
    if counts.empty:
        return pd.DataFrame()
    # Tone: every mention of a or b inside the units both share.
    shared = pairs.merge(counts[["leader_a", "leader_b"]], on=["leader_a", "leader_b"])
    in_units = shared.merge(
        located[["chapter", unit, "leader", "score"]].rename(columns={unit: "unit"}),
        on=["chapter", "unit"],
    )
    of_pair = in_units[
        (in_units["leader"] == in_units["leader_a"]) | (in_units["leader"] == in_units["leader_b"])
    ]
    tone = of_pair.groupby(["leader_a", "leader_b"])["score"].mean().rename("tone").reset_index()
    counts = counts.merge(tone, on=["leader_a", "leader_b"], how="left")
    counts["n_a"] = counts["leader_a"].map(n_leader).astype("int64")
    counts["n_b"] = counts["leader_b"].map(n_leader).astype("int64")
    counts["n_units"] = int(n_units)
    statistics = [
        pair_statistics(row.n_ab, row.n_a, row.n_b, n_units)
        for row in counts.itertuples(index=False)
    ]
    counts = pd.concat([counts, pd.DataFrame(statistics, index=counts.index)], axis=1)
    counts["q_value"] = benjamini_hochberg(counts["p_value"].to_numpy())
    counts["scope"] = scope
    return counts


def cooccurrence_table(
    mentions: pd.DataFrame,
    sentiment: pd.DataFrame,
    n_units: Mapping[str, int],
    *,
    chapter: str,
    scopes: Sequence[Scope] = SCOPES,
    min_count: int = 1,
) -> pd.DataFrame:
    """Count leader pairs per unit and compute their association statistics.

    Args:
        mentions: ``tables.MENTIONS`` rows (one chapter, or several for pooled rows).
        sentiment: ``tables.SENTIMENT`` rows for the same mentions (may be empty).
        n_units: Units of each scope (summed over chapters when pooling); see
            :func:`unit_counts`.
        chapter: The label written in the ``chapter`` column ("corpus" for pooled rows).
        scopes: Scopes to compute.
        min_count: Keep pairs that share at least this many units (before the q-values).

    Returns:
        Exactly the ``tables.COOCCURRENCE`` columns, sorted by its key; ``tone`` is the mean
        score of all mentions of a or b in the units both share (NaN without scores).
        Mentions with an unknown page are left out of the page scope.

    Raises:
        ValueError: If a scope is unknown, ``n_units`` lacks it or is too small, or
            ``min_count < 1``.
    """
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown co-occurrence scopes {unknown}; use some of {list(SCOPES)}")
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    missing = [s for s in scopes if s not in n_units]
    if missing:
        raise ValueError(f"n_units has no count for scopes {missing}; see unit_counts()")
    if mentions.empty:
        logger.warning("chapter %s: no mentions, so no co-occurrence rows", chapter)
        return empty_frame(COOCCURRENCE)
    scored = _scored_mentions(mentions, sentiment)
    parts = [_scope_table(scored, s, int(n_units[s]), min_count) for s in sorted(set(scopes))]
    parts = [p for p in parts if not p.empty]
    if not parts:
        logger.warning(
            "chapter %s: no leader pair shares a unit at least %d time(s)", chapter, min_count
        )
        return empty_frame(COOCCURRENCE)
    table = pd.concat(parts, ignore_index=True)
    table["chapter"] = chapter
    table = table[COOCCURRENCE.columns]
    table = table.sort_values(list(COOCCURRENCE.key), kind="mergesort").reset_index(drop=True)
    for column in ("n_ab", "n_a", "n_b", "n_units"):
        table[column] = table[column].astype("int64")
    for column in ("expected", "pmi", "npmi", "llr", "p_value", "q_value", "tone"):
        table[column] = table[column].astype("float64")
    return table
