# test: sanity checks of every image (Pungi's test phase).
# scope: global
@STATE@: work/global/config/test.json work/global/config/createiso.json $(filter-out @STATE@ work/global/state/finish.json,$(ALL_STATES))
	$(PUNJI_BIN)/punji-test .
