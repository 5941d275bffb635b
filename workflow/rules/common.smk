from pathlib import Path

from leaderlens.clean import decode_raw, relevant_terms
from leaderlens.roster import load_roster, roster_terms
from leaderlens.workflow import CHAPTER_PATTERN, code_digest, discover_chapters

# A broken roster stops the run here, with a message naming the file, not inside a job.
ROSTER_TERMS = roster_terms(load_roster(config["roster"]))

# Every data/raw/<chapter>.txt is a chapter (sorted; invalid names stop the run with a message).
CHAPTERS = discover_chapters("data/raw")


wildcard_constraints:
    chapter=CHAPTER_PATTERN,


def stage_code(stage):
    """Return the digest of the package code scripts/<stage>.py runs (code_digest).

    Every stage passes it as its param ``code``. Snakemake reruns a job whose params
    changed, so an edit of the package reruns the stages that run the edited code, and
    only those.
    """
    return code_digest(Path(workflow.basedir) / "scripts" / f"{stage}.py")


def chapter_tables(name):
    """Return data/processed/<chapter>/<name> for every chapter, in chapter order."""
    return [f"data/processed/{chapter}/{name}" for chapter in CHAPTERS]


def raw_chapters():
    """Return data/raw/<chapter>.txt for every chapter, in chapter order."""
    return [f"data/raw/{chapter}.txt" for chapter in CHAPTERS]


def protected_terms(wildcards):
    """Return the roster terms that can affect cleaning this chapter (see relevant_terms).

    Passed as a param rather than the roster file as an input, so an edit of the roster
    reruns the cleaning (and the parse) of a chapter only when it concerns that chapter.
    An undecodable file gives no terms; the clean job then reports the file itself.
    """
    path = Path(f"data/raw/{wildcards.chapter}.txt")
    try:
        return relevant_terms(
            decode_raw(path.read_bytes(), path=str(path)), ROSTER_TERMS
        )
    except ValueError:
        return []


def chapter_metadata_file(wildcards):
    """Return the chapter's optional data/raw/<chapter>.yaml, or nothing if absent."""
    path = Path(f"data/raw/{wildcards.chapter}.yaml")
    return [str(path)] if path.is_file() else []


def parse_mem_mb(wildcards):
    """Memory for parsing one chapter: measured about 320 MB per MB of text, plus 600 MB.

    Sized from the raw chapter, which exists before any job runs (a cluster group job
    is sized before its cleaning step has written the clean text).
    """
    return int(
        600 + 350 * Path(f"data/raw/{wildcards.chapter}.txt").stat().st_size / 1e6
    )
