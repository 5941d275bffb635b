"""Snakemake adapter: mentions, tone and the parse -> leader pairs (per unit, per section) and
who acts on whom."""

from leaderlens.cooccurrence import (
    action_table,
    cooccurrence_table,
    section_cooccurrence,
    section_unit_counts,
    token_spans,
    token_windows,
    unit_counts,
)
from leaderlens.parse import load_doc
from leaderlens.tables import (
    ACTIONS,
    CHARMAP,
    COOCCURRENCE,
    COOCCURRENCE_SECTIONS,
    MENTIONS,
    PARAGRAPHS,
    SENTENCES,
    SENTIMENT,
    WINDOWS,
    read_table,
    write_table,
)
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    chapter = sm.wildcards.chapter
    sentences = read_table(sm.input.sentences, SENTENCES)
    paragraphs = read_table(sm.input.paragraphs, PARAGRAPHS)
    mentions = read_table(sm.input.mentions, MENTIONS)
    sentiment = read_table(sm.input.sentiment, SENTIMENT)
    doc = load_doc(sm.input.doc)
    windows = token_windows(token_spans(doc), paragraphs, size=sm.params.window, chapter=chapter)
    char_pages = read_table(sm.input.charmap, CHARMAP)["page"]
    pages = char_pages.dropna().unique()
    n_units = unit_counts(sentences, paragraphs, pages, windows)
    options = {"scopes": sm.params.scopes, "min_count": sm.params.min_count, "windows": windows}
    pairs = cooccurrence_table(mentions, sentiment, n_units, chapter=chapter, **options)
    per_section = section_unit_counts(sentences, paragraphs, windows)
    sections = section_cooccurrence(
        mentions, sentiment, paragraphs, per_section, chapter=chapter, **options
    )
    actions = action_table(
        doc, mentions, sentences, chapter=chapter, char_pages=char_pages.to_numpy(dtype=object)
    )
    log.info("units %s; %d pair rows, %d section rows", n_units, len(pairs), len(sections))
    log.info("%d actions between leaders", len(actions))
    write_table(windows, sm.output.windows, WINDOWS)
    write_table(pairs, sm.output.cooccurrence, COOCCURRENCE)
    write_table(sections, sm.output.sections, COOCCURRENCE_SECTIONS)
    write_table(actions, sm.output.actions, ACTIONS)
