# Two commands: `make run` (main job end to end on the embedded default) and `make test`.
# Both set everything up first from the project's own files (requirements.lock).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run docs test test-fast browser benchmark clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@echo "== setting up $(VENV) (pinned set: requirements.lock)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/pip check
	@touch $(STAMP)

# Headless Chromium for the campaign-report browser tests and the report PDF (Debian package).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "== installing chromium (Debian package)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and no root: browser tests will be skipped"; fi; }

run: setup
	$(BIN)/caqes demo

# Two workers (pytest-xdist); a folder with its own conftest.py stays on one worker (tests/conftest.py).
TEST_WORKERS ?= 2

test: setup browser
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

test-fast: setup
	$(BIN)/pytest -m "not airflow and not postgres"

benchmark: setup
	$(BIN)/python -m benchmarks.run

docs: setup
	$(BIN)/caqes docs

clean:
	rm -rf var .airflow
