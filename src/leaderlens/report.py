"""Render the report (a Quarto ``.qmd``) to self-contained HTML and a Typst PDF.

Two engines give the same document. ``quarto`` runs ``quarto render`` when the Quarto CLI
is on PATH. ``jupyter`` needs only PyPI packages: it parses the ``.qmd``, executes its
Python cells with nbclient, turns the outputs into Markdown, and has Pandoc
(pypandoc-binary) write HTML and Typst; the ``typst`` package compiles the PDF.

The second half of the module holds the display helpers the ``.qmd`` cells call: loading
the corpus tables, Markdown pipe tables and the figures. They only sort, pivot, format and
draw what the tables already hold.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import yaml

from leaderlens import tables
from leaderlens.tables import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

Engine = Literal["quarto", "jupyter"]
Runner = Callable[..., subprocess.CompletedProcess]
Align = Literal["left", "right", "center"]

ENGINE_ENV = "LEADERLENS_REPORT_ENGINE"
"""Environment variable that forces an engine (``quarto`` or ``jupyter``)."""
DATA_ENV = "LEADERLENS_DATA"
"""Environment variable through which the report's cells find the corpus tables."""

TEXT_WIDTH_IN = 6.7
"""Text width of the PDF page (A4, 2 cm side margins) in inches; figures scale against it."""

HTML_CSS = """
body { max-width: 54em; line-height: 1.5; }
header#title-block-header { margin-bottom: 2em; }
p.subtitle { font-size: 1.15em; color: #555; margin-top: 0.2em; }
h1, h2, h3 { line-height: 1.25; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
figure { margin: 1.5em 0; text-align: center; }
figure img, p img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.4em; }
table { font-size: 0.85em; border-collapse: collapse; margin: 1em auto 1.5em auto;
        font-variant-numeric: tabular-nums; }
th, td { padding: 0.3em 0.7em; vertical-align: top; }
thead th { border-bottom: 2px solid #333; border-top: none; }
tbody tr:nth-child(even) { background: #f4f5f7; }
tbody td { border-bottom: 1px solid #e4e4e4; }
pre { font-size: 0.82em; background: #f6f6f6; padding: 0.7em; overflow-x: auto; }
nav#TOC { background: #fafafa; border: 1px solid #e5e5e5; padding: 0.3em 1em; }
"""

PIPE_TABLE_COLUMNS = 110
"""Pandoc's ``--columns``: pipe tables with lines up to this width get natural column widths;
wider ones span the text width and wrap, with widths from the separator's dashes."""

TYPST_HEADER = """
#show figure: set block(breakable: true)
#set table(
  inset: (x: 5pt, y: 3.5pt),
  stroke: (x, y) => if y == 0 { (bottom: 0.7pt + black) } else { (bottom: 0.3pt + luma(210)) },
)
#show table: set text(size: 0.82em)
#show table: set par(justify: false)
#show table.cell.where(y: 0): set text(weight: "bold")
#show raw.where(block: true): set text(size: 0.78em)
#show raw.where(block: true): block.with(fill: luma(246), inset: 6pt, width: 100%)
#show heading.where(level: 1): set block(above: 1.6em, below: 0.8em)
#show heading.where(level: 2): set block(above: 1.3em, below: 0.7em)
#show figure.caption: set text(size: 0.9em)
"""


class ReportError(RuntimeError):
    """The report could not be rendered (failing cell, converter or Quarto error)."""


# --------------------------------------------------------------------------------------
# Engine choice and the public entry point
# --------------------------------------------------------------------------------------


def choose_engine(
    *,
    which: Callable[[str], str | None] = shutil.which,
    env: Mapping[str, str] = os.environ,
) -> Engine:
    """Pick the render engine: Quarto when it is on PATH, else the Jupyter fallback.

    Args:
        which: Looks a program up on PATH (``shutil.which``).
        env: Environment; ``LEADERLENS_REPORT_ENGINE`` set to ``jupyter`` or ``quarto``
            forces that engine.

    Returns:
        ``"quarto"`` or ``"jupyter"``.

    Raises:
        ValueError: If ``LEADERLENS_REPORT_ENGINE`` holds another value, or forces
            ``quarto`` while Quarto is not on PATH.
    """
    forced = env.get(ENGINE_ENV, "").strip().lower()
    if forced not in ("", "quarto", "jupyter"):
        raise ValueError(f"{ENGINE_ENV}={forced!r}: use 'quarto' or 'jupyter', or unset it")
    if forced == "jupyter":
        return "jupyter"
    if which("quarto"):
        return "quarto"
    if forced == "quarto":
        raise ValueError(
            f"{ENGINE_ENV}=quarto but quarto is not on PATH: install Quarto or unset {ENGINE_ENV}"
        )
    return "jupyter"


def render_report(
    qmd: Path,
    *,
    data_dir: Path,
    html: Path,
    pdf: Path,
    engine: Engine | None = None,
    timeout: int = 600,
    run: Runner = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
) -> None:
    """Render the report to a self-contained HTML file and a PDF, both or neither.

    Args:
        qmd: The report source (``reports/report.qmd``).
        data_dir: Directory of the corpus tables; the cells read it from ``LEADERLENS_DATA``.
        html: Output HTML path.
        pdf: Output PDF path.
        engine: ``"quarto"`` or ``"jupyter"``; None chooses with :func:`choose_engine`.
        timeout: Seconds allowed per cell (jupyter) or per ``quarto render`` call.
        run: Subprocess runner used for Quarto (injectable for tests).
        which: PATH lookup used to find Quarto (injectable for tests).

    Raises:
        FileNotFoundError: If the ``.qmd`` or the data directory does not exist.
        ReportError: If a cell fails or a converter fails; no output is left behind.
    """
    qmd = Path(qmd).resolve()
    data_dir = Path(data_dir).resolve()
    if not qmd.is_file():
        raise FileNotFoundError(f"report source {qmd} not found")
    if not data_dir.is_dir():
        raise FileNotFoundError(
            f"corpus directory {data_dir} not found: run the pipeline's corpus step first"
        )
    if engine is None:
        engine = choose_engine(which=which)
    with tempfile.TemporaryDirectory(prefix="leaderlens-report-") as tmp:
        workdir = Path(tmp)
        if engine == "quarto":
            built_html, built_pdf = _render_quarto(
                qmd, data_dir=data_dir, workdir=workdir, timeout=timeout, run=run, which=which
            )
        else:
            built_html, built_pdf = _render_jupyter(
                qmd, data_dir=data_dir, workdir=workdir, timeout=timeout
            )
        with atomic_path(html) as html_tmp, atomic_path(pdf) as pdf_tmp:
            for built, tmp_path in ((built_html, html_tmp), (built_pdf, pdf_tmp)):
                shutil.copyfile(built, tmp_path)
    log.info("report written to %s and %s (engine %s)", html, pdf, engine)


# --------------------------------------------------------------------------------------
# Quarto engine
# --------------------------------------------------------------------------------------


def quarto_commands(qmd_name: str, *, quarto: str = "quarto") -> list[list[str]]:
    """Build the ``quarto render`` commands for the HTML and the Typst PDF.

    Args:
        qmd_name: File name of the ``.qmd`` in the working directory.
        quarto: The Quarto executable.

    Returns:
        Two argument lists: ``--to html`` and ``--to typst``.
    """
    return [[quarto, "render", qmd_name, "--to", fmt] for fmt in ("html", "typst")]


def _render_quarto(
    qmd: Path,
    *,
    data_dir: Path,
    workdir: Path,
    timeout: int,
    run: Runner,
    which: Callable[[str], str | None],
) -> tuple[Path, Path]:
    """Render a copy of the ``.qmd`` in ``workdir`` with Quarto; return (html, pdf) paths."""
    quarto = which("quarto") or "quarto"
    source = workdir / qmd.name
    shutil.copyfile(qmd, source)
    env = {**os.environ, DATA_ENV: str(data_dir), "QUARTO_PYTHON": sys.executable}
    for command in quarto_commands(source.name, quarto=quarto):
        result = run(
            command,
            cwd=str(workdir),
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            tail = (result.stderr or "").strip()[-2000:]
            raise ReportError(
                f"{qmd}: `{' '.join(command)}` failed with exit code {result.returncode}:\n{tail}"
            )
    outputs = (source.with_suffix(".html"), source.with_suffix(".pdf"))
    for output in outputs:
        if not output.is_file():
            raise ReportError(f"{qmd}: quarto finished but wrote no {output.name}")
    return outputs


# --------------------------------------------------------------------------------------
# Jupyter engine: parse the .qmd
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One chunk of a ``.qmd``: Markdown text or a Python cell with its ``#|`` options."""

    kind: Literal["markdown", "code"]
    source: str
    line: int
    options: dict[str, Any] = field(default_factory=dict)


_FENCE_OPEN = re.compile(r"^```+\s*\{python\b[^}]*\}\s*$")
_FENCE_CLOSE = re.compile(r"^```+\s*$")
_OPTION = re.compile(r"^#\|\s?(.*)$")


def parse_qmd(text: str, *, name: str = "<qmd>") -> tuple[dict[str, Any], list[Cell]]:
    """Split a ``.qmd`` into its YAML front matter and Markdown / Python cells.

    Args:
        text: The ``.qmd`` source.
        name: The file name, for error messages.

    Returns:
        ``(front_matter, cells)``; code cells carry their ``#|`` options, parsed as YAML,
        and the 1-based line of their opening fence.

    Raises:
        ReportError: If the front matter or a cell's options are not valid YAML, or a
            Python cell is never closed.
    """
    lines = text.splitlines()
    front: dict[str, Any] = {}
    index = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            raise ReportError(f"{name}: front matter opened on line 1 is never closed with ---")
        try:
            front = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as error:
            raise ReportError(f"{name}: front matter is not valid YAML: {error}") from error
        index = end + 1
    cells: list[Cell] = []
    markdown: list[str] = []
    markdown_line = index + 1
    while index < len(lines):
        line = lines[index]
        if not _FENCE_OPEN.match(line):
            markdown.append(line)
            index += 1
            continue
        if any(part.strip() for part in markdown):
            cells.append(Cell("markdown", "\n".join(markdown).strip("\n"), markdown_line))
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not _FENCE_CLOSE.match(lines[index]):
            body.append(lines[index])
            index += 1
        if index >= len(lines):
            raise ReportError(f"{name}: the python cell opened on line {start + 1} is never closed")
        cells.append(_code_cell(body, line=start + 1, name=name))
        index += 1
        markdown = []
        markdown_line = index + 1
    if any(part.strip() for part in markdown):
        cells.append(Cell("markdown", "\n".join(markdown).strip("\n"), markdown_line))
    return front, cells


def _code_cell(body: list[str], *, line: int, name: str) -> Cell:
    """Build a code cell, taking its leading ``#|`` lines as YAML options."""
    option_lines: list[str] = []
    for text in body:
        match = _OPTION.match(text)
        if not match:
            break
        option_lines.append(match.group(1))
    try:
        options = (yaml.safe_load("\n".join(option_lines)) or {}) if option_lines else {}
    except yaml.YAMLError as error:
        raise ReportError(
            f"{name}: options of the cell on line {line} are not YAML: {error}"
        ) from error
    if not isinstance(options, dict):
        raise ReportError(f"{name}: options of the cell on line {line} must be `#| key: value`")
    source = "\n".join(body[len(option_lines) :]).strip("\n")
    return Cell("code", source, line, options)


# --------------------------------------------------------------------------------------
# Jupyter engine: execute and convert
# --------------------------------------------------------------------------------------


def _render_jupyter(qmd: Path, *, data_dir: Path, workdir: Path, timeout: int) -> tuple[Path, Path]:
    """Execute the ``.qmd`` with nbclient and convert it with Pandoc and Typst."""
    front, cells = parse_qmd(qmd.read_text(encoding="utf-8"), name=str(qmd))
    defaults = dict(front.get("execute") or {})
    exec_dir = workdir / "exec"
    exec_dir.mkdir()
    notebook, code_index = build_notebook(cells, defaults=defaults)
    env = {**os.environ, DATA_ENV: str(data_dir)}
    sources = [cells[number] for number in code_index]
    execute_notebook(notebook, sources=sources, cwd=exec_dir, env=env, timeout=timeout, qmd=qmd)
    markdown = notebook_markdown(
        cells, notebook, code_index=code_index, defaults=defaults, out_dir=workdir
    )
    md_path = workdir / "report.md"
    md_path.write_text(_front_matter_block(front) + markdown, encoding="utf-8")
    html = workdir / "report.html"
    typ = workdir / "report.typ"
    pdf = workdir / "report.pdf"
    _pandoc_html(md_path, html, front=front, qmd=qmd)
    _pandoc_typst(md_path, typ, front=front, qmd=qmd)
    _compile_typst(typ, pdf, qmd=qmd)
    return html, pdf


def build_notebook(cells: Sequence[Cell], *, defaults: Mapping[str, Any]) -> tuple[Any, list[int]]:
    """Build an nbformat notebook from the cells that are to be executed.

    Args:
        cells: Parsed ``.qmd`` cells.
        defaults: Document-wide execute options (front matter ``execute:``).

    Returns:
        ``(notebook, code_index)``: the notebook, and for each of its cells the index of the
        ``.qmd`` cell it came from.
    """
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    code_index: list[int] = []
    for number, cell in enumerate(cells):
        if cell.kind != "code" or not _option(cell, "eval", defaults, True):
            continue
        notebook.cells.append(nbformat.v4.new_code_cell(cell.source))
        code_index.append(number)
    return notebook, code_index


def execute_notebook(
    notebook: Any,
    *,
    sources: Sequence[Cell],
    cwd: Path,
    env: Mapping[str, str],
    timeout: int,
    qmd: Path,
) -> None:
    """Execute a notebook in place with the ``python3`` kernel.

    Args:
        notebook: The notebook from :func:`build_notebook`.
        sources: The ``.qmd`` cell of each notebook cell, for error messages.
        cwd: Working directory of the kernel.
        env: Environment of the kernel.
        timeout: Seconds allowed per cell.
        qmd: The source file, for error messages.

    Raises:
        ReportError: If a cell raises, times out or the kernel dies.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    try:
        client.execute(env=dict(env))
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        raise ReportError(_failure_message(notebook, error, qmd=qmd, sources=sources)) from error


def _failure_message(notebook: Any, error: Exception, *, qmd: Path, sources: Sequence[Cell]) -> str:
    """Describe which cell of the ``.qmd`` failed: its line, first source line and error."""
    failed: int | None = None
    detail = ""
    for number, nb_cell in enumerate(notebook.cells):
        errors = [out for out in nb_cell.get("outputs", []) if out.get("output_type") == "error"]
        if errors:
            failed = number
            detail = f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
            break
    if failed is None:
        ran = [i for i, c in enumerate(notebook.cells) if c.get("execution_count") is not None]
        failed = ran[-1] if ran else None
    if failed is None or failed >= len(sources):
        return f"{qmd}: the kernel failed before running a cell: {type(error).__name__}: {error}"
    cell = sources[failed]
    first = next((s.strip() for s in cell.source.splitlines() if s.strip()), "")
    detail = detail or f"{type(error).__name__}: {str(error).strip()[:300]}"
    return (
        f"{qmd}, python cell at line {cell.line} ({first!r}) failed with {detail}; "
        "fix the cell or the tables it reads"
    )


def _option(cell: Cell, key: str, defaults: Mapping[str, Any], fallback: Any) -> Any:
    """Return a cell option, falling back to the document's execute defaults."""
    if key in cell.options:
        return cell.options[key]
    return defaults.get(key, fallback)


def notebook_markdown(
    cells: Sequence[Cell],
    notebook: Any,
    *,
    code_index: Sequence[int],
    defaults: Mapping[str, Any],
    out_dir: Path,
) -> str:
    """Merge the Markdown cells with the executed cells' outputs into one Markdown text.

    Args:
        cells: Parsed ``.qmd`` cells.
        notebook: The executed notebook.
        code_index: For each notebook cell, the index of its ``.qmd`` cell.
        defaults: Document-wide execute options.
        out_dir: Directory where figures are written (as ``figures/*.png``).

    Returns:
        Pandoc Markdown; figures are linked relative to ``out_dir``.
    """
    executed = {number: notebook.cells[i] for i, number in enumerate(code_index)}
    parts: list[str] = []
    figure_count = 0
    for number, cell in enumerate(cells):
        if cell.kind == "markdown":
            parts.append(cell.source)
            continue
        if not _option(cell, "include", defaults, True):
            continue
        if _option(cell, "echo", defaults, True):
            parts.append(f"```python\n{cell.source}\n```")
        nb_cell = executed.get(number)
        output_mode = _option(cell, "output", defaults, True)
        if nb_cell is None or output_mode is False:
            continue
        for output in nb_cell.get("outputs", []):
            text, figure_count = _output_markdown(
                output, cell=cell, defaults=defaults, out_dir=out_dir, figure_count=figure_count
            )
            if text:
                parts.append(text)
    return "\n\n".join(part for part in parts if part.strip()) + "\n"


def _output_markdown(
    output: Mapping[str, Any],
    *,
    cell: Cell,
    defaults: Mapping[str, Any],
    out_dir: Path,
    figure_count: int,
) -> tuple[str, int]:
    """Turn one notebook output into Markdown; return it and the updated figure count."""
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        if output.get("name") == "stdout" and _option(cell, "output", defaults, True) == "asis":
            return text, figure_count
        if output.get("name") == "stderr" and _option(cell, "warning", defaults, False) is True:
            return f"```\n{text.rstrip()}\n```", figure_count
        return "", figure_count
    if kind not in ("display_data", "execute_result"):
        return "", figure_count
    data = output.get("data", {})
    if "text/markdown" in data:
        return data["text/markdown"], figure_count
    if "image/png" in data:
        figure_count += 1
        return _figure_markdown(data["image/png"], cell=cell, out_dir=out_dir, n=figure_count), (
            figure_count
        )
    if "text/plain" in data:
        return f"```\n{data['text/plain']}\n```", figure_count
    return "", figure_count


def _figure_markdown(png_b64: str, *, cell: Cell, out_dir: Path, n: int) -> str:
    """Write a PNG output to ``out_dir/figures`` and return its Markdown image."""
    import base64

    png = base64.b64decode(png_b64)
    figures = out_dir / "figures"
    figures.mkdir(exist_ok=True)
    label = str(cell.options.get("label", "")).strip()
    name = f"{n:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', label) or 'figure'}.png"
    (figures / name).write_bytes(png)
    width = png_width_percent(png)
    caption = str(cell.options.get("fig-cap", "")).strip()
    attrs = [f"#{label}"] if label.startswith("fig-") else []
    attrs.append(f"width={width}%")
    return f"![{caption}](figures/{name}){{{' '.join(attrs)}}}"


def png_width_percent(png: bytes, *, text_width_in: float = TEXT_WIDTH_IN) -> int:
    """Return a PNG's printed width as a percentage of the text width (capped at 100).

    Args:
        png: PNG bytes; the width comes from IHDR and the resolution from pHYs (96 dpi
            when absent).
        text_width_in: Text width in inches.

    Returns:
        An integer percentage between 10 and 100.
    """
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return 100
    width_px = struct.unpack(">I", png[16:20])[0]
    dpi = 96.0
    at = png.find(b"pHYs")
    if at != -1:
        per_x, _per_y, unit = struct.unpack(">IIB", png[at + 4 : at + 13])
        if unit == 1 and per_x > 0:
            dpi = per_x * 0.0254
    percent = round(100 * width_px / dpi / text_width_in)
    return max(10, min(100, percent))


def _front_matter_block(front: Mapping[str, Any]) -> str:
    """Return a Pandoc YAML metadata block with the keys Pandoc understands."""
    keys = ("title", "subtitle", "author", "date", "abstract", "lang")
    meta = {key: front[key] for key in keys if key in front and front[key] is not None}
    if not meta:
        return ""
    return "---\n" + yaml.safe_dump(meta, sort_keys=True, allow_unicode=True) + "---\n\n"


def _front_flag(front: Mapping[str, Any], key: str, fmt: str, fallback: Any) -> Any:
    """Look a format option up in ``format: <fmt>:`` then at the top level."""
    formats = front.get("format")
    if isinstance(formats, dict) and isinstance(formats.get(fmt), dict) and key in formats[fmt]:
        return formats[fmt][key]
    return front.get(key, fallback)


_PANDOC_FROM = "markdown-tex_math_dollars-tex_math_single_backslash-raw_tex"


def _pandoc(md_path: Path, to: str, out: Path, *, args: list[str], qmd: Path) -> None:
    """Run Pandoc (from pypandoc-binary) on the Markdown; wrap failures in ReportError."""
    import pypandoc

    try:
        pypandoc.convert_file(
            str(md_path),
            to,
            format=_PANDOC_FROM,
            outputfile=str(out),
            extra_args=args,
            cworkdir=str(md_path.parent),
        )
    except (RuntimeError, OSError) as error:
        raise ReportError(f"{qmd}: pandoc could not write {to}: {error}") from error


def _pandoc_html(md_path: Path, out: Path, *, front: Mapping[str, Any], qmd: Path) -> None:
    """Write a standalone HTML file with every resource embedded."""
    style = md_path.parent / "style.html"
    style.write_text(f"<style>{HTML_CSS}</style>\n", encoding="utf-8")
    args = [
        "--standalone",
        "--embed-resources",
        f"--resource-path={md_path.parent}",
        f"--include-in-header={style.name}",
        "--variable=maxwidth:54em",
        f"--columns={PIPE_TABLE_COLUMNS}",
        "--wrap=none",
    ]
    if _front_flag(front, "toc", "html", True):
        args += ["--toc", f"--toc-depth={_front_flag(front, 'toc-depth', 'html', 2)}"]
    if _front_flag(front, "number-sections", "html", False):
        args.append("--number-sections")
    if "title" not in front:
        args.append(f"--metadata=title:{qmd.stem}")
    _pandoc(md_path, "html5", out, args=args, qmd=qmd)


def _pandoc_typst(md_path: Path, out: Path, *, front: Mapping[str, Any], qmd: Path) -> None:
    """Write standalone Typst source (A4, numbered pages, readable tables)."""
    header = md_path.parent / "header.typ"
    header.write_text(TYPST_HEADER, encoding="utf-8")
    meta = md_path.parent / "typst-meta.yaml"
    meta.write_text(
        yaml.safe_dump(
            {
                "papersize": str(_front_flag(front, "papersize", "typst", "a4")),
                "fontsize": str(_front_flag(front, "fontsize", "typst", "10pt")),
                "margin": {"x": "2cm", "y": "2.2cm"},
                "page-numbering": "1",
            },
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    args = [
        "--standalone",
        f"--metadata-file={meta.name}",
        f"--include-in-header={header.name}",
        f"--columns={PIPE_TABLE_COLUMNS}",
        "--wrap=none",
    ]
    if _front_flag(front, "toc", "typst", True):
        args += ["--toc", f"--toc-depth={_front_flag(front, 'toc-depth', 'typst', 2)}"]
    if _front_flag(front, "number-sections", "typst", False):
        args += ["--variable=section-numbering:1.1"]
    _pandoc(md_path, "typst", out, args=args, qmd=qmd)


def _compile_typst(typ: Path, pdf: Path, *, qmd: Path) -> None:
    """Compile Typst source to PDF with the ``typst`` package (honours SOURCE_DATE_EPOCH)."""
    import typst

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    options: dict[str, Any] = {"root": str(typ.parent)}
    if epoch and epoch.isdigit():
        options["timestamp"] = int(epoch)
    try:
        typst.compile(str(typ), output=str(pdf), **options)
    except RuntimeError as error:
        raise ReportError(f"{qmd}: typst could not compile {typ.name}: {error}") from error


# --------------------------------------------------------------------------------------
# Display helpers used by the report's cells
# --------------------------------------------------------------------------------------

CORPUS_TABLES: dict[str, tables.Table] = {
    "chapters": tables.CHAPTERS,
    "leaders": tables.LEADERS,
    "mentions": tables.MENTIONS,
    "sentiment": tables.SENTIMENT,
    "cooccurrence": tables.COOCCURRENCE,
    "centrality": tables.CENTRALITY,
    "entities": tables.ENTITIES,
}
"""The corpus tables the report reads, by file stem."""

POOLED = "corpus"
"""The ``chapter`` value of pooled co-occurrence rows."""

NEGATIVE_COLOUR = "#b2182b"
POSITIVE_COLOUR = "#2166ac"
NEUTRAL_COLOUR = "#8c8c8c"


@dataclass
class Corpus:
    """The corpus tables, the network and the provenance record, as the report sees them."""

    frames: dict[str, pd.DataFrame]
    graph: Any
    run: dict[str, Any]
    data_dir: Path

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Return one table by name (e.g. ``corpus["leaders"]``)."""
        return self.frames[name]

    @property
    def is_empty(self) -> bool:
        """True when no leader is mentioned anywhere."""
        return self.frames["mentions"].empty

    def display_names(self) -> dict[str, str]:
        """Map leader ids to display names (ids without a name map to themselves)."""
        leaders = self.frames["leaders"]
        return dict(zip(leaders["leader"], leaders["display_name"], strict=True))

    def top_leaders(self, n: int) -> list[str]:
        """Return the ids of the ``n`` most mentioned leaders (ties by id)."""
        leaders = self.frames["leaders"]
        leaders = leaders[leaders["n_mentions"] > 0]
        ordered = leaders.sort_values(["n_mentions", "leader"], ascending=[False, True])
        return ordered["leader"].head(n).tolist()


def data_dir_from_env(*, default: str = "../data/processed/corpus") -> Path:
    """Return the corpus directory from ``LEADERLENS_DATA``, else ``default``.

    Args:
        default: Used when the variable is unset (relative to the ``.qmd``'s directory,
            which is Quarto's working directory).

    Returns:
        The directory path.
    """
    return Path(os.environ.get(DATA_ENV) or default)


def load_corpus(data_dir: Path) -> Corpus:
    """Read the corpus tables, ``network.graphml`` and ``run.json`` from a directory.

    A missing table is replaced by an empty typed table (with a warning), a missing
    network by an empty graph, a missing ``run.json`` by ``{}``.

    Args:
        data_dir: The corpus directory (``data/processed/corpus``).

    Returns:
        The corpus.
    """
    import networkx as nx

    data_dir = Path(data_dir)
    frames: dict[str, pd.DataFrame] = {}
    for name, table in CORPUS_TABLES.items():
        path = data_dir / f"{name}.parquet"
        if path.is_file():
            frames[name] = tables.read_table(path, table)
        else:
            log.warning("%s not found: the report shows %s as empty", path, name)
            frames[name] = tables.empty_frame(table)
    graph_path = data_dir / "network.graphml"
    if graph_path.is_file():
        graph = nx.read_graphml(graph_path)
    else:
        log.warning("%s not found: the report shows no network", graph_path)
        graph = nx.Graph()
    run_path = data_dir / "run.json"
    run: dict[str, Any] = {}
    if run_path.is_file():
        try:
            run = json.loads(run_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            log.warning("%s is not valid JSON (%s): provenance left out", run_path, error)
    return Corpus(
        frames=frames, graph=graph, run=run if isinstance(run, dict) else {}, data_dir=data_dir
    )


def _is_missing(value: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: Any, *, digits: int = 2, signed: bool = False) -> str:
    """Format a number for a table cell; missing values become an en dash.

    Args:
        value: The number (or None/NaN/NA).
        digits: Decimal places for non-integers.
        signed: Prefix positive numbers with ``+``.

    Returns:
        The formatted text.
    """
    if _is_missing(value):
        return "–"
    if isinstance(value, int | bool) or (
        hasattr(value, "is_integer") and digits == 0 and float(value).is_integer()
    ):
        return f"{int(value):+d}" if signed else f"{int(value):d}"
    text = f"{float(value):+.{digits}f}" if signed else f"{float(value):.{digits}f}"
    return text.replace("-", "−")


def fmt_int(value: Any) -> str:
    """Format an integer count; missing values become an en dash."""
    return "–" if _is_missing(value) else f"{int(value):d}"


def fmt_share(value: Any) -> str:
    """Format a share in 0..1 as a whole percentage."""
    return "–" if _is_missing(value) else f"{100 * float(value):.0f}%"


def fmt_q(value: Any) -> str:
    """Format a q-value (or p-value) with three decimals, small ones as ``<0.001``."""
    if _is_missing(value):
        return "–"
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def fmt_pages(first: Any, last: Any) -> str:
    """Format a page range ``first–last`` (a single page when equal)."""
    if _is_missing(first) or _is_missing(last):
        return "–"
    return f"{int(first)}" if int(first) == int(last) else f"{int(first)}–{int(last)}"


MAX_COLUMN_WEIGHT = 28
"""Cap on a column's dash count, so one long text column cannot squeeze the others."""

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|@$~^])")


def md_escape(text: Any) -> str:
    """Escape a value for a Markdown table cell (one line, no markup)."""
    value = "" if _is_missing(text) else str(text)
    value = " ".join(value.split())
    return _MD_SPECIAL.sub(r"\\\1", value)


def markdown_table(
    frame: pd.DataFrame,
    *,
    align: Sequence[Align] | None = None,
    escape: bool = True,
    caption: str | None = None,
) -> str:
    """Render a DataFrame as a Pandoc pipe table.

    The separator's dash counts follow each column's widest cell (at least its header,
    at most ``MAX_COLUMN_WEIGHT``), so when Pandoc wraps a wide table the relative column
    widths fit the content and headers are not squeezed.

    Args:
        frame: Rows to show; values are turned into text with ``str`` (format first).
        align: Alignment per column; default right for numeric dtypes, else left.
        escape: Escape Markdown characters in the cells and headers.
        caption: Optional table caption (Pandoc ``: caption`` syntax).

    Returns:
        The Markdown table, or an empty string for an empty frame.
    """
    if frame.empty:
        return ""
    columns = [str(c) for c in frame.columns]
    if align is None:
        align = [
            "right" if pd.api.types.is_numeric_dtype(frame[c]) else "left" for c in frame.columns
        ]
    if len(align) != len(columns):
        raise ValueError(f"align has {len(align)} entries for {len(columns)} columns {columns}")
    cell = md_escape if escape else (lambda value: " ".join(str(value).split()))
    header = [cell(c) for c in columns]
    rows = [[cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    widths = [
        max(len(header[i]) + 1, min(MAX_COLUMN_WEIGHT, max(len(row[i]) for row in rows)), 3)
        for i in range(len(columns))
    ]
    marks = {"left": ":{}-", "right": "-{}:", "center": ":{}:"}
    rule = [marks[a].format("-" * (w - 2)) for a, w in zip(align, widths, strict=True)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    text = "\n".join(lines)
    if caption:
        text += f"\n\n: {caption}"
    return text + "\n"


def leaders_table(corpus: Corpus) -> pd.DataFrame:
    """Leaders with their mention counts by kind, chapters and page range, most mentioned first.

    Args:
        corpus: The corpus.

    Returns:
        A display frame (text cells), one row per leader with at least one mention.
    """
    leaders = corpus["leaders"]
    leaders = leaders[leaders["n_mentions"] > 0].sort_values(
        ["n_mentions", "leader"], ascending=[False, True]
    )
    return pd.DataFrame(
        {
            "Leader": leaders["display_name"].astype(str),
            "Mentions": leaders["n_mentions"].map(fmt_int),
            "Name": leaders["n_name"].map(fmt_int),
            "Title": leaders["n_title"].map(fmt_int),
            "Modifier": leaders["n_modifier"].map(fmt_int),
            "Pronoun": leaders["n_pronoun"].map(fmt_int),
            "Chapters": leaders["n_chapters"].map(fmt_int),
            "Pages": [
                fmt_pages(a, b)
                for a, b in zip(leaders["first_page"], leaders["last_page"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def tone_table(corpus: Corpus, *, top: int | None = None) -> pd.DataFrame:
    """Tone per leader: mean with its 95% interval and the shares of each label.

    Args:
        corpus: The corpus.
        top: Keep only the ``top`` most mentioned leaders (None keeps all).

    Returns:
        A display frame, most mentioned first.
    """
    leaders = corpus["leaders"]
    leaders = leaders[leaders["n_mentions"] > 0].sort_values(
        ["n_mentions", "leader"], ascending=[False, True]
    )
    if top is not None:
        leaders = leaders.head(top)
    interval = [
        "–" if _is_missing(lo) or _is_missing(hi) else f"{fmt_number(lo)} to {fmt_number(hi)}"
        for lo, hi in zip(leaders["tone_low"], leaders["tone_high"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Leader": leaders["display_name"].astype(str),
            "n": leaders["n_mentions"].map(fmt_int),
            "Mean tone": leaders["tone_mean"].map(lambda v: fmt_number(v, signed=True)),
            "95% interval": interval,
            "Negative": leaders["share_negative"].map(fmt_share),
            "Neutral": leaders["share_neutral"].map(fmt_share),
            "Positive": leaders["share_positive"].map(fmt_share),
        }
    ).reset_index(drop=True)


def pooled_pairs(corpus: Corpus, *, scope: str) -> pd.DataFrame:
    """Pooled (``chapter == "corpus"``) co-occurrence rows of one scope with n_ab > 0.

    Args:
        corpus: The corpus.
        scope: ``sentence``, ``paragraph`` or ``page``.

    Returns:
        The rows, most frequent pair first (ties by NPMI, then ids).
    """
    cooc = corpus["cooccurrence"]
    rows = cooc[(cooc["chapter"] == POOLED) & (cooc["scope"] == scope) & (cooc["n_ab"] > 0)]
    return rows.sort_values(
        ["n_ab", "npmi", "leader_a", "leader_b"], ascending=[False, False, True, True]
    ).reset_index(drop=True)


def pairs_table(corpus: Corpus, *, scope: str = "paragraph", top: int = 15) -> pd.DataFrame:
    """The most frequent leader pairs at one scope with their statistics.

    Args:
        corpus: The corpus.
        scope: Co-occurrence scope of the statistics.
        top: Number of pairs.

    Returns:
        A display frame; ``Same sentence`` is the pair's pooled sentence-scope n_ab.
    """
    rows = pooled_pairs(corpus, scope=scope).head(top)
    names = corpus.display_names()
    sentence = pooled_pairs(corpus, scope="sentence")
    in_sentence = {
        (a, b): n
        for a, b, n in zip(
            sentence["leader_a"], sentence["leader_b"], sentence["n_ab"], strict=True
        )
    }
    return pd.DataFrame(
        {
            "Pair": [
                f"{names.get(a, a)} & {names.get(b, b)}"
                for a, b in zip(rows["leader_a"], rows["leader_b"], strict=True)
            ],
            f"Together ({scope})": rows["n_ab"].map(fmt_int),
            "Expected": rows["expected"].map(lambda v: fmt_number(v, digits=1)),
            "NPMI": rows["npmi"].map(lambda v: fmt_number(v, signed=True)),
            "q": rows["q_value"].map(fmt_q),
            "Tone": rows["tone"].map(lambda v: fmt_number(v, signed=True)),
            "Same sentence": [
                fmt_int(in_sentence.get((a, b), 0))
                for a, b in zip(rows["leader_a"], rows["leader_b"], strict=True)
            ],
        }
    )


def centrality_table(corpus: Corpus, *, scope: str = "paragraph", top: int = 10) -> pd.DataFrame:
    """Leaders ranked by weighted degree in the co-occurrence network of one scope.

    Args:
        corpus: The corpus.
        scope: Network scope.
        top: Number of leaders.

    Returns:
        A display frame.
    """
    cent = corpus["centrality"]
    cent = cent[cent["scope"] == scope].sort_values(
        ["weighted_degree", "leader"], ascending=[False, True]
    )
    cent = cent.head(top)
    names = corpus.display_names()
    return pd.DataFrame(
        {
            "Leader": [names.get(leader, leader) for leader in cent["leader"]],
            "Partners": cent["degree"].map(fmt_int),
            "Weighted degree": cent["weighted_degree"].map(lambda v: fmt_number(v, digits=1)),
            "Betweenness": cent["betweenness"].map(lambda v: fmt_number(v, digits=3)),
            "Eigenvector": cent["eigenvector"].map(lambda v: fmt_number(v, digits=3)),
        }
    ).reset_index(drop=True)


def other_people_table(corpus: Corpus, *, top: int = 10) -> pd.DataFrame:
    """The people (PERSON entities) named most often who are not on the leader roster.

    Args:
        corpus: The corpus.
        top: Number of people.

    Returns:
        A display frame: the most frequent surface form of each person key and its count.
    """
    entities = corpus["entities"]
    leader_ids = set(corpus["leaders"]["leader"])
    people = entities[(entities["label"] == "PERSON") & entities["person"].notna()]
    people = people[~people["person"].isin(leader_ids)]
    if people.empty:
        return pd.DataFrame({"Person": [], "Mentions": []})
    counts = people.groupby("person").size().rename("n").reset_index()
    surfaces = (
        people.groupby(["person", "surface"])
        .size()
        .rename("k")
        .reset_index()
        .sort_values(["person", "k", "surface"], ascending=[True, False, True])
        .drop_duplicates("person")
    )
    merged = counts.merge(surfaces[["person", "surface"]], on="person", how="left")
    merged = merged.sort_values(["n", "person"], ascending=[False, True]).head(top)
    return pd.DataFrame(
        {"Person": merged["surface"].astype(str), "Mentions": merged["n"].map(fmt_int)}
    ).reset_index(drop=True)


def chapters_table(corpus: Corpus) -> pd.DataFrame:
    """Chapters with title, pages, size, mentions and the number of cleaning edits.

    Args:
        corpus: The corpus.

    Returns:
        A display frame in chapter order.
    """
    chapters = corpus["chapters"].sort_values("chapter")
    return pd.DataFrame(
        {
            "Chapter": chapters["chapter"].astype(str),
            "Title": chapters["title"].map(lambda v: "–" if _is_missing(v) else str(v)),
            "Pages": [
                fmt_pages(a, b)
                for a, b in zip(chapters["first_page"], chapters["last_page"], strict=True)
            ],
            "Sentences": chapters["n_sentences"].map(fmt_int),
            "Paragraphs": chapters["n_paragraphs"].map(fmt_int),
            "Mentions": chapters["n_mentions"].map(fmt_int),
            "Cleaning edits": chapters["n_edits"].map(fmt_int),
        }
    ).reset_index(drop=True)


def _pyplot() -> Any:
    """Import pyplot (Agg unless a backend, such as Jupyter's inline one, is already set)."""
    import matplotlib

    if "MPLBACKEND" not in os.environ and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def page_strip_figure(corpus: Corpus, *, top: int = 12) -> Figure | None:
    """Heat strip of mentions per printed page for the most mentioned leaders.

    Args:
        corpus: The corpus.
        top: Number of leaders (rows).

    Returns:
        The figure, or None when no mention has a known page.
    """
    import numpy as np

    plt = _pyplot()
    ids = corpus.top_leaders(top)
    mentions = corpus["mentions"]
    mentions = mentions[mentions["leader"].isin(ids) & mentions["page"].notna()]
    if mentions.empty:
        return None
    pages = mentions["page"].astype(int)
    first, last = int(pages.min()), int(pages.max())
    counts = (
        mentions.assign(page=pages)
        .groupby(["leader", "page"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=ids, columns=range(first, last + 1), fill_value=0)
    )
    names = corpus.display_names()
    matrix = np.ma.masked_equal(counts.to_numpy(dtype=float), 0)
    height = 0.9 + 0.32 * len(ids)
    fig, ax = plt.subplots(figsize=(6.5, height), layout="constrained")
    image = ax.imshow(
        matrix,
        aspect="auto",
        cmap="Blues",
        interpolation="nearest",
        extent=(first - 0.5, last + 0.5, len(ids) - 0.5, -0.5),
        vmin=0,
    )
    ax.set_facecolor("#f7f7f7")
    ax.set_yticks(range(len(ids)), [names.get(i, i) for i in ids], fontsize=8.5)
    ax.set_xlabel("Printed page", fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for row in range(1, len(ids)):
        ax.axhline(row - 0.5, color="white", linewidth=0.8)
    chapters = corpus["chapters"].dropna(subset=["first_page"]).sort_values("first_page")
    for page in chapters["first_page"].astype(int).iloc[1:]:
        if first < page <= last:
            ax.axvline(page - 0.5, color="#555555", linewidth=0.8, linestyle="--")
    bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
    bar.set_label("Mentions", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig


def _tone_colour(value: Any) -> str:
    """Colour for a tone value by its sign (grey for zero or missing)."""
    if _is_missing(value) or float(value) == 0:
        return NEUTRAL_COLOUR
    return POSITIVE_COLOUR if float(value) > 0 else NEGATIVE_COLOUR


def tone_figure(corpus: Corpus, *, top: int = 15) -> Figure | None:
    """Dot-and-whisker plot of mean tone with its 95% interval for the top leaders.

    Args:
        corpus: The corpus.
        top: Number of leaders.

    Returns:
        The figure, or None when no leader has a tone.
    """
    plt = _pyplot()
    leaders = corpus["leaders"]
    leaders = leaders[leaders["leader"].isin(corpus.top_leaders(top))]
    leaders = leaders[leaders["tone_mean"].notna()]
    if leaders.empty:
        return None
    leaders = leaders.sort_values(["tone_mean", "leader"], ascending=[True, True])
    mean = leaders["tone_mean"].astype(float).to_numpy()
    low = [
        m if _is_missing(lo) else float(lo) for m, lo in zip(mean, leaders["tone_low"], strict=True)
    ]
    high = [
        m if _is_missing(hi) else float(hi)
        for m, hi in zip(mean, leaders["tone_high"], strict=True)
    ]
    labels = [
        f"{name} (n={int(n)})"
        for name, n in zip(leaders["display_name"], leaders["n_mentions"], strict=True)
    ]
    ys = list(range(len(leaders)))
    fig, ax = plt.subplots(figsize=(6.5, 0.9 + 0.3 * len(leaders)), layout="constrained")
    ax.axvline(0, color="#444444", linewidth=0.8)
    for y, m, lo, hi in zip(ys, mean, low, high, strict=True):
        colour = _tone_colour(m)
        ax.plot([lo, hi], [y, y], color=colour, linewidth=1.6, solid_capstyle="butt")
        ax.plot([lo, lo], [y - 0.15, y + 0.15], color=colour, linewidth=1.2)
        ax.plot([hi, hi], [y - 0.15, y + 0.15], color=colour, linewidth=1.2)
        ax.plot(m, y, "o", color=colour, markersize=6)
    ax.set_yticks(ys, labels, fontsize=8.5)
    ax.set_ylim(-0.6, len(leaders) - 0.4)
    span = max(0.1, *(abs(v) for v in [*low, *high]))
    ax.set_xlim(-span * 1.1, span * 1.1)
    ax.set_xlabel(
        "Mean tone around the mentions (−1 negative … +1 positive), 95% interval", fontsize=9
    )
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig


def cooccurrence_figure(
    corpus: Corpus, *, scope: str = "paragraph", top: int = 12
) -> Figure | None:
    """Heatmap of pooled n_ab (units shared by each pair) for the most mentioned leaders.

    Args:
        corpus: The corpus.
        scope: Co-occurrence scope.
        top: Number of leaders.

    Returns:
        The figure, or None when the pooled rows of the scope hold no pair.
    """
    import numpy as np

    plt = _pyplot()
    rows = pooled_pairs(corpus, scope=scope)
    ids = corpus.top_leaders(top)
    rows = rows[rows["leader_a"].isin(ids) & rows["leader_b"].isin(ids)]
    if rows.empty:
        return None
    position = {leader: i for i, leader in enumerate(ids)}
    matrix = np.zeros((len(ids), len(ids)))
    for a, b, n in zip(rows["leader_a"], rows["leader_b"], rows["n_ab"], strict=True):
        matrix[position[a], position[b]] = matrix[position[b], position[a]] = int(n)
    masked = np.ma.masked_where(np.eye(len(ids), dtype=bool), matrix)
    names = corpus.display_names()
    labels = [names.get(i, i) for i in ids]
    side = min(6.5, 1.6 + 0.42 * len(ids))
    fig, ax = plt.subplots(figsize=(side + 0.8, side), layout="constrained")
    cmap = plt.get_cmap("Blues").with_extremes(bad="#eeeeee")
    image = ax.imshow(masked, cmap=cmap, vmin=0, interpolation="nearest")
    peak = matrix.max() or 1
    for i in range(len(ids)):
        for j in range(len(ids)):
            if i == j or matrix[i, j] == 0:
                continue
            colour = "white" if matrix[i, j] > 0.6 * peak else "#222222"
            ax.text(
                j, i, f"{int(matrix[i, j])}", ha="center", va="center", fontsize=7.5, color=colour
            )
    ax.set_xticks(range(len(ids)), labels, rotation=45, ha="right", fontsize=8.5)
    ax.set_yticks(range(len(ids)), labels, fontsize=8.5)
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(f"{scope.capitalize()}s shared (n_ab)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig


def network_figure(corpus: Corpus, *, top: int = 25, seed: int = 7) -> Figure | None:
    """Draw the leader network: edge width by weight, edge colour by the sign of its tone.

    Args:
        corpus: The corpus (uses ``network.graphml``).
        top: Keep the ``top`` most mentioned connected leaders.
        seed: Seed of the spring layout.

    Returns:
        The figure, or None when the network has no edge.
    """
    import networkx as nx
    from matplotlib.lines import Line2D

    plt = _pyplot()
    graph = corpus.graph
    connected = [node for node in sorted(graph.nodes) if graph.degree(node) > 0]
    if not connected:
        return None

    def mentions(node: str) -> float:
        value = graph.nodes[node].get("n_mentions", 0)
        return 0.0 if _is_missing(value) else float(value)

    keep = sorted(connected, key=lambda node: (-mentions(node), node))[:top]
    sub = nx.Graph()
    sub.add_nodes_from(sorted(keep))
    sub.add_edges_from(
        sorted(
            (min(a, b), max(a, b), dict(data))
            for a, b, data in graph.subgraph(keep).edges(data=True)
        )
    )
    if sub.number_of_edges() == 0:
        return None
    weight = {edge: float(sub.edges[edge].get("weight", 1.0) or 0.0) for edge in sub.edges}
    peak = max(weight.values()) or 1.0
    positions = nx.spring_layout(sub, seed=seed, weight="weight", k=1.6 / math.sqrt(len(sub)))
    fig, ax = plt.subplots(figsize=(6.5, 5.2), layout="constrained")
    edges = sorted(sub.edges, key=lambda edge: weight[edge])
    nx.draw_networkx_edges(
        sub,
        positions,
        edgelist=edges,
        width=[0.6 + 5.0 * weight[edge] / peak for edge in edges],
        edge_color=[_tone_colour(sub.edges[edge].get("tone")) for edge in edges],
        alpha=0.75,
        ax=ax,
    )
    top_mentions = max(mentions(node) for node in sub.nodes) or 1.0
    nodes = list(sub.nodes)
    nx.draw_networkx_nodes(
        sub,
        positions,
        nodelist=nodes,
        node_size=[120 + 900 * mentions(node) / top_mentions for node in nodes],
        node_color="#f2e6c9",
        edgecolors="#7a6a45",
        linewidths=0.8,
        ax=ax,
    )
    labels = {node: str(graph.nodes[node].get("display_name", node)) for node in nodes}
    nx.draw_networkx_labels(
        sub,
        positions,
        labels=labels,
        font_size=8.5,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
        ax=ax,
    )
    ax.legend(
        handles=[
            Line2D([], [], color=POSITIVE_COLOUR, linewidth=2.5, label="positive tone"),
            Line2D([], [], color=NEGATIVE_COLOUR, linewidth=2.5, label="negative tone"),
            Line2D([], [], color=NEUTRAL_COLOUR, linewidth=2.5, label="neutral / none"),
        ],
        loc="lower left",
        fontsize=7.5,
        frameon=False,
    )
    ax.margins(0.08)
    ax.set_axis_off()
    return fig


def config_yaml(run: Mapping[str, Any]) -> str:
    """Return the run's ``config`` as sorted YAML (empty when absent).

    Args:
        run: The parsed ``run.json``.

    Returns:
        YAML text.
    """
    config = run.get("config")
    if not config:
        return ""
    return yaml.safe_dump(config, sort_keys=True, allow_unicode=True, default_flow_style=False)
