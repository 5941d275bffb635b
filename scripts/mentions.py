"""Snakemake adapter: parsed chapter -> leader mentions and all named entities."""

from leaderlens.mentions import find_entities, find_mentions
from leaderlens.parse import load_doc
from leaderlens.positions import Layout
from leaderlens.roster import load_roster
from leaderlens.tables import (
    CHARMAP,
    ENTITIES,
    MENTIONS,
    PARAGRAPHS,
    SENTENCES,
    read_table,
    write_table,
)
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    chapter = sm.wildcards.chapter
    doc = load_doc(sm.input.doc)
    roster = load_roster(sm.input.roster)
    layout = Layout.from_frames(
        read_table(sm.input.charmap, CHARMAP),
        read_table(sm.input.paragraphs, PARAGRAPHS),
        read_table(sm.input.sentences, SENTENCES),
    )
    mentions = find_mentions(
        doc,
        roster,
        layout,
        chapter=chapter,
        include_titles=sm.params.titles,
        pronouns=sm.params.pronouns,
        fuzzy_threshold=sm.params.fuzzy_threshold,
    )
    entities = find_entities(doc, roster, mentions, layout, chapter=chapter)
    log.info("%d leader mentions, %d entities", len(mentions), len(entities))
    write_table(mentions, sm.output.mentions, MENTIONS)
    write_table(entities, sm.output.entities, ENTITIES)
