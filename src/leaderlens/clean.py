"""Clean an OCR'd chapter: drop page furniture, repair the text, keep a map back to the raw file.

The raw text is read line by line. Lines are classified (title, page number, running head,
section heading, body); body lines are joined into paragraphs (from blank lines or, in OCR
text without blank lines, from line geometry); line-break hyphens are joined or kept on
evidence (the roster, the chapter's own forms, the dictionary and the model's vocabulary); then
character-level passes repair mojibake, drop e-text emphasis marks, normalise quotes and dashes,
repair OCR confusions (digits in dates, letters read for letters, split words) and remove
footnote reference numbers. Every clean character keeps the index of the raw character it came
from (``raw_index``) and its printed page, and every change is recorded as an edit of one of
``EDIT_KINDS``.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import ftfy
import numpy as np
import pandas as pd

from leaderlens.tables import CHARMAP, EDITS, PARAGRAPHS, QUALITY_EDIT_KINDS, empty_frame

if TYPE_CHECKING:  # spaCy is imported by the callers that load a model; the Snakefile does not
    from spacy.language import Language

logger = logging.getLogger(__name__)

LineKind = Literal["blank", "body", "title", "heading", "page_number", "running_head"]
HyphenDecision = Literal["join", "keep"]
EditKind = Literal[
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
]
EDIT_KINDS: tuple[str, ...] = QUALITY_EDIT_KINDS
"""Every kind of edit the cleaner records (``edits.kind``)."""

WIDTH_PERCENTILE = 90
"""Percentile of line lengths taken as the typeset line width."""
PARAGRAPH_END_RATIO = 0.85
"""A sentence-final line shorter than this share of the line width ends its paragraph."""
TITLE_MAX_RATIO = 0.75
"""Opening lines shorter than this share of the width (and not sentences) may be the title."""
UNWRAPPED_WIDTH = 200
"""Above this typical line length the text is not hard-wrapped: each line is a paragraph."""
HEAD_MIN_REPEATS = 3
"""A running head is a short line repeated at least this often next to page numbers."""
MAX_PAGE_GAP = 2
"""Consecutive page numbers may skip at most this many pages (a lost number, a plate)."""
FOOTNOTE_MAX_SKIP = 3
"""A footnote number may run ahead of the expected next number by at most this much."""
SINGLE_QUOTE_STYLE_RATIO = 10
"""Quotations use single quotes if opening single quotes outnumber double quotes this much."""
MIN_STEM = 2
"""An inflected form counts as a word only if its base has at least this many letters."""
COMPOUND_MIN_PART = 3
"""Both halves of a split must have this many letters to count as a compound of two words."""

KEEP_PREFIXES = frozenset(
    [
        "all",
        "anti",
        "counter",
        "ex",
        "half",
        "neo",
        "non",
        "post",
        "pre",
        "pro",
        "pseudo",
        "quasi",
        "self",
        "semi",
        "ultra",
        "vice",
        "well",
    ]
)
"""Prefixes that keep their hyphen at a line break when the text gives no other evidence."""

MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
YEAR_CONTEXT = MONTHS | frozenset(
    [
        "in",
        "of",
        "since",
        "until",
        "till",
        "by",
        "from",
        "to",
        "after",
        "before",
        "during",
        "summer",
        "autumn",
        "winter",
        "spring",
    ]
)
OCR_CONFUSIONS: dict[str, tuple[str, ...]] = {
    "t": ("l",),
    "r": ("f",),
    "f": ("r",),
    "c": ("e",),
    "e": ("c",),
    "i": ("l",),
    "l": ("ll", "i"),
    "I": ("l",),
    "J": ("l",),
    "1": ("l",),
    "U": ("ll",),
    "rn": ("m",),
    "m": ("rn",),
    "cl": ("d",),
    "li": ("h",),
    "vv": ("w",),
    "~": tuple("abcdefghijklmnopqrstuvwxyz"),
    "^": tuple("abcdefghijklmnopqrstuvwxyz"),
    "|": ("l", "I"),
}
"""Characters OCR reads in place of others: printed form -> what it may stand for."""
CAPITAL_CONFUSIONS = {"J": "l", "I": "l"}
"""Capitals OCR reads in place of a lower-case letter at a word's start ("Jed" for "led")."""
GLUED_FUNCTION_WORDS = ("of", "to", "in", "and", "the", "by", "for", "on", "at", "with", "from")

TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2013": "-",
        "\u2012": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
    }
)
"""Same-length typographic normalisation (curly quotes, en dash, odd spaces), recorded as edits."""
TYPOGRAPHIC_RUN = re.compile("[" + "".join(chr(code) for code in TYPOGRAPHY) + "]+")

COMMON_FORM = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
"""A vocabulary string that is a plain (possibly hyphenated) word."""
LINE_BREAK = re.compile(r"\r\n|[\r\n\f\v\x85\u2028\u2029]")
LETTER = r"[^\W\d_]"
WORD_RE = re.compile(rf"{LETTER}+(?:['\u2019]{LETTER}+)?")
COMPOUND_RE = re.compile(rf"{LETTER}+(?:-{LETTER}+)+")
BARE_NUMBER = re.compile(r"^\d{1,4}$")
NUMBER_FIRST = re.compile(r"^(\d{1,4})\s+(\D.*)$")
NUMBER_LAST = re.compile(r"^(.*\D)\s+(\d{1,4})$")
TITLE_NUMBER = re.compile(r"^(?:chapter\s+)?(\d{1,3})(?:[.:]\s*|\s+|$)(.*)$", re.IGNORECASE)
TITLE_ROMAN = re.compile(
    r"^(?:(?:[Cc]hapter|CHAPTER)\s+([IVXLC]{1,7})|([IVXLC]{1,7})\.?)(?:[.:]?\s+(.*))?$"
)
NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
TITLE_WORD = re.compile(rf"^(?:chapter\s+)?({'|'.join(NUMBER_WORDS.split())})$", re.IGNORECASE)
"""A chapter number spelled out on its own line: "FOUR", "Chapter Twelve"."""
INITIAL_END = re.compile(r"(?:^|[\s.])[A-Z]\.$")
"""A line ending in an initial ("A. M.") does not end a sentence."""
SENTENCE_END = re.compile(r"[.!?]['\"\u2019\u201d)\]]*$")
MARK_CHARS = "0-9sSoOlI\u00b0\u00c2"
LINE_END_MARK = re.compile(rf"(?:\s?['\"\u2019\u201d]?\s?)(?:\d\s)?[{MARK_CHARS}]{{1,4}}$")
OCR_DIGITS = str.maketrans("sSoOlI\u00b0", "5500110")
FOOTNOTE_GLUED = re.compile(r"^(.*?[.,;:!?'\")\]])([0-9sSoOlI\u00b0]{1,3})$")
FOOTNOTE_GLUED_LETTER = re.compile(rf"^(.*{LETTER}{{2}})(\d[0-9sSoOlI\u00b0]{{0,2}})$")
FOOTNOTE_ALONE = re.compile(r"^[0-9sSoOlI\u00b0]{1,3}$")
CLOSES_SENTENCE = tuple(".!?;:'\")]")
DASHES = frozenset(["-", "--", "\u2013", "\u2014"])


@dataclass(frozen=True)
class CleanChapter:
    """A cleaned chapter with its map back to the raw text.

    Attributes:
        text: Clean body text; paragraphs separated by exactly ``"\\n\\n"``.
        raw_index: int64, one per clean character: its index in the raw (decoded) text.
        page: int64, one per clean character: its printed page, -1 where unknown.
        paragraphs: ``tables.PARAGRAPHS`` rows.
        edits: ``tables.EDITS`` rows, one per change made to the raw text.
        title: The chapter title from the opening line(s), or None.
        number: The chapter number if printed, or None.
    """

    text: str
    raw_index: np.ndarray
    page: np.ndarray
    paragraphs: pd.DataFrame
    edits: pd.DataFrame
    title: str | None
    number: str | None


@dataclass(frozen=True)
class _Line:
    """One raw line: its span, its stripped content span and the content."""

    start: int
    stop: int
    cs: int
    ce: int
    text: str


@dataclass(frozen=True)
class _Change:
    """A replacement of ``text[start:end]`` by ``new`` in a buffer."""

    start: int
    end: int
    new: str
    kind: str
    record: bool = True


@dataclass(frozen=True)
class _Buffer:
    """Clean text under construction with the raw index of every character."""

    text: str
    index: list[int]


@dataclass(frozen=True)
class _Evidence:
    """What the chapter itself and the roster say about words and hyphenated compounds."""

    words: Counter[str]
    pairs: dict[str, set[str]]
    protected_words: frozenset[str]
    protected_pairs: dict[str, set[str]]


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class DecodedRaw:
    """A raw chapter file's text and the encoding it was read with.

    Attributes:
        text: The decoded text; raw offsets everywhere index this string.
        encoding: ``"utf-8"``, ``"utf-8-sig"`` (UTF-8 with a byte-order mark), ``"utf-16"``
            or ``"cp1252"`` (the fallback for bytes that are not valid UTF-8).
    """

    text: str
    encoding: str


def decode_raw(data: bytes, *, path: str) -> str:
    """Decode a raw chapter file: UTF-8 (BOM stripped), else cp1252 with a warning.

    Args:
        data: The file's bytes.
        path: The file's path, for messages.

    Returns:
        The decoded text; raw offsets everywhere index this string.

    Raises:
        ValueError: If the bytes look binary (NUL bytes or many control characters).
    """
    return decode_raw_with_encoding(data, path=path).text


def decode_raw_with_encoding(data: bytes, *, path: str) -> DecodedRaw:
    """Decode a raw chapter file as :func:`decode_raw` does and report the encoding used.

    Args:
        data: The file's bytes.
        path: The file's path, for messages.

    Returns:
        The decoded text and the name of the encoding it was read with.

    Raises:
        ValueError: If the bytes look binary (NUL bytes or many control characters).
    """
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        logger.warning("%s: UTF-16 text; decoding it, but please save chapters as UTF-8", path)
        return DecodedRaw(data.decode("utf-16"), "utf-16")
    if b"\x00" in data:
        raise ValueError(
            f"{path}: contains NUL bytes, so it is not a plain-text chapter; "
            "save it as UTF-8 plain text (.txt) and rerun"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        logger.warning(
            "%s: not valid UTF-8 (%s); decoding as cp1252, check the result", path, error.reason
        )
        text = data.decode("cp1252", errors="replace")
        encoding = "cp1252"
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f\v")
    if text and controls > 0.05 * len(text):
        raise ValueError(
            f"{path}: {controls} of {len(text)} characters are control characters; "
            "this looks like a binary file: save the chapter as UTF-8 plain text and rerun"
        )
    return DecodedRaw(text, encoding)


@dataclass(frozen=True)
class WordChecker:
    """An English word test built from a spaCy pipeline, with the evidence behind it.

    Calling it tells whether a word (any case) is English. The extra attributes are used by
    the cleaner where a plain ``Callable[[str], bool]`` gives no such evidence.

    Attributes:
        test: The word test (lemmatizer tables plus spaCy's stop words).
        common: Lower-cased words of the vocabulary's strings: the forms the model saw in
            running text (so "headquarters" but not the rare dictionary form "hobbyhorses").
        compounds: Hyphenated pairs (left -> rights) from the lemmatizer index and the
            vocabulary, e.g. "counter" -> {"revolutionary", ...}.
    """

    test: Callable[[str], bool]
    common: frozenset[str]
    compounds: dict[str, set[str]]

    def __call__(self, word: str) -> bool:
        """Return True if ``word`` is an English word."""
        return self.test(word)


def word_checker(nlp: Language) -> WordChecker:
    """Build an English word test from the pipeline's lemmatizer tables.

    Uses the rule lemmatizer's ``lemma_index`` (base forms), ``lemma_exc`` (irregular forms)
    and ``lemma_rules`` (suffix rules, to accept inflected forms), or a ``lemma_lookup``
    table, plus the language's stop words (closed-class words such as "itself" are not in
    the lemma tables); falls back to the vocabulary's strings (with a warning) if there is no
    lemmatizer.

    Args:
        nlp: A loaded spaCy pipeline.

    Returns:
        A callable telling whether a word (any case) is an English word, carrying the
        vocabulary's common forms and hyphenated compounds as extra evidence.
    """
    base_forms: set[str] = set()
    tables: list[object] = []
    rules: set[tuple[str, str]] = set()
    if "lemmatizer" in nlp.pipe_names:
        lookups = nlp.get_pipe("lemmatizer").lookups
        for name in lookups.tables:
            table = lookups.get_table(name)
            if name == "lemma_index":
                for forms in table.values():
                    base_forms.update(str(form).lower() for form in forms)
            elif name == "lemma_rules":
                for pairs in table.values():
                    rules.update((old, new) for old, new in pairs if old)
            elif name in ("lemma_exc", "lemma_lookup"):
                for value in table.values():
                    if isinstance(value, dict):  # lemma_exc: part of speech -> {form: lemmas}
                        base_forms.update(str(form).lower() for form in value)
                    else:
                        tables.append(table)
                        break
    ordered_rules = sorted(rules)
    stop_words = frozenset(word.lower() for word in nlp.Defaults.stop_words)
    common: set[str] = set()
    compounds: dict[str, set[str]] = {}
    for string in nlp.vocab.strings:
        if COMMON_FORM.fullmatch(string):
            common.add(string.lower())
            if "-" in string:
                _add_pairs(string, compounds)
    for form in base_forms:
        if "-" in form and COMMON_FORM.fullmatch(form):
            _add_pairs(form, compounds)
    if not base_forms and not tables:
        logger.warning(
            "word_checker: the pipeline has no lemmatizer tables; using its vocabulary strings, "
            "so hyphenation decisions will be weak (use the configured model)"
        )
        strings = nlp.vocab.strings

        def in_vocab(word: str) -> bool:
            """Return True if the lower-cased word is in the vocabulary strings."""
            return _normalise_word(word) in strings

        return WordChecker(in_vocab, frozenset(common), compounds)

    def known(word: str) -> bool:
        """Return True if the word is a base form or listed in an exception/lookup table."""
        return word in base_forms or any(word in table for table in tables)

    def is_word(word: str) -> bool:
        """Return True if ``word`` is an English word (base or inflected form)."""
        word = _normalise_word(word)
        if not word:
            return False
        if known(word) or word in stop_words:
            return True
        for old, new in ordered_rules:
            stem = word[: len(word) - len(old)] + new
            if word.endswith(old) and len(stem) >= MIN_STEM and known(stem):
                return True
        return False

    return WordChecker(is_word, frozenset(common), compounds)


def clean_chapter(
    raw: str, *, is_word: Callable[[str], bool], protected: Collection[str] = ()
) -> CleanChapter:
    """Clean one raw chapter and map every clean character back to the raw text and its page.

    Args:
        raw: The decoded raw text (see :func:`decode_raw`).
        is_word: Tells whether a word is English (see :func:`word_checker`).
        protected: Roster names and aliases: evidence for joining a split name; never corrected.

    Returns:
        The clean chapter.
    """
    lines = _split_lines(raw)
    if not any(line.text for line in lines):
        logger.warning("clean_chapter: the raw text is empty; returning an empty chapter")
        return _empty_chapter()
    width = _line_width(lines)
    kinds: list[LineKind] = ["body" if line.text else "blank" for line in lines]
    numbers, number_spans, head_texts = _page_numbers(lines)
    for i in numbers:
        kinds[i] = "page_number"
    title_lines, number, title = _find_title(lines, kinds, width)
    for i in title_lines:
        kinds[i] = "title"
    for i in _running_heads(lines, kinds, numbers, head_texts, width):
        kinds[i] = "running_head"
    for i in _headings(lines, kinds):
        kinds[i] = "heading"
    line_pages = _line_pages(kinds, numbers)
    edits = _furniture_edits(raw, lines, kinds, number_spans)
    groups, section_titles = _paragraph_groups(lines, kinds, width)
    if not groups:
        logger.warning("clean_chapter: no body text found; returning an empty chapter")
        return _empty_chapter(edits=edits, title=title, number=number)
    evidence = _evidence(
        [lines[i].text for i, kind in enumerate(kinds) if kind == "body"], protected
    )
    buffer = _join_lines(raw, lines, groups, evidence=evidence, is_word=is_word, edits=edits)
    buffer = _apply(buffer, _mojibake_changes(buffer.text), raw, edits)
    buffer = _apply(buffer, _markup_changes(buffer.text), raw, edits)
    buffer = _apply(buffer, _typography_changes(buffer.text), raw, edits)
    buffer = _apply(buffer, _dash_changes(buffer.text), raw, edits)
    buffer = _apply(buffer, _space_changes(buffer.text), raw, edits)
    buffer = _apply(
        buffer, _ocr_changes(buffer.text, evidence=evidence, is_word=is_word), raw, edits
    )
    buffer = _apply(buffer, _footnote_changes(buffer.text, words=evidence.words), raw, edits)
    buffer = _apply(buffer, _quote_space_changes(buffer.text), raw, edits)
    buffer, kept = _tidy(buffer)
    sections = [section_titles[groups[k][1]] for k in kept]
    section_seq = [groups[k][1] for k in kept]
    raw_index = np.asarray(buffer.index, dtype=np.int64)
    line_starts = np.asarray([line.start for line in lines], dtype=np.int64)
    page_of_line = np.asarray(line_pages, dtype=np.int64)
    page = page_of_line[np.searchsorted(line_starts, raw_index, side="right") - 1]
    return CleanChapter(
        text=buffer.text,
        raw_index=raw_index,
        page=page.astype(np.int64),
        paragraphs=_paragraph_frame(buffer.text, section_seq, sections),
        edits=_edits_frame(edits),
        title=title,
        number=number,
    )


def charmap_frame(chapter: CleanChapter) -> pd.DataFrame:
    """Return the chapter's character map as ``tables.CHARMAP`` rows.

    Args:
        chapter: A cleaned chapter.

    Returns:
        One row per clean character: raw index and page (null where unknown).
    """
    if len(chapter.raw_index) == 0:
        return empty_frame(CHARMAP)
    page = pd.array(chapter.page, dtype="Int32")
    page[chapter.page < 0] = pd.NA
    return pd.DataFrame({"raw_index": chapter.raw_index.astype(np.int32), "page": page})


def hyphen_decision(
    left: str,
    right: str,
    *,
    is_word: Callable[[str], bool],
    words: Collection[str] = (),
    pairs: dict[str, set[str]] | None = None,
    protected_words: Collection[str] = (),
    protected_pairs: dict[str, set[str]] | None = None,
    common: Collection[str] | None = None,
    compounds: dict[str, set[str]] | None = None,
) -> HyphenDecision:
    """Decide whether a word split by a line-break hyphen is one word or a hyphenated compound.

    Evidence in order: the roster, the chapter itself (the hyphenated form or the joined
    form seen elsewhere), a capital after the hyphen, the dictionary's hyphenated compounds
    ("counter-revolutionary" vouches for "counter-revolution"), the joined form in common
    use, two real words whose joined form is only a rare dictionary entry ("hobby-horses"),
    compound prefixes, the joined form in the dictionary, and whether both halves are words.

    Args:
        left: The fragment before the hyphen (the last part of a compound such as "non-Bolshe").
        right: The fragment starting the next line (letters only).
        is_word: The English word test.
        words: Lower-cased words seen unbroken in the chapter.
        pairs: Lower-cased hyphenated pairs seen in the chapter (left -> rights).
        protected_words: Lower-cased roster name parts.
        protected_pairs: Lower-cased hyphenated pairs from the roster.
        common: Lower-cased words in common use; None takes ``is_word.common`` if present.
        compounds: Hyphenated pairs from the dictionary; None takes ``is_word.compounds``.

    Returns:
        "join" to drop the hyphen, "keep" to keep it.
    """
    if common is None:
        common = getattr(is_word, "common", None)
    if compounds is None:
        compounds = getattr(is_word, "compounds", None)
    joined = (left + right).lower()
    low_left, low_right = left.lower(), right.lower()
    if joined in protected_words:
        return "join"
    if _pair_seen(low_left, low_right, protected_pairs or {}):
        return "keep"
    if _pair_seen(low_left, low_right, pairs or {}):
        return "keep"
    if joined in words:
        return "join"
    if right[:1].isupper():
        return "keep"
    if is_word(f"{low_left}-{low_right}") or _pair_seen(low_left, low_right, compounds or {}):
        return "keep"
    if common is not None:
        if joined in common:
            return "join"
        if (
            min(len(low_left), len(low_right)) >= COMPOUND_MIN_PART
            and is_word(low_left)
            and is_word(low_right)
        ):
            return "keep"
    if low_left in KEEP_PREFIXES:
        return "keep"
    if is_word(joined):
        return "join"
    if is_word(low_left) and is_word(low_right):
        return "keep"
    return "join"


# ---------------------------------------------------------------------------------------------
# Lines and their kinds


def _empty_chapter(
    *, edits: list[dict] | None = None, title: str | None = None, number: str | None = None
) -> CleanChapter:
    """Return a chapter with no body text."""
    return CleanChapter(
        text="",
        raw_index=np.zeros(0, dtype=np.int64),
        page=np.zeros(0, dtype=np.int64),
        paragraphs=empty_frame(PARAGRAPHS),
        edits=_edits_frame(edits or []),
        title=title,
        number=number,
    )


def _split_lines(raw: str) -> list[_Line]:
    """Split raw text into lines (any line ending) with raw spans and stripped content."""
    lines: list[_Line] = []
    pos = 0
    for match in LINE_BREAK.finditer(raw):
        lines.append(_make_line(raw, pos, match.start(), match.end()))
        pos = match.end()
    if pos < len(raw):
        lines.append(_make_line(raw, pos, len(raw), len(raw)))
    return lines


def _make_line(raw: str, start: int, end: int, stop: int) -> _Line:
    """Build a line record from its content span ``[start, end)`` and its end ``stop``."""
    content = raw[start:end]
    stripped = content.strip()
    if not stripped:
        return _Line(start, stop, start, start, "")
    cs = start + len(content) - len(content.lstrip())
    return _Line(start, stop, cs, cs + len(stripped), stripped)


def _line_width(lines: Sequence[_Line]) -> float:
    """Estimate the typeset line width as a high percentile of non-blank line lengths."""
    lengths = [len(line.text) for line in lines if line.text]
    if not lengths:
        return 0.0
    return float(np.percentile(lengths, WIDTH_PERCENTILE, method="higher"))


def _norm(text: str) -> str:
    """Normalise a short line for repetition counts: case-folded, single-spaced."""
    return " ".join(text.casefold().split())


def _page_numbers(
    lines: Sequence[_Line],
) -> tuple[dict[int, int], dict[int, tuple[int, int]], set[str]]:
    """Find page-number lines: the longest ascending run of short numeric lines.

    A candidate is a bare number line, or a number plus a text repeated on at least
    ``HEAD_MIN_REPEATS`` lines (a running head printed on the same line).

    Returns:
        ``(numbers, spans, head_texts)``: line -> page number, line -> raw span of the number,
        and the normalised running-head texts found on number lines.
    """
    combined: list[tuple[int, int, tuple[int, int], str]] = []
    bare: list[tuple[int, int, tuple[int, int]]] = []
    for i, line in enumerate(lines):
        if BARE_NUMBER.match(line.text):
            bare.append((i, int(line.text), (line.cs, line.ce)))
            continue
        if len(line.text) > 100:
            continue
        for pattern, num_group, text_group in ((NUMBER_FIRST, 1, 2), (NUMBER_LAST, 2, 1)):
            match = pattern.match(line.text)
            if match:
                span = (line.cs + match.start(num_group), line.cs + match.end(num_group))
                combined.append((i, int(match.group(num_group)), span, _norm(match[text_group])))
                break
    counts = Counter(text for *_, text in combined)
    repeated = {text for text, n in counts.items() if n >= HEAD_MIN_REPEATS}
    candidates = sorted(
        [(i, value, span, None) for i, value, span in bare]
        + [(i, value, span, text) for i, value, span, text in combined if text in repeated]
    )
    best: dict[int, tuple[int, int]] = {}  # value -> (chain length, candidate position)
    back: list[int] = []
    lengths: list[int] = []
    for pos, (_, value, _, _) in enumerate(candidates):
        length, previous = 1, -1
        for gap in range(1, MAX_PAGE_GAP + 1):
            if value - gap in best and best[value - gap][0] + 1 > length:
                length, previous = best[value - gap][0] + 1, best[value - gap][1]
        back.append(previous)
        lengths.append(length)
        if value not in best or best[value][0] < length:
            best[value] = (length, pos)
    if not lengths or max(lengths) < 2:
        return {}, {}, set()
    pos = lengths.index(max(lengths))
    numbers: dict[int, int] = {}
    spans: dict[int, tuple[int, int]] = {}
    head_texts: set[str] = set()
    while pos >= 0:
        i, value, span, text = candidates[pos]
        numbers[i] = value
        spans[i] = span
        if text is not None:
            head_texts.add(text)
        pos = back[pos]
    return numbers, spans, head_texts


def _find_title(
    lines: Sequence[_Line], kinds: Sequence[LineKind], width: float
) -> tuple[list[int], str | None, str | None]:
    """Find the chapter number and title in the opening short lines.

    Returns:
        ``(line indices, number, title)``.
    """
    picked: list[int] = []
    for i, line in enumerate(lines):
        if kinds[i] == "blank":
            continue
        if kinds[i] != "body" or len(picked) == 3:
            break
        if not (_is_number_line(line.text) and not picked) and not _is_title_like(line.text, width):
            break
        picked.append(i)
    if not picked or all(kinds[j] != "body" for j in range(picked[-1] + 1, len(lines))):
        return [], None, None
    parts = [lines[i].text for i in picked]
    number: str | None = None
    match = TITLE_NUMBER.match(parts[0])
    roman = TITLE_ROMAN.match(parts[0])
    spelled = TITLE_WORD.match(parts[0])
    if match:
        number, parts[0] = match.group(1), match.group(2)
    elif spelled:
        number, parts[0] = spelled.group(1), ""
    elif roman:
        number, parts[0] = roman.group(1) or roman.group(2), roman.group(3) or ""
    title = " ".join(" ".join(parts).translate(TYPOGRAPHY).split()) or None
    return picked, number, title


def _is_number_line(text: str) -> bool:
    """Return True for a chapter-number line: "9", "Chapter 9", "CHAPTER IX", "FOUR"."""
    match = TITLE_NUMBER.match(text)
    roman = TITLE_ROMAN.match(text)
    spelled = TITLE_WORD.match(text)
    return bool((match and not match.group(2)) or (roman and not roman.group(3)) or spelled)


def _is_title_like(text: str, width: float) -> bool:
    """Return True for a short opening line that is not a sentence and not an all-caps heading."""
    if width and len(text) >= TITLE_MAX_RATIO * width:
        return False
    if text.endswith((".", "!", "?", ",", ";", ":")):
        return False
    if TITLE_NUMBER.match(text) or TITLE_ROMAN.match(text):
        return True
    return not _is_caps(text)


def _is_caps(text: str) -> bool:
    """Return True if the text has at least four letters, all upper case."""
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 4 and all(char.isupper() for char in letters)


def _running_heads(
    lines: Sequence[_Line],
    kinds: Sequence[LineKind],
    numbers: dict[int, int],
    head_texts: set[str],
    width: float,
) -> list[int]:
    """Find running-head lines: short lines repeated next to page numbers.

    Returns:
        The line indices (page-number lines printed with their head are not included).
    """
    if not numbers:
        return []
    limit = max(40.0, 0.9 * width)
    occurrences: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if kinds[i] == "body" and len(line.text) <= min(limit, 100):
            occurrences.setdefault(_norm(line.text), []).append(i)
    nonblank = [i for i, kind in enumerate(kinds) if kind != "blank"]
    rank = {i: r for r, i in enumerate(nonblank)}
    number_ranks = {rank[i] for i in numbers}
    heads: list[int] = []
    for text, found in occurrences.items():
        near = sum(1 for i in found if any(rank[i] + d in number_ranks for d in (-2, -1, 1, 2)))
        if text in head_texts or (len(found) >= HEAD_MIN_REPEATS and 2 * near >= len(found)):
            heads.extend(found)
        else:
            # A head printed too few times to repeat (a short chapter): a title-cased line
            # right beside a page number, shaped like a title rather than a sentence.
            heads.extend(
                i
                for i in found
                if any(rank[i] + d in number_ranks for d in (-1, 1))
                and _is_headline(lines[i].text, width)
            )
    return sorted(heads)


def _is_headline(text: str, width: float) -> bool:
    """Return True for a title-cased line such as "A History of Tests" or "Lenin: A Life"."""
    words = re.findall(r"[^\W\d_]+", text)
    if not words or not _is_title_like(text.strip(), width) or _is_caps(text):
        return False
    return words[0][0].isupper() and all(w[0].isupper() for w in words if len(w) >= 4)


def _headings(lines: Sequence[_Line], kinds: Sequence[LineKind]) -> list[int]:
    """Find section headings: all-caps body lines that follow a sentence end or a heading."""
    found: list[int] = []
    previous: tuple[LineKind, str] | None = None
    for i, line in enumerate(lines):
        kind = kinds[i]
        if kind in ("blank", "page_number", "running_head"):
            continue
        if (
            kind == "body"
            and _is_caps(line.text)
            and len(line.text) <= 100
            and not line.text.endswith(("-", ",", ";", ":", "."))
            and (previous is None or previous[0] != "body" or _ends_sentence(previous[1]))
        ):
            found.append(i)
            kind = "heading"
        previous = (kind, line.text)
    return found


def _ends_sentence(text: str) -> bool:
    """Return True if a line ends a sentence (ignoring a trailing footnote number)."""
    text = text.rstrip()
    match = LINE_END_MARK.search(text)
    if match and any(char.isdigit() for char in match.group()):
        text = text[: match.start()].rstrip()
    if INITIAL_END.search(text):
        return False
    return bool(SENTENCE_END.search(text))


def _line_pages(kinds: Sequence[LineKind], numbers: dict[int, int]) -> list[int]:
    """Assign a printed page to every line from the page-number lines around it.

    Page-number lines and running heads form blocks between pages. Where the number is
    at the head of a page (the usual layout), text after a block belongs to the block's last
    number and an earlier number in the same block is the foot of the page before (as on a
    chapter's first page). Where numbers are at the foot (the text ends with a block and does
    not start with one), text belongs to the next block's first number.

    Returns:
        One page per line, -1 where unknown.
    """
    pages = [-1] * len(kinds)
    if not numbers:
        return pages
    furniture = ("page_number", "running_head", "blank")
    blocks: list[tuple[int, int, list[int]]] = []  # (first line, last line, numbers)
    i = 0
    while i < len(kinds):
        if kinds[i] not in furniture:
            i += 1
            continue
        j = i
        while j + 1 < len(kinds) and kinds[j + 1] in furniture:
            j += 1
        values = [numbers[k] for k in range(i, j + 1) if k in numbers]
        if values:
            blocks.append((i, j, values))
        i = j + 1
    content = [k for k, kind in enumerate(kinds) if kind not in furniture]
    foot_layout = (
        bool(content)
        and all(len(values) == 1 for *_, values in blocks)
        and content[-1] < blocks[-1][0]
        and content[0] < blocks[0][0]
    )
    if foot_layout:
        current_block = 0
        for k in range(len(kinds)):
            while current_block < len(blocks) and k > blocks[current_block][1]:
                current_block += 1
            if current_block < len(blocks):
                pages[k] = blocks[current_block][2][0]
            else:
                pages[k] = blocks[-1][2][-1] + 1
    else:
        first = blocks[0][2]
        current = first[0] if len(first) >= 2 else first[0] - 1
        block_at = {start: (end, values) for start, end, values in blocks}
        k = 0
        while k < len(kinds):
            if k in block_at:
                end, values = block_at[k]
                for m in range(k, end + 1):
                    pages[m] = numbers.get(m, current)
                current = values[-1]
                k = end + 1
                continue
            pages[k] = current
            k += 1
    for k, value in numbers.items():
        pages[k] = value
    return [page if page >= 0 else -1 for page in pages]


def _furniture_edits(
    raw: str,
    lines: Sequence[_Line],
    kinds: Sequence[LineKind],
    number_spans: dict[int, tuple[int, int]],
) -> list[dict]:
    """Record the removal of titles, headings, running heads and page numbers."""
    edits: list[dict] = []
    for i, line in enumerate(lines):
        kind = kinds[i]
        if kind in ("blank", "body"):
            continue
        span = number_spans.get(i)
        if kind == "page_number" and span and (span[0] > line.cs or span[1] < line.ce):
            edits.append(_edit(raw, "page_number", span[0], span[1], ""))
            head_start = line.cs if span[0] > line.cs else span[1]
            head_end = span[0] if span[0] > line.cs else line.ce
            text_span = raw[head_start:head_end]
            head_start += len(text_span) - len(text_span.lstrip())
            head_end -= len(text_span) - len(text_span.rstrip())
            edits.append(_edit(raw, "running_head", head_start, head_end, ""))
            continue
        edits.append(_edit(raw, kind, line.start, line.stop, ""))
    return edits


def _edit(raw: str, kind: str, raw_start: int, raw_end: int, replacement: str) -> dict:
    """Return one edit row."""
    return {
        "kind": kind,
        "raw_start": raw_start,
        "raw_end": raw_end,
        "raw_text": raw[raw_start:raw_end],
        "replacement": replacement,
    }


# ---------------------------------------------------------------------------------------------
# Paragraphs and line joining


def _paragraph_groups(
    lines: Sequence[_Line], kinds: Sequence[LineKind], width: float
) -> tuple[list[tuple[list[int], int]], dict[int, str | None]]:
    """Group body lines into paragraphs and sections.

    Paragraphs end at headings, at blank lines (except those beside page furniture) and,
    when the text has no blank-line paragraphs, after a sentence-final line clearly shorter
    than the line width. A page break alone does not end a paragraph.

    Returns:
        ``(groups, section_titles)``: each group is (line indices, section number), sections
        numbered in order of appearance (-1 before the first heading), with their titles.
    """
    furniture = ("page_number", "running_head")
    hard_blank = [False] * len(lines)
    for i, kind in enumerate(kinds):
        if kind == "blank":
            before = next((kinds[j] for j in range(i - 1, -1, -1) if kinds[j] != "blank"), None)
            after = next((kinds[j] for j in range(i + 1, len(kinds)) if kinds[j] != "blank"), None)
            hard_blank[i] = before not in furniture and after not in furniture
    n_body = sum(1 for kind in kinds if kind == "body")
    n_blank = sum(hard_blank)
    blank_mode = n_blank >= 2 and n_blank >= 0.05 * n_body
    unwrapped = width > UNWRAPPED_WIDTH
    groups: list[tuple[list[int], int]] = []
    section_titles: dict[int, str | None] = {-1: None}
    heading_parts: list[str] = []
    section = -1
    current: list[int] = []

    def close() -> None:
        """End the current paragraph, if any."""
        nonlocal current
        if current:
            groups.append((current, section))
            current = []

    for i, line in enumerate(lines):
        kind = kinds[i]
        if kind == "heading":
            close()
            if not heading_parts:
                section += 1
            heading_parts.append(line.text)
            section_titles[section] = " ".join(
                " ".join(heading_parts).translate(TYPOGRAPHY).split()
            )
            continue
        if kind in ("title", "page_number", "running_head"):
            continue
        if kind == "blank":
            if hard_blank[i]:
                close()
            continue
        heading_parts = []
        current.append(i)
        if unwrapped or (
            not blank_mode
            and _ends_sentence(line.text)
            and len(line.text) < PARAGRAPH_END_RATIO * width
        ):
            close()
    close()
    return groups, section_titles


def _evidence(body: Iterable[str], protected: Collection[str]) -> _Evidence:
    """Collect the words and hyphenated pairs seen in the body text and the roster."""
    words: Counter[str] = Counter()
    pairs: dict[str, set[str]] = {}
    for text in body:
        words.update(_normalise_word(word) for word in WORD_RE.findall(text))
        for compound in COMPOUND_RE.findall(text):
            _add_pairs(compound, pairs)
    protected_words: set[str] = set()
    protected_pairs: dict[str, set[str]] = {}
    for alias in protected:
        for token in alias.split():
            token = token.strip(".,;:'\"()")
            protected_words.add(token.lower())
            protected_words.update(part.lower() for part in token.split("-") if part)
            if "-" in token:
                _add_pairs(token, protected_pairs)
    return _Evidence(words, pairs, frozenset(protected_words), protected_pairs)


def _add_pairs(compound: str, pairs: dict[str, set[str]]) -> None:
    """Add each adjacent pair of a hyphenated compound (lower-cased) to ``pairs``."""
    parts = [part.lower() for part in compound.split("-") if part]
    for left, right in zip(parts, parts[1:], strict=False):
        pairs.setdefault(left, set()).add(right)


def _pair_seen(left: str, right: str, pairs: dict[str, set[str]]) -> bool:
    """Return True if ``left-right`` (or a longer form of it, e.g. with a suffix) was seen."""
    rights = pairs.get(left, ())
    return right in rights or any(len(right) >= 4 and seen.startswith(right) for seen in rights)


def _join_lines(
    raw: str,
    lines: Sequence[_Line],
    groups: Sequence[tuple[list[int], int]],
    *,
    evidence: _Evidence,
    is_word: Callable[[str], bool],
    edits: list[dict],
) -> _Buffer:
    """Join each paragraph's lines (repairing line-break hyphens) and separate paragraphs."""
    pieces: list[str] = []
    index: list[int] = []
    for number, (members, _) in enumerate(groups):
        if number:
            separator_at = lines[groups[number - 1][0][-1]].ce
            pieces.append("\n\n")
            index.extend([separator_at, separator_at])
        for position, i in enumerate(members):
            line = lines[i]
            text, start = line.text, line.cs
            following = lines[members[position + 1]] if position + 1 < len(members) else None
            joint = _joint(line, following, evidence=evidence, is_word=is_word)
            if joint in ("hyphen_join", "hyphen_keep"):
                edits.append(
                    _edit(raw, joint, line.ce - 1, line.stop, "" if joint == "hyphen_join" else "-")
                )
            if joint == "hyphen_join":
                text = text[:-1]
            pieces.append(text)
            index.extend(range(start, start + len(text)))
            if joint == "space":
                pieces.append(" ")
                index.append(line.ce)
    return _Buffer("".join(pieces), index)


def _joint(
    line: _Line,
    following: _Line | None,
    *,
    evidence: _Evidence,
    is_word: Callable[[str], bool],
) -> Literal["none", "space", "hyphen_join", "hyphen_keep"]:
    """Decide how a line joins the next line of its paragraph."""
    if following is None:
        return "none"
    text = line.text
    if len(text) < 2 or not text.endswith("-") or text[-2].isspace() or text[-2] == "-":
        return "space"
    right = re.match(rf"{LETTER}+", following.text)
    left_token = text.split()[-1][:-1]
    left = re.search(rf"{LETTER}+$", left_token)
    if not text[-2].isalpha() or right is None or left is None:
        return "hyphen_keep"
    decision = hyphen_decision(
        left.group(),
        right.group(),
        is_word=is_word,
        words=evidence.words,
        pairs=evidence.pairs,
        protected_words=evidence.protected_words,
        protected_pairs=evidence.protected_pairs,
    )
    return "hyphen_join" if decision == "join" else "hyphen_keep"


# ---------------------------------------------------------------------------------------------
# Character-level passes


def _apply(buffer: _Buffer, changes: Iterable[_Change], raw: str, edits: list[dict]) -> _Buffer:
    """Apply non-overlapping changes to a buffer, keeping the raw index of every character.

    Only the part of each change that differs is replaced; a replacement character maps to
    the raw character it replaces (an insertion to the last character of the change before
    it, or at the change's start to the character after it), so the index
    stays non-decreasing and copied characters keep their own raw index.
    """
    text, index = buffer.text, buffer.index
    out_text: list[str] = []
    out_index: list[int] = []
    pos = 0
    for change in sorted(changes, key=lambda c: (c.start, c.end)):
        if change.start < pos:
            continue
        old = text[change.start : change.end]
        if change.record:
            raw_start = index[change.start] if change.start < len(index) else len(raw)
            raw_end = index[change.end - 1] + 1 if change.end > change.start else raw_start
            edits.append(_edit(raw, change.kind, raw_start, raw_end, change.new))
        prefix = _common_prefix(old, change.new)
        suffix = _common_prefix(old[prefix:][::-1], change.new[prefix:][::-1])
        start, end = change.start + prefix, change.end - suffix
        new = change.new[prefix : len(change.new) - suffix]
        out_text.append(text[pos:start])
        out_index.extend(index[pos:start])
        if new:
            if end > start:
                mapped = [index[start + min(j, end - start - 1)] for j in range(len(new))]
            else:
                inside = start > change.start or start >= len(index)
                anchor = index[start - 1] if inside else index[start]
                mapped = [anchor] * len(new)
            out_text.append(new)
            out_index.extend(mapped)
        pos = end
    out_text.append(text[pos:])
    out_index.extend(index[pos:])
    return _Buffer("".join(out_text), out_index)


def _common_prefix(a: str, b: str) -> int:
    """Return the length of the common prefix of two strings."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _mojibake_changes(text: str) -> list[_Change]:
    """Fix mojibake and other encoding damage (ftfy) in tokens with non-ASCII characters."""
    changes: list[_Change] = []
    for match in re.finditer(r"\S+", text):
        token = match.group()
        if token.isascii():
            continue
        fixed = ftfy.fix_text(token, uncurl_quotes=False, fix_line_breaks=False)
        if fixed != token:
            changes.append(_Change(match.start(), match.end(), fixed, "mojibake"))
    return changes


def _markup_changes(text: str) -> list[_Change]:
    """Drop e-text emphasis marks: the underscores of ``_italics_`` (the words stay)."""
    changes: list[_Change] = []
    for m in re.finditer(r"(?<![\w_])_(?=[^\s_])[^_\n]*?[^\s_]_(?![\w_])|(?<![\w_])_[^\s_]_", text):
        changes.append(_Change(m.start(), m.start() + 1, "", "markup"))
        changes.append(_Change(m.end() - 1, m.end(), "", "markup"))
    return changes


def _typography_changes(text: str) -> list[_Change]:
    """Normalise curly quotes, en dashes and odd spaces (``TYPOGRAPHY``), one edit per run."""
    return [
        _Change(m.start(), m.end(), m.group().translate(TYPOGRAPHY), "typography")
        for m in re.finditer(TYPOGRAPHIC_RUN, text)
    ]


def _dash_changes(text: str) -> list[_Change]:
    """Write every dash between words as a spaced hyphen: "word--word", "word—word"."""
    return [
        _Change(m.start(), m.end(), " - ", "dash")
        for m in re.finditer(r" *(?:(?<!-)-{2,3}(?!-)|[\u2014\u2015]) *", text)
        if m.group() != " - "
    ]


def _quote_space_changes(text: str) -> list[_Change]:
    """Close up a space OCR put before a closing quote: "than to Stalin. ' Krupskaya".

    The quote is taken as closing only if it follows sentence punctuation, is followed by a
    space and a capital (or the paragraph end), and a quotation is open in the paragraph.
    """
    changes: list[_Change] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        segment, base = paragraph.group(), paragraph.start()
        for m in re.finditer(r"(?<=[.!?,]) '(?= [A-Z\"']|$)", segment):
            before = segment[: m.start()]
            opened = len(re.findall(r"(?:^|(?<=[\s(\[]))'(?=\w)", before))
            closed = len(re.findall(r"(?<=[\w.,;:!?])'(?=[\s.,;:!?)\]]|$)", before))
            if opened > closed:
                changes.append(_Change(base + m.start(), base + m.end(), "'", "whitespace"))
    return changes


def _space_changes(text: str) -> list[_Change]:
    """Collapse runs of spaces inside a paragraph to one space."""
    return [_Change(m.start(), m.end(), " ", "whitespace") for m in re.finditer(r" {2,}", text)]


def _ocr_changes(
    text: str, *, evidence: _Evidence, is_word: Callable[[str], bool]
) -> list[_Change]:
    """Repair OCR confusions where the evidence is strong.

    Digit confusions in dates ("ll April", "l 922", "l9l7"), "II"/"I" for "l" inside a word
    when the repaired word is known, a function word glued to a known capitalised word
    ("ofKrasin"), and a zero among initials ("L. 0. Name"). Roster names are never changed.
    """
    changes: list[_Change] = []
    protected = evidence.protected_words

    def known(word: str) -> bool:
        """Return True if the word is English, seen in the chapter, or a roster name."""
        low = word.lower()
        return evidence.words[low] > 0 or low in protected or is_word(low)

    for m in re.finditer(r"(?<!\S)([0-9lI]{2})(?= (\w+))", text):
        token = m.group(1)
        if m.group(2).lower() in MONTHS and re.search("[lI]", token):
            day = token.translate(OCR_DIGITS)
            if 1 <= int(day) <= 31:
                changes.append(_Change(m.start(1), m.end(1), day, "ocr_fix"))
    for m in re.finditer(r"(\w+) ([lI]) ?(\d{3})(?![\w])", text):
        year = "1" + m.group(3)
        if m.group(1).lower() in YEAR_CONTEXT and 1000 <= int(year) <= 2099:
            changes.append(_Change(m.start(2), m.end(3), year, "ocr_fix"))
    for m in re.finditer(r"(?<![\w])([1lI][0-9lIO]{3})(?![\w])", text):
        token = m.group(1)
        digits = sum(char.isdigit() for char in token)
        year = token.translate(OCR_DIGITS)
        if 2 <= digits < 4 and 1000 <= int(year) <= 2099:
            changes.append(_Change(m.start(1), m.end(1), year, "ocr_fix"))
    for m in re.finditer(rf"(?<![\w])({LETTER}+)(?![\w])", text):
        word = m.group(1)
        if "I" not in word or word.lower() in protected or is_word(word.lower()):
            continue
        fixed = re.sub(r"^II(?=[a-z])", "Il", word)
        fixed = re.sub(r"(?<=[a-z])I", "l", fixed)
        if fixed != word and known(fixed):
            changes.append(_Change(m.start(1), m.end(1), fixed, "ocr_fix"))
    glued = "|".join(GLUED_FUNCTION_WORDS)
    for m in re.finditer(rf"\b({glued})([A-Z][a-z]{{2,}})\b", text):
        name = m.group(2)
        if evidence.words[name.lower()] > 0 or name.lower() in protected:
            changes.append(_Change(m.start(), m.end(), f"{m.group(1)} {name}", "ocr_fix"))
    for m in re.finditer(r"(?<![\w])([A-Z]\. )0(?=\. [A-Z])", text):
        changes.append(_Change(m.end(1), m.end(1) + 1, "O", "ocr_fix"))
    for m in re.finditer(r"(?<![\w])(1[0-9]{2})[({] ?[)}](?![\w])", text):
        changes.append(_Change(m.end(1), m.end(), "0", "ocr_fix"))
    changes.extend(_confusion_changes(text, evidence=evidence, is_word=is_word))
    return _non_overlapping(changes)


def _confusion_changes(
    text: str, *, evidence: _Evidence, is_word: Callable[[str], bool]
) -> list[_Change]:
    """Repair unknown words by one OCR confusion when exactly one known word results.

    A suspect is a word the dictionary does not know, seen at most once in the chapter and
    not a roster name. Candidates come from one substitution of ``OCR_CONFUSIONS`` ("t" read
    for "l": "intetligent"; "r" for "f": "itselr"; "U" for "ll": "AU"; a stray symbol for a
    letter: "~arty"), a stray capital after a word ("ofT"), or a word split in two whose
    joined form the chapter prints elsewhere ("A verbakh"). A capitalised suspect is changed
    only if its capital is itself the confusion ("Jed" for "led") and it stands inside a
    sentence, so a rare proper name is never turned into a common word.
    """
    protected = evidence.protected_words
    changes: list[_Change] = []

    def seen(word: str) -> int:
        """Return how often the chapter prints the word (any case)."""
        return evidence.words[word.lower()]

    def suspect(word: str) -> bool:
        """Return True for an unknown word that may be an OCR error."""
        low = word.lower()
        return low not in protected and seen(low) <= 1 and not is_word(low)

    for m in re.finditer(r"(?<![\w'\u2019~-])([A-Za-z~^|]+)(?![A-Za-z0-9~^|])", text):
        word = m.group(1)
        if (
            len(word) >= 3
            and word[:-1].isalpha()
            and word[:-1].islower()
            and word[-1].isupper()
            and is_word(word[:-1])
        ):
            changes.append(_Change(m.start(1), m.end(1), word[:-1], "ocr_fix"))  # "ofT"
            continue
        if len(word) < 3 or not suspect(word):
            continue
        inside = re.search(r"[a-z,;]\s$", text[max(0, m.start() - 2) : m.start()]) is not None
        if word[0].isupper() and word[1:].islower():
            before_name = re.match(r" [A-Z]", text[m.end() : m.end() + 2]) is not None
            if not inside or before_name or word[0] not in CAPITAL_CONFUSIONS:
                continue
            options = {CAPITAL_CONFUSIONS[word[0]] + word[1:]}
        elif word[0].isupper():
            continue
        else:
            options = _confusion_options(word)
        fixed = _best_candidate(options, seen=seen, is_word=is_word)
        if fixed is None and not word[0].isupper():
            # Two confusions ("wiJiing"): only a word the chapter itself prints will do.
            twice = {second for option in options for second in _confusion_options(option)}
            fixed = _best_candidate(twice - {word}, seen=seen, is_word=is_word, common_only=True)
        if fixed is not None:
            changes.append(_Change(m.start(1), m.end(1), fixed, "ocr_fix"))
    for m in re.finditer(r"(?<![\w-])([A-Z]{2,3})(?=-[A-Z][a-z])", text):
        word = m.group(1)
        if seen(word) > 1 or word.lower() in protected:
            continue
        options = {option.capitalize() for option in _confusion_options(word)}
        fixed = _best_candidate(options, seen=seen, is_word=is_word, common_only=True)
        if fixed is not None:
            changes.append(_Change(m.start(1), m.end(1), fixed, "ocr_fix"))
    for m in re.finditer(r"(?<![\w'-])([A-Z][a-z]{0,2}) ([a-z]{3,})(?![\w-])", text):
        left, right = m.group(1), m.group(2)
        joined = left + right
        if (
            seen(joined) >= 1
            and seen(right) <= 1
            and not is_word(right)
            and right not in protected
            and (len(left) == 1 or not is_word(left.lower()))
        ):
            changes.append(_Change(m.start(1), m.end(2), joined, "ocr_fix"))
    return changes


def _confusion_options(word: str) -> set[str]:
    """Return the words one OCR confusion away from ``word`` (see ``OCR_CONFUSIONS``)."""
    options: set[str] = set()
    for wrong, rights in OCR_CONFUSIONS.items():
        start = word.find(wrong)
        while start >= 0:
            for right in rights:
                options.add(word[:start] + right + word[start + len(wrong) :])
            start = word.find(wrong, start + 1)
    return {option for option in options if option != word}


def _best_candidate(
    options: Collection[str],
    *,
    seen: Callable[[str], int],
    is_word: Callable[[str], bool],
    common_only: bool = False,
) -> str | None:
    """Return the only candidate the chapter prints, else the only dictionary word, else None."""
    printed = sorted(option for option in options if seen(option) >= 2)
    if len(printed) == 1:
        return printed[0]
    if printed or common_only:
        return None
    common = getattr(is_word, "common", None)
    known = sorted(
        option
        for option in options
        if is_word(option.lower()) and (common is None or option.lower() in common)
    )
    return known[0] if len(known) == 1 else None


def _non_overlapping(changes: list[_Change]) -> list[_Change]:
    """Keep the first of any overlapping changes (in text order)."""
    kept: list[_Change] = []
    end = -1
    for change in sorted(changes, key=lambda c: (c.start, c.end)):
        if change.start >= end:
            kept.append(change)
            end = change.end
    return kept


def _footnote_changes(text: str, *, words: Collection[str] = ()) -> list[_Change]:
    """Remove footnote reference numbers, using their running sequence (1, 2, 3, ...) as evidence.

    A candidate is a number (possibly OCR-garbled: "s6", "5°") glued to punctuation
    ("garage.2") or to a word ("eyes3s"), or standing after sentence punctuation and before
    a capital or the paragraph end ("Podolsk. 1 He"). It is removed only if it is the next
    footnote number, a little ahead of it (numbers lost to OCR), or the next number with a
    digit lost ("7" for 27). Numbers in dates, years and quantities never fit both tests.
    Three OCR forms need no value: a number after a word and before a dash that is exactly
    the next one ("Pyatakov 193 - and"), a closing double quote after sentence punctuation
    that nothing opened (the number read as a quote: "frontiers'.\""), and a run of digits
    glued to a word the chapter prints with "l" for the first "1" ("contro11711").

    Args:
        text: The paragraph-joined text.
        words: Lower-cased words the chapter prints (for the glued-digits form).

    Returns:
        The changes removing each footnote number.
    """
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
    changes: list[_Change] = []
    last = 0
    skip_to = -1
    paragraph_start = 0
    # A stray double quote is a garbled number only where quotations use single quotes.
    opening_single = len(re.findall(r"(?:^|(?<=\s))'(?=\w)", text))
    single_quoted = text.count('"') * SINGLE_QUOTE_STYLE_RATIO < opening_single
    for k, (start, end, token) in enumerate(tokens):
        if k <= skip_to:
            continue
        previous = tokens[k - 1] if k else None
        after_break = previous is not None and "\n" in text[previous[1] : start]
        if after_break:
            paragraph_start = start
        if (
            previous is not None
            and not after_break
            and previous[2][-1:].isalpha()
            and re.fullmatch(r"\d{2,3}", token)
            and int(token) == last + 1
            and (k + 1 == len(tokens) or tokens[k + 1][2] in DASHES)
        ):
            changes.append(_Change(start - 1, end, "", "footnote"))
            last += 1
            continue
        quote = re.fullmatch(r"(.*[.,;:!?'])\"", token)
        if (
            quote
            and single_quoted
            and '"' not in text[paragraph_start:start] + quote.group(1)
            and _footnote_follows(text, tokens, k + 1)
        ):
            changes.append(_Change(end - 1, end, "", "footnote"))
            last += 1
            continue
        glued = re.fullmatch(rf"({LETTER}{{3,}})1(\d{{2,5}})", token)
        if glued and (glued.group(1) + "l").lower() in words:
            at = start + len(glued.group(1))
            changes.append(_Change(at, at + 1, "l", "ocr_fix"))
            changes.append(_Change(end - len(glued.group(2)), end, "", "footnote"))
            last += 1
            continue
        spaced = (
            previous is not None
            and not after_break
            and previous[2].endswith(CLOSES_SENTENCE)
            and text[previous[1] : start] == " "
        )
        if spaced and re.fullmatch(r"\d{1,2}", token) and k + 1 < len(tokens):
            second = tokens[k + 1]
            if (
                re.fullmatch(r"\d", second[2])
                and text[end : second[0]] == " "
                and _footnote_follows(text, tokens, k + 2)
            ):
                value = _footnote_value(token + second[2], last)
                if value is not None:
                    changes.append(_Change(start - 1, second[1], "", "footnote"))
                    last, skip_to = value, k + 1
                    continue
        if spaced and FOOTNOTE_ALONE.match(token) and _footnote_follows(text, tokens, k + 1):
            value = _footnote_value(token, last)
            if value is not None:
                # "robbery'. ' 3": a lone quote before the number is part of the garbled mark.
                lone_quote = (
                    previous is not None
                    and previous[2] in ("'", '"')
                    and k >= 2
                    and tokens[k - 2][2].endswith(CLOSES_SENTENCE)
                    and text[tokens[k - 2][1] : previous[0]] == " "
                )
                cut = previous[0] - 1 if lone_quote and previous is not None else start - 1
                changes.append(_Change(cut, end, "", "footnote"))
                last = value
                continue
        match = FOOTNOTE_GLUED.match(token) or FOOTNOTE_GLUED_LETTER.match(token)
        if match is None:
            continue
        prefix, mark = match.group(1), match.group(2)
        number_before = re.search(r"(\d+)[.,]$", prefix)
        if number_before and len(number_before.group(1)) != 4:
            continue  # a decimal or a thousands separator ("1.86", "20,000"), not "1923.217"
        quote_only = not any(char.isalnum() for char in prefix)
        if quote_only and (previous is None or not previous[2].endswith(CLOSES_SENTENCE)):
            continue
        value = _footnote_value(mark, last)
        if value is not None:
            changes.append(_Change(end - len(mark), end, "", "footnote"))
            last = value
    return changes


def _footnote_follows(text: str, tokens: Sequence[tuple[int, int, str]], k: int) -> bool:
    """Return True if token ``k`` may follow a footnote number: capital, quote or paragraph end."""
    if k >= len(tokens):
        return True
    if "\n" in text[tokens[k - 1][1] : tokens[k][0]]:
        return True
    first = tokens[k][2][0]
    return first.isupper() or first in "'\"(["


def _footnote_value(mark: str, last: int) -> int | None:
    """Return the footnote number a candidate stands for, or None if it does not fit.

    Args:
        mark: The candidate as printed (OCR letters allowed: "s6" is 56).
        last: The last footnote number accepted.

    Returns:
        The footnote number, or None.
    """
    digits = mark.translate(OCR_DIGITS)
    if not digits.isdigit() or not any(char.isdigit() for char in mark):
        return None
    value = int(digits)
    if last < value <= last + 1 + FOOTNOTE_MAX_SKIP:
        return value
    for expected in range(last + 1, last + 3):
        wanted = str(expected)
        if len(digits) == len(wanted) - 1 and _is_subsequence(digits, wanted):
            return expected
    return None


def _is_subsequence(short: str, long: str) -> bool:
    """Return True if ``short`` can be obtained from ``long`` by deleting characters."""
    chars = iter(long)
    return all(char in chars for char in short)


def _tidy(buffer: _Buffer) -> tuple[_Buffer, list[int]]:
    """Strip spaces at paragraph edges, collapse doubled spaces and drop empty paragraphs.

    Returns:
        The tidied buffer and the positions (in the input) of the paragraphs kept.
    """
    text, index = buffer.text, buffer.index
    out_text: list[str] = []
    out_index: list[int] = []
    kept: list[int] = []
    start = 0
    for number, segment in enumerate(text.split("\n\n")):
        end = start + len(segment)
        if segment.strip(" "):
            if kept:
                out_text.append("\n\n")
                out_index.extend(index[start - 2 : start])
            kept.append(number)
            previous = " "
            chars: list[str] = []
            positions: list[int] = []
            for offset in range(start, end):
                char = text[offset]
                if char == " " and previous == " ":
                    continue
                chars.append(char)
                positions.append(index[offset])
                previous = char
            while chars and chars[-1] == " ":
                chars.pop()
                positions.pop()
            out_text.extend(chars)
            out_index.extend(positions)
        start = end + 2
    return _Buffer("".join(out_text), out_index), kept


# ---------------------------------------------------------------------------------------------
# Output frames


def _paragraph_frame(
    text: str, section_seq: Sequence[int], sections: Sequence[str | None]
) -> pd.DataFrame:
    """Build the PARAGRAPHS table from the clean text and each paragraph's section."""
    if not text:
        return empty_frame(PARAGRAPHS)
    rows = []
    start = 0
    ids: dict[int, int] = {}
    for number, segment in enumerate(text.split("\n\n")):
        seq = section_seq[number]
        section_id = ids.setdefault(seq, len(ids))
        rows.append((number, start, start + len(segment), section_id, sections[number]))
        start += len(segment) + 2
    frame = pd.DataFrame(rows, columns=PARAGRAPHS.columns)
    frame = frame.astype(
        {"paragraph_id": "int32", "start": "int32", "end": "int32", "section_id": "int32"}
    )
    frame["section"] = pd.Series([row[4] for row in rows], dtype=object)  # None, not NaN
    return frame


def _edits_frame(edits: list[dict]) -> pd.DataFrame:
    """Build the EDITS table, sorted by raw position and kind."""
    if not edits:
        return empty_frame(EDITS)
    frame = pd.DataFrame(edits, columns=EDITS.columns)
    frame = frame.astype({"raw_start": "int32", "raw_end": "int32"})
    frame = frame.sort_values(list(EDITS.key), kind="mergesort")
    return frame.reset_index(drop=True)


def _normalise_word(word: str) -> str:
    """Lower-case a word and drop a possessive ending and surrounding quotes."""
    word = word.strip().lower().replace("\u2019", "'").strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    return word


def relevant_terms(raw: str, terms: Collection[str]) -> list[str]:
    """Keep the roster terms that can affect the cleaning of this raw text.

    A term matters only if one of its words occurs in the text: as a word, as part of a
    hyphenated word, or split by a line-break hyphen, compared case-insensitively and with
    the OCR confusions of l, I, i, 1 and | folded together. Passing only these to
    :func:`clean_chapter` gives the same result as passing the whole roster, and lets the
    pipeline rerun the cleaning only when a roster edit concerns this chapter.

    Args:
        raw: The decoded raw chapter text.
        terms: Roster names and aliases (``roster.roster_terms``).

    Returns:
        The relevant terms, sorted and without duplicates.
    """
    joined = re.sub(r"-[ \t]*\r?\n[ \t]*", "", raw)
    seen = {_fold_ocr(word) for text in (raw, joined) for word in re.findall(r"\w+", text)}
    return sorted(
        {
            term
            for term in terms
            if any(_fold_ocr(word) in seen for word in re.findall(r"\w+", term))
        }
    )


def _fold_ocr(word: str) -> str:
    """Lower-case a word and fold the characters OCR confuses with "l"."""
    return word.lower().translate(str.maketrans({"i": "l", "1": "l", "|": "l"}))
