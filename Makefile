# One place for set-up and checks: the README's quick start and .ci/run both call these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EXAMPLE ?= examples/cocoa-supply-chain.yaml

.PHONY: demo test lint system-deps ci bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

## demo: set up .venv and generate the agreement for a shipped example into out/
demo: $(STAMP)
	mkdir -p out
	$(BIN)/agreementgen generate $(EXAMPLE) -o out/$(basename $(notdir $(EXAMPLE))).docx --force
	@echo "Open out/$(basename $(notdir $(EXAMPLE))).docx in Word or LibreOffice."

## test: set up .venv with the test extras and run the whole suite
test: $(STAMP)
	$(BIN)/python -m pytest

## lint: ruff and mypy (part of ci)
lint: $(STAMP)
	$(BIN)/ruff check agreementgen tests benchmarks tools
	$(BIN)/mypy

## system-deps: what the tests need from the operating system (LibreOffice converts to PDF,
## kept running through its Python bridge python3-uno; Noto CJK prints Chinese, Japanese and
## Korean names, which otherwise come out as empty boxes)
system-deps:
	apt-get update
	apt-get install -y libreoffice-writer-nogui python3-uno poppler-utils fonts-noto-cjk

ci: system-deps lint test

## bench: documents/second against a plain docxtpl loop, cost against description size, then
## (README "Speed") start-up, user templates and PDF through the long-lived LibreOffice
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_scaling.py
	$(BIN)/python benchmarks/bench_start.py
	$(BIN)/python benchmarks/bench_templates.py
	$(BIN)/python benchmarks/bench_pdf.py

clean:
	rm -rf $(VENV) out build dist
