"""Column names and Parquet schemas of every table leaderlens writes, defined once.

The contracts in DESIGN.md are the public ones (mentions, entities, sentiment,
cooccurrence); the others are internal tables passed between stages. Every writer goes
through :func:`write_table`, which checks the columns, casts to the schema, sorts by the
table's key and writes atomically, so the same input gives byte-identical files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Table:
    """A table's name, Arrow schema and sort key."""

    name: str
    schema: pa.Schema
    key: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        """Column names in contract order."""
        return list(self.schema.names)


POSITION_FIELDS = [
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("raw_start", pa.int32(), nullable=False),
    pa.field("raw_end", pa.int32(), nullable=False),
    pa.field("sentence_id", pa.int32(), nullable=False),
    pa.field("paragraph_id", pa.int32(), nullable=False),
    pa.field("page", pa.int32()),
    pa.field("section", pa.string()),
]
"""Where a span sits: clean-text and raw-text offsets, sentence, paragraph, page, section."""

CHAPTER = pa.field("chapter", pa.string(), nullable=False)

MENTIONS = Table(
    "mentions",
    pa.schema(
        [
            CHAPTER,
            pa.field("mention_id", pa.int32(), nullable=False),
            pa.field("leader", pa.string(), nullable=False),
            pa.field("surface", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            *POSITION_FIELDS,
            pa.field("confidence", pa.float64(), nullable=False),
        ]
    ),
    ("chapter", "mention_id"),
)
"""``confidence``: 1.0 for names, titles and modifiers; below 1 for resolved pronouns."""

ENTITIES = Table(
    "entities",
    pa.schema(
        [
            CHAPTER,
            pa.field("entity_id", pa.int32(), nullable=False),
            pa.field("surface", pa.string(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("person", pa.string()),
            *POSITION_FIELDS,
        ]
    ),
    ("chapter", "entity_id"),
)

SENTIMENT = Table(
    "sentiment",
    pa.schema(
        [
            CHAPTER,
            pa.field("mention_id", pa.int32(), nullable=False),
            pa.field("leader", pa.string(), nullable=False),
            pa.field("score", pa.float64(), nullable=False),
            pa.field("label", pa.int8(), nullable=False),
            pa.field("context_start", pa.int32(), nullable=False),
            pa.field("context_end", pa.int32(), nullable=False),
            pa.field("method", pa.string(), nullable=False),
            pa.field("voice", pa.string()),
            pa.field("speaker", pa.string()),
        ]
    ),
    ("chapter", "mention_id"),
)
"""``voice``: ``narration`` (the author's words), ``quotation`` (inside quotation marks) or
``reported`` (what a person in the text says or thinks, in the author's words: "Lenin wrote
that Stalin was rude", "according to Trotski, ..."); null only in tables from before voice
was recorded. ``speaker``: who speaks the quotation or reported speech, as a leader id when
the speaker is a leader mention, else the name as printed, else null."""

PAIR_TONE_FIELDS = [
    pa.field("tone_a", pa.float64()),
    pa.field("tone_b", pa.float64()),
    pa.field("n_tone_a", pa.int64()),
    pa.field("n_tone_b", pa.int64()),
]
"""Tone of each member of a pair within the units both share (appended to COOCCURRENCE)."""

COOCCURRENCE = Table(
    "cooccurrence",
    pa.schema(
        [
            CHAPTER,
            pa.field("scope", pa.string(), nullable=False),
            pa.field("leader_a", pa.string(), nullable=False),
            pa.field("leader_b", pa.string(), nullable=False),
            pa.field("n_ab", pa.int64(), nullable=False),
            pa.field("n_a", pa.int64(), nullable=False),
            pa.field("n_b", pa.int64(), nullable=False),
            pa.field("n_units", pa.int64(), nullable=False),
            pa.field("expected", pa.float64(), nullable=False),
            pa.field("pmi", pa.float64(), nullable=False),
            pa.field("npmi", pa.float64(), nullable=False),
            pa.field("llr", pa.float64(), nullable=False),
            pa.field("p_value", pa.float64(), nullable=False),
            pa.field("q_value", pa.float64(), nullable=False),
            pa.field("tone", pa.float64()),
            *PAIR_TONE_FIELDS,
        ]
    ),
    ("chapter", "scope", "leader_a", "leader_b"),
)
"""``tone_a``/``tone_b``: mean score of a's / b's own mentions in the units both share, over
``n_tone_a``/``n_tone_b`` scored mentions (the relationship seen from each side)."""

# Internal tables written by the clean and parse stages.

CHARMAP = Table(
    "charmap",
    pa.schema(
        [
            pa.field("raw_index", pa.int32(), nullable=False),
            pa.field("page", pa.int32()),
        ]
    ),
    (),
)
"""One row per character of clean.txt, in order: its index in the raw text and its page."""

PARAGRAPHS = Table(
    "paragraphs",
    pa.schema(
        [
            pa.field("paragraph_id", pa.int32(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("section_id", pa.int32(), nullable=False),
            pa.field("section", pa.string()),
        ]
    ),
    ("paragraph_id",),
)
"""Paragraph spans in clean.txt with the section each belongs to."""

EDITS = Table(
    "edits",
    pa.schema(
        [
            pa.field("kind", pa.string(), nullable=False),
            pa.field("raw_start", pa.int32(), nullable=False),
            pa.field("raw_end", pa.int32(), nullable=False),
            pa.field("raw_text", pa.string(), nullable=False),
            pa.field("replacement", pa.string(), nullable=False),
        ]
    ),
    ("raw_start", "raw_end", "kind"),
)
"""Every change the cleaner made to the raw text (running head, footnote, hyphen, ...)."""

CORPUS_EDITS = Table(
    "edits",
    pa.schema([CHAPTER, *EDITS.schema]),
    ("chapter", "raw_start", "raw_end", "kind"),
)
"""Every chapter's cleaning edits together, labelled with their chapter (corpus level)."""

SENTENCES = Table(
    "sentences",
    pa.schema(
        [
            pa.field("sentence_id", pa.int32(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("paragraph_id", pa.int32(), nullable=False),
            pa.field("page", pa.int32()),
            pa.field("section", pa.string()),
        ]
    ),
    ("sentence_id",),
)
"""Sentence spans in clean.txt (from the parse) with paragraph, page and section."""

# Corpus-level tables.

LEADERS = Table(
    "leaders",
    pa.schema(
        [
            pa.field("leader", pa.string(), nullable=False),
            pa.field("display_name", pa.string(), nullable=False),
            pa.field("n_mentions", pa.int64(), nullable=False),
            pa.field("n_name", pa.int64(), nullable=False),
            pa.field("n_title", pa.int64(), nullable=False),
            pa.field("n_modifier", pa.int64(), nullable=False),
            pa.field("n_pronoun", pa.int64(), nullable=False),
            pa.field("n_chapters", pa.int64(), nullable=False),
            pa.field("first_page", pa.int32()),
            pa.field("last_page", pa.int32()),
            pa.field("tone_mean", pa.float64()),
            pa.field("tone_low", pa.float64()),
            pa.field("tone_high", pa.float64()),
            pa.field("share_negative", pa.float64()),
            pa.field("share_neutral", pa.float64()),
            pa.field("share_positive", pa.float64()),
        ]
    ),
    ("leader",),
)
"""Per-leader summary over all chapters; tone with a bootstrap 95% interval."""

CENTRALITY = Table(
    "centrality",
    pa.schema(
        [
            pa.field("scope", pa.string(), nullable=False),
            pa.field("leader", pa.string(), nullable=False),
            pa.field("degree", pa.int64(), nullable=False),
            pa.field("weighted_degree", pa.float64(), nullable=False),
            pa.field("betweenness", pa.float64(), nullable=False),
            pa.field("eigenvector", pa.float64(), nullable=False),
        ]
    ),
    ("scope", "leader"),
)
"""Centrality of each leader in the co-occurrence network of one scope."""

CHAPTERS = Table(
    "chapters",
    pa.schema(
        [
            CHAPTER,
            pa.field("title", pa.string()),
            pa.field("first_page", pa.int32()),
            pa.field("last_page", pa.int32()),
            pa.field("n_chars", pa.int64(), nullable=False),
            pa.field("n_sentences", pa.int64(), nullable=False),
            pa.field("n_paragraphs", pa.int64(), nullable=False),
            pa.field("n_pages", pa.int64(), nullable=False),
            pa.field("n_mentions", pa.int64(), nullable=False),
            pa.field("n_edits", pa.int64(), nullable=False),
        ]
    ),
    ("chapter",),
)
"""One row per chapter: size, pages and counts, for the report's provenance section."""

PERSONS = Table(
    "persons",
    pa.schema(
        [
            pa.field("person", pa.string(), nullable=False),
            pa.field("display_name", pa.string(), nullable=False),
            pa.field("names", pa.string(), nullable=False),
            pa.field("n_mentions", pa.int64(), nullable=False),
            pa.field("n_chapters", pa.int64(), nullable=False),
            pa.field("leader", pa.string()),
            pa.field("suggested", pa.bool_(), nullable=False),
        ]
    ),
    ("person",),
)
"""Every person over all chapters: key, most frequent full name, name forms seen ("; "),
PERSON mentions, chapters, the roster leader id if any, and whether the person is frequent
enough off the roster to suggest adding them."""


# Tables of the co-occurrence and collocates stages (per chapter and corpus).

WINDOWS = Table(
    "windows",
    pa.schema(
        [
            CHAPTER,
            pa.field("window_id", pa.int32(), nullable=False),
            pa.field("paragraph_id", pa.int32(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("n_tokens", pa.int32(), nullable=False),
        ]
    ),
    ("chapter", "window_id"),
)
"""The units of the ``window`` scope: consecutive non-overlapping runs of ``size`` non-space
tokens, restarting at each paragraph (the last run of a paragraph may be shorter); start/end
index clean.txt."""

COOCCURRENCE_SECTIONS = Table(
    "cooccurrence_sections",
    pa.schema(
        [
            CHAPTER,
            pa.field("section_id", pa.int32(), nullable=False),
            pa.field("section", pa.string()),
            *[f for f in COOCCURRENCE.schema if f.name != "chapter"],
        ]
    ),
    ("chapter", "section_id", "scope", "leader_a", "leader_b"),
)
"""COOCCURRENCE computed within each section (units and q-values of that section only;
scopes sentence, paragraph and window: pages straddle sections)."""

SCOPE_CORRELATION = Table(
    "scope_correlation",
    pa.schema(
        [
            CHAPTER,
            pa.field("measure", pa.string(), nullable=False),
            pa.field("scope_a", pa.string(), nullable=False),
            pa.field("scope_b", pa.string(), nullable=False),
            pa.field("n_pairs", pa.int64(), nullable=False),
            pa.field("n_common", pa.int64(), nullable=False),
            pa.field("spearman", pa.float64()),
        ]
    ),
    ("chapter", "measure", "scope_a", "scope_b"),
)
"""Sensitivity of the network to the unit: Spearman rank correlation of a pair measure
between two scopes over the union of their pairs (``n_pairs``; ``n_common`` in both)."""

NETWORK_NODES = Table(
    "network_nodes",
    pa.schema(
        [
            pa.field("leader", pa.string(), nullable=False),
            pa.field("display_name", pa.string(), nullable=False),
            pa.field("n_mentions", pa.int64(), nullable=False),
            pa.field("tone_mean", pa.float64()),
        ]
    ),
    ("leader",),
)
"""The network's nodes as a CSV node list (Gephi: ``leader`` is the Id)."""

NETWORK_EDGES = Table(
    "network_edges",
    pa.schema(
        [
            pa.field("leader_a", pa.string(), nullable=False),
            pa.field("leader_b", pa.string(), nullable=False),
            pa.field("weight", pa.float64()),
            pa.field("n_ab", pa.int64(), nullable=False),
            pa.field("npmi", pa.float64()),
            pa.field("q_value", pa.float64()),
            pa.field("tone", pa.float64()),
            pa.field("tone_a", pa.float64()),
            pa.field("tone_b", pa.float64()),
        ]
    ),
    ("leader_a", "leader_b"),
)
"""The network's edges as a CSV edge list (Gephi: Source = leader_a, Target = leader_b)."""

COLLOCATES = Table(
    "collocates",
    pa.schema(
        [
            CHAPTER,
            pa.field("leader", pa.string(), nullable=False),
            pa.field("lemma", pa.string(), nullable=False),
            pa.field("rank", pa.int32(), nullable=False),
            pa.field("n_near", pa.int64(), nullable=False),
            pa.field("n_far", pa.int64(), nullable=False),
            pa.field("near_total", pa.int64(), nullable=False),
            pa.field("far_total", pa.int64(), nullable=False),
            pa.field("expected", pa.float64(), nullable=False),
            pa.field("llr", pa.float64(), nullable=False),
            pa.field("p_value", pa.float64(), nullable=False),
        ]
    ),
    ("chapter", "leader", "rank"),
)
"""Words characteristic of a leader's contexts: lemma counts within the window around the
leader's mentions (``n_near`` of ``near_total``) against the rest of the text (``n_far`` of
``far_total``), ranked per leader by Dunning's G2 (``llr``); over-represented lemmas only."""


QUALITY_EDIT_KINDS = (
    "title",
    "heading",
    "running_head",
    "page_number",
    "hyphen_join",
    "hyphen_keep",
    "footnote",
    "ocr_fix",
    "mojibake",
    "typography",
    "dash",
    "markup",
    "whitespace",
)
"""The edit kinds of the clean stage, counted in QUALITY as ``n_<kind>``."""

QUALITY = Table(
    "quality",
    pa.schema(
        [
            CHAPTER,
            pa.field("encoding", pa.string(), nullable=False),
            pa.field("n_words", pa.int64(), nullable=False),
            pa.field("n_lower_words", pa.int64(), nullable=False),
            pa.field("n_oov", pa.int64(), nullable=False),
            pa.field("oov_share", pa.float64(), nullable=False),
            pa.field("n_digit_in_word", pa.int64(), nullable=False),
            pa.field("n_broken_quote", pa.int64(), nullable=False),
            pa.field("n_stray_symbol", pa.int64(), nullable=False),
            pa.field("n_suspicious", pa.int64(), nullable=False),
            pa.field("suspicious_per_1000", pa.float64(), nullable=False),
            pa.field("n_edits", pa.int64(), nullable=False),
            *[pa.field(f"n_{kind}", pa.int64(), nullable=False) for kind in QUALITY_EDIT_KINDS],
            pa.field("poor", pa.bool_(), nullable=False),
            pa.field("poor_reason", pa.string()),
        ]
    ),
    ("chapter",),
)
"""OCR quality of one cleaned chapter (written by the clean stage, one row): the raw file's
encoding; word tokens, lower-case word tokens and those unknown to the dictionary (``n_oov``,
``oov_share`` of the lower-case ones; roster names excluded); suspicious tokens (letters mixed
with digits, quotes that cannot pair, stray symbols) and their rate per 1000 words; the
cleaner's edits in total and by kind; ``poor`` with the thresholds it passed (see
``leaderlens.quality``)."""

TONE = Table(
    "tone",
    pa.schema(
        [
            pa.field("leader", pa.string(), nullable=False),
            pa.field("level", pa.string(), nullable=False),
            pa.field("chapter", pa.string()),
            pa.field("section", pa.string()),
            pa.field("voices", pa.string(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
            pa.field("mean", pa.float64(), nullable=False),
            pa.field("low", pa.float64()),
            pa.field("high", pa.float64()),
            pa.field("share_negative", pa.float64(), nullable=False),
            pa.field("share_neutral", pa.float64(), nullable=False),
            pa.field("share_positive", pa.float64(), nullable=False),
        ]
    ),
    ("leader", "level", "chapter", "section", "voices"),
)
"""Tone toward each leader per ``level`` (corpus | chapter | section; ``chapter``/``section``
null above their level; ``section`` null inside a level-section row = before any heading),
over ``voices`` ``all`` mentions or ``narration`` only (quoted and reported speech left
out): n scored mentions, mean score, percentile bootstrap 95% interval (null when n < 2),
label shares."""

EVIDENCE = Table(
    "evidence",
    pa.schema(
        [
            pa.field("leader", pa.string(), nullable=False),
            pa.field("polarity", pa.string(), nullable=False),
            pa.field("rank", pa.int32(), nullable=False),
            CHAPTER,
            pa.field("mention_id", pa.int32(), nullable=False),
            pa.field("page", pa.int32()),
            pa.field("section", pa.string()),
            pa.field("sentence_id", pa.int32(), nullable=False),
            pa.field("sentence", pa.string(), nullable=False),
            pa.field("target_start", pa.int32(), nullable=False),
            pa.field("target_end", pa.int32(), nullable=False),
            pa.field("score", pa.float64(), nullable=False),
            pa.field("voice", pa.string()),
            pa.field("speaker", pa.string()),
        ]
    ),
    ("leader", "polarity", "rank"),
)
"""Per leader, the most ``negative`` and most ``positive`` passages (rank 1 = strongest):
the sentence text, the mention's offsets within it, its score, page, section and voice."""

ACTIONS = Table(
    "actions",
    pa.schema(
        [
            CHAPTER,
            pa.field("action_id", pa.int32(), nullable=False),
            pa.field("sentence_id", pa.int32(), nullable=False),
            pa.field("actor", pa.string(), nullable=False),
            pa.field("target", pa.string(), nullable=False),
            pa.field("verb", pa.string(), nullable=False),
            pa.field("negated", pa.bool_(), nullable=False),
            pa.field("passive", pa.bool_(), nullable=False),
            pa.field("pattern", pa.string(), nullable=False),
            pa.field("start", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("page", pa.int32()),
            pa.field("confidence", pa.float64(), nullable=False),
            pa.field("actor_mention_id", pa.int32(), nullable=False),
            pa.field("target_mention_id", pa.int32(), nullable=False),
            pa.field("section", pa.string()),
            pa.field("sentence", pa.string(), nullable=False),
            pa.field("sentence_start", pa.int32(), nullable=False),
        ]
    ),
    ("chapter", "action_id"),
)
"""Who acts on whom: one row per (sentence, verb, actor, target) where a subject-verb-object
triple (textacy) has a mention of one leader as subject and of another as object; passives
swapped (the agent acts). ``verb``: lemma with particle (``hand over``), ``decide to remove``
through an open clausal complement; ``negated``: the verb has a ``neg`` child; ``start/end``:
the verb in clean.txt; ``pattern``: ``svo`` (a textacy triple) or ``prep`` (a leader
subject, an intransitive verb and a leader after "to", "at", "against", ... : ``turn to``);
``page`` of the verb; ``confidence``: the lower of the two mentions'
(below 1 for pronouns); the sentence text and its clean-text start, for checking."""

ACTION_PAIRS = Table(
    "action_pairs",
    pa.schema(
        [
            pa.field("actor", pa.string(), nullable=False),
            pa.field("target", pa.string(), nullable=False),
            pa.field("n", pa.int64(), nullable=False),
            pa.field("n_negated", pa.int64(), nullable=False),
            pa.field("verbs", pa.string(), nullable=False),
            pa.field("n_chapters", pa.int64(), nullable=False),
            pa.field("chapters", pa.string(), nullable=False),
            pa.field("first_chapter", pa.string(), nullable=False),
            pa.field("first_page", pa.int32()),
            pa.field("rank", pa.int32(), nullable=False),
        ]
    ),
    ("rank",),
)
"""Per directed pair (actor -> target) over all chapters: actions, negated ones, the most
frequent verbs with counts (``"attack 3; criticise 2"``, at most five, negated verbs as
``not attack``), chapters (``"; "`` in chapter order), where the first action is; ``rank``
1 = most actions (ties by actor, then target)."""


def empty_frame(table: Table) -> pd.DataFrame:
    """Return an empty DataFrame with the table's columns and dtypes.

    Args:
        table: The table contract.

    Returns:
        A zero-row DataFrame typed like the table.
    """
    return table.schema.empty_table().to_pandas()


def to_arrow(frame: pd.DataFrame, table: Table) -> pa.Table:
    """Check, sort and cast a DataFrame to the table's schema.

    Args:
        frame: Rows to write; must have exactly the table's columns (any order).
        table: The table contract.

    Returns:
        An Arrow table with the contract's schema, sorted by the table's key.

    Raises:
        ValueError: If columns are missing or unexpected.
    """
    missing = [c for c in table.columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in table.columns]
    if missing or extra:
        raise ValueError(f"table {table.name}: missing columns {missing}, unexpected {extra}")
    frame = frame[table.columns]
    if table.key and len(frame):
        frame = frame.sort_values(list(table.key), kind="mergesort")
    frame = frame.reset_index(drop=True)
    return pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False)


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` and move it into place only on success.

    Args:
        path: The final output path.

    Yields:
        A temporary path in the same directory; it is removed if the block raises.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o666 & ~_umask())  # mkstemp makes 0600; give the file normal permissions
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)


def _umask() -> int:
    """Return the process umask (reading it means setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], writer: Callable[[Path], object]) -> None:
    """Run ``writer(tmp_path)`` and rename the result to ``path`` only if it succeeds.

    Args:
        path: The final output path.
        writer: A function that writes a complete file at the path it is given.
    """
    with atomic_path(path) as tmp:
        writer(tmp)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text atomically with Unix newlines.

    Args:
        path: Output path.
        text: The text.
    """
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], table: Table) -> None:
    """Write a DataFrame as Parquet with the table's schema, sorted and atomically.

    Args:
        frame: Rows to write (exactly the table's columns).
        path: Output ``.parquet`` path.
        table: The table contract.
    """
    arrow = to_arrow(frame, table)
    write_atomic(
        path,
        lambda tmp: pq.write_table(arrow, tmp, compression="zstd", write_statistics=False),
    )


def read_table(path: str | os.PathLike[str], table: Table) -> pd.DataFrame:
    """Read a Parquet table and check it has the contract's columns.

    Args:
        path: A ``.parquet`` file written by :func:`write_table`.
        table: The table contract.

    Returns:
        The table as a DataFrame with nullable integer columns kept as pandas dtypes.

    Raises:
        ValueError: If the file's columns differ from the contract.
    """
    arrow = pq.read_table(path)
    if arrow.schema.names != table.columns:
        raise ValueError(
            f"{path}: columns {arrow.schema.names} differ from the {table.name} contract "
            f"{table.columns}; delete data/processed and rerun"
        )
    return arrow.to_pandas(types_mapper=_nullable_types)


def _nullable_types(arrow_type: pa.DataType) -> object | None:
    """Map Arrow integer types to pandas nullable dtypes so nulls survive a round trip."""
    mapping = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
    }
    return mapping.get(arrow_type)
