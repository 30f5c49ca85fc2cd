# OCOP Market — `make run` serves the demo shop, `make test` runs lint and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
TRANSLATIONS := shop/translations
MO_FILES := $(TRANSLATIONS)/vi/LC_MESSAGES/messages.mo $(TRANSLATIONS)/en/LC_MESSAGES/messages.mo

.PHONY: run test lint format bench seed translations extract-messages clean

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

test: lint translations
	$(BIN)/python -m pytest

bench: $(VENV)/.dev translations
	$(BIN)/python -m bench

# Re-extract translatable strings and merge them into both catalogues.
extract-messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.* .venv' -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --project "OCOP Market" .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/flask i18n fill-en

clean:
	rm -rf $(VENV) instance/ocop.db* .pytest_cache .ruff_cache $(MO_FILES)
