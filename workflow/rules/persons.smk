rule persons:
    input:
        mentions=chapter_tables("mentions.parquet"),
        entities=chapter_tables("entities.parquet"),
        roster=config["roster"],
    output:
        persons="data/processed/corpus/persons.parquet",
    log:
        "logs/persons/all.log",
    benchmark:
        "benchmarks/persons/all.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=stage_code("persons"),
        min_mentions=config["mentions"]["persons_min_mentions"],
    script:
        "../../scripts/persons.py"
