from leaderlens.roster import load_roster
from leaderlens.workflow import CHAPTER_PATTERN, discover_chapters

# A broken roster stops the run here, with a message naming the file, not inside a job.
load_roster(config["roster"])

# Every data/raw/<chapter>.txt is a chapter (sorted; invalid names stop the run with a message).
CHAPTERS = discover_chapters("data/raw")


wildcard_constraints:
    chapter=CHAPTER_PATTERN,


def chapter_tables(name):
    """Return data/processed/<chapter>/<name> for every chapter, in chapter order."""
    return [f"data/processed/{chapter}/{name}" for chapter in CHAPTERS]


def raw_chapters():
    """Return data/raw/<chapter>.txt for every chapter, in chapter order."""
    return [f"data/raw/{chapter}.txt" for chapter in CHAPTERS]
