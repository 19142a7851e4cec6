# The front door. `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint bench bench-quick bench-year bench-rt-history bench-marginal bench-spark docs clean setup

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/iso-pipeline demo

# every test, lint included (tests/python/test_lint.py: ruff, and sqlfluff against a small generated warehouse), on
# TEST_WORKERS processes, a test file per process at a time (module fixtures build once); TEST_WORKERS=0: one process.
# The 40 slowest tests are listed at the end (a module's fixture counts in its first test): where CI's time goes.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=40 $(PYTEST_ARGS)

# the lint alone (about 2-3 minutes, most of it sqlfluff's dbt compile); `$(BIN)/ruff check .` is the instant Python half
lint: $(STAMP)
	$(BIN)/python -m pytest tests/python/test_lint.py

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick

# a year of ERCOT (2025's first 364 days, ~142,000 files, ~165 M rows, then 31 December added): ours and the DuckDB limit (about an hour)
bench-year:
	$(MAKE) bench BENCH_ARGS=--year

# the seed's scale: a 515,000-file SCED history (~5 years, 100 points a file) landed and built, one day added (~15 min)
bench-rt-history: $(STAMP)
	$(BIN)/python -m benchmarks.rt_history $(BENCH_ARGS)

# a day of data and the floor: SCED at 2 and 16 days, ours against pandas and Polars from the same zips (~5 min)
bench-marginal: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.marginal $(BENCH_ARGS)

# the same models on Spark (local session) and DuckDB, on the benchmark corpus (docs/running_on_a_cluster.md)
bench-spark: $(STAMP)
	$(BIN)/python benchmarks/spark.py $(BENCH_ARGS)

docs: $(STAMP)
	$(BIN)/iso-pipeline docs

clean:
	rm -rf data target logs
