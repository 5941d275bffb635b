rule report:
    input:
        qmd="reports/report.qmd",
        leaders=rules.corpus.output.leaders,
        tables=rules.corpus.output,
        collocates=rules.collocates_corpus.output,
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
    script:
        "../../scripts/report.py"
