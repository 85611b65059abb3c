# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make demo   builds the seed graph (creates .venv first)
#   make test   runs the test suite (creates .venv first)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
GOLD   ?= ../shared/gold

.PHONY: demo test eval eval-news bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/kg build seeds/ -o out/graph.ttl

test: $(STAMP)
	$(BIN)/python -m pytest -q

eval: demo
	$(BIN)/kg eval out/graph.ttl $(GOLD)/dev.tsv --aliases $(GOLD)/aliases.tsv

# The real-news corpora (../shared/gold/news and benchmarks/gold/news-extra), per article and
# overall, tune and held-out test parts, with the lists of misses.
eval-news: $(STAMP)
	$(BIN)/python benchmarks/eval_news.py --misses

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

lint: $(STAMP)
	$(BIN)/ruff check kg tests benchmarks

clean:
	rm -rf out build dist *.egg-info
