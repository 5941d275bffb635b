"""Snakemake adapter: every chapter's mentions and entities -> the corpus persons table."""

import pandas as pd

from leaderlens.persons import build_persons
from leaderlens.roster import load_roster
from leaderlens.tables import ENTITIES, MENTIONS, PERSONS, read_table, write_table
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    mentions = pd.concat([read_table(path, MENTIONS) for path in sm.input.mentions])
    entities = pd.concat([read_table(path, ENTITIES) for path in sm.input.entities])
    persons = build_persons(
        mentions,
        entities,
        load_roster(sm.input.roster),
        min_mentions=sm.params.min_mentions,
    )
    log.info("%d persons, %d suggested for the roster", len(persons), persons["suggested"].sum())
    write_table(persons, sm.output.persons, PERSONS)
