# Two commands on a fresh machine: `make chat` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# What running needs (`make chat`), then the development tools on top (`make test`).
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: chat test check lint bench bench-slack bench-teams bench-pulse bench-memory install clean serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

chat: $(STAMP)
	$(BIN)/advisor chat

# The Procfile's web process, with .env read the way hosting platforms read their settings.
serve: $(DEV_STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start web

# Lint, formatting and strict types of all the Python here: the advisor, the fakes the tests and
# benchmarks share, the tests and the benchmarks.
check: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict bot storage testing tests bench
	$(BIN)/lint-imports

lint: check

# Two workers: the suite is CPU-bound, and two cores finish it in about four fifths of the time.
test: check
	$(BIN)/pytest -n 2

# Benchmarks run as modules from here: `bench` and `testing` import through the editable install.
bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run

bench-slack: $(DEV_STAMP)
	$(BIN)/python -m bench.slack_acks

bench-teams: $(DEV_STAMP)
	$(BIN)/python -m bench.teams_throughput

bench-pulse: $(DEV_STAMP)
	$(BIN)/python -m bench.pulse_burst
	$(BIN)/python -m bench.pulse_burst_teams

bench-memory: $(DEV_STAMP)
	$(BIN)/python -m bench.memory

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
