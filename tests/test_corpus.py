"""Tests for leaderlens.corpus: combining tables, leader summary, network and centrality."""

from __future__ import annotations

import logging
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from leaderlens.corpus import (
    bootstrap_interval,
    build_corpus,
    centrality,
    chapter_row,
    combine,
    leader_summary,
    network,
    network_lists,
    scope_correlation,
    spearman,
    write_csv,
    write_graphml,
)
from leaderlens.tables import (
    CENTRALITY,
    CHAPTERS,
    COOCCURRENCE,
    LEADERS,
    MENTIONS,
    NETWORK_EDGES,
    NETWORK_NODES,
    SCOPE_CORRELATION,
    SENTIMENT,
    to_arrow,
)


def make_mentions(rows: list[tuple]) -> pd.DataFrame:
    """Build MENTIONS rows from (chapter, mention_id, leader, kind, page) tuples."""
    frame = pd.DataFrame(
        [
            {
                "chapter": chapter,
                "mention_id": mention_id,
                "leader": leader,
                "surface": leader,
                "kind": kind,
                "start": 0,
                "end": 1,
                "raw_start": 0,
                "raw_end": 1,
                "sentence_id": 0,
                "paragraph_id": 0,
                "page": page,
                "section": None,
            }
            for chapter, mention_id, leader, kind, page in rows
        ],
        columns=MENTIONS.columns,
    )
    frame["page"] = pd.array(frame["page"].tolist(), dtype="Int32")
    if "confidence" in frame.columns:  # appended to MENTIONS by the mentions stage
        frame["confidence"] = 1.0
    return frame


def make_sentiment(mentions: pd.DataFrame, scores: list[float], labels: list[int]) -> pd.DataFrame:
    """Build SENTIMENT rows for the mentions with the given scores and labels."""
    return pd.DataFrame(
        {
            "chapter": mentions["chapter"],
            "mention_id": mentions["mention_id"],
            "leader": mentions["leader"],
            "score": scores,
            "label": labels,
            "context_start": 0,
            "context_end": 1,
            "method": "test",
        },
        columns=SENTIMENT.columns,
    )


def cooc_rows(rows: list[tuple], *, chapter: str = "corpus") -> pd.DataFrame:
    """Build COOCCURRENCE rows from (scope, a, b, n_ab, npmi, llr, q_value, tone) tuples."""
    frame = pd.DataFrame(
        [
            {
                "chapter": chapter,
                "scope": scope,
                "leader_a": a,
                "leader_b": b,
                "n_ab": n_ab,
                "n_a": n_ab,
                "n_b": n_ab,
                "n_units": 100,
                "expected": 1.0,
                "pmi": 1.0,
                "npmi": npmi,
                "llr": llr,
                "p_value": q_value,
                "q_value": q_value,
                "tone": tone,
            }
            for scope, a, b, n_ab, npmi, llr, q_value, tone in rows
        ],
        columns=COOCCURRENCE.columns,
    )
    return frame


def make_leaders(ids: list[str]) -> pd.DataFrame:
    """Build LEADERS rows for ids, tone_mean missing for the last one."""
    frame = pd.DataFrame(
        {
            "leader": ids,
            "display_name": [i.upper() for i in ids],
            "n_mentions": [10 + k for k in range(len(ids))],
            "n_name": 0,
            "n_title": 0,
            "n_modifier": 0,
            "n_pronoun": 0,
            "n_chapters": 1,
            "first_page": None,
            "last_page": None,
            "tone_mean": [0.1 * k for k in range(len(ids) - 1)] + [np.nan],
            "tone_low": np.nan,
            "tone_high": np.nan,
            "share_negative": np.nan,
            "share_neutral": np.nan,
            "share_positive": np.nan,
        },
        columns=LEADERS.columns,
    )
    return to_arrow(frame, LEADERS).to_pandas()


# --- combine and chapter_row ------------------------------------------------------------


def test_combine_sorts_and_types():
    late = make_mentions([("ch2", 0, "lenin", "name", 300)])
    early = make_mentions([("ch1", 1, "stalin", "title", None), ("ch1", 0, "lenin", "name", 5)])
    combined = combine([late, make_mentions([]), early], MENTIONS)
    assert list(zip(combined["chapter"], combined["mention_id"], strict=True)) == [
        ("ch1", 0),
        ("ch1", 1),
        ("ch2", 0),
    ]
    assert str(combined["page"].dtype) == "Int32"
    assert combined["page"].isna().tolist() == [False, True, False]
    assert list(combined.columns) == MENTIONS.columns


def test_combine_nothing_gives_empty_typed_table(caplog):
    with caplog.at_level(logging.WARNING):
        combined = combine([], COOCCURRENCE)
    assert combined.empty
    assert list(combined.columns) == COOCCURRENCE.columns
    assert str(combined["n_ab"].dtype) == "Int64"
    assert "no rows" in caplog.text


def test_chapter_row_counts_known_pages():
    charmap = pd.DataFrame(
        {"raw_index": range(6), "page": pd.array([-1, -1, 256, 256, 257, None], dtype="Int32")}
    )
    result = chapter_row(
        "ch09",
        title="A title",
        text_length=6,
        charmap=charmap,
        paragraphs=pd.DataFrame({"paragraph_id": [0, 1]}),
        sentences=pd.DataFrame({"sentence_id": [0, 1, 2]}),
        mentions=make_mentions([("ch09", 0, "lenin", "name", 256)]),
        edits=pd.DataFrame({"kind": ["hyphen", "running_head", "footnote"]}),
    )
    assert list(result) == CHAPTERS.columns
    assert result == {
        "chapter": "ch09",
        "title": "A title",
        "first_page": 256,
        "last_page": 257,
        "n_chars": 6,
        "n_sentences": 3,
        "n_paragraphs": 2,
        "n_pages": 2,
        "n_mentions": 1,
        "n_edits": 3,
    }


# --- leader_summary ---------------------------------------------------------------------


def summary_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    mentions = make_mentions(
        [
            ("c1", 0, "lenin", "name", 10),
            ("c1", 1, "lenin", "title", None),
            ("c1", 2, "stalin", "name", 12),
            ("c2", 0, "lenin", "pronoun", 40),
            ("c2", 1, "lenin", "modifier", 41),
        ]
    )
    sentiment = make_sentiment(mentions, [0.5, -0.5, 0.25, 0.2, 0.8], [1, -1, 0, 0, 1])
    return mentions, sentiment


def test_leader_summary_counts_and_shares():
    mentions, sentiment = summary_inputs()
    summary = leader_summary(mentions, sentiment, {"lenin": "V. I. Lenin"}, n_boot=500)
    assert summary["leader"].tolist() == ["lenin", "stalin"]
    lenin = summary.iloc[0]
    assert lenin["display_name"] == "V. I. Lenin"
    assert summary.iloc[1]["display_name"] == "stalin"  # not in the roster: shown by id
    assert (lenin["n_mentions"], lenin["n_name"], lenin["n_title"]) == (4, 1, 1)
    assert (lenin["n_modifier"], lenin["n_pronoun"], lenin["n_chapters"]) == (1, 1, 2)
    assert (lenin["first_page"], lenin["last_page"]) == (10, 41)
    # mean of 0.5, -0.5, 0.2, 0.8 = 1.0 / 4
    assert lenin["tone_mean"] == pytest.approx(0.25)
    # labels 1, -1, 0, 1
    assert (lenin["share_negative"], lenin["share_neutral"], lenin["share_positive"]) == (
        0.25,
        0.25,
        0.5,
    )
    assert lenin["tone_low"] <= lenin["tone_mean"] <= lenin["tone_high"]
    assert lenin["tone_low"] >= -0.5 and lenin["tone_high"] <= 0.8
    stalin = summary.iloc[1]
    assert stalin["tone_mean"] == pytest.approx(0.25)
    assert pd.isna(stalin["tone_low"]) and pd.isna(stalin["tone_high"])  # one score only
    assert list(summary.columns) == LEADERS.columns


def test_leader_summary_neutral_band_relabels_scores():
    mentions, sentiment = summary_inputs()
    # lenin's scores 0.5, -0.5, 0.2, 0.8 with band 0.3 -> labels 1, -1, 0, 1
    # with band 0.6 -> 0, 0, 0, 1
    wide = leader_summary(mentions, sentiment, {}, n_boot=10, neutral_band=0.6).iloc[0]
    assert (wide["share_negative"], wide["share_neutral"], wide["share_positive"]) == (
        0.0,
        0.75,
        0.25,
    )


def test_leader_summary_is_seeded_and_per_leader():
    scores = [round(math.sin(k), 3) for k in range(25)] + [0.1, -0.3]
    mentions = make_mentions(
        [("c1", k, "lenin", "name", 1) for k in range(25)]
        + [("c1", 25, "stalin", "name", 2), ("c1", 26, "stalin", "name", 2)]
    )
    sentiment = make_sentiment(mentions, scores, [0] * 27)
    first = leader_summary(mentions, sentiment, {}, seed=3)
    again = leader_summary(mentions, sentiment, {}, seed=3)
    pd.testing.assert_frame_equal(first, again)
    other_seed = leader_summary(mentions, sentiment, {}, seed=4)
    assert other_seed.iloc[0]["tone_low"] != first.iloc[0]["tone_low"]
    only_lenin = mentions["leader"] == "lenin"
    alone = leader_summary(
        mentions[only_lenin], sentiment[sentiment["leader"] == "lenin"], {}, seed=3
    )
    assert alone.iloc[0]["tone_low"] == first.iloc[0]["tone_low"]


def test_leader_summary_without_scores_and_empty(caplog):
    mentions, _ = summary_inputs()
    summary = leader_summary(mentions, pd.DataFrame(columns=SENTIMENT.columns), {})
    assert summary["tone_mean"].isna().all()
    assert summary["share_positive"].isna().all()
    with caplog.at_level(logging.WARNING):
        empty = leader_summary(
            pd.DataFrame(columns=MENTIONS.columns), pd.DataFrame(columns=SENTIMENT.columns), {}
        )
    assert empty.empty and list(empty.columns) == LEADERS.columns
    assert "no leader mentions" in caplog.text


def test_bootstrap_interval():
    assert bootstrap_interval(np.array([0.3]), rng=np.random.default_rng(0)) is None
    constant = bootstrap_interval(np.full(5, 0.4), rng=np.random.default_rng(0))
    assert constant == pytest.approx((0.4, 0.4))
    scores = np.linspace(-1, 1, 41)
    low, high = bootstrap_interval(scores, rng=np.random.default_rng(7), n_boot=4000)
    assert bootstrap_interval(scores, rng=np.random.default_rng(7), n_boot=4000) == (low, high)
    # Standard error of the mean = sd / sqrt(n) ~ 0.5916 / 6.40 = 0.0924; 95% ~ +-0.18.
    assert low == pytest.approx(-0.18, abs=0.04)
    assert high == pytest.approx(0.18, abs=0.04)


# --- network, GraphML, centrality --------------------------------------------------------


def test_network_nodes_edges_and_filter():
    rows = cooc_rows(
        [
            ("sentence", "a", "b", 3, 0.5, 4.0, 0.01, 0.2),
            ("sentence", "b", "c", 1, -0.1, 0.3, 0.9, np.nan),
            ("paragraph", "a", "c", 2, 0.4, 2.0, 0.02, 0.1),
        ]
    )
    leaders = make_leaders(["c", "b", "a"])
    graph = network(rows, leaders, scope="sentence", weight="npmi")
    assert list(graph.nodes) == ["a", "b", "c"]
    assert graph.nodes["a"] == {"display_name": "A", "n_mentions": 12}
    assert graph.nodes["c"]["tone_mean"] == 0.0
    assert list(graph.edges) == [("a", "b"), ("b", "c")]
    assert graph.edges["a", "b"] == {
        "n_ab": 3,
        "weight": 0.5,
        "npmi": 0.5,
        "q_value": 0.01,
        "tone": 0.2,
    }
    assert "tone" not in graph.edges["b", "c"]
    strict = network(rows, leaders, scope="sentence", weight="llr", max_q=0.05)
    assert list(strict.edges(data="weight")) == [("a", "b", 4.0)]


def test_network_prefers_pooled_rows_and_rejects_mixed_chapters():
    pooled = cooc_rows([("page", "a", "b", 5, 0.5, 1.0, 0.1, 0.0)])
    per_chapter = cooc_rows([("page", "a", "c", 1, 0.5, 1.0, 0.1, 0.0)], chapter="ch1")
    other_chapter = cooc_rows([("page", "b", "c", 1, 0.5, 1.0, 0.1, 0.0)], chapter="ch2")
    leaders = make_leaders(["a", "b", "c"])
    graph = network(pd.concat([per_chapter, pooled]), leaders, scope="page", weight="n_ab")
    assert list(graph.edges(data="n_ab")) == [("a", "b", 5)]
    with pytest.raises(ValueError, match="pooled"):
        network(pd.concat([per_chapter, other_chapter]), leaders, scope="page")
    with pytest.raises(ValueError, match="unknown scope"):
        network(pooled, leaders, scope="chapter")


def test_network_adds_leaders_missing_from_summary(caplog):
    rows = cooc_rows([("sentence", "a", "z", 1, 0.5, 1.0, 0.1, 0.0)])
    with caplog.at_level(logging.WARNING):
        graph = network(rows, make_leaders(["b", "a"]), scope="sentence")
    assert list(graph.nodes) == ["a", "b", "z"]
    assert graph.nodes["z"] == {"display_name": "z", "n_mentions": 0}
    assert "no summary row" in caplog.text


def test_graphml_round_trip_and_deterministic_bytes(tmp_path):
    rows = cooc_rows(
        [
            ("sentence", "a", "b", 3, 0.5, 4.0, 0.01, 0.2),
            ("sentence", "b", "c", 1, -0.1, 0.3, 0.9, np.nan),
        ]
    )
    graph = network(rows, make_leaders(["a", "b", "c"]), scope="sentence")
    path = tmp_path / "network.graphml"
    write_graphml(graph, path)
    back = nx.read_graphml(path)
    assert sorted(back.edges) == [("a", "b"), ("b", "c")]
    assert back.edges["a", "b"]["weight"] == 0.5
    assert back.edges["a", "b"]["n_ab"] == 3
    assert back.nodes["b"]["display_name"] == "B"
    first = path.read_bytes()
    write_graphml(network(rows, make_leaders(["a", "b", "c"]), scope="sentence"), path)
    assert path.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["network.graphml"]  # no temp files left


def test_centrality_path_graph_by_hand():
    # Sentence scope: path a - b - c, both edges n_ab = 2; d is isolated.
    rows = cooc_rows(
        [
            ("sentence", "a", "b", 2, 0.5, 1.0, 0.1, 0.0),
            ("sentence", "b", "c", 2, 0.5, 1.0, 0.1, 0.0),
        ]
    )
    table = centrality(rows, make_leaders(["a", "b", "c", "d"]), weight="n_ab")
    assert list(table.columns) == CENTRALITY.columns
    assert sorted(table["scope"].unique()) == ["page", "paragraph", "sentence"]
    sentence = table[table["scope"] == "sentence"].set_index("leader")
    assert sentence["degree"].to_dict() == {"a": 1, "b": 2, "c": 1, "d": 0}
    assert sentence["weighted_degree"].to_dict() == {"a": 2.0, "b": 4.0, "c": 2.0, "d": 0.0}
    # b lies on the only a-c path; normalised betweenness = 1 / ((n-1)(n-2)/2) = 1/3 (n = 4).
    assert sentence.loc["b", "betweenness"] == pytest.approx(1 / 3)
    assert sentence.loc["a", "betweenness"] == 0.0
    # Principal eigenvector of the path a-b-c: (1/2, 1/sqrt 2, 1/2), and 0 for d.
    assert sentence.loc["b", "eigenvector"] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    assert sentence.loc["a", "eigenvector"] == pytest.approx(0.5, abs=1e-6)
    assert sentence.loc["d", "eigenvector"] == pytest.approx(0.0, abs=1e-6)
    # Page scope has no edges: all zeros.
    page = table[table["scope"] == "page"]
    assert (page[["degree", "weighted_degree", "betweenness", "eigenvector"]] == 0).all().all()


def test_betweenness_uses_distance_only_for_positive_weights():
    # Triangle: a-b and b-c strong (weight 4, distance 0.25), a-c weak (weight 1, distance 1).
    # Weighted: a to c goes through b (0.5 < 1), so b has betweenness 1 (n = 3: 1 pair / 1).
    # With one non-positive weight the paths are counted in hops: a-c direct, b has 0.
    positive = cooc_rows(
        [
            ("sentence", "a", "b", 4, 0.8, 1.0, 0.1, 0.0),
            ("sentence", "b", "c", 4, 0.8, 1.0, 0.1, 0.0),
            ("sentence", "a", "c", 1, 0.2, 1.0, 0.1, 0.0),
        ]
    )
    leaders = make_leaders(["a", "b", "c"])
    weighted = centrality(positive, leaders, weight="npmi").set_index(["scope", "leader"])
    assert weighted.loc[("sentence", "b"), "betweenness"] == pytest.approx(1.0)
    negative = positive.copy()
    negative.loc[2, "npmi"] = -0.2
    hops = centrality(negative, leaders, weight="npmi").set_index(["scope", "leader"])
    assert hops.loc[("sentence", "b"), "betweenness"] == 0.0
    assert hops.loc[("sentence", "a"), "weighted_degree"] == pytest.approx(0.6)


def test_centrality_empty_inputs():
    table = centrality(pd.DataFrame(columns=COOCCURRENCE.columns), make_leaders(["a"])[:0])
    assert table.empty and list(table.columns) == CENTRALITY.columns


def test_write_csv_is_stable(tmp_path):
    frame = pd.DataFrame(
        {"leader": ["a", "b"], "score": [1 / 3, np.nan], "n": pd.array([1, None], dtype="Int64")}
    )
    path = tmp_path / "t.csv"
    write_csv(frame, path)
    assert path.read_text(encoding="utf-8") == "leader,score,n\na,0.333333,1\nb,,\n"


def test_centrality_of_the_configured_scopes():
    rows = cooc_rows([("window", "a", "b", 2, 0.5, 1.0, 0.1, 0.0)])
    table = centrality(rows, make_leaders(["a", "b"]), weight="n_ab", scopes=["window"])
    assert table["scope"].tolist() == ["window", "window"]
    assert table["degree"].tolist() == [1, 1]


def test_network_edges_carry_each_side_tone_and_export_as_lists(tmp_path):
    rows = cooc_rows(
        [
            ("sentence", "a", "b", 3, 0.5, 4.0, 0.01, 0.2),
            ("sentence", "b", "c", 1, -0.1, 0.3, 0.9, np.nan),
        ]
    )
    rows["tone_a"] = [0.4, np.nan]
    rows["tone_b"] = [-0.1, np.nan]
    graph = network(rows, make_leaders(["a", "b", "c"]), scope="sentence", weight="n_ab")
    assert graph.edges["a", "b"]["tone_a"] == 0.4 and graph.edges["a", "b"]["tone_b"] == -0.1
    nodes, edges = network_lists(graph)
    assert list(nodes.columns) == NETWORK_NODES.columns
    assert list(edges.columns) == NETWORK_EDGES.columns
    assert nodes["leader"].tolist() == ["a", "b", "c"]
    assert nodes["display_name"].tolist() == ["A", "B", "C"]
    assert nodes["tone_mean"].isna().tolist() == [False, False, True]
    assert edges[["leader_a", "leader_b", "n_ab"]].values.tolist() == [["a", "b", 3], ["b", "c", 1]]
    assert edges["weight"].tolist() == [3.0, 1.0]
    assert edges.loc[0, "tone_a"] == 0.4 and pd.isna(edges.loc[1, "tone"])
    write_csv(edges, tmp_path / "edges.csv")
    text = (tmp_path / "edges.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(NETWORK_EDGES.columns)
    assert text.splitlines()[2] == "b,c,1,1,-0.1,0.9,,,"


def test_scope_correlation_by_hand():
    # Union of pairs: ab, ac, bc, bd. n_ab sentence 3, 1, 2, 0 (bd absent -> 0); paragraph
    # 5, 2, 0 (bc absent), 1. Ranks 4, 2, 3, 1 and 4, 3, 1, 2: d = 0, -1, 2, -1, sum d^2 = 6,
    # rho = 1 - 6 * 6 / (4 * (16 - 1)) = 0.4.
    # npmi sentence .5, .1, .3, -1 (absent); paragraph .6, .2, -1 (absent), .4. Ranks 4, 2, 3,
    # 1 and 4, 2, 1, 3: sum d^2 = 8, rho = 1 - 6 * 8 / 60 = 0.2.
    rows = cooc_rows(
        [
            ("sentence", "a", "b", 3, 0.5, 1.0, 0.1, 0.0),
            ("sentence", "a", "c", 1, 0.1, 1.0, 0.1, 0.0),
            ("sentence", "b", "c", 2, 0.3, 1.0, 0.1, 0.0),
            ("paragraph", "a", "b", 5, 0.6, 1.0, 0.1, 0.0),
            ("paragraph", "a", "c", 2, 0.2, 1.0, 0.1, 0.0),
            ("paragraph", "b", "d", 1, 0.4, 1.0, 0.1, 0.0),
            ("page", "a", "b", 1, 0.5, 1.0, 0.1, 0.0),
        ]
    )
    table = scope_correlation(rows)
    assert list(table.columns) == SCOPE_CORRELATION.columns
    got = table.set_index(["measure", "scope_a", "scope_b"])
    assert got.loc[("n_ab", "sentence", "paragraph"), "spearman"] == pytest.approx(0.4)
    assert got.loc[("npmi", "sentence", "paragraph"), "spearman"] == pytest.approx(0.2)
    assert tuple(got.loc[("n_ab", "sentence", "paragraph"), ["n_pairs", "n_common"]]) == (4, 2)
    # Page vs paragraph: pairs ab, ac, bd; page n_ab 1, 0, 0 -> still varies: rho defined;
    # page vs sentence over ab, ac, bc: page 1, 0, 0 vs 3, 1, 2.
    assert got.loc[("n_ab", "sentence", "page"), "n_pairs"] == 3
    # Scopes in the order sentence, paragraph, page, window; every chapter label separately.
    assert set(zip(table["scope_a"], table["scope_b"], strict=True)) == {
        ("sentence", "paragraph"),
        ("sentence", "page"),
        ("paragraph", "page"),
    }
    two = scope_correlation(rows[rows["leader_a"] == "a"].head(2))
    assert two["spearman"].isna().all()  # fewer than three pairs
    with pytest.raises(ValueError, match="measures"):
        scope_correlation(rows, measures=["llr"])


def test_build_corpus_rejects_a_network_scope_not_computed():
    with pytest.raises(ValueError, match="network_scope"):
        build_corpus([], {}, scopes=["sentence"], network_scope="paragraph")


def test_spearman_is_pearson_of_average_ranks_and_matches_scipy() -> None:
    # x ranks 1, 2.5, 2.5, 4 and y ranks 4, 3, 2, 1 (ties share the average rank)
    x, y = pd.Series([1.0, 5.0, 5.0, 9.0]), pd.Series([8.0, 3.0, 2.0, 1.0])
    ranks_x, ranks_y = np.array([1, 2.5, 2.5, 4]), np.array([4, 3, 2, 1])
    assert spearman(x, y) == pytest.approx(np.corrcoef(ranks_x, ranks_y)[0, 1])
    assert spearman(x, x) == pytest.approx(1.0)
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    a, b = pd.Series(rng.integers(0, 6, 40)), pd.Series(rng.integers(0, 6, 40))
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic)


# --- who acts on whom ----------------------------------------------------------------------


def make_actions(chapter: str, rows: list[tuple]) -> pd.DataFrame:
    """Build ACTIONS rows from (sentence_id, start, actor, target, verb, negated, page)."""
    from leaderlens.tables import ACTIONS

    records = [
        {
            "chapter": chapter,
            "action_id": i,
            "sentence_id": sentence_id,
            "actor": actor,
            "target": target,
            "verb": verb,
            "negated": negated,
            "passive": False,
            "pattern": "svo",
            "start": start,
            "end": start + 5,
            "page": page,
            "confidence": 1.0,
            "actor_mention_id": 2 * i,
            "target_mention_id": 2 * i + 1,
            "section": None,
            "sentence": "x",
            "sentence_start": 0,
        }
        for i, (sentence_id, start, actor, target, verb, negated, page) in enumerate(rows)
    ]
    frame = pd.DataFrame(records, columns=ACTIONS.columns)
    frame["page"] = pd.array(frame["page"].tolist(), dtype="Int32")
    return frame


def test_action_pairs_by_hand(tmp_path):
    from leaderlens.corpus import action_pairs
    from leaderlens.tables import ACTION_PAIRS, read_table, write_table

    # "b-ch" is read before "a-ch": the first action of lenin -> stalin is on page 12 of b-ch
    b = make_actions(
        "b-ch",
        [
            (3, 40, "lenin", "stalin", "attack", False, 12),
            (5, 90, "lenin", "stalin", "trust", True, None),
            (6, 99, "stalin", "lenin", "obey", False, 13),
        ],
    )
    a = make_actions(
        "a-ch",
        [
            (0, 5, "lenin", "stalin", "attack", False, 40),
            (1, 9, "lenin", "stalin", "rebuke", False, 41),
            (2, 9, "lenin", "trotsky", "attack", False, 41),
        ],
    )
    table = action_pairs([a, b, a.iloc[:0]], chapter_order=["b-ch", "a-ch"])
    assert table["rank"].tolist() == [1, 2, 3]
    top = table.iloc[0]
    assert (top["actor"], top["target"], top["n"], top["n_negated"]) == ("lenin", "stalin", 4, 1)
    assert top["verbs"] == "attack 2; not trust 1; rebuke 1"
    assert (top["n_chapters"], top["chapters"]) == (2, "b-ch; a-ch")
    assert (top["first_chapter"], top["first_page"]) == ("b-ch", 12)
    # ties of one action ranked by actor, then target; the direction matters
    assert table[["actor", "target"]].values.tolist()[1:] == [
        ["lenin", "trotsky"],
        ["stalin", "lenin"],
    ]
    assert action_pairs([a], chapter_order=["a-ch"], top_verbs=1).iloc[0]["verbs"] == "attack 1"
    write_table(table, tmp_path / "p.parquet", ACTION_PAIRS)
    back = read_table(tmp_path / "p.parquet", ACTION_PAIRS)
    assert back["verbs"].tolist() == table["verbs"].tolist()


def test_action_pairs_empty_and_unknown_chapter(caplog):
    from leaderlens.corpus import action_pairs
    from leaderlens.tables import ACTION_PAIRS

    with caplog.at_level(logging.WARNING):
        empty = action_pairs([], chapter_order=[])
    assert empty.empty and list(empty.columns) == ACTION_PAIRS.columns
    assert "no action" in caplog.text
    with pytest.raises(ValueError, match="chapter order"):
        action_pairs([make_actions("x", [(0, 0, "a", "b", "v", False, 1)])], chapter_order=["y"])
