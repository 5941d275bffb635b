"""Snakemake adapter: corpus tables -> reports/report.html and reports/report.pdf."""

from pathlib import Path

from leaderlens.report import choose_engine, render_report
from leaderlens.workflow import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    engine = choose_engine()
    log.info("rendering %s with the %s engine", sm.input.qmd, engine)
    render_report(
        Path(sm.input.qmd),
        data_dir=Path(sm.input.leaders).parent,
        html=Path(sm.output.html),
        pdf=Path(sm.output.pdf),
        engine=engine,
        accuracy=Path(sm.input.accuracy),
    )
