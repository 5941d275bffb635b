rule mentions:
    input:
        doc=rules.parse.output.doc,
        sentences=rules.parse.output.sentences,
        charmap=rules.clean.output.charmap,
        paragraphs=rules.clean.output.paragraphs,
        roster=config["roster"],
    output:
        mentions="data/processed/{chapter}/mentions.parquet",
        entities="data/processed/{chapter}/entities.parquet",
    log:
        "logs/mentions/{chapter}.log",
    benchmark:
        "benchmarks/mentions/{chapter}.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    params:
        code=stage_code("mentions"),
        titles=config["mentions"]["titles"],
        pronouns=config["mentions"]["pronouns"],
        fuzzy_threshold=config["mentions"]["fuzzy_threshold"],
    script:
        "../../scripts/mentions.py"
