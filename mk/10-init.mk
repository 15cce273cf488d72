# init: the normalized config, its per-phase slices, variants and filtered comps.
# A slice is rewritten only when its bytes change, so a config change redoes
# only the phases that read the options that changed. The Makefile depends on
# this target, so make refreshes it first and restarts, seeing the slices'
# new mtimes before it judges any phase.
# scope: global
@STATE@: $(CONFIG_FILES) $(INPUT_FILES)
	$(PUNJI_BIN)/punji-init --refresh .

# Only when one of them was deleted by hand.
work/global/config/%.json:
	$(PUNJI_BIN)/punji-init --refresh .
work/global/variants.json:
	$(PUNJI_BIN)/punji-init --refresh .
