# Safer Trafford Surveys. `make run` serves the app; `make test` runs every test.
# Each step does its work once and again only when its inputs change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help run test bench bench-analysis bench-faults system install assets catalogs translations database browser loadtools lint format clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: system install assets catalogs database ## Set everything up and serve on http://127.0.0.1:5000 (SQLite, demo data)
	@echo "Serving Safer Trafford Surveys on http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: system install assets catalogs browser ## Run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

install: $(VENV)/.installed ## Create the virtualenv and install the Python dependencies

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

ASSET_SOURCES := $(shell find assets -type f 2>/dev/null)

assets: survey_app/static/dist/.built ## Build the CSS and JavaScript from GOV.UK Frontend

survey_app/static/dist/.built: node_modules/.installed $(ASSET_SOURCES)
	npm run --silent build
	touch $@

CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)

catalogs: install $(CATALOGS:.po=.mo) ## Compile the translation catalogs the app reads

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -i $< -o $@ -l $* >/dev/null

translations: install ## Extract every string into the template, update each catalog, compile them
	$(BIN)/pybabel extract -F babel.cfg -k _l -k standard:1c,2 --no-location --sort-output --omit-header \
		-c "Translators:" -o translations/messages.pot .
	@if [ -n "$(CATALOGS)" ]; then \
		$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete -w 100; \
	fi
	$(MAKE) --no-print-directory catalogs

database: install ## Migrate the database, check the questionnaires and load the demo data
	$(FLASK) db upgrade
	$(FLASK) questionnaires check
	$(FLASK) seed-demo

system: ## Install the system libraries the PDF board pack needs (Pango, HarfBuzz), once
	@if ! ldconfig -p | grep -q libpango-1.0 || ! ldconfig -p | grep -q libharfbuzz-subset; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
			libharfbuzz-subset0 >/dev/null; \
	fi

browser: ## Install Debian's Chromium and fonts for the browser tests (once): Noto, with Nastaliq and CJK
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/noto ] \
		|| ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-core fonts-noto-cjk >/dev/null; \
	fi

bench: install catalogs loadtools ## Load benchmark under gunicorn on SQLite and PostgreSQL, with a printed report
	$(BIN)/python benchmarks/load_bench.py

bench-analysis: install ## Time the statistics command line on a million rows against R (needs Rscript)
	$(BIN)/python benchmarks/analysis_cli_bench.py

bench-faults: install catalogs loadtools ## Kill a worker and restart PostgreSQL under load: nothing may be lost
	$(BIN)/python benchmarks/fault_bench.py

loadtools: ## Install wrk (the load generator) and nginx (the proxy in front of several instances), once
	@if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk nginx >/dev/null; \
	fi

lint: install ## Check the code style, formatting and types
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## Fix what the style checker can fix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## Remove the virtualenv, node_modules and built assets (keeps instance/ data)
	rm -rf $(VENV) node_modules survey_app/static/dist
