"""The leader roster: who counts as a leader and which names and titles stand for them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from leaderlens.workflow import read_yaml

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "leaders.schema.yaml"
"""The roster's JSON schema (YAML), in the project's ``workflow/schemas`` folder."""


@dataclass(frozen=True)
class TitleScope:
    """Where a title stands for its leader: a date range, chapters, leaders nearby.

    Attributes:
        title: The title, as listed in the leader's ``titles``.
        start: First month the title applies ("1922-04" or "1922"), or None.
        end: Last month the title applies, or None.
        chapters: Glob patterns of chapter names the title applies in (empty: all).
        near: Leader ids of which one must be named in the same or the previous sentence
            ("her brother" is Lenin only next to Maria Ulyanova); empty: no condition.
    """

    title: str
    start: str | None = None
    end: str | None = None
    chapters: tuple[str, ...] = ()
    near: tuple[str, ...] = ()


@dataclass(frozen=True)
class Leader:
    """One leader of the roster.

    Attributes:
        id: Stable lowercase key, the ``leader`` column of every table.
        name: Display name.
        gender: ``male`` or ``female`` (for pronouns).
        aliases: Name forms that stand for this person.
        titles: Phrases that stand for this person ("the Old Man").
        homonyms: Aliases that also name places or other people; they need a person context.
        scopes: Limits on some of the titles (date, chapters, leaders nearby).
    """

    id: str
    name: str
    gender: str
    aliases: tuple[str, ...]
    titles: tuple[str, ...] = ()
    homonyms: tuple[str, ...] = ()
    scopes: tuple[TitleScope, ...] = ()


def load_roster(
    path: str | os.PathLike[str], *, schema_path: str | os.PathLike[str] = SCHEMA_PATH
) -> list[Leader]:
    """Read and validate a roster YAML file.

    Args:
        path: The roster file (``config/leaders.yaml``).
        schema_path: The JSON schema (YAML) to validate against.

    Returns:
        The leaders, sorted by id.

    Raises:
        ValueError: If the file breaks the schema (the message names the file and the key),
            two leaders share an id, an alias or a title, or a homonym is not an alias.
    """
    data = read_yaml(path)
    schema = read_yaml(schema_path)
    _validate(data, schema, path)
    leaders = [
        Leader(
            id=entry["id"],
            name=entry["name"],
            gender=entry["gender"],
            aliases=tuple(entry["aliases"]),
            titles=tuple(_title_text(title) for title in entry.get("titles", ())),
            homonyms=tuple(entry.get("homonyms", ())),
            scopes=tuple(
                _title_scope(title) for title in entry.get("titles", ()) if isinstance(title, dict)
            ),
        )
        for entry in data["leaders"]
    ]
    check_roster(leaders, source=str(path))
    return sorted(leaders, key=lambda leader: leader.id)


def check_roster(roster: list[Leader], *, source: str = "roster") -> None:
    """Reject duplicate ids, an alias or title given to two leaders, and stray homonyms.

    Aliases and titles are compared case-insensitively, in one namespace.

    Args:
        roster: The leaders.
        source: Where the roster came from, for error messages.

    Raises:
        ValueError: Naming both leaders and the shared term, or the offending homonym.
    """
    ids: set[str] = set()
    all_ids = {leader.id for leader in roster}
    owner: dict[str, tuple[str, str]] = {}
    for leader in roster:
        if leader.id in ids:
            raise ValueError(f"{source}: leader id {leader.id!r} is used twice; make ids unique")
        ids.add(leader.id)
        for term in (*leader.aliases, *leader.titles):
            key = _fold(term)
            previous = owner.get(key)
            if previous is not None and previous[0] != leader.id:
                raise ValueError(
                    f"{source}: {term!r} is given to both {previous[0]!r} and {leader.id!r} "
                    f"(as {previous[1]!r}); an alias or title must stand for one leader only"
                )
            owner[key] = (leader.id, term)
        unknown = sorted({near for scope in leader.scopes for near in scope.near} - all_ids)
        if unknown:
            raise ValueError(
                f"{source}: leader {leader.id!r}: titles name unknown leaders {unknown} under "
                "near; use ids of the roster"
            )
        stray = sorted(set(leader.homonyms) - set(leader.aliases))
        if stray:
            raise ValueError(
                f"{source}: leader {leader.id!r}: homonyms {stray} are not among its aliases; "
                "list them under aliases too"
            )


def roster_terms(roster: list[Leader]) -> list[str]:
    """List every word of every alias, for the cleaner to protect from spelling fixes.

    Initials ("V.") and one-letter words are left out.

    Args:
        roster: The leaders.

    Returns:
        Unique alias words, sorted.
    """
    words = {
        word
        for leader in roster
        for alias in leader.aliases
        for word in re.split(r"[\s-]+", alias)
        if len(word) > 1 and not word.endswith(".")
    }
    return sorted(words)


def _title_text(title: str | dict[str, Any]) -> str:
    """Return the phrase of a roster title given as a string or as a scoped mapping."""
    return title if isinstance(title, str) else title["title"]


def _title_scope(title: dict[str, Any]) -> TitleScope:
    """Build the scope of a roster title given as a mapping (``title``, ``from``, ...)."""
    return TitleScope(
        title=title["title"],
        start=None if title.get("from") is None else str(title["from"]),
        end=None if title.get("until") is None else str(title["until"]),
        chapters=tuple(title.get("chapters", ())),
        near=tuple(title.get("near", ())),
    )


def _fold(term: str) -> str:
    """Normalise a term for duplicate checks: case, apostrophes and spacing."""
    return " ".join(term.replace("\u2019", "'").casefold().split())


def _validate(data: Any, schema: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Validate roster data against the schema, naming the file and the offending key."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    error = errors[0]
    parts = list(error.absolute_path)
    where = "/".join(str(part) for part in parts) or "(top level)"
    if len(parts) >= 2 and parts[0] == "leaders" and isinstance(parts[1], int):
        entry = data["leaders"][parts[1]]
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            where = f"{where} (leader {entry['id']!r})"
    key = ""
    if error.validator == "additionalProperties":
        key = f" unexpected key(s) {sorted(set(error.instance) - set(error.schema['properties']))};"
    elif error.validator == "required":
        key = f" missing key in {where};"
    raise ValueError(
        f"{path}: invalid roster at {where}:{key} {error.message}. "
        "Fix the entry (see workflow/schemas/leaders.schema.yaml)"
    )
