rule parse:
    input:
        text=rules.clean.output.text,
        charmap=rules.clean.output.charmap,
        paragraphs=rules.clean.output.paragraphs,
    output:
        doc="data/processed/{chapter}/doc.spacy",
        sentences="data/processed/{chapter}/sentences.parquet",
    log:
        "logs/parse/{chapter}.log",
    benchmark:
        "benchmarks/parse/{chapter}.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=parse_mem_mb,
        runtime=30,
    params:
        code=stage_code("parse"),
        model=config["model"],
    script:
        "../../scripts/parse.py"
