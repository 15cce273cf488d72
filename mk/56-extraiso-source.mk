# extraiso of a variant's source tree (unless its blocks say skip_src).
# phase: extraiso
# needs: extra_isos
# scope: variant-src
@STATE@: work/global/config/createiso.json work/global/config/imagechecksum.json $(CREATEREPO_STATES) $(EXTRAFILES_STATES) $(filter work/src/state/createiso-@VARIANT@.json,$(CREATEISO_STATES))
	$(PUNJI_BIN)/punji-extraiso --variant @VARIANT@ --arch src .
