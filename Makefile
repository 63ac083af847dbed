# BHARATPOL — `make run` serves the demo portal, `make test` runs every test on SQLite and PostgreSQL.
VENV      := .venv
PY        := $(VENV)/bin/python
BIN       := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bharatpol_test

.PHONY: install run test test-sqlite test-postgres lint bench bench-http bench-scale bench-metrics clean vendor

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/bharatpol init-db --demo
	$(BIN)/bharatpol serve --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test-sqlite: install
	$(PY) -m pytest -n 2 --dist loadscope

test-postgres: install
	BHARATPOL_TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -n 2 --dist loadscope

test: lint test-sqlite test-postgres

bench: install
	$(PY) bench/engine_overhead.py

bench-http: install
	$(PY) bench/http_load.py

bench-scale: install
	$(PY) bench/scale.py

bench-metrics: install
	$(PY) bench/metrics.py

clean:
	rm -rf $(VENV) instance test-artifacts *.egg-info

# Refresh the vendored bpmn-js bundles from the npm registry (served locally, never from a CDN).
BPMN_JS_VERSION := 18.31.1
vendor:
	rm -rf /tmp/bharatpol-bpmn-js && mkdir -p /tmp/bharatpol-bpmn-js
	cd /tmp/bharatpol-bpmn-js && npm pack bpmn-js@$(BPMN_JS_VERSION) && tar xzf bpmn-js-$(BPMN_JS_VERSION).tgz
	rm -rf web/static/vendor/bpmn-js && mkdir -p web/static/vendor/bpmn-js
	cp /tmp/bharatpol-bpmn-js/package/dist/bpmn-navigated-viewer.production.min.js web/static/vendor/bpmn-js/
	cp -r /tmp/bharatpol-bpmn-js/package/dist/assets/* web/static/vendor/bpmn-js/
	cp /tmp/bharatpol-bpmn-js/package/LICENSE web/static/vendor/bpmn-js/
	echo "bpmn-js $(BPMN_JS_VERSION) from the npm registry (npm pack bpmn-js@$(BPMN_JS_VERSION)); refresh with: make vendor" > web/static/vendor/bpmn-js/VERSION
