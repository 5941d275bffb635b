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

``--rules`` also prints the decision rules tried on these probabilities and not kept (see
``src/leaderlens/resources/README.md``), for v3 (``minilm``) and the ensemble: re-estimated
class priors (EM), division by the class frequencies, the lexicon overruling a neutral label,
pooling one person's mentions in one sentence, and consulting mpnet only below a gate on
v3's top probability. It reads the dev data and the seed annotations again (to parse for
the lexicon, and for the seed rows' sentences): about a minute more.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import spacy
from bench_sentiment import (
    ANNOTATIONS,
    DATASETS,
    bootstrap_macro_f1,
    interval,
    load,
    metrics,
    raw_scores,
)

from leaderlens import encoder
from leaderlens.cli import DEFAULT_MODEL

WEIGHTS = (0.3, 0.5, 0.7)
"""Weights of the mpnet member's probabilities printed (the method averages at 0.5)."""
PRIOR_POWERS = (0.25, 0.5, 0.75, 1.0)
OVERRULE_AT = (0.3, 0.5, 0.7, 0.8)
POOL_WEIGHTS = (0.25, 0.5, 1.0)
GATES = (0.6, 0.7, 0.8, 0.9, 0.95)
Rule = Callable[[np.ndarray], np.ndarray]
"""Probabilities in, labels (-1/0/1) out."""


def read_out_of_fold(path: Path) -> tuple[encoder.Name, np.ndarray, np.ndarray, np.ndarray]:
    """The encoder, labels, set names and out-of-fold probabilities (its shipped scope)."""
    with np.load(path) as data:
        name = str(data["encoder"])
        scope = encoder.read_tone_model(name).scope  # type: ignore[arg-type]
        return name, data["labels"], data["sets"], data[scope]  # type: ignore[return-value]


def prior_shift(probabilities: np.ndarray, trained: np.ndarray, steps: int = 200) -> np.ndarray:
    """Probabilities re-weighted to the class priors EM estimates for these rows (Saerens,
    Latinne and Decaestecker 2002), from a model trained under the priors ``trained`` (uniform
    here: the training loss balances the classes)."""
    priors = trained.copy()
    for _ in range(steps):
        weighted = probabilities * (priors / trained)
        weighted /= weighted.sum(axis=1, keepdims=True)
        if np.abs(weighted.mean(axis=0) - priors).max() < 1e-9:
            break
        priors = weighted.mean(axis=0)
    return weighted


def pooled_rows(sets: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """The training rows in the order of the out-of-fold file (its sets in order)."""
    paths = {**DATASETS, "seed": ANNOTATIONS}
    order = list(dict.fromkeys(sets.tolist()))
    rows = pd.concat([load(paths[name]).assign(set=name) for name in order], ignore_index=True)
    if not (rows["set"].to_numpy() == sets).all() or not (rows["polarity"] == labels).all():
        raise SystemExit("the out-of-fold file does not match the data: rerun the training")
    return rows


def rule_table(
    labels: np.ndarray, sets: np.ndarray, members: dict[str, np.ndarray], rules: dict[str, Rule]
) -> None:
    """Macro-F1 per set and mean of every rule on every member's probabilities."""
    names = sorted(set(sets.tolist()))
    print(f"{'':48}" + "".join(f"{name:>9}" for name in names) + f"{'mean':>9}")
    for member, probabilities in members.items():
        for title, rule in rules.items():
            predicted = rule(probabilities)
            f1 = [
                metrics(labels[sets == n].tolist(), predicted[sets == n].tolist())[0] for n in names
            ]
            cells = "".join(f"{value:>9.3f}" for value in [*f1, float(np.mean(f1))])
            print(f"{member + ': ' + title:48}{cells}")


def decision_rules(
    labels: np.ndarray, sets: np.ndarray, minilm: np.ndarray, mpnet: np.ndarray
) -> None:
    """Print the decision rules tried on the out-of-fold probabilities (none kept)."""
    rows = pooled_rows(sets, labels)
    nlp = spacy.load(DEFAULT_MODEL)
    targeted = np.array(raw_scores(list(nlp.pipe(rows["sentence"])), rows, method="targeted"))
    frequency = np.bincount(labels + 1, minlength=3) / len(labels)
    seed = rows["set"] == "seed"  # only the seed rows share sentences; one person = one group
    person = np.where(
        seed,
        rows["chapter"] + "|" + rows["sentence_id"].astype(str) + "|" + rows["leader"],
        rows.index.astype(str),
    )

    def top(probabilities: np.ndarray) -> np.ndarray:
        return probabilities.argmax(axis=1) - 1

    def per_set(probabilities: np.ndarray) -> np.ndarray:
        shifted = probabilities.copy()
        for name in set(sets.tolist()):
            shifted[sets == name] = prior_shift(probabilities[sets == name], np.full(3, 1 / 3))
        return top(shifted)

    def overruled(at: float) -> Rule:
        sign = np.sign(targeted).astype(int)
        return lambda p: np.where((top(p) == 0) & (np.abs(targeted) >= at), sign, top(p))

    def pooled(weight: float) -> Rule:
        def rule(p: np.ndarray) -> np.ndarray:
            mean = pd.DataFrame(p).groupby(person).transform("mean").to_numpy()
            return top((1 - weight) * p + weight * mean)

        return rule

    rules: dict[str, Rule] = {"most probable class": top, "priors re-estimated (EM)": per_set}
    rules |= {
        f"divided by frequency^{a}": (lambda p, a=a: top(p / frequency**a)) for a in PRIOR_POWERS
    }
    rules |= {f"lexicon overrules neutral at {at}": overruled(at) for at in OVERRULE_AT}
    rules |= {f"one person per sentence, weight {w}": pooled(w) for w in POOL_WEIGHTS}
    print("\ndecision rules on the out-of-fold probabilities (macro-F1; none kept):")
    rule_table(labels, sets, {"v3": minilm, "ensemble": (minilm + mpnet) / 2}, rules)
    print("\nmpnet consulted only where v3's top probability is below a gate:")
    unsure = minilm.max(axis=1)
    gated = {
        f"gate {gate} ({(unsure < gate).mean():.0%} of rows to mpnet)": (
            lambda p, gate=gate: top(np.where((unsure < gate)[:, None], p, minilm))
        )
        for gate in GATES
    }
    rule_table(labels, sets, {"cascade": (minilm + mpnet) / 2}, gated)


def main() -> None:
    """Print the members' and the average's CV figures and the paired differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("minilm", type=Path, help="train_tone_model.py --oof output (MiniLM)")
    parser.add_argument("mpnet", type=Path, help="the same for --encoder mpnet")
    parser.add_argument("--rules", action="store_true", help="also the decision rules tried")
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
    if args.rules:
        decision_rules(labels, sets, first[3], second[3])


if __name__ == "__main__":
    main()
