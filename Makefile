# Two commands on a fresh machine with only Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
KEYWORDS := -k _ -k N_ -k h -k hn:1,2 -k gettext -k ngettext:1,2 -k format -k html -k nhtml:1,2

.PHONY: run chat test lint typecheck check messages compile-messages migrate demo bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies come from the lock files (exact versions, hashes checked); the project itself
# is installed on top, without resolving anything again.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): pyproject.toml requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(STAMP)

## run: set up, migrate, load the demo catalog, then start the bot (or the playground without a token)
run: $(STAMP)
	$(BIN)/shopbot migrate
	$(BIN)/shopbot demo
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=.' .env; then \
		$(BIN)/shopbot run; \
	else \
		echo "No TELEGRAM_BOT_TOKEN set: starting the terminal playground. To connect a real bot, get a token from @BotFather and run: TELEGRAM_BOT_TOKEN=... make run"; \
		$(BIN)/shopbot chat; \
	fi

chat: $(STAMP)
	$(BIN)/shopbot chat

migrate: $(STAMP)
	$(BIN)/shopbot migrate

demo: $(STAMP)
	$(BIN)/shopbot demo

## test: set up with dev extras and run the whole suite
test: $(DEV_STAMP)
	$(BIN)/pytest -q

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

check: lint typecheck test

## messages: extract msgids from the source and merge them into every catalog
messages: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(KEYWORDS) --no-location --sort-output \
		--project shopbot --copyright-holder "shopbot" -o locales/shopbot.pot .
	$(BIN)/pybabel update -i locales/shopbot.pot -d locales -D shopbot --no-fuzzy-matching --ignore-obsolete

## compile-messages: optional; catalogs are compiled in memory when the .mo is missing or stale
compile-messages: $(STAMP)
	$(BIN)/pybabel compile -d locales -D shopbot --statistics

bench: $(DEV_STAMP)
	@for b in bench/*.py; do [ "$$b" = bench/common.py ] && continue; echo "== $$b"; $(BIN)/python $$b || exit 1; done

## lock: resolve pyproject.toml's ranges again into requirements.lock and requirements-dev.lock
LOCK_FLAGS := --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(DEV_STAMP)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
