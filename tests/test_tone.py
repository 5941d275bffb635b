"""Tests for leaderlens.tone: corpus tone aggregates and evidence passages (hand-built tables)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from leaderlens import tables, tone

TEXT = "Rykov was brave. Tomsky was cruel to Rykov. Rykov said 'Tomsky is vile'. Tomsky left."
SENTENCE_BOUNDS = [(m.start(), m.end()) for m in re.finditer(r"\S[^.]*\.", TEXT)]


def sentences_frame() -> pd.DataFrame:
    """SENTENCES rows for TEXT (one paragraph, page 10, section 'One' then 'Two')."""
    rows = [
        {
            "sentence_id": i,
            "start": a,
            "end": b,
            "paragraph_id": 0,
            "page": 10,
            "section": "One" if i < 2 else "Two",
        }
        for i, (a, b) in enumerate(SENTENCE_BOUNDS)
    ]
    return pd.DataFrame(rows, columns=tables.SENTENCES.columns)


# (leader, nth occurrence of its name in TEXT, score, label, voice)
SCORED = [
    ("rykov", 0, 0.6, 1, "narration"),
    ("tomsky", 0, -0.7, -1, "narration"),
    ("rykov", 1, -0.2, 0, "narration"),
    ("rykov", 2, 0.0, 0, "reported"),
    ("tomsky", 1, -0.9, -1, "quotation"),
    ("tomsky", 2, 0.1, 0, "narration"),
]


def find(name: str, nth: int) -> int:
    """Offset of the nth occurrence of name in TEXT."""
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(name, start + 1)
    return start


def chapter_tables(chapter: str = "ch01") -> tuple[pd.DataFrame, pd.DataFrame]:
    """MENTIONS and SENTIMENT rows for TEXT."""
    mentions, sentiment = [], []
    for mention_id, (leader, nth, score, label, voice) in enumerate(SCORED):
        name = leader.capitalize()
        start = find(name, nth)
        sentence_id = next(i for i, (a, b) in enumerate(SENTENCE_BOUNDS) if a <= start < b)
        mentions.append(
            {
                "chapter": chapter,
                "mention_id": mention_id,
                "leader": leader,
                "surface": name,
                "kind": "name",
                "start": start,
                "end": start + len(name),
                "raw_start": start,
                "raw_end": start + len(name),
                "sentence_id": sentence_id,
                "paragraph_id": 0,
                "page": 10,
                "section": "One" if sentence_id < 2 else "Two",
            }
        )
        sentiment.append(
            {
                "chapter": chapter,
                "mention_id": mention_id,
                "leader": leader,
                "score": score,
                "label": label,
                "context_start": start,
                "context_end": start + len(name),
                "method": "test",
                "voice": voice,
                "speaker": "rykov" if voice == "quotation" else None,
            }
        )
    return (
        pd.DataFrame(mentions, columns=tables.MENTIONS.columns),
        pd.DataFrame(sentiment, columns=tables.SENTIMENT.columns),
    )


def build(**options: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run build_tone on the one-chapter corpus."""
    mentions, sentiment = chapter_tables()
    return tone.build_tone(
        [mentions], [sentiment], {"ch01": sentences_frame()}, {"ch01": TEXT}, **options
    )


def test_tone_levels_and_voices() -> None:
    result, _ = build(n_boot=200)
    corpus = result[(result["level"] == "corpus") & (result["voices"] == "all")]
    tomsky = corpus.set_index("leader").loc["tomsky"]
    assert tomsky["n"] == 3
    assert tomsky["mean"] == pytest.approx((-0.7 - 0.9 + 0.1) / 3)
    assert tomsky["share_negative"] == pytest.approx(2 / 3)
    assert tomsky["low"] <= tomsky["mean"] <= tomsky["high"]
    narration = result[(result["level"] == "corpus") & (result["voices"] == "narration")]
    assert narration.set_index("leader").loc["tomsky", "n"] == 2  # the quotation is left out
    assert narration.set_index("leader").loc["rykov", "n"] == 2  # so is reported speech
    sections = result[(result["level"] == "section") & (result["voices"] == "all")]
    assert sorted(zip(sections["leader"], sections["section"], strict=True)) == [
        ("rykov", "One"),
        ("rykov", "Two"),
        ("tomsky", "One"),
        ("tomsky", "Two"),
    ]
    assert result[result["level"] == "corpus"]["chapter"].isna().all()
    tables.to_arrow(result, tables.TONE)  # casts to the contract


def test_single_mention_has_no_interval() -> None:
    result, _ = build(n_boot=200)
    row = result[
        (result["level"] == "section")
        & (result["leader"] == "tomsky")
        & (result["section"] == "One")
        & (result["voices"] == "all")
    ].iloc[0]
    assert row["n"] == 1 and pd.isna(row["low"]) and pd.isna(row["high"])


def test_tone_is_deterministic_and_seeded() -> None:
    first, _ = build(n_boot=300, seed=1)
    second, _ = build(n_boot=300, seed=1)
    other, _ = build(n_boot=300, seed=2)
    pd.testing.assert_frame_equal(first, second)
    assert not first["low"].fillna(0).equals(other["low"].fillna(0))


def test_evidence_picks_the_extremes_with_offsets() -> None:
    _, evidence = build(k=1)
    tables.to_arrow(evidence, tables.EVIDENCE)
    tomsky = evidence[evidence["leader"] == "tomsky"].set_index("polarity")
    assert list(tomsky.index) == ["negative"]  # no positive-labelled Tomsky mention
    worst = tomsky.loc["negative"]
    assert worst["score"] == pytest.approx(-0.9)
    assert worst["voice"] == "quotation" and worst["speaker"] == "rykov"
    assert worst["sentence"] == "Rykov said 'Tomsky is vile'."
    assert worst["sentence"][worst["target_start"] : worst["target_end"]] == "Tomsky"
    assert (worst["page"], worst["section"], worst["rank"]) == (10, "Two", 1)
    rykov = evidence[evidence["leader"] == "rykov"]
    assert rykov["polarity"].tolist() == ["positive"]
    assert rykov["sentence"].iloc[0] == "Rykov was brave."


def test_evidence_ranks_and_uses_a_sentence_once() -> None:
    _, evidence = build(k=5)
    tomsky = evidence[(evidence["leader"] == "tomsky") & (evidence["polarity"] == "negative")]
    assert tomsky["rank"].tolist() == [1, 2]
    assert tomsky["score"].tolist() == pytest.approx([-0.9, -0.7])
    assert not tomsky.duplicated(["chapter", "sentence_id"]).any()


def test_empty_corpus_gives_empty_typed_tables(caplog) -> None:
    with caplog.at_level("WARNING"):
        result, evidence = tone.build_tone(
            [tables.empty_frame(tables.MENTIONS)],
            [tables.empty_frame(tables.SENTIMENT)],
            {"ch01": tables.empty_frame(tables.SENTENCES)},
            {"ch01": ""},
        )
    assert result.empty and list(result.columns) == tables.TONE.columns
    assert evidence.empty and list(evidence.columns) == tables.EVIDENCE.columns
    assert "no scored mentions" in caplog.text


def test_bad_k_and_missing_text_raise() -> None:
    mentions, sentiment = chapter_tables()
    with pytest.raises(ValueError, match="evidence_per_leader"):
        tone.build_tone([mentions], [sentiment], {"ch01": sentences_frame()}, {"ch01": TEXT}, k=0)
    with pytest.raises(ValueError, match="'ch01'.*no clean text"):
        tone.build_tone([mentions], [sentiment], {"ch01": sentences_frame()}, {})
