"""Snakemake adapter: every chapter's sentiment -> corpus tone per leader and its evidence."""

from pathlib import Path

from leaderlens.corpus import write_csv
from leaderlens.tables import (
    EVIDENCE,
    MENTIONS,
    SENTENCES,
    SENTIMENT,
    TONE,
    read_table,
    write_table,
)
from leaderlens.tone import build_tone
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    chapters = sm.params.chapters
    tone, evidence = build_tone(
        [read_table(path, MENTIONS) for path in sm.input.mentions],
        [read_table(path, SENTIMENT) for path in sm.input.sentiment],
        {c: read_table(p, SENTENCES) for c, p in zip(chapters, sm.input.sentences, strict=True)},
        {
            c: Path(p).read_text(encoding="utf-8")
            for c, p in zip(chapters, sm.input.text, strict=True)
        },
        n_boot=sm.params.bootstrap_samples,
        seed=sm.params.seed,
        k=sm.params.evidence_per_leader,
    )
    for frame, table, parquet, csv in (
        (tone, TONE, sm.output.tone, sm.output.tone_csv),
        (evidence, EVIDENCE, sm.output.evidence, sm.output.evidence_csv),
    ):
        write_table(frame, parquet, table)
        write_csv(read_table(parquet, table), csv)
    log.info("%d tone rows, %d evidence passages", len(tone), len(evidence))
