"""Snakemake adapter: raw chapter -> clean text, charmap, paragraphs, edits, quality, meta."""

import json
from pathlib import Path

from leaderlens.clean import charmap_frame, clean_chapter, decode_raw_with_encoding, word_checker
from leaderlens.parse import load_model
from leaderlens.quality import chapter_quality
from leaderlens.tables import CHARMAP, EDITS, PARAGRAPHS, QUALITY, write_table, write_text
from leaderlens.workflow import chapter_metadata, job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    decoded = decode_raw_with_encoding(Path(sm.input.raw).read_bytes(), path=sm.input.raw)
    is_word = word_checker(load_model(sm.params.model))
    protected = sm.params.protected
    chapter = clean_chapter(decoded.text, is_word=is_word, protected=protected)
    quality = chapter_quality(
        chapter,
        chapter_id=sm.wildcards.chapter,
        is_word=is_word,
        protected=protected,
        encoding=decoded.encoding,
    )
    log.info("%s: %d -> %d characters", sm.input.raw, len(decoded.text), len(chapter.text))
    if quality["poor"].iloc[0]:
        log.warning("%s: poor OCR quality (%s)", sm.input.raw, quality["poor_reason"].iloc[0])
    meta = {
        "chapter": sm.wildcards.chapter,
        "title": chapter.title,
        "number": chapter.number,
        "encoding": decoded.encoding,
        **{
            key: value
            for path in sm.input.metadata
            for key, value in chapter_metadata(path).items()
        },
    }
    write_text(sm.output.text, chapter.text)
    write_table(charmap_frame(chapter), sm.output.charmap, CHARMAP)
    write_table(chapter.paragraphs, sm.output.paragraphs, PARAGRAPHS)
    write_table(chapter.edits, sm.output.edits, EDITS)
    write_table(quality, sm.output.quality, QUALITY)
    write_text(sm.output.meta, json.dumps(meta, indent=2, sort_keys=True) + "\n")
