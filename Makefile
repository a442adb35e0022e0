# SMILE — the two commands a newcomer needs are `make run` and `make test`.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PACKAGES := libs/smile_common libs/smile_sis services/catalogue services/agreements services/records \
            services/ewp-gateway services/indicators suite
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
SRC_PATHS := $(subst $(eval) ,:,$(addsuffix /src,$(PACKAGES)))
MYPY_PACKAGES := -p smile_common -p smile_sis -p smile_catalogue -p smile_agreements -p smile_records \
                 -p smile_ewp_gateway -p smile_indicators -p smile_suite
STAMP  := $(VENV)/.smile-installed

# Separate processes (`make up`) use this machine's PostgreSQL and RabbitMQ unless told otherwise.
UP_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/smile
UP_AMQP_URL     ?= amqp://guest:guest@127.0.0.1:5672/

.PHONY: help install run test test-fast lint format typecheck audit migrate-check up deploy-check clean contracts fuzz

help:
	@echo "make run        all five services in one process (SQLite + in-process bus), with demo data"
	@echo "make test       every test (also on PostgreSQL/RabbitMQ when SMILE_TEST_* variables are set)"
	@echo "make lint       ruff (lint + format check)"
	@echo "make typecheck  mypy --strict on every package's src/"
	@echo "make audit      known vulnerabilities of the pinned dependencies (pip-audit over constraints.txt)"
	@echo "make contracts  regenerate tests/contract/ (OpenAPI, event schemas, AsyncAPI) after an API or event change"
	@echo "make fuzz       Schemathesis on every service for a long run (SMILE_FUZZ_EXAMPLES per operation, default 200)"
	@echo "make up         each service as separate api/worker processes on PostgreSQL + RabbitMQ"
	@echo "make deploy-check  validate docker-compose, Kubernetes overlays and the image recipe; smoke-test make up"

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt \
		$(addprefix -e ,$(PACKAGES))
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/smile run

test: install
	$(BIN)/python -m pytest -n $${SMILE_TEST_WORKERS:-2}

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

audit: install
	$(BIN)/python .ci/audit_dependencies.py

typecheck: install
	MYPYPATH=$(SRC_PATHS) $(BIN)/mypy $(MYPY_PACKAGES)

contracts: install
	$(BIN)/smile contracts

fuzz: install
	SMILE_FUZZ_EXAMPLES=$${SMILE_FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest -m fuzz tests/contract -p no:xdist

up: install
	SMILE_DATABASE_URL=$${SMILE_DATABASE_URL:-$(UP_DATABASE_URL)} \
	SMILE_AMQP_URL=$${SMILE_AMQP_URL:-$(UP_AMQP_URL)} \
	$(BIN)/smile up

# Everything CI checks about deployments, including the slow parts (the image's install replayed, `smile up`
# against this machine's PostgreSQL and RabbitMQ). `make test` runs the fast parts.
deploy-check: install
	SMILE_DEPLOY_TESTS=1 \
	SMILE_TEST_DATABASE_URL=$${SMILE_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres} \
	SMILE_TEST_AMQP_URL=$${SMILE_TEST_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/} \
	$(BIN)/python -m pytest deploy/tests suite/tests/integration/test_deployment_support.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
