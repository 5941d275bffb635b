# leaderlens: political leaders in history books, their tone and their company.
#
# Output paths (all per chapter = data/raw/<chapter>.txt):
#   data/processed/{chapter}/clean.txt, charmap, paragraphs, edits, quality (.parquet), meta.json
#   data/processed/{chapter}/doc.spacy, sentences.parquet
#   data/processed/{chapter}/mentions.parquet, entities.parquet
#   data/processed/{chapter}/sentiment.parquet
#   data/processed/{chapter}/cooccurrence.parquet, cooccurrence_sections.parquet, windows.parquet
#   data/processed/{chapter}/collocates.parquet
#   data/processed/corpus/persons.parquet, collocates.parquet, tone.parquet, evidence.parquet
#   data/processed/corpus/*.parquet, *.csv, network.graphml, run.json
#   reports/report.html, reports/report.pdf
#   logs/{rule}/{chapter}.log, benchmarks/{rule}/{chapter}.tsv
from snakemake.utils import min_version, validate

from leaderlens.workflow import check_config_file

min_version("9.0")

# One-line errors (file, line, key) for a broken config/config.yaml, before Snakemake parses it.
check_config_file("config/config.yaml", "workflow/schemas/config.schema.yaml")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/parse.smk"
include: "workflow/rules/mentions.smk"
include: "workflow/rules/persons.smk"
include: "workflow/rules/sentiment.smk"
include: "workflow/rules/tone.smk"
include: "workflow/rules/cooccurrence.smk"
include: "workflow/rules/collocates.smk"
include: "workflow/rules/corpus.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        rules.report.output,
        chapter_tables("collocates.parquet"),
