"""Tests for the OCR quality table of a cleaned chapter."""

from __future__ import annotations

import logging
import typing

import pandas as pd
import pyarrow.parquet as pq
import pytest

from leaderlens.clean import EDIT_KINDS, EditKind, clean_chapter
from leaderlens.quality import POOR_OOV_SHARE, POOR_SUSPICIOUS_PER_1000, chapter_quality
from leaderlens.tables import QUALITY, write_table

WORDS = {
    "the", "board", "met", "again", "and", "voted", "on", "grain", "levy", "in", "a", "cold",
    "hall", "men", "were", "tired", "of", "it", "they", "went", "home", "late", "said",
}  # fmt: skip
GOOD = (
    "The board met again and voted on the grain levy in a cold hall. The men were tired\n"
    "of it. They went home late in the 1920s, on the 19th, said Lenin.\n"
)
BAD = (
    "The b0ard rnet aga1n and vcted on the gra~n levy in a co|d ha11. The rnen were tlred\n"
    "of it. 'They went h0me late, said Lenin. \"The men w3re tired \ufffd {.\n"
)


def is_word(word: str) -> bool:
    """A word test over a handful of words."""
    return word.lower() in WORDS


def quality(raw: str) -> pd.DataFrame:
    """Clean a text and measure its quality."""
    chapter = clean_chapter(raw, is_word=is_word, protected=["Lenin"])
    return chapter_quality(chapter, chapter_id="ch", is_word=is_word, protected=["Lenin"])


def test_edit_kinds_match_the_table() -> None:
    assert typing.get_args(EditKind) == EDIT_KINDS
    assert [f"n_{kind}" for kind in EDIT_KINDS] == [
        column for column in QUALITY.columns if column.startswith("n_") and column[2:] in EDIT_KINDS
    ]


def test_good_text_is_not_poor() -> None:
    row = quality(GOOD).iloc[0]
    assert row["n_oov"] == 0 and row["oov_share"] == 0.0
    assert row["n_digit_in_word"] == 0  # "1920s" and "19th" are normal
    assert row["n_suspicious"] == 0 and not row["poor"] and row["poor_reason"] is None
    assert row["encoding"] == "utf-8" and row["n_words"] > row["n_lower_words"] > 0


def test_garbled_text_is_poor_with_reasons() -> None:
    row = quality(BAD).iloc[0]
    assert row["oov_share"] > POOR_OOV_SHARE
    assert row["n_digit_in_word"] >= 3  # b0ard, aga1n, h0me, w3re (ha11 has no letter+digit)
    assert row["n_broken_quote"] == 2  # an unclosed ' and an odd "
    assert row["n_stray_symbol"] == 2  # the cleaner repairs "gra~n" and "co|d", not these
    assert row["suspicious_per_1000"] > POOR_SUSPICIOUS_PER_1000
    assert row["poor"] and "unknown words" in row["poor_reason"]
    assert "suspicious tokens" in row["poor_reason"]


def test_edit_counts_by_kind() -> None:
    raw = "The board met again.1 The men were tired.2\n"
    chapter = clean_chapter(raw, is_word=is_word)
    row = chapter_quality(chapter, chapter_id="ch", is_word=is_word).iloc[0]
    assert row["n_footnote"] == 2 and row["n_edits"] == len(chapter.edits) == 2
    assert sum(row[f"n_{kind}"] for kind in EDIT_KINDS) == row["n_edits"]


def test_roster_names_are_not_unknown() -> None:
    chapter = clean_chapter("the board met tsurupa again\n", is_word=is_word)
    plain = chapter_quality(chapter, chapter_id="ch", is_word=is_word).iloc[0]
    named = chapter_quality(chapter, chapter_id="ch", is_word=is_word, protected=["Tsurupa"])
    assert plain["n_oov"] == 1 and named.iloc[0]["n_oov"] == 0


def test_empty_chapter_gives_a_typed_row(caplog, tmp_path) -> None:
    chapter = clean_chapter("", is_word=is_word)
    with caplog.at_level(logging.WARNING, logger="leaderlens.quality"):
        frame = chapter_quality(chapter, chapter_id="empty", is_word=is_word, encoding="cp1252")
    assert "no clean text" in caplog.text
    assert list(frame.columns) == QUALITY.columns and len(frame) == 1
    assert frame.iloc[0]["n_words"] == 0 and not frame.iloc[0]["poor"]
    write_table(frame, tmp_path / "quality.parquet", QUALITY)
    table = pq.read_table(tmp_path / "quality.parquet")
    assert table.schema.equals(QUALITY.schema) and table["encoding"][0].as_py() == "cp1252"


@pytest.mark.parametrize("raw", [GOOD, BAD])
def test_quality_writes_with_the_contract_schema(raw, tmp_path) -> None:
    write_table(quality(raw), tmp_path / "q.parquet", QUALITY)
    assert pq.read_table(tmp_path / "q.parquet").schema.equals(QUALITY.schema)
