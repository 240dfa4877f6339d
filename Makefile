# Two commands on a fresh machine: `make chat` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test lint bench bench-slack bench-teams bench-pulse install clean serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

chat: $(STAMP)
	$(BIN)/advisor chat

# The Procfile's web process, with .env read the way hosting platforms read their settings.
serve: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start web

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict bot storage

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-slack: $(STAMP)
	$(BIN)/python bench/slack_acks.py

bench-teams: $(STAMP)
	$(BIN)/python bench/teams_throughput.py

bench-pulse: $(STAMP)
	$(BIN)/python bench/pulse_burst.py
	$(BIN)/python bench/pulse_burst_teams.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
