# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.marquee-installed
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/marquee_$(notdir $(CURDIR))
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
REDIS_SQLITE_TEST_URL ?= redis://127.0.0.1:6379/14
# One BLAS/OpenMP thread per test process: the two legs run side by side, one core each.
PYTEST := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q -p no:cacheprovider

.PHONY: setup run test test-sqlite test-postgres checks browser lint bench-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Web (http://127.0.0.1:8000), a Celery worker on every queue, and beat; Ctrl-C stops all three.
# They share a file cache unless CACHE_URL names another, so a worker's invalidations reach the web.
run: export CACHE_URL ?= file://$(CURDIR)/var/cache
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py train_recommender --if-missing
	$(BIN)/python manage.py build_support_index
	$(BIN)/python manage.py rebuild_search_index
	$(BIN)/python manage.py demo_logins
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A marquee worker -Q default,ml,media --concurrency 2 --loglevel INFO & \
	$(BIN)/celery -A marquee beat --loglevel INFO & \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The suite on SQLite and, side by side with it, its database tests again on PostgreSQL (with a real
# worker on Redis). Each leg is mostly one busy process, so two cores run both in the time of the longer;
# each has its own Redis database, and each leg's output is printed whole when it ends.
test: $(STAMP) browser checks
	@echo "running the SQLite and PostgreSQL legs side by side; each prints its log when it ends"
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(STAMP)
	CELERY_TEST_BROKER_URL="$(REDIS_SQLITE_TEST_URL)" $(PYTEST)

test-postgres: $(STAMP)
	@if $(BIN)/python tests/service_check.py postgres "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" CELERY_TEST_BROKER_URL="$(REDIS_TEST_URL)" MARQUEE_TEST_LEG=postgres $(PYTEST); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required under CI=true but is not reachable at $(PG_TEST_URL)"; exit 1; \
	else \
		echo "skipped: no PostgreSQL at $(PG_TEST_URL) (the PostgreSQL leg of the suite did not run)"; \
	fi

checks: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY="$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))")" ALLOWED_HOSTS=marquee.example \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/ruff check .

# Debian's Chromium for the browser tests (no browser downloads); installed when missing and we are root.
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium is not installed (apt-get install chromium): browser tests will be skipped"; fi; }

# Benchmark-only extras (never runtime dependencies of Marquee).
bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps 'scenedetect>=0.6.4' 'platformdirs>=3'

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
