rule report:
    input:
        qmd="reports/report.qmd",
        accuracy="reports/accuracy.yaml",
        leaders=rules.corpus.output.leaders,
        tables=rules.corpus.output,
        collocates=rules.collocates_corpus.output,
        persons=rules.persons.output.persons,
        tone=rules.tone.output.tone,
        evidence=rules.tone.output.evidence,
    output:
        html="reports/report.html",
        pdf="reports/report.pdf",
    log:
        "logs/report/all.log",
    benchmark:
        "benchmarks/report/all.tsv"
    conda:
        "../envs/leaderlens.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        code=stage_code("report"),
    script:
        "../../scripts/report.py"
