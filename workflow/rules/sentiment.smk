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
    # the tone models' layers use both cores of a small machine (Snakemake lowers this to
    # --cores where there are fewer); the scores do not depend on it
    threads: 2
    resources:
        # large, cascade and ensemble load all-mpnet-base-v2 (its zip is unpacked in memory)
        mem_mb=(
            3000
            if config["sentiment"]["method"] in ("large", "cascade", "ensemble")
            else 1500
        ),
        runtime=15,
    params:
        code=stage_code("sentiment"),
        method=config["sentiment"]["method"],
        neutral_band=config["sentiment"]["neutral_band"],
    script:
        "../../scripts/sentiment.py"
