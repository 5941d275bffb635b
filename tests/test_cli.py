"""The leaderlens command: argument handling and the Snakemake command it builds."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from leaderlens.cli import DEFAULT_PROFILE, build_parser, find_project, main, snakemake_command


def test_run_passes_snakemake_options_through() -> None:
    args, extra = build_parser().parse_known_args(["run", "-n", "--forceall"])
    assert args.command == "run" and extra == ["-n", "--forceall"]
    command = snakemake_command(extra)
    assert command[:3] == [sys.executable, "-m", "snakemake"]
    assert command[-2:] == ["-n", "--forceall"]
    assert command[command.index("--workflow-profile") + 1] == DEFAULT_PROFILE


def test_run_keeps_a_profile_the_user_names() -> None:
    command = snakemake_command(["--workflow-profile", "workflow/profiles/slurm"])
    assert command.count("--workflow-profile") == 1
    assert command[-1] == "workflow/profiles/slurm"


def test_help_lists_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "run" in out and "score-targets" in out


def test_find_project_walks_up(tmp_path: Path) -> None:
    (tmp_path / "Snakefile").write_text("")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project(nested) == tmp_path


def test_run_outside_a_project_is_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "-n"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("leaderlens: ") and "Snakefile" in err and "\n" not in err


def test_score_targets_missing_file_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score-targets", str(tmp_path / "nope.tsv"), str(tmp_path / "out.tsv")]) == 1
    assert "nope.tsv" in capsys.readouterr().err
    assert not (tmp_path / "out.tsv").exists()


def test_score_targets_uses_the_pipeline_method_by_default() -> None:
    import yaml

    from leaderlens.sentiment import DEFAULT_METHOD

    config = Path(__file__).resolve().parents[1] / "config" / "config.yaml"
    configured = yaml.safe_load(config.read_text(encoding="utf-8"))["sentiment"]["method"]
    args = build_parser().parse_args(["score-targets", "in.tsv", "out.tsv"])
    assert args.method == DEFAULT_METHOD == configured


def test_score_targets_threads_default_to_the_usable_cpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = build_parser().parse_args(["score-targets", "in.tsv", "out.tsv"])
    assert args.threads == len(os.sched_getaffinity(0))
    seen: dict[str, object] = {}

    def fake_score(*_args: object, **kwargs: object) -> int:
        seen.update(kwargs)
        return 0

    monkeypatch.setattr("leaderlens.sentiment.score_targets_file", fake_score)
    assert main(["score-targets", "in.tsv", str(tmp_path / "out.tsv"), "--threads", "3"]) == 0
    assert seen["threads"] == 3


@pytest.mark.parametrize("threads", ["0", "-1", "two"])
def test_score_targets_rejects_a_thread_count_below_one(
    threads: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["score-targets", "in.tsv", "out.tsv", "--threads", threads])
    assert exit_info.value.code == 2
    assert "--threads" in capsys.readouterr().err
