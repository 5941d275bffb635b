"""Relationships: who appears with whom (co-occurrence) and who acts on whom (actions).

Co-occurrence: leader pairs that share a sentence, paragraph, page or token window, with
statistics (below). Actions (:func:`action_table`): directed leader-to-leader actions read
from textacy's subject-verb-object triples ("Lenin rebuked Stalin"), described at the end.

A unit is one sentence, paragraph, printed page or token window of a chapter, keyed by
``(chapter, unit id)``. A pair of leaders counts once per unit where both appear, however
often each is mentioned there. Token windows are fixed and non-overlapping, so "once per
unit" holds for them too: each paragraph's non-space tokens are cut into consecutive runs of
``size`` tokens from its first token (the last run may be shorter; no run crosses a
paragraph break), and a mention belongs to the run holding its first character. For a pair
(a, b) over ``N`` units the 2x2 table is::

                 b in unit        b not in unit
    a in unit    n_ab             n_a - n_ab
    a not in     n_b - n_ab       N - n_a - n_b + n_ab

The p-value is one-sided (over-representation, "a and b share units more often than
chance"): Fisher's exact test (``alternative="greater"``) when any expected cell is below 5,
otherwise the chi-square(1) survival of Dunning's G2, halved when ``n_ab`` exceeds its
expectation and one minus that half otherwise. q-values are Benjamini-Hochberg over all pairs
of one scope.

Tone: ``tone`` is the mean score of every mention of a or b in the units both share;
``tone_a`` (``tone_b``) the mean over a's (b's) own mentions there, with ``n_tone_a``
(``n_tone_b``) scored mentions: how the prose treats each member when they appear together.

Per section (:func:`section_cooccurrence`) the same statistics are computed with the units,
counts and q-values of one section only, for the scopes sentence, paragraph and window
(pages straddle sections, so the page scope is left out there).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import pandas as pd

from leaderlens.tables import (
    ACTIONS,
    COOCCURRENCE,
    COOCCURRENCE_SECTIONS,
    WINDOWS,
    Table,
    empty_frame,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

logger = logging.getLogger(__name__)

Scope = Literal["sentence", "paragraph", "page", "window"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
TEXT_SCOPES: tuple[Scope, ...] = ("sentence", "paragraph", "page")
"""The scopes computed by default (``window`` needs the chapter's token windows)."""
SECTION_SCOPES: tuple[Scope, ...] = ("sentence", "paragraph", "window")
"""The scopes whose units nest inside sections."""
UNIT_COLUMN: dict[str, str] = {
    "sentence": "sentence_id",
    "paragraph": "paragraph_id",
    "page": "page",
    "window": "window_id",
}
"""The mentions column that identifies a unit of each scope (within a chapter)."""
INT_COLUMNS = ("n_ab", "n_a", "n_b", "n_units", "n_tone_a", "n_tone_b")
FLOAT_COLUMNS = ("expected", "pmi", "npmi", "llr", "p_value", "q_value", "tone", "tone_a", "tone_b")

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


def token_spans(doc: Doc) -> list[tuple[int, int]]:
    """List the character spans of a Doc's non-space tokens.

    Args:
        doc: The parsed chapter.

    Returns:
        ``(start, end)`` offsets of every token that is not whitespace, in order.
    """
    return [(token.idx, token.idx + len(token.text)) for token in doc if not token.is_space]


def token_windows(
    spans: Sequence[tuple[int, int]], paragraphs: pd.DataFrame, *, size: int, chapter: str
) -> pd.DataFrame:
    """Cut each paragraph's tokens into consecutive non-overlapping windows of ``size``.

    Args:
        spans: Non-space token spans of the chapter, in order (see :func:`token_spans`).
        paragraphs: ``tables.PARAGRAPHS`` rows of the chapter.
        size: Tokens per window; a paragraph's last window may be shorter.
        chapter: The chapter name.

    Returns:
        ``tables.WINDOWS`` rows, numbered from 0 in text order; tokens outside every
        paragraph belong to no window.

    Raises:
        ValueError: If ``size < 1``.
    """
    if size < 1:
        raise ValueError(f"cooccurrence window size must be at least 1 token, got {size}")
    starts = np.array([start for start, _ in spans], dtype=np.int64)
    rows = []
    for paragraph in paragraphs.sort_values("start", kind="mergesort").itertuples(index=False):
        first = int(np.searchsorted(starts, int(paragraph.start), side="left"))
        stop = int(np.searchsorted(starts, int(paragraph.end), side="left"))
        for begin in range(first, stop, size):
            chunk = spans[begin : min(begin + size, stop)]
            rows.append(
                {
                    "chapter": chapter,
                    "window_id": len(rows),
                    "paragraph_id": int(paragraph.paragraph_id),
                    "start": int(chunk[0][0]),
                    "end": int(chunk[-1][1]),
                    "n_tokens": len(chunk),
                }
            )
    if not rows:
        logger.warning("chapter %s: no tokens, so no token windows", chapter)
        return empty_frame(WINDOWS)
    return pd.DataFrame(rows, columns=WINDOWS.columns)


def assign_windows(mentions: pd.DataFrame, windows: pd.DataFrame) -> pd.Series:
    """Find the token window of each mention: the window holding its first character.

    Args:
        mentions: ``tables.MENTIONS`` rows (one or several chapters).
        windows: ``tables.WINDOWS`` rows of the same chapters.

    Returns:
        ``window_id`` per mention (nullable Int64, aligned with ``mentions``); null when its
        chapter has no window or it starts before the first one.
    """
    result = pd.Series(pd.NA, index=mentions.index, dtype="Int64")
    for chapter, rows in windows.groupby("chapter", sort=True):
        rows = rows.sort_values("start", kind="mergesort")
        starts = rows["start"].to_numpy(dtype=np.int64)
        ids = rows["window_id"].to_numpy(dtype=np.int64)
        mask = (mentions["chapter"] == chapter).to_numpy()
        if not mask.any():
            continue
        at = np.searchsorted(starts, mentions.loc[mask, "start"].to_numpy(dtype=np.int64), "right")
        found = pd.array(np.where(at > 0, ids[np.maximum(at - 1, 0)], 0), dtype="Int64")
        found[at == 0] = pd.NA
        result.loc[mask] = found
    return result


def unit_counts(
    sentences: pd.DataFrame,
    paragraphs: pd.DataFrame,
    pages: Iterable[int | float | None],
    windows: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Count the units of each scope in one chapter.

    Args:
        sentences: ``tables.SENTENCES`` rows of the chapter.
        paragraphs: ``tables.PARAGRAPHS`` rows of the chapter.
        pages: The page of every clean character (``tables.CHARMAP["page"]``); unknown pages
            (null or -1) are not counted.
        windows: ``tables.WINDOWS`` rows of the chapter, or None for no window scope.

    Returns:
        ``{"sentence": n, "paragraph": n, "page": n}`` plus ``"window": n`` with windows.
    """
    counts = {
        "sentence": int(sentences["sentence_id"].nunique()),
        "paragraph": int(paragraphs["paragraph_id"].nunique()),
        "page": len(known_pages(pages)),
    }
    if windows is not None:
        counts["window"] = int(windows["window_id"].nunique())
    return counts


def section_unit_counts(
    sentences: pd.DataFrame, paragraphs: pd.DataFrame, windows: pd.DataFrame | None = None
) -> dict[int, dict[str, int]]:
    """Count the sentences, paragraphs and token windows of each section of a chapter.

    Args:
        sentences: ``tables.SENTENCES`` rows of the chapter.
        paragraphs: ``tables.PARAGRAPHS`` rows of the chapter (they carry ``section_id``).
        windows: ``tables.WINDOWS`` rows of the chapter, or None for no window scope.

    Returns:
        ``{section_id: {"sentence": n, "paragraph": n[, "window": n]}}`` for every section.
    """
    section_of = paragraphs.set_index("paragraph_id")["section_id"]
    sentence_sections = sentences["paragraph_id"].map(section_of)
    counts: dict[int, dict[str, int]] = {}
    for section_id in sorted(int(s) for s in paragraphs["section_id"].unique()):
        in_section = paragraphs.loc[paragraphs["section_id"] == section_id, "paragraph_id"]
        counts[section_id] = {
            "sentence": int(
                sentences.loc[sentence_sections == section_id, "sentence_id"].nunique()
            ),
            "paragraph": int(in_section.nunique()),
        }
        if windows is not None:
            held = windows["paragraph_id"].isin(set(in_section.tolist()))
            counts[section_id]["window"] = int(windows.loc[held, "window_id"].nunique())
    return counts


def _xlogx_ratio(observed: float, expected: float) -> float:
    """Return ``observed * ln(observed / expected)``, with ``0 * log 0 = 0``."""
    if observed == 0:
        return 0.0
    return observed * math.log(observed / expected)


def chi2_sf_1df(statistic: float) -> float:
    """Return the chi-square survival function with one degree of freedom.

    ``P(X > x) = erfc(sqrt(x / 2))`` for one degree of freedom: exact, and it spares every
    job the import of ``scipy.stats`` (half a second).

    Args:
        statistic: A chi-square statistic (G2), >= 0.

    Returns:
        The upper-tail probability.
    """
    return math.erfc(math.sqrt(max(statistic, 0.0) / 2.0))


def fisher_greater(n_ab: int, n_a: int, n_b: int, n_units: int) -> float:
    """Return Fisher's exact one-sided p-value that a and b share more units than by chance.

    ``P(X >= n_ab)`` for ``X ~ Hypergeometric(N=n_units, K=n_a, n=n_b)``: the hypergeometric
    terms are summed in log space (``math.lgamma``), so large counts do not overflow.

    Args:
        n_ab: Units where both appear.
        n_a: Units where a appears.
        n_b: Units where b appears.
        n_units: All units.

    Returns:
        The p-value, in [0, 1].
    """

    def log_comb(n: int, k: int) -> float:
        return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)

    low, high = max(n_ab, 0, n_a + n_b - n_units), min(n_a, n_b)
    if low > high:
        return 0.0
    log_total = log_comb(n_units, n_b)
    logs = [
        log_comb(n_a, k) + log_comb(n_units - n_a, n_b - k) - log_total
        for k in range(low, high + 1)
    ]
    peak = max(logs)
    return min(math.exp(peak) * math.fsum(math.exp(v - peak) for v in logs), 1.0)


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
        p_value = fisher_greater(n_ab, n_a, n_b, n_units)
    else:
        half = chi2_sf_1df(llr) / 2.0
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


def _scored_mentions(
    mentions: pd.DataFrame, sentiment: pd.DataFrame, windows: pd.DataFrame | None
) -> pd.DataFrame:
    """Attach each mention's sentiment score (NaN when it has none) and token window."""
    columns = ["chapter", "mention_id", "leader", "sentence_id", "paragraph_id", "page"]
    frame = mentions[columns].copy()
    frame["page"] = pd.to_numeric(frame["page"], errors="coerce").astype("Int64")
    frame.loc[(frame["page"] < 0).fillna(False), "page"] = pd.NA
    if windows is None:
        frame["window_id"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    else:
        frame["window_id"] = assign_windows(mentions, windows).to_numpy()
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


def _pair_tone(pairs: pd.DataFrame, located: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Mean scores of the mentions of a and b in each pair's shared units (all, a's, b's)."""
    in_units = pairs.merge(
        located[["chapter", unit, "leader", "score"]].rename(columns={unit: "unit"}),
        on=["chapter", "unit"],
    )
    keys = ["leader_a", "leader_b"]
    is_a = in_units["leader"] == in_units["leader_a"]
    is_b = in_units["leader"] == in_units["leader_b"]
    tone = in_units[is_a | is_b].groupby(keys)["score"].mean().rename("tone")
    side_a = in_units[is_a].groupby(keys)["score"].agg(tone_a="mean", n_tone_a="count")
    side_b = in_units[is_b].groupby(keys)["score"].agg(tone_b="mean", n_tone_b="count")
    return pd.concat([tone, side_a, side_b], axis=1).reset_index()


def _scope_table(scored: pd.DataFrame, scope: Scope, n_units: int, min_count: int) -> pd.DataFrame:
    """Compute the rows of one scope (without ``chapter``)."""
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
    shared = pairs.merge(counts[["leader_a", "leader_b"]], on=["leader_a", "leader_b"])
    tone = _pair_tone(shared, located, unit)
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


def _typed(table: pd.DataFrame, contract: Table) -> pd.DataFrame:
    """Order, sort and type the rows of a pair table as ``contract``."""
    table = table[contract.columns]
    table = table.sort_values(list(contract.key), kind="mergesort").reset_index(drop=True)
    for column in INT_COLUMNS:
        table[column] = table[column].fillna(0).astype("int64")
    for column in FLOAT_COLUMNS:
        table[column] = table[column].astype("float64")
    return table


def _check_options(
    scopes: Sequence[str], n_units: Mapping[str, int], min_count: int, windows: object
) -> None:
    """Raise ValueError for unknown scopes, missing unit counts or windows, bad min_count."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown co-occurrence scopes {unknown}; use some of {list(SCOPES)}")
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, got {min_count}")
    missing = [s for s in scopes if s not in n_units]
    if missing:
        raise ValueError(f"n_units has no count for scopes {missing}; see unit_counts()")
    if "window" in scopes and windows is None:
        raise ValueError("the window scope needs the token windows (tables.WINDOWS rows)")


def cooccurrence_table(
    mentions: pd.DataFrame,
    sentiment: pd.DataFrame,
    n_units: Mapping[str, int],
    *,
    chapter: str,
    scopes: Sequence[Scope] = TEXT_SCOPES,
    min_count: int = 1,
    windows: pd.DataFrame | None = None,
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
        windows: ``tables.WINDOWS`` rows of the same chapters (needed for the window scope).

    Returns:
        Exactly the ``tables.COOCCURRENCE`` columns, sorted by its key; ``tone`` is the mean
        score of all mentions of a or b in the units both share, ``tone_a``/``tone_b`` of
        each one's own mentions there (NaN without scores). Mentions with an unknown page
        are left out of the page scope.

    Raises:
        ValueError: If a scope is unknown, ``n_units`` lacks it or is too small, the window
            scope has no windows, or ``min_count < 1``.
    """
    _check_options(scopes, n_units, min_count, windows)
    if mentions.empty:
        logger.warning("chapter %s: no mentions, so no co-occurrence rows", chapter)
        return empty_frame(COOCCURRENCE)
    scored = _scored_mentions(mentions, sentiment, windows)
    parts = [_scope_table(scored, s, int(n_units[s]), min_count) for s in sorted(set(scopes))]
    parts = [p for p in parts if not p.empty]
    if not parts:
        logger.warning(
            "chapter %s: no leader pair shares a unit at least %d time(s)", chapter, min_count
        )
        return empty_frame(COOCCURRENCE)
    table = pd.concat(parts, ignore_index=True)
    table["chapter"] = chapter
    return _typed(table, COOCCURRENCE)


def section_cooccurrence(
    mentions: pd.DataFrame,
    sentiment: pd.DataFrame,
    paragraphs: pd.DataFrame,
    section_units: Mapping[int, Mapping[str, int]],
    *,
    chapter: str,
    scopes: Sequence[Scope] = SECTION_SCOPES,
    min_count: int = 1,
    windows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute the pair statistics of each section of one chapter separately.

    Args:
        mentions: ``tables.MENTIONS`` rows of the chapter.
        sentiment: ``tables.SENTIMENT`` rows of the chapter (may be empty).
        paragraphs: ``tables.PARAGRAPHS`` rows (a mention's section is its paragraph's).
        section_units: Units per section and scope; see :func:`section_unit_counts`.
        chapter: The chapter name.
        scopes: Scopes to compute; ``page`` is skipped (pages straddle sections).
        min_count: Keep pairs that share at least this many units of the section.
        windows: ``tables.WINDOWS`` rows of the chapter (needed for the window scope).

    Returns:
        ``tables.COOCCURRENCE_SECTIONS`` rows: per section, the ``COOCCURRENCE`` statistics
        over that section's units, with q-values over that section's pairs of a scope.

    Raises:
        ValueError: As :func:`cooccurrence_table`.
    """
    scopes = [s for s in sorted(set(scopes)) if s != "page"]
    for units in section_units.values():
        _check_options(scopes, units, min_count, windows)
    if mentions.empty or not scopes:
        return empty_frame(COOCCURRENCE_SECTIONS)
    scored = _scored_mentions(mentions, sentiment, windows)
    section_of = paragraphs.set_index("paragraph_id")["section_id"]
    scored["section_id"] = scored["paragraph_id"].map(section_of)
    names = paragraphs.drop_duplicates("section_id").set_index("section_id")["section"]
    parts = []
    for section_id in sorted(section_units):
        in_section = scored[scored["section_id"] == section_id]
        units = section_units[section_id]
        for scope in scopes:
            part = _scope_table(in_section, scope, int(units[scope]), min_count)
            if part.empty:
                continue
            part["section_id"] = section_id
            part["section"] = names.get(section_id)
            parts.append(part)
    if not parts:
        logger.warning("chapter %s: no leader pair shares a unit within a section", chapter)
        return empty_frame(COOCCURRENCE_SECTIONS)
    table = pd.concat(parts, ignore_index=True)
    table["chapter"] = chapter
    table["section_id"] = table["section_id"].astype("int32")
    return _typed(table, COOCCURRENCE_SECTIONS)


# --------------------------------------------------------------------------------------
# Who acts on whom: directed actions between leaders from subject-verb-object triples
# --------------------------------------------------------------------------------------
# Only sentences naming two different leaders are read. In each, textacy's
# subject_verb_object_triples gives (subjects, verb, objects); a row is kept when a subject
# token and an object token are leader mentions of different leaders (mention offsets are
# matched to token offsets; a pronoun counts as its resolved leader, with its confidence).
# Stricter than textacy: compounds ("the Stalin cult") and clausal arguments are not
# arguments; a verb borrows the object of a coordinated verb only in "criticised and
# dismissed Stalin" (see shares_object); an object inside an open complement is named by
# both verbs ("want to remove"); relative pronouns stand for the noun they modify; a passive
# counts only with its agent ("by Lenin"), who becomes the actor. Added to textacy: a leader
# subject with a leader after a directed preposition ("turned to Stalin", pattern "prep").

RELATIVE_TAGS = frozenset({"WP", "WDT"})
"""Tags of relative pronouns ("who", "whom", "which", "that") resolved to the noun they modify."""
Mention = tuple[int, str, float]
"""A leader mention as the action finder sees it: ``(mention_id, leader, confidence)``."""


def mention_token_index(doc: Doc, mentions: pd.DataFrame) -> dict[int, Mention]:
    """Map each token index covered by a leader mention to that mention.

    Args:
        doc: The parsed chapter.
        mentions: ``tables.MENTIONS`` rows of the same text (offsets index it).

    Returns:
        ``{token index: (mention_id, leader, confidence)}``; where mentions overlap, the one
        with the higher confidence (then the lower id) wins.
    """
    index: dict[int, Mention] = {}
    ordered = mentions.sort_values(["confidence", "mention_id"], ascending=[True, False])
    for row in ordered.itertuples(index=False):
        span = doc.char_span(int(row.start), int(row.end), alignment_mode="expand")
        for token in span if span is not None else ():
            index[token.i] = (int(row.mention_id), str(row.leader), float(row.confidence))
    return index


def _nominal(token: Token) -> Token:
    """Climb from a conjunct ("Trotsky" in "Stalin and Trotsky") to the first one."""
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
    return token


def _role(token: Token, verb: Token) -> tuple[str, Token | None] | None:
    """Say how a token of a triple attaches to its verb.

    Args:
        token: A subject or object token of the triple.
        verb: The triple's main verb.

    Returns:
        ``(role, xcomp verb or None)`` with role ``subject``, ``passive_subject``, ``object``
        or ``agent``; None when the token is a compound, a clausal argument or hangs off
        another verb than ``verb`` (or its conjuncts, which share arguments in textacy).
    """
    if token.dep_ == "compound":
        return None
    head_token = _nominal(token)
    dep, head = head_token.dep_, head_token.head
    if dep in ("nsubj", "nsubjpass") and head.i in {verb.i, *(c.i for c in verb.conjuncts)}:
        return ("passive_subject" if dep == "nsubjpass" else "subject"), None
    sharers = {verb.i, *(c.i for c in verb.conjuncts if shares_object(verb, c))}
    if dep == "dobj" and head.i in sharers:
        return "object", None
    if dep == "dobj" and head.dep_ == "xcomp" and head.head.i == verb.i:
        return "object", head
    if dep == "pobj" and head.dep_ == "agent" and head.head.i in sharers:
        return "agent", None
    return None


SHARED_OBJECT_GAP = frozenset({"cc", "punct", "conj"})
"""Dependencies allowed between two coordinated verbs that share one object."""


def shares_object(verb: Token, conjunct: Token) -> bool:
    """Tell whether ``verb`` takes the object of a later coordinated verb.

    True for "criticised and dismissed Stalin": the conjunct comes later, has no subject
    of its own, and only conjunctions, punctuation, other conjuncts or the conjunct's own
    adverbs and auxiliaries stand between them. False for "heard that ... and asked Stalin"
    or "was convalescing there and had Ordzhonikidze round" (textacy shares objects there).

    Args:
        verb: The verb lacking an object.
        conjunct: A verb coordinated with it that has one.

    Returns:
        Whether the object is shared.
    """
    if conjunct.i <= verb.i:
        return False
    if any(c.dep_ in ("nsubj", "nsubjpass", "csubj") for c in conjunct.children):
        return False
    for token in verb.doc[verb.i + 1 : conjunct.i]:
        own = token.head.i == conjunct.i and token.dep_ in ("advmod", "aux", "auxpass", "neg")
        if token.dep_ not in SHARED_OBJECT_GAP and not own:
            return False
    return True


def _leader_at(token: Token, verb: Token, index: Mapping[int, Mention]) -> Mention | None:
    """Return the mention at a token, reading a relative pronoun as the noun it stands for."""
    if token.tag_ in RELATIVE_TAGS and verb.dep_ == "relcl":
        token = verb.head
    return index.get(token.i)


def verb_label(verb: Token, xcomp: Token | None = None) -> str:
    """Name an action by its verb: the lemma with its particle ("hand over").

    Args:
        verb: The triple's main verb.
        xcomp: The open clausal complement holding the object, if any ("decide to remove").

    Returns:
        The lower-case label.
    """

    def one(token: Token) -> str:
        particles = [c.text.lower() for c in token.children if c.dep_ == "prt"]
        return " ".join([token.lemma_.lower(), *particles])

    return one(verb) if xcomp is None else f"{one(verb)} to {one(xcomp)}"


DIRECTED_PREPOSITIONS = frozenset({"to", "at", "towards", "toward", "against", "on", "upon"})
"""Prepositions whose object receives the action of an intransitive verb ("turn to",
"shout at", "turn against", "rely on"); "with", "about", "for", "from" are left out (they
mark partners, topics or beneficiaries more often than targets)."""


def _subjects(verb: Token, index: Mapping[int, Mention]) -> list[Mention]:
    """Leader mentions that are the active nominal subject of ``verb`` (or of the verb it is
    coordinated with, when it has none of its own)."""
    own = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not own and verb.dep_ == "conj" and verb.head.pos_ == "VERB":
        own = [c for c in verb.head.children if c.dep_ == "nsubj"]
        verb = verb.head
    found = []
    for token in own:
        if token.dep_ != "nsubj":
            return []  # a passive: its prepositional objects are not targets
        for noun in (token, *token.conjuncts):
            mention = _leader_at(noun, verb, index)
            if mention is not None:
                found.append(mention)
    return found


def _prepositional_actions(
    span: Span, index: Mapping[int, Mention]
) -> list[tuple[Token, Mention, Mention, str]]:
    """Find "X turned to Y": a leader subject, a verb and a leader after a directed preposition.

    Args:
        span: The sentence.
        index: Token index -> leader mention.

    Returns:
        ``(verb, actor, target, label)`` per action, label ``verb + preposition``.
    """
    found = []
    for prep in span:
        verb = prep.head
        if prep.dep_ != "prep" or prep.lower_ not in DIRECTED_PREPOSITIONS:
            continue
        if verb.pos_ != "VERB" or prep.i < verb.i:  # "At first Lenin and Stalin worked"
            continue
        objects = [c for c in prep.children if c.dep_ == "pobj"]
        targets = [index.get(n.i) for o in objects for n in (o, *o.conjuncts)]
        targets = [t for t in targets if t is not None]
        if not targets:
            continue
        label = f"{verb_label(verb)} {prep.lower_}"
        for actor in _subjects(verb, index):
            found += [(verb, actor, target, label) for target in targets]
    return found


def sentence_actions(span: Span, index: Mapping[int, Mention]) -> list[dict[str, object]]:
    """Find the actions between two different leaders in one sentence.

    Two patterns: textacy's subject-verb-object triples (passive agents become the actors;
    ``pattern`` ``svo``) and, for verbs without a leader as direct object, a leader subject
    with a leader after a directed preposition ("turned to Stalin"; ``pattern`` ``prep``).

    Args:
        span: The sentence.
        index: Token index -> leader mention (see :func:`mention_token_index`).

    Returns:
        One dict per (verb, actor, target) with ``verb_i``, ``actor``, ``target``, their
        mention ids, ``verb``, ``negated``, ``passive``, ``pattern``, ``start``, ``end`` and
        ``confidence``, in verb order.
    """
    from textacy.extract.triples import subject_verb_object_triples

    found: dict[tuple[int, str, str], dict[str, object]] = {}

    def add(verb: Token, actor: Mention, target: Mention, label: str, **facts: object) -> None:
        if actor[1] == target[1]:
            return
        key = (verb.i, actor[1], target[1])
        row = {
            "verb_i": verb.i,
            "actor": actor[1],
            "target": target[1],
            "actor_mention_id": actor[0],
            "target_mention_id": target[0],
            "verb": label,
            "start": verb.idx,
            "end": verb.idx + len(verb.text),
            "confidence": min(actor[2], target[2]),
            **facts,
        }
        if key not in found or row["confidence"] > found[key]["confidence"]:
            found[key] = row

    for triple in subject_verb_object_triples(span):
        heads = [t for t in triple.verb if t.dep_ not in ("aux", "auxpass", "neg")]
        if not heads:
            continue
        verb = heads[0]
        subjects = []
        for token in triple.subject:
            role, mention = _role(token, verb), _leader_at(token, verb, index)
            if role is not None and mention is not None and role[0].endswith("subject"):
                subjects.append((role[0] == "passive_subject", mention))
        objects = []
        for token in triple.object:
            role, mention = _role(token, verb), _leader_at(token, verb, index)
            if role is not None and mention is not None and role[0] in ("object", "agent"):
                objects.append((role[0] == "agent", role[1], mention))
        for passive, subject in subjects:
            for is_agent, xcomp, obj in objects:
                if passive != is_agent:
                    continue  # a passive's object must be its agent; an active's, not
                negators = [verb, *([xcomp] if xcomp is not None else [])]
                actor, target = (obj, subject) if passive else (subject, obj)
                add(
                    verb,
                    actor,
                    target,
                    verb_label(verb, xcomp),
                    negated=any(c.dep_ == "neg" for v in negators for c in v.children),
                    passive=passive,
                    pattern="svo",
                )
    for verb, actor, target, label in _prepositional_actions(span, index):
        if (verb.i, actor[1], target[1]) not in found:
            negated = any(c.dep_ == "neg" for c in verb.children)
            add(verb, actor, target, label, negated=negated, passive=False, pattern="prep")
    return [found[key] for key in sorted(found)]


def action_table(
    doc: Doc,
    mentions: pd.DataFrame,
    sentences: pd.DataFrame,
    *,
    chapter: str,
    char_pages: Sequence[int | float | None] | None = None,
) -> pd.DataFrame:
    """Extract who acts on whom: leader-to-leader subject-verb-object actions of a chapter.

    Only sentences holding mentions of at least two different leaders are searched.

    Args:
        doc: The parsed chapter (its character offsets are clean.txt's).
        mentions: ``tables.MENTIONS`` rows of the chapter (pronouns included).
        sentences: ``tables.SENTENCES`` rows of the chapter.
        chapter: The chapter name.
        char_pages: The printed page of every clean character (``tables.CHARMAP["page"]``);
            None takes the sentence's page.

    Returns:
        ``tables.ACTIONS`` rows sorted by sentence, verb offset, actor and target, numbered
        from 0 in that order.
    """
    if mentions.empty or sentences.empty:
        logger.warning("chapter %s: no mentions or sentences, so no actions", chapter)
        return empty_frame(ACTIONS)
    leaders_per_sentence = mentions.groupby("sentence_id")["leader"].nunique()
    candidates = sorted(int(s) for s in leaders_per_sentence[leaders_per_sentence >= 2].index)
    chosen = sentences[sentences["sentence_id"].isin(candidates)]
    if chosen.empty:
        logger.info("chapter %s: no sentence names two leaders, so no actions", chapter)
        return empty_frame(ACTIONS)
    index = mention_token_index(doc, mentions[mentions["sentence_id"].isin(candidates)])
    rows = []
    for sentence in chosen.sort_values("sentence_id").itertuples(index=False):
        span = doc.char_span(int(sentence.start), int(sentence.end), alignment_mode="expand")
        if span is None:
            continue
        for action in sentence_actions(span, index):
            page = sentence.page
            if char_pages is not None and int(action["start"]) < len(char_pages):
                page = char_pages[int(action["start"])]
            action.update(
                sentence_id=int(sentence.sentence_id),
                page=None if page is None or page is pd.NA or page != page else int(page),
                section=sentence.section,
                sentence=span.text,
                sentence_start=int(span.start_char),
            )
            rows.append(action)
    if not rows:
        logger.info("chapter %s: no action between two leaders found", chapter)
        return empty_frame(ACTIONS)
    table = pd.DataFrame(rows).sort_values(
        ["sentence_id", "start", "actor", "target", "verb_i"], kind="mergesort"
    )
    table = table.reset_index(drop=True)
    table["chapter"] = chapter
    table["action_id"] = np.arange(len(table), dtype=np.int32)
    table["page"] = pd.array(table["page"], dtype="Int32")
    table["section"] = table["section"].astype(object).where(table["section"].notna(), None)
    return table[ACTIONS.columns]
