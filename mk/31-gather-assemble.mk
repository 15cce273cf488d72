# gather, last step: every variant's source tree (compose/<variant>/source/tree)
# and compose/metadata/rpms.json, once every variant.arch is gathered (and the
# old compose's trees prelinked).
# phase: gather
# scope: global
@STATE@: work/global/config/gather.json $(filter-out @STATE@,$(GATHER_STATES)) $(PRELINK_STATES)
	$(PUNJI_BIN)/punji-gather --assemble .
