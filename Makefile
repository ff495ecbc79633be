# One entry point for people, pre-commit and CI: `make setup`, `make test`, `make lint`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CACHE := .cache
# Every cargo call uses the venv's interpreter, so maturin, clippy and cargo test share one
# PyO3 configuration instead of rebuilding each other's artefacts.
export PYO3_PYTHON := $(abspath $(BIN)/python)
export OQS_INSTALL_PATH ?= $(abspath $(CACHE)/liboqs)

SETUP_STAMP := $(VENV)/.setup-done
NATIVE_SOURCES := Cargo.toml Cargo.lock native/Cargo.toml $(wildcard native/src/*.rs)
PYTEST := $(BIN)/python -m pytest

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.PHONY: setup
setup: $(SETUP_STAMP) ## Create .venv, build the native module (release), liboqs, fetch Kafka jars

$(SETUP_STAMP): pyproject.toml $(NATIVE_SOURCES) scripts/*.sh deploy/kafka/pom.xml
	bash scripts/install-system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "maturin>=1.9.4,<2"
	$(BIN)/maturin develop --release --extras dev
	bash scripts/build-liboqs.sh $(CACHE)
	$(BIN)/qrstream dev fetch
	touch $@

.PHONY: demo
demo: setup ## Run the whole pipeline on embedded defaults for a minute and report on it
	$(BIN)/qrstream demo

.PHONY: build-dev
build-dev: ## Rebuild the native module in release mode after Rust changes
	$(BIN)/maturin develop --release --extras dev

.PHONY: format
format: setup ## Format Python and Rust sources
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	cargo fmt --all

.PHONY: lint
lint: lint-python lint-rust ## Run every linter and type checker

.PHONY: lint-python
lint-python: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest streams._native

.PHONY: lint-rust
lint-rust: setup
	cargo fmt --all -- --check
	cargo clippy --all-targets --locked -- -D warnings

.PHONY: test
test: setup lint ## Lint, then every test (all markers) and cargo test
	$(PYTEST)
	PYTHONPATH=$(CURDIR) cargo test --locked

.PHONY: test-fast
test-fast: setup ## Unit and native tests only, for quick loops
	$(PYTEST) -m "not integration and not slow"

.PHONY: test-integration
test-integration: setup ## Integration tests against the real broker
	$(PYTEST) -m integration

.PHONY: bench
bench: setup ## Crypto benchmark: native ML-DSA against pyca/cryptography and liboqs
	$(BIN)/qrstream bench crypto

.PHONY: bench-pipeline
bench-pipeline: setup ## End-to-end benchmark: consumer, Faust, verify-only, full pipeline, latency
	$(BIN)/qrstream bench pipeline

.PHONY: clean
clean: ## Remove build outputs and caches (keeps var/ runtime data)
	rm -rf $(VENV) target $(CACHE) .mypy_cache .ruff_cache .pytest_cache
	rm -f streams/_native*.so
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
