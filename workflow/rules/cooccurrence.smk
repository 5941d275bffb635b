rule cooccurrence:
    input:
        mentions=rules.mentions.output.mentions,
        sentiment=rules.sentiment.output.sentiment,
        doc=rules.parse.output.doc,
        sentences=rules.parse.output.sentences,
        paragraphs=rules.clean.output.paragraphs,
        charmap=rules.clean.output.charmap,
    output:
        cooccurrence="data/processed/{chapter}/cooccurrence.parquet",
        sections="data/processed/{chapter}/cooccurrence_sections.parquet",
        windows="data/processed/{chapter}/windows.parquet",
    log:
        "logs/cooccurrence/{chapter}.log",
    benchmark:
        "benchmarks/cooccurrence/{chapter}.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        scopes=config["cooccurrence"]["scopes"],
        min_count=config["cooccurrence"]["min_count"],
        window=config["cooccurrence"]["window"],
    script:
        "../../scripts/cooccurrence.py"
