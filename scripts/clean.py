"""Snakemake adapter: raw chapter -> clean text, character map, paragraphs, edits, metadata."""

import json
from pathlib import Path

from leaderlens.clean import charmap_frame, clean_chapter, decode_raw, word_checker
from leaderlens.parse import load_model
from leaderlens.roster import load_roster, roster_terms
from leaderlens.tables import CHARMAP, EDITS, PARAGRAPHS, write_table, write_text
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    raw = decode_raw(Path(sm.input.raw).read_bytes(), path=sm.input.raw)
    chapter = clean_chapter(
        raw,
        is_word=word_checker(load_model(sm.params.model)),
        protected=roster_terms(load_roster(sm.input.roster)),
    )
    log.info("%s: %d -> %d characters", sm.input.raw, len(raw), len(chapter.text))
    meta = {"chapter": sm.wildcards.chapter, "title": chapter.title, "number": chapter.number}
    write_text(sm.output.text, chapter.text)
    write_table(charmap_frame(chapter), sm.output.charmap, CHARMAP)
    write_table(chapter.paragraphs, sm.output.paragraphs, PARAGRAPHS)
    write_table(chapter.edits, sm.output.edits, EDITS)
    write_text(sm.output.meta, json.dumps(meta, indent=2, sort_keys=True) + "\n")
