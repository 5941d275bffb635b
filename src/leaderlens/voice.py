"""Who speaks: quotations and reported speech in a sentence, and the speaker of each.

Shared by the mentions stage (a pronoun that introduces a quotation does not refer to a person
named inside it) and the sentiment stage (each mention's voice and speaker).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from spacy.tokens import Span, Token

SPEECH_LEMMAS = frozenset(
    {"say", "tell", "add", "claim", "argue", "write", "state", "declare", "insist"}
    | {"announce", "remark", "reply", "respond", "explain", "warn", "note", "complain"}
    | {"assert", "suggest", "acknowledge", "admit", "report", "recall", "testify", "tweet"}
    | {"comment", "observe", "exclaim", "answer", "maintain", "contend", "predict", "ask"}
    | {"believe", "think", "urge", "retort", "protest", "proclaim", "confide", "telegraph"}
    | {"mention", "reveal", "repeat", "confess", "concede", "object", "recount", "inform"}
    | {"shout", "cry", "whisper", "mutter", "snap", "scribble", "jot", "cable", "wire"}
)
"""Lemmas of verbs of saying, writing and believing: their subject speaks, their complement is
speech (the saying and manner-of-speaking verbs of Levin's classes, and verbs of writing)."""
SPEAKER_DEPS = frozenset({"nsubj", "nsubjpass"})
COMPLEMENT_DEPS = frozenset({"ccomp", "xcomp", "dobj", "parataxis"})
"""Dependencies by which a verb of saying has content of its own."""

Voice = Literal["narration", "quotation", "reported"]
"""``narration``: the author's own words; ``quotation``: inside quotation marks;
``reported``: what a person in the text says or thinks, in the author's words ("Lenin wrote
that Stalin was rude" is reported for Stalin)."""
REPORTERS = frozenset({"he", "she", "they"})
"""Pronouns that can report speech; others (I, we, it) are the author or a thing."""

DOUBLE_OPEN, DOUBLE_CLOSE = "\u201c\u00ab", "\u201d\u00bb"
SINGLE_QUOTES = "'\u2018\u2019"
QUOTE_OPENERS = " \t\n([{\u2014\u2013-/"
"""Characters after which a single quote mark opens a quotation."""


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Return the quoted stretches of a text as character spans (quote marks included).

    Double quotes (straight, curly, guillemets) pair up as they come; a single quote opens
    a quotation after a space or bracket and closes an open single quotation before a
    non-letter, so apostrophes inside words ("Lenin's") are not quotes. A closing mark with
    no opener quotes from the start (a quotation continued from an earlier sentence); an
    opener left open quotes to the end.

    Args:
        text: A sentence or paragraph.

    Returns:
        Sorted, non-overlapping ``(start, end)`` spans.
    """
    spans: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if char == '"':
            kind = "double-straight"
        elif char in DOUBLE_OPEN or char in DOUBLE_CLOSE:
            kind = "double"
        elif char in SINGLE_QUOTES:
            kind = "single"
        else:
            continue
        if opened is not None:
            closes = kind == opened[1] and (char not in DOUBLE_OPEN if kind == "double" else True)
            if kind == "single":
                closes = closes and not before.isspace() and not after.isalnum()
            if closes:
                spans.append((opened[0], i + 1))
                opened = None
            continue
        if kind == "single":
            if before in QUOTE_OPENERS and not after.isspace() and char != "\u2019":
                opened = (i, kind)
            elif before in ",.;:!?" and not spans and not after.isalnum():
                spans.append((0, i + 1))  # closes a quotation begun in an earlier sentence
            # otherwise an apostrophe ("Lenin's") or a plural possessive ("the Bolsheviks'")
        elif char in DOUBLE_CLOSE:
            if not spans:
                spans.append((0, i + 1))
        else:
            opened = (i, kind)
    if opened is not None:
        spans.append((opened[0], len(text)))
    return spans


def find_voice(target: Span) -> tuple[Voice, Span | None]:
    """Tell narration, quotation and reported speech apart at a target, and find who speaks.

    Args:
        target: The target's tokens in a parsed Doc.

    Returns:
        ``(voice, speaker)``: for reported speech, who reports it (:func:`reported_by`);
        for a quotation, the subject (or by-agent) phrase of the
        speech verb nearest to the quotation holding the target in its sentence; for a
        quotation that opens its sentence, has no speech verb there and continues one that
        runs to the end of the sentence before, that one's speaker ("Stalin wrote: 'No.
        Let him go.'"). None when the target is narration or no speaker is found.
    """
    sent = target.root.sent
    offset = target.start_char - sent.start_char
    spans = [(a, b) for a, b in quote_spans(sent.text) if a <= offset < b]
    if not spans:
        source = reported_by(target)
        return ("narration", None) if source is None else ("reported", source)
    quote_start, quote_end = spans[0]
    candidates = []
    for token in sent:
        position = token.idx - sent.start_char
        if quote_start <= position < quote_end or token.lemma_ not in SPEECH_LEMMAS:
            continue
        speaker = speaker_of(token)
        if speaker is not None:
            distance = min(abs(position - quote_start), abs(position - quote_end))
            candidates.append((distance, token.i, speaker))
    if candidates:
        return "quotation", min(candidates, key=lambda item: item[:2])[2]
    if quote_start == 0 and sent.start > 0:
        previous = target.doc[sent.start - 1].sent
        opened = quote_spans(previous.text)
        if opened and opened[-1][1] == len(previous.text):
            return "quotation", find_voice(previous[-1:])[1]
    return "quotation", None


def reported_by(target: Span) -> Span | None:
    """Return the person whose words or thoughts the author reports at the target.

    That is the subject of a verb of saying or thinking whose clausal complement holds the
    target ("Lenin wrote that [Stalin was rude]"), or that interrupts the clause holding it
    as a parenthetical tag ("[Krasin], he declared, [had ...]"); or the person of an
    "according to" attached to that clause ("According to Trotski, [Stalin was ...]"). The
    person is a proper noun or he, she, they (not "we", the author, nor "the evidence
    suggests"). None when the target is in the author's own words.
    """
    node, came = target.root, -1  # came: the index of the child climbed from
    while True:
        for child in node.children:
            if child.i == came:
                continue
            if is_speech_tag(child) and _reports(child):
                return speaker_of(child)
            source = _according_to(child)
            if source is not None:
                return source
        if node.head.i == node.i:
            return None
        if node.dep_ == "ccomp" and _reports(node.head) and not _apart(node, node.head):
            return speaker_of(node.head)
        node, came = node.head, node.i


def _according_to(token: Token) -> Span | None:
    """The person of an "according to X" phrase headed by the token, or None."""
    if token.dep_ != "prep" or token.lower_ != "according":
        return None
    to = next((t for t in token.children if t.lower_ == "to"), None)
    source = next((t for t in to.children if t.dep_ == "pobj"), None) if to else None
    return _phrase(source) if source is not None and _is_person(source) else None


def _apart(clause: Token, verb: Token) -> bool:
    """Whether a semicolon stands between a clause and a verb: the parser can take "X was
    plotting; the Secretariat suggested ..." for "'X was plotting,' the Secretariat said"."""
    doc = verb.doc
    if clause.i < verb.i:
        between = doc[clause.right_edge.i + 1 : verb.i]
    else:
        between = doc[verb.i + 1 : clause.left_edge.i]
    return any(token.text == ";" for token in between)


def is_speech_tag(verb: Token) -> bool:
    """Whether a verb is a parenthetical tag of saying ("Krasin, he declared, had ..."): a
    verb of saying the parser attaches to the clause it interrupts, with no complement of
    its own (not "..., but the Secretariat suggested that ...")."""
    return (
        verb.dep_ == "parataxis"
        and verb.lemma_ in SPEECH_LEMMAS
        and not any(child.dep_ in COMPLEMENT_DEPS for child in verb.children)
    )


def _is_speech_verb(token: Token) -> bool:
    """Whether a token is a verb of saying, writing or thinking (:data:`SPEECH_LEMMAS`)."""
    return token.pos_ in ("VERB", "AUX") and token.lemma_ in SPEECH_LEMMAS


def _reports(verb: Token) -> bool:
    """Whether a verb of saying or thinking has a person as its subject."""
    if not _is_speech_verb(verb):
        return False
    speaker = speaker_of(verb)
    return speaker is not None and _is_person(speaker.root)


def _is_person(token: Token) -> bool:
    """Whether a phrase head can be a person who speaks: a proper noun or he, she, they."""
    return token.pos_ == "PROPN" or token.lower_ in REPORTERS


def speaker_label(speaker: Span | None, mentions: Iterable[tuple[int, int, str]]) -> str | None:
    """Name a speaker: the leader id of a mention inside the speaker phrase, else a name.

    Args:
        speaker: The speaker phrase from :func:`find_voice`, or None.
        mentions: ``(start, end, leader)`` character spans of the chapter's leader mentions.

    Returns:
        A leader id; else the phrase text when its head is a proper noun; else None
        (an unresolved pronoun or a common noun such as "the committee").
    """
    if speaker is None:
        return None
    for start, end, leader in mentions:
        if start < speaker.end_char and speaker.start_char < end:
            return leader
    return speaker.text if speaker.root.pos_ == "PROPN" else None


def speaker_of(verb: Token) -> Span | None:
    """Return the subject (or by-agent) phrase of a speech verb, compounds included."""
    if verb.pos_ not in ("VERB", "AUX"):
        return None
    for child in verb.children:
        head = None
        if child.dep_ in SPEAKER_DEPS:
            head = child
        elif child.dep_ == "agent":
            head = next((t for t in child.children if t.dep_ == "pobj"), None)
        if head is not None:
            return _phrase(head)
    return None


def _phrase(head: Token) -> Span:
    """A name phrase: its head with the compounds before it ("Comrade Rykov")."""
    left = min([head, *(t for t in head.lefts if t.dep_ in ("compound", "flat"))])
    return head.doc[left.i : head.i + 1]


def speaker_head(token: Token) -> Token:
    """Climb from a token through appositions, compounds and conjuncts to its phrase head."""
    while token.dep_ in ("appos", "compound", "conj", "flat") and token.head.i != token.i:
        token = token.head
    return token


def speech_verb_of(token: Token) -> Token | None:
    """Return the speech verb whose speaker (subject or by-agent) is this token's phrase."""
    head = speaker_head(token)
    verb = None
    if head.dep_ in SPEAKER_DEPS:
        verb = head.head
    elif head.dep_ == "pobj" and head.head.dep_ == "agent":
        verb = head.head.head
    return verb if verb is not None and _is_speech_verb(verb) else None


def speech_content(target: Span) -> set[int]:
    """Token indices of what the target says: the content of a speech verb it is subject of.

    The content is the verb's clausal complement or object, the rest of the sentence when
    the verb is itself attached to the quoted clause (``"...," he said``), and every quoted
    token of the sentence; the target's own tokens are never content.
    """
    verb = speech_verb_of(target.root)
    if verb is None:
        return set()
    sent = target.root.sent
    content: set[int] = set()
    for child in verb.children:
        if child.dep_ in COMPLEMENT_DEPS or child.dep_ == "oprd":
            content.update(token.i for token in child.subtree)
    if verb.dep_ in ("parataxis", "ccomp", "advcl", "conj"):
        inside = {token.i for token in verb.subtree}
        content.update(token.i for token in sent if token.i not in inside)
    for start, end in quote_spans(sent.text):
        content.update(token.i for token in sent if start <= token.idx - sent.start_char < end)
    return content - {token.i for token in target}
