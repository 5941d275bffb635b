"""Reruns and scaling: no-op rerun time, the add-one-chapter rerun, and 10/20/40 chapters.

Each measurement runs Snakemake in a fresh copy of the project under a temporary folder
(the working tree is not touched). Chapters are copies of the seed chapter and of the
fixture book's chapters under new names, mixed one seed chapter to three fixture chapters
unless --seed-share says otherwise. Prints wall time, jobs, the cores' mean load and the
peak memory of any job (Snakemake's benchmark files).

    .venv/bin/python benchmarks/bench_scaling.py [--sizes 10 20 40] [--cores 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "ch09-testament-to-a-revolution.txt"
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "book").glob("*.txt"))


def make_project(dest: Path, n_chapters: int, seed_share: float) -> Path:
    """Copy the workflow to ``dest`` with ``n_chapters`` chapters in data/raw."""
    dest.mkdir(parents=True)
    for name in ("Snakefile", "config", "workflow", "scripts"):
        source = ROOT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy2
        copy(source, dest / name)
    (dest / "reports").mkdir()
    for name in ("report.qmd", "accuracy.yaml"):
        shutil.copy2(ROOT / "reports" / name, dest / "reports" / name)
    raw = dest / "data" / "raw"
    raw.mkdir(parents=True)
    every = max(1, round(1 / seed_share)) if seed_share > 0 else 0
    for i in range(n_chapters):
        use_seed = every and i % every == 0
        source = SEED if use_seed else FIXTURES[i % len(FIXTURES)]
        shutil.copy2(source, raw / f"ch{i + 1:03d}-{source.stem.split('-', 1)[-1]}.txt")
    return dest


def snakemake(project: Path, cores: int, *args: str) -> tuple[float, str]:
    """Run Snakemake and return (wall seconds, combined output)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), *args],
        cwd=project,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"snakemake failed in {project}:\n{done.stderr[-3000:]}")
    return seconds, done.stdout + done.stderr


def job_stats(project: Path) -> pd.DataFrame:
    """Read every Snakemake benchmark file of a run."""
    rows = []
    for path in sorted((project / "benchmarks").glob("*/*.tsv")):
        row = pd.read_csv(path, sep="\t").iloc[0]
        rows.append({"rule": path.parent.name, "s": row["s"], "max_rss": row["max_rss"]})
    return pd.DataFrame(rows)


def planned_jobs(output: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a dry run into rule -> count."""
    counts: dict[str, int] = {}
    lines = output.splitlines()
    if "Job stats:" not in lines:
        return counts
    for line in lines[lines.index("Job stats:") + 3 :]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 20, 40])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed-share", type=float, default=0.25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leaderlens-scaling-") as tmp:
        base = make_project(Path(tmp) / "rerun", 2, args.seed_share)
        cold, _ = snakemake(base, args.cores)
        noop, _ = snakemake(base, args.cores)
        shutil.copy2(FIXTURES[0], base / "data" / "raw" / "zz-added.txt")
        _, dry = snakemake(base, args.cores, "--dry-run")
        print(f"2 chapters: cold run {cold:.1f} s; no-op rerun {noop:.2f} s (target <= 2 s)")
        print(f"after adding one chapter, planned jobs: {planned_jobs(dry)}")
        for size in args.sizes:
            project = make_project(Path(tmp) / f"n{size}", size, args.seed_share)
            seconds, _ = snakemake(project, args.cores)
            stats = job_stats(project)
            busy = stats["s"].sum() / (seconds * args.cores)
            print(
                f"{size:>3} chapters: {seconds:7.1f} s wall, {seconds / size:5.2f} s/chapter, "
                f"{len(stats)} jobs, cores busy {busy:.0%}, "
                f"peak job memory {stats['max_rss'].max():.0f} MB "
                f"({stats.loc[stats['max_rss'].idxmax(), 'rule']})"
            )


if __name__ == "__main__":
    main()
