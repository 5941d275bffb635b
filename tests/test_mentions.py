"""Tests for leader mention finding and entity clustering, on hand-built Docs."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
import spacy
from spacy.tokens import Doc

from leaderlens.mentions import find_entities, find_mentions, name_similarity, surname_key
from leaderlens.positions import Layout
from leaderlens.roster import Leader, TitleScope
from leaderlens.tables import ENTITIES, MENTIONS

ROSTER = [
    Leader(
        "lenin",
        "Vladimir Lenin",
        "male",
        ("Lenin", "Vladimir Ilich Lenin", "Vladimir Ilich", "Ilich", "Ulyanov", "Ulianov"),
        titles=("the Old Man", "her brother"),
        homonyms=("Ulyanov", "Ulianov"),
        scopes=(TitleScope("her brother", near=("maria_ulyanova",)),),
    ),
    Leader("trotsky", "Leon Trotsky", "male", ("Trotsky", "Trotski", "Trotzky")),
    Leader(
        "stalin",
        "Joseph Stalin",
        "male",
        ("Stalin", "Koba"),
        titles=("the General Secretary", "the Georgian"),
        scopes=(
            TitleScope("the General Secretary", start="1922-04"),
            TitleScope("the Georgian", chapters=("georgia-*",)),
        ),
    ),
    Leader(
        "maria_ulyanova",
        "Maria Ulyanova",
        "female",
        ("Mariya Ulyanova", "Mariya Ilinichna"),
    ),
    Leader("krupskaya", "Nadezhda Krupskaya", "female", ("Krupskaya",)),
    Leader("sokolnikov", "Grigori Sokolnikov", "male", ("Sokolnikov",)),
    Leader("gorky", "Maksim Gorki", "male", ("Gorki", "Maksim Gorki"), homonyms=("Gorki",)),
    Leader("milyutin", "Vladimir Milyutin", "male", ("Milyutin", "Vladimir Milyutin")),
]

OFFSET = 100
"""Raw offset of the first clean character in the hand-built layouts."""


@pytest.fixture(scope="module")
def blank():
    """A blank English pipeline (tokenizer only)."""
    return spacy.blank("en")


def make_doc(nlp, text: str, ents: tuple[tuple[str, str], ...] = ()) -> Doc:
    """Tokenize ``text`` and set entities given as (surface, label), each at its first match."""
    doc = nlp(text)
    spans = []
    for surface, label in ents:
        start = text.index(surface)
        spans.append(doc.char_span(start, start + len(surface), label=label))
    doc.ents = spans
    return doc


def make_layout(text: str, *, page: int = 7) -> Layout:
    """Build a one-paragraph layout: raw offset = clean offset + OFFSET; sentences at '. '."""
    n = len(text)
    charmap = pd.DataFrame({"raw_index": [OFFSET + i for i in range(n)], "page": [page] * n})
    paragraphs = pd.DataFrame(
        {"paragraph_id": [0], "start": [0], "end": [n], "section_id": [0], "section": ["INTRO"]}
    )
    starts = [0] + [i + 2 for i in range(n) if text.startswith(". ", i)]
    ends = [*(s - 1 for s in starts[1:]), n]
    sentences = pd.DataFrame(
        {
            "sentence_id": range(len(starts)),
            "start": starts,
            "end": ends,
            "paragraph_id": 0,
            "page": page,
            "section": "INTRO",
        }
    )
    return Layout.from_frames(charmap, paragraphs, sentences)


def mentions_of(nlp, text: str, ents=(), **options) -> pd.DataFrame:
    """Run find_mentions on a hand-built Doc of ``text`` (pronouns off unless asked)."""
    doc = make_doc(nlp, text, ents)
    options.setdefault("pronouns", False)
    return find_mentions(doc, ROSTER, make_layout(text), chapter="ch", **options)


def triples(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The (leader, surface, kind) of each mention, in order."""
    return list(zip(frame["leader"], frame["surface"], frame["kind"], strict=True))


def test_columns_ids_and_positions(blank):
    text = "Trotski spoke first. Then Stalin replied to Trotski."
    frame = mentions_of(blank, text)
    assert list(frame.columns) == MENTIONS.columns
    assert frame["mention_id"].tolist() == [0, 1, 2]
    assert frame["start"].tolist() == [0, 26, 44]
    assert frame["raw_start"].tolist() == [OFFSET, OFFSET + 26, OFFSET + 44]
    assert frame["raw_end"].tolist() == [OFFSET + 7, OFFSET + 32, OFFSET + 51]
    assert frame["sentence_id"].tolist() == [0, 1, 1]
    assert frame["page"].tolist() == [7, 7, 7]
    assert frame["section"].tolist() == ["INTRO"] * 3
    assert (frame["chapter"] == "ch").all()


def test_possessive_counts_as_name(blank):
    frame = mentions_of(blank, "The draft was Trotzky's, not Stalin\u2019s.")
    assert triples(frame) == [("trotsky", "Trotzky", "name"), ("stalin", "Stalin", "name")]


def test_initials_join_the_name(blank):
    frame = mentions_of(blank, "Letters from V. I. Lenin and G. Ya. Sokolnikov came.")
    assert triples(frame) == [
        ("lenin", "V. I. Lenin", "name"),
        ("sokolnikov", "G. Ya. Sokolnikov", "name"),
    ]


def test_hyphenated_compounds_are_modifiers(blank):
    frame = mentions_of(blank, "An anti-Stalin bloc feared the Lenin-Trotski pact.")
    assert triples(frame) == [
        ("stalin", "Stalin", "modifier"),
        ("lenin", "Lenin", "modifier"),
        ("trotsky", "Trotski", "modifier"),
    ]


def test_all_caps_and_word_boundaries(blank):
    frame = mentions_of(blank, "LENIN AND TROTSKI. Leninism and Kobachidze are not Koba.")
    assert triples(frame) == [
        ("lenin", "LENIN", "name"),
        ("trotsky", "TROTSKI", "name"),
        ("stalin", "Koba", "name"),
    ]


def test_longest_match_wins(blank):
    frame = mentions_of(blank, "Vladimir Ilich Lenin rested. Vladimir Milyutin did not.")
    assert triples(frame) == [
        ("lenin", "Vladimir Ilich Lenin", "name"),
        ("milyutin", "Vladimir Milyutin", "name"),
    ]


def test_adjacent_names_merge_and_ocr_first_name_joins(blank):
    frame = mentions_of(blank, "Then Ilich Lenin wrote. Vladmir Ilich Lenin signed.")
    assert triples(frame) == [
        ("lenin", "Ilich Lenin", "name"),
        ("lenin", "Vladmir Ilich Lenin", "name"),
    ]


def test_name_split_by_one_line_break_still_matches(blank):
    frame = mentions_of(blank, "It was Vladimir\nIlich who wrote.")
    assert triples(frame) == [("lenin", "Vladimir\nIlich", "name")]


def test_gorki_the_place_is_not_the_writer(blank):
    text = (
        "He rested at Gorki. Maksim Gorki visited him. The Gorki estate was quiet. "
        "Gorki wrote back. They drove to Gorki. Letters came from Gorki. He wrote to Gorki. "
        "In Gorki's view all was well. A lane led to Gorki."
    )
    doc = blank(text)
    person = text.index("Gorki wrote")
    place = text.rindex("Gorki")
    doc.ents = [
        doc.char_span(person, person + 5, label="PERSON"),
        doc.char_span(place, place + 5, label="LOC"),
    ]
    frame = find_mentions(doc, ROSTER, make_layout(text), chapter="ch", pronouns=False)
    assert triples(frame) == [("gorky", "Maksim Gorki", "name")] + [("gorky", "Gorki", "name")] * 3
    assert frame["start"].tolist() == [
        text.index("Maksim"),
        person,
        text.index("to Gorki. In") + 3,
        text.index("Gorki's"),
    ]


def test_surname_of_a_relative_is_not_the_leader(blank):
    text = "His brother, Dmitri Ulyanov, was a doctor; even Comrade Ulyanov disagreed."
    frame = mentions_of(blank, text)
    assert triples(frame) == [("lenin", "Ulyanov", "name")]
    assert frame["start"].tolist() == [text.index("Comrade") + 8]


def test_titles_first_word_either_case(blank):
    text = "The Old Man knew that the General Secretary's post, the General Secretaryship, grew."
    frame = mentions_of(blank, text)
    assert triples(frame) == [
        ("lenin", "The Old Man", "title"),
        ("stalin", "the General Secretary", "title"),
    ]
    assert mentions_of(blank, "the old man slept.").empty
    assert mentions_of(blank, text, include_titles=False).empty


def test_title_may_overlap_a_name(blank):
    roster = [
        *(leader for leader in ROSTER if leader.id != "krupskaya"),
        Leader("krupskaya", "Nadezhda Krupskaya", "female", ("Krupskaya",),
               titles=("Lenin's wife",)),
    ]  # fmt: skip
    text = "Lenin's wife wrote."
    doc = blank(text)
    frame = find_mentions(doc, roster, make_layout(text), chapter="ch", pronouns=False)
    assert triples(frame) == [("lenin", "Lenin", "name"), ("krupskaya", "Lenin's wife", "title")]


def test_no_mentions_gives_empty_typed_table_and_warning(blank, caplog):
    with caplog.at_level(logging.WARNING, logger="leaderlens.mentions"):
        frame = mentions_of(blank, "Nobody of note was there.")
    assert frame.empty
    assert list(frame.columns) == MENTIONS.columns
    assert "no leader mentions" in caplog.text


def test_entities_cluster_people(blank):
    text = "N. Ustryalov wrote to Trotski in Paris. Ustryalov's friend Dmitri Milyutin read it."
    ents = (
        ("N. Ustryalov", "PERSON"),
        ("Trotski", "PERSON"),
        ("Paris", "GPE"),
        ("Ustryalov's", "PERSON"),
        ("Dmitri Milyutin", "PERSON"),
    )
    doc = make_doc(blank, text, ents)
    layout = make_layout(text)
    mentions = find_mentions(doc, ROSTER, layout, chapter="ch", pronouns=False)
    # "Milyutin" after another first name is still a mention (not a homonym in this roster).
    assert triples(mentions) == [("trotsky", "Trotski", "name"), ("milyutin", "Milyutin", "name")]
    frame = find_entities(doc, ROSTER, mentions, layout, chapter="ch")
    assert list(frame.columns) == ENTITIES.columns
    assert frame["entity_id"].tolist() == [0, 1, 2, 3, 4]
    assert frame["label"].tolist() == ["PERSON", "PERSON", "GPE", "PERSON", "PERSON"]
    assert frame["person"].tolist()[:2] == ["ustryalov", "trotsky"]
    assert pd.isna(frame["person"].iloc[2])
    assert frame["person"].tolist()[3:] == ["ustryalov", "milyutin"]
    assert frame["raw_start"].tolist()[0] == OFFSET


def test_entity_alias_without_mention_and_surname_collision(blank):
    text = "Trotsky met Dmitri Milyutin."
    doc = make_doc(blank, text, (("Trotsky", "PERSON"), ("Dmitri Milyutin", "PERSON")))
    no_mentions = find_mentions(blank(""), ROSTER, make_layout("x"), chapter="ch", pronouns=False)
    frame = find_entities(doc, ROSTER, no_mentions, make_layout(text), chapter="ch")
    assert frame["person"].tolist() == ["trotsky", "milyutin_other"]


def test_surname_key_strips_possessive_and_initials(blank):
    doc = make_doc(blank, "Averbakh's view", (("Averbakh's", "PERSON"),))
    assert surname_key(doc.ents[0]) == "averbakh"


def test_no_entities_gives_empty_table(blank, caplog):
    text = "Plain words only."
    doc = blank(text)
    with caplog.at_level(logging.WARNING):
        frame = find_entities(doc, ROSTER, mentions_of(blank, text), make_layout(text), chapter="c")
    assert frame.empty and list(frame.columns) == ENTITIES.columns
    assert "no named entities" in caplog.text


def test_real_model_place_and_person(nlp):
    text = "In May he stayed at Gorki with his doctors. Later Maksim Gorki wrote to Lenin."
    doc = nlp(text)
    frame = find_mentions(doc, ROSTER, make_layout(text), chapter="ch", pronouns=False)
    assert triples(frame) == [("gorky", "Maksim Gorki", "name"), ("lenin", "Lenin", "name")]


def test_roster_corrects_entity_labels_and_adds_missed_names(blank):
    text = "Trotski and Stalin met in Paris."
    doc = make_doc(blank, text, (("Trotski", "GPE"), ("Paris", "GPE")))
    layout = make_layout(text)
    mentions = find_mentions(doc, ROSTER, layout, chapter="ch", pronouns=False)
    frame = find_entities(doc, ROSTER, mentions, layout, chapter="ch")
    assert frame["surface"].tolist() == ["Trotski", "Stalin", "Paris"]
    assert frame["label"].tolist() == ["PERSON", "PERSON", "GPE"]
    assert frame["person"].tolist()[:2] == ["trotsky", "stalin"]
    assert frame["entity_id"].tolist() == [0, 1, 2]


def test_names_have_confidence_one(blank):
    frame = mentions_of(blank, "Stalin wrote to Trotski.")
    assert frame["confidence"].tolist() == [1.0, 1.0]
    assert frame["confidence"].dtype == "float64"


def test_bare_given_name_takes_the_nearest_full_name(blank):
    text = (
        "Mariya Ulyanova came in. Later Mariya wrote to him. "
        "Then Mariya Volodicheva typed. Mariya left."
    )
    frame = mentions_of(blank, text)
    assert triples(frame) == [
        ("maria_ulyanova", "Mariya Ulyanova", "name"),
        ("maria_ulyanova", "Mariya", "name"),
    ]
    assert frame["start"].tolist() == [0, text.index("Mariya wrote")]


def test_bare_given_name_before_any_full_name_looks_ahead(blank):
    frame = mentions_of(blank, "Mariya wrote first. Mariya Ilinichna signed.")
    assert triples(frame) == [
        ("maria_ulyanova", "Mariya", "name"),
        ("maria_ulyanova", "Mariya Ilinichna", "name"),
    ]


def test_fuzzy_matches_unseen_spelling_in_an_entity(blank):
    text = "Trotskij argued with Leninists while Kaminski listened."
    ents = (("Trotskij", "PERSON"), ("Leninists", "NORP"), ("Kaminski", "PERSON"))
    frame = mentions_of(blank, text, ents)
    assert triples(frame) == [("trotsky", "Trotskij", "name")]
    assert mentions_of(blank, text, ents, fuzzy_threshold=None).empty


def test_fuzzy_needs_an_entity(blank):
    assert mentions_of(blank, "Trotskij argued.").empty


def test_name_similarity_folds_transliteration():
    assert name_similarity("Trotzkii", "Trotsky") == 1.0
    assert name_similarity("Djugashvili", "Dzhugashvili") == 1.0
    assert name_similarity("Dzierżyński", "Dzierzynski") == 1.0
    assert name_similarity("Kamenev", "Kalinin") < 0.7


def test_all_caps_signature_is_one_mention(blank):
    frame = mentions_of(blank, "Signed: V. ULIANOV (LENIN). Then nothing.")
    assert triples(frame) == [("lenin", "V. ULIANOV (LENIN)", "name")]


def test_title_date_scope(blank):
    text = (
        "In March 1922 the General Secretary was not yet named. "
        "By May 1922 the General Secretary was Stalin. In 1923 the General Secretary ruled."
    )
    frame = mentions_of(blank, text)
    titles = frame[frame["kind"] == "title"]
    assert titles["start"].tolist() == [text.index("the General Secretary was Stalin"),
                                        text.rindex("the General Secretary")]  # fmt: skip
    assert (titles["leader"] == "stalin").all()


def test_title_chapter_and_near_scope(blank):
    text = (
        "Her brother slept. The Georgian spoke. Mariya Ulyanova watched her brother. "
        "It rained. It snowed. Then her brother woke."
    )
    doc = blank(text)
    georgia = find_mentions(doc, ROSTER, make_layout(text), chapter="georgia-1", pronouns=False)
    other = find_mentions(doc, ROSTER, make_layout(text), chapter="moscow-1", pronouns=False)
    assert triples(georgia[georgia["kind"] == "title"]) == [
        ("stalin", "The Georgian", "title"),
        ("lenin", "her brother", "title"),
    ]
    assert triples(other[other["kind"] == "title"]) == [("lenin", "her brother", "title")]


def test_place_person_entity_is_relabelled(blank):
    text = "He stayed at Osipovo. Osipovo wrote back."
    doc = make_doc(blank, text, (("Osipovo", "PERSON"),))
    second = text.rindex("Osipovo")
    doc.ents = [*doc.ents, doc.char_span(second, second + 7, label="PERSON")]
    layout = make_layout(text)
    mentions = find_mentions(blank(""), ROSTER, make_layout("x"), chapter="ch", pronouns=False)
    frame = find_entities(doc, ROSTER, mentions, layout, chapter="ch")
    assert frame["label"].tolist() == ["LOC", "PERSON"]
    assert pd.isna(frame["person"].iloc[0]) and frame["person"].iloc[1] == "osipovo"


def pronouns_of(nlp, text: str) -> list[tuple[str, str]]:
    """The (surface, leader) of each pronoun mention found with the real model."""
    doc = nlp(text)
    layout = make_layout(text)
    frame = find_mentions(doc, ROSTER, layout, chapter="ch")
    rows = frame[frame["kind"] == "pronoun"]
    assert ((rows["confidence"] >= 0.5) & (rows["confidence"] < 1)).all()
    return list(zip(rows["surface"], rows["leader"], strict=True))


def test_pronouns_resolve_to_the_leader_in_view(nlp):
    text = "Lenin was ill. He wrote to Trotski about his plans. Krupskaya said she agreed."
    assert pronouns_of(nlp, text) == [("He", "lenin"), ("his", "lenin"), ("she", "krupskaya")]


def test_pronoun_of_another_person_is_not_a_mention(nlp):
    text = "Lenin left early. Then Ivan Petrov arrived and he sat down."
    assert pronouns_of(nlp, text) == []


def test_reflexive_bound_to_a_thing_is_not_a_mention(nlp):
    text = "Lenin spoke. The exporter would enrich himself at once. Stalin himself agreed."
    assert pronouns_of(nlp, text) == [("himself", "stalin")]


def test_object_pronoun_skips_its_own_subject(nlp):
    assert pronouns_of(nlp, "Trotski arrived late. Lenin greeted him warmly.") == [
        ("him", "trotsky")
    ]


def test_pronouns_can_be_turned_off(nlp):
    text = "Lenin was ill. He wrote."
    frame = find_mentions(nlp(text), ROSTER, make_layout(text), chapter="ch", pronouns=False)
    assert frame["kind"].tolist() == ["name"]


def test_role_description_resolves_to_the_salient_leader(nlp):
    text = "Lenin had to rest for weeks. The most reluctant patient ignored the doctors."
    frame = find_mentions(nlp(text), ROSTER, make_layout(text), chapter="ch", pronouns=False)
    titles = frame[frame["kind"] == "title"]
    assert triples(titles) == [("lenin", "The most reluctant patient", "title")]
    assert 0.5 <= titles["confidence"].iloc[0] < 1


def test_object_pronoun_of_a_coordinated_verb_skips_the_shared_subject(nlp):
    text = "Lenin fell ill. Stalin visited him often and brought him news."
    assert pronouns_of(nlp, text) == [("him", "lenin"), ("him", "lenin")]


QUOTE_MARKS = [("'", "'"), ("\u201c", "\u201d"), ('"', '"')]


@pytest.mark.parametrize(("opening", "closing"), QUOTE_MARKS)
def test_speech_tag_pronoun_is_not_a_person_named_in_its_quotation(nlp, opening, closing):
    text = (
        f"Stalin read the letter. {opening}Comrade Trotski has his faults,{closing} he noted, "
        f"{opening}but he is able.{closing}"
    )
    assert pronouns_of(nlp, text) == [("his", "trotsky"), ("he", "stalin"), ("he", "trotsky")]


@pytest.mark.parametrize(("opening", "closing"), QUOTE_MARKS)
def test_pronoun_in_a_quotation_is_not_its_speaker(nlp, opening, closing):
    text = f"Stalin was rude to Krupskaya. Lenin replied: {opening}He is far from clever.{closing}"
    assert pronouns_of(nlp, text) == [("He", "stalin")]


def test_pronoun_in_a_continued_quotation_is_not_its_speaker(nlp):
    text = "Trotski asked for more time. Zinoviev wrote: 'It is late. Let him wait.'"
    assert pronouns_of(nlp, text) == [("him", "trotsky")]


def test_parenthetical_speech_tag_pronoun_is_not_the_subject_it_interrupts(nlp):
    text = "Trotski was furious. Krasin, he declared, had signed a shameful deal."
    assert pronouns_of(nlp, text) == [("he", "trotsky")]
