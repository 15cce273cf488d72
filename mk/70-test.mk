# test: repoclosure of every repository, sanity checks of every image.
# scope: global
@STATE@: work/global/config/test.json $(filter-out @STATE@ work/global/state/finish.json,$(ALL_STATES))
	$(PUNJI_BIN)/punji-test .
