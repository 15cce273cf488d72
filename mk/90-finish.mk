# finish: composeinfo.json, and STATUS once everything else is done.
# scope: global
@STATE@: work/global/config/init.json work/global/variants.json $(filter-out @STATE@,$(ALL_STATES))
	$(PUNJI_BIN)/punji-finish .
