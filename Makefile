# Lantern: `make run` to chat, `make test` to check everything. `make help` lists the rest.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Rasa 3.6 runs on Python 3.8-3.10; we pin 3.10. Found on PATH or in pyenv.
PYTHON = $(firstword $(foreach p,python3.10 $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) /usr/bin/python3.10,$(shell $(p) -c 'import sys; print(sys.executable)' 2>/dev/null)))

# Rasa's pinned dependencies print deprecation notices that are not ours to fix.
RASA_ENV := env SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore::DeprecationWarning
RASA := $(RASA_ENV) $(BIN)/rasa
MODEL := models/lantern.tar.gz
TRAINING_DATA := $(shell find data/nlu data/rules data/stories -name '*.yml' 2>/dev/null)
# The risk classifier beside the rules: real labelled text and the safety cases.
RISK_MODEL := models/risk_classifier.joblib
RISK_DATA := $(wildcard data/risk_corpus/*.jsonl) $(wildcard tests/safety/*.yml data/nlu/*.yml) \
	data/risk_rules/normalise.yml data/risk_rules/vocabulary.yml bot/safety/normalise.py \
	bot/safety/classifier.py \
	tests/tools/risk_classifier.py

# Embedded profile defaults; any of these can be overridden from the environment.
export RASA_PORT ?= 5005
export RASA_HOST ?= 127.0.0.1
export ACTION_PORT ?= 5055
export WEB_PORT ?= 8000
export ACTION_ENDPOINT ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export TRACKER_DB_URL ?= sqlite:///$(CURDIR)/var/tracker.db
export WEB_ORIGINS ?= http://localhost:$(WEB_PORT) http://127.0.0.1:$(WEB_PORT)
export RASA_PUBLIC_URL ?= http://localhost:$(RASA_PORT)
export DJANGO_SETTINGS_MODULE ?= bot.web.settings
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export TF_INTER_OP_PARALLELISM_THREADS ?= 2
export TF_INTRA_OP_PARALLELISM_THREADS ?= 2
export PYTHONDONTWRITEBYTECODE := 1

CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx

# `make help` prints each `##@` heading, then the targets below it that have a `##`
# description: every target belongs under exactly one heading, and is listed in .PHONY.

##@ Run
.PHONY: help install train run run-prod

help: ## list the targets, by group
	@awk 'BEGIN {FS = ":.*## "; print "make <target>, one of:"} \
	  /^##@ / {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-z0-9-]+:.*## / {printf "  make %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(VENV)/.installed ## create .venv and install the pinned dependencies (again only when the lock changes)

$(VENV)/.installed: requirements.lock pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  if [ -z "$(PYTHON)" ]; then \
	    echo "Python 3.10 was not found. Rasa Open Source 3.6 needs Python 3.8-3.10:" \
	         "install python3.10 (Debian/Ubuntu: apt-get install python3.10 python3.10-venv;" \
	         "or pyenv install 3.10) and run make again."; exit 1; \
	  fi; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/pip install --quiet --upgrade "pip<25"
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

train: $(MODEL) $(RISK_MODEL) ## train the Rasa model and the risk classifier, each only when its data changed

$(RISK_MODEL): $(VENV)/.installed $(RISK_DATA)
	$(BIN)/python -m tests.tools.risk_classifier train
	@touch $@

$(MODEL): $(VENV)/.installed config.yml domain.yml $(TRAINING_DATA)
	$(RASA) train --config config.yml --domain domain.yml \
	  --data data/nlu data/rules data/stories --out models --fixed-model-name lantern
	@touch $@

run: $(MODEL) $(RISK_MODEL) ## train if needed, then start Rasa, the action server, the web site and the referral worker
	@mkdir -p var
	@echo "Lantern is starting (the Rasa server takes about 30 s to load its model):"
	@echo "  demo site      http://localhost:$(WEB_PORT)/"
	@echo "  staff console  http://localhost:$(WEB_PORT)/console/ (make staff-user creates an account)"
	@echo "  Rasa REST      http://localhost:$(RASA_PORT)/webhooks/rest/webhook"
	@echo "  action server  http://127.0.0.1:$(ACTION_PORT)/health (loopback only)"
	@echo "  referrals      posted to REFERRAL_WEBHOOK_URL, or kept in the outbox for staff"
	$(BIN)/honcho start -f Procfile

run-prod: $(MODEL) $(RISK_MODEL) ## production profile here: RASA_INSTANCES Rasa + action servers behind nginx, PostgreSQL, Redis
	@command -v nginx >/dev/null || { echo "nginx is missing: apt-get install nginx-light"; exit 1; }
	$(BIN)/python -m bot.production write
	$(BIN)/honcho start --app-root $(CURDIR) -f var/prod/Procfile

##@ Test
.PHONY: test lint validate unit console-pg conversation-tests e2e cluster browser safety

test: lint validate unit console-pg conversation-tests e2e browser cluster ## everything CI runs
	@echo "make test: all checks passed"

lint: $(VENV)/.installed ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

validate: $(VENV)/.installed ## rasa data validate, warnings are errors (form questions count as used)
	$(RASA_ENV) $(BIN)/python -m tests.tools.validate_data --config config.yml --domain domain.yml \
	  --data data/nlu data/rules data/stories --fail-on-warnings

unit: $(VENV)/.installed $(RISK_MODEL) ## pytest without the slow end-to-end, browser and cluster tests (needs Redis)
	$(BIN)/pytest -m "not e2e and not browser and not cluster"

console-pg: $(VENV)/.installed ## the staff console's tests on PostgreSQL, when PG_TEST_URL is set
	@if [ -z "$${PG_TEST_URL:-}" ]; then \
	  echo "PG_TEST_URL is not set: the console's tests ran on SQLite only (see README, Tests)"; \
	else \
	  DATABASE_URL=$$PG_TEST_URL TRACKER_DB_URL=$$PG_TEST_URL $(BIN)/pytest -m console; \
	fi

conversation-tests: $(MODEL) $(RISK_MODEL) ## Rasa conversation tests (tests/stories)
	$(RASA) test core --model $(MODEL) --stories tests/stories \
	  --fail-on-prediction-errors --out var/results

e2e: $(MODEL) $(RISK_MODEL) ## start the three real processes on free ports and talk to them
	$(BIN)/pytest -m e2e

cluster: $(MODEL) $(RISK_MODEL) $(NGINX) ## production profile: 2 Rasa instances behind nginx, PostgreSQL, Redis; faults
	$(BIN)/pytest -m cluster

browser: $(MODEL) $(RISK_MODEL) $(CHROMIUM) ## the chat widget in Debian's Chromium against the real processes
	$(BIN)/pytest -m browser

safety: $(VENV)/.installed $(RISK_MODEL) ## run tests/safety against the screen (and the bot, if it is running)
	@if curl -sf -o /dev/null $(RASA_PUBLIC_URL)/webhooks/rest/; then \
	  $(BIN)/python -m tests.safety.cases --webhook $(RASA_PUBLIC_URL)/webhooks/rest/webhook; \
	else \
	  echo "(the bot is not running at $(RASA_PUBLIC_URL): screen only; start it with make run)"; \
	  $(BIN)/python -m tests.safety.cases; \
	fi

# Debian packages the tests and benchmarks need, installed once (as root; otherwise it
# says what to run). Playwright drives the system's Chromium: nothing is downloaded at
# run time.
define apt_install
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "This needs Debian's $(1): run 'sudo apt-get install $(1)'."; exit 1; \
	fi
	apt-get install -y --no-install-recommends $(1) || \
	  (apt-get update && apt-get install -y --no-install-recommends $(1))
endef

$(CHROMIUM):
	$(call apt_install,chromium)

$(NGINX):
	$(call apt_install,nginx-light)

##@ Data
.PHONY: nlu-eval safety-dev export-safety-cases widget-help crisis-footer

nlu-eval: $(VENV)/.installed ## 5-fold cross-validation of the intents (about 7 min on 2 cores); last line nlu: intent_f1=...
	$(RASA) test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 \
	  --out var/nlu-eval
	@$(BIN)/python -m tests.tools.nlu_report var/nlu-eval/intent_report.json

safety-dev: $(VENV)/.installed $(RISK_MODEL) ## risk screen on the risk-dev set (RISK_DEV_DIR): recall, false alarms; last line safety-dev: ...
	$(BIN)/python -m tests.tools.safety_dev

export-safety-cases: $(VENV)/.installed ## write reviewers' labelled messages, redacted, to var/review-cases/from_review.yml to rewrite as cases
	$(BIN)/python -m django export_safety_cases

widget-help: $(VENV)/.installed ## regenerate the widget's copies of the crisis services, journal prompts, mood check-ins and first-session note after editing data/resources, data/content/journal_prompts.yml, mood_summary.yml or session_note.yml
	$(BIN)/python -m bot.web.crisis_help

crisis-footer: $(VENV)/.installed ## rewrite utter_crisis_footer in domain.yml from data/resources after editing it
	$(BIN)/python -m bot.safety.footer

##@ Benchmarks
.PHONY: bench-screen bench-console bench bench-prod bench-handoff

bench-screen: $(VENV)/.installed $(RISK_MODEL) ## risk screen speed on one core
	taskset -c 0 $(BIN)/python -m tests.tools.bench_screen

bench-console: $(VENV)/.installed ## staff console page and ingest times, 10,000 conversations, SQLite and PostgreSQL
	$(BIN)/python -m tests.tools.bench_console

# locust has its own venv: its dependencies conflict with Rasa's pins, and it needs Python >= 3.11.
BENCH_VENV := .venv-bench
BENCH_PYTHON = $(firstword $(foreach p,python3.11 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[12]*/bin/python3.1[12]),$(shell $(p) -c 'import sys; print(sys.executable)' 2>/dev/null)))

$(BENCH_VENV)/.installed:
	@if [ -z "$(BENCH_PYTHON)" ]; then echo "locust needs Python 3.11 or newer: install python3.11."; exit 1; fi
	$(BENCH_PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet "locust==2.47.0"
	@touch $@

bench: $(MODEL) $(RISK_MODEL) $(BENCH_VENV)/.installed ## load test, embedded profile: 20 visitors for 60 s, latency, msgs/s, memory (about 3 min)
	$(RASA_ENV) $(BIN)/python -m tests.tools.bench_load

bench-prod: $(MODEL) $(RISK_MODEL) $(BENCH_VENV)/.installed $(NGINX) ## the same through nginx with 1, then 2 Rasa instances (needs PostgreSQL, Redis; about 5 min)
	$(RASA_ENV) $(BIN)/python -m tests.tools.bench_load --prod

bench-handoff: $(MODEL) $(RISK_MODEL) $(BENCH_VENV)/.installed $(NGINX) ## live chat: 20 visitors with 5 responders beside the bot's visitors, 2 Rasa instances; delivery p50/p95 both ways (needs PostgreSQL, Redis; about 5 min)
	$(RASA_ENV) $(BIN)/python -m tests.tools.bench_handoff

##@ Operations
.PHONY: staff-user lock audit clean

staff-user: $(VENV)/.installed ## create a staff console account (admin unless ROLE=reviewer or ROLE=responder); asks for a password
	@mkdir -p var
	$(BIN)/python -m django migrate --noinput >/dev/null
	$(BIN)/python -m django staff_user --role $(or $(ROLE),admin)

lock: ## regenerate requirements.lock from pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra dev --output-file requirements.lock pyproject.toml

# pip-audit needs a newer `packaging` than Rasa's pin (<21) allows in .venv: it has its own.
TOOLS := .venv-tools
AUDIT_IGNORE = awk '/^```audit-ignore/ {f=1; next} /^```/ {f=0} f && NF && $$1 !~ /^\#/ {print "--ignore-vuln=" $$1}' SECURITY.md

$(TOOLS)/.installed:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.10 was not found: see make install."; exit 1; fi
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "pip-audit==2.10.1"
	@touch $@

audit: $(TOOLS)/.installed ## pip-audit requirements.lock; fails on findings not listed in SECURITY.md (needs PyPI's JSON API)
	$(TOOLS)/bin/pip-audit --requirement requirements.lock --no-deps --disable-pip --strict \
	  --progress-spinner off $(AUDIT_FLAGS) $$($(AUDIT_IGNORE))

clean: ## remove the model, results and local databases (keeps .venv)
	rm -rf models var .rasa results
