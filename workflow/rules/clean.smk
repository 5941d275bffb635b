rule clean:
    input:
        raw="data/raw/{chapter}.txt",
        metadata=chapter_metadata_file,
    output:
        text="data/processed/{chapter}/clean.txt",
        charmap="data/processed/{chapter}/charmap.parquet",
        paragraphs="data/processed/{chapter}/paragraphs.parquet",
        edits="data/processed/{chapter}/edits.parquet",
        quality="data/processed/{chapter}/quality.parquet",
        meta="data/processed/{chapter}/meta.json",
    log:
        "logs/clean/{chapter}.log",
    benchmark:
        "benchmarks/clean/{chapter}.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=stage_code("clean"),
        model=config["model"],
        protected=protected_terms,
    script:
        "../../scripts/clean.py"
