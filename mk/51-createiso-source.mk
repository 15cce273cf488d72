# createiso of a variant's source tree, once its extra files are in.
# phase: createiso
# scope: variant-src
@STATE@: work/global/config/createiso.json work/global/config/runroot.json work/src/state/createrepo-@VARIANT@.json $(filter work/src/state/createrepo-@VARIANT@-%,$(CREATEREPO_STATES)) $(filter work/src/state/extrafiles-@VARIANT@.json work/src/state/extrafiles-@VARIANT@-%,$(EXTRAFILES_STATES)) @NAMESAKES@
	$(PUNJI_BIN)/punji-createiso --variant @VARIANT@ --arch src .
