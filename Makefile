# medlab workbook. Every target bootstraps .venv itself (Python 3.11+ needed).
#   make lab              open the workbook in JupyterLab, on work/ (your copies: python -m medlab start NN)
#   make test             ruff, the import contracts (lint-imports) + the whole test suite (notebooks included), in parallel
#   make run Q=01 MODE=fast    execute one solution notebook into build/executed/
#   make build            regenerate notebooks/ from solutions/ (keeps a .bak of edited files)
#   make verify           check the workbook's consistency
#   make seeds Q=01       run a solution on seeds 0-4: every bar and finding per seed
#   make mutation         mutation testing of metrics, data, check/_core, check/q02 and check/q05 (slow; not in make test)
# Options: TF=gpu installs TensorFlow's CUDA build instead of the CPU one; WORKERS=N test processes.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TF ?= cpu
STAMP := $(VENV)/.installed-$(TF)
TEST_STAMP := $(VENV)/.installed-test
Q ?= 01
MODE ?= fast
WORKERS ?= 2
SEEDS ?= 0-4
MUTATE ?=
LAB_ARGS ?=
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PIP_QUIET = 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: lab test run seeds mutation build verify index clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else f"Python 3.11+ is needed, found {v.major}.{v.minor}: set PYTHON=python3.11")'
	@test -x $(BIN)/python || { echo "creating $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "installing pinned requirements (TF=$(TF)) ..."
	@if [ "$(TF)" = "gpu" ]; then \
	  sed '/^tensorflow-cpu==/d' requirements.txt > $(VENV)/requirements-gpu.txt; \
	  $(BIN)/python -m pip uninstall -q -y tensorflow-cpu $(PIP_QUIET); \
	  $(BIN)/python -m pip install -q -r $(VENV)/requirements-gpu.txt "tensorflow[and-cuda]==2.21.0" $(PIP_QUIET); \
	else \
	  $(BIN)/python -m pip install -q -r requirements.txt $(PIP_QUIET); \
	fi
	@$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e . $(PIP_QUIET)
	@rm -f $(VENV)/.installed-*
	@touch $@

# One kernel: Jupyter started from .venv runs the notebooks' "python3" kernel with .venv's Python
# (no user-level kernelspec is installed). JupyterLab opens on work/, the students' own copies.
lab: $(STAMP)
	@mkdir -p work
	@if $(BIN)/jupyter kernelspec list 2>/dev/null | grep -q '^ *medlab '; then \
	  echo 'note: an older "make lab" installed the kernel "Python (medlab)"; it is not needed any more' \
	       '(remove it with: $(BIN)/jupyter kernelspec remove medlab)'; fi
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/work $(ROOT_FLAG) $(LAB_ARGS)

# Test-only packages (nbgrader, playwright) on top of the workbook's own; reinstalled whenever the
# workbook's requirements are (its recipe removes every .installed-* stamp).
$(TEST_STAMP): $(STAMP) requirements-test.txt
	@echo "installing pinned test requirements ..."
	@$(BIN)/python -m pip install -q -r requirements-test.txt -c requirements.txt $(PIP_QUIET)
	@touch $@

test: $(TEST_STAMP)
	$(BIN)/ruff check medlab tests solutions notebooks
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadscope

run: $(STAMP)
	$(BIN)/python -m medlab run $(Q) --mode $(MODE)

seeds: $(STAMP)
	$(BIN)/python -m medlab seeds $(Q) --seeds $(SEEDS)

mutation: $(STAMP)
	$(BIN)/python tests/mutation.py $(MUTATE)

build: $(STAMP)
	$(BIN)/python -m medlab build

verify: $(STAMP)
	$(BIN)/python -m medlab verify

index: $(STAMP)
	$(BIN)/python -m medlab index

clean:
	rm -rf build .pytest_cache .ruff_cache
