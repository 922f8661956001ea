# mlops-scaffold development tasks. Every target creates what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
LEVEL ?= 1
# The demo project becomes its own git repository, so it lives outside this checkout.
DEMO ?= $(or $(TMPDIR),/tmp)/mlops-scaffold-demo

.PHONY: help venv tools demo test test-fast lint docs bench bench-cli bench-serve bench-projects clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

# uv installs in seconds; pip is the fallback where no uv wheel can be had.
$(BIN)/.installed: pyproject.toml
	@echo "Setting up $(VENV) with mlops-scaffold and the test tools (first run only, under a minute with uv)"
	@$(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1; then \
		$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev]"; \
	else \
		echo "uv is not available: installing with pip (several minutes)"; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"; \
	fi
	@touch $@
	@echo "$(VENV) is ready: $$($(BIN)/python -m pip --disable-pip-version-check list 2>/dev/null | tail -n +3 | wc -l) packages"

venv: $(BIN)/.installed ## Create .venv with mlops-scaffold and the test tools

tools: ## System tools the tests use that no Python package provides (promtool, chromium)
	@command -v promtool >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends prometheus; }; }
	@command -v promtool >/dev/null || { echo "promtool missing: install Prometheus" >&2; exit 1; }
	@command -v chromium >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; }
	@command -v chromium >/dev/null || { echo "chromium missing: install Debian's chromium (the offline /docs test)" >&2; exit 1; }

demo: venv ## Generate a project (LEVEL=0..3, default 1) in $(DEMO) and run it
	rm -rf $(DEMO)
	$(BIN)/mlops-scaffold new $(DEMO) --level $(LEVEL) --defaults
	$(MAKE) -C $(DEMO) install
	$(MAKE) -C $(DEMO) $(if $(filter 0,$(LEVEL)),run,pipeline)
	$(MAKE) -C $(DEMO) test
	@echo "The level-$(LEVEL) demo project is in $(DEMO)"

test: venv tools ## Run the whole test suite, integration tests included
	$(BIN)/python -m pytest

test-fast: venv tools ## Run the tests that do not install generated projects
	$(BIN)/python -m pytest -m "not integration"

lint: venv ## ruff and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

docs: venv ## Build the documentation site into site/ (mkdocs build --strict)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

bench: bench-cli bench-serve bench-projects ## All benchmarks (several minutes)

bench-cli: venv ## Time the CLI against reference commands (medians, ratios)
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[bench]" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[bench]"
	$(BIN)/python -m bench.cli_speed

bench-serve: venv ## p50/p99 of a generated API's /predict on loopback
	$(BIN)/python -m bench.serve_latency

bench-projects: venv ## Generated projects: pipeline, no-op re-run, monitor, simulation, tests
	$(BIN)/python -m bench.project_speed

clean: ## Remove the venv, the demo and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache bench-results site
