rule tone:
    input:
        mentions=chapter_tables("mentions.parquet"),
        sentiment=chapter_tables("sentiment.parquet"),
        sentences=chapter_tables("sentences.parquet"),
        text=chapter_tables("clean.txt"),
    output:
        tone="data/processed/corpus/tone.parquet",
        evidence="data/processed/corpus/evidence.parquet",
        tone_csv="data/processed/corpus/tone.csv",
        evidence_csv="data/processed/corpus/evidence.csv",
    log:
        "logs/tone/all.log",
    benchmark:
        "benchmarks/tone/all.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        chapters=CHAPTERS,
        bootstrap_samples=config["corpus"]["bootstrap_samples"],
        seed=config["corpus"]["seed"],
        evidence_per_leader=config["sentiment"]["evidence_per_leader"],
    script:
        "../../scripts/tone.py"
