"""End to end: Snakemake runs the whole DAG on the two-chapter fixture book."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import networkx as nx
import pytest
from conftest import snakemake

from leaderlens.tables import (
    ACTION_PAIRS,
    ACTIONS,
    COOCCURRENCE,
    CORPUS_EDITS,
    ENTITIES,
    LEADERS,
    MENTIONS,
    QUALITY,
    SENTIMENT,
    read_table,
)
from leaderlens.tables import CHAPTERS as CHAPTERS_TABLE

CHAPTERS = ["ch01-the-congress", "ch02-the-illness"]


@pytest.fixture
def book(finished_book: Path) -> Path:
    """The fixture book after one complete pipeline run (shared by the session)."""
    return finished_book


def test_every_chapter_gets_every_table(book: Path) -> None:
    for chapter in CHAPTERS:
        folder = book / "data" / "processed" / chapter
        for name in ("mentions", "entities", "sentiment", "cooccurrence"):
            assert (folder / f"{name}.parquet").stat().st_size > 0
        assert (folder / "clean.txt").read_text(encoding="utf-8").strip()


def test_clean_text_has_no_page_furniture(book: Path) -> None:
    text = (book / "data/processed/ch01-the-congress/clean.txt").read_text(encoding="utf-8")
    assert "A History of Tests" not in text
    assert "\n10\n" not in text and "11 THE QUARREL" not in text
    assert "secretary in turn. Nobody" in text
    assert "counter-revolution" in text and "demonstrated" in text
    assert "On 12 October 1921" in text


def test_mentions_have_leaders_pages_and_raw_offsets(book: Path) -> None:
    mentions = read_table(book / "data/processed/ch01-the-congress/mentions.parquet", MENTIONS)
    raw = (book / "data/raw/ch01-the-congress.txt").read_text(encoding="utf-8")
    assert set(mentions["leader"]) == {"lenin", "stalin", "trotsky"}
    assert (mentions.groupby("leader").size() >= 3).all()
    for row in mentions.itertuples():
        assert raw[row.raw_start : row.raw_end] == row.surface
    assert set(mentions["page"].dropna()) == {10, 11, 12}
    assert set(mentions["section"]) == {"THE OPENING DAYS", "THE QUARREL"}


def test_sentiment_scores_every_mention(book: Path) -> None:
    for chapter in CHAPTERS:
        folder = book / "data" / "processed" / chapter
        mentions = read_table(folder / "mentions.parquet", MENTIONS)
        sentiment = read_table(folder / "sentiment.parquet", SENTIMENT)
        assert list(sentiment["mention_id"]) == list(mentions["mention_id"])
        assert sentiment["score"].between(-1, 1).all()
        assert set(sentiment["label"]) <= {-1, 0, 1}


def test_cooccurrence_counts_the_fixture_pairs(book: Path) -> None:
    pairs = read_table(book / "data/processed/ch01-the-congress/cooccurrence.parquet", COOCCURRENCE)
    sentence = pairs[pairs["scope"] == "sentence"].set_index(["leader_a", "leader_b"])
    # "Lenin tried to reconcile..." has no pair; "Trotski and Stalin never forgave..." has one;
    # "Stalin complained ... that Trotski had humiliated him" has another.
    assert sentence.loc[("stalin", "trotsky"), "n_ab"] == 2
    assert (pairs["leader_a"] < pairs["leader_b"]).all()
    assert pairs["q_value"].between(0, 1).all()


def test_corpus_combines_chapters_and_network_round_trips(book: Path) -> None:
    corpus = book / "data" / "processed" / "corpus"
    leaders = read_table(corpus / "leaders.parquet", LEADERS).set_index("leader")
    per_chapter = sum(
        len(read_table(book / "data/processed" / c / "mentions.parquet", MENTIONS))
        for c in CHAPTERS
    )
    assert leaders["n_mentions"].sum() == per_chapter
    assert leaders.loc["lenin", "n_chapters"] == 2
    with_interval = leaders.dropna(subset=["tone_low"])  # an interval needs two mentions
    assert len(with_interval) == 3
    assert (with_interval["tone_low"] <= with_interval["tone_mean"]).all()
    assert (with_interval["tone_mean"] <= with_interval["tone_high"]).all()
    entities = read_table(corpus / "entities.parquet", ENTITIES)
    assert set(entities["chapter"]) == set(CHAPTERS)
    graph = nx.read_graphml(corpus / "network.graphml")
    pairs = read_table(corpus / "cooccurrence.parquet", COOCCURRENCE)
    pooled = pairs[(pairs["chapter"] == "corpus") & (pairs["scope"] == "paragraph")]
    assert {tuple(sorted(e)) for e in graph.edges} == set(
        zip(pooled["leader_a"], pooled["leader_b"], strict=True)
    )
    assert (corpus / "leaders.csv").read_text(encoding="utf-8").startswith("leader,")
    quality = read_table(corpus / "quality.parquet", QUALITY)
    assert list(quality["chapter"]) == CHAPTERS and not quality["poor"].any()
    edits = read_table(corpus / "edits.parquet", CORPUS_EDITS)
    assert set(edits["chapter"]) == set(CHAPTERS)
    assert {"footnote", "hyphen_join", "running_head"} <= set(edits["kind"])


def test_actions_read_who_acts_on_whom(book: Path) -> None:
    first = read_table(book / "data/processed/ch01-the-congress/actions.parquet", ACTIONS)
    # "Stalin complained ... that Trotski had humiliated him": him is Stalin (a pronoun)
    hit = first[(first["actor"] == "trotsky") & (first["target"] == "stalin")]
    assert hit["verb"].tolist() == ["humiliate"]
    assert hit["page"].tolist() == [11] and (hit["confidence"] < 1).all()
    corpus = book / "data" / "processed" / "corpus"
    actions = read_table(corpus / "actions.parquet", ACTIONS)
    per_chapter = sum(
        len(read_table(book / "data/processed" / c / "actions.parquet", ACTIONS)) for c in CHAPTERS
    )
    assert len(actions) == per_chapter and (actions["actor"] != actions["target"]).all()
    pairs = read_table(corpus / "action_pairs.parquet", ACTION_PAIRS)
    assert pairs["n"].sum() == len(actions)
    assert list(pairs["rank"]) == list(range(1, len(pairs) + 1))
    assert pairs["n"].is_monotonic_decreasing
    # direction is kept: Lenin criticised Stalin, and Stalin's action on Lenin is another row
    assert ("lenin", "stalin") in set(zip(pairs["actor"], pairs["target"], strict=True))
    assert (corpus / "action_pairs.csv").read_text(encoding="utf-8").startswith("actor,target,")


def test_report_is_rendered(book: Path) -> None:
    html = (book / "reports" / "report.html").read_text(encoding="utf-8")
    assert "Stalin" in html and "Trotsky" in html
    assert 'src="http' not in html and '<link href="http' not in html
    assert (book / "reports" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_second_run_has_nothing_to_do(book: Path) -> None:
    done = snakemake(book, "--dry-run")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Nothing to be done" in done.stdout + done.stderr


def executed_jobs(output: str) -> set[tuple[str, str | None]]:
    """Parse Snakemake's log into the set of ``(rule, chapter wildcard or None)`` it ran."""
    jobs: set[tuple[str, str | None]] = set()
    for block in re.split(r"^(?=(?:local)?rule \w+:$)", output, flags=re.MULTILINE):
        rule = re.match(r"(?:local)?rule (\w+):$", block, flags=re.MULTILINE)
        if rule:
            chapter = re.search(r"^\s+wildcards: chapter=(\S+)$", block, flags=re.MULTILINE)
            jobs.add((rule.group(1), chapter.group(1) if chapter else None))
    return jobs


def test_adding_a_chapter_runs_only_its_jobs(book: Path, tmp_path: Path) -> None:
    project = tmp_path / "copy"
    shutil.copytree(book, project, symlinks=True)  # copy2 keeps the timestamps
    old_outputs = {
        path: path.stat().st_mtime_ns
        for chapter in CHAPTERS
        for path in (project / "data" / "processed" / chapter).iterdir()
    }
    extra = project / "data" / "raw" / "ch03-the-end.txt"
    extra.write_text("3 The End \nLenin died in January. Stalin spoke at the funeral. \n")
    done = snakemake(project)
    assert done.returncode == 0, done.stderr[-2000:]
    per_chapter = ("clean", "parse", "mentions", "sentiment", "cooccurrence", "collocates")
    book_level = ("corpus", "tone", "persons", "collocates_corpus", "report", "all")
    expected = {(rule, "ch03-the-end") for rule in per_chapter} | {(r, None) for r in book_level}
    assert executed_jobs(done.stdout + done.stderr) == expected
    assert {path: path.stat().st_mtime_ns for path in old_outputs} == old_outputs
    assert (project / "data" / "processed" / "ch03-the-end" / "sentiment.parquet").exists()
    chapters = read_table(
        project / "data" / "processed" / "corpus" / "chapters.parquet", CHAPTERS_TABLE
    )
    assert chapters["chapter"].tolist() == [*CHAPTERS, "ch03-the-end"]


def test_roster_edit_reruns_only_what_depends_on_it(book: Path, tmp_path: Path) -> None:
    project = tmp_path / "copy"
    shutil.copytree(book, project, symlinks=True)  # copy2 keeps the timestamps
    roster = project / "config" / "leaders.yaml"
    roster.write_text(roster.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    done = snakemake(project, "--dry-run", "--quiet", "rules")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = done.stdout + done.stderr
    assert "mentions" in summary and "report" in summary
    assert "clean" not in summary and "parse" not in summary
