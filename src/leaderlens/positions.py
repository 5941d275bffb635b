"""Place spans of clean.txt in the chapter: raw offsets, sentence, paragraph, page, section."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leaderlens.tables import SENTENCES


@dataclass(frozen=True)
class Layout:
    """The structure of one clean chapter, as written by the clean and parse stages.

    Attributes:
        raw_index: For each clean character, its index in the raw text.
        page: For each clean character, its printed page (-1 where unknown).
        paragraphs: The paragraphs table (``tables.PARAGRAPHS``).
        sentences: The sentences table (``tables.SENTENCES``); may be empty before parsing.
    """

    raw_index: np.ndarray
    page: np.ndarray
    paragraphs: pd.DataFrame
    sentences: pd.DataFrame

    @classmethod
    def from_frames(
        cls,
        charmap: pd.DataFrame,
        paragraphs: pd.DataFrame,
        sentences: pd.DataFrame | None = None,
    ) -> Layout:
        """Build a layout from the charmap, paragraphs and (optional) sentences tables.

        Args:
            charmap: ``tables.CHARMAP`` rows, one per clean character.
            paragraphs: ``tables.PARAGRAPHS`` rows.
            sentences: ``tables.SENTENCES`` rows, or None before parsing.

        Returns:
            The layout.
        """
        if sentences is None:
            sentences = pd.DataFrame(columns=SENTENCES.columns)
        page = charmap["page"].astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
        return cls(
            raw_index=charmap["raw_index"].to_numpy(dtype=np.int64),
            page=page,
            paragraphs=paragraphs.sort_values("start").reset_index(drop=True),
            sentences=sentences.sort_values("start").reset_index(drop=True),
        )

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a clean span to the raw text span it came from.

        Args:
            start: Clean start offset.
            end: Clean end offset (exclusive, > start).

        Returns:
            ``(raw_start, raw_end)``, raw_end exclusive.
        """
        return int(self.raw_index[start]), int(self.raw_index[end - 1]) + 1

    def page_at(self, offset: int) -> int | None:
        """Return the printed page of a clean character, or None where unknown."""
        value = int(self.page[offset])
        return None if value < 0 else value

    @functools.cached_property
    def _paragraph_starts(self) -> np.ndarray:
        """Paragraph start offsets, extracted once (the lookups below run per mention)."""
        return self.paragraphs["start"].to_numpy(dtype=np.int64)

    @functools.cached_property
    def _sentence_starts_ids(self) -> tuple[np.ndarray, np.ndarray]:
        """Sentence start offsets and ids, extracted once."""
        return (
            self.sentences["start"].to_numpy(dtype=np.int64),
            self.sentences["sentence_id"].to_numpy(dtype=np.int64),
        )

    def paragraph_at(self, offset: int) -> int:
        """Return the index (row) of the paragraph holding a clean offset."""
        return _containing(self._paragraph_starts, offset)

    def sentence_at(self, offset: int) -> int:
        """Return the id of the sentence holding a clean offset."""
        starts, ids = self._sentence_starts_ids
        return int(ids[_containing(starts, offset)])


def _containing(starts: np.ndarray, offset: int) -> int:
    """Return the row of the last span starting at or before ``offset`` (0 if none)."""
    return max(int(np.searchsorted(starts, offset, side="right")) - 1, 0)


def locate(spans: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """Add the contract's position columns to a frame of clean-text spans.

    Args:
        spans: A frame with integer ``start`` and ``end`` columns indexing clean.txt.
        layout: The chapter's layout (sentences required).

    Returns:
        A copy of ``spans`` with ``raw_start, raw_end, sentence_id, paragraph_id, page,
        section`` added (the ``tables.POSITION_FIELDS``).
    """
    out = spans.copy()
    starts = out["start"].astype(int).tolist()
    ends = out["end"].astype(int).tolist()
    raw = [layout.raw_span(s, e) for s, e in zip(starts, ends, strict=True)]
    para_rows = [layout.paragraph_at(s) for s in starts]
    out["raw_start"] = [r[0] for r in raw]
    out["raw_end"] = [r[1] for r in raw]
    out["sentence_id"] = [layout.sentence_at(s) for s in starts]
    out["paragraph_id"] = [int(layout.paragraphs["paragraph_id"].iloc[r]) for r in para_rows]
    out["page"] = pd.array([layout.page_at(s) for s in starts], dtype="Int32")
    out["section"] = [layout.paragraphs["section"].iloc[r] for r in para_rows]
    return out
