"""OCR quality of a cleaned chapter: unknown words, suspicious tokens and the cleaner's edits.

The figures are computed on the clean text (what every later stage reads), so they measure
the damage the cleaner could not repair; the edit counts show how much it did repair. A
chapter is flagged ``poor`` when either rate passes its documented threshold.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection

import pandas as pd

from leaderlens.clean import EDIT_KINDS, CleanChapter
from leaderlens.tables import QUALITY

logger = logging.getLogger(__name__)

POOR_OOV_SHARE = 0.03
"""Flag a chapter when more than this share of its lower-case words is unknown.

Edited modern prose scores below 1% (rare words the dictionary lacks); the OCR'd seed chapter
scores 0.3% after cleaning; at 3% one word in every two or three lines is garbled."""
POOR_SUSPICIOUS_PER_1000 = 3.0
"""Flag a chapter with more than this many suspicious tokens per 1000 words.

The seed chapter scores 0.07 after cleaning; a line of garbled OCR adds several at once."""

CONTRACTION = re.compile(r"(?:n't|'re|'ve|'ll|'d|'m|'s)$")
WORD = re.compile(r"(?<!\w)[^\W\d_]+(?:['\u2019][^\W\d_]+)?(?!\w)")
"""A word token: letters only (a token mixing letters and digits is suspicious, not a word)."""
TOKEN = re.compile(r"\S+")
NUMBER_WITH_SUFFIX = re.compile(r"\d+(?:st|nd|rd|th|s|'s|am|pm)?", re.IGNORECASE)
"""Letters after digits that are normal: ordinals ("19th") and decades ("1920s")."""
STRAY_SYMBOL = re.compile(r"[~^|{}<>\\@*#\ufffd\u00c2\u00c3]")
"""Characters that print text rarely contains and OCR or bad decoding often leaves."""
OPENING_QUOTE = re.compile(r"(?:^|(?<=[\s(\[]))'(?=\w)")
CLOSING_QUOTE = re.compile(r"(?<=[\w.,;:!?])'(?=[\s.,;:!?)\]]|$)")


def chapter_quality(
    chapter: CleanChapter,
    *,
    chapter_id: str,
    is_word: Callable[[str], bool],
    protected: Collection[str] = (),
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Measure the OCR quality of a cleaned chapter.

    Args:
        chapter: The cleaned chapter.
        chapter_id: The chapter's name (the raw file's stem).
        is_word: The English word test (see :func:`leaderlens.clean.word_checker`).
        protected: Roster names and aliases: never counted as unknown.
        encoding: The encoding the raw file was read with.

    Returns:
        One ``tables.QUALITY`` row.
    """
    names = {part.lower() for alias in protected for part in re.split(r"[\s-]+", alias) if part}
    text = chapter.text
    lower = [word for word in WORD.findall(text) if word[0].islower()]
    n_words = len(WORD.findall(text))
    n_oov = sum(1 for word in lower if not _known(word, is_word=is_word, names=names))
    digit_in_word = sum(1 for token in TOKEN.findall(text) if _digit_in_word(token))
    broken = sum(_broken_quotes(paragraph) for paragraph in text.split("\n\n"))
    stray = len(STRAY_SYMBOL.findall(text))
    suspicious = digit_in_word + broken + stray
    oov_share = n_oov / len(lower) if lower else 0.0
    per_1000 = 1000.0 * suspicious / n_words if n_words else 0.0
    reasons = []
    if oov_share > POOR_OOV_SHARE:
        reasons.append(f"unknown words {oov_share:.1%} > {POOR_OOV_SHARE:.0%}")
    if per_1000 > POOR_SUSPICIOUS_PER_1000:
        reasons.append(
            f"suspicious tokens {per_1000:.1f} > {POOR_SUSPICIOUS_PER_1000:g} per 1000 words"
        )
    if not text:
        logger.warning("chapter_quality: %s has no clean text; quality is empty", chapter_id)
    counts = chapter.edits["kind"].value_counts()
    row: dict[str, object] = {
        "chapter": chapter_id,
        "encoding": encoding,
        "n_words": n_words,
        "n_lower_words": len(lower),
        "n_oov": n_oov,
        "oov_share": oov_share,
        "n_digit_in_word": digit_in_word,
        "n_broken_quote": broken,
        "n_stray_symbol": stray,
        "n_suspicious": suspicious,
        "suspicious_per_1000": per_1000,
        "n_edits": int(len(chapter.edits)),
        **{f"n_{kind}": int(counts.get(kind, 0)) for kind in EDIT_KINDS},
        "poor": bool(reasons),
        "poor_reason": "; ".join(reasons) or None,
    }
    frame = pd.DataFrame([row], columns=QUALITY.columns)
    frame["poor_reason"] = pd.Series([row["poor_reason"]], dtype=object)
    return frame


def _known(word: str, *, is_word: Callable[[str], bool], names: Collection[str]) -> bool:
    """Return True if a word is English, a roster name, or a contraction of an English word."""
    low = word.lower().replace("\u2019", "'")
    stem = CONTRACTION.sub("", low)
    return low in names or is_word(low) or (stem != low and is_word(stem))


def _digit_in_word(token: str) -> bool:
    """Return True for a token mixing letters and digits ("contro1", "s6"), not "1920s"."""
    for part in re.split(r"[-/\u2013]", token.strip(".,;:!?'\"()[]")):
        mixed = re.search(r"\d", part) and re.search(r"[^\W\d_]", part)
        if mixed and not NUMBER_WITH_SUFFIX.fullmatch(part):
            return True
    return False


def _broken_quotes(paragraph: str) -> int:
    """Count quotes a paragraph cannot pair: an odd double quote, unclosed single quotes."""
    broken = paragraph.count('"') % 2
    opening = len(OPENING_QUOTE.findall(paragraph))
    closing = len(CLOSING_QUOTE.findall(paragraph))
    return broken + max(0, opening - closing)
