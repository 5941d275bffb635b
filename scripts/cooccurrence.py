"""Snakemake adapter: mentions and tone -> leader pairs per unit with statistics."""

from leaderlens.cooccurrence import cooccurrence_table, unit_counts
from leaderlens.tables import (
    CHARMAP,
    COOCCURRENCE,
    MENTIONS,
    PARAGRAPHS,
    SENTENCES,
    SENTIMENT,
    read_table,
    write_table,
)
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    n_units = unit_counts(
        read_table(sm.input.sentences, SENTENCES),
        read_table(sm.input.paragraphs, PARAGRAPHS),
        read_table(sm.input.charmap, CHARMAP)["page"].dropna().unique(),
    )
    pairs = cooccurrence_table(
        read_table(sm.input.mentions, MENTIONS),
        read_table(sm.input.sentiment, SENTIMENT),
        n_units,
        chapter=sm.wildcards.chapter,
        scopes=sm.params.scopes,
        min_count=sm.params.min_count,
    )
    log.info("units %s; %d pair rows", n_units, len(pairs))
    write_table(pairs, sm.output.cooccurrence, COOCCURRENCE)
