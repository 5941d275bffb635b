rule collocates:
    input:
        doc=rules.parse.output.doc,
        mentions=rules.mentions.output.mentions,
        roster=config["roster"],
    output:
        collocates="data/processed/{chapter}/collocates.parquet",
    log:
        "logs/collocates/{chapter}.log",
    benchmark:
        "benchmarks/collocates/{chapter}.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=stage_code("collocates"),
        window=config["collocates"]["window"],
        min_count=config["collocates"]["min_count"],
        top=config["collocates"]["top"],
    script:
        "../../scripts/collocates.py"


rule collocates_corpus:
    input:
        doc=chapter_tables("doc.spacy"),
        mentions=chapter_tables("mentions.parquet"),
        roster=config["roster"],
    output:
        collocates="data/processed/corpus/collocates.parquet",
        csv="data/processed/corpus/collocates.csv",
    log:
        "logs/collocates_corpus/all.log",
    benchmark:
        "benchmarks/collocates_corpus/all.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        code=stage_code("collocates"),
        window=config["collocates"]["window"],
        min_count=config["collocates"]["min_count"],
        top=config["collocates"]["top"],
    script:
        "../../scripts/collocates.py"
