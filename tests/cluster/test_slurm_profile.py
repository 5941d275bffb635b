"""The SLURM profile, without SLURM: a dry run plans one job per chapter plus one for the book.

The run on a real SLURM is ``tests/cluster/run_slurm_test.sh`` (``make test-cluster``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_project

PROFILE = ROOT / "workflow" / "profiles" / "slurm" / "config.yaml"


def dry_run(project: Path) -> str:
    """Return the output of a forced dry run of ``project`` through the SLURM profile."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--workflow-profile",
            "workflow/profiles/slurm",
            "--dry-run",
            "--forceall",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_profile_uses_the_slurm_executor_with_default_resources() -> None:
    profile = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    assert profile["executor"] == "slurm"
    assert profile["default-resources"]["mem_mb"] > 0
    assert profile["default-resources"]["runtime"] > 0
    assert set(profile["groups"].values()) == {"chapter", "book"}


def test_every_job_runs_in_a_chapter_or_book_group(tmp_path: Path) -> None:
    pytest.importorskip("snakemake_executor_plugin_slurm")
    output = dry_run(copy_project(tmp_path))
    chapters = sorted(path.stem for path in (tmp_path / "data" / "raw").glob("*.txt"))
    assert len(re.findall(r"Group job chapter\b", output)) == len(chapters)
    assert len(re.findall(r"Group job book\b", output)) == 1
    # Jobs outside a group are printed unindented; only the target rule `all` may be one.
    ungrouped = set(re.findall(r"^rule (\w+):", output, flags=re.MULTILINE))
    assert ungrouped == {"all"}, f"rules missing from the profile's groups: {ungrouped - {'all'}}"
