"""The corpus stage: all chapters' tables combined, a per-leader summary and the network.

Centrality choices (documented here because they change the numbers):

- ``degree`` counts neighbours; ``weighted_degree`` sums the chosen edge weight.
- ``betweenness`` uses the shortest paths under distance ``1 / weight`` when every edge of
  the scope's graph has a positive weight; otherwise (NPMI and G2 can be 0 or negative) it
  counts hops (unweighted), and says so in the log. Normalised as in networkx.
- ``eigenvector`` is networkx's power iteration (``max_iter=10000``), weighted under the same
  rule; it is 0.0 for every node of a graph without edges or when it does not converge
  (with a warning).

Sensitivity to the unit (:func:`scope_correlation`): for every two scopes, the Spearman rank
correlation of a pair measure (``n_ab``, ``npmi``) over the union of the pairs of both scopes;
a pair missing from one scope takes the value of a pair never seen together there
(``n_ab`` 0, ``npmi`` -1). Null with fewer than three pairs or a constant measure.
"""

from __future__ import annotations

import json
import logging
import math
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa

from leaderlens.cooccurrence import (
    SCOPES,
    TEXT_SCOPES,
    cooccurrence_table,
    known_pages,
)
from leaderlens.tables import (
    ACTION_PAIRS,
    ACTIONS,
    CENTRALITY,
    CHAPTERS,
    CHARMAP,
    COOCCURRENCE,
    COOCCURRENCE_SECTIONS,
    CORPUS_EDITS,
    EDITS,
    ENTITIES,
    LEADERS,
    MENTIONS,
    NETWORK_EDGES,
    NETWORK_NODES,
    PARAGRAPHS,
    QUALITY,
    SCOPE_CORRELATION,
    SENTENCES,
    SENTIMENT,
    WINDOWS,
    Table,
    empty_frame,
    read_table,
    to_arrow,
    write_atomic,
    write_table,
)

logger = logging.getLogger(__name__)

Weight = Literal["n_ab", "npmi", "llr"]
KINDS = ("name", "title", "modifier", "pronoun")
POOLED = "corpus"
"""The ``chapter`` label of co-occurrence rows pooled over all chapters."""
ABSENT = {"n_ab": 0.0, "npmi": -1.0}
"""The value of a pair measure for a pair never seen together in a scope."""
BOOT_CHUNK = 1_000_000
"""Most resampled indices held in memory at once by the bootstrap."""


def _pandas_type(arrow_type: pa.DataType) -> object | None:
    """Map Arrow integer types to pandas nullable dtypes (as ``tables.read_table`` does)."""
    if pa.types.is_integer(arrow_type):
        return pd.api.types.pandas_dtype(str(arrow_type).replace("int", "Int"))
    return None


def combine(frames: Sequence[pd.DataFrame], table: Table) -> pd.DataFrame:
    """Concatenate per-chapter frames of one table, typed and sorted by its key.

    Args:
        frames: Frames with exactly the table's columns (empty frames are skipped).
        table: The table contract.

    Returns:
        One frame typed as ``tables.read_table`` returns it (nullable integers), sorted by
        the table's key; an empty typed frame (and a warning) when there are no rows.
    """
    rows = [frame[table.columns] for frame in frames if len(frame)]
    if not rows:
        logger.warning("table %s: no rows in any of %d chapter(s)", table.name, len(frames))
        return table.schema.empty_table().to_pandas(types_mapper=_pandas_type)
    frame = pd.concat(rows, ignore_index=True)
    return to_arrow(frame, table).to_pandas(types_mapper=_pandas_type)


def _optional_int(value: float | int | None) -> int | None:
    """Return ``value`` as int, or None for a missing value."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def chapter_row(
    chapter: str,
    *,
    title: str | None,
    text_length: int,
    charmap: pd.DataFrame,
    paragraphs: pd.DataFrame,
    sentences: pd.DataFrame,
    mentions: pd.DataFrame,
    edits: pd.DataFrame,
) -> dict[str, object]:
    """Summarise one chapter for the ``tables.CHAPTERS`` table.

    Args:
        chapter: The chapter name.
        title: Its title, or None.
        text_length: Characters in its clean.txt.
        charmap: ``tables.CHARMAP`` rows (page per clean character; null or -1 unknown).
        paragraphs: ``tables.PARAGRAPHS`` rows.
        sentences: ``tables.SENTENCES`` rows.
        mentions: ``tables.MENTIONS`` rows.
        edits: ``tables.EDITS`` rows.

    Returns:
        A dict with exactly the ``tables.CHAPTERS`` columns; pages are None when unknown.
    """
    pages = known_pages(charmap["page"].tolist())
    return {
        "chapter": chapter,
        "title": title,
        "first_page": min(pages) if pages else None,
        "last_page": max(pages) if pages else None,
        "n_chars": int(text_length),
        "n_sentences": int(sentences["sentence_id"].nunique()),
        "n_paragraphs": int(paragraphs["paragraph_id"].nunique()),
        "n_pages": len(pages),
        "n_mentions": len(mentions),
        "n_edits": len(edits),
    }


def bootstrap_interval(
    scores: np.ndarray, *, rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95
) -> tuple[float, float] | None:
    """Return the percentile bootstrap interval of the mean of ``scores``.

    Args:
        scores: The sample.
        rng: The random generator (seeded by the caller).
        n_boot: Bootstrap resamples.
        level: Coverage of the interval.

    Returns:
        ``(low, high)``, or None when there are fewer than two scores.
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.size
    if n < 2:
        return None
    per_chunk = max(1, BOOT_CHUNK // n)
    means = []
    for done in range(0, n_boot, per_chunk):
        draws = rng.integers(0, n, size=(min(per_chunk, n_boot - done), n))
        means.append(scores[draws].mean(axis=1))
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(np.concatenate(means), [alpha, 1.0 - alpha])
    return float(low), float(high)


def leader_summary(
    mentions: pd.DataFrame,
    sentiment: pd.DataFrame,
    roster_names: Mapping[str, str],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    neutral_band: float | None = None,
) -> pd.DataFrame:
    """Summarise each mentioned leader over all chapters (``tables.LEADERS``).

    Args:
        mentions: ``tables.MENTIONS`` rows of all chapters.
        sentiment: ``tables.SENTIMENT`` rows of all chapters.
        roster_names: Leader id -> display name (ids missing here show as themselves).
        n_boot: Bootstrap resamples for the tone interval.
        seed: Seed of the bootstrap; each leader's generator is seeded by ``(seed,
            crc32(leader))``, so a leader's interval does not depend on the other leaders.
        level: Coverage of the tone interval.
        neutral_band: None to count the sentiment table's own labels (the default); a
            number to relabel each score as 0 when ``|score| <= neutral_band``, else its sign.

    Returns:
        One row per leader with at least one mention, sorted by leader. ``tone_mean`` is
        the mean sentiment score of its mentions, ``tone_low``/``tone_high`` the percentile
        bootstrap interval (null with fewer than two scores); shares are the fractions of
        labels -1, 0, 1 among its scored mentions (null without scores).
    """
    if mentions.empty:
        logger.warning("no leader mentions in the corpus; the leader summary is empty")
        return combine([], LEADERS)
    scores = sentiment[["chapter", "mention_id", "score", "label"]].drop_duplicates(
        ["chapter", "mention_id"]
    )
    if neutral_band is not None:
        score = scores["score"].astype(float)
        scores = scores.assign(label=np.where(score.abs() <= neutral_band, 0, np.sign(score)))
    scored = mentions.merge(scores, on=["chapter", "mention_id"], how="left", validate="m:1")
    scored["page"] = pd.to_numeric(scored["page"], errors="coerce")
    unnamed = sorted(set(scored["leader"]) - set(roster_names))
    if unnamed:
        logger.warning("leaders missing from the roster, shown by id: %s", unnamed)
    rows = []
    for leader, group in scored.groupby("leader", sort=True):
        pages = known_pages(group["page"].tolist())
        values = group["score"].dropna().to_numpy(dtype=float)
        labels = group["label"].dropna().astype(int)
        rng = np.random.default_rng([seed, zlib.crc32(str(leader).encode("utf-8"))])
        interval = bootstrap_interval(values, rng=rng, n_boot=n_boot, level=level)
        kinds = group["kind"].value_counts()
        rows.append(
            {
                "leader": leader,
                "display_name": roster_names.get(leader, leader),
                "n_mentions": len(group),
                **{f"n_{kind}": int(kinds.get(kind, 0)) for kind in KINDS},
                "n_chapters": int(group["chapter"].nunique()),
                "first_page": min(pages) if pages else None,
                "last_page": max(pages) if pages else None,
                "tone_mean": float(values.mean()) if values.size else None,
                "tone_low": interval[0] if interval else None,
                "tone_high": interval[1] if interval else None,
                "share_negative": float((labels == -1).mean()) if len(labels) else None,
                "share_neutral": float((labels == 0).mean()) if len(labels) else None,
                "share_positive": float((labels == 1).mean()) if len(labels) else None,
            }
        )
    other = scored.loc[~scored["kind"].isin(KINDS), "kind"].unique().tolist()
    if other:
        logger.warning("mention kinds %s are counted in n_mentions only", sorted(other))
    return combine([pd.DataFrame(rows, columns=LEADERS.columns)], LEADERS)


def _select_rows(cooccurrence: pd.DataFrame, scope: str) -> pd.DataFrame:
    """Return the rows of one scope: the pooled ones if present, else those of one chapter."""
    rows = cooccurrence[cooccurrence["scope"] == scope]
    labels = sorted(rows["chapter"].unique().tolist())
    if POOLED in labels:
        return rows[rows["chapter"] == POOLED]
    if len(labels) > 1:
        raise ValueError(
            f"co-occurrence rows of scope {scope} come from chapters {labels} and none are "
            f"pooled ('{POOLED}'); pass one chapter's rows or the pooled rows"
        )
    return rows


def _finite(value: object) -> float | None:
    """Return ``value`` as a finite float, or None if it is missing or infinite."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def network(
    cooccurrence: pd.DataFrame,
    leaders: pd.DataFrame,
    *,
    scope: str,
    weight: Weight = "npmi",
    max_q: float = 1.0,
) -> nx.Graph:
    """Build the co-occurrence network of one scope.

    Args:
        cooccurrence: ``tables.COOCCURRENCE`` rows; the pooled rows (chapter "corpus") are
            used when present, otherwise the rows must come from one chapter.
        leaders: ``tables.LEADERS`` rows (the nodes).
        scope: "sentence", "paragraph" or "page".
        weight: The column copied into each edge's ``weight``.
        max_q: Keep pairs with ``q_value <= max_q``.

    Returns:
        A graph with sorted nodes (attrs ``display_name``, ``n_mentions``, ``tone_mean``) and
        sorted edges (attrs ``weight``, ``n_ab``, ``npmi``, ``q_value``, ``tone``, ``tone_a``,
        ``tone_b``); missing or
        non-finite attributes are left out so the graph is GraphML-safe. Leaders on an edge
        but absent from ``leaders`` become nodes named by their id (with a warning).

    Raises:
        ValueError: If ``scope`` or ``weight`` is unknown, or rows mix unpooled chapters.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use one of {list(SCOPES)}")
    if weight not in ("n_ab", "npmi", "llr"):
        raise ValueError(f"unknown edge weight {weight!r}; use n_ab, npmi or llr")
    graph = nx.Graph()
    for row in leaders.sort_values("leader").itertuples(index=False):
        attrs: dict[str, object] = {
            "display_name": str(row.display_name),
            "n_mentions": int(row.n_mentions),
        }
        tone = _finite(row.tone_mean)
        if tone is not None:
            attrs["tone_mean"] = tone
        graph.add_node(str(row.leader), **attrs)
    rows = _select_rows(cooccurrence, scope)
    rows = rows[(rows["n_ab"] >= 1) & (rows["q_value"] <= max_q)]
    rows = rows.sort_values(["leader_a", "leader_b"], kind="mergesort")
    strangers = sorted((set(rows["leader_a"]) | set(rows["leader_b"])) - set(graph.nodes))
    if strangers:
        logger.warning("scope %s: leaders %s have pairs but no summary row", scope, strangers)
        graph = _with_nodes(graph, strangers)
    for row in rows.itertuples(index=False):
        attrs = {"n_ab": int(row.n_ab)}
        for name, value in (
            ("weight", getattr(row, weight)),
            ("npmi", row.npmi),
            ("q_value", row.q_value),
            ("tone", row.tone),
            ("tone_a", getattr(row, "tone_a", None)),
            ("tone_b", getattr(row, "tone_b", None)),
        ):
            number = _finite(value)
            if number is not None:
                attrs[name] = number
        graph.add_edge(str(row.leader_a), str(row.leader_b), **attrs)
    return graph


def _with_nodes(graph: nx.Graph, extra: Sequence[str]) -> nx.Graph:
    """Return a copy of ``graph`` with ``extra`` nodes added, all nodes in sorted order."""
    ordered = nx.Graph()
    attrs = dict(graph.nodes(data=True))
    for leader in extra:
        attrs[leader] = {"display_name": leader, "n_mentions": 0}
    for leader in sorted(attrs):
        ordered.add_node(leader, **attrs[leader])
    return ordered


def _positive_weights(graph: nx.Graph) -> bool:
    """Return whether every edge has a positive ``weight``."""
    return all(w is not None and w > 0 for _, _, w in graph.edges(data="weight"))


def _scope_centrality(graph: nx.Graph, scope: str) -> pd.DataFrame:
    """Compute the centrality rows of one scope's graph."""
    graph = graph.copy()
    weighted = graph.number_of_edges() > 0 and _positive_weights(graph)
    if graph.number_of_edges() and not weighted:
        logger.info("scope %s: some edge weights are <= 0; paths counted in hops", scope)
    for a, b, w in graph.edges(data="weight"):
        graph.edges[a, b]["distance"] = 1.0 / w if weighted else 1.0
    betweenness = nx.betweenness_centrality(graph, weight="distance" if weighted else None)
    eigenvector = dict.fromkeys(graph.nodes, 0.0)
    if graph.number_of_edges() == 0:
        if graph.number_of_nodes():
            logger.warning("scope %s: no edges, eigenvector centrality set to 0", scope)
    else:
        try:
            eigenvector = nx.eigenvector_centrality(
                graph, max_iter=10_000, tol=1e-9, weight="weight" if weighted else None
            )
        except nx.PowerIterationFailedConvergence:
            logger.warning("scope %s: eigenvector centrality did not converge; set to 0", scope)
    strength = {
        node: float(sum(w for _, _, w in graph.edges(node, data="weight", default=0.0)))
        for node in graph.nodes
    }
    rows = [
        {
            "scope": scope,
            "leader": node,
            "degree": int(graph.degree(node)),
            "weighted_degree": float(strength[node]),
            "betweenness": float(betweenness[node]),
            "eigenvector": float(eigenvector[node]),
        }
        for node in sorted(graph.nodes)
    ]
    return pd.DataFrame(rows, columns=CENTRALITY.columns)


def centrality(
    cooccurrence: pd.DataFrame,
    leaders: pd.DataFrame,
    *,
    weight: Weight = "npmi",
    max_q: float = 1.0,
    scopes: Sequence[str] = TEXT_SCOPES,
) -> pd.DataFrame:
    """Compute degree, weighted degree, betweenness and eigenvector centrality per scope.

    Args:
        cooccurrence: ``tables.COOCCURRENCE`` rows (see :func:`network`).
        leaders: ``tables.LEADERS`` rows (every leader gets a row in every scope).
        weight: The edge weight (see the module docstring for how it enters each measure).
        max_q: Keep pairs with ``q_value <= max_q``.
        scopes: The scopes to compute (each gets a row per leader).

    Returns:
        ``tables.CENTRALITY`` rows for the given scopes.
    """
    frames = [
        _scope_centrality(
            network(cooccurrence, leaders, scope=scope, weight=weight, max_q=max_q), scope
        )
        for scope in sorted(set(scopes))
    ]
    return combine(frames, CENTRALITY)


def spearman(x: pd.Series, y: pd.Series) -> float:
    """Return Spearman's rank correlation: Pearson's r of the average ranks (ties shared).

    Args:
        x: Values of one measure.
        y: Values of the other, aligned with ``x``; both must vary.

    Returns:
        rho in [-1, 1].
    """
    return float(np.corrcoef(x.rank().to_numpy(), y.rank().to_numpy())[0, 1])


def scope_correlation(
    cooccurrence: pd.DataFrame, *, measures: Sequence[str] = ("n_ab", "npmi")
) -> pd.DataFrame:
    """Rank-correlate pair measures between every two scopes, per chapter label.

    Args:
        cooccurrence: ``tables.COOCCURRENCE`` rows (chapters and pooled ``"corpus"`` rows).
        measures: Pair measures to compare (each must be a key of :data:`ABSENT`).

    Returns:
        ``tables.SCOPE_CORRELATION`` rows: one per chapter label, measure and pair of scopes
        (``scope_a < scope_b`` in :data:`SCOPES` order); see the module docstring.

    Raises:
        ValueError: If a measure has no value for absent pairs.
    """
    unknown = [m for m in measures if m not in ABSENT]
    if unknown:
        raise ValueError(f"scope correlation measures {unknown} unknown; use {list(ABSENT)}")
    rows = []
    for chapter, table in cooccurrence.groupby("chapter", sort=True):
        present = [s for s in SCOPES if s in set(table["scope"])]
        for measure in measures:
            wide = table.pivot_table(
                index=["leader_a", "leader_b"], columns="scope", values=measure, aggfunc="first"
            )
            for i, scope_a in enumerate(present):
                for scope_b in present[i + 1 :]:
                    pair = wide[[scope_a, scope_b]].dropna(how="all")
                    common = int(pair.notna().all(axis=1).sum())
                    pair = pair.fillna(ABSENT[measure]).astype(float)
                    rho = None
                    if (
                        len(pair) >= 3
                        and pair[scope_a].nunique() > 1
                        and pair[scope_b].nunique() > 1
                    ):
                        rho = spearman(pair[scope_a], pair[scope_b])
                    rows.append(
                        {
                            "chapter": chapter,
                            "measure": measure,
                            "scope_a": scope_a,
                            "scope_b": scope_b,
                            "n_pairs": len(pair),
                            "n_common": common,
                            "spearman": rho,
                        }
                    )
    return combine([pd.DataFrame(rows, columns=SCOPE_CORRELATION.columns)], SCOPE_CORRELATION)


def network_lists(graph: nx.Graph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a network's nodes and edges as tables (for CSV node and edge lists).

    Args:
        graph: A graph built by :func:`network`.

    Returns:
        ``(nodes, edges)``: ``tables.NETWORK_NODES`` and ``tables.NETWORK_EDGES`` rows, with
        missing attributes as nulls; each edge's leaders in sorted order.
    """
    nodes = pd.DataFrame(
        [{"leader": node, **attrs} for node, attrs in graph.nodes(data=True)],
        columns=NETWORK_NODES.columns,
    )
    edges = pd.DataFrame(
        [
            {"leader_a": min(a, b), "leader_b": max(a, b), **attrs}
            for a, b, attrs in graph.edges(data=True)
        ],
        columns=NETWORK_EDGES.columns,
    )
    return combine([nodes], NETWORK_NODES), combine([edges], NETWORK_EDGES)


def write_graphml(graph: nx.Graph, path: str | os.PathLike[str]) -> None:
    """Write a graph as GraphML atomically, with the same bytes for the same graph.

    Uses networkx's pure-Python writer (not lxml) so the bytes do not depend on which XML
    library is installed.

    Args:
        graph: The graph (attributes must be str, int or float).
        path: Output ``.graphml`` path.
    """
    write_atomic(path, lambda tmp: nx.write_graphml_xml(graph, tmp, encoding="utf-8"))


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a frame as CSV atomically and deterministically.

    Floats are written with ``%.6g``, missing values as empty fields, no index, Unix newlines.

    Args:
        frame: The rows (written in their current order).
        path: Output ``.csv`` path.
    """
    write_atomic(
        path,
        lambda tmp: frame.to_csv(
            tmp, index=False, float_format="%.6g", na_rep="", lineterminator="\n", encoding="utf-8"
        ),
    )


def _verb_summary(labels: pd.Series, *, top: int) -> str:
    """Format the most frequent verb labels with counts: ``"attack 3; not trust 1"``."""
    counts = labels.value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return "; ".join(f"{label} {n}" for label, n in ordered)


def action_pairs(
    actions: Sequence[pd.DataFrame], *, chapter_order: Sequence[str], top_verbs: int = 5
) -> pd.DataFrame:
    """Summarise who acts on whom per directed pair over all chapters.

    Args:
        actions: Every chapter's ``tables.ACTIONS`` rows.
        chapter_order: The chapters in reading order (the first action is sought in it).
        top_verbs: How many of the most frequent verbs to list per pair.

    Returns:
        ``tables.ACTION_PAIRS`` rows ranked by the number of actions (ties by actor, then
        target); negated actions are listed as ``not <verb>``.

    Raises:
        ValueError: If an action's chapter is not in ``chapter_order``.
    """
    rows = [frame for frame in actions if len(frame)]
    if not rows:
        logger.warning("no action between leaders in any of %d chapter(s)", len(actions))
        return empty_frame(ACTION_PAIRS)
    frame = pd.concat(rows, ignore_index=True)
    position = {chapter: i for i, chapter in enumerate(chapter_order)}
    unknown = sorted(set(frame["chapter"]) - set(position))
    if unknown:
        raise ValueError(
            f"actions of chapters {unknown} not in the chapter order; rerun the corpus"
        )
    frame["_order"] = frame["chapter"].map(position)
    frame = frame.sort_values(["_order", "sentence_id", "start", "action_id"], kind="mergesort")
    frame["_label"] = np.where(frame["negated"].astype(bool), "not " + frame["verb"], frame["verb"])
    records = []
    for (actor, target), group in frame.groupby(["actor", "target"], sort=True):
        chapters = list(dict.fromkeys(group["chapter"]))
        first = group.iloc[0]
        records.append(
            {
                "actor": actor,
                "target": target,
                "n": len(group),
                "n_negated": int(group["negated"].astype(bool).sum()),
                "verbs": _verb_summary(group["_label"], top=top_verbs),
                "n_chapters": len(chapters),
                "chapters": "; ".join(chapters),
                "first_chapter": first["chapter"],
                "first_page": _optional_int(first["page"]),
            }
        )
    table = pd.DataFrame(records)
    table = table.sort_values(["n", "actor", "target"], ascending=[False, True, True])
    table["rank"] = np.arange(1, len(table) + 1, dtype=np.int32)
    table["first_page"] = pd.array(table["first_page"].tolist(), dtype="Int32")
    return table[ACTION_PAIRS.columns].reset_index(drop=True)


@dataclass(frozen=True)
class ChapterTables:
    """The tables of one processed chapter that the corpus stage reads."""

    chapter: str
    title: str | None
    mentions: pd.DataFrame
    entities: pd.DataFrame
    sentiment: pd.DataFrame
    cooccurrence: pd.DataFrame
    cooccurrence_sections: pd.DataFrame
    windows: pd.DataFrame
    sentences: pd.DataFrame
    paragraphs: pd.DataFrame
    charmap: pd.DataFrame
    edits: pd.DataFrame
    quality: pd.DataFrame
    actions: pd.DataFrame = field(default_factory=lambda: empty_frame(ACTIONS))


CHAPTER_TABLES: dict[str, Table] = {
    "mentions": MENTIONS,
    "entities": ENTITIES,
    "sentiment": SENTIMENT,
    "cooccurrence": COOCCURRENCE,
    "cooccurrence_sections": COOCCURRENCE_SECTIONS,
    "windows": WINDOWS,
    "sentences": SENTENCES,
    "paragraphs": PARAGRAPHS,
    "charmap": CHARMAP,
    "edits": EDITS,
    "quality": QUALITY,
    "actions": ACTIONS,
}
"""The per-chapter Parquet tables of :class:`ChapterTables`, by field name."""


def read_chapter(chapter: str, paths: Mapping[str, str | os.PathLike[str]]) -> ChapterTables:
    """Read one chapter's tables and its ``meta.json``.

    Args:
        chapter: The chapter name.
        paths: File path per :data:`CHAPTER_TABLES` name, plus ``meta``.

    Returns:
        The chapter's tables.
    """
    meta = json.loads(Path(paths["meta"]).read_text(encoding="utf-8"))
    frames = {name: read_table(paths[name], table) for name, table in CHAPTER_TABLES.items()}
    return ChapterTables(chapter=chapter, title=meta.get("title"), **frames)


@dataclass(frozen=True)
class Corpus:
    """All chapters together: the combined tables, the summaries and the network."""

    mentions: pd.DataFrame
    entities: pd.DataFrame
    sentiment: pd.DataFrame
    cooccurrence: pd.DataFrame
    cooccurrence_sections: pd.DataFrame
    scope_correlation: pd.DataFrame
    leaders: pd.DataFrame
    centrality: pd.DataFrame
    chapters: pd.DataFrame
    quality: pd.DataFrame
    edits: pd.DataFrame
    network: nx.Graph
    actions: pd.DataFrame = field(default_factory=lambda: empty_frame(ACTIONS))
    action_pairs: pd.DataFrame = field(default_factory=lambda: empty_frame(ACTION_PAIRS))


CORPUS_TABLES: dict[str, Table] = {
    "mentions": MENTIONS,
    "entities": ENTITIES,
    "sentiment": SENTIMENT,
    "cooccurrence": COOCCURRENCE,
    "cooccurrence_sections": COOCCURRENCE_SECTIONS,
    "scope_correlation": SCOPE_CORRELATION,
    "leaders": LEADERS,
    "centrality": CENTRALITY,
    "chapters": CHAPTERS,
    "quality": QUALITY,
    "edits": CORPUS_EDITS,
    "actions": ACTIONS,
    "action_pairs": ACTION_PAIRS,
}
"""The corpus tables of :class:`Corpus`, by field name (each written as Parquet and CSV)."""


def build_corpus(
    chapters: Sequence[ChapterTables],
    roster_names: Mapping[str, str],
    *,
    scopes: Sequence[str] = TEXT_SCOPES,
    min_count: int = 1,
    n_boot: int = 2000,
    seed: int = 0,
    network_scope: str = "paragraph",
    network_weight: Weight = "n_ab",
    network_max_q: float = 1.0,
) -> Corpus:
    """Combine the chapters, pool co-occurrence over them, summarise leaders, build the network.

    Args:
        chapters: Every chapter's tables.
        roster_names: Leader id -> display name.
        scopes: Co-occurrence scopes to pool (as configured for the chapters).
        min_count: Minimum pooled ``n_ab`` of a pair.
        n_boot: Bootstrap resamples for the tone intervals.
        seed: Bootstrap seed.
        network_scope: Scope drawn as the network.
        network_weight: Statistic used as edge weight.
        network_max_q: Keep edges with ``q_value`` at most this.

    Returns:
        The corpus; its ``cooccurrence`` holds each chapter's rows plus pooled rows
        labelled ``"corpus"`` (token windows pooled as the union of the chapters' windows);
        ``cooccurrence_sections`` each chapter's section rows.

    Raises:
        ValueError: If ``network_scope`` is not among ``scopes``.
    """
    if network_scope not in scopes:
        raise ValueError(
            f"corpus.network_scope {network_scope!r} is not among the co-occurrence scopes "
            f"{list(scopes)}; add it to cooccurrence.scopes in config/config.yaml"
        )
    names = ("mentions", "entities", "sentiment", "cooccurrence", "cooccurrence_sections")
    combined = {
        name: combine([getattr(c, name) for c in chapters], CHAPTER_TABLES[name])
        for name in (*names, "windows")
    }
    rows = [
        chapter_row(
            c.chapter,
            title=c.title,
            text_length=len(c.charmap),
            charmap=c.charmap,
            paragraphs=c.paragraphs,
            sentences=c.sentences,
            mentions=c.mentions,
            edits=c.edits,
        )
        for c in chapters
    ]
    chapter_table = pd.DataFrame(rows, columns=CHAPTERS.columns)
    n_units = {
        "sentence": int(chapter_table["n_sentences"].sum()),
        "paragraph": int(chapter_table["n_paragraphs"].sum()),
        "page": int(chapter_table["n_pages"].sum()),
        "window": len(combined["windows"]),
    }
    pooled = cooccurrence_table(
        combined["mentions"],
        combined["sentiment"],
        n_units,
        chapter=POOLED,
        scopes=scopes,
        min_count=min_count,
        windows=combined["windows"] if "window" in scopes else None,
    )
    cooccurrence = combine([combined["cooccurrence"], pooled], COOCCURRENCE)
    leaders = leader_summary(
        combined["mentions"], combined["sentiment"], roster_names, n_boot=n_boot, seed=seed
    )
    graph = network(
        pooled, leaders, scope=network_scope, weight=network_weight, max_q=network_max_q
    )
    return Corpus(
        mentions=combined["mentions"],
        entities=combined["entities"],
        sentiment=combined["sentiment"],
        cooccurrence=cooccurrence,
        cooccurrence_sections=combined["cooccurrence_sections"],
        scope_correlation=scope_correlation(cooccurrence),
        leaders=leaders,
        centrality=centrality(
            pooled, leaders, weight=network_weight, max_q=network_max_q, scopes=scopes
        ),
        chapters=combine([chapter_table], CHAPTERS),
        quality=combine([c.quality for c in chapters], QUALITY),
        edits=combine([c.edits.assign(chapter=c.chapter) for c in chapters], CORPUS_EDITS),
        network=graph,
        actions=combine([c.actions for c in chapters], ACTIONS),
        action_pairs=action_pairs(
            [c.actions for c in chapters], chapter_order=[c.chapter for c in chapters]
        ),
    )


def write_corpus(corpus: Corpus, folder: str | os.PathLike[str]) -> list[Path]:
    """Write every corpus table as Parquet and CSV, the network as GraphML and CSV lists.

    Args:
        corpus: The built corpus.
        folder: The output folder (``data/processed/corpus``).

    Returns:
        The paths written, in order.
    """
    out = Path(folder)
    written = []
    for name, table in CORPUS_TABLES.items():
        frame = getattr(corpus, name)
        write_table(frame, out / f"{name}.parquet", table)
        write_csv(frame, out / f"{name}.csv")
        written += [out / f"{name}.parquet", out / f"{name}.csv"]
    write_graphml(corpus.network, out / "network.graphml")
    nodes, edges = network_lists(corpus.network)
    write_csv(nodes, out / "network_nodes.csv")
    write_csv(edges, out / "network_edges.csv")
    lists = [out / "network.graphml", out / "network_nodes.csv", out / "network_edges.csv"]
    return [*written, *lists]
