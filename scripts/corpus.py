"""Snakemake adapter: every chapter's tables -> corpus tables, CSV copies, network, provenance."""

import json
from pathlib import Path

from leaderlens.corpus import CHAPTER_TABLES, build_corpus, read_chapter, write_corpus
from leaderlens.roster import load_roster
from leaderlens.tables import write_text
from leaderlens.workflow import job_logging, provenance

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    names = [*CHAPTER_TABLES, "meta"]
    chapters = [
        read_chapter(chapter, {name: sm.input[name][i] for name in names})
        for i, chapter in enumerate(sm.params.chapters)
    ]
    options = sm.params.options
    corpus = build_corpus(
        chapters,
        {leader.id: leader.name for leader in load_roster(sm.input.roster)},
        scopes=sm.params.scopes,
        min_count=sm.params.min_count,
        n_boot=options["bootstrap_samples"],
        seed=options["seed"],
        network_scope=options["network_scope"],
        network_weight=options["network_weight"],
        network_max_q=options["network_max_q"],
    )
    written = write_corpus(corpus, Path(sm.output.leaders).parent)
    run = provenance(sm.config, sm.params.chapters, sm.input.raw)
    write_text(sm.output.run, json.dumps(run, indent=2, sort_keys=True) + "\n")
    log.info("%d chapters, %d leaders, %d files", len(chapters), len(corpus.leaders), len(written))
