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
#show figure.caption: it => it.body
#show figure.where(kind: table): set figure.caption(position: bottom)
#show figure.where(kind: table): set block(breakable: true)
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
    accuracy: Path | None = None,
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
        accuracy: The measured accuracy figures (``reports/accuracy.yaml``); the cells read
            it from ``LEADERLENS_ACCURACY``; None leaves the figures out.
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
    env = {**os.environ, DATA_ENV: str(data_dir)}
    if accuracy is not None:
        env[ACCURACY_ENV] = str(Path(accuracy).resolve())
    with tempfile.TemporaryDirectory(prefix="leaderlens-report-") as tmp:
        workdir = Path(tmp)
        if engine == "quarto":
            built_html, built_pdf = _render_quarto(
                qmd, env=env, workdir=workdir, timeout=timeout, run=run, which=which
            )
        else:
            built_html, built_pdf = _render_jupyter(qmd, env=env, workdir=workdir, timeout=timeout)
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
    env: Mapping[str, str],
    workdir: Path,
    timeout: int,
    run: Runner,
    which: Callable[[str], str | None],
) -> tuple[Path, Path]:
    """Render a copy of the ``.qmd`` in ``workdir`` with Quarto; return (html, pdf) paths."""
    quarto = which("quarto") or "quarto"
    source = workdir / qmd.name
    shutil.copyfile(qmd, source)
    env = {**env, "QUARTO_PYTHON": sys.executable}
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


def _render_jupyter(
    qmd: Path, *, env: Mapping[str, str], workdir: Path, timeout: int
) -> tuple[Path, Path]:
    """Execute the ``.qmd`` with nbclient and convert it with Pandoc and Typst."""
    front, cells = parse_qmd(qmd.read_text(encoding="utf-8"), name=str(qmd))
    defaults = dict(front.get("execute") or {})
    exec_dir = workdir / "exec"
    exec_dir.mkdir()
    notebook, code_index = build_notebook(cells, defaults=defaults)
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
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="leaderlens-kernel-") as runtime:
        config = Config()
        # Unix sockets in a private directory: no TCP port is opened, and ipykernel has no
        # "running over TCP without encryption" warning to print.
        if os.name == "posix":
            config.KernelManager.transport = "ipc"
            config.KernelManager.connection_file = str(Path(runtime) / "kernel.json")
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=False,
            record_timing=False,
            resources={"metadata": {"path": str(cwd)}},
            config=config,
        )
        try:
            client.execute(env=dict(env))
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            message = _failure_message(notebook, error, qmd=qmd, sources=sources)
            raise ReportError(message) from error


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
    if caption:
        caption = f"Figure {n}. {caption}"
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
"""The corpus tables the report reads, by file stem (an empty typed table when missing)."""

OPTIONAL_TABLES: dict[str, tables.Table] = {
    "tone": tables.TONE,
    "evidence": tables.EVIDENCE,
    "persons": tables.PERSONS,
    "cooccurrence_sections": tables.COOCCURRENCE_SECTIONS,
    "scope_correlation": tables.SCOPE_CORRELATION,
    "collocates": tables.COLLOCATES,
    "actions": tables.ACTIONS,
    "action_pairs": tables.ACTION_PAIRS,
}
"""Corpus tables of later stages: absent from ``Corpus.frames`` when missing or outdated,
and the report says the section is not available."""

CHAPTER_TABLES: dict[str, tables.Table] = {
    "quality": tables.QUALITY,
    "edits": tables.EDITS,
    "sentences": tables.SENTENCES,
}
"""Per-chapter tables read from ``<data_dir>/../<chapter>/`` (the corpus stage does not
combine them); combined with a ``chapter`` column when every chapter has one."""

COMBINED_TABLES: dict[str, tables.Table] = {
    "quality": tables.QUALITY,
    "edits": tables.CORPUS_EDITS,
}
"""Per-chapter tables the corpus stage may combine: read from the corpus directory when
there, else from the chapter folders."""

ACCURACY_ENV = "LEADERLENS_ACCURACY"
"""Environment variable naming the accuracy figures file (``reports/accuracy.yaml``)."""

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

    def has(self, name: str) -> bool:
        """True when the (optional) table was found and matches its contract."""
        return name in self.frames

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
        frame = _read_optional(data_dir / f"{name}.parquet", table)
        if frame is None:
            log.warning("%s not usable: the report shows %s as empty", data_dir, name)
            frame = tables.empty_frame(table)
        frames[name] = frame
    for name, table in OPTIONAL_TABLES.items():
        frame = _read_optional(data_dir / f"{name}.parquet", table)
        if frame is not None:
            frames[name] = frame
    chapter_ids = sorted(frames["chapters"]["chapter"].astype(str))
    for name, table in CHAPTER_TABLES.items():
        combined = COMBINED_TABLES.get(name)
        path = data_dir / f"{name}.parquet"
        if combined is not None and path.is_file():
            frame = _read_optional(path, combined)
        else:
            frame = _read_chapter_tables(data_dir.parent, chapter_ids, name=name, table=table)
        if frame is not None:
            frames[name] = frame
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


def _read_optional(path: Path, table: tables.Table) -> pd.DataFrame | None:
    """Read a table if the file exists and matches its contract, else None (with a warning)."""
    if not path.is_file():
        log.warning("%s not found", path)
        return None
    try:
        return tables.read_table(path, table)
    except ValueError as error:
        log.warning("%s left out: %s", path, error)
        return None


def _read_chapter_tables(
    processed: Path, chapters: Sequence[str], *, name: str, table: tables.Table
) -> pd.DataFrame | None:
    """Concatenate one per-chapter table over chapters (None unless every chapter has it)."""
    if not chapters:
        return None
    parts = []
    for chapter in chapters:
        frame = _read_optional(processed / chapter / f"{name}.parquet", table)
        if frame is None:
            return None
        if "chapter" not in frame.columns:
            frame.insert(0, "chapter", chapter)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


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


def counted(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless n is 1 ("1 chapter", "3 chapters")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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
    weights: Sequence[int] | None = None,
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
        weights: Dash count per column, overriding the measured widths (for wide tables
            whose text column should take most of the page).

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
    if weights is not None:
        if len(weights) != len(columns):
            raise ValueError(f"weights has {len(weights)} entries for {len(columns)} columns")
        widths = [max(3, int(w)) for w in weights]
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
    """Leaders with a partner, ranked by weighted degree in the network of one scope.

    Args:
        corpus: The corpus.
        scope: Network scope.
        top: Number of leaders.

    Returns:
        A display frame.
    """
    cent = corpus["centrality"]
    cent = cent[(cent["scope"] == scope) & (cent["degree"] > 0)].sort_values(
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
    _colour_ticks(ax.get_yticklabels(), ids, leader_colours(corpus))
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


def _colour_ticks(labels: Sequence[Any], ids: Sequence[str], colours: Mapping[str, str]) -> None:
    """Colour axis tick labels by leader (the report's fixed colour per leader)."""
    for label, leader in zip(labels, ids, strict=True):
        label.set_color(colours.get(leader, "#222222"))


def _edge_style(tone: Any) -> str:
    """Line style of a network edge: dashed for a negative tone, else solid."""
    return "dashed" if not _is_missing(tone) and float(tone) < 0 else "solid"


def _tone_colour(value: Any) -> str:
    """Colour for a tone value by its sign (grey for zero or missing)."""
    if _is_missing(value) or float(value) == 0:
        return NEUTRAL_COLOUR
    return POSITIVE_COLOUR if float(value) > 0 else NEGATIVE_COLOUR


def tone_figure(corpus: Corpus, *, top: int = 15) -> Figure | None:
    """Dot-and-whisker plot of mean tone with its 95% interval for the top leaders.

    All mentions are a filled dot with its interval; when the tone table has the author's
    narration alone, a hollow diamond with a thin interval sits just below.

    Args:
        corpus: The corpus.
        top: Number of leaders.

    Returns:
        The figure, or None when no leader has a tone.
    """
    plt = _pyplot()
    from matplotlib.lines import Line2D

    every = leader_tone(corpus, voices="all")
    every = every[every["leader"].isin(corpus.top_leaders(top)) & every["mean"].notna()]
    if every.empty:
        return None
    every = every.sort_values(["mean", "leader"], ascending=[True, True]).reset_index(drop=True)
    narration = leader_tone(corpus, voices="narration").set_index("leader")
    names = corpus.display_names()
    colours = leader_colours(corpus)

    def bounds(row: Any) -> tuple[float, float]:
        m = float(row["mean"])
        lo = m if _is_missing(row["low"]) else float(row["low"])
        hi = m if _is_missing(row["high"]) else float(row["high"])
        return lo, hi

    fig, ax = plt.subplots(figsize=(6.5, 0.9 + 0.34 * len(every)), layout="constrained")
    ax.axvline(0, color="#444444", linewidth=0.8)
    extent = [0.1]
    offset = 0.22 if not narration.empty else 0.0
    for y, row in every.iterrows():
        colour = colours.get(row["leader"], OTHER_COLOUR)
        lo, hi = bounds(row)
        extent += [abs(lo), abs(hi)]
        ax.plot([lo, hi], [y, y], color=colour, linewidth=1.8, solid_capstyle="butt")
        ax.plot([lo, lo], [y - 0.13, y + 0.13], color=colour, linewidth=1.2)
        ax.plot([hi, hi], [y - 0.13, y + 0.13], color=colour, linewidth=1.2)
        ax.plot(float(row["mean"]), y, "o", color=colour, markersize=6)
        if row["leader"] in narration.index:
            other = narration.loc[row["leader"]]
            nlo, nhi = bounds(other)
            extent += [abs(nlo), abs(nhi)]
            ax.plot([nlo, nhi], [y - offset] * 2, color=colour, linewidth=0.8, alpha=0.8)
            ax.plot(
                float(other["mean"]),
                y - offset,
                "D",
                markerfacecolor="white",
                markeredgecolor=colour,
                markersize=4.5,
            )
    labels = [
        f"{names.get(leader, leader)} (n={int(n)})"
        for leader, n in zip(every["leader"], every["n"], strict=True)
    ]
    ax.set_yticks(range(len(every)), labels, fontsize=8.5)
    for tick, leader in zip(ax.get_yticklabels(), every["leader"], strict=True):
        tick.set_color(colours.get(leader, "#222222"))
    ax.set_ylim(-0.7, len(every) - 0.4)
    span = max(extent)
    ax.set_xlim(-span * 1.1, span * 1.1)
    ax.set_xlabel(
        "Mean tone around the mentions (−1 negative … +1 positive), 95% interval", fontsize=9
    )
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    if not narration.empty:
        fig.legend(
            handles=[
                Line2D([], [], color="#555555", marker="o", linewidth=1.8, label="all mentions"),
                Line2D(
                    [],
                    [],
                    color="#555555",
                    marker="D",
                    markerfacecolor="white",
                    linewidth=0.8,
                    label="narration only (quoted and reported speech left out)",
                ),
            ],
            fontsize=7.5,
            frameon=False,
            loc="outside lower center",
            ncol=2,
        )
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
    colours = leader_colours(corpus)
    _colour_ticks(ax.get_xticklabels(), ids, colours)
    _colour_ticks(ax.get_yticklabels(), ids, colours)
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
    for style in ("solid", "dashed"):
        chosen = [edge for edge in edges if _edge_style(sub.edges[edge].get("tone")) == style]
        if not chosen:
            continue
        nx.draw_networkx_edges(
            sub,
            positions,
            edgelist=chosen,
            width=[0.6 + 5.0 * weight[edge] / peak for edge in chosen],
            edge_color=[_tone_colour(sub.edges[edge].get("tone")) for edge in chosen],
            style=style,
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
        node_color=[leader_colours(corpus).get(node, OTHER_COLOUR) for node in nodes],
        alpha=0.85,
        edgecolors="#333333",
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
            Line2D(
                [], [], color=NEGATIVE_COLOUR, linewidth=2.5, linestyle="--", label="negative tone"
            ),
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


# --------------------------------------------------------------------------------------
# Colours, parameters and summary sentences
# --------------------------------------------------------------------------------------

LEADER_PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
    "#ad494a",
)
"""Leader colours in order of mention rank; the same leader has the same colour in every
figure of a report (leaders past the 20th are grey)."""

OTHER_COLOUR = "#a0a0a0"


def leader_colours(corpus: Corpus) -> dict[str, str]:
    """Map every leader id to its colour, by mention rank (most mentioned first).

    Args:
        corpus: The corpus.

    Returns:
        ``{leader: "#rrggbb"}`` for every leader of the leaders table.
    """
    leaders = corpus["leaders"].sort_values(["n_mentions", "leader"], ascending=[False, True])
    return {
        leader: LEADER_PALETTE[i] if i < len(LEADER_PALETTE) else OTHER_COLOUR
        for i, leader in enumerate(leaders["leader"])
    }


def run_config(corpus: Corpus) -> dict[str, Any]:
    """Return the run's configuration from ``run.json`` (empty when unknown)."""
    config = corpus.run.get("config")
    return config if isinstance(config, dict) else {}


def pronouns_counted(corpus: Corpus) -> bool | None:
    """Whether the run counted pronouns as mentions (``mentions.pronouns``; None if unknown).

    Args:
        corpus: The corpus.

    Returns:
        The configured value, or None when ``run.json`` does not record it.
    """
    value = (run_config(corpus).get("mentions") or {}).get("pronouns")
    return None if value is None else bool(value)


TONE_TRAINING = (
    "fine-tuned to read the tone toward a person whose name is masked, on political news "
    "(NewsMTSC), on about 1,100 hand-labelled mentions in chapter 9 of a Lenin biography and "
    "on about 1,800 invented sentences of political history"
)
"""What the tone encoders learnt from (the same for both)."""
TONE_METHOD_TEXT = {
    "targeted": (
        "A lexicon method (VADER with a documented domain lexicon, read through the parse) "
        "scores what the clause around each mention says about the leader"
    ),
    "sentence": (
        "VADER with a documented domain lexicon scores the whole sentence holding each mention "
        "(a baseline: it cannot tell the leader from the others in the sentence)"
    ),
    "model": (
        f"A sentence encoder (all-MiniLM-L6-v2) {TONE_TRAINING}, scores what the sentence says "
        "about the leader"
    ),
    "large": (
        f"A sentence encoder (all-mpnet-base-v2) {TONE_TRAINING}, scores what the sentence says "
        "about the leader"
    ),
    "cascade": (
        f"A sentence encoder (all-MiniLM-L6-v2) {TONE_TRAINING}, scores what the sentence says "
        "about the leader; where it is unsure (no class reaches 90%), a larger encoder "
        "(all-mpnet-base-v2) trained alike reads the sentence too and their probabilities are "
        "averaged"
    ),
    "ensemble": (
        "Two sentence encoders (all-MiniLM-L6-v2 and the larger all-mpnet-base-v2), each "
        f"{TONE_TRAINING}, score what the sentence says about the leader; their probabilities "
        "are averaged"
    ),
}
"""How each sentiment method (the prefix of the ``method`` label) reads a mention."""
ENCODER_METHODS = ("model", "large", "cascade", "ensemble")
"""The methods with the encoder's limits (``leaderlens.sentiment.MEMBERS``; not imported
here, to keep spaCy out of the report's kernel)."""
TONE_METHOD_LIMITS = {
    "lexicon": (
        "Lexicons were built for modern English: irony, long-range negation, understatement "
        'and period vocabulary ("liquidation", "deviation") are handled poorly, and the prose '
        "near a leader may report what others said or did."
    ),
    "model": (
        "The model learnt from modern news and from one chapter of one biography; other "
        "books, periods and styles may be read less well, it can miss contrasts "
        '("X was loyal, but Y ...") and irony, and it reads one sentence at a time.'
    ),
}


def tone_method_note(corpus: Corpus) -> str:
    """The methods-section bullet on tone, for the method this run used.

    Args:
        corpus: The corpus (its ``sentiment`` table's ``method`` labels).

    Returns:
        A Markdown list item ("- **Tone.** ...").
    """
    labels = (
        sorted(set(corpus["sentiment"]["method"]))
        if corpus.has("sentiment") and not corpus["sentiment"].empty
        else []
    )
    kinds = [kind for kind in TONE_METHOD_TEXT if any(x.startswith(kind) for x in labels)]
    if not kinds:
        kinds = ["large"]  # nothing scored: describe the default
    reads = "; ".join(TONE_METHOD_TEXT[kind] for kind in kinds)
    limits = " ".join(
        dict.fromkeys(
            TONE_METHOD_LIMITS["model" if kind in ENCODER_METHODS else "lexicon"] for kind in kinds
        )
    )
    used = f" (`{'`, `'.join(md_escape(x) for x in labels)}`)" if labels else ""
    return (
        f"- **Tone.** {reads}{used}, between −1 and +1, and labels it negative, neutral or "
        f"positive. {limits} It measures the tone of the *text around* a leader, not the "
        "historian's opinion of the person. Quotations (single or double quotation marks) and "
        "reported speech or thought (what follows a verb of saying or thinking whose subject "
        'is a person, "Lenin wrote that ...", or "according to" a person) are marked with '
        "their speaker where the parse finds one, and the narration-only figures leave them "
        'out; a view reported in other ways ("in Trotski\'s eyes") counts as narration. The '
        "interval is a bootstrap over mentions, which treats mentions as independent; "
        "mentions in one paragraph are not, so the intervals are somewhat too narrow, and "
        "intervals for leaders with few mentions are very wide."
    )


def pronoun_note(corpus: Corpus) -> str:
    """One sentence saying whether the counts and tone below include pronoun mentions.

    Args:
        corpus: The corpus.

    Returns:
        Markdown text.
    """
    n_pronoun = int(corpus["leaders"]["n_pronoun"].sum())
    counted = pronouns_counted(corpus)
    if counted is False:
        return (
            "Pronouns are not counted in this run (`mentions.pronouns: false`): every count, "
            "tone and pair below rests on names, titles and modifiers only."
        )
    prefix = "Pronouns count as mentions in this run (`mentions.pronouns: true`)"
    if counted is None:
        prefix = "The run does not record whether pronouns count"
    return (
        f"{prefix}: {n_pronoun} of the {int(corpus['leaders']['n_mentions'].sum())} mentions "
        "are pronouns resolved to a leader, and they are included in the counts, the tone and "
        "the pairs below (the tables do not separate them there)."
    )


def _interval_text(low: Any, high: Any) -> str:
    """Format a 95% interval as ``95% CI a to b`` (empty when missing)."""
    if _is_missing(low) or _is_missing(high):
        return "no interval: too few mentions"
    return f"95% CI {fmt_number(low, signed=True)} to {fmt_number(high, signed=True)}"


def leader_tone(corpus: Corpus, *, voices: str = "all") -> pd.DataFrame:
    """Corpus-level tone per leader: ``leader, n, mean, low, high`` and the label shares.

    Uses the tone table when present (``voices`` ``all`` or ``narration``), else the
    leaders table (all voices).

    Args:
        corpus: The corpus.
        voices: ``all`` or ``narration``.

    Returns:
        One row per leader with at least one scored mention.
    """
    columns = ["leader", "n", "mean", "low", "high"]
    shares = ["share_negative", "share_neutral", "share_positive"]
    if corpus.has("tone"):
        tone = corpus["tone"]
        rows = tone[(tone["level"] == "corpus") & (tone["voices"] == voices)]
        return rows[columns + shares].reset_index(drop=True)
    if voices != "all":
        return pd.DataFrame(columns=columns + shares)
    leaders = corpus["leaders"]
    leaders = leaders[leaders["tone_mean"].notna() & (leaders["n_mentions"] > 0)]
    return pd.DataFrame(
        {
            "leader": leaders["leader"],
            "n": leaders["n_mentions"],
            "mean": leaders["tone_mean"],
            "low": leaders["tone_low"],
            "high": leaders["tone_high"],
            **{share: leaders[share] for share in shares},
        }
    ).reset_index(drop=True)


def top_pair(
    corpus: Corpus, *, scope: str = "paragraph", preferred: tuple[str, str] = ("lenin", "stalin")
) -> tuple[str, str] | None:
    """The pair the report follows: ``preferred`` when it co-occurs, else the most frequent.

    Args:
        corpus: The corpus.
        scope: Co-occurrence scope.
        preferred: Leader ids of the pair to prefer (sorted inside).

    Returns:
        ``(leader_a, leader_b)`` with a < b, or None when no pair co-occurs.
    """
    rows = pooled_pairs(corpus, scope=scope)
    if rows.empty:
        return None
    a, b = sorted(preferred)
    if ((rows["leader_a"] == a) & (rows["leader_b"] == b)).any():
        return a, b
    return str(rows["leader_a"].iloc[0]), str(rows["leader_b"].iloc[0])


def summary_sentences(corpus: Corpus, *, scope: str = "paragraph", min_n: int = 10) -> list[str]:
    """Findings as sentences, each with its number and, where the tables give one, its interval.

    Args:
        corpus: The corpus.
        scope: Co-occurrence scope of the pair finding.
        min_n: Leaders with fewer scored mentions are not named as clearly negative/positive.

    Returns:
        Markdown sentences (empty when no leader is mentioned).
    """
    if corpus.is_empty:
        return []
    names = corpus.display_names()
    leaders = corpus["leaders"]
    total = int(leaders["n_mentions"].sum())
    ranked = leaders[leaders["n_mentions"] > 0].sort_values(
        ["n_mentions", "leader"], ascending=[False, True]
    )
    first = ranked.iloc[0]
    sentences = [
        f"**{md_escape(first['display_name'])}** is the most mentioned leader: "
        f"{int(first['n_mentions'])} of {total} leader mentions "
        f"({fmt_share(int(first['n_mentions']) / total)}), "
        f"{int(first['n_pronoun'])} of them pronouns."
    ]
    if len(ranked) > 1:
        second = ranked.iloc[1]
        sentences.append(
            f"Next come {md_escape(second['display_name'])} ({int(second['n_mentions'])})"
            + (
                f" and {md_escape(ranked.iloc[2]['display_name'])} "
                f"({int(ranked.iloc[2]['n_mentions'])})."
                if len(ranked) > 2
                else "."
            )
        )
    tone = leader_tone(corpus)
    if not tone.empty:
        tone = tone.assign(rank=tone["leader"].map({k: i for i, k in enumerate(ranked["leader"])}))
        main = tone.sort_values("rank").iloc[0]
        sentences.append(
            f"The prose around {md_escape(names.get(main['leader'], main['leader']))} has a mean "
            f"tone of {fmt_number(main['mean'], signed=True)} "
            f"({_interval_text(main['low'], main['high'])}, n = {int(main['n'])} mentions)."
        )
        clear = tone[tone["low"].notna() & tone["high"].notna() & (tone["n"] >= min_n)]
        negative = clear[clear["high"] < 0].sort_values(["mean", "leader"])
        if not negative.empty:
            row = negative.iloc[0]
            sentences.append(
                f"The most clearly negative tone is around "
                f"{md_escape(names.get(row['leader'], row['leader']))}: "
                f"{fmt_number(row['mean'], signed=True)} ({_interval_text(row['low'], row['high'])}"
                f", n = {int(row['n'])})."
            )
        positive = clear[clear["low"] > 0].sort_values(["mean", "leader"], ascending=[False, True])
        if not positive.empty:
            row = positive.iloc[0]
            sentences.append(
                f"The most clearly positive tone is around "
                f"{md_escape(names.get(row['leader'], row['leader']))}: "
                f"{fmt_number(row['mean'], signed=True)} ({_interval_text(row['low'], row['high'])}"
                f", n = {int(row['n'])})."
            )
        if negative.empty and positive.empty:
            sentences.append(
                f"No leader with at least {min_n} scored mentions has a 95% interval wholly on "
                "one side of zero: the tone toward them is not clearly positive or negative."
            )
    pair = top_pair(corpus, scope=scope)
    if pair is not None:
        rows = pooled_pairs(corpus, scope=scope)
        row = rows[(rows["leader_a"] == pair[0]) & (rows["leader_b"] == pair[1])].iloc[0]
        sentences.append(
            f"{md_escape(names.get(pair[0], pair[0]))} and {md_escape(names.get(pair[1], pair[1]))}"
            f" share {int(row['n_ab'])} {scope}s against {fmt_number(row['expected'], digits=1)} "
            f"expected by chance (NPMI {fmt_number(row['npmi'], signed=True)}, "
            f"q {fmt_q(row['q_value'])}); the tone of those {scope}s is "
            f"{fmt_number(row['tone'], signed=True)}."
        )
    if corpus.has("quality"):
        poor = corpus["quality"][corpus["quality"]["poor"].astype(bool)]
        n_chapters = len(corpus["quality"])
        sentences.append(
            (
                "The chapter is not flagged for poor OCR quality."
                if n_chapters == 1
                else f"None of the {n_chapters} chapters is flagged for poor OCR quality."
            )
            if poor.empty
            else f"{len(poor)} of {counted(n_chapters, 'chapter')} "
            f"{'is' if len(poor) == 1 else 'are'} flagged for poor OCR quality: "
            + ", ".join(md_escape(c) for c in poor["chapter"])
            + "."
        )
    return sentences


# --------------------------------------------------------------------------------------
# The text: quality, edits, sections
# --------------------------------------------------------------------------------------


def quality_table(corpus: Corpus) -> pd.DataFrame:
    """OCR quality per chapter: unknown-word share, suspicious tokens, edits and the flag.

    Args:
        corpus: The corpus (needs the per-chapter quality tables).

    Returns:
        A display frame (empty when the quality tables are not available).
    """
    if not corpus.has("quality"):
        return pd.DataFrame()
    quality = corpus["quality"].sort_values("chapter")
    return pd.DataFrame(
        {
            "Chapter": quality["chapter"].map(md_escape),
            "Words": quality["n_words"].map(fmt_int),
            "Unknown words": quality["oov_share"].map(
                lambda v: "–" if _is_missing(v) else f"{100 * float(v):.1f}%"
            ),
            "Suspicious / 1000 words": quality["suspicious_per_1000"].map(
                lambda v: fmt_number(v, digits=1)
            ),
            "Edits": quality["n_edits"].map(fmt_int),
            "Quality": [
                ("**poor**: " + md_escape(reason) if not _is_missing(reason) else "**poor**")
                if bool(flag)
                else "ok"
                for flag, reason in zip(quality["poor"], quality["poor_reason"], strict=True)
            ],
        }
    ).reset_index(drop=True)


EDIT_KIND_LABELS = {
    "title": "chapter title",
    "heading": "section heading",
    "running_head": "running head",
    "page_number": "page number",
    "hyphen_join": "line-break hyphen joined",
    "hyphen_keep": "line-break hyphen kept",
    "footnote": "footnote marker",
    "ocr_fix": "OCR character fix",
    "mojibake": "encoding repair",
    "typography": "typography",
    "dash": "dash",
    "markup": "markup",
    "whitespace": "whitespace",
}


def _clip(text: Any, width: int) -> str:
    """Show a raw text on one line, clipped to ``width`` characters with an ellipsis."""
    value = "" if _is_missing(text) else str(text)
    value = value.replace("\n", "⏎").replace("\t", " ")
    return value if len(value) <= width else value[: width - 1] + "…"


def _quoted(text: Any, width: int) -> str:
    """Show a raw text clipped and escaped in quotation marks (``(removed)`` when empty)."""
    value = _clip(text, width)
    return f"“{md_escape(value)}”" if value else "*(removed)*"


def edit_kinds_table(corpus: Corpus) -> pd.DataFrame:
    """Cleaning edits by kind over all chapters, with one example of each.

    Args:
        corpus: The corpus (needs the per-chapter edits tables).

    Returns:
        A display frame, most frequent kind first (empty when edits are not available).
    """
    if not corpus.has("edits") or corpus["edits"].empty:
        return pd.DataFrame()
    edits = corpus["edits"].sort_values(["chapter", "raw_start", "raw_end", "kind"])
    counts = edits.groupby("kind").size().rename("n").reset_index()
    counts = counts.sort_values(["n", "kind"], ascending=[False, True])
    first = edits.drop_duplicates("kind").set_index("kind")
    return pd.DataFrame(
        {
            "Kind": [EDIT_KIND_LABELS.get(k, k) for k in counts["kind"]],
            "Edits": counts["n"].map(fmt_int),
            "Example (raw → clean)": [
                _quoted(first.loc[k, "raw_text"], 30)
                + " → "
                + _quoted(first.loc[k, "replacement"], 24)
                for k in counts["kind"]
            ],
        }
    ).reset_index(drop=True)


def edits_sample(corpus: Corpus, *, n: int = 12) -> pd.DataFrame:
    """A deterministic sample of edits: every kind in turn, each evenly spaced through the text.

    Kinds take turns, the most frequent first, so a rare kind (an OCR fix) shows beside the
    hundreds of footnote markers; within a kind the picks are spread over all chapters.

    Args:
        corpus: The corpus (needs the per-chapter edits tables).
        n: Rows to show.

    Returns:
        A display frame (empty when edits are not available).
    """
    if not corpus.has("edits") or corpus["edits"].empty:
        return pd.DataFrame()
    edits = corpus["edits"]
    edits = edits[edits["kind"] != "whitespace"].sort_values(["chapter", "raw_start", "kind"])
    if edits.empty:
        return pd.DataFrame()
    by_kind = {kind: group for kind, group in edits.groupby("kind", sort=True)}
    kinds = sorted(by_kind, key=lambda kind: (-len(by_kind[kind]), kind))
    quota = dict.fromkeys(kinds, 0)
    while sum(quota.values()) < n and any(quota[k] < len(by_kind[k]) for k in kinds):
        for kind in kinds:
            if sum(quota.values()) < n and quota[kind] < len(by_kind[kind]):
                quota[kind] += 1
    picks = [  # the middles of q equal stretches of the kind's m edits
        by_kind[kind].iloc[[(2 * i + 1) * len(by_kind[kind]) // (2 * q) for i in range(q)]]
        for kind, q in quota.items()
        if q
    ]
    rows = pd.concat(picks).sort_values(["chapter", "raw_start", "kind"])
    return pd.DataFrame(
        {
            "Chapter": rows["chapter"].map(md_escape),
            "Raw offset": rows["raw_start"].map(fmt_int),
            "Kind": [EDIT_KIND_LABELS.get(k, k) for k in rows["kind"]],
            "Raw text": [_quoted(v, 40) for v in rows["raw_text"]],
            "Clean text": [_quoted(v, 30) for v in rows["replacement"]],
        }
    ).reset_index(drop=True)


NO_SECTION = "(before the first heading)"


def sections_table(corpus: Corpus) -> pd.DataFrame:
    """Sections of every chapter in text order: pages, sentences and leader mentions.

    Args:
        corpus: The corpus (sentences per chapter when available, else the mentions).

    Returns:
        A display frame.
    """
    source = corpus["sentences"] if corpus.has("sentences") else corpus["mentions"]
    if source.empty:
        return pd.DataFrame()
    source = source.assign(section=source["section"].fillna(NO_SECTION))
    order = (
        source.groupby(["chapter", "section"], sort=False)
        .agg(
            first=("sentence_id", "min"),
            first_page=("page", "min"),
            last_page=("page", "max"),
            n=("sentence_id", "nunique"),
        )
        .reset_index()
        .sort_values(["chapter", "first"])
    )
    mentions = corpus["mentions"].assign(section=corpus["mentions"]["section"].fillna(NO_SECTION))
    counts = mentions.groupby(["chapter", "section"]).size().to_dict()
    return pd.DataFrame(
        {
            "Chapter": order["chapter"].map(md_escape),
            "Section": order["section"].map(lambda v: md_escape(_clip(v, 60))),
            "Pages": [
                fmt_pages(a, b)
                for a, b in zip(order["first_page"], order["last_page"], strict=True)
            ],
            "Sentences": order["n"].map(fmt_int) if corpus.has("sentences") else "–",
            "Mentions": [
                fmt_int(counts.get((c, s), 0))
                for c, s in zip(order["chapter"], order["section"], strict=True)
            ],
        }
    ).reset_index(drop=True)


def persons_table(corpus: Corpus, *, top: int = 12) -> pd.DataFrame:
    """People off the roster suggested as roster additions (persons table), most named first.

    Args:
        corpus: The corpus (needs ``persons``).
        top: Number of people.

    Returns:
        A display frame (empty when the table is absent or suggests nobody).
    """
    if not corpus.has("persons"):
        return pd.DataFrame()
    persons = corpus["persons"]
    persons = persons[persons["suggested"].astype(bool)].sort_values(
        ["n_mentions", "person"], ascending=[False, True]
    )
    persons = persons.head(top)
    return pd.DataFrame(
        {
            "Person": persons["display_name"].map(md_escape),
            "Forms of the name": persons["names"].map(lambda v: md_escape(_clip(v, 70))),
            "Mentions": persons["n_mentions"].map(fmt_int),
            "Chapters": persons["n_chapters"].map(fmt_int),
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Tone: per leader, by section, evidence
# --------------------------------------------------------------------------------------


def tone_by_voice_table(corpus: Corpus, *, top: int | None = None) -> pd.DataFrame:
    """Tone per leader from the tone table: all mentions and the author's narration only.

    Args:
        corpus: The corpus (needs ``tone``).
        top: Keep the ``top`` most mentioned leaders (None keeps all).

    Returns:
        A display frame, most mentioned first (empty without the tone table).
    """
    if not corpus.has("tone"):
        return pd.DataFrame()
    every = leader_tone(corpus, voices="all").set_index("leader")
    narration = leader_tone(corpus, voices="narration").set_index("leader")
    order = [
        leader for leader in corpus.top_leaders(len(corpus["leaders"])) if leader in every.index
    ]
    if top is not None:
        order = order[:top]
    names = corpus.display_names()

    def mean_ci(frame: pd.DataFrame, leader: str) -> tuple[str, str, str]:
        if leader not in frame.index:
            return "–", "–", "0"
        row = frame.loc[leader]
        interval = (
            "–"
            if _is_missing(row["low"]) or _is_missing(row["high"])
            else f"{fmt_number(row['low'], signed=True)} to {fmt_number(row['high'], signed=True)}"
        )
        return fmt_number(row["mean"], signed=True), interval, fmt_int(row["n"])

    rows = []
    for leader in order:
        mean, interval, n = mean_ci(every, leader)
        n_mean, n_interval, n_n = mean_ci(narration, leader)
        row = every.loc[leader]
        rows.append(
            {
                "Leader": md_escape(names.get(leader, leader)),
                "n": n,
                "Mean": mean,
                "95% interval": interval,
                "n (narr.)": n_n,
                "Mean (narr.)": n_mean,
                "95% interval (narr.)": n_interval,
                "Neg/neu/pos": " / ".join(
                    fmt_share(row[k]) for k in ("share_negative", "share_neutral", "share_positive")
                ),
            }
        )
    return pd.DataFrame(rows)


def _section_order(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(chapter, section) keys in text order, as far as the rows tell it (chapter, then row)."""
    keys = frame[["chapter", "section"]].astype(str).drop_duplicates()
    return list(zip(keys["chapter"], keys["section"], strict=True))


def section_labels(keys: Sequence[tuple[str, str]], *, width: int = 32) -> list[str]:
    """Short axis labels of ``(chapter, section)`` keys.

    With several chapters, each label starts with the chapter's shortest distinguishing tag
    (its id up to the first hyphen when that is unique: ``ch09`` for
    ``ch09-testament-to-a-revolution``), and the section heading is clipped, not the tag, so
    that sections of one chapter stay apart.
    """
    tags = chapter_tags(sorted({chapter for chapter, _ in keys}))
    labels = []
    for chapter, section in keys:
        text = NO_SECTION if section in ("None", "nan", "<NA>") else section
        if len(tags) == 1:
            labels.append(_clip(text, width))
        else:
            tag = tags[chapter]
            labels.append(f"{tag}: {_clip(text, max(12, width - len(tag) - 2))}")
    return labels


def chapter_tags(chapters: Sequence[str]) -> dict[str, str]:
    """The shortest hyphen-separated prefix of each chapter id that no other id shares."""
    parts = {chapter: chapter.split("-") for chapter in chapters}
    tags = {}
    for chapter, words in parts.items():
        for k in range(1, len(words) + 1):
            tag = "-".join(words[:k])
            if not any(other != chapter and "-".join(w[:k]) == tag for other, w in parts.items()):
                break
        tags[chapter] = tag
    return tags


def section_tone_figure(corpus: Corpus, *, top: int = 8, min_n: int = 3) -> Figure | None:
    """Heatmap of mean tone per leader and section (tone table, all voices).

    Args:
        corpus: The corpus (needs ``tone``).
        top: Number of leaders (most mentioned).
        min_n: Cells with fewer scored mentions are left blank.

    Returns:
        The figure, or None when the tone table is absent or has no section rows.
    """
    import numpy as np

    if not corpus.has("tone"):
        return None
    tone = corpus["tone"]
    rows = tone[(tone["level"] == "section") & (tone["voices"] == "all")]
    ids = [leader for leader in corpus.top_leaders(top) if leader in set(rows["leader"])]
    rows = rows[rows["leader"].isin(ids)]
    if rows.empty:
        return None
    rows = rows.assign(
        section=rows["section"].fillna(NO_SECTION).astype(str), chapter=rows["chapter"].astype(str)
    )
    sections = _section_order(_text_order(corpus, rows))
    if len(sections) > 40:
        return None
    position = {key: i for i, key in enumerate(sections)}
    matrix = np.full((len(ids), len(sections)), np.nan)
    counts = np.zeros((len(ids), len(sections)), dtype=int)
    for leader, chapter, section, n, mean in zip(
        rows["leader"], rows["chapter"], rows["section"], rows["n"], rows["mean"], strict=True
    ):
        i, j = ids.index(leader), position[(chapter, section)]
        counts[i, j] = int(n)
        if int(n) >= min_n:
            matrix[i, j] = float(mean)
    plt = _pyplot()
    width = min(TEXT_WIDTH_IN, 2.4 + 0.42 * len(sections))
    fig, ax = plt.subplots(figsize=(width, 1.8 + 0.3 * len(ids)), layout="constrained")
    cmap = plt.get_cmap("RdBu").with_extremes(bad="#f3f3f3")
    limit = max(0.2, float(np.nanmax(np.abs(matrix))) if np.isfinite(matrix).any() else 0.2)
    image = ax.imshow(
        np.ma.masked_invalid(matrix), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto"
    )
    for i in range(len(ids)):
        for j in range(len(sections)):
            if counts[i, j]:
                dark = np.isfinite(matrix[i, j]) and abs(matrix[i, j]) > 0.55 * limit
                colour = "white" if dark else "#222222"
                ax.text(
                    j, i, str(counts[i, j]), ha="center", va="center", fontsize=6.5, color=colour
                )
    names = corpus.display_names()
    colours = leader_colours(corpus)
    ax.set_yticks(range(len(ids)), [names.get(i, i) for i in ids], fontsize=8)
    for label, leader in zip(ax.get_yticklabels(), ids, strict=True):
        label.set_color(colours.get(leader, "#222222"))
    ax.set_xticks(
        range(len(sections)),
        section_labels(sections),
        rotation=40,
        ha="right",
        fontsize=7,
    )
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.01)
    bar.set_label("Mean tone", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig


def _text_order(corpus: Corpus, rows: pd.DataFrame) -> pd.DataFrame:
    """Sort rows with chapter/section columns in text order (first sentence of each section)."""
    source = corpus["sentences"] if corpus.has("sentences") else corpus["mentions"]
    first = (
        source.assign(
            section=source["section"].fillna(NO_SECTION).astype(str),
            chapter=source["chapter"].astype(str),
        )
        .groupby(["chapter", "section"])["sentence_id"]
        .min()
        .rename("_first")
    )
    out = rows.join(first, on=["chapter", "section"])
    return out.sort_values(["chapter", "_first", "section"], na_position="last").drop(
        columns="_first"
    )


def _highlight(sentence: str, start: int, end: int, *, width: int = 260) -> str:
    """Escape a sentence for Markdown, bold the leader's span and clip it around the span."""
    sentence = " ".join(sentence.split()) if "\n" in sentence else sentence
    start, end = max(0, min(start, len(sentence))), max(0, min(end, len(sentence)))
    before, target, after = sentence[:start], sentence[start:end], sentence[end:]
    room = max(40, width - len(target))
    if len(before) + len(after) > room:
        keep_before = min(len(before), room // 2)
        keep_after = min(len(after), room - keep_before)
        keep_before = min(len(before), room - keep_after)
        if keep_before < len(before):
            before = "…" + before[len(before) - keep_before :]
        if keep_after < len(after):
            after = after[:keep_after] + "…"
    parts = [
        md_escape(before),
        f"**{md_escape(target)}**" if target.strip() else "",
        md_escape(after),
    ]
    spaced = [
        parts[0] + (" " if before.endswith(" ") else ""),
        parts[1],
        (" " if after.startswith(" ") else "") + parts[2],
    ]
    return "".join(spaced)


def _page_cell(page: Any) -> str:
    """Cite a printed page ("p. 273"; "p. ?" when unknown)."""
    return "p. ?" if _is_missing(page) else f"p. {int(page)}"


def _chapter_note(chapter: str, *, many: bool) -> str:
    """Name a passage's chapter after it when the corpus has several (empty otherwise).

    The chapter goes under the passage, not into the narrow page column, where a long file
    name would break into one syllable per line.
    """
    return f" *({md_escape(chapter)})*" if many else ""


def evidence_table(
    corpus: Corpus, *, polarity: Literal["negative", "positive"], top: int = 6, per: int = 1
) -> pd.DataFrame:
    """The strongest passages of one polarity for the most mentioned leaders.

    Args:
        corpus: The corpus (needs ``evidence``).
        polarity: ``negative`` or ``positive``.
        top: Number of leaders.
        per: Passages per leader (rank 1 first).

    Returns:
        A display frame with the leader in bold inside the sentence and the page cited
        (empty without the evidence table).
    """
    if not corpus.has("evidence"):
        return pd.DataFrame()
    evidence = corpus["evidence"]
    ids = corpus.top_leaders(top)
    rows = evidence[
        (evidence["polarity"] == polarity)
        & evidence["leader"].isin(ids)
        & (evidence["rank"] <= per)
    ]
    if rows.empty:
        return pd.DataFrame()
    rank = {leader: i for i, leader in enumerate(ids)}
    rows = rows.assign(_order=rows["leader"].map(rank)).sort_values(["_order", "rank"])
    names = corpus.display_names()
    many = corpus["chapters"]["chapter"].nunique() > 1

    def voice(row: Any) -> str:
        kind = {"quotation": "quoted", "reported": "reported"}.get(row.voice)
        if kind is None:
            return "narration" if row.voice == "narration" else "–"
        speaker = "" if _is_missing(row.speaker) else names.get(row.speaker, row.speaker)
        return kind + (f" ({md_escape(speaker)})" if speaker else "")

    return pd.DataFrame(
        {
            "Leader": [md_escape(names.get(r.leader, r.leader)) for r in rows.itertuples()],
            "Passage": [
                _highlight(str(r.sentence), int(r.target_start), int(r.target_end))
                + _chapter_note(r.chapter, many=many)
                for r in rows.itertuples()
            ],
            "Tone": [fmt_number(r.score, signed=True) for r in rows.itertuples()],
            "Page": [_page_cell(r.page) for r in rows.itertuples()],
            "Voice": [voice(r) for r in rows.itertuples()],
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Relationships
# --------------------------------------------------------------------------------------


def pair_sides_table(corpus: Corpus, *, scope: str = "paragraph", top: int = 12) -> pd.DataFrame:
    """Top pairs with the tone of each side in their shared units (tone_a / tone_b).

    Args:
        corpus: The corpus.
        scope: Co-occurrence scope.
        top: Number of pairs.

    Returns:
        A display frame (empty when no pair co-occurs).
    """
    rows = pooled_pairs(corpus, scope=scope).head(top)
    if rows.empty:
        return pd.DataFrame()
    names = corpus.display_names()

    def side(tone: Any, n: Any) -> str:
        return "–" if _is_missing(tone) else f"{fmt_number(tone, signed=True)} (n={fmt_int(n)})"

    return pd.DataFrame(
        {
            "Pair (A & B)": [
                md_escape(f"{names.get(a, a)} & {names.get(b, b)}")
                for a, b in zip(rows["leader_a"], rows["leader_b"], strict=True)
            ],
            "Shared tone": rows["tone"].map(lambda v: fmt_number(v, signed=True)),
            "Tone toward A": [
                side(t, n) for t, n in zip(rows["tone_a"], rows["n_tone_a"], strict=True)
            ],
            "Tone toward B": [
                side(t, n) for t, n in zip(rows["tone_b"], rows["n_tone_b"], strict=True)
            ],
        }
    )


def pair_sections_figure(
    corpus: Corpus, pair: tuple[str, str], *, scope: str = "paragraph"
) -> Figure | None:
    """Units shared and tone of a pair in each section (cooccurrence_sections).

    Args:
        corpus: The corpus (needs ``cooccurrence_sections``).
        pair: ``(leader_a, leader_b)``, a < b.
        scope: Co-occurrence scope.

    Returns:
        The figure, or None when the table is absent or the pair shares no section unit.
    """
    import numpy as np

    if not corpus.has("cooccurrence_sections"):
        return None
    table = corpus["cooccurrence_sections"]
    rows = table[
        (table["scope"] == scope)
        & (table["leader_a"] == pair[0])
        & (table["leader_b"] == pair[1])
        & (table["n_ab"] > 0)
    ]
    if rows.empty:
        return None
    rows = rows.assign(
        chapter=rows["chapter"].astype(str), section=rows["section"].fillna(NO_SECTION).astype(str)
    )
    rows = rows.sort_values(["chapter", "section_id"])
    if len(rows) > 40:
        rows = rows.sort_values(["n_ab", "chapter", "section_id"], ascending=[False, True, True])
        rows = rows.head(40).sort_values(["chapter", "section_id"])
    labels = section_labels(list(zip(rows["chapter"], rows["section"], strict=True)))
    xs = np.arange(len(rows))
    names = corpus.display_names()
    colours = leader_colours(corpus)
    plt = _pyplot()
    width = min(TEXT_WIDTH_IN, 3.0 + 0.45 * len(rows))
    fig, (top_ax, ax) = plt.subplots(
        2, 1, figsize=(width, 4.0), sharex=True, height_ratios=(1, 2.2), layout="constrained"
    )
    top_ax.bar(xs, rows["n_ab"].astype(int), color="#9aa7b8", width=0.6)
    top_ax.set_ylabel(f"{scope.capitalize()}s\nshared", fontsize=8)
    top_ax.tick_params(labelsize=7)
    top_ax.yaxis.get_major_locator().set_params(integer=True)
    ax.axhline(0, color="#444444", linewidth=0.8)
    for leader, column, marker in ((pair[0], "tone_a", "o"), (pair[1], "tone_b", "s")):
        values = rows[column].astype(float).to_numpy()
        ax.plot(
            xs,
            values,
            marker=marker,
            color=colours.get(leader, "#333333"),
            linewidth=1.4,
            markersize=5,
            label=f"tone toward {names.get(leader, leader)}",
        )
    ax.plot(
        xs,
        rows["tone"].astype(float).to_numpy(),
        color="#555555",
        linestyle=":",
        linewidth=1.2,
        label="tone of the shared units",
    )
    ax.set_ylabel("Mean tone", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_xticks(xs, labels, rotation=40, ha="right", fontsize=7)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    return fig


def action_pairs_table(corpus: Corpus, *, top: int = 10) -> pd.DataFrame:
    """The directed pairs with the most actions (who acts on whom), with verbs and pages.

    Args:
        corpus: The corpus (needs ``action_pairs``).
        top: Number of pairs.

    Returns:
        A display frame (Actor, Target, Actions, Verbs, First seen); empty without the table
        or without actions.
    """
    if not corpus.has("action_pairs") or corpus["action_pairs"].empty:
        return pd.DataFrame()
    rows = corpus["action_pairs"].sort_values("rank").head(top)
    names = corpus.display_names()
    many = corpus["chapters"]["chapter"].nunique() > 1

    def actions(row: Any) -> str:
        negated = f" ({int(row.n_negated)} negated)" if int(row.n_negated) else ""
        return f"{int(row.n)}{negated}"

    def first(row: Any) -> str:
        page = "p. ?" if _is_missing(row.first_page) else f"p. {int(row.first_page)}"
        return f"{md_escape(row.first_chapter)}, {page}" if many else page

    return pd.DataFrame(
        {
            "Actor": [md_escape(names.get(r.actor, r.actor)) for r in rows.itertuples()],
            "Target": [md_escape(names.get(r.target, r.target)) for r in rows.itertuples()],
            "Actions": [actions(r) for r in rows.itertuples()],
            "Verbs (count)": [md_escape(r.verbs) for r in rows.itertuples()],
            "First seen": [first(r) for r in rows.itertuples()],
        }
    ).reset_index(drop=True)


def action_examples_table(corpus: Corpus, *, n: int = 5) -> pd.DataFrame:
    """Example sentences of the most frequent directed pairs, verb in bold, with pages.

    One example per pair in rank order (the pair's most confident action, then the first
    in the text), so the historian can check the extraction against the book.

    Args:
        corpus: The corpus (needs ``actions`` and ``action_pairs``).
        n: Number of examples.

    Returns:
        A display frame (Who → whom, Passage, Page); empty without actions.
    """
    if not (corpus.has("actions") and corpus.has("action_pairs")) or corpus["actions"].empty:
        return pd.DataFrame()
    actions = corpus["actions"]
    pairs = corpus["action_pairs"].sort_values("rank").head(n)
    names = corpus.display_names()
    many = corpus["chapters"]["chapter"].nunique() > 1
    rows = []
    for pair in pairs.itertuples():
        chosen = actions[(actions["actor"] == pair.actor) & (actions["target"] == pair.target)]
        if chosen.empty:
            continue
        best = chosen.sort_values(
            ["confidence", "chapter", "sentence_id", "start"],
            ascending=[False, True, True, True],
            kind="mergesort",
        ).iloc[0]
        offset = int(best["start"]) - int(best["sentence_start"])
        verb = ("not " if bool(best["negated"]) else "") + str(best["verb"])
        actor, target = names.get(pair.actor, pair.actor), names.get(pair.target, pair.target)
        rows.append(
            {
                "Who → whom": f"{md_escape(actor)} → {md_escape(target)} ({md_escape(verb)})",
                "Passage": _highlight(
                    str(best["sentence"]), offset, offset + int(best["end"] - best["start"])
                )
                + _chapter_note(best["chapter"], many=many),
                "Page": _page_cell(best["page"]),
            }
        )
    return pd.DataFrame(rows, columns=["Who → whom", "Passage", "Page"])


def accuracy_value(figures: Sequence[Mapping[str, Any]], component: str) -> str | None:
    """Return the measured value of one component of ``reports/accuracy.yaml``.

    Args:
        figures: From :func:`load_accuracy`.
        component: The component's name as written in the file.

    Returns:
        Its ``value`` as text, or None when the file does not list it.
    """
    for figure in figures:
        if figure.get("component") == component:
            return str(figure.get("value"))
    return None


def _pooled(table: pd.DataFrame) -> pd.DataFrame:
    """The rows pooled over all chapters, or every row when the table has none."""
    pooled = table[table["chapter"] == POOLED]
    return pooled if not pooled.empty else table


def scope_table(corpus: Corpus) -> pd.DataFrame:
    """How much the pair ranking depends on the unit: Spearman between scopes (pooled rows).

    Args:
        corpus: The corpus (needs ``scope_correlation``).

    Returns:
        A display frame (empty without the table).
    """
    if not corpus.has("scope_correlation"):
        return pd.DataFrame()
    rows = _pooled(corpus["scope_correlation"]).sort_values(["measure", "scope_a", "scope_b"])
    return pd.DataFrame(
        {
            "Measure": rows["measure"].map(md_escape),
            "Scopes": [
                f"{a} vs {b}" for a, b in zip(rows["scope_a"], rows["scope_b"], strict=True)
            ],
            "Pairs": rows["n_pairs"].map(fmt_int),
            "In both": rows["n_common"].map(fmt_int),
            "Spearman": rows["spearman"].map(lambda v: fmt_number(v, signed=True)),
        }
    ).reset_index(drop=True)


def collocates_table(corpus: Corpus, *, top: int = 8, per: int = 8) -> pd.DataFrame:
    """The words most characteristic of each leader's contexts (pooled collocates).

    Args:
        corpus: The corpus (needs ``collocates``).
        top: Number of leaders.
        per: Words per leader, in G2 order.

    Returns:
        A display frame (empty without the table).
    """
    if not corpus.has("collocates"):
        return pd.DataFrame()
    table = _pooled(corpus["collocates"])
    names = corpus.display_names()
    rows = []
    for leader in corpus.top_leaders(top):
        own = table[table["leader"] == leader].sort_values("rank").head(per)
        if own.empty:
            continue
        rows.append(
            {
                "Leader": md_escape(names.get(leader, leader)),
                "Characteristic words (G², strongest first)": ", ".join(
                    f"{md_escape(lemma)} ({n})"
                    for lemma, n in zip(own["lemma"], own["n_near"], strict=True)
                ),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Chapters compared
# --------------------------------------------------------------------------------------


def chapter_mentions_figure(corpus: Corpus, *, top: int = 10) -> Figure | None:
    """Heatmap of mentions per chapter (rows) and leader (columns); readable for 40+ chapters.

    Args:
        corpus: The corpus.
        top: Number of leaders.

    Returns:
        The figure, or None with fewer than two chapters or no mention.
    """
    import numpy as np

    chapters = sorted(corpus["chapters"]["chapter"].astype(str))
    mentions = corpus["mentions"]
    ids = corpus.top_leaders(top)
    if len(chapters) < 2 or mentions.empty or not ids:
        return None
    counts = (
        mentions[mentions["leader"].isin(ids)]
        .groupby(["chapter", "leader"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=chapters, columns=ids, fill_value=0)
    )
    return _chapter_heatmap(
        corpus,
        counts.to_numpy(dtype=float),
        chapters,
        ids,
        cmap="Blues",
        label="Mentions",
        annotate=[[str(int(v)) if v else "" for v in row] for row in counts.to_numpy()],
        vmin=0,
        vmax=float(np.max(counts.to_numpy())) or 1.0,
    )


def chapter_tone_figure(corpus: Corpus, *, top: int = 10, min_n: int = 3) -> Figure | None:
    """Heatmap of mean tone per chapter and leader (tone table, chapter level, all voices).

    Args:
        corpus: The corpus (needs ``tone``).
        top: Number of leaders.
        min_n: Cells with fewer scored mentions are left blank.

    Returns:
        The figure, or None with fewer than two chapters or without the tone table.
    """
    import numpy as np

    chapters = sorted(corpus["chapters"]["chapter"].astype(str))
    if len(chapters) < 2 or not corpus.has("tone"):
        return None
    tone = corpus["tone"]
    rows = tone[(tone["level"] == "chapter") & (tone["voices"] == "all")]
    ids = corpus.top_leaders(top)
    rows = rows[rows["leader"].isin(ids) & (rows["n"] >= min_n)]
    if rows.empty:
        return None
    matrix = (
        rows.pivot(index="chapter", columns="leader", values="mean")
        .reindex(index=chapters, columns=ids)
        .to_numpy(dtype=float)
    )
    limit = max(0.2, float(np.nanmax(np.abs(matrix))))
    annotate = [
        ["" if np.isnan(v) else f"{v:+.2f}".replace("-", "−") for v in row] for row in matrix
    ]
    return _chapter_heatmap(
        corpus,
        matrix,
        chapters,
        ids,
        cmap="RdBu",
        label="Mean tone",
        annotate=annotate,
        vmin=-limit,
        vmax=limit,
    )


def _chapter_heatmap(
    corpus: Corpus,
    matrix: Any,
    chapters: list[str],
    ids: list[str],
    *,
    cmap: str,
    label: str,
    annotate: list[list[str]],
    vmin: float,
    vmax: float,
) -> Figure:
    """Draw a chapters x leaders heatmap whose height grows with the number of chapters."""
    import numpy as np

    plt = _pyplot()
    row_in = 0.24 if len(chapters) <= 20 else 0.18
    height = min(9.0, 1.6 + row_in * len(chapters))
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN - 0.2, height), layout="constrained")
    colormap = plt.get_cmap(cmap).with_extremes(bad="#f3f3f3")
    image = ax.imshow(
        np.ma.masked_invalid(matrix),
        cmap=colormap,
        vmin=vmin,
        vmax=vmax,
        aspect="auto",
        interpolation="nearest",
    )
    font = 6.5 if len(chapters) <= 20 else 5.5
    if len(chapters) <= 60:
        for i, row in enumerate(annotate):
            for j, text in enumerate(row):
                if text:
                    level = (float(matrix[i][j]) - vmin) / ((vmax - vmin) or 1.0)
                    dark = abs(level - 0.5) > 0.3 if cmap == "RdBu" else level > 0.6
                    colour = "white" if dark else "#222222"
                    ax.text(j, i, text, ha="center", va="center", fontsize=font, color=colour)
    names = corpus.display_names()
    colours = leader_colours(corpus)
    ax.set_xticks(
        range(len(ids)), [names.get(i, i) for i in ids], rotation=35, ha="right", fontsize=7.5
    )
    for tick, leader in zip(ax.get_xticklabels(), ids, strict=True):
        tick.set_color(colours.get(leader, "#222222"))
    ax.set_yticks(
        range(len(chapters)),
        [_clip(c, 34) for c in chapters],
        fontsize=7 if len(chapters) <= 20 else 5.5,
    )
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    plt.setp(ax.get_xticklabels(), rotation=35, ha="left")
    bar = fig.colorbar(image, ax=ax, fraction=0.035, pad=0.01)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig


# --------------------------------------------------------------------------------------
# Methods and reproducibility
# --------------------------------------------------------------------------------------


def accuracy_path_from_env() -> Path | None:
    """Return the accuracy figures file named by ``LEADERLENS_ACCURACY`` (None when unset)."""
    value = os.environ.get(ACCURACY_ENV)
    return Path(value) if value else None


def load_accuracy(path: Path | None) -> list[dict[str, Any]]:
    """Read the measured accuracy figures (``reports/accuracy.yaml``).

    Args:
        path: The YAML file: ``figures:`` a list of mappings with ``component``,
            ``measure``, ``value``, ``data`` and optional ``note``; None for no file.

    Returns:
        The figures (empty, with a warning, when the file is absent or malformed).
    """
    if path is None or not Path(path).is_file():
        log.warning("accuracy figures %s not found: the methods section leaves them out", path)
        return []
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        log.warning("%s is not valid YAML (%s): accuracy figures left out", path, error)
        return []
    figures = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(figures, list):
        log.warning("%s has no `figures:` list: accuracy figures left out", path)
        return []
    return [f for f in figures if isinstance(f, dict) and "component" in f and "value" in f]


def accuracy_table(figures: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Display frame of the accuracy figures.

    Args:
        figures: From :func:`load_accuracy`.

    Returns:
        Columns Component, Measure, Value, Data.
    """
    return pd.DataFrame(
        {
            "Component": [md_escape(f.get("component")) for f in figures],
            "Measure": [md_escape(f.get("measure", "")) for f in figures],
            "Value": [md_escape(f.get("value")) for f in figures],
            "Measured on": [md_escape(f.get("data", "")) for f in figures],
        }
    )


def config_hash(run: Mapping[str, Any]) -> str | None:
    """SHA-256 of the run's configuration as canonical JSON (``run.json``'s own hash if given).

    Args:
        run: The parsed ``run.json``.

    Returns:
        The hex digest, or None when the run records no configuration.
    """
    import hashlib

    recorded = run.get("config_sha256") or run.get("config_hash")
    if recorded:
        return str(recorded)
    config = run.get("config")
    if not config:
        return None
    canonical = json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def inputs_table(run: Mapping[str, Any]) -> pd.DataFrame:
    """The input files and their SHA-256 as recorded in ``run.json`` (``inputs``).

    Args:
        run: The parsed ``run.json``; ``inputs`` may map chapter -> sha256 (or -> a mapping
            with ``sha256``/``path``/``bytes``) or be a list of such mappings.

    Returns:
        A display frame (empty when the run records no inputs).
    """
    inputs = run.get("inputs")
    rows: list[dict[str, Any]] = []
    if isinstance(inputs, dict):
        for key in sorted(inputs):
            value = inputs[key]
            rows.append(
                value | {"chapter": key}
                if isinstance(value, dict)
                else {"chapter": key, "sha256": value}
            )
    elif isinstance(inputs, list):
        rows = [item for item in inputs if isinstance(item, dict)]
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "Input": [
                md_escape(r.get("path") or r.get("file") or r.get("chapter") or "?") for r in rows
            ],
            "SHA-256": [f"`{str(r.get('sha256', '–'))}`" for r in rows],
        }
    )


def provenance_facts(run: Mapping[str, Any], *, rendered: str) -> list[tuple[str, str]]:
    """Name/value facts about the run for the reproducibility section.

    Args:
        run: The parsed ``run.json``.
        rendered: The render date (``YYYY-MM-DD``).

    Returns:
        ``(name, value)`` pairs; unknown values are left out.
    """
    facts = [
        ("Report rendered", rendered),
        ("leaderlens", run.get("leaderlens_version")),
        ("spaCy", run.get("spacy_version")),
        (
            "spaCy model",
            " ".join(str(v) for v in (run.get("model"), run.get("model_version")) if v),
        ),
        ("Python", run.get("python_version")),
        ("Configuration SHA-256", config_hash(run)),
    ]
    packages = run.get("packages")
    if isinstance(packages, dict):
        facts += [(str(name), str(version)) for name, version in sorted(packages.items())]
    return [(name, str(value)) for name, value in facts if value]


def render_date(*, env: Mapping[str, str] = os.environ) -> str:
    """The render date as ``YYYY-MM-DD`` (UTC; ``SOURCE_DATE_EPOCH`` when set, for rebuilds).

    Args:
        env: Environment.

    Returns:
        The date.
    """
    import datetime as dt

    epoch = env.get("SOURCE_DATE_EPOCH", "")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        if epoch.isdigit()
        else dt.datetime.now(tz=dt.UTC)
    )
    return moment.strftime("%Y-%m-%d")


def package_versions(names: Sequence[str]) -> list[tuple[str, str]]:
    """Installed versions of the packages that draw the report (the render environment).

    Args:
        names: Distribution names.

    Returns:
        ``(name, version)`` for those installed.
    """
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in names:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            continue
    return out
