"""Tests for the leader roster: loading, validation, duplicate checks, protected terms."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from leaderlens.roster import Leader, TitleScope, check_roster, load_roster, roster_terms

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ROSTER = ROOT / "config" / "leaders.yaml"

REQUIRED = [
    "lenin", "trotsky", "stalin", "kamenev", "zinoviev", "bukharin", "rykov", "tomsky",
    "kalinin", "molotov", "kuibyshev", "dzerzhinsky", "ordzhonikidze", "sokolnikov", "krasin",
    "pyatakov", "frunze", "krestinsky", "preobrazhensky", "milyutin", "tsyurupa", "sverdlov",
    "lunacharsky", "krupskaya", "maria_ulyanova",
]  # fmt: skip


def write_roster(tmp_path: Path, leaders: list[dict]) -> Path:
    """Write a roster YAML file with the given entries and return its path."""
    path = tmp_path / "leaders.yaml"
    path.write_text(yaml.safe_dump({"leaders": leaders}), encoding="utf-8")
    return path


def entry(leader_id: str, aliases: list[str], **extra: object) -> dict:
    """Build one roster entry."""
    return {
        "id": leader_id,
        "name": leader_id.title(),
        "gender": "male",
        "aliases": aliases,
    } | extra


def test_default_roster_loads_sorted_with_required_leaders():
    roster = load_roster(DEFAULT_ROSTER)
    ids = [leader.id for leader in roster]
    assert ids == sorted(ids)
    assert set(REQUIRED) <= set(ids)
    by_id = {leader.id: leader for leader in roster}
    assert {"Trotsky", "Trotski", "Trotzky", "Bronstein"} <= set(by_id["trotsky"].aliases)
    assert {"Dzhugashvili", "Djugashvili", "Koba"} <= set(by_id["stalin"].aliases)
    assert {"Orzhonikidze", "Orjonikidze", "Sergo"} <= set(by_id["ordzhonikidze"].aliases)
    assert {"Ulyanov", "Ulianov", "Ilich", "Vladimir Ilich"} <= set(by_id["lenin"].aliases)
    assert "the General Secretary" in by_id["stalin"].titles
    assert "the Old Man" in by_id["lenin"].titles
    assert by_id["krupskaya"].gender == "female"


def test_default_roster_has_no_bare_shared_first_names():
    aliases = {alias for leader in load_roster(DEFAULT_ROSTER) for alias in leader.aliases}
    assert not {"Maria", "Mariya", "Lev", "Nadezhda", "Vladimir", "Brilliant"} & aliases


def test_unknown_key_names_file_and_key(tmp_path):
    path = write_roster(tmp_path, [entry("lenin", ["Lenin"], nicknames=["Ilich"])])
    with pytest.raises(ValueError) as info:
        load_roster(path)
    message = str(info.value)
    assert str(path) in message
    assert "nicknames" in message
    assert "'lenin'" in message


def test_bad_value_names_the_offending_key(tmp_path):
    path = write_roster(tmp_path, [entry("lenin", ["Lenin"], gender="unknown")])
    with pytest.raises(ValueError, match=r"leaders/0/gender"):
        load_roster(path)


def test_missing_aliases_is_rejected(tmp_path):
    bad = {"id": "lenin", "name": "Lenin", "gender": "male"}
    with pytest.raises(ValueError, match="aliases"):
        load_roster(write_roster(tmp_path, [bad]))


def test_duplicate_alias_names_both_leaders(tmp_path):
    path = write_roster(
        tmp_path, [entry("kamenev", ["Kamenev", "Lev"]), entry("trotsky", ["Trotsky", "lev"])]
    )
    with pytest.raises(ValueError) as info:
        load_roster(path)
    message = str(info.value)
    assert "'kamenev'" in message and "'trotsky'" in message and "lev" in message.casefold()


def test_title_shared_with_an_alias_is_rejected():
    roster = [
        Leader("lenin", "Lenin", "male", ("Lenin",), titles=("the Old Man",)),
        Leader("other", "Other", "male", ("The Old Man",)),
    ]
    with pytest.raises(ValueError, match="'lenin' and 'other'"):
        check_roster(roster)


def test_duplicate_id_and_stray_homonym_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="used twice"):
        load_roster(write_roster(tmp_path, [entry("a", ["Alpha"]), entry("a", ["Beta"])]))
    with pytest.raises(ValueError, match="not among its aliases"):
        load_roster(write_roster(tmp_path, [entry("a", ["Alpha"], homonyms=["Gamma"])]))


def test_unreadable_file_names_it(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ValueError, match="nope.yaml"):
        load_roster(missing)


def test_roster_terms_are_alias_words_without_initials():
    roster = [
        Leader("lenin", "Lenin", "male", ("V. I. Lenin", "Vladimir Ilich", "Lenin")),
        Leader("bonch", "Bonch", "male", ("Bonch-Bruevich",), titles=("the Old Man",)),
    ]
    assert roster_terms(roster) == ["Bonch", "Bruevich", "Ilich", "Lenin", "Vladimir"]


def test_scoped_titles_load_with_their_scope(tmp_path):
    scoped = {"title": "the General Secretary", "from": "1922-04", "chapters": ["ch*"]}
    near = {"title": "her brother", "near": ["maria"]}
    path = write_roster(
        tmp_path,
        [
            entry("stalin", ["Stalin"], titles=["Koba the Georgian", scoped]),
            entry("lenin", ["Lenin"], titles=[near]),
            entry("maria", ["Mariya Ulyanova"], gender="female"),
        ],
    )
    by_id = {leader.id: leader for leader in load_roster(path)}
    assert by_id["stalin"].titles == ("Koba the Georgian", "the General Secretary")
    assert by_id["stalin"].scopes == (
        TitleScope("the General Secretary", start="1922-04", chapters=("ch*",)),
    )
    assert by_id["lenin"].scopes == (TitleScope("her brother", near=("maria",)),)


def test_bad_title_scope_is_rejected(tmp_path):
    bad_date = {"title": "the General Secretary", "from": "April 1922"}
    with pytest.raises(ValueError, match="leaders/0/titles/0"):
        load_roster(write_roster(tmp_path, [entry("stalin", ["Stalin"], titles=[bad_date])]))
    unknown = {"title": "her brother", "near": ["nobody"]}
    with pytest.raises(ValueError, match="nobody"):
        load_roster(write_roster(tmp_path, [entry("lenin", ["Lenin"], titles=[unknown])]))


def test_default_roster_scopes_the_general_secretary():
    by_id = {leader.id: leader for leader in load_roster(DEFAULT_ROSTER)}
    scopes = {scope.title: scope for scope in by_id["stalin"].scopes}
    assert scopes["the General Secretary"].start == "1922-04"


def test_yaml_syntax_error_names_line(tmp_path) -> None:
    path = tmp_path / "leaders.yaml"
    path.write_text("leaders:\n  - id: lenin\n    aliases: [Lenin\n")
    with pytest.raises(ValueError, match=r"leaders\.yaml, line \d+, column \d+: invalid YAML"):
        load_roster(path)
