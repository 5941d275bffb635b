"""Held-out macro-F1 of the ``ensemble`` sentiment method, from its members' CV predictions.

The ensemble averages the probabilities of the two tone models (see
:mod:`leaderlens.sentiment`). Both are trained by ``benchmarks/train_tone_model.py`` on the
same grouped 5-fold CV folds (they depend on the data only), so their out-of-fold
probabilities can be averaged row by row. Usage (from the repository root; about 40 and 65
minutes on two cores):

    .venv/bin/python benchmarks/train_tone_model.py --dry-run --oof /tmp/minilm.npz
    .venv/bin/python benchmarks/train_tone_model.py --encoder mpnet --dry-run --oof /tmp/mpnet.npz
    .venv/bin/python benchmarks/ensemble_cv.py /tmp/minilm.npz /tmp/mpnet.npz

Each member is read in the input scope its shipped model uses (``input`` in its JSON).
Prints macro-F1 per training set for each member and for the average at mpnet weights
``WEIGHTS`` (the method uses 0.5), and the paired bootstrap 95% interval of the ensemble
minus each member. The chapter dev items are not in the CV; ``bench_sentiment.py`` scores
the final models on them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from bench_sentiment import bootstrap_macro_f1, interval, metrics

from leaderlens import encoder

WEIGHTS = (0.3, 0.5, 0.7)
"""Weights of the mpnet member's probabilities printed (the method averages at 0.5)."""


def read_out_of_fold(path: Path) -> tuple[encoder.Name, np.ndarray, np.ndarray, np.ndarray]:
    """The encoder, labels, set names and out-of-fold probabilities (its shipped scope)."""
    with np.load(path) as data:
        name = str(data["encoder"])
        scope = encoder.read_tone_model(name).scope  # type: ignore[arg-type]
        return name, data["labels"], data["sets"], data[scope]  # type: ignore[return-value]


def main() -> None:
    """Print the members' and the average's CV figures and the paired differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("minilm", type=Path, help="train_tone_model.py --oof output (MiniLM)")
    parser.add_argument("mpnet", type=Path, help="the same for --encoder mpnet")
    args = parser.parse_args()
    first, second = read_out_of_fold(args.minilm), read_out_of_fold(args.mpnet)
    if (first[0], second[0]) != ("minilm", "mpnet"):
        raise SystemExit(f"expected a minilm and an mpnet file, got {first[0]} and {second[0]}")
    if not (np.array_equal(first[1], second[1]) and np.array_equal(first[2], second[2])):
        raise SystemExit("the two files hold different rows: rerun both on the same data")
    labels, sets = first[1], first[2]
    predictions = {"minilm": first[3], "mpnet": second[3]}
    predictions |= {f"average, mpnet {w}": (1 - w) * first[3] + w * second[3] for w in WEIGHTS}
    print("macro-F1 in grouped 5-fold CV (most probable class):")
    names = sorted(set(sets.tolist()))
    print(f"{'':24}" + "".join(f"{name:>10}" for name in names) + f"{'mean':>10}")
    for title, probabilities in predictions.items():
        predicted = probabilities.argmax(axis=1) - 1
        f1 = [metrics(labels[sets == n].tolist(), predicted[sets == n].tolist())[0] for n in names]
        cells = "".join(f"{value:>10.3f}" for value in [*f1, float(np.mean(f1))])
        print(f"{title:24}{cells}")
    print("\nensemble (mpnet 0.5) minus each member, paired bootstrap 95% interval:")
    ensemble = predictions["average, mpnet 0.5"].argmax(axis=1) - 1
    for member in ("minilm", "mpnet"):
        alone = predictions[member].argmax(axis=1) - 1
        cells = []
        for name in names:
            rows = sets == name
            gold = labels[rows].tolist()
            point = (
                metrics(gold, ensemble[rows].tolist())[0] - metrics(gold, alone[rows].tolist())[0]
            )
            resampled = bootstrap_macro_f1(gold, ensemble[rows]) - bootstrap_macro_f1(
                gold, alone[rows]
            )
            cells.append(f"{name} {point:+.3f} ({interval(resampled, signed=True)})")
        print(f"  minus {member}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
