"""Quotations and their speakers (``leaderlens.voice``)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from leaderlens import voice


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("He called it 'nonsense' at once.", ["'nonsense'"]),
        ("Lenin's letter and the Bolsheviks' policy", []),
        ("\u201cWe believe,\u201d he said.", ["\u201cWe believe,\u201d"]),
        ('He wrote "x" and "y".', ['"x"', '"y"']),
        ("the end of a quotation,' he wrote", ["the end of a quotation,'"]),
        ("He wrote 'unclosed", ["'unclosed"]),
    ],
)
def test_quote_spans(text: str, quoted: list[str]) -> None:
    assert [text[a:b] for a, b in voice.quote_spans(text)] == quoted


def test_find_voice_tells_quotation_and_speaker(nlp: Language) -> None:
    text = "Rykov wrote to Kamenev: 'Tomsky is a fool.'"
    doc = nlp(text)
    start = text.index("Tomsky")
    kind, speaker = voice.find_voice(doc.char_span(start, start + 6))
    assert kind == "quotation" and speaker is not None and speaker.text == "Rykov"
    assert voice.find_voice(doc[0:1]) == ("narration", None)


def test_speaker_label_prefers_the_leader_id(nlp: Language) -> None:
    doc = nlp("Comrade Rykov said 'no'.")
    span = doc.char_span(0, 13)
    assert voice.speaker_label(span, [(8, 13, "rykov")]) == "rykov"
    assert voice.speaker_label(span, []) == "Comrade Rykov"
    assert voice.speaker_label(None, [(8, 13, "rykov")]) is None


@pytest.mark.parametrize("verb", ["wrote", "scribbled"])
def test_quotation_continued_from_the_sentence_before_keeps_its_speaker(
    nlp: Language, verb: str
) -> None:
    text = f"Trotski asked for time. Zinoviev {verb}: 'It is late. Let him wait.'"
    doc = nlp(text)
    start = text.index("him")
    kind, speaker = voice.find_voice(doc.char_span(start, start + 3))
    assert kind == "quotation" and speaker is not None and speaker.text == "Zinoviev"


def test_quotation_inside_the_sentence_before_does_not_lend_its_speaker(nlp: Language) -> None:
    text = "Zinoviev called it 'late' at once. Let him wait.' The note ended there."
    doc = nlp(text)
    start = text.index("him")
    assert voice.find_voice(doc.char_span(start, start + 3)) == ("quotation", None)


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("Lenin wrote that Stalin was rude.", "Stalin", ("reported", "Lenin")),
        ("Lenin wrote that Stalin was rude.", "Lenin", ("narration", None)),
        ("Krasin, he declared, had signed a shameful deal.", "Krasin", ("reported", "he")),
        ("Krasin, he declared, had signed a shameful deal.", "he", ("narration", None)),
        ("Rykov thought that Tomsky would fail.", "Tomsky", ("reported", "Rykov")),
        ("We cannot say that Lenin was ill.", "Lenin", ("narration", None)),
        ("Stalin was plotting; Rykov suggested a plan.", "Stalin", ("narration", None)),
        ("The evidence suggests that Lenin was ill.", "Lenin", ("narration", None)),
        (
            "According to Leon Trotski, Stalin was a mediocrity.",
            "Stalin",
            ("reported", "Leon Trotski"),
        ),
        ("Stalin, according to Trotski, was a mediocrity.", "Stalin", ("reported", "Trotski")),
        ("According to Trotski, Stalin was a mediocrity.", "Trotski", ("narration", None)),
        ("According to the report, Stalin was ill.", "Stalin", ("narration", None)),
    ],
)
def test_reported_speech_has_a_person_as_speaker(
    nlp: Language, text: str, target: str, expected: tuple[str, str | None]
) -> None:
    doc = nlp(text)
    start = text.index(target)
    kind, speaker = voice.find_voice(doc.char_span(start, start + len(target)))
    assert (kind, None if speaker is None else speaker.text) == expected
