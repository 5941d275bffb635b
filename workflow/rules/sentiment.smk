rule sentiment:
    input:
        doc=rules.parse.output.doc,
        mentions=rules.mentions.output.mentions,
    output:
        sentiment="data/processed/{chapter}/sentiment.parquet",
    log:
        "logs/sentiment/{chapter}.log",
    benchmark:
        "benchmarks/sentiment/{chapter}.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    params:
        code=stage_code("sentiment"),
        method=config["sentiment"]["method"],
        neutral_band=config["sentiment"]["neutral_band"],
    script:
        "../../scripts/sentiment.py"
