"""Every person of the corpus: PERSON entities of all chapters clustered into people.

Name clustering in the manner of BookNLP: each PERSON entity is reduced to its name words
(possessive, initials and honorifics removed). Entities the mentions stage already keyed to
a roster leader keep that leader. Full names (two or more words) form the clusters, keyed
by the entity's person key (the surname). A one-word name joins the cluster whose surname
it is, else the one cluster in which it is the given name or the patronymic ("Mariya" with
"Mariya Ulyanova", "Ilinichna" with "Mariya Ilinichna"); a one-word name that fits several
clusters, or none, stays a person of its own. People off the roster named often enough are
flagged as suggested roster additions, unless their names are mostly tagged as something
other than a person or are words of roster titles ("Sovnarkom").
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

import pandas as pd

from leaderlens.roster import Leader
from leaderlens.tables import PERSONS, empty_frame

log = logging.getLogger(__name__)

NAME_KINDS = ("name", "modifier")
"""Mention kinds that count as a leader being named."""

HONORIFICS = frozenset(
    {"comrade", "citizen", "professor", "doctor", "dr", "mr", "mrs", "madame", "general"}
)
"""Words before a name that are not part of it."""

OPENERS = frozenset(
    {
        "after", "although", "and", "as", "before", "but", "even", "however", "if", "meanwhile",
        "nevertheless", "nonetheless", "only", "still", "then", "though", "thus", "when",
        "while", "without", "yet",
    }
)  # fmt: skip
"""Capitalised sentence openers the parser sometimes takes into a PERSON entity."""

MIN_PERSON_SHARE = 0.5
"""A name tagged PERSON in fewer than this share of its entity occurrences (the rest ORG,
NORP, ...) is probably not a person and is never suggested for the roster."""


def name_words(surface: str) -> tuple[str, ...]:
    """Reduce a person's name as printed to its name words.

    Args:
        surface: The entity text ("Comrade N. Ustryalov's").

    Returns:
        The words without possessive, initials or honorifics, e.g. ``("Ustryalov",)``.
    """
    text = re.sub(r"['\u2019]s?\b", "", surface.replace("\n", " "))
    words = [w.strip(".,;:()\"'") for w in re.split(r"\s+", text)]
    words = [
        w
        for w in words
        if len(w) > 1 and w[:1].isupper() and w.casefold() not in HONORIFICS and "." not in w
    ]
    while len(words) > 1 and (words[0].casefold() in OPENERS or words[0].endswith("ly")):
        words = words[1:]
    return tuple(words)


def cluster_names(
    names: Iterable[tuple[tuple[str, ...], str]],
) -> dict[tuple[str, ...], str]:
    """Assign each name (its words) to a person key.

    Args:
        names: ``(words, key)`` pairs: a name's words and its key from the mentions stage
            (a leader id or a surname key).

    Returns:
        ``{words: person key}`` for every distinct name; one-word names are joined to the
        single cluster they fit (as surname, given name or patronymic), else keep their key.
    """
    pairs = sorted(set(names))
    full = [(words, key) for words, key in pairs if len(words) > 1]
    by_word: dict[str, set[str]] = defaultdict(set)
    surnames: dict[str, set[str]] = defaultdict(set)
    for words, key in full:
        surnames[words[-1].casefold()].add(key)
        for word in words[:-1]:
            by_word[word.casefold()].add(key)
    result = {}
    for words, key in pairs:
        if len(words) != 1:
            result[words] = key
            continue
        word = words[0].casefold()
        fits = surnames.get(word) or by_word.get(word) or set()
        result[words] = next(iter(fits)) if len(fits) == 1 else key
    return result


def build_persons(
    mentions: pd.DataFrame,
    entities: pd.DataFrame,
    roster: list[Leader],
    *,
    min_mentions: int = 5,
) -> pd.DataFrame:
    """Cluster every PERSON entity of the corpus into people.

    Args:
        mentions: ``tables.MENTIONS`` rows of all chapters.
        entities: ``tables.ENTITIES`` rows of all chapters.
        roster: The leaders.
        min_mentions: Off-roster people named at least this often are ``suggested``.

    Returns:
        ``tables.PERSONS`` rows sorted by person. ``n_mentions`` counts a leader's name
        mentions (kinds name and modifier) and another person's PERSON entities.
    """
    leader_ids = {leader.id: leader.name for leader in roster}
    persons = entities[(entities["label"] == "PERSON") & entities["person"].notna()]
    rows = [
        (chapter, name_words(surface), str(key))
        for chapter, surface, key in zip(
            persons["chapter"], persons["surface"], persons["person"], strict=True
        )
    ]
    rows = [row for row in rows if row[1]]
    if not rows and mentions.empty:
        log.warning("no persons in any chapter")
        return empty_frame(PERSONS)
    fixed = {(words, key) for _, words, key in rows if key in leader_ids}
    clusters = cluster_names((words, key) for _, words, key in rows if key not in leader_ids)
    names: dict[str, Counter] = defaultdict(Counter)
    chapters: dict[str, set[str]] = defaultdict(set)
    for chapter, words, key in rows:
        person = key if (words, key) in fixed else clusters[words]
        if person not in leader_ids:
            names[person][" ".join(words)] += 1
        chapters[person].add(chapter)
    named = mentions[mentions["kind"].isin(NAME_KINDS)]
    leader_counts = Counter(named["leader"])
    for chapter, leader, surface in zip(
        named["chapter"], named["leader"], named["surface"], strict=True
    ):
        chapters[leader].add(chapter)
        names[leader][" ".join(name_words(surface)) or surface] += 0
    share = _person_share(entities)
    title_words = {w.casefold() for leader in roster for t in leader.titles for w in t.split()}
    records = []
    for person in sorted(set(names) | set(leader_counts)):
        seen = names.get(person, Counter())
        leader = person if person in leader_ids else None
        n = leader_counts[person] if leader else sum(seen.values())
        records.append(
            {
                "person": person,
                "display_name": leader_ids[leader] if leader else _display_name(seen),
                "names": "; ".join(sorted(seen)),
                "n_mentions": n,
                "n_chapters": len(chapters[person]),
                "leader": leader,
                "suggested": leader is None
                and n >= min_mentions
                and max(share.get(name, 0.0) for name in seen) >= MIN_PERSON_SHARE
                and not all(w.casefold() in title_words for name in seen for w in name.split()),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=PERSONS.columns)
    frame["leader"] = frame["leader"].astype("string")
    return frame


def _display_name(seen: Counter) -> str:
    """Pick the most frequent of the longest name forms (ties: alphabetical)."""
    longest = max(len(name.split()) for name in seen)
    forms = [name for name in seen if len(name.split()) == longest]
    return min(forms, key=lambda name: (-seen[name], name))


def _person_share(entities: pd.DataFrame) -> dict[str, float]:
    """Return, for each name form, the share of its entity occurrences labelled PERSON."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for surface, label in zip(entities["surface"], entities["label"], strict=True):
        words = name_words(surface)
        if words:
            counts[" ".join(words)][label == "PERSON"] += 1
    return {name: c[True] / (c[True] + c[False]) for name, c in counts.items()}
