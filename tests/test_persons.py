"""Tests for clustering every PERSON entity of the corpus into people."""

from __future__ import annotations

import logging

import pandas as pd

from leaderlens.persons import build_persons, cluster_names, name_words
from leaderlens.roster import Leader
from leaderlens.tables import ENTITIES, MENTIONS, PERSONS, empty_frame, to_arrow

ROSTER = [
    Leader("lenin", "Vladimir Lenin", "male", ("Lenin",), titles=("the Chairman of Sovnarkom",)),
    Leader("maria_ulyanova", "Maria Ulyanova", "female", ("Mariya Ulyanova",)),
]


def entities(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """Build ENTITIES rows from (chapter, surface, label, person) tuples."""
    frame = pd.DataFrame(
        [
            {"chapter": chapter, "entity_id": i, "surface": surface, "label": label,
             "person": person, "start": 0, "end": 1, "raw_start": 0, "raw_end": 1,
             "sentence_id": 0, "paragraph_id": 0, "page": None, "section": None}
            for i, (chapter, surface, label, person) in enumerate(rows)
        ],
        columns=ENTITIES.columns,
    )  # fmt: skip
    frame["person"] = frame["person"].astype("string")
    return frame


def mentions(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """Build MENTIONS rows from (chapter, leader, surface, kind) tuples."""
    return pd.DataFrame(
        [
            {"chapter": chapter, "mention_id": i, "leader": leader, "surface": surface,
             "kind": kind, "start": 0, "end": 1, "raw_start": 0, "raw_end": 1,
             "sentence_id": 0, "paragraph_id": 0, "page": None, "section": None,
             "confidence": 1.0}
            for i, (chapter, leader, surface, kind) in enumerate(rows)
        ],
        columns=MENTIONS.columns,
    )  # fmt: skip


def test_name_words_drop_possessive_initials_honorifics_and_openers():
    assert name_words("Comrade N. Ustryalov's") == ("Ustryalov",)
    assert name_words("Evidently Lenin") == ("Lenin",)
    assert name_words("Lidiya\nFotieva") == ("Lidiya", "Fotieva")


def test_one_word_names_join_the_single_cluster_they_fit():
    clusters = cluster_names(
        [
            (("Lidiya", "Fotieva"), "fotieva"),
            (("Fotieva",), "fotieva"),
            (("Lidiya",), "lidiya"),
            (("Mariya", "Glyasser"), "glyasser"),
            (("Mariya", "Volodicheva"), "volodicheva"),
            (("Mariya",), "mariya"),
            (("Osipov",), "osipov"),
        ]
    )
    assert clusters[("Lidiya",)] == "fotieva"
    assert clusters[("Fotieva",)] == "fotieva"
    assert clusters[("Mariya",)] == "mariya"  # two Mariyas: ambiguous, stays apart
    assert clusters[("Osipov",)] == "osipov"


def test_build_persons_counts_clusters_and_suggests():
    ents = entities(
        [
            ("c1", "Lenin", "PERSON", "lenin"),
            ("c1", "Mariya Ulyanova", "PERSON", "maria_ulyanova"),
            ("c1", "Mariya", "PERSON", "maria_ulyanova"),
            ("c1", "Lidiya Fotieva", "PERSON", "fotieva"),
            ("c2", "Fotieva's", "PERSON", "fotieva"),
            ("c2", "Lidiya", "PERSON", "lidiya"),
            ("c2", "Osipov", "PERSON", "osipov"),
            ("c2", "Sovnarkom", "PERSON", "sovnarkom"),
            ("c2", "Sovnarkom", "PERSON", "sovnarkom"),
            ("c2", "Sovnarkom", "PERSON", "sovnarkom"),
            ("c2", "Pravda", "PERSON", "pravda"),
            ("c2", "Pravda", "ORG", None),
            ("c2", "Pravda", "ORG", None),
            ("c2", "Pravda", "PERSON", "pravda"),
            ("c2", "Pravda", "PERSON", "pravda"),
        ]
    )
    ments = mentions(
        [
            ("c1", "lenin", "Lenin", "name"),
            ("c2", "lenin", "Ilich", "name"),
            ("c2", "lenin", "he", "pronoun"),
            ("c1", "maria_ulyanova", "Mariya Ulyanova", "name"),
            ("c1", "maria_ulyanova", "Mariya", "name"),
        ]
    )
    frame = build_persons(ments, ents, ROSTER, min_mentions=3)
    assert list(frame.columns) == PERSONS.columns
    to_arrow(frame, PERSONS)  # types fit the contract
    rows = frame.set_index("person")
    assert rows.loc["lenin", "n_mentions"] == 2 and rows.loc["lenin", "n_chapters"] == 2
    assert rows.loc["lenin", "names"] == "Ilich; Lenin"
    assert rows.loc["maria_ulyanova", "names"] == "Mariya; Mariya Ulyanova"
    assert rows.loc["fotieva", "n_mentions"] == 3
    assert rows.loc["fotieva", "display_name"] == "Lidiya Fotieva"
    assert rows.loc["fotieva", "names"] == "Fotieva; Lidiya; Lidiya Fotieva"
    assert "lidiya" not in rows.index
    assert rows["suggested"].to_dict() == {
        "fotieva": True,
        "lenin": False,
        "maria_ulyanova": False,
        "osipov": False,
        "pravda": True,
        "sovnarkom": False,
    }
    assert pd.isna(rows.loc["fotieva", "leader"]) and rows.loc["lenin", "leader"] == "lenin"


def test_names_mostly_tagged_otherwise_are_not_suggested():
    ents = entities([("c1", "Pravda", "PERSON", "pravda")] + [("c1", "Pravda", "ORG", None)] * 3)
    frame = build_persons(empty_frame(MENTIONS), ents, ROSTER, min_mentions=1)
    assert frame["suggested"].tolist() == [False]


def test_no_persons_gives_empty_table(caplog):
    with caplog.at_level(logging.WARNING):
        frame = build_persons(empty_frame(MENTIONS), empty_frame(ENTITIES), ROSTER)
    assert frame.empty and list(frame.columns) == PERSONS.columns
    assert "no persons" in caplog.text
