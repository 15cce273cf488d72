# init: the normalized config, its per-phase slices, variants and filtered comps.
# A slice is rewritten only when its bytes change, so a config change
# redoes only the phases that read the options that changed.
# scope: global
@STATE@: $(CONFIG_FILES) $(INPUT_FILES)
	$(PUNJI_BIN)/punji-init --refresh .

work/global/config/%.json: @STATE@ ;
work/global/variants.json: @STATE@ ;
