"""Glue between Snakemake and the package: chapter discovery, per-job logging, provenance and
the digest of the code each rule runs."""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from leaderlens import __version__

CHAPTER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*"
"""Valid chapter names: ASCII letters, digits, dot, underscore, hyphen; no spaces."""

RESERVED_CHAPTERS = frozenset({"corpus"})
"""Names used for outputs other than chapters."""


CHAPTER_SCHEMA = (
    Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "chapter.schema.yaml"
)
"""The schema of the optional ``data/raw/<chapter>.yaml`` metadata."""


def discover_chapters(raw_dir: str | Path) -> list[str]:
    """List the chapters in the raw folder: one per ``<chapter>.txt``, in reading order.

    Chapters whose metadata file gives a ``number`` come first, by number; the others
    follow by file name.

    Args:
        raw_dir: The folder of input chapters (``data/raw``).

    Returns:
        Chapter names (file names without ``.txt``).

    Raises:
        ValueError: If a file name is not a valid chapter name, or no chapter is found.
    """
    folder = Path(raw_dir)
    names = sorted(path.stem for path in folder.glob("*.txt"))
    for name in names:
        if not re.fullmatch(CHAPTER_PATTERN, name) or name in RESERVED_CHAPTERS:
            raise ValueError(
                f"{folder / (name + '.txt')}: invalid chapter file name; rename it using only "
                "ASCII letters, digits, '.', '_' and '-' (no spaces), not 'corpus'"
            )
    if not names:
        raise ValueError(f"{folder}: no chapters found; add a plain-text chapter as <name>.txt")
    numbers = {name: chapter_metadata(folder / f"{name}.yaml").get("number") for name in names}
    return sorted(names, key=lambda name: (numbers[name] is None, numbers[name] or 0, name))


def chapter_metadata(path: str | Path, *, schema_path: str | Path = CHAPTER_SCHEMA) -> dict:
    """Read a chapter's optional metadata file; a missing file is empty metadata.

    Args:
        path: ``data/raw/<chapter>.yaml``.
        schema_path: Its schema.

    Returns:
        The metadata (keys book, author, number, title, first_page, each optional).

    Raises:
        ValueError: On a YAML error or a key the schema does not allow.
    """
    if not Path(path).is_file():
        return {}
    check_config_file(path, schema_path)
    return read_yaml(path) or {}


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning syntax errors into a message with the line and column.

    Args:
        path: The YAML file.

    Returns:
        The parsed document.

    Raises:
        ValueError: If the file cannot be read or is not valid YAML.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path}: cannot read it ({error}); check the path and save as UTF-8"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(
            f"{path}{where}: invalid YAML ({error.problem}); fix the syntax there"
        ) from None
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: invalid YAML ({error}); fix the syntax") from None


def check_config_file(path: str | Path, schema_path: str | Path) -> None:
    """Check a configuration file against its schema, with a message naming the key.

    Args:
        path: The configuration file (``config/config.yaml``).
        schema_path: Its JSON schema in YAML (``workflow/schemas/config.schema.yaml``).

    Raises:
        ValueError: On a YAML error, an unknown key or a value of the wrong type.
    """
    data = read_yaml(path)
    if data is None:
        data = {}
    schema = read_yaml(schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    error = errors[0]
    where = ".".join(str(part) for part in error.absolute_path) or "top level"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        raise ValueError(
            f"{path}: unknown key {', '.join(map(repr, unknown))} at {where}; allowed keys are "
            f"{', '.join(allowed)} (see {schema_path})"
        )
    raise ValueError(f"{path}: {where}: {error.message} (see {schema_path})")


@contextmanager
def job_logging(log_path: str | Path) -> Iterator[logging.Logger]:
    """Send logging to the rule's log file; turn a user-caused error into one line.

    Errors of type ``ValueError``/``OSError`` are the ones a user can cause (a bad file,
    a bad config): their message is written to the log and to stderr as one line and the
    job exits with status 1. Anything else is a bug and keeps its traceback.

    Args:
        log_path: The rule's ``log`` file.

    Yields:
        The ``leaderlens`` logger.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logger = logging.getLogger("leaderlens")
    try:
        yield logger
    except (ValueError, OSError) as error:
        logger.error("%s", error)
        print(f"leaderlens: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        root.removeHandler(handler)
        handler.close()


def _package_version(name: str) -> str | None:
    """Return an installed distribution's version, or None (read from metadata, no import)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def provenance(
    config: Mapping[str, Any], chapters: Sequence[str], raw_files: Sequence[str | Path]
) -> dict[str, Any]:
    """Describe a run for the report: versions, model, configuration, inputs and their hashes.

    Nothing time- or machine-dependent goes in, so the same run gives the same file.

    Args:
        config: The validated Snakemake configuration.
        chapters: The chapters processed, in order.
        raw_files: The raw chapter files, in the same order.

    Returns:
        A JSON-serialisable dict; ``config_sha256`` hashes the canonical JSON of the config.
    """
    model = str(config["model"])
    canonical = json.dumps(dict(config), sort_keys=True, default=str)
    return {
        "leaderlens_version": __version__,
        "spacy_version": _package_version("spacy"),
        "model": model,
        "model_version": _package_version(model),
        "config": json.loads(canonical),
        "config_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "chapters": list(chapters),
        "inputs": [
            {
                "chapter": chapter,
                "file": Path(path).name,
                "bytes": Path(path).stat().st_size,
                "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            }
            for chapter, path in zip(chapters, raw_files, strict=True)
        ],
    }


PACKAGE_DIR = Path(__file__).resolve().parent
"""The installed ``leaderlens`` package (the source folder in an editable install)."""


def code_digest(script: str | Path, package: str | Path = PACKAGE_DIR) -> str:
    """Digest the package code a rule's script runs, for the rule's ``code`` param.

    Snakemake reruns a job when its script or params change, but not when a module the
    script imports does. So each rule passes this digest as a param: the ``leaderlens``
    modules the script imports, directly or through each other, with the package's
    ``__init__`` and, when one of them reads package resources, every resource file (the
    tone model, the lexicon; not their Markdown notes). Changing that code reruns the rule;
    changing other modules does not.

    Args:
        script: The rule's script.
        package: The ``leaderlens`` package folder.

    Returns:
        The first 16 hex digits of a SHA-256 over the files' names and contents.
    """
    package = Path(package)
    modules: set[str] = set()
    reads_resources = False
    pending, _ = _package_imports(Path(script).read_text(encoding="utf-8"))
    while pending:
        name = pending.pop()
        path = package / f"{name}.py"
        if name in modules or not path.is_file():
            continue  # seen, or a name imported from the package root (``__version__``)
        modules.add(name)
        imports, resources = _package_imports(path.read_text(encoding="utf-8"))
        pending |= imports
        reads_resources |= resources
    files = [package / "__init__.py", *(package / f"{name}.py" for name in sorted(modules))]
    if reads_resources:
        resources = (package / "resources").rglob("*")
        files += sorted(p for p in resources if p.is_file() and p.suffix != ".md")
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _package_imports(source: str) -> tuple[set[str], bool]:
    """The ``leaderlens`` modules a source imports, and whether it imports
    ``importlib.resources`` (to read package files)."""
    modules: set[str] = set()
    resources = False
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "leaderlens" and len(parts) > 1:
                modules.add(parts[1])
            resources |= name.startswith("importlib.resources")
    return modules, resources
