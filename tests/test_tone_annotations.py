"""The project's own tone annotations (training data of the ``model`` method) are well formed.

They must never contain a sentence of the dev data, which stay a held-out test; that check
runs where the dev data are (``../shared/dev`` beside the repository).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

FOLDER = Path(__file__).resolve().parents[1] / "benchmarks" / "tone_annotations"
DEV = Path(__file__).resolve().parents[2] / "shared" / "dev"
DEV_FILES = (
    DEV / "sentiment_dev.tsv",
    DEV / "newsmtsc" / "dev_rw.tsv",
    DEV / "newsmtsc" / "dev_mt.tsv",
)
TRAINING_FILES = ("seed_targets.tsv", "synthetic_targets.tsv")


def read(name: str) -> pd.DataFrame:
    """One annotation file, every field as text."""
    return pd.read_csv(FOLDER / name, sep="\t", dtype=str, keep_default_na=False)


def letters(text: str) -> str:
    """Lower-case letters only: the same sentence through other cleaning compares equal."""
    return re.sub(r"[^a-z]", "", text.lower())


def shares_opening(sentence: str, others: list[str]) -> bool:
    """Whether the first 50 letters of the sentence or of one of ``others`` (letters only)
    occur in the other: the same sentence, even cut or cleaned differently."""
    own = letters(sentence)
    return any(own[:50] in other or other[:50] in own for other in others)


@pytest.mark.parametrize("name", TRAINING_FILES)
def test_every_row_names_its_target_and_has_a_label(name: str) -> None:
    rows = read(name)
    assert rows["id"].is_unique
    assert set(rows["label"]) == {"-1", "0", "1"}
    for sentence, start, end, target in zip(
        rows["sentence"], rows["target_start"], rows["target_end"], rows["target"], strict=True
    ):
        assert sentence[int(start) : int(end)] == target
    polar = rows[rows["label"] != "0"]
    assert (polar["reason"].str.len() > 0).all()  # every polar label says what carries it


def test_second_annotation_covers_rows_of_the_first() -> None:
    first = read("seed_targets.tsv")
    second = read("second_annotation.tsv")
    assert set(second["id"]) <= set(first["id"])
    assert set(second["label"]) <= {"-1", "0", "1"}


def test_invented_sentences_are_not_sentences_of_the_book() -> None:
    book = [letters(s) for s in read("seed_targets.tsv")["sentence"]]
    for sentence in read("synthetic_targets.tsv")["sentence"]:
        assert not shares_opening(sentence, book), sentence


@pytest.mark.skipif(not DEV.is_dir(), reason="the dev data are not beside the repository")
@pytest.mark.parametrize("name", TRAINING_FILES)
def test_no_sentence_of_the_dev_data_is_annotated(name: str) -> None:
    dev = [letters(s) for path in DEV_FILES for s in pd.read_csv(path, sep="\t")["sentence"]]
    for sentence in read(name)["sentence"]:
        assert not shares_opening(sentence, dev), sentence
