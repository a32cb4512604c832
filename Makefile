# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv from the project's own files on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit docs bench clean release-check package-check test-spark

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m redact.demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check redact tests benchmarks
	$(BIN)/ruff format --check redact tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict tests/typing

unit: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

# Installs the project the way users do: the wheel into a fresh venv with no extras
# (.ci/package-check), and the pre-commit hooks through the real pre-commit.
release-check: package-check
	$(BIN)/pytest -q -p no:cacheprovider -m release tests/release

package-check: $(STAMP)
	PYTHON=$(BIN)/python bash .ci/package-check

# Spark starts a JVM (java 17+ on PATH or JAVA_HOME): its tests are kept out of `make test`.
test-spark: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[spark]"
	JAVA_HOME="$${JAVA_HOME:-$$(dirname "$$(dirname "$$(readlink -f "$$(command -v java)")")")}" \
	  $(BIN)/pytest -q -p no:cacheprovider -m spark tests/scale/test_spark.py

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) site .mypy_cache .ruff_cache .pytest_cache
