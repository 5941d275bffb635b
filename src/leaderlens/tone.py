"""Tone toward each leader over the corpus: aggregates with uncertainty, and the evidence.

Reads every chapter's ``sentiment``, ``mentions`` and ``sentences`` tables (and clean text)
and writes two corpus tables (see ``tables.TONE`` and ``tables.EVIDENCE``):

- ``tone``: per leader and level (the whole corpus, each chapter, each section), with all
  mentions and with the author's narration only (quoted and reported speech left out): n,
  mean score, a seeded percentile bootstrap 95% interval of the mean, and the shares of
  negative, neutral and positive labels.
- ``evidence``: per leader, the ``k`` most negative and ``k`` most positive passages (one
  per sentence): the sentence, the mention's offsets in it, page, section, score and voice.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from leaderlens.corpus import bootstrap_interval
from leaderlens.tables import (
    EVIDENCE,
    MENTIONS,
    SENTENCES,
    SENTIMENT,
    TONE,
    Table,
    empty_frame,
)

logger = logging.getLogger(__name__)

Level = Literal["corpus", "chapter", "section"]
Voices = Literal["all", "narration"]
LEVELS: tuple[Level, ...] = ("corpus", "chapter", "section")
VOICES: tuple[Voices, ...] = ("all", "narration")
SPEECH_VOICES = ("quotation", "reported")
"""Voices that are not the author's own; ``narration`` tone leaves them out."""
POLARITIES = {"negative": -1, "positive": 1}
"""Evidence polarity -> the sentiment label a passage must carry."""


def scored_mentions(mentions: pd.DataFrame, sentiment: pd.DataFrame) -> pd.DataFrame:
    """Join mentions with their scores (mentions without a score are left out).

    Args:
        mentions: ``tables.MENTIONS`` rows of one or more chapters.
        sentiment: ``tables.SENTIMENT`` rows for the same chapters.

    Returns:
        One row per scored mention: the mention columns plus ``score``, ``label``,
        ``voice`` and ``speaker``, sorted by chapter and mention id.
    """
    scores = sentiment[["chapter", "mention_id", "score", "label", "voice", "speaker"]]
    joined = mentions.merge(scores, on=["chapter", "mention_id"], how="inner", validate="1:1")
    return joined.sort_values(["chapter", "mention_id"], kind="mergesort").reset_index(drop=True)


def summarise(
    scores: np.ndarray, labels: np.ndarray, *, rng: np.random.Generator, n_boot: int
) -> dict[str, float | int | None]:
    """Summarise one group of mention scores.

    Args:
        scores: Sentiment scores (-1..1).
        labels: Their labels (-1, 0, 1).
        rng: Seeded generator for the bootstrap.
        n_boot: Bootstrap resamples.

    Returns:
        ``n``, ``mean``, ``low``, ``high`` (None when n < 2) and the three label shares.
    """
    interval = bootstrap_interval(scores, rng=rng, n_boot=n_boot)
    return {
        "n": int(scores.size),
        "mean": float(scores.mean()),
        "low": interval[0] if interval else None,
        "high": interval[1] if interval else None,
        "share_negative": float((labels == -1).mean()),
        "share_neutral": float((labels == 0).mean()),
        "share_positive": float((labels == 1).mean()),
    }


def tone_table(scored: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Aggregate tone per leader x level x voices (``tables.TONE``).

    Args:
        scored: Rows from :func:`scored_mentions`.
        n_boot: Bootstrap resamples per group.
        seed: Seed; each group's generator is seeded by ``(seed, crc32(group key))``, so a
            group's interval does not depend on the other groups.

    Returns:
        The ``tables.TONE`` rows, sorted by key; empty (with a warning) without scores.
    """
    if scored.empty:
        logger.warning("no scored mentions; the tone table is empty")
        return empty_frame(TONE)
    keys: dict[Level, list[str]] = {
        "corpus": ["leader"],
        "chapter": ["leader", "chapter"],
        "section": ["leader", "chapter", "section"],
    }
    rows = []
    for voices in VOICES:
        subset = scored if voices == "all" else scored[~scored["voice"].isin(SPEECH_VOICES)]
        for level in LEVELS:
            groups = subset.groupby(keys[level], sort=True, dropna=False)
            for key, group in groups:
                values = dict(zip(keys[level], key, strict=True))
                values = {name: None if pd.isna(v) else str(v) for name, v in values.items()}
                ident = "\x1f".join([voices, level, *(str(v) for v in values.values())])
                rng = np.random.default_rng([seed, zlib.crc32(ident.encode("utf-8"))])
                stats = summarise(
                    group["score"].to_numpy(dtype=float),
                    group["label"].to_numpy(dtype=int),
                    rng=rng,
                    n_boot=n_boot,
                )
                rows.append(
                    {
                        "leader": values["leader"],
                        "level": level,
                        "chapter": values.get("chapter"),
                        "section": values.get("section"),
                        "voices": voices,
                        **stats,
                    }
                )
    return _typed(pd.DataFrame(rows, columns=TONE.columns), TONE)


def passages(
    scored: pd.DataFrame, sentences: pd.DataFrame, texts: Mapping[str, str]
) -> pd.DataFrame:
    """Attach each scored mention's sentence text and its offsets within that sentence.

    Args:
        scored: Rows from :func:`scored_mentions`.
        sentences: ``tables.SENTENCES`` rows with a ``chapter`` column.
        texts: Chapter -> its clean text.

    Returns:
        ``scored`` plus ``sentence``, ``target_start``, ``target_end``.

    Raises:
        ValueError: If a mention's chapter has no clean text or its sentence is missing.
    """
    bounds = sentences[["chapter", "sentence_id", "start", "end"]].rename(
        columns={"start": "sentence_start", "end": "sentence_end"}
    )
    joined = scored.merge(bounds, on=["chapter", "sentence_id"], how="left", validate="m:1")
    missing = joined["sentence_start"].isna()
    if missing.any():
        row = joined[missing].iloc[0]
        raise ValueError(
            f"chapter {row['chapter']!r}: mention {row['mention_id']} names sentence "
            f"{row['sentence_id']}, which its sentences table lacks; rerun the parse step"
        )
    texts_out, starts, ends = [], [], []
    for row in joined.itertuples(index=False):
        if row.chapter not in texts:
            raise ValueError(f"chapter {row.chapter!r}: no clean text given for its passages")
        begin, finish = int(row.sentence_start), int(row.sentence_end)
        texts_out.append(texts[row.chapter][begin:finish])
        starts.append(int(row.start) - begin)
        ends.append(int(row.end) - begin)
    return joined.assign(sentence=texts_out, target_start=starts, target_end=ends)


def evidence_table(
    scored: pd.DataFrame, sentences: pd.DataFrame, texts: Mapping[str, str], *, k: int = 3
) -> pd.DataFrame:
    """Pick each leader's ``k`` most negative and ``k`` most positive passages.

    Only mentions labelled -1 (negative) or 1 (positive) qualify; a sentence is used once
    per leader (its strongest mention of that leader); ties go to the earlier mention.

    Args:
        scored: Rows from :func:`scored_mentions`.
        sentences: ``tables.SENTENCES`` rows with a ``chapter`` column.
        texts: Chapter -> its clean text.
        k: Passages per leader and polarity.

    Returns:
        The ``tables.EVIDENCE`` rows, sorted by key; empty (with a warning) without any.

    Raises:
        ValueError: If ``k`` < 1, or as :func:`passages`.
    """
    if k < 1:
        raise ValueError(f"evidence per leader k={k}: set sentiment.evidence_per_leader >= 1")
    picked = []
    for polarity, label in POLARITIES.items():
        rows = scored[scored["label"] == label]
        order = rows["score"] * -label  # most extreme first: ascending -|score|
        rows = rows.assign(_order=order.to_numpy()).sort_values(
            ["leader", "_order", "chapter", "mention_id"], kind="mergesort"
        )
        rows = rows.drop_duplicates(["leader", "chapter", "sentence_id"])
        rows = rows.groupby("leader", sort=True).head(k)
        rank = rows.groupby("leader", sort=True).cumcount() + 1
        picked.append(rows.assign(polarity=polarity, rank=rank.to_numpy()))
    chosen = pd.concat(picked, ignore_index=True) if picked else scored.iloc[:0]
    if chosen.empty:
        logger.warning("no mention is labelled negative or positive; the evidence table is empty")
        return empty_frame(EVIDENCE)
    frame = passages(chosen.drop(columns="_order"), sentences, texts)
    return _typed(frame[EVIDENCE.columns], EVIDENCE)


def build_tone(
    mentions: Sequence[pd.DataFrame],
    sentiment: Sequence[pd.DataFrame],
    sentences: Mapping[str, pd.DataFrame],
    texts: Mapping[str, str],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    k: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the corpus ``tone`` and ``evidence`` tables from every chapter's tables.

    Args:
        mentions: Each chapter's ``tables.MENTIONS`` rows.
        sentiment: Each chapter's ``tables.SENTIMENT`` rows.
        sentences: Chapter -> its ``tables.SENTENCES`` rows.
        texts: Chapter -> its clean text.
        n_boot: Bootstrap resamples per group.
        seed: Bootstrap seed.
        k: Evidence passages per leader and polarity.

    Returns:
        ``(tone, evidence)`` typed as ``tables.TONE`` and ``tables.EVIDENCE``.
    """
    all_mentions = _concat(mentions, MENTIONS.columns)
    all_sentiment = _concat(sentiment, SENTIMENT.columns)
    all_sentences = _concat(
        [frame.assign(chapter=chapter) for chapter, frame in sentences.items()],
        [*SENTENCES.columns, "chapter"],
    )
    scored = scored_mentions(all_mentions, all_sentiment)
    if scored.empty:
        logger.warning("no scored mentions in %d chapter(s)", len(sentences))
        return empty_frame(TONE), empty_frame(EVIDENCE)
    tone = tone_table(scored, n_boot=n_boot, seed=seed)
    return tone, evidence_table(scored, all_sentences, texts, k=k)


# --- internals -------------------------------------------------------------------------------


def _concat(frames: Sequence[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate the non-empty frames (an empty frame with ``columns`` when none)."""
    rows = [frame[columns] for frame in frames if len(frame)]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)


def _typed(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Sort a frame by its table's key (stable, as ``tables.write_table`` does)."""
    frame = frame.sort_values(list(table.key), kind="mergesort")
    return frame.reset_index(drop=True)
