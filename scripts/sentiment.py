"""Snakemake adapter: leader mentions -> tone toward the leader at each mention."""

from leaderlens.parse import load_doc
from leaderlens.sentiment import score_mentions
from leaderlens.tables import MENTIONS, SENTIMENT, read_table, write_table
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    scores = score_mentions(
        load_doc(sm.input.doc),
        read_table(sm.input.mentions, MENTIONS),
        method=sm.params.method,
        neutral_band=sm.params.neutral_band,
        threads=sm.threads,
    )
    log.info("%d mentions scored", len(scores))
    write_table(scores, sm.output.sentiment, SENTIMENT)
