# footprint: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --prefer-binary -e '.[test]'
	touch $(STAMP)

demo: setup
	$(BIN)/footprint demo --workdir var/demo
	$(BIN)/footprint demo-data
	rm -rf var/scans/E23000001/demo-exhibit && mkdir -p var/scans/E23000001
	cp -r var/demo/scan var/scans/E23000001/demo-exhibit
	$(BIN)/footprint figures --operation "Operation Demo"
	@echo "Web app: http://127.0.0.1:8000/ - sign in as coordinator, auditor, met.supervisor,"
	@echo "met.investigator, gmp.supervisor or gmp.investigator, password demo-only-password."
	@echo "met.investigator is also a forensic examiner: link the scan 'demo-exhibit' to a device."
	@echo "Ctrl-C stops the server."
	$(BIN)/footprint serve

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The anchors (threatexchange, faiss-cpu) come only with the bench extra.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --prefer-binary -e '.[test,bench]'
	touch $(BENCH_STAMP)

# Every benchmark beside its anchor in one run, then the table in docs/performance.md.
bench: $(BENCH_STAMP)
	rm -f benchmarks/results/*.json
	$(BIN)/python benchmarks/bench_pdq.py
	$(BIN)/python benchmarks/bench_matching.py --records 10000000 --queries 1000 \
		--anchor-queries 100 --brute-queries 10
	$(BIN)/python benchmarks/bench_digests.py
	$(BIN)/python benchmarks/bench_scan.py --corpus var/bench/scan-corpus
	cd benchmarks && ../$(BIN)/python bench_repeats.py
	$(BIN)/python benchmarks/bench_store.py --records 1000000
	$(BIN)/python benchmarks/bench_store.py --records 10000000 --no-floor
	cd benchmarks && ../$(BIN)/python bench_evidence.py
	$(BIN)/python benchmarks/bench_hashing.py
	$(BIN)/python benchmarks/table.py

clean:
	rm -rf $(VENV) var build .pytest_cache .mypy_cache .ruff_cache
