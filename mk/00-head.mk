# The top of every compose's Makefile.
# scope: once
SHELL := /bin/sh
.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := compose

# The commands of the punji that generated this Makefile.
PUNJI_BIN := @PUNJI_BIN@
# The config file and the files it includes; the variants and comps files.
CONFIG_FILES := @CONFIG_FILES@
INPUT_FILES := @INPUT_FILES@

# One make at a time in a compose (make -n and `make report` change nothing, so they may run
# beside one, and do not resume a DOOMED compose). The claim is a line of plain words, which
# punji-compose's launcher runs without starting an interpreter; punji-compose claims the
# compose itself for the make it starts (PUNJI_CLAIMED=1 on that make's command line).
PUNJI_CHANGES := $(if $(findstring n,$(firstword -$(MAKEFLAGS))),,$(if $(MAKECMDGOALS),$(filter-out report,$(MAKECMDGOALS)),compose))
ifneq ($(PUNJI_CHANGES),)
ifneq ($(PUNJI_CLAIMED),1)
PUNJI_CLAIM := $(shell $(PUNJI_BIN)/punji-makefile --claim $(if $(filter-out compose,$(PUNJI_CHANGES)),,--whole) . 2>&1)
ifneq ($(PUNJI_CLAIM),)
$(error $(PUNJI_CLAIM))
endif
endif
endif

.PHONY: compose report
compose: work/global/state/finish.json

# logs/global/report.html: punji-finish writes it, the targets that end in a DOOMED compose too; `make report` at any other moment.
report:
	$(PUNJI_BIN)/punji-report .

# make remakes this Makefile when the init phase has run again (a changed config
# may add or remove variants), then restarts with the new one.
Makefile: work/global/state/init.json
	$(PUNJI_BIN)/punji-makefile .
