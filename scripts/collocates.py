"""Snakemake adapter: the parse and mentions -> each leader's collocates (chapter or corpus)."""

from leaderlens.collocates import excluded_words, keyness, lemma_counts, pool_counts, token_table
from leaderlens.corpus import write_csv
from leaderlens.parse import load_doc
from leaderlens.roster import load_roster
from leaderlens.tables import COLLOCATES, MENTIONS, read_table, write_table
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    excluded = excluded_words(load_roster(sm.input.roster))
    docs, mentions = sm.input.doc, sm.input.mentions  # one chapter (a path), or all (a list)
    docs, mentions = ([docs], [mentions]) if isinstance(docs, str) else (docs, mentions)
    counts = [
        lemma_counts(
            token_table(load_doc(doc), excluded=excluded),
            read_table(path, MENTIONS),
            window=sm.params.window,
        )
        for doc, path in zip(docs, mentions, strict=True)
    ]
    near, totals = pool_counts(counts)
    options = {"min_count": sm.params.min_count, "top": sm.params.top}
    table = keyness(near, totals, chapter=getattr(sm.wildcards, "chapter", "corpus"), **options)
    log.info("%d chapter(s), %d counted tokens, %d rows", len(docs), totals["n"].sum(), len(table))
    write_table(table, sm.output.collocates, COLLOCATES)
    if getattr(sm.output, "csv", None):  # the corpus rule also writes a CSV copy
        write_csv(read_table(sm.output.collocates, COLLOCATES), sm.output.csv)
