"""Tests for leaderlens.cooccurrence: every number below is worked out by hand."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from leaderlens.cooccurrence import (
    assign_windows,
    benjamini_hochberg,
    chi2_sf_1df,
    cooccurrence_table,
    fisher_greater,
    pair_statistics,
    section_cooccurrence,
    section_unit_counts,
    token_spans,
    token_windows,
    unit_counts,
)
from leaderlens.tables import (
    COOCCURRENCE,
    COOCCURRENCE_SECTIONS,
    MENTIONS,
    SENTIMENT,
    WINDOWS,
    read_table,
    write_table,
)


def make_mentions(rows: list[tuple]) -> pd.DataFrame:
    """Build MENTIONS rows from (chapter, leader, sentence_id, paragraph_id, page) tuples."""
    records = []
    for mention_id, (chapter, leader, sentence_id, paragraph_id, page) in enumerate(rows):
        records.append(
            {
                "chapter": chapter,
                "mention_id": mention_id,
                "leader": leader,
                "surface": leader.title(),
                "kind": "name",
                "start": 10 * mention_id,
                "end": 10 * mention_id + 5,
                "raw_start": 10 * mention_id,
                "raw_end": 10 * mention_id + 5,
                "sentence_id": sentence_id,
                "paragraph_id": paragraph_id,
                "page": page,
                "section": None,
            }
        )
    frame = pd.DataFrame(records, columns=MENTIONS.columns)
    frame["page"] = pd.array(frame["page"].tolist(), dtype="Int32")
    if "confidence" in frame.columns:  # appended to MENTIONS by the mentions stage
        frame["confidence"] = 1.0
    return frame


def make_sentiment(mentions: pd.DataFrame, scores: list[float]) -> pd.DataFrame:
    """Build SENTIMENT rows giving mention i the score scores[i]."""
    return pd.DataFrame(
        {
            "chapter": mentions["chapter"],
            "mention_id": mentions["mention_id"],
            "leader": mentions["leader"],
            "score": scores,
            "label": [int(np.sign(s)) for s in scores],
            "context_start": 0,
            "context_end": 1,
            "method": "test",
        },
        columns=SENTIMENT.columns,
    )


NO_SENTIMENT = pd.DataFrame(columns=SENTIMENT.columns)


def row(table: pd.DataFrame, scope: str, a: str, b: str) -> pd.Series:
    """Return the one row of a pair in a scope."""
    hit = table[(table["scope"] == scope) & (table["leader_a"] == a) & (table["leader_b"] == b)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# --- pair_statistics -----------------------------------------------------------------------

# N = 10 units, A in 4, B in 3, both in 2. The 2x2 table (observed / expected):
#            B            not B
#   A        2 / 1.2      2 / 2.8      (row 4)
#   not A    1 / 1.8      5 / 4.2      (row 6)
#           (col 3)      (col 7)
# expected n_ab = 4 * 3 / 10 = 1.2
# pmi  = log2(2 * 10 / (4 * 3)) = log2(5/3) = 0.736966
# npmi = pmi / -log2(2/10) = 0.736966 / 2.321928 = 0.317394
# G2   = 2 * (2 ln(2/1.2) + 2 ln(2/2.8) + 1 ln(1/1.8) + 5 ln(5/4.2))
#      = 2 * (1.021651 - 0.672944 - 0.587787 + 0.871767) = 1.265374
# Expected cells 1.2, 1.8, 2.8 < 5, so Fisher's exact test, one-sided "greater":
# X = n_ab ~ Hypergeometric(N=10, K=4, n=3); P(X >= 2) = [C(4,2)C(6,1) + C(4,3)C(6,0)] / C(10,3)
#      = (6*6 + 4*1) / 120 = 40/120 = 1/3
HAND_G2 = 2 * (
    2 * math.log(2 / 1.2) + 2 * math.log(2 / 2.8) + 1 * math.log(1 / 1.8) + 5 * math.log(5 / 4.2)
)
HAND_FISHER = (math.comb(4, 2) * math.comb(6, 1) + math.comb(4, 3) * math.comb(6, 0)) / math.comb(
    10, 3
)


def test_pair_statistics_small_table_by_hand():
    stats = pair_statistics(2, 4, 3, 10)
    assert stats["expected"] == pytest.approx(1.2)
    assert stats["pmi"] == pytest.approx(math.log2(5 / 3))
    assert stats["pmi"] == pytest.approx(0.736966, abs=1e-6)
    assert stats["npmi"] == pytest.approx(0.317394, abs=1e-6)
    assert stats["llr"] == pytest.approx(HAND_G2)
    assert stats["llr"] == pytest.approx(1.265374, abs=1e-6)
    assert math.isclose(HAND_FISHER, 1 / 3)
    assert stats["p_value"] == pytest.approx(HAND_FISHER)


# N = 100, A in 40, B in 30: expected cells 12, 28, 18, 42 are all >= 5, so the p-value is
# the chi2(1) survival of G2, halved. chi2(1).sf(x) = erfc(sqrt(x / 2)).
# Over-represented, n_ab = 20: cells 20, 20, 10, 50;
#   G2 = 2 (20 ln(20/12) + 20 ln(20/28) + 10 ln(10/18) + 50 ln(50/42)); p = erfc(sqrt(G2/2)) / 2
# Under-represented, n_ab = 5: cells 5, 35, 25, 35; p = 1 - erfc(sqrt(G2/2)) / 2
def test_pair_statistics_large_table_uses_g2_one_sided():
    g2_over = 2 * (
        20 * math.log(20 / 12)
        + 20 * math.log(20 / 28)
        + 10 * math.log(10 / 18)
        + 50 * math.log(50 / 42)
    )
    over = pair_statistics(20, 40, 30, 100)
    assert over["expected"] == pytest.approx(12.0)
    assert over["llr"] == pytest.approx(g2_over)
    assert over["p_value"] == pytest.approx(math.erfc(math.sqrt(g2_over / 2)) / 2)
    assert over["p_value"] < 0.01

    g2_under = 2 * (
        5 * math.log(5 / 12)
        + 35 * math.log(35 / 28)
        + 25 * math.log(25 / 18)
        + 35 * math.log(35 / 42)
    )
    under = pair_statistics(5, 40, 30, 100)
    assert under["llr"] == pytest.approx(g2_under)
    assert under["p_value"] == pytest.approx(1 - math.erfc(math.sqrt(g2_under / 2)) / 2)
    assert under["p_value"] > 0.99
    assert under["pmi"] < 0 < over["pmi"]


def test_pair_statistics_edge_cases():
    # Both leaders in every unit: pmi = log2(3*3/(3*3)) = 0, npmi defined as 1.
    full = pair_statistics(3, 3, 3, 3)
    assert full["pmi"] == 0.0
    assert full["npmi"] == 1.0
    assert full["llr"] == 0.0
    assert full["p_value"] == pytest.approx(1.0)
    # Never together.
    apart = pair_statistics(0, 2, 2, 10)
    assert apart["pmi"] == -math.inf
    assert apart["npmi"] == -1.0
    with pytest.raises(ValueError, match="n_ab=3"):
        pair_statistics(3, 2, 4, 10)
    with pytest.raises(ValueError, match="2x2"):
        pair_statistics(1, 6, 6, 10)  # A and B together would need 11 units


# --- benjamini_hochberg -----------------------------------------------------------------------


def test_benjamini_hochberg_known_vector():
    # m = 4; sorted 0.01, 0.03, 0.04, 0.2 -> p*m/rank = 0.04, 0.06, 0.05333, 0.2;
    # running minimum from the top: 0.04, 0.05333, 0.05333, 0.2; back in input order:
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2]))
    np.testing.assert_allclose(q, [0.04, 0.16 / 3, 0.16 / 3, 0.2])


def test_benjamini_hochberg_caps_at_one_and_handles_empty():
    # 0.5*3/1 = 1.5, 0.9*3/2 = 1.35, 1.0*3/3 = 1.0 -> all 1.0
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.5, 0.9, 1.0])), [1.0, 1.0, 1.0])
    assert benjamini_hochberg(np.array([])).size == 0
    with pytest.raises(ValueError, match="p-values"):
        benjamini_hochberg(np.array([0.1, np.nan]))


# --- unit_counts --------------------------------------------------------------------------


def test_unit_counts_ignores_unknown_pages():
    sentences = pd.DataFrame({"sentence_id": [0, 1, 2], "paragraph_id": [0, 0, 1]})
    paragraphs = pd.DataFrame({"paragraph_id": [0, 1]})
    pages = [-1, -1, None, 256, 256, 257, float("nan"), pd.NA]
    assert unit_counts(sentences, paragraphs, pages) == {"sentence": 3, "paragraph": 2, "page": 2}


# --- cooccurrence_table -------------------------------------------------------------------


def hand_example() -> tuple[pd.DataFrame, pd.DataFrame]:
    """10 sentences: A in 0-3 (twice in 0), B in 0, 1, 4; both in 0 and 1; C with A in 2."""
    rows = [
        ("ch", "a", 0, 0, 1),
        ("ch", "a", 0, 0, 1),  # repeated mention: the pair still counts once in sentence 0
        ("ch", "b", 0, 0, 1),
        ("ch", "a", 1, 0, 1),
        ("ch", "b", 1, 0, 1),
        ("ch", "a", 2, 1, 2),
        ("ch", "c", 2, 1, 2),
        ("ch", "a", 3, 1, None),
        ("ch", "b", 4, 2, None),
    ]
    mentions = make_mentions(rows)
    sentiment = make_sentiment(mentions, [0.5, 0.3, -0.2, 0.1, 0.4, -0.9, 0.8, 0.7, 0.6])
    return mentions, sentiment


N_UNITS = {"sentence": 10, "paragraph": 5, "page": 3}


def test_cooccurrence_hand_example_sentence_scope():
    mentions, sentiment = hand_example()
    table = cooccurrence_table(mentions, sentiment, N_UNITS, chapter="ch", scopes=["sentence"])
    ab = row(table, "sentence", "a", "b")
    assert (ab["n_ab"], ab["n_a"], ab["n_b"], ab["n_units"]) == (2, 4, 3, 10)
    assert ab["expected"] == pytest.approx(1.2)
    assert ab["pmi"] == pytest.approx(math.log2(5 / 3))
    assert ab["llr"] == pytest.approx(HAND_G2)
    assert ab["p_value"] == pytest.approx(1 / 3)
    # tone: all mentions of a or b in sentences 0 and 1: (0.5 + 0.3 - 0.2 + 0.1 + 0.4) / 5
    assert ab["tone"] == pytest.approx(1.1 / 5)
    ac = row(table, "sentence", "a", "c")
    assert (ac["n_ab"], ac["n_a"], ac["n_b"]) == (1, 4, 1)
    # tone of (a, c): sentence 2 only: (-0.9 + 0.8) / 2
    assert ac["tone"] == pytest.approx(-0.05)
    # q over the two sentence pairs: p(a,c) = P(X >= 1), X ~ Hyp(10, 4, 1) = 4/10
    # sorted 1/3, 0.4 -> 1/3*2/1 = 2/3, 0.4*2/2 = 0.4 -> running min from the top: 0.4, 0.4
    assert ac["p_value"] == pytest.approx(0.4)
    assert table["q_value"].tolist() == pytest.approx([0.4, 0.4])
    assert list(table.columns) == COOCCURRENCE.columns
    assert len(table) == 2  # no (b, c) pair, no self pairs


def test_cooccurrence_paragraph_and_page_scopes():
    mentions, sentiment = hand_example()
    table = cooccurrence_table(mentions, sentiment, N_UNITS, chapter="ch")
    assert sorted(table["scope"].unique()) == ["page", "paragraph", "sentence"]
    # Paragraphs: a in {0, 1}, b in {0, 2}, c in {1}; pairs (a,b) in 0, (a,c) in 1.
    ab = row(table, "paragraph", "a", "b")
    assert (ab["n_ab"], ab["n_a"], ab["n_b"], ab["n_units"]) == (1, 2, 2, 5)
    # Pages: the mentions with a null page are left out: a in {1, 2}, b in {1}, c in {2}.
    page_ab = row(table, "page", "a", "b")
    assert (page_ab["n_ab"], page_ab["n_a"], page_ab["n_b"], page_ab["n_units"]) == (1, 2, 1, 3)
    # tone on page 1: mentions 0-4: (0.5 + 0.3 - 0.2 + 0.1 + 0.4) / 5
    assert page_ab["tone"] == pytest.approx(0.22)
    # Sorted by the contract key.
    keys = list(zip(table["scope"], table["leader_a"], table["leader_b"], strict=True))
    assert keys == sorted(keys)


def test_pairs_are_ordered_and_never_self():
    mentions = make_mentions(
        [("ch", "stalin", 0, 0, 1), ("ch", "stalin", 0, 0, 1), ("ch", "lenin", 0, 0, 1)]
    )
    table = cooccurrence_table(
        mentions, NO_SENTIMENT, {"sentence": 1, "paragraph": 1, "page": 1}, chapter="ch"
    )
    assert set(zip(table["leader_a"], table["leader_b"], strict=True)) == {("lenin", "stalin")}
    assert table["n_ab"].tolist() == [1, 1, 1]
    assert table["tone"].isna().all()  # no sentiment rows


def test_only_self_pairs_give_empty_typed_table(caplog):
    mentions = make_mentions([("ch", "a", 0, 0, 1), ("ch", "a", 0, 0, 1)])
    with caplog.at_level(logging.WARNING):
        table = cooccurrence_table(mentions, NO_SENTIMENT, N_UNITS, chapter="ch")
    assert table.empty
    assert list(table.columns) == COOCCURRENCE.columns
    assert "no leader pair" in caplog.text


def test_min_count_filters_before_q():
    # Sentences: (a,b) share 0, 1; (a,c) share 2; (b,c) share 3.
    mentions = make_mentions(
        [
            ("ch", "a", 0, 0, 1),
            ("ch", "b", 0, 0, 1),
            ("ch", "a", 1, 0, 1),
            ("ch", "b", 1, 0, 1),
            ("ch", "a", 2, 0, 1),
            ("ch", "c", 2, 0, 1),
            ("ch", "b", 3, 0, 1),
            ("ch", "c", 3, 0, 1),
        ]
    )
    n_units = {"sentence": 20, "paragraph": 1, "page": 1}
    everything = cooccurrence_table(
        mentions, NO_SENTIMENT, n_units, chapter="ch", scopes=["sentence"]
    )
    assert len(everything) == 3
    kept = cooccurrence_table(
        mentions, NO_SENTIMENT, n_units, chapter="ch", scopes=["sentence"], min_count=2
    )
    assert kept[["leader_a", "leader_b", "n_ab"]].values.tolist() == [["a", "b", 2]]
    # One pair left, so its q equals its p (BH over one test).
    assert kept["q_value"].iloc[0] == pytest.approx(kept["p_value"].iloc[0])
    assert kept["q_value"].iloc[0] < everything["q_value"].iloc[0]


def test_pooled_corpus_counts_across_chapters():
    # Sentence 0 exists in both chapters: the units are (chapter, sentence_id), so two units.
    mentions = make_mentions(
        [
            ("c1", "a", 0, 0, 1),
            ("c1", "b", 0, 0, 1),
            ("c1", "a", 1, 0, 1),
            ("c2", "a", 0, 0, 9),
            ("c2", "b", 0, 0, 9),
        ]
    )
    mentions["mention_id"] = [0, 1, 2, 0, 1]
    sentiment = make_sentiment(mentions, [0.2, 0.4, 0.9, -0.6, 0.0])
    pooled_units = {"sentence": 4 + 6, "paragraph": 2 + 3, "page": 1 + 1}
    table = cooccurrence_table(mentions, sentiment, pooled_units, chapter="corpus")
    assert set(table["chapter"]) == {"corpus"}
    ab = row(table, "sentence", "a", "b")
    assert (ab["n_ab"], ab["n_a"], ab["n_b"], ab["n_units"]) == (2, 3, 2, 10)
    # scores joined by (chapter, mention_id): (0.2 + 0.4 - 0.6 + 0.0) / 4
    assert ab["tone"] == pytest.approx(0.0)
    page = row(table, "page", "a", "b")
    assert (page["n_ab"], page["n_a"], page["n_b"], page["n_units"]) == (2, 2, 2, 2)
    assert page["npmi"] == 1.0


def test_bad_arguments_raise_clear_errors():
    mentions, sentiment = hand_example()
    with pytest.raises(ValueError, match="unknown co-occurrence scopes"):
        cooccurrence_table(mentions, sentiment, N_UNITS, chapter="ch", scopes=["chapter"])
    with pytest.raises(ValueError, match="n_units is 3"):
        cooccurrence_table(mentions, sentiment, {**N_UNITS, "sentence": 3}, chapter="ch")
    with pytest.raises(ValueError, match="no count for scopes"):
        cooccurrence_table(mentions, sentiment, {"sentence": 10}, chapter="ch")
    with pytest.raises(ValueError, match="min_count"):
        cooccurrence_table(mentions, sentiment, N_UNITS, chapter="ch", min_count=0)


def test_empty_mentions_give_empty_typed_table(caplog, tmp_path):
    with caplog.at_level(logging.WARNING):
        table = cooccurrence_table(
            pd.DataFrame(columns=MENTIONS.columns), NO_SENTIMENT, N_UNITS, chapter="ch"
        )
    assert table.empty
    assert list(table.columns) == COOCCURRENCE.columns
    assert "no mentions" in caplog.text
    write_table(table, tmp_path / "empty.parquet", COOCCURRENCE)
    assert read_table(tmp_path / "empty.parquet", COOCCURRENCE).empty


def test_table_round_trips_through_the_contract(tmp_path):
    mentions, sentiment = hand_example()
    table = cooccurrence_table(mentions, sentiment, N_UNITS, chapter="ch")
    path = tmp_path / "cooccurrence.parquet"
    write_table(table, path, COOCCURRENCE)
    back = read_table(path, COOCCURRENCE)
    assert back["n_ab"].tolist() == table["n_ab"].tolist()
    np.testing.assert_allclose(back["llr"], table["llr"])
    first = path.read_bytes()
    write_table(cooccurrence_table(mentions, sentiment, N_UNITS, chapter="ch"), path, COOCCURRENCE)
    assert path.read_bytes() == first


# --- tone in both directions ----------------------------------------------------------------


def test_tone_of_each_member_in_the_shared_units():
    mentions, sentiment = hand_example()
    table = cooccurrence_table(mentions, sentiment, N_UNITS, chapter="ch", scopes=["sentence"])
    ab = row(table, "sentence", "a", "b")
    # Shared sentences 0 and 1: a's own mentions 0.5, 0.3 (sentence 0) and 0.1 (sentence 1);
    # b's own mentions -0.2 and 0.4.
    assert ab["tone_a"] == pytest.approx(0.9 / 3)
    assert ab["tone_b"] == pytest.approx(0.2 / 2)
    assert (ab["n_tone_a"], ab["n_tone_b"]) == (3, 2)
    ac = row(table, "sentence", "a", "c")
    assert (ac["tone_a"], ac["tone_b"]) == pytest.approx((-0.9, 0.8))
    assert (ac["n_tone_a"], ac["n_tone_b"]) == (1, 1)
    unscored = cooccurrence_table(mentions, NO_SENTIMENT, N_UNITS, chapter="ch")
    assert unscored["tone_a"].isna().all() and unscored["tone_b"].isna().all()
    assert (unscored["n_tone_a"] == 0).all() and (unscored["n_tone_b"] == 0).all()


# --- token windows ---------------------------------------------------------------------------

PARAGRAPHS = pd.DataFrame(
    {
        "paragraph_id": [0, 1],
        "start": [0, 22],
        "end": [20, 40],
        "section_id": [0, 0],
        "section": ["S", "S"],
    }
)
# Five tokens in paragraph 0, three in paragraph 1.
SPANS = [(0, 3), (4, 7), (8, 11), (12, 15), (16, 19), (22, 25), (26, 29), (30, 33)]


def test_token_windows_restart_at_each_paragraph():
    windows = token_windows(SPANS, PARAGRAPHS, size=2, chapter="ch")
    assert list(windows.columns) == WINDOWS.columns
    # Paragraph 0: tokens 0-1, 2-3, 4; paragraph 1: tokens 5-6, 7.
    assert windows["window_id"].tolist() == [0, 1, 2, 3, 4]
    assert windows["paragraph_id"].tolist() == [0, 0, 0, 1, 1]
    assert windows["start"].tolist() == [0, 8, 16, 22, 30]
    assert windows["end"].tolist() == [7, 15, 19, 29, 33]
    assert windows["n_tokens"].tolist() == [2, 2, 1, 2, 1]
    assert len(token_windows(SPANS, PARAGRAPHS, size=100, chapter="ch")) == 2
    with pytest.raises(ValueError, match="window size"):
        token_windows(SPANS, PARAGRAPHS, size=0, chapter="ch")


def test_token_spans_skip_whitespace_tokens():
    import spacy

    doc = spacy.blank("en")("Lenin spoke.\n\nStalin left.")
    assert token_spans(doc) == [(0, 5), (6, 11), (11, 12), (14, 20), (21, 25), (25, 26)]


def test_assign_windows_by_first_character():
    windows = token_windows(SPANS, PARAGRAPHS, size=2, chapter="ch")
    mentions = make_mentions([("ch", "a", 0, 0, 1)] * 4 + [("other", "a", 0, 0, 1)])
    # Starts 8 (window 1), 16 (window 2), 23 (inside a token of window 3), 0 (window 0);
    # the other chapter has no windows.
    mentions["start"] = [8, 16, 23, 0, 8]
    assert assign_windows(mentions, windows).tolist() == [1, 2, 3, 0, pd.NA]


def window_example() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four 10-character windows: a and b share windows 0 and 3; a alone in 1, b in 2."""
    windows = pd.DataFrame(
        {
            "chapter": "ch",
            "window_id": [0, 1, 2, 3],
            "paragraph_id": [0, 0, 1, 1],
            "start": [0, 10, 20, 30],
            "end": [9, 19, 29, 39],
            "n_tokens": 3,
        }
    )
    mentions = make_mentions([("ch", leader, 0, 0, 1) for leader in "ababab"])
    mentions["start"] = [0, 5, 12, 25, 31, 35]
    return mentions, windows


def test_window_scope_counts_once_per_window():
    mentions, windows = window_example()
    n_units = {"window": 4}
    table = cooccurrence_table(
        mentions, NO_SENTIMENT, n_units, chapter="ch", scopes=["window"], windows=windows
    )
    ab = row(table, "window", "a", "b")
    # a in windows 0, 1, 3; b in 0, 2, 3; both in 0 and 3; N = 4.
    assert (ab["n_ab"], ab["n_a"], ab["n_b"], ab["n_units"]) == (2, 3, 3, 4)
    assert ab["expected"] == pytest.approx(9 / 4)
    assert ab["pmi"] == pytest.approx(math.log2(8 / 9))
    assert unit_counts(pd.DataFrame({"sentence_id": []}), PARAGRAPHS, [], windows) == {
        "sentence": 0,
        "paragraph": 2,
        "page": 0,
        "window": 4,
    }
    with pytest.raises(ValueError, match="token windows"):
        cooccurrence_table(mentions, NO_SENTIMENT, n_units, chapter="ch", scopes=["window"])


# --- per section ----------------------------------------------------------------------------


def section_layout() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paragraphs 0-1 in section 0 ("FIRST"), 2 in section 1; two sentences per paragraph."""
    paragraphs = pd.DataFrame(
        {
            "paragraph_id": [0, 1, 2],
            "start": [0, 100, 200],
            "end": [90, 190, 290],
            "section_id": [0, 0, 1],
            "section": ["FIRST", "FIRST", "SECOND"],
        }
    )
    sentences = pd.DataFrame({"sentence_id": range(6), "paragraph_id": [0, 0, 1, 1, 2, 2]})
    return paragraphs, sentences


def test_section_unit_counts():
    paragraphs, sentences = section_layout()
    windows = pd.DataFrame({"window_id": [0, 1, 2], "paragraph_id": [0, 2, 2]})
    assert section_unit_counts(sentences, paragraphs, windows) == {
        0: {"sentence": 4, "paragraph": 2, "window": 1},
        1: {"sentence": 2, "paragraph": 1, "window": 2},
    }


def test_section_cooccurrence_by_hand():
    mentions, sentiment = hand_example()
    paragraphs, sentences = section_layout()
    units = section_unit_counts(sentences, paragraphs)
    table = section_cooccurrence(
        mentions,
        sentiment,
        paragraphs,
        units,
        chapter="ch",
        scopes=["sentence", "paragraph", "page"],
    )
    assert list(table.columns) == COOCCURRENCE_SECTIONS.columns
    assert set(table["scope"]) == {"sentence", "paragraph"}  # pages straddle sections
    assert set(table["section_id"]) == {0}  # section 1 holds b alone (sentence 4)
    assert set(table["section"]) == {"FIRST"}
    first = table[table["scope"] == "sentence"].set_index(["leader_a", "leader_b"])
    # Section 0, N = 4 sentences: a in 0-3, b in 0-1, c in 2.
    ab = first.loc[("a", "b")]
    assert (ab["n_ab"], ab["n_a"], ab["n_b"], ab["n_units"]) == (2, 4, 2, 4)
    assert ab["pmi"] == pytest.approx(0.0)  # log2(2 * 4 / (4 * 2))
    # a is in every sentence: P(X >= 2), X ~ Hyp(N=4, K=4, n=2) = 1, so p = q = 1.
    assert ab["p_value"] == pytest.approx(1.0) and ab["q_value"] == pytest.approx(1.0)
    assert ab["tone_a"] == pytest.approx(0.3) and ab["tone_b"] == pytest.approx(0.1)
    paragraph = table[table["scope"] == "paragraph"].set_index(["leader_a", "leader_b"])
    # Paragraphs 0 and 1: a in both, b in 0, c in 1.
    assert tuple(paragraph.loc[("a", "b"), ["n_ab", "n_a", "n_b", "n_units"]]) == (1, 2, 1, 2)


def test_section_cooccurrence_empty_and_missing_windows():
    paragraphs, sentences = section_layout()
    units = section_unit_counts(sentences, paragraphs)
    empty = section_cooccurrence(
        pd.DataFrame(columns=MENTIONS.columns),
        NO_SENTIMENT,
        paragraphs,
        units,
        chapter="ch",
        scopes=["sentence"],
    )
    assert empty.empty and list(empty.columns) == COOCCURRENCE_SECTIONS.columns
    mentions, sentiment = hand_example()
    with pytest.raises(ValueError, match="no count for scopes"):
        section_cooccurrence(mentions, sentiment, paragraphs, units, chapter="ch")


@pytest.mark.parametrize("n_units", [4, 10, 57, 400, 5000])
def test_fisher_and_chi2_agree_with_scipy(n_units: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(n_units)
    for _ in range(200):
        n_a, n_b = (int(v) for v in rng.integers(0, n_units + 1, size=2))
        n_ab = int(rng.integers(max(0, n_a + n_b - n_units), min(n_a, n_b) + 1))
        table = [[n_ab, n_a - n_ab], [n_b - n_ab, n_units - n_a - n_b + n_ab]]
        expected = stats.fisher_exact(table, alternative="greater").pvalue
        assert fisher_greater(n_ab, n_a, n_b, n_units) == pytest.approx(expected, rel=1e-9)
    for statistic in np.linspace(0.0, 120.0, 241):
        expected = stats.chi2.sf(statistic, df=1)
        assert chi2_sf_1df(float(statistic)) == pytest.approx(expected, rel=1e-9, abs=1e-300)


# --- who acts on whom ----------------------------------------------------------------------

ROSTER_TOKENS = {"Lenin": "lenin", "Stalin": "stalin", "Trotsky": "trotsky", "Kamenev": "kamenev"}
PRONOUNS = {"he": ("lenin", 0.8), "him": ("stalin", 0.7)}
"""Hand resolution of pronouns in the action tests: 'he' is Lenin, 'him' is Stalin."""


def action_inputs(nlp, text: str) -> tuple:
    """Parse ``text`` and build its MENTIONS and SENTENCES rows (names and he/him)."""
    from leaderlens.tables import SENTENCES

    doc = nlp(text)
    sentences = pd.DataFrame(
        [
            {
                "sentence_id": i,
                "start": sent.start_char,
                "end": sent.end_char,
                "paragraph_id": 0,
                "page": 100 + i,
                "section": "S",
            }
            for i, sent in enumerate(doc.sents)
        ],
        columns=SENTENCES.columns,
    )
    sentences["page"] = pd.array(sentences["page"].tolist(), dtype="Int32")
    sentence_of = {t.i: i for i, sent in enumerate(doc.sents) for t in sent}
    records = []
    for token in doc:
        if token.text in ROSTER_TOKENS:
            leader, kind, confidence = ROSTER_TOKENS[token.text], "name", 1.0
        elif token.lower_ in PRONOUNS:
            (leader, confidence), kind = PRONOUNS[token.lower_], "pronoun"
        else:
            continue
        records.append(
            {
                "chapter": "c",
                "mention_id": len(records),
                "leader": leader,
                "surface": token.text,
                "kind": kind,
                "start": token.idx,
                "end": token.idx + len(token.text),
                "raw_start": token.idx,
                "raw_end": token.idx + len(token.text),
                "sentence_id": sentence_of[token.i],
                "paragraph_id": 0,
                "page": 100 + sentence_of[token.i],
                "section": "S",
                "confidence": confidence,
            }
        )
    mentions = pd.DataFrame(records, columns=MENTIONS.columns)
    mentions["page"] = pd.array(mentions["page"].tolist(), dtype="Int32")
    return doc, mentions, sentences


def actions_of(nlp, text: str) -> list[tuple]:
    """Extract (actor, verb, target, negated, passive) from hand-written text."""
    from leaderlens.cooccurrence import action_table

    doc, mentions, sentences = action_inputs(nlp, text)
    table = action_table(doc, mentions, sentences, chapter="c")
    return [(r.actor, r.verb, r.target, r.negated, r.passive) for r in table.itertuples()]


def test_action_active_sentence(nlp):
    assert actions_of(nlp, "Lenin rebuked Stalin.") == [("lenin", "rebuke", "stalin", False, False)]


def test_action_passive_swaps_roles(nlp):
    assert actions_of(nlp, "Stalin was rebuked by Lenin.") == [
        ("lenin", "rebuke", "stalin", False, True)
    ]


def test_action_negated(nlp):
    assert actions_of(nlp, "Lenin did not trust Stalin.") == [
        ("lenin", "trust", "stalin", True, False)
    ]


def test_action_conjoined_objects(nlp):
    found = actions_of(nlp, "Lenin attacked Stalin and Trotsky.")
    assert sorted(found) == [
        ("lenin", "attack", "stalin", False, False),
        ("lenin", "attack", "trotsky", False, False),
    ]


def test_action_particle_and_shared_object(nlp):
    assert actions_of(nlp, "Lenin handed over Stalin to the police.")[0][:3] == (
        "lenin",
        "hand over",
        "stalin",
    )
    found = actions_of(nlp, "Trotsky criticised and dismissed Kamenev.")
    assert sorted(a[:3] for a in found) == [
        ("trotsky", "criticise", "kamenev"),
        ("trotsky", "dismiss", "kamenev"),
    ]


def test_action_not_borrowed_across_clauses(nlp):
    # textacy lends "heard" the object of "asked"; the clause of "heard" has its own object.
    found = actions_of(nlp, "Lenin heard that the war was lost, and asked Stalin for help.")
    assert [a[:3] for a in found] == [("lenin", "ask", "stalin")]


def test_no_action_with_one_leader(nlp, caplog):
    from leaderlens.cooccurrence import action_table
    from leaderlens.tables import ACTIONS

    assert actions_of(nlp, "Lenin rebuked the Politburo. The Politburo ignored Lenin.") == []
    doc, mentions, sentences = action_inputs(nlp, "Lenin rebuked the Politburo.")
    table = action_table(doc, mentions, sentences, chapter="c")
    assert table.empty and list(table.columns) == ACTIONS.columns
    with caplog.at_level(logging.WARNING):
        empty = action_table(doc, mentions.iloc[:0], sentences, chapter="c")
    assert empty.empty and list(empty.columns) == ACTIONS.columns
    assert "no mentions" in caplog.text


def test_action_pronoun_actor_carries_confidence(nlp):
    from leaderlens.cooccurrence import action_table

    doc, mentions, sentences = action_inputs(nlp, "Trotsky spoke first. Then he attacked Kamenev.")
    table = action_table(doc, mentions, sentences, chapter="c")
    assert len(table) == 1
    action = table.iloc[0]
    assert (action["actor"], action["verb"], action["target"]) == ("lenin", "attack", "kamenev")
    assert action["confidence"] == pytest.approx(0.8)
    assert action["sentence_id"] == 1 and action["page"] == 101
    text = doc.text
    assert text[action["start"] : action["end"]] == "attacked"
    sentence = action["sentence"]
    offset = action["start"] - action["sentence_start"]
    assert sentence[offset : offset + len("attacked")] == "attacked"


def test_action_prepositional_target(nlp):
    assert actions_of(nlp, "Then Lenin turned to Stalin.") == [
        ("lenin", "turn to", "stalin", False, False)
    ]
    # a topic ("about") is not a target
    assert actions_of(nlp, "Lenin talked about Stalin.") == []


def test_action_table_round_trips_and_is_deterministic(nlp, tmp_path):
    from leaderlens.cooccurrence import action_table
    from leaderlens.tables import ACTIONS

    text = "Stalin was rebuked by Lenin. Lenin attacked Stalin and Trotsky."
    doc, mentions, sentences = action_inputs(nlp, text)
    first = action_table(doc, mentions, sentences, chapter="c")
    second = action_table(doc, mentions.sample(frac=1, random_state=3), sentences, chapter="c")
    pd.testing.assert_frame_equal(first, second)
    assert first["action_id"].tolist() == [0, 1, 2]
    write_table(first, tmp_path / "actions.parquet", ACTIONS)
    back = read_table(tmp_path / "actions.parquet", ACTIONS)
    assert back["verb"].tolist() == ["rebuke", "attack", "attack"]


def test_action_relative_pronouns_and_open_complements(nlp):
    # "who"/"whom" stand for the noun the relative clause modifies
    assert actions_of(nlp, "Stalin, who distrusted Trotsky, said nothing.")[0][:3] == (
        "stalin",
        "distrust",
        "trotsky",
    )
    assert actions_of(nlp, "Trotsky, whom Lenin admired, spoke last.")[0][:3] == (
        "lenin",
        "admire",
        "trotsky",
    )
    assert actions_of(nlp, "Lenin wanted to remove Stalin.")[0][:3] == (
        "lenin",
        "want to remove",
        "stalin",
    )
