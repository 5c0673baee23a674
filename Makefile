# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve cluster cluster-stop cluster-restart test lint slice bench demo client check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found %s); set PYTHON=python3.x" % sys.version.split()[0])'

$(INSTALLED): pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Generated once, never committed: a copy of .env.example with a fresh random secret.
.env: | check-python
	@$(PYTHON) -c "import pathlib, secrets; text = pathlib.Path('.env.example').read_text(); \
	pathlib.Path('.env').write_text(text.replace('BETTER_AUTH_SECRET=change-me', 'BETTER_AUTH_SECRET=' + secrets.token_urlsafe(48)))"
	@echo "Wrote .env with a fresh BETTER_AUTH_SECRET"

run: $(INSTALLED) .env
	@echo "Serving on http://$(HOST):$(PORT) — docs at http://$(HOST):$(PORT)/docs"
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-access-log

# The service as deployed (docs/deployment.md): WORKERS workers (default: the CPUs) under uvicorn's supervisor,
# JSON logs, proxy headers from FORWARDED_ALLOW_IPS only, and limits on what one connection can hold
# (MAX_HEADER_BYTES, HEADER_TIMEOUT_SECONDS). Bind publicly with `make serve HOST=0.0.0.0`.
serve: $(INSTALLED) .env
	@env HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m app.serving

# A cluster on this machine (docs/deployment.md, "A cluster on one machine"): REPLICAS (2) replicas of `make serve`'s
# server behind haproxy on PORT (8080 here), PgBouncer before DATABASE_URL's PostgreSQL (by default a database it
# creates on the local server), a Redis of its own; state, logs and pid files in .cluster/.
cluster: $(INSTALLED) .env
	@tools/cluster/install-packages
	@env PORT=$(if $(filter command line environment,$(origin PORT)),$(PORT),8080) $(BIN)/python -m tools.cluster start

cluster-stop: $(INSTALLED)
	@$(BIN)/python -m tools.cluster stop

# Each replica in turn: drained in haproxy, stopped gracefully, started, back once ready. No request fails.
cluster-restart: $(INSTALLED)
	@$(BIN)/python -m tools.cluster restart

test: $(INSTALLED)
	$(BIN)/pytest

# Every slice's demo.json walked against a throwaway server of its own (no .env needed; docs/demos.md):
# `make demo SLICE=toggle_task` for one slice, `make demo BASE_URL=https://…` against a deployed server.
demo: $(INSTALLED)
	$(BIN)/python -m tools.demo $(if $(SLICE),--slice $(SLICE)) $(if $(BASE_URL),--base-url $(BASE_URL))

# The app (and `make serve` with 1 and 2 workers) against a bare ASGI + asyncpg floor on fresh PostgreSQL
# databases, about 20 minutes; writes bench/results.md (bench/README.md says what it measures).
bench: $(INSTALLED)
	$(BIN)/python -m bench

# The typed frontend client: client/openapi.json from the app's own schema, then client/src/schema.d.ts from it
# (openapi-typescript; `npm ci` in client/ first when needed). Commit both; tests/client fails while they are stale.
client: $(INSTALLED)
	$(BIN)/python -m tools.client

# A new slice from the template: `make slice NAME=archive_task` (verb_noun). Its TODOs fail loudly until written.
slice: $(INSTALLED)
	@$(BIN)/python -m tools.slice "$(NAME)"

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy app tools
	$(BIN)/hadolint Dockerfile deploy/pgbouncer/Dockerfile

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache todo.db todo.db-shm todo.db-wal
