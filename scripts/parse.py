"""Snakemake adapter: clean text -> spaCy DocBin and the sentences table."""

from pathlib import Path

from leaderlens.parse import load_model, parse_chapter, save_doc, sentences_frame
from leaderlens.positions import Layout
from leaderlens.tables import CHARMAP, PARAGRAPHS, SENTENCES, read_table, write_table
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    text = Path(sm.input.text).read_text(encoding="utf-8")
    paragraphs = read_table(sm.input.paragraphs, PARAGRAPHS)
    layout = Layout.from_frames(read_table(sm.input.charmap, CHARMAP), paragraphs)
    doc = parse_chapter(load_model(sm.params.model), text, paragraphs)
    sentences = sentences_frame(doc, layout)
    log.info("%d tokens, %d sentences", len(doc), len(sentences))
    save_doc(doc, sm.output.doc)
    write_table(sentences, sm.output.sentences, SENTENCES)
