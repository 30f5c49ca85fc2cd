# OCOP Market — `make run` serves the demo shop, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
TRANSLATIONS := shop/translations
MO_FILES := $(TRANSLATIONS)/vi/LC_MESSAGES/messages.mo $(TRANSLATIONS)/en/LC_MESSAGES/messages.mo

.PHONY: run test lint format bench bench-quick seed translations extract-messages audit clean

$(VENV)/.runtime: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(VENV)/.runtime
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l $* -i $< -o $@ >/dev/null

translations: $(MO_FILES)

run: $(VENV)/.runtime translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run-all --host 127.0.0.1 --port 5000

seed: $(VENV)/.runtime translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two workers by default (pytest-xdist; each has its own database): TEST_WORKERS=auto or 1 to change.
TEST_WORKERS ?= 2
test: lint translations
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

bench: $(VENV)/.dev translations
	$(BIN)/python -m bench $(BENCH_ARGS)

# The page figures only: no checkout race, no scale-out check.
bench-quick: $(VENV)/.dev translations
	$(BIN)/python -m bench --skip-race --skip-scale-out $(BENCH_ARGS)

# Known vulnerabilities in the locked dependencies (constraints.txt), from PyPI's advisory data.
# Needs pypi.org's JSON API; --strict fails when a package could not be checked, so an offline
# run fails instead of passing unchecked.
audit: $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet pip-audit==2.10.1
	$(BIN)/pip-audit --strict --no-deps --disable-pip --vulnerability-service pypi -r constraints.txt

# Re-extract translatable strings and merge them into both catalogues.
extract-messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.* .venv' -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --project "OCOP Market" .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/flask i18n fill-en

clean:
	rm -rf $(VENV) instance/ocop.db* .pytest_cache .ruff_cache $(MO_FILES)
