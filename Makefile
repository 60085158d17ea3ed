# Two commands for a new user: `make demo` and `make test`. Both bootstrap .venv
# from the package registries with the pinned versions in constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
PDD_DEMO := examples/pdd --policy pinduoduo --shops examples/pdd-shops.csv --peers examples/pdd-peers.csv
PDD_PRECHECK := $(PDD_DEMO) --shop pdd_orchard

.PHONY: demo test bench lint schema clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $(STAMP)

# The Spark engine's parity tests need pyspark (a large download), so only `make test` pulls it in, not `make demo`.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench,spark]'
	touch $(SPARK_STAMP)

demo: $(STAMP)
	$(BIN)/auditor audit examples/data --policy taobao --shops examples/shops.yaml || test $$? -eq 1
	$(BIN)/auditor audit examples/data --policy taobao --shops examples/shops.yaml --format json --output out/demo-report.json --fail-on never
	@echo "JSON report written to out/demo-report.json"
	$(BIN)/auditor audit $(PDD_DEMO) || test $$? -eq 1
	$(BIN)/auditor audit $(PDD_DEMO) --format json --output out/demo-pdd-report.json --fail-on never
	@echo "JSON report written to out/demo-pdd-report.json; re-running it to check the filed bytes:"
	$(BIN)/auditor verify out/demo-pdd-report.json examples/pdd
	$(BIN)/auditor audit examples/data --policy taobao --shops examples/shops.yaml --format html --output out/demo-report.html --fail-on never
	$(BIN)/auditor audit $(PDD_DEMO) --format html --lang zh --output out/demo-pdd-report.html --fail-on never
	$(BIN)/auditor audit $(PDD_DEMO) --format markdown --lang zh --output out/demo-pdd-report.md --fail-on never
	$(BIN)/auditor audit $(PDD_DEMO) --format csv --output out/demo-pdd-report.csv --fail-on never
	@echo "HTML reports written to out/demo-report.html and out/demo-pdd-report.html (open them in a browser); markdown and CSV beside them"
	@echo "--- Seller precheck for pdd_orchard, in Chinese, then in English ---"
	$(BIN)/auditor precheck $(PDD_PRECHECK) --lang zh || test $$? -eq 1
	$(BIN)/auditor precheck $(PDD_PRECHECK) --lang en || test $$? -eq 1

test: $(SPARK_STAMP)
	$(BIN)/ruff check auditor tests bench
	$(BIN)/lint-imports
	sh tools/ensure_chromium.sh
	$(BIN)/python -m pytest -q

# Benchmark (issue 10, docs/performance.md): generated data cached in $$AUDITOR_BENCH_DATA (default ~/.cache/auditor-bench),
# the hand-written baseline query, the audit and the pandas reference as child processes; results in out/bench/.
# BENCH_SIZES="1m 10m" for a shorter run, BENCH_SPILL=200m for the spill run, BENCH_ARGS=--write-docs to update the doc.
BENCH_SIZES ?= 1m 10m 50m
BENCH_SPILL ?=
BENCH_ARGS ?=
bench: $(STAMP)
	BENCH_SIZES="$(BENCH_SIZES)" BENCH_SPILL="$(BENCH_SPILL)" $(BIN)/python -m bench.run $(BENCH_ARGS)

schema: $(STAMP)
	$(BIN)/auditor schema > schema/pack.schema.json

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis

# Recall and false leads of the gaming detectors on simulated data (tools/simulate.py); slow, not part of `make test`.
.PHONY: detectors-table
detectors-table: $(STAMP)
	$(BIN)/python tools/measure_detectors.py --write docs/detectors.md

# Fuzz budget (BAD-INPUT "Fuzzing"): the fuzz targets with fresh random inputs, FUZZ_EXAMPLES of them
# per target (hypothesis profile `fuzz`, tests/conftest.py; 600 take about 10 min); the statistics show how many inputs ran.
# `make test` runs the same targets with a few dozen derandomized inputs (profile `ci`).
FUZZ_EXAMPLES ?= 600
.PHONY: fuzz
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/adversarial/test_fuzz_pack_loader.py tests/adversarial/test_fuzz_records.py tests/adversarial/test_ledger_balance.py \
		--hypothesis-show-statistics
