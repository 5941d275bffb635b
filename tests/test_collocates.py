"""Tests for leaderlens.collocates: counts and keyness worked out by hand."""

from __future__ import annotations

import logging
import math

import pandas as pd
import pytest
import spacy

from leaderlens.collocates import (
    excluded_words,
    keyness,
    lemma_counts,
    pool_counts,
    token_table,
)
from leaderlens.roster import Leader
from leaderlens.tables import COLLOCATES, MENTIONS, read_table, write_table


def make_tokens(lemmas: list[str], counted: list[bool]) -> pd.DataFrame:
    """Build a token table: token i spans characters [10 i, 10 i + 5)."""
    return pd.DataFrame(
        {
            "start": [10 * i for i in range(len(lemmas))],
            "end": [10 * i + 5 for i in range(len(lemmas))],
            "lemma": lemmas,
            "counted": counted,
        }
    )


def make_mentions(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """Build MENTIONS rows from (leader, start, end) tuples (other columns filler)."""
    frame = pd.DataFrame(
        [
            {
                "chapter": "ch",
                "mention_id": i,
                "leader": leader,
                "surface": leader,
                "kind": "name",
                "start": start,
                "end": end,
                "raw_start": start,
                "raw_end": end,
                "sentence_id": 0,
                "paragraph_id": 0,
                "page": None,
                "section": None,
            }
            for i, (leader, start, end) in enumerate(rows)
        ],
        columns=MENTIONS.columns,
    )
    if "confidence" in frame.columns:  # appended to MENTIONS by the mentions stage
        frame["confidence"] = 1.0
    return frame


# Tokens 0-9: x war LENIN party war y STALIN party peace peace; x and y are not counted
# (say stop words); the mention tokens 2 and 6 are marked counted to check that mentions
# are removed anyway. Window 2:
#   a (token 2) is near tokens 0, 1, 3, 4 -> war, party, war -> war 2, party 1 (near_total 3)
#   b (token 6) is near tokens 4, 5, 7, 8 -> war, party, peace     (near_total 3)
#   counted text: war (1, 4), party (3, 7), peace (8, 9) -> 2 each, 6 in all
LEMMAS = ["x", "war", "lenin", "party", "war", "y", "stalin", "party", "peace", "peace"]
COUNTED = [False, True, True, True, True, False, True, True, True, True]
MENTIONS_AB = [("a", 20, 25), ("b", 60, 65)]


def hand_counts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The near and total counts of the hand example."""
    return lemma_counts(make_tokens(LEMMAS, COUNTED), make_mentions(MENTIONS_AB), window=2)


def test_lemma_counts_by_hand():
    near, totals = hand_counts()
    assert near.values.tolist() == [
        ["a", "party", 1],
        ["a", "war", 2],
        ["b", "party", 1],
        ["b", "peace", 1],
        ["b", "war", 1],
    ]
    assert totals.values.tolist() == [["party", 2], ["peace", 2], ["war", 2]]


def test_a_token_near_two_mentions_counts_once():
    # Mentions of a at tokens 1 and 3: token 2 ("war") is near both but counts once.
    tokens = make_tokens(["x", "lenin", "war", "lenin", "y"], [True] * 5)
    near, totals = lemma_counts(tokens, make_mentions([("a", 10, 15), ("a", 30, 35)]), window=1)
    assert near.values.tolist() == [["a", "war", 1], ["a", "x", 1], ["a", "y", 1]]
    assert int(totals["n"].sum()) == 3
    with pytest.raises(ValueError, match="window"):
        lemma_counts(tokens, make_mentions([]), window=0)


# Keyness of (a, war): near_total 3, far_total 3; n_near 2, n_far 0. The 2x2 table
# (observed / expected), N = 6, row totals 2 and 4, column totals 3 and 3:
#              near      far
#   war        2 / 1     0 / 1
#   other      1 / 2     3 / 2
# G2 = 2 (2 ln 2 + 1 ln(1/2) + 3 ln(3/2)) = 2 (1.386294 - 0.693147 + 1.216395) = 3.819085
# p = chi2(1).sf(G2) / 2 = erfc(sqrt(G2 / 2)) / 2.
# (a, party): 1 of 3 near vs 1 of 3 far: not over-represented, dropped. Nothing near b is
# over-represented (every lemma 1 near, 1 far).
HAND_G2 = 2 * (2 * math.log(2) + math.log(1 / 2) + 3 * math.log(3 / 2))


def test_keyness_by_hand():
    near, totals = hand_counts()
    table = keyness(near, totals, chapter="ch")
    assert list(table.columns) == COLLOCATES.columns
    assert len(table) == 1
    war = table.iloc[0]
    assert (war["leader"], war["lemma"], war["rank"]) == ("a", "war", 1)
    assert (war["n_near"], war["n_far"], war["near_total"], war["far_total"]) == (2, 0, 3, 3)
    assert war["expected"] == pytest.approx(1.0)
    assert pytest.approx(3.819085, abs=1e-6) == HAND_G2
    assert war["llr"] == pytest.approx(HAND_G2)
    assert war["p_value"] == pytest.approx(math.erfc(math.sqrt(HAND_G2 / 2)) / 2)


def test_keyness_min_count_and_empty(caplog):
    near, totals = hand_counts()
    with caplog.at_level(logging.WARNING):
        table = keyness(near, totals, chapter="ch", min_count=3)
    assert table.empty and list(table.columns) == COLLOCATES.columns
    assert "over-represented" in caplog.text
    with pytest.raises(ValueError, match="min_count"):
        keyness(near, totals, chapter="ch", min_count=0)
    with pytest.raises(ValueError, match="exceed"):
        keyness(near, totals[totals["lemma"] != "war"], chapter="ch")


# Pooled with a second chapter without a or b whose counted text is "peace" x 4:
# totals war 2, party 2, peace 6 (N = 10); a: near_total 3, far_total 7.
#   war:   cells 2, 0, 1, 7; expected 0.6, 1.4, 2.4, 5.6
#          G2 = 2 (2 ln(2/0.6) + ln(1/2.4) + 7 ln(7/5.6)) = 6.188963
#   party: 1 of 3 near vs 1 of 7 far, now over-represented; cells 1, 1, 2, 6
#          G2 = 2 (ln(1/0.6) + ln(1/1.4) + 2 ln(2/2.4) + 6 ln(6/5.6)) = 0.447335
#   b: peace 1 of 3 near vs 5 of 7 far: under-represented; war 1 of 3 vs 1 of 7: kept.
def test_pooled_counts_by_hand():
    other = lemma_counts(make_tokens(["peace"] * 4, [True] * 4), make_mentions([]), window=2)
    near, totals = pool_counts([hand_counts(), other])
    assert totals.values.tolist() == [["party", 2], ["peace", 6], ["war", 2]]
    table = keyness(near, totals, chapter="corpus").set_index(["leader", "lemma"])
    g2_war = 2 * (2 * math.log(2 / 0.6) + math.log(1 / 2.4) + 7 * math.log(7 / 5.6))
    g2_party = 2 * (
        math.log(1 / 0.6) + math.log(1 / 1.4) + 2 * math.log(2 / 2.4) + 6 * math.log(6 / 5.6)
    )
    assert pytest.approx(6.188963, abs=1e-6) == g2_war
    assert pytest.approx(0.447335, abs=1e-6) == g2_party
    assert table.loc[("a", "war"), "llr"] == pytest.approx(g2_war)
    assert table.loc[("a", "party"), "llr"] == pytest.approx(g2_party)
    assert table.loc[("a", "war"), "rank"] == 1 and table.loc[("a", "party"), "rank"] == 2
    assert table.loc[("a", "war"), "far_total"] == 7
    assert ("b", "peace") not in table.index
    assert ("b", "war") in table.index
    top = keyness(near, totals, chapter="corpus", top=1)
    # b's party and war tie (1 of 3 near, 1 of 7 far): the lemma breaks the tie.
    assert top[["leader", "lemma"]].values.tolist() == [["a", "war"], ["b", "party"]]


def test_excluded_words_from_names_and_aliases():
    leader = Leader(
        id="lenin",
        name="Vladimir Lenin",
        gender="male",
        aliases=("Lenin", "V. I. Lenin", "Vladimir Ilich", "Ulyanov-Lenin"),
    )
    assert excluded_words([leader]) == frozenset({"vladimir", "lenin", "ilich", "ulyanov"})


def test_token_table_flags_stop_words_punctuation_numbers_and_names():
    doc = spacy.blank("en")("Lenin attacked the bureaucracy, in 1922 and\n\nthree times.")
    tokens = token_table(doc, excluded={"lenin"})
    counted = tokens.loc[tokens["counted"], "lemma"].tolist()
    assert counted == ["attacked", "bureaucracy", "times"]  # blank pipeline: lemma = form
    assert "\n\n" not in tokens["lemma"].tolist()
    assert tokens.iloc[0][["start", "end"]].tolist() == [0, 5]


def test_table_round_trips(tmp_path):
    near, totals = hand_counts()
    table = keyness(near, totals, chapter="ch")
    write_table(table, tmp_path / "collocates.parquet", COLLOCATES)
    back = read_table(tmp_path / "collocates.parquet", COLLOCATES)
    assert back["lemma"].tolist() == ["war"]
