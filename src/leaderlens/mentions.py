"""Find leader mentions (names, titles, names in compounds) and list all named entities.

Names are matched with regular expressions over ``doc.text`` on word boundaries: each
roster alias as printed and in capitals, with optional initials before it ("V. I. Lenin").
Overlapping matches keep the longest; adjacent names of one leader merge ("Ilich Lenin"),
and a first name garbled by OCR one letter off still joins the name after it. A name inside
a hyphenated compound ("anti-Stalin") is a ``modifier``. Aliases the roster marks as
homonyms (a city named after a leader, a relative's surname) count only in a person
context. Titles ("the Old Man") are matched separately and may overlap names.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd
from spacy.tokens import Doc, Span

from leaderlens.positions import Layout, locate
from leaderlens.roster import Leader
from leaderlens.tables import ENTITIES, MENTIONS, empty_frame

log = logging.getLogger(__name__)

MentionKind = Literal["name", "title", "modifier"]

SPACE = r"(?=\s)[^\S\n]*\n?[^\S\n]*"
"""Whitespace between the words of a name: spaces and at most one line break."""

INITIALS = re.compile(r"(?<!\w)(?:(?:[A-Z]|Ch|Kh|Sh|Ts|Ya|Ye|Yu|Zh)\.[^\S\n]?){1,3}$")
"""One to three initials ("V. I. ", "G. Ya. ") ending right before a surname."""

DASHES = "-\u2010\u2011\u2013"
"""Hyphens and the en dash, which join the parts of a compound ("Lenin-Trotski")."""

PLACE_LABELS = frozenset({"LOC", "FAC"})
"""spaCy entity labels that, with "to"/"from" before, make a homonym alias a place.

GPE is left out: the small English model tags Russian surnames as GPE about one time in
six (measured on the seed chapter), so it is no evidence of a place.
"""

LOCATIVES = frozenset({"at", "in", "near", "outside", "inside", "around", "via", "into"})
"""Prepositions that, right before a homonym alias, make it a place."""

DIRECTIONS = frozenset({"to", "from", "towards", "toward"})
"""Prepositions that make a homonym alias a place after a verb of motion or a place tag."""

MOTION = frozenset(
    {
        "arrived", "back", "came", "come", "comes", "coming", "drive", "driven", "drove",
        "evacuated", "go", "goes", "going", "gone", "headed", "journey", "journeyed", "moved",
        "moving", "retired", "retreated", "return", "returned", "returning", "returns", "road",
        "route", "took", "transferred", "travel", "travelled", "traveled", "trip", "went", "way",
    }
)  # fmt: skip
"""Words of motion that, before "to"/"from", make the alias after them a place."""

PLACE_NOUNS = frozenset(
    {
        "academy",
        "avenue",
        "canal",
        "district",
        "estate",
        "factory",
        "guards",
        "hall",
        "hills",
        "hospital",
        "institute",
        "mansion",
        "museum",
        "oblast",
        "plant",
        "prospekt",
        "province",
        "region",
        "regiment",
        "sanatorium",
        "square",
        "station",
        "street",
        "university",
        "works",
    }
)
"""Nouns that, right after a homonym alias, make it a place or an institution."""

HONORIFICS = frozenset(
    {
        "comrade",
        "citizen",
        "professor",
        "doctor",
        "dr",
        "mr",
        "mrs",
        "madame",
        "commissar",
        "chairman",
        "secretary",
        "general",
        "president",
        "premier",
        "marshal",
    }
)
"""Capitalised words that may stand before a leader's surname without naming someone else."""

_PREVIOUS_WORD = re.compile(r"(?<!\w)([^\W\d_]+)(?:[^\S\n]+\n?|\n)[^\S\n]*$")
"""A word followed by spaces (at most one line break) up to the end of the search window."""

SENTENCE_OPENERS = ".!?:;\"'(\u2018\u201c["
"""Characters after which a capitalised word may be capitalised only as a sentence start."""


@dataclass(frozen=True)
class _Match:
    """A candidate mention: a clean-text span standing for one leader."""

    start: int
    end: int
    leader: str
    kind: MentionKind
    alias: str


@dataclass(frozen=True)
class _Pattern:
    """A compiled alias or title with its leader."""

    regex: re.Pattern[str]
    leader: str
    alias: str
    kind: Literal["name", "title"]


def find_mentions(
    doc: Doc,
    roster: list[Leader],
    layout: Layout,
    *,
    chapter: str,
    include_titles: bool = True,
) -> pd.DataFrame:
    """Find every mention of a roster leader by name, title or name in a compound.

    Args:
        doc: The parsed chapter (``doc.text`` is the clean text; entities used for homonyms).
        roster: The leaders (``roster.load_roster``).
        layout: The chapter's layout, with sentences.
        chapter: The chapter name for the ``chapter`` column.
        include_titles: Also count roster titles ("the General Secretary").

    Returns:
        ``tables.MENTIONS`` rows sorted by start, ``mention_id`` 0.. in text order.
    """
    text = doc.text
    by_id = {leader.id: leader for leader in roster}
    names = _longest(_name_matches(text, _patterns(tuple(roster), "name")))
    entities = _entity_index(doc)
    names = [
        m
        for m in names
        if m.alias not in by_id[m.leader].homonyms
        or _person_context(text, m, by_id[m.leader], entities)
    ]
    names = [_extend_left(text, m, by_id[m.leader]) for m in _merge_adjacent(text, names)]
    names = [_as_modifier(text, m) for m in names]
    titles: list[_Match] = []
    if include_titles:
        titles = _longest(_title_matches(text, _patterns(tuple(roster), "title")))
    matches = sorted(set(names) | set(titles), key=lambda m: (m.start, m.end, m.leader, m.kind))
    if not matches:
        log.warning("chapter %s: no leader mentions found", chapter)
        return empty_frame(MENTIONS)
    frame = pd.DataFrame(
        {
            "chapter": chapter,
            "mention_id": range(len(matches)),
            "leader": [m.leader for m in matches],
            "surface": [text[m.start : m.end] for m in matches],
            "kind": [m.kind for m in matches],
            "start": [m.start for m in matches],
            "end": [m.end for m in matches],
        }
    )
    return locate(frame, layout)[MENTIONS.columns]


def find_entities(
    doc: Doc,
    roster: list[Leader],
    mentions: pd.DataFrame,
    layout: Layout,
    *,
    chapter: str,
) -> pd.DataFrame:
    """List every named entity, clustering PERSON entities into person keys.

    The roster corrects the parser, which tags Russian surnames as GPE or ORG about one time
    in four and misses some: an entity whose span is exactly a leader's name mention
    (possessive aside) is labelled PERSON, and a name mention that no entity overlaps is
    added as a PERSON entity. A PERSON entity's key is the leader id when it overlaps a
    leader mention or equals an alias; otherwise its surname (last word, possessive
    stripped, lowercased), so that "N. Ustryalov" and "Ustryalov" share a key. A surname
    equal to a leader id that is not that leader gets the suffix ``_other``.

    Args:
        doc: The parsed chapter.
        roster: The leaders.
        mentions: This chapter's ``tables.MENTIONS`` rows (from :func:`find_mentions`).
        layout: The chapter's layout, with sentences.
        chapter: The chapter name for the ``chapter`` column.

    Returns:
        ``tables.ENTITIES`` rows sorted by start, ``entity_id`` 0.. in text order.
    """
    text = doc.text
    alias_owner = {_fold(alias): leader.id for leader in roster for alias in leader.aliases}
    leader_ids = {leader.id for leader in roster}
    spans = sorted(
        zip(
            mentions["start"].astype(int),
            mentions["end"].astype(int),
            mentions["leader"],
            mentions["kind"],
            strict=True,
        )
    )
    names = {(start, end) for start, end, _, kind in spans if kind != "title"}
    rows = []
    for ent in doc.ents:
        label = _corrected_label(ent, names)
        person = _person_key(ent, spans, alias_owner, leader_ids) if label == "PERSON" else None
        rows.append((ent.start_char, ent.end_char, label, ent.text, person))
    covered = _entity_index(doc)
    for start, end, leader, kind in spans:
        if kind == "name" and _entity_at(covered, start, end) is None:
            rows.append((start, end, "PERSON", text[start:end], leader))
    if not rows:
        log.warning("chapter %s: no named entities", chapter)
        return empty_frame(ENTITIES)
    rows.sort(key=lambda row: row[:3])
    frame = pd.DataFrame(
        {
            "chapter": chapter,
            "entity_id": range(len(rows)),
            "surface": [row[3] for row in rows],
            "label": [row[2] for row in rows],
            "person": pd.array([row[4] for row in rows], dtype="string"),
            "start": [row[0] for row in rows],
            "end": [row[1] for row in rows],
        }
    )
    return locate(frame, layout)[ENTITIES.columns]


def _corrected_label(ent: Span, names: set[tuple[int, int]]) -> str:
    """Return PERSON for an entity that is exactly a leader name mention, else its label."""
    end = ent.end_char
    if re.search(r"['\u2019]s$", ent.text):
        end -= 2
    return "PERSON" if (ent.start_char, end) in names else ent.label_


def surname_key(ent: Span) -> str:
    """Return the normalised surname of a person entity: last word, no possessive, lowercase.

    Args:
        ent: A PERSON entity.

    Returns:
        The key, e.g. ``"ustryalov"`` for "N. Ustryalov's"; the folded text if no word.
    """
    words = [token.text for token in ent if any(ch.isalpha() for ch in token.text)]
    words = [w for w in words if _fold(w) not in {"'s", "s"}]
    if not words:
        return _fold(ent.text)
    word = re.sub(r"['\u2019]s?$", "", words[-1])
    return re.sub(r"[^\w-]", "", word).casefold() or _fold(ent.text)


def _person_key(
    ent: Span,
    spans: list[tuple[int, int, str, str]],
    alias_owner: dict[str, str],
    leader_ids: set[str],
) -> str:
    """Return the person key of a PERSON entity (leader id or surname key)."""
    best: tuple[int, int, int] | None = None
    leader = None
    for start, end, mention_leader, kind in spans:
        if start >= ent.end_char:
            break
        overlap = min(end, ent.end_char) - max(start, ent.start_char)
        if overlap <= 0:
            continue
        rank = (int(kind != "title"), overlap, -start)
        if best is None or rank > best:
            best, leader = rank, mention_leader
    if leader is not None:
        return leader
    text = re.sub(r"['\u2019]s$", "", ent.text.strip())
    if _fold(text) in alias_owner:
        return alias_owner[_fold(text)]
    key = surname_key(ent)
    return f"{key}_other" if key in leader_ids else key


@functools.lru_cache(maxsize=8)
def _patterns(roster: tuple[Leader, ...], kind: Literal["name", "title"]) -> list[_Pattern]:
    """Compile one regex per alias (kind ``name``) or per title (kind ``title``)."""
    patterns = []
    for leader in roster:
        terms = leader.aliases if kind == "name" else leader.titles
        for term in terms:
            body = _term_regex(term, fold_first=kind == "title")
            regex = re.compile(rf"(?<!\w)(?:{body})(?!\w)")
            patterns.append(_Pattern(regex, leader.id, term, kind))
    return patterns


def _term_regex(term: str, *, fold_first: bool) -> str:
    """Build the regex body for a term: as printed or in capitals, flexible spaces."""
    variants = []
    for form in (term, term.upper()):
        words = [re.escape(w).replace("'", "['\u2019]") for w in form.split()]
        if fold_first and words and words[0][:1].isalpha():
            first = words[0]
            words[0] = f"[{first[0].upper()}{first[0].lower()}]{first[1:]}"
        variants.append(SPACE.join(words))
    return "|".join(dict.fromkeys(variants))


def _name_matches(text: str, patterns: list[_Pattern]) -> list[_Match]:
    """Match every alias anywhere (overlaps allowed), with initials before one-word aliases."""
    matches = []
    for pattern in patterns:
        one_word = " " not in pattern.alias
        for found in pattern.regex.finditer(text):
            start = found.start()
            if one_word:
                initials = INITIALS.search(text, max(0, start - 12), start)
                if initials is not None:
                    start = initials.start()
            matches.append(_Match(start, found.end(), pattern.leader, "name", pattern.alias))
    return matches


def _title_matches(text: str, patterns: list[_Pattern]) -> list[_Match]:
    """Match every title anywhere (overlaps allowed)."""
    return [
        _Match(found.start(), found.end(), pattern.leader, "title", pattern.alias)
        for pattern in patterns
        for found in pattern.regex.finditer(text)
    ]


def _longest(matches: list[_Match]) -> list[_Match]:
    """Keep the longest of overlapping matches (earliest first on ties), sorted by start."""
    ordered = sorted(matches, key=lambda m: (m.start - m.end, m.start, m.leader, m.alias))
    taken: list[tuple[int, int]] = []
    kept = []
    for match in ordered:
        i = bisect.bisect_left(taken, (match.start, match.end))
        before = taken[i - 1] if i > 0 else None
        after = taken[i] if i < len(taken) else None
        if (before and before[1] > match.start) or (after and after[0] < match.end):
            continue
        taken.insert(i, (match.start, match.end))
        kept.append(match)
    return sorted(kept, key=lambda m: (m.start, m.end))


def _merge_adjacent(text: str, matches: list[_Match]) -> list[_Match]:
    """Join names of one leader separated only by spaces ("Ilich" + "Lenin")."""
    merged: list[_Match] = []
    for match in matches:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.leader == match.leader
            and re.fullmatch(SPACE, text[last.end : match.start])
        ):
            merged[-1] = replace(last, end=match.end, alias=f"{last.alias} {match.alias}")
        else:
            merged.append(match)
    return merged


def _extend_left(text: str, match: _Match, leader: Leader) -> _Match:
    """Take in up to two preceding name words of the same leader, allowing one OCR error.

    "Vladmir Ilich Lenin": "Vladmir" is one letter off "Vladimir", which comes before
    "Ilich" in the alias "Vladimir Ilich Lenin", so the mention starts at "Vladmir".
    """
    for _ in range(2):
        previous = _previous_word(text, match.start)
        if previous is None:
            break
        word, start = previous
        first = text[match.start : match.end].split()[0]
        if not word[:1].isupper() or not any(
            _fold(a) == _fold(first) and _similar(word, b)
            for alias in leader.aliases
            for b, a in zip(alias.split(), alias.split()[1:], strict=False)
        ):
            break
        match = replace(match, start=start)
    return match


def _as_modifier(text: str, match: _Match) -> _Match:
    """Mark a name joined to a word by a hyphen ("anti-Stalin", "Lenin-Trotski")."""
    start, end = match.start, match.end
    before = start >= 2 and text[start - 1] in DASHES and text[start - 2].isalpha()
    after = end + 1 < len(text) and text[end] in DASHES and text[end + 1].isalpha()
    return replace(match, kind="modifier") if before or after else match


def _person_context(
    text: str, match: _Match, leader: Leader, entities: tuple[list[int], list[tuple]]
) -> bool:
    """Decide whether a homonym alias names the leader here, not a place or a relative.

    Not the leader: right after another person's first name (lexically, or inside one
    PERSON entity: "Dmitri Ulyanov"); before a place noun ("the Gorki estate"); after a
    locative preposition ("at Gorki"; not "in Molotov's view"); after "to"/"from" that
    follow a verb of motion or when the entity is tagged LOC/FAC ("returned to Gorki").
    """
    own_words = {w.casefold() for alias in leader.aliases for w in alias.split()}
    previous = _previous_word(text, match.start)
    after_name = (
        previous is not None
        and not _sentence_initial(text, previous[1])
        and _foreign_given_name(previous[0], own_words)
    )
    entity = _entity_at(entities, match.start, match.end)
    label = entity[2] if entity is not None else None
    inside_name = (
        label == "PERSON"
        and entity is not None
        and any(_foreign_given_name(w, own_words) for w in text[entity[0] : match.start].split())
    )
    if after_name or inside_name:
        return False
    following = re.match(r"[^\S\n]*([A-Za-z]+)", text[match.end : match.end + 30])
    if following is not None and following.group(1).casefold() in PLACE_NOUNS:
        return False
    if previous is None:
        return True
    before = previous[0].casefold()
    possessive = re.match(r"['\u2019]s\b", text[match.end : match.end + 3]) is not None
    if before in LOCATIVES:
        return possessive
    if before in DIRECTIONS:
        earlier = _previous_word(text, previous[1])
        motion = earlier is not None and earlier[0].casefold() in MOTION
        return not (motion or label in PLACE_LABELS)
    return True


def _foreign_given_name(word: str, own_words: set[str]) -> bool:
    """Tell whether a word looks like another person's given name before a surname."""
    word = word.strip(".,;:'\u2019\"()")
    return (
        word[:1].isupper()
        and word.isalpha()
        and len(word) > 2
        and word.casefold() not in HONORIFICS
        and not any(_similar(word, own) for own in own_words)
    )


def _entity_index(doc: Doc) -> tuple[list[int], list[tuple[int, int, str]]]:
    """Index the Doc's entities by start offset for overlap look-ups."""
    ents = sorted((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
    return [e[0] for e in ents], ents


def _entity_at(
    index: tuple[list[int], list[tuple]], start: int, end: int
) -> tuple[int, int, str] | None:
    """Return the entity ``(start, end, label)`` overlapping ``[start, end)``, if any."""
    starts, ents = index
    i = bisect.bisect_left(starts, end)
    for ent in reversed(ents[max(0, i - 3) : i]):
        if ent[0] < end and ent[1] > start:
            return ent
    return None


def _previous_word(text: str, offset: int) -> tuple[str, int] | None:
    """Return the word right before ``offset`` (spaces only between) and its start."""
    window = max(0, offset - 40)
    found = _PREVIOUS_WORD.search(text, window, offset)
    if found is None:
        return None
    return found.group(1), found.start(1)


def _sentence_initial(text: str, offset: int) -> bool:
    """Tell whether the word at ``offset`` starts a sentence or a paragraph."""
    before = text[:offset].rstrip(" \t")
    return not before or before.endswith("\n") or before[-1] in SENTENCE_OPENERS


def _similar(word: str, target: str) -> bool:
    """Tell whether two name words are equal, or one edit apart when both have 5+ letters."""
    a, b = word.casefold(), target.casefold()
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a[0] != b[0]:
        return False
    return _edit_distance(a, b) <= 1


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two short strings."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _fold(term: str) -> str:
    """Normalise a term for comparison: case, apostrophes and spacing."""
    return " ".join(term.replace("\u2019", "'").casefold().split())
