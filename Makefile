# cscanalysis: the two commands a new user needs are `make packs` and `make test`.
# Both create .venv (Python 3.11 + pip only) and install the package with its dev extras.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
OUT    ?= outputs

.PHONY: setup packs test lint lab bench clean-outputs

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

EXAMPLES := data/examples
BUSINESS_CASE := --case $(EXAMPLES)/bristol_2018_case.csv --kpis $(EXAMPLES)/kpi_example.csv \
	--risks $(EXAMPLES)/risks_example.csv --salaries $(EXAMPLES)/salaries_example.csv \
	--fostering $(EXAMPLES)/fostering_funnel_example.csv --council Bristol
FRONT_DOOR := --input $(EXAMPLES)/bristol_front_door_2016_17.csv \
	--input $(EXAMPLES)/bristol_age_at_entry_2016_17.csv --council Bristol

# Evidence packs for Bristol and BCP (latest year), Bristol's 2018 business case and its
# 2016-17 front door; each command prints where its pack is.
packs: setup
	$(BIN)/cscanalysis pack --council Bristol --period latest --out $(OUT)
	$(BIN)/cscanalysis pack --council "Bournemouth, Christchurch and Poole" --period latest --out $(OUT)
	$(BIN)/cscanalysis business-case $(BUSINESS_CASE) --out $(OUT)
	$(BIN)/cscanalysis frontdoor $(FRONT_DOOR) --out $(OUT)

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

lab: setup
	$(BIN)/jupyter lab notebooks

bench: setup
	$(BIN)/python benchmarks/run_all.py --out $(OUT)/bench

clean-outputs:
	rm -rf $(OUT)/*/
