# PAKN 1022: install, demo and test tooling (GNU make, run from the repository
# root). Needs python3 (>= 3.11), node and npm; see README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEMO_DB := pakn_demo
# DEMO_PORT must match [web] listen in trytond.conf
DEMO_PORT := 8000
DEMO_URL := http://localhost:$(DEMO_PORT)/
PORTAL_PORT := 5000
PORTAL_URL := http://localhost:$(PORTAL_PORT)/
DEMO_PASSWORD := demo1022
# Extra arguments of tests/run.py, e.g. TEST_ARGS='-v -k ticket sqlite'
TEST_ARGS ?=

# Stamps keep a second `make` fast; they are redone when their inputs change
VENV_STAMP := $(VENV)/.pakn-installed
SAO_STAMP := node_modules/.pakn-installed
CHROMIUM := /usr/bin/chromium
# Debian packages of the tests: chromium (browser tests), poppler-utils
# (pdftotext, pdftoppm), fonts-dejavu-core (the fonts of the PDFs) and
# softhsm2 (the PKCS#11 token of the signature tests)
DEBIAN_FILES := $(CHROMIUM) /usr/bin/pdftoppm \
	/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/bin/softhsm2-util
DEBIAN_PACKAGES := chromium poppler-utils fonts-dejavu-core softhsm2

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Run a command in its own session, so its pid is also its process group id
# and `make stop` ends it with the worker processes it forks
DETACH = $(PY) -c 'import os, sys; os.setsid(); os.execv(sys.argv[1], sys.argv[1:])'

.PHONY: help venv install demo stop lint test bench-sla bench-portal clean distclean
.DEFAULT_GOAL := help

help:
	@echo "make demo       install, create the $(DEMO_DB) demo database and start it on $(DEMO_URL)"
	@echo "make stop       stop the demo servers"
	@echo "make lint       check the Python sources with ruff (the rules of Tryton's flake8 and isort)"
	@echo "make test       run every test suite on SQLite and on PostgreSQL (TRYTOND_DATABASE_URI)"
	@echo "make bench-sla  benchmark the deadline engine on PostgreSQL (bench/RESULTS.md)"
	@echo "make bench-portal  benchmark the portal's search and list on PostgreSQL (bench/RESULTS.md)"
	@echo "make install    create .venv (Python packages, the modules in editable mode) and install sao"
	@echo "make clean      stop the demo and remove var/ and caches; distclean also removes .venv and node_modules"

$(PY):
	@test -n "$(PYTHON)" || { echo "python3.11 or python3 is required" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# sao (the Tryton web client) from npm, pinned by package-lock.json; .npmrc
# keeps its libraries in node_modules/tryton-sao/node_modules/ where its
# index.html expects them. trytond serves that folder ([web] root).
$(SAO_STAMP): package.json package-lock.json .npmrc i18n/sao/vi.json web/custom.js
	npm ci --no-audit --no-fund --loglevel=error
	# sao ships no Vietnamese: add our catalogue of its own strings
	cp i18n/sao/vi.json node_modules/tryton-sao/locale/vi.json
	cp web/custom.js node_modules/tryton-sao/custom.js
	@touch $@

# The Debian packages of the tests, installed once whichever file is
# missing (a grouped target; apt-get skips what is installed). Root
# installs them; others are told.
$(DEBIAN_FILES) &:
	@if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's $(DEBIAN_PACKAGES) for the tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	else \
		echo "make test needs: sudo apt-get install $(DEBIAN_PACKAGES)" >&2; \
		exit 1; \
	fi

venv: $(VENV_STAMP)

install: $(VENV_STAMP) $(SAO_STAMP)

# (Re)create the demo database with data/demo.py, then start trytond and
# trytond-cron in the background (pids in var/run, logs in var/log). The
# paths of trytond.conf come from the environment, as absolute paths.
demo: export TRYTOND_DATABASE__PATH = $(CURDIR)/var/db
demo: export TRYTOND_WEB__ROOT = $(CURDIR)/node_modules/tryton-sao
demo: install
	@test -f data/demo.py || { echo "make demo: data/demo.py is missing" >&2; exit 1; }
	@$(MAKE) --no-print-directory stop
	@for port in $(DEMO_PORT) $(PORTAL_PORT); do \
		if $(PY) -c "import socket; socket.create_connection(('localhost', $$port), 2)" 2>/dev/null; then \
			echo "make demo: port $$port is taken by another program" >&2; exit 1; \
		fi; \
	done
	@mkdir -p var/db var/log var/run
	rm -f var/db/$(DEMO_DB).sqlite
	$(PY) data/demo.py --database $(DEMO_DB) --config trytond.conf
	@echo "starting trytond and trytond-cron (logs in var/log/)"
	@$(DETACH) $(VENV)/bin/trytond -c trytond.conf -d $(DEMO_DB) \
		>var/log/trytond.log 2>&1 </dev/null & echo $$! >var/run/trytond.pid
	@$(DETACH) $(VENV)/bin/trytond-cron -c trytond.conf -d $(DEMO_DB) \
		>var/log/trytond-cron.log 2>&1 </dev/null & echo $$! >var/run/trytond-cron.pid
	@echo "starting the portal (log in var/log/portal.log)"
	@$(DETACH) $(PY) -m trytond.modules.pakn_portal.site -c trytond.conf \
		-d $(DEMO_DB) --host 127.0.0.1 --port $(PORTAL_PORT) \
		>var/log/portal.log 2>&1 </dev/null & echo $$! >var/run/portal.pid
	@for i in $$(seq 120); do \
		if $(PY) -c 'import urllib.request as r; r.urlopen("$(DEMO_URL)", timeout=2)' 2>/dev/null; then \
			exit 0; \
		fi; \
		if ! kill -0 $$(cat var/run/trytond.pid) 2>/dev/null; then break; fi; \
		sleep 0.5; \
	done; \
	echo "make demo: trytond does not answer on $(DEMO_URL); end of var/log/trytond.log:" >&2; \
	tail -n 20 var/log/trytond.log >&2; $(MAKE) --no-print-directory stop; exit 1
	@for i in $$(seq 60); do \
		if $(PY) -c 'import urllib.request as r; r.urlopen("$(PORTAL_URL)", timeout=2)' 2>/dev/null; then \
			exit 0; \
		fi; \
		if ! kill -0 $$(cat var/run/portal.pid) 2>/dev/null; then break; fi; \
		sleep 0.5; \
	done; \
	echo "make demo: the portal does not answer on $(PORTAL_URL); end of var/log/portal.log:" >&2; \
	tail -n 20 var/log/portal.log >&2; $(MAKE) --no-print-directory stop; exit 1
	@echo
	@echo "PAKN 1022 demo is running: back office $(DEMO_URL), public portal $(PORTAL_URL)  (database $(DEMO_DB))"
	@echo "Logins, all with password $(DEMO_PASSWORD): admin, operator, specialist, leader, office"
	@echo "Reports of the last month and of the year (XLSX, PDF): log in as office, menu Phản ánh, kiến nghị 1022 / Báo cáo / Báo cáo đã lập; copies in var/reports/"
	@echo "Logs: var/log/trytond.log, var/log/trytond-cron.log, var/log/portal.log; the SMS sent: var/log/sms.log. Stop it with: make stop"

stop:
	@for name in portal trytond-cron trytond; do \
		pidfile=var/run/$$name.pid; \
		[ -f $$pidfile ] || continue; \
		pid=$$(cat $$pidfile); \
		if grep -qa 'trytond\|pakn_portal' /proc/$$pid/cmdline 2>/dev/null \
				|| ps -o args= -p $$pid 2>/dev/null | grep -q 'trytond\|pakn_portal'; then \
			kill -TERM -$$pid; \
			for i in $$(seq 50); do kill -0 -$$pid 2>/dev/null || break; sleep 0.2; done; \
			kill -0 -$$pid 2>/dev/null && kill -KILL -$$pid; \
			echo "stopped $$name (pid $$pid)"; \
		fi; \
		rm -f $$pidfile; \
	done

# pycodestyle, pyflakes and the order of imports, configured in
# pyproject.toml ([tool.ruff]) as Tryton configures flake8 and isort
lint: $(VENV_STAMP)
	$(VENV)/bin/ruff check .

# Module tests and tests/, on SQLite then on PostgreSQL; with CI=true an
# unreachable PostgreSQL fails instead of being skipped (see tests/run.py).
test: install $(DEBIAN_FILES)
	$(PY) tests/run.py $(TEST_ARGS)

# Benchmarks (not part of make test): results in bench/RESULTS.md
bench-sla: install
	$(PY) bench/sla.py

bench-portal: install
	$(PY) bench/portal.py

# The yearly report by unit x field over 1,000,000 cases (its own database,
# dropped at the end); BENCH_ARGS e.g. '--cases 20000 --keep'
.PHONY: bench-reports
bench-reports: install
	$(PY) bench/reports.py $(BENCH_ARGS)

clean: stop
	rm -rf var build dist tests/artifacts
	find . -name __pycache__ -type d -not -path './.venv/*' \
		-not -path './node_modules/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules *.egg-info
