# punji — developer and user entry points. `make help` lists them.

VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
READY   := $(VENV)/.punji-ready
BYTECODE := $(VENV)/.punji-bytecode
CLIENT  := punji_lib/launcher_client
DEMO    := tests/data/demo
DEMOREPO := build/demo-repo
COMPOSES := build/composes
COMMANDS := $(shell sed -n 's/^ *\(punji-[a-z-]*\) = .*/\1/p' setup.cfg)

.PHONY: help setup compose check man docs bench demo-rpms fidelity clean

PUNGI_SRC ?= ../shared/pungi-oracle

## help: list the supported targets (the default)
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## setup: system packages (apt-get or dnf) and a virtualenv in .venv with punji in it
setup: $(BYTECODE)

$(READY): setup.cfg pyproject.toml tools/install-system-deps tools/make-venv
	tools/install-system-deps
	/usr/bin/python3 tools/make-venv $(VENV)
	# editable_mode=compat: a plain path in a .pth; the default import finder costs every command ~15 ms
	$(PY) -m pip install -q --disable-pip-version-check --config-settings editable_mode=compat -e '.[test]'
	touch $@

# Every punji command is a new Python process: compiled modules save each one the compiling of
# what it imports (~0.1 s), also where PYTHONDONTWRITEBYTECODE keeps Python from writing them.
$(BYTECODE): $(READY) $(CLIENT) $(shell find punji_lib -name '*.py')
	$(PY) -m compileall -q punji_lib
	touch $@

# make's shell in a compose: a target's punji command handed to the launcher from a C start
# (1 ms) instead of an interpreter's (10 ms); without it punji-compose uses launcher_client.py
$(CLIENT): punji_lib/launcher_client.c $(READY)
	cc -O2 -Wall -o $@ punji_lib/launcher_client.c || echo "setup: $@ not built: make's shell in a compose stays launcher_client.py"

## demo-rpms: build the demo product's RPMs and repo (build/demo-repo) from tests/data/demo/specs
demo-rpms: $(BYTECODE)
	$(PY) tools/build-demo-rpms --out $(DEMOREPO)

## compose: set up, build the demo RPMs, run a complete compose of the demo product
compose: demo-rpms
	$(BIN)/punji-compose $(DEMO)/demo.conf --target-dir $(COMPOSES) --test -j $$(nproc)

## check: set up, check that imports go downwards without cycles, then run the whole test suite
check: $(BYTECODE)
	$(PY) tools/check-imports
	$(PY) -m pytest -q tests

## man: generate man/<command>.1 from each command's argparse parser
man: $(READY)
	$(PY) tools/make-man-pages man $(COMMANDS)

## docs: regenerate docs/configuration.md from the option table (a test fails when it is stale)
docs: $(READY)
	$(PY) tools/make-config-docs

## bench: start-up time of every command (--help, python -X importtime); a no-op make in a finished compose
##        also: pkgset and gather times and memory on a synthetic 10,000-package distribution (built on first use),
##        and punji against Pungi 4.3.2 (from $(PUNGI_SRC), installed into $(PUNGI_ORACLE)): composes, depsolve
##        requests, alternating runs, median of 3; the nightly reuse ratios
PUNGI_ORACLE ?= build/pungi-oracle
bench: $(BYTECODE)
	$(PY) tools/bench-startup $(COMMANDS)
	$(PY) tools/bench-noop-make
	$(PY) tools/bench-gather --binary 10000
	$(PY) tools/bench-createiso
	$(PY) tools/bench-imagechecksum
	[ -x $(PUNGI_ORACLE)/bin/pungi-koji ] || $(PUNGI_SRC)/setup $(PUNGI_ORACLE) || echo "bench: no Pungi to compare with"
	PUNGI_ORACLE=$(PUNGI_ORACLE) PUNGI_SRC=$(PUNGI_SRC) $(PY) tools/bench-vs-pungi

## fidelity: compose the fixture products (tests/data/fidelity/) with Pungi 4.3.2 and with punji, compare
##           (installs Pungi from $(PUNGI_SRC) into build/pungi-oracle once; PUNGI_ORACLE=DIR uses another);
##           then the Koji task phases' products (tests/data/fidelity/koji-tasks*/) against the task hub
fidelity: $(BYTECODE)
	PUNGI_SRC=$(PUNGI_SRC) tools/fidelity
	$(PY) tools/fidelity-koji-tasks

## clean: remove build/ (demo RPMs, composes); keeps .venv
clean:
	rm -rf build
