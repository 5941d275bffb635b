"""Find leader mentions (names, titles, names in compounds) and list all named entities.

Names are matched with regular expressions over ``doc.text`` on word boundaries: each
roster alias as printed and in capitals, with optional initials before it ("V. I. Lenin").
Overlapping matches keep the longest; adjacent names of one leader merge ("Ilich Lenin"),
and a first name garbled by OCR one letter off still joins the name after it. A name inside
a hyphenated compound ("anti-Stalin") is a ``modifier``. Aliases the roster marks as
homonyms (a city named after a leader, a relative's surname) count only in a person
context. A bare given name ("Mariya") is the person of the nearest full name with that
given name. Unseen spellings are caught by fuzzy matching of proper-name words against
the roster's one-word aliases. Titles ("the Old Man") are matched separately, may overlap
names and may be limited to dates, chapters or leaders nearby. Pronouns (he/him/his,
she/her for women) are resolved to the most salient compatible person of the same or the
previous two sentences, with a confidence; a pronoun whose best antecedent is not a
leader is not a mention.
"""

from __future__ import annotations

import bisect
import difflib
import fnmatch
import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from spacy.tokens import Doc, Span

from leaderlens.positions import Layout, locate
from leaderlens.roster import Leader, TitleScope
from leaderlens.tables import ENTITIES, MENTIONS, empty_frame
from leaderlens.voice import find_voice, is_speech_tag, quote_spans, speech_verb_of

log = logging.getLogger(__name__)

MentionKind = Literal["name", "title", "modifier", "pronoun"]

FUZZY_THRESHOLD = 0.85
"""Default similarity (0..1) for an unseen spelling to match a roster name; chosen in
benchmarks/bench_mentions.py (``--fuzzy-curve``): leave-one-out recall of the roster's own
transliteration variants against false matches of the chapter's other proper names."""

PRONOUN_MIN_CONFIDENCE = 0.5
"""Resolved pronouns below this confidence are not reported."""

PRONOUNS = {
    "he": "male", "him": "male", "his": "male", "himself": "male",
    "she": "female", "her": "female", "hers": "female", "herself": "female",
}  # fmt: skip
"""Third-person singular pronouns and the gender they refer to."""

GENDERED_NOUNS = {
    "father": "male", "brother": "male", "son": "male", "husband": "male", "uncle": "male",
    "grandfather": "male", "nephew": "male", "man": "male", "king": "male", "tsar": "male",
    "emperor": "male", "boy": "male", "gentleman": "male",
    "mother": "female", "sister": "female", "daughter": "female", "wife": "female",
    "widow": "female", "aunt": "female", "niece": "female", "woman": "female", "girl": "female",
    "lady": "female", "grandmother": "female", "tsarina": "female", "empress": "female",
}  # fmt: skip
"""Singular nouns for one person of known gender: rival antecedents of a pronoun."""

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip

_DATE = re.compile(
    r"(?<![\w,.])(?:(January|February|March|April|May|June|July|August|September|October"
    r"|November|December)[^\S\n]+(?:\d{1,2},?[^\S\n]+)?)?(1[7-9]\d\d|20\d\d)(?![\w,])"
)
"""A year, with the month before it where printed ("April 1922", "3 March 1923")."""

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})

ROLE_NOUNS = ("patient", "invalid", "convalescent")
"""Heads of descriptions that stand for one salient person ("the most reluctant patient")
and are resolved like pronouns, kind ``title``; one OCR letter may differ."""

PREMODIFIER_TAGS = frozenset(
    {"DT", "JJ", "JJR", "JJS", "RBS", "RBR", "NNP", "NNPS", "NN", "POS", "CD", "HYPH", "VBN"}
)
"""Tags of the words before a description's head that belong to its noun phrase."""

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
    confidence: float = 1.0


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
    pronouns: bool = True,
    fuzzy_threshold: float | None = FUZZY_THRESHOLD,
) -> pd.DataFrame:
    """Find every mention of a roster leader by name, title, name in a compound or pronoun.

    Args:
        doc: The parsed chapter (``doc.text`` is the clean text; entities used for homonyms
            and fuzzy matching, the dependency parse for pronoun antecedents).
        roster: The leaders (``roster.load_roster``).
        layout: The chapter's layout, with sentences.
        chapter: The chapter name for the ``chapter`` column (and title scopes).
        include_titles: Also count roster titles ("the General Secretary").
        pronouns: Also resolve he/him/his (she/her) to leaders, kind ``pronoun``.
        fuzzy_threshold: Similarity (0..1) at which an unseen spelling of a proper name
            matches a roster alias; None turns fuzzy matching off.

    Returns:
        ``tables.MENTIONS`` rows sorted by start, ``mention_id`` 0.. in text order;
        ``confidence`` is 1.0 except for pronouns.
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
    names = sorted(
        names + _given_name_matches(text, names, roster, entities),
        key=lambda m: (m.start, m.end),
    )
    if fuzzy_threshold is not None:
        fuzzy = _fuzzy_matches(doc, names, roster, threshold=fuzzy_threshold)
        names = sorted(names + fuzzy, key=lambda m: (m.start, m.end))
    names = [_extend_left(text, m, by_id[m.leader]) for m in _merge_adjacent(text, names)]
    names = [_as_modifier(text, m) for m in names]
    titles: list[_Match] = []
    if include_titles:
        titles = _longest(_title_matches(text, _patterns(tuple(roster), "title")))
        titles = _scoped_titles(text, titles, names, roster, layout, chapter=chapter)
    matches = sorted(set(names) | set(titles), key=lambda m: (m.start, m.end, m.leader, m.kind))
    if pronouns:
        matches = sorted(
            matches + _pronoun_matches(doc, matches, roster, layout),
            key=lambda m: (m.start, m.end, m.leader, m.kind),
        )
    if include_titles:
        matches = sorted(
            matches + _description_matches(doc, matches, roster, layout),
            key=lambda m: (m.start, m.end, m.leader, m.kind),
        )
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
            "confidence": [float(m.confidence) for m in matches],
        }
    )
    return locate(frame, layout)[MENTIONS.columns]


def _given_name_matches(
    text: str,
    names: list[_Match],
    roster: list[Leader],
    entities: tuple[list[int], list[tuple]],
) -> list[_Match]:
    """Match bare given names ("Mariya") to the person of the nearest full name.

    A given name is the first word of a roster alias of two or more words. Where it stands
    alone (no capitalised word after it), it names whoever the nearest full name beginning
    with it names: the nearest before it, else the nearest after it. It is a mention when
    that full name is a roster alias ("Mariya Ulyanova"), not when it is someone else
    ("Mariya Volodicheva"), and only in a person context.
    """
    owners: dict[str, set[str]] = {}
    for leader in roster:
        for alias in leader.aliases:
            words = alias.split()
            if len(words) > 1 and words[0][:1].isupper() and not words[0].endswith("."):
                owners.setdefault(words[0], set()).add(leader.id)
    taken = _covered(text, ((m.start, m.end) for m in names))
    name_at = {m.start: m.leader for m in names}
    by_id = {leader.id: leader for leader in roster}
    found = []
    for given in sorted(owners):
        regex = re.compile(rf"(?<![\w.-]){re.escape(given)}(?![\w-])")
        full: list[tuple[int, str | None]] = []
        bare: list[int] = []
        for hit in regex.finditer(text):
            after = re.match(rf"(?:['\u2019]s)?{SPACE}([A-Z][\w'\u2019-]*)", text[hit.end() :])
            if after is not None and not after.group(1).isupper():
                full.append((hit.start(), name_at.get(hit.start())))
            elif not taken[hit.start() : hit.end()].any():
                bare.append(hit.start())
        for start in bare:
            before = [item for item in full if item[0] < start]
            nearest = before[-1] if before else next(iter(full), None)
            if nearest is None or nearest[1] is None:
                continue
            match = _Match(start, start + len(given), nearest[1], "name", given)
            if _person_context(text, match, by_id[nearest[1]], entities):
                found.append(match)
    return found


def _skeleton(word: str) -> str:
    """Reduce a name word to a transliteration-neutral form for fuzzy comparison.

    Accents are dropped, the case folded, a possessive removed, and spellings that vary
    between transliteration systems unified (dzh/dj/zh -> j, kh -> h, tz -> ts, w -> v,
    y -> i, ii -> i, ie -> e, final -skii/-sky -> -ski).
    """
    word = unicodedata.normalize("NFKD", word)
    word = "".join(ch for ch in word if not unicodedata.combining(ch)).casefold()
    word = re.sub(r"['\u2019]s?$", "", word)
    word = re.sub(r"[^a-z]", "", word)
    for old, new in (("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("tz", "ts"),
                     ("w", "v"), ("y", "i"), ("ii", "i"), ("ie", "e"), ("ks", "x")):  # fmt: skip
        word = word.replace(old, new)
    return word


def name_similarity(a: str, b: str) -> float:
    """Score how alike two name words are, after transliteration folding (0..1).

    Args:
        a: A word as printed ("Trotzki").
        b: A roster alias word ("Trotsky").

    Returns:
        The ratio of matching characters (difflib) of the two skeletons; 1.0 when equal.
    """
    x, y = _skeleton(a), _skeleton(b)
    if not x or not y:
        return 0.0
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()


DERIVATIONS = frozenset({"ism", "isms", "ist", "ists", "ite", "ites", "ian", "ians", "ism's"})
"""Endings that make a word from a leader's name a movement, not the person ("Leninist")."""

FUZZY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC"})
"""Entity labels whose words may be unseen spellings of a leader's name (the small model
often tags Russian surnames as GPE or ORG)."""


def _fuzzy_matches(
    doc: Doc, names: list[_Match], roster: list[Leader], *, threshold: float
) -> list[_Match]:
    """Match capitalised words inside named entities to one-word roster aliases.

    A word of five or more letters, not already a mention, not a derivative of an alias
    ("Leninist", "Stalinism") and not all in capitals, matches the alias it is most similar
    to (:func:`name_similarity`) when the score reaches ``threshold`` and no other leader's
    alias scores as high. Homonym aliases are left to the exact matcher.
    """
    surnames = [
        (alias, leader.id)
        for leader in roster
        for alias in leader.aliases
        if " " not in alias and len(alias) >= 5 and alias not in leader.homonyms
    ]
    if not surnames:
        return []
    taken = _covered(doc.text, ((m.start, m.end) for m in names))
    best_alias: dict[str, tuple[str, float, str, float]] = {}  # word -> leader, score, alias, 2nd
    found = []
    seen: set[int] = set()
    for ent in doc.ents:
        if ent.label_ not in FUZZY_LABELS:
            continue
        for token in ent:
            word = re.sub(r"['\u2019]s$", "", token.text)
            start, end = token.idx, token.idx + len(word)
            if (
                start in seen
                or len(word) < 5
                or not word[:1].isupper()
                or not word.isalpha()
                or word.isupper()
                or taken[start:end].any()
            ):
                continue
            seen.add(start)
            folded = word.casefold()
            if any(
                folded.startswith(a.casefold()) and folded[len(a) :] in DERIVATIONS
                for a, _ in surnames
            ):
                continue
            if word not in best_alias:
                best_alias[word] = _closest_leader(word, surnames)
            best, score, alias, second = best_alias[word]
            if score >= threshold and second < score:
                found.append(_Match(start, end, best, "name", alias))
    return found


def _covered(text: str, spans: Iterable[tuple[int, int]]) -> np.ndarray:
    """Mark the characters of ``text`` inside any of the spans (for overlap tests in O(1))."""
    mask = np.zeros(len(text) + 1, dtype=bool)
    for start, end in spans:
        mask[start:end] = True
    return mask


def _closest_leader(word: str, surnames: list[tuple[str, str]]) -> tuple[str, float, str, float]:
    """Return the leader whose alias is most like ``word``: id, score, alias, runner-up score."""
    scores: dict[str, tuple[float, str]] = {}
    for alias, leader in surnames:
        score = name_similarity(word, alias)
        if score > scores.get(leader, (0.0, ""))[0]:
            scores[leader] = (score, alias)
    ranked = sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))
    best, (score, alias) = ranked[0]
    return best, score, alias, ranked[1][1][0] if len(ranked) > 1 else -1.0


def _dates(text: str) -> tuple[list[int], list[tuple[int, int | None]]]:
    """List the dates printed in a text: their offsets and ``(year, month or None)``."""
    offsets, dates = [], []
    for hit in _DATE.finditer(text):
        month = MONTHS.index(hit.group(1).casefold()) + 1 if hit.group(1) else None
        offsets.append(hit.start())
        dates.append((int(hit.group(2)), month))
    return offsets, dates


def _in_period(date: tuple[int, int | None], scope: TitleScope) -> bool:
    """Tell whether a printed date falls in a title's period (an unknown month fits)."""
    year, month = date
    for bound, sign in ((scope.start, 1), (scope.end, -1)):
        if bound is None:
            continue
        parts = [int(p) for p in bound.split("-")]
        if sign * (year - parts[0]) < 0:
            return False
        same_year = year == parts[0] and month is not None and len(parts) > 1
        if same_year and sign * (month - parts[1]) < 0:
            return False
    return True


def _scoped_titles(
    text: str,
    titles: list[_Match],
    names: list[_Match],
    roster: list[Leader],
    layout: Layout,
    *,
    chapter: str,
) -> list[_Match]:
    """Drop title matches outside their scope: period, chapters and leaders nearby.

    The period is checked against the latest date printed before the title in the
    chapter; a title with no date before it is kept.
    """
    scopes = {
        (leader.id, _fold(scope.title)): scope for leader in roster for scope in leader.scopes
    }
    if not scopes:
        return titles
    offsets, dates = _dates(text)
    kept = []
    for match in titles:
        scope = scopes.get((match.leader, _fold(match.alias)))
        if scope is None:
            kept.append(match)
            continue
        if scope.chapters and not any(fnmatch.fnmatch(chapter, p) for p in scope.chapters):
            continue
        i = bisect.bisect_left(offsets, match.start)
        if i > 0 and not _in_period(dates[i - 1], scope):
            continue
        if scope.near:
            sentence = layout.sentence_at(match.start)
            if not any(
                n.leader in scope.near
                and n.start < match.start
                and sentence - layout.sentence_at(n.start) <= 1
                for n in names
            ):
                continue
        kept.append(match)
    return kept


def _description_matches(
    doc: Doc, matches: list[_Match], roster: list[Leader], layout: Layout
) -> list[_Match]:
    """Resolve descriptions headed by a role noun ("the patient") to the salient leader.

    The head is a singular :data:`ROLE_NOUNS` word (one OCR letter off allowed) with no
    prepositional or clause complement ("the patient in the next bed" is someone else);
    the phrase runs left over its premodifiers to "the" or a possessive name. It resolves
    like a pronoun of either gender (:func:`_antecedent`) and is kept, kind ``title``, when
    the winner is a leader.
    """
    if layout.sentences.empty:
        return []
    referents = _referents(doc, matches, roster, layout)
    covered = _covered(doc.text, ((m.start, m.end) for m in matches))
    found = []
    for token in doc:
        letters = re.sub(r"[^a-z]", "", token.lower_)
        if not any(
            letters == noun or (len(letters) == len(noun) and _edit_distance(letters, noun) == 1)
            for noun in ROLE_NOUNS
        ):
            continue
        if any(child.dep_ in ("prep", "relcl", "acl") for child in token.children):
            continue
        first = token
        while first.i > 0 and doc[first.i - 1].tag_ in PREMODIFIER_TAGS:
            first = doc[first.i - 1]
            if first.lower_ in ("the", "a", "an", "this", "that"):
                break
        if first.lower_ in ("a", "an") or first.i == token.i:
            continue
        start, end = first.idx, token.idx + len(token)
        if covered[start:end].any():
            continue
        here = _referent(doc, start, end, None, None, layout)
        best = _antecedent(token, here, referents)
        if best is None or best[0].leader is None or best[1] < PRONOUN_MIN_CONFIDENCE:
            continue
        found.append(_Match(start, end, best[0].leader, "title", token.text, best[1]))
    return found


def _referents(
    doc: Doc, matches: list[_Match], roster: list[Leader], layout: Layout
) -> list[_Referent]:
    """List possible antecedents: leader mentions, other persons, gendered nouns.

    Other PERSON entities are female when a name word ends in -a, else male; singular
    gendered nouns ("his father") count as persons of their gender.
    """
    gender = {leader.id: leader.gender for leader in roster}
    referents = [
        _referent(doc, m.start, m.end, m.leader, gender[m.leader], layout)
        for m in matches
        if m.kind != "modifier"
    ]
    covered = _covered(doc.text, ((m.start, m.end) for m in matches))
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        if covered[ent.start_char : ent.end_char].any():
            continue
        female = any(w.endswith("a") for w in re.findall(r"[A-Za-z]{3,}", ent.text))
        sex = "female" if female else "male"
        referents.append(_referent(doc, ent.start_char, ent.end_char, None, sex, layout))
    for token in doc:
        noun_gender = GENDERED_NOUNS.get(token.lower_)
        if noun_gender is None or token.tag_ in ("NNS", "NNPS"):
            continue
        if covered[token.idx]:
            continue
        end = token.idx + len(token)
        referents.append(_referent(doc, token.idx, end, None, noun_gender, layout))
    return sorted(referents, key=lambda r: r.start)


@dataclass(frozen=True)
class _Referent:
    """A possible antecedent of a pronoun: a person named or described in the text."""

    start: int
    end: int
    leader: str | None
    gender: str | None
    sentence: int
    paragraph: int
    subject: bool
    head: int
    plural: bool = False


def _pronoun_matches(
    doc: Doc, matches: list[_Match], roster: list[Leader], layout: Layout
) -> list[_Match]:
    """Resolve third-person singular pronouns to leaders, with a confidence.

    Antecedents are the leader mentions (names and titles), other PERSON entities (female
    when a name word ends in -a), singular gendered nouns ("his father") and pronouns
    already resolved. Among those before the pronoun in the same or the previous two
    sentences and of a compatible gender, the most salient wins: recent sentences first,
    then subjects, then the nearest. An object pronoun ("him") cannot take the subject of
    its own verb. Confidence is 0.9 in the same sentence, 0.85 one sentence back, 0.7 two
    back, 0.1 lower across a paragraph break, and times 0.6 when a different person of the
    same gender is nearly as salient. Speech bars some antecedents
    (:func:`_barred_by_speech`). A pronoun whose winner is not a leader is dropped, as are
    resolutions below :data:`PRONOUN_MIN_CONFIDENCE`.
    """
    if layout.sentences.empty:
        return []
    referents = _referents(doc, matches, roster, layout)
    found = []
    for token in doc:
        pronoun_gender = PRONOUNS.get(token.lower_)
        if pronoun_gender is None:
            continue
        here = _referent(doc, token.idx, token.idx + len(token), None, pronoun_gender, layout)
        binder = _reflexive_binder(token) if token.lower_.endswith("self") else None
        if binder is not None:
            bound = next((r for r in referents if r.start <= binder.idx < r.end), None)
            if bound is None or bound.gender != pronoun_gender:
                continue  # bound to a thing or a person who is not in view
            best = (bound, 0.9)
        else:
            best = _antecedent(token, here, referents, _barred_by_speech(token, referents))
        if best is None:
            continue
        referent, confidence = best
        resolved = replace(here, leader=referent.leader, subject=token.dep_ in SUBJECT_DEPS)
        i = bisect.bisect_left(referents, resolved.start, key=lambda r: r.start)
        referents.insert(i, resolved)
        if referent.leader is None or confidence < PRONOUN_MIN_CONFIDENCE:
            continue
        found.append(
            _Match(here.start, here.end, referent.leader, "pronoun", token.text, confidence)
        )
    return found


def _referent(
    doc: Doc, start: int, end: int, leader: str | None, gender: str | None, layout: Layout
) -> _Referent:
    """Describe a span as a possible antecedent: sentence, paragraph, subject role, head."""
    span = doc.char_span(start, end, alignment_mode="expand")
    root = span.root if span is not None and len(span) else None
    subject = root is not None and root.dep_ in SUBJECT_DEPS
    head = root.head.i if root is not None else -1
    plural = root is not None and (
        root.dep_ == "conj" or any(child.dep_ == "conj" for child in root.children)
    )
    return _Referent(
        start,
        end,
        leader,
        gender,
        layout.sentence_at(start),
        layout.paragraph_at(start),
        subject,
        head,
        plural,
    )


def _reflexive_binder(token) -> object | None:
    """Return the token a reflexive pronoun refers to: the noun it emphasises ("Stalin
    himself") or the subject of its clause ("the exporter would mobilise around himself");
    None when the parse gives neither."""
    head = token.head
    if token.dep_ in ("appos", "npadvmod") and head.pos_ in ("PROPN", "NOUN"):
        return head
    while True:
        subjects = [child for child in head.children if child.dep_ in SUBJECT_DEPS]
        if subjects:
            return subjects[0]
        if head.head.i == head.i or head.dep_ not in ("xcomp", "conj", "prep", "pcomp", "advcl"):
            return None
        head = head.head


def _antecedent(
    token,
    here: _Referent,
    referents: list[_Referent],
    barred: Callable[[_Referent], bool] | None = None,
) -> tuple[_Referent, float] | None:
    """Pick the most salient compatible referent before a pronoun (none that ``barred``
    rules out) and its confidence."""
    reflexive = token.lower_.endswith("self")
    is_object = token.lower_ in ("him", "her") and token.dep_ in ("dobj", "pobj", "dative")
    verbs = _governing_verbs(token) if is_object else set()
    # Referents are sorted by start (so by sentence): walk back from the pronoun over the
    # two previous sentences only, then restore text order.
    before = []
    for j in range(bisect.bisect_left(referents, here.start, key=lambda r: r.start) - 1, -1, -1):
        if here.sentence - referents[j].sentence > 2:
            break
        before.append(referents[j])
    candidates = []
    for ref in reversed(before):
        distance = here.sentence - ref.sentence
        if distance > 2 or ref.plural or (here.gender is not None and ref.gender != here.gender):
            continue
        if barred is not None and barred(ref):
            continue
        if is_object and not reflexive and distance == 0 and ref.subject and ref.head in verbs:
            continue
        salience = 100 - 35 * distance + 30 * ref.subject - 15 * (ref.paragraph != here.paragraph)
        candidates.append((salience, ref.start, ref))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    salience, _, best = candidates[0]
    distance = here.sentence - best.sentence
    confidence = (0.9, 0.85, 0.7)[distance] - 0.1 * (best.paragraph != here.paragraph)
    rival = next(
        (c for c in candidates[1:] if (c[2].leader or c[2].start) != (best.leader or best.start)),
        None,
    )
    if rival is not None and salience - rival[0] < 30:
        confidence *= 0.6
    return best, round(confidence, 3)


def _governing_verbs(token) -> set[int]:
    """Return the verb governing an object pronoun and the verbs it is coordinated with
    ("Stalin visited him and brought him news": both verbs share the subject)."""
    head = token.head.head if token.head.dep_ == "prep" else token.head
    verbs = {token.head.i, head.i}
    while head.dep_ == "conj" and head.head.i != head.i:
        head = head.head
        verbs.add(head.i)
    return verbs


def _barred_by_speech(token, referents: list[_Referent]) -> Callable[[_Referent], bool] | None:
    """Tell which referents a pronoun cannot take because it speaks or is spoken (None: any).

    A pronoun that is the speaker of a verb of saying does not refer to a person named in a
    quotation of its sentence, or in the clause its verb interrupts ("'Bukharin,' he
    declared, 'is ...'" and "Krasin, he declared, had ..." are not Bukharin or Krasin
    speaking). Inside a quotation, a third-person pronoun does not refer to the quotation's
    speaker ("Lenin replied: 'He is far from intelligent'" is not about Lenin). Single
    quotes count as well as double ones (:func:`leaderlens.voice.quote_spans`).
    """
    sent = token.sent
    quotes = [(sent.start_char + a, sent.start_char + b) for a, b in quote_spans(sent.text)]
    if not _inside(quotes, token.idx):
        verb = speech_verb_of(token)
        if verb is None:
            return None
        said = set()
        if is_speech_tag(verb):  # "Krasin, he declared, had ...": the interrupted clause
            tag = {t.i for t in verb.subtree}
            said = {t.idx for t in verb.head.subtree if t.i not in tag}
        if not quotes and not said:
            return None
        return lambda ref: _inside(quotes, ref.start) or ref.start in said
    _, speaker = find_voice(token.doc[token.i : token.i + 1])
    if speaker is None:
        return None
    i = bisect.bisect_left(referents, speaker.end_char, key=lambda r: r.start) - 1
    if i < 0 or referents[i].end <= speaker.start_char:
        return None  # the speaker is no person the resolver knows
    who = referents[i]
    if who.leader is None:
        return lambda ref: ref.start == who.start
    return lambda ref: ref.leader == who.leader


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Tell whether an offset falls inside one of the spans (sorted, not overlapping)."""
    i = bisect.bisect_right([s for s, _ in spans], offset) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]


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
    equal to a leader id that is not that leader gets the suffix ``_other``. A one-word
    PERSON entity off the roster in a place context ("at Gorki", "the Gorki estate") is
    relabelled LOC. Pronoun mentions are ignored.

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
    spans = [span for span in spans if span[3] != "pronoun"]
    names = {(start, end) for start, end, _, kind in spans if kind != "title"}
    longest = max((end - start for start, end, _, _ in spans), default=0)
    entities = _entity_index(doc)
    rows = []
    for ent in doc.ents:
        label = _corrected_label(ent, names)
        person = (
            _person_key(ent, spans, alias_owner, leader_ids, longest) if label == "PERSON" else None
        )
        if label == "PERSON" and person not in leader_ids and _place_like(text, ent, entities):
            label, person = "LOC", None
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


def _place_like(text: str, ent: Span, entities: tuple[list[int], list[tuple]]) -> bool:
    """Tell whether a one-word PERSON entity stands in a place context ("at Gorki")."""
    word = re.sub(r"['\u2019]s$", "", ent.text)
    if " " in word or not word:
        return False
    match = _Match(ent.start_char, ent.start_char + len(word), "", "name", word)
    return not _person_context(text, match, Leader("", word, "male", (word,)), entities)


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
    longest: int,
) -> str:
    """Return the person key of a PERSON entity (leader id or surname key).

    ``spans`` are the leader mentions sorted by start and ``longest`` the length of the
    longest, so only mentions starting after ``ent.start_char - longest`` can overlap.
    """
    best: tuple[int, int, int] | None = None
    leader = None
    first = bisect.bisect_left(spans, (ent.start_char - longest,))
    for start, end, mention_leader, kind in spans[first:]:
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
    """Join names of one leader separated only by spaces ("Ilich" + "Lenin") or giving the
    party name in brackets after the birth name ("V. ULIANOV (LENIN)", brackets included)."""
    merged: list[_Match] = []
    for match in matches:
        last = merged[-1] if merged else None
        between = text[last.end : match.start] if last is not None else ""
        bracket = (
            re.fullmatch(r"\s*\(\s*", between) is not None
            and re.match(r"\s*\)", text[match.end : match.end + 3]) is not None
        )
        if last is not None and last.leader == match.leader and bracket:
            end = text.index(")", match.end) + 1
            merged[-1] = replace(last, end=end, alias=f"{last.alias} ({match.alias})")
        elif last is not None and last.leader == match.leader and re.fullmatch(SPACE, between):
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
